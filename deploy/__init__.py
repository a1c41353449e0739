"""Files for deploying pvchart at a site (systemd units, their env files, an access-security
example), installed as the resource package ``iocs.deploy``; :mod:`iocs.common.resources`
finds them."""
