"""Certificates (CQC rule §9): the signed seal carried by the QR code, issue and status."""
