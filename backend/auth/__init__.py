"""Signing in and out; who is signed in."""
