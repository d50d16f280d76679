"""Engagements."""
