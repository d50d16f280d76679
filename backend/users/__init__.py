"""Organisations and users."""
