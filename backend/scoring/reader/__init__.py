"""The scheme reader: raw YAML data → a validated ``Scheme``, or every problem with its path.

One module per part of a scheme file: ``base`` (typed primitive reads), ``document`` (the top
level), ``scales`` (α bands and level bands), ``service`` (items and characteristics),
``management`` (maturity), ``conformity``, ``timing``, ``decision`` (decision rows) and
``lifecycle`` (lifecycle numbers). ``backend.scoring.scheme`` turns bytes into the data read here.
"""

from backend.scoring.reader.base import Reader
from backend.scoring.reader.document import read_scheme

__all__ = ["Reader", "read_scheme"]
