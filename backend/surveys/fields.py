"""Field checks the survey services share: one field's 422, phone numbers, the comment limit.

Campaigns, the public page and face-to-face entry all refuse bad input the same way.
"""

from __future__ import annotations

from backend.errors import ValidationFailed

#: A comment's length limit, online and face to face.
MAX_COMMENT = 500


def invalid(path: str, message: str) -> ValidationFailed:
    """A 422 naming one field (``details`` maps the path to its message)."""
    return ValidationFailed(details={path: [message]})


def normalise_phone(raw: str) -> str:
    """A mainland mobile (11 digits, 1[3-9]…) or a landline with area code (0…), digits only."""
    digits = "".join(ch for ch in raw if ch not in " -()")
    if digits.startswith("+86"):
        digits = digits[3:]
    elif digits.startswith("0086"):
        digits = digits[4:]
    if not digits.isdigit() or not digits.isascii():
        raise invalid("phone", "只能包含数字 (digits only)")
    mobile = len(digits) == 11 and digits[0] == "1" and digits[1] in "3456789"
    landline = digits.startswith("0") and 10 <= len(digits) <= 12
    if not (mobile or landline):
        raise invalid("phone", "请输入 11 位手机号或带区号的固定电话 (a mobile or landline number)")
    return digits
