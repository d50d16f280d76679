"""The life of a certificate after issue (CQC rule §7, §8, §9.4).

Surveillance, extensions, extra surveillance, recertification, and the calendar of what is due.
"""
