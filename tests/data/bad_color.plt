<?xml version="1.0" encoding="UTF-8"?>
<databrowser>
  <pvlist>
    <pv>
      <name>SR:RF2:FWD</name>
      <color>
        <red>300</red>
        <green>0</green>
        <blue>0</blue>
      </color>
    </pv>
  </pvlist>
</databrowser>
