"""Benchmark the field app's budgets (issue 4) on the built PWA in this machine's Chromium.

1. Initial JavaScript (what index.html loads before the app runs) and everything the service
   worker precaches, gzip -9: budgets 120 KB and 400 KB.
2. Tap on "save photo" → the photo stored in IndexedDB, for a 12-megapixel JPEG: the page
   records a performance measure ``photo-save`` from the file input's change event to the
   resolved ``capturePhoto`` (downscale to 2048 px, JPEG 0.85, SHA-256, IndexedDB write).
   Budget: under 1 s.
3. Bytes uploaded per photo against the camera file's size: the photos are synced to the real
   server and the evidence records' sizes compared with the files given to the page.
4. The office screens (issue 10) load as separate chunks: the scripts a team leader's browser
   fetches while opening the desk and the engagement page are none of the initial ones, and the
   shopper's session (item 2) fetches no script beyond the initial ones. Both are checked.

Needs ``make pwa`` and /usr/bin/chromium. Runs the real app on a temporary SQLite database with
the demo data. A benchmark, not a test: it prints figures and exits 1 only if a budget is missed.
"""

from __future__ import annotations

import argparse
import gzip
import os
import re
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

BUDGET_INITIAL_JS = 120 * 1024
BUDGET_PRECACHE = 400 * 1024
BUDGET_PHOTO_SAVE_MS = 1000.0


def gzip_size(path: Path) -> int:
    return len(gzip.compress(path.read_bytes(), compresslevel=9))


def initial_scripts(dist: Path) -> list[str]:
    html = (dist / "index.html").read_text(encoding="utf-8")
    return re.findall(r'<script[^>]*\bsrc="/([^"]+\.js)"', html) + re.findall(
        r'<link[^>]*rel="modulepreload"[^>]*href="/([^"]+\.js)"', html
    )


def sizes(dist: Path) -> tuple[int, int, list[str]]:
    initial = initial_scripts(dist)
    precached = re.findall(r'"url":"([^"]+)"', (dist / "sw.js").read_text(encoding="utf-8"))
    return (
        sum(gzip_size(dist / name) for name in initial),
        sum(gzip_size(dist / name) for name in precached),
        precached,
    )


