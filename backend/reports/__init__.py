"""Printable documents: engagement reports, audit plans, survey posters (issue 10, "The office").

``pdf`` is the foundation (Jinja templates laid out by WeasyPrint, Noto CJK fonts embedded as
subsets), ``charts`` draws the SVG charts on the server, ``engagement`` and ``audit_plan`` build
and render the documents from plain data. Nothing here reads the request: services pass plain
dataclasses in and get PDF bytes back, so the planning feature and certificates reuse them.
"""
