"""The certification body's own settings: name, address, report logo, certificate numbers."""
