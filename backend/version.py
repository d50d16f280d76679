"""The installed version of fieldcert (from the package metadata, i.e. pyproject.toml)."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version


def _installed_version() -> str:
    try:
        return version("fieldcert")
    except PackageNotFoundError:
        # Imported from a checkout that was never installed (pip install -e .).
        return "0+unknown"


VERSION = _installed_version()
