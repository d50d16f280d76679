"""Certificate-number formats: a short template the administrator writes, checked and rendered.

A certificate number must be unique and readable over the phone (认证证书编号). The template is
literal text with placeholders in braces:

``{year}`` (2026), ``{yy}`` (26), ``{month}`` (03), ``{scheme}`` (the scheme's short code, e.g.
``FW``), ``{seq}`` or ``{seq:N}`` (the running number, zero-padded to N digits, 1 ≤ N ≤ 9).

Every format must contain exactly one ``{seq…}``: without it two certificates would get the
same number. Literal text may be letters, digits, CJK characters, ``- _ / . ( ) : #``,
full-width parentheses and spaces; braces only around placeholders (no number needs them).
Pure functions: no database.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

#: The placeholders a format may use, with what they stand for (the screen lists them).
PLACEHOLDERS: dict[str, str] = {
    "year": "年份，四位 / year, four digits",
    "yy": "年份，两位 / year, two digits",
    "month": "月份，两位 / month, two digits",
    "scheme": "认证方案代码 / the scheme's code",
    "seq": "流水号，{seq:5} 补零到 5 位 / running number, {seq:5} pads to 5 digits",
}
DEFAULT_FORMAT = "FC-{year}-{seq:5}"
MAX_FORMAT_LENGTH = 100
#: A rendered number longer than this does not fit a certificate's number line.
MAX_NUMBER_LENGTH = 64

_TOKEN = re.compile(r"\{([a-z]+)(?::(\d+))?\}")
# Letters and digits of any script (CJK included), and the punctuation certificate numbers use.
_LITERAL = re.compile(r"[\w\-/.():#（） ]*")


@dataclass(frozen=True, slots=True)
class NumberFormat:
    template: str
    seq_width: int


class FormatError(ValueError):
    """The template is not a valid format; ``messages`` are bilingual, one per problem."""

    def __init__(self, messages: list[str]) -> None:
        super().__init__("; ".join(messages))
        self.messages = messages


def parse_format(template: str) -> NumberFormat:
    """Check a template; raise FormatError with every problem found."""
    problems: list[str] = []
    if not template.strip():
        raise FormatError(["格式不能为空 / the format is empty"])
    if len(template) > MAX_FORMAT_LENGTH:
        problems.append(
            f"格式最多 {MAX_FORMAT_LENGTH} 个字符 / at most {MAX_FORMAT_LENGTH} characters"
        )
    seq_width: int | None = None
    seq_count = 0
    position = 0
    literals: list[str] = []
    for match in _TOKEN.finditer(template):
        literals.append(template[position : match.start()])
        position = match.end()
        name, width = match.group(1), match.group(2)
        if name not in PLACEHOLDERS:
            problems.append(f"未知的占位符 {{{name}}} / unknown placeholder {{{name}}}")
        elif name == "seq":
            seq_count += 1
            seq_width = int(width) if width is not None else 1
            if not 1 <= seq_width <= 9:
                problems.append("流水号位数应为 1–9 / {seq:N} takes N from 1 to 9")
        elif width is not None:
            problems.append(f"{{{name}}} 不能带位数 / {{{name}}} takes no width")
    literals.append(template[position:])
    _check_literals(literals, problems)
    if seq_count == 0:
        problems.append("必须包含流水号 {seq} / must contain the running number {seq}")
    elif seq_count > 1:
        problems.append("流水号 {seq} 只能出现一次 / {seq} may appear only once")
    if not problems:
        widest = NumberFormat(template, seq_width or 1)
        longest = render(widest, 10**9 - 1, date(2026, 12, 31), "W" * 10)
        if len(longest) > MAX_NUMBER_LENGTH:
            problems.append(
                f"生成的编号过长（超过 {MAX_NUMBER_LENGTH} 个字符）"
                f" / numbers would exceed {MAX_NUMBER_LENGTH} characters"
            )
    if problems:
        raise FormatError(problems)
    return NumberFormat(template, seq_width or 1)


def _check_literals(texts: list[str], problems: list[str]) -> None:
    """One message for stray braces and one listing every character not allowed."""
    text = "".join(texts)
    if "{" in text or "}" in text:
        problems.append("花括号只能用于占位符 / braces are only for placeholders")
    bad = sorted({ch for ch in text if ch not in "{}" and _LITERAL.fullmatch(ch) is None})
    if bad:
        problems.append(f"不允许的字符：{' '.join(bad)} / characters not allowed: {' '.join(bad)}")


def render(fmt: NumberFormat, seq: int, on: date, scheme_code: str) -> str:
    """The number for running number ``seq`` issued on ``on`` under a scheme with that code."""
    values = {
        "year": f"{on.year:04d}",
        "yy": f"{on.year % 100:02d}",
        "month": f"{on.month:02d}",
        "scheme": scheme_code,
    }

    def substitute(match: re.Match[str]) -> str:
        name = match.group(1)
        if name == "seq":
            return f"{seq:0{fmt.seq_width}d}"
        return values[name]

    return _TOKEN.sub(substitute, fmt.template)


def preview(template: str, on: date, scheme_code: str = "FW") -> list[str]:
    """Three example numbers (the 1st, 12th and 345th certificate) for the settings screen."""
    fmt = parse_format(template)
    return [render(fmt, seq, on, scheme_code) for seq in (1, 12, 345)]
