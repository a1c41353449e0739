"""Operations tools: the procServ launcher, the display, the motor client, the CA repeater."""
