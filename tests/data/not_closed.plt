<?xml version="1.0" encoding="UTF-8"?>
<databrowser>
  <title>Unclosed</title>
  <pvlist>
    <pv>
      <name>SR:RF2:FWD</name>
  </pvlist>
</databrowser>