def office_chunks(browser: object, url: str, initial_files: set[str], row: str) -> list[str]:
    """The scripts the desk loads for a team leader, beyond the initial ones (all must be)."""
    from backend.users.models import Role
    from tests.browser.live import sign_in
    from tests.browser.office import desk_context, office_ready

    context = desk_context(browser, url)
    page = context.new_page()
    scripts: list[str] = []
    page.on(
        "response",
        lambda r: (
            scripts.append(r.url.split("/", 3)[3]) if r.request.resource_type == "script" else None
        ),
    )
    sign_in(page, Role.TEAM_LEADER)
    office_ready(page, "home")
    page.click(row)
    office_ready(page, "engagement")
    page.click("[data-engagement-tab='planning']")
    office_ready(page, "engagement-planning")
    context.close()
    return sorted({name for name in scripts if name not in initial_files})


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--photos", type=int, default=5, help="12-megapixel photos to save (5)")
    args = ap.parse_args()

    os.environ.setdefault("FIELDCERT_INSTANCE_DIR", tempfile.mkdtemp(prefix="fieldcert-bench-"))
    from playwright.sync_api import sync_playwright

    from backend.users.models import Role
    from tests.browser.live import (
        PWA_DIST,
        LiveServer,
        World,
        free_port,
        make_photo,
        phone_context,
        prepare_database,
        read_position,
        server_config,
        sign_in,
        wait_for_app,
    )
    from tests.browser.office import demo_engagement_row
    from tests.chromium import CHROMIUM, CHROMIUM_ARGS

    if not (PWA_DIST / "index.html").is_file():
        sys.exit("pwa/dist is not built: run `make pwa` first")
    initial, precache, files = sizes(PWA_DIST)
    print(
        f"Initial JS (gzip):  {initial / 1024:7.1f} KB   budget {BUDGET_INITIAL_JS / 1024:.0f} KB"
    )
    print(
        f"Precached (gzip):   {precache / 1024:7.1f} KB   budget {BUDGET_PRECACHE / 1024:.0f} KB"
        f"   ({len(files)} files)"
    )

    tmp = Path(tempfile.mkdtemp(prefix="fieldcert-pwa-bench-"))
    database_url = f"sqlite:///{tmp / 'bench.sqlite3'}"
    storage = tmp / "evidence"
    prepare_database(database_url, storage)
    server = LiveServer(server_config(database_url, storage), free_port(), tmp / "server.log")
    world = World(database_url, storage, server)
    # Alternately grainy (a hard case for JPEG) and ordinary (noise 0.1) 12-megapixel photos.
    camera = [
        make_photo(tmp / f"IMG_{i:04d}.jpg", 4000, 3000, i, noise=0.5 if i % 2 == 0 else 0.1)
        for i in range(args.photos)
    ]
    server.start()
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            initial_files = set(initial_scripts(PWA_DIST))
            demo_row = demo_engagement_row(world)
            office = office_chunks(browser, server.url, initial_files, demo_row)
            context = phone_context(browser, server.url, service_workers="block")
            page = context.new_page()
            field_scripts: list[str] = []
            page.on(
                "response",
                lambda r: (
                    field_scripts.append(r.url.split("/", 3)[3])
                    if r.request.resource_type == "script"
                    else None
                ),
            )
            assignment_id = world.new_assignment()
            sign_in(page, Role.SHOPPER)
            page.goto("/#/assignments")
            wait_for_app(page)
            page.locator(f'[data-assignment-id="{assignment_id}"] [data-open-assignment]').click()
            page.wait_for_selector("#checkin")
            read_position(page, "#checkin", "#checkin-fixes")
            context.set_offline(True)  # measure the phone alone, no upload competing
            for index, photo in enumerate(camera):
                page.set_input_files("#photo-general", str(photo))
                page.wait_for_function(
                    "n => document.querySelectorAll('[data-photos=\"general\"] [data-photo-id]')"
                    ".length > n",
                    arg=index,
                )
            durations: list[float] = page.evaluate(
                "performance.getEntriesByName('photo-save').map((e) => e.duration)"
            )
            ids = page.locator('[data-photos="general"] [data-photo-id]').evaluate_all(
                "els => els.map((e) => e.dataset.photoId)"
            )
            # Finish the visit and let the outbox upload the photos to the real server.
            for code in page.locator("article[data-item]").evaluate_all(
                "els => els.map((e) => e.dataset.item)"
            ):
                page.locator(f'article[data-item="{code}"] [data-level="4"]').click()
            context.set_offline(False)
            read_position(page, "#checkout", "#checkout-fixes")
            page.click("#submit-visit")
            page.wait_for_selector('#visit-status[data-status="synced"]', timeout=120_000)
            page.wait_for_function(
                "(() => { const s = document.getElementById('sync-indicator');"
                " return s.dataset.pending === '0' && s.dataset.state === 'synced'; })()",
                timeout=120_000,
            )
            uploaded = world.evidence(ids)
            originals = {p.name: p.stat().st_size for p in camera}
            browser.close()
    finally:
        server.stop()

    print(
        f"Save photo (12 MP JPEG 4000x3000 -> IndexedDB), {len(durations)} photos: "
        f"median {statistics.median(durations):.0f} ms, max {max(durations):.0f} ms"
        f"   budget {BUDGET_PHOTO_SAVE_MS:.0f} ms"
    )
    sent = [uploaded[i].size_bytes for i in ids]
    camera_sizes = list(originals.values())
    for index, (photo_id, size, original) in enumerate(zip(ids, sent, camera_sizes, strict=True)):
        record = uploaded[photo_id]
        print(
            f"  photo {photo_id[:8]}: camera file {original / 1024:6.0f} KB -> uploaded "
            f"{size / 1024:5.0f} KB ({record.width}x{record.height}), {size / original:.1%}"
            f"  [{'grainy' if index % 2 == 0 else 'ordinary'}]"
        )
    print(
        f"Bytes uploaded per photo: {statistics.mean(sent) / 1024:.0f} KB on average for "
        f"{statistics.mean(camera_sizes) / 1024:.0f} KB camera files "
        f"({sum(sent) / sum(camera_sizes):.1%})"
    )
    office_kb = sum(gzip_size(PWA_DIST / name) for name in office) / 1024
    field_extra = sorted({name for name in field_scripts if name not in initial_files})
    print(
        f"Office chunks (gzip): {office_kb:5.1f} KB in {len(office)} separate files loaded by "
        f"the team leader's desk and engagement pages, none of them initial"
    )
    print(f"Shopper session scripts beyond the initial ones: {len(field_extra)} {field_extra}")
    ok = (
        initial <= BUDGET_INITIAL_JS
        and precache <= BUDGET_PRECACHE
        and max(durations) < BUDGET_PHOTO_SAVE_MS
        # The office is code-split: it loads chunks of its own, and field roles never load them.
        and len(office) > 0
        and not field_extra
    )
    if not ok:
        print("Over budget.")
        sys.exit(1)


if __name__ == "__main__":
    main()
