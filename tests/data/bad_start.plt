<?xml version="1.0" encoding="UTF-8"?>
<databrowser>
  <scroll>true</scroll>
  <start>since lunch</start>
  <end>now</end>
  <pvlist>
    <pv>
      <name>SR:RF2:FWD</name>
    </pv>
  </pvlist>
</databrowser>
