"""Certification files as signed BagIt bags (RFC 8493): BagWriter writes, verify_bag checks."""

from backend.bag.verify import BagReport, Problem, verify_bag
from backend.bag.writer import BagError, BagWriter

__all__ = ["BagError", "BagReport", "BagWriter", "Problem", "verify_bag"]
