"""Walk a paged list the way a client does: follow ``Link: <…>; rel="next"`` until there is none.

Every paged list (evaluations, survey responses and callbacks, the audit log) answers a page with
``X-Next-Cursor`` and ``Link`` together or neither (backend/paging.py); each step checks that.
"""

from __future__ import annotations

from collections.abc import Callable

from werkzeug.test import TestResponse

#: More pages than any test's list has: a list that never ends fails rather than hangs.
MAX_PAGES = 50


def follow_pages(get: Callable[[str], TestResponse], url: str) -> list[TestResponse]:
    """The pages from ``url`` on, each answered 200, in order."""
    pages: list[TestResponse] = []
    next_url: str | None = url
    while next_url is not None:
        page = get(next_url)
        assert page.status_code == 200, page.get_json()
        pages.append(page)
        cursor, link = page.headers.get("X-Next-Cursor"), page.headers.get("Link")
        assert (link is None) == (cursor is None), (cursor, link)
        if link is not None:
            assert link.endswith('>; rel="next"') and f"cursor={cursor}" in link, link
        next_url = link[1 : link.index(">")] if link else None
        assert len(pages) < MAX_PAGES
    return pages
