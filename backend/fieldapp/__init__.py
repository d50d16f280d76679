"""Read endpoints the field app's screens need that no other feature answers (issue 4)."""
