"""Timing rows from a monitoring platform's CSV export, with the refused rows shown (annex tables).

Pure: no database. The export's columns are found by their header, in Chinese or English:
项目/位置 (item, location), 平台接收时间 (received), 发送时间 (sent) and, optionally, 条款
(clause); a file without a clause column takes the clause the auditor chose. Each row is checked by
the scoring core exactly as a row entered on the phone (full timestamps with seconds or
milliseconds, sent not before received, across midnight by the dates); a refused row is listed with
its line number and why, never dropped silently.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from typing import Any

from backend.scoring import InputError, Scheme, parse_input

MAX_ROWS = 2000

_HEADERS = {
    "item": (
        "项目/位置",
        "项目位置",
        "项目",
        "位置",
        "检查项目",
        "item",
        "location",
        "item/location",
    ),
    "received": ("平台接收时间", "接收时间", "系统运行平台接收时间", "received", "received_at"),
    "sent": (
        "发送时间",
        "向联网单位发送告警信息时间",
        "告警发送时间",
        "sent",
        "sent_at",
    ),
    "clause": ("条款", "clause"),
}
_SLASH_DATE = re.compile(r"^(\d{4})/(\d{1,2})/(\d{1,2})([ T].*)$")


@dataclass(frozen=True)
class Preview:
    rows: list[dict[str, Any]]
    refused: list[dict[str, Any]]
    columns: dict[str, str]


def _stamp(text: str) -> str:
    """``2026/3/2 23:59:58`` (a common export form) as ISO 8601; other texts as written."""
    text = text.strip()
    match = _SLASH_DATE.match(text)
    if match:
        y, m, d, rest = match.groups()
        return f"{y}-{int(m):02d}-{int(d):02d}{rest}"
    return text


def preview(scheme: Scheme, text: str, clause: str | None) -> Preview:
    """The rows the CSV gives and the rows it refuses, each with its line and reason."""
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    lines = list(reader)
    if not lines:
        return Preview([], [{"line": 1, "text": "", "reason": "the file is empty"}], {})
    header = [h.strip().lower() for h in lines[0]]
    columns: dict[str, int] = {}
    for key, names in _HEADERS.items():
        for i, h in enumerate(header):
            if h in {n.lower() for n in names}:
                columns[key] = i
                break
    missing = [k for k in ("item", "received", "sent") if k not in columns]
    if missing:
        return Preview(
            [],
            [
                {
                    "line": 1,
                    "text": ",".join(lines[0]),
                    "reason": "missing column(s): "
                    + ", ".join(f"{k} ({_HEADERS[k][0]})" for k in missing),
                }
            ],
            {},
        )
    if "clause" not in columns and clause is None:
        return Preview(
            [],
            [
                {
                    "line": 1,
                    "text": ",".join(lines[0]),
                    "reason": "no clause column: choose a clause",
                }
            ],
            {},
        )
    rows: list[dict[str, Any]] = []
    refused: list[dict[str, Any]] = []
    for number, cells in enumerate(lines[1:], start=2):
        if not any(c.strip() for c in cells):
            continue
        if len(rows) + len(refused) >= MAX_ROWS:
            refused.append({"line": number, "text": ",".join(cells), "reason": "too many rows"})
            break

        def cell(key: str, cells: list[str] = cells) -> str:
            i = columns.get(key)
            return cells[i].strip() if i is not None and i < len(cells) else ""

        row = {
            "clause": cell("clause") or clause,
            "item": cell("item"),
            "received": _stamp(cell("received")),
            "sent": _stamp(cell("sent")),
        }
        if not row["item"]:
            refused.append({"line": number, "text": ",".join(cells), "reason": "item: is empty"})
            continue
        try:
            parse_input({"timing": [row]}, scheme)
        except InputError as exc:
            where = exc.path.removeprefix("timing[0]").lstrip(".")
            reason = f"{where}: {exc.message}" if where else exc.message
            refused.append({"line": number, "text": ",".join(cells), "reason": reason})
            continue
        rows.append({"line": number, **row})
    found = {k: lines[0][i] for k, i in columns.items()}
    return Preview(rows, refused, found)
