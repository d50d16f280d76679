"""Offline sync helpers for field devices: "what do you have of mine" (docs/sync.md)."""
