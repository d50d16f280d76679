"""The language a response speaks: zh-CN unless the request's Accept-Language prefers English."""

from __future__ import annotations

from enum import StrEnum

from flask import has_request_context, request


class Language(StrEnum):
    ZH_CN = "zh-CN"
    EN = "en"


#: Listed in order of preference: a request that accepts anything (``*``) gets zh-CN.
SUPPORTED = (Language.ZH_CN, Language.EN)


def request_language() -> Language:
    """The best supported language for the current request; zh-CN outside a request."""
    if not has_request_context():
        return Language.ZH_CN
    # Werkzeug also matches a language's primary tag: en-GB and en-US pick "en".
    best = request.accept_languages.best_match([language.value for language in SUPPORTED])
    return Language(best) if best else Language.ZH_CN
