"""Application and planning (CQC rule §4, §5.1) and the client portal's reads."""
