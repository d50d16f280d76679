"""The pure scoring core: schemes as data, exact scores, levels, decisions and their explanations.

No Flask, no SQLAlchemy: plain typed functions over plain data, shared by the API, the CLI and the
tests. Typical use::

    scheme = load_scheme("schemes/cts-tbsc034-2026.yaml")
    result = score(scheme, parse_input(json.loads(text, parse_float=Decimal), scheme))
    print(result_json(result))

The parts: ``model`` (the typed scheme), ``scheme`` (loading a file) with ``reader`` (checking
each part of it), ``inputs`` (scoring input), ``engine`` (scores, levels, decision), ``render``
(the JSON of ``fieldcert score``), ``numbers`` (exact arithmetic and its display), ``errors``.
"""

from backend.scoring.engine import ScoreResult, score
from backend.scoring.errors import InputError, Problem, SchemeError
from backend.scoring.inputs import ScoreInput, parse_input
from backend.scoring.render import result_json
from backend.scoring.scheme import Scheme, find_scheme, load_scheme, parse_scheme

__all__ = [
    "InputError",
    "Problem",
    "Scheme",
    "SchemeError",
    "ScoreInput",
    "ScoreResult",
    "find_scheme",
    "load_scheme",
    "parse_input",
    "parse_scheme",
    "result_json",
    "score",
]
