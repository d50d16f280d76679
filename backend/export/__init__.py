"""The certification file (认证档案) of an engagement as a signed BagIt bag (RFC 8493)."""
