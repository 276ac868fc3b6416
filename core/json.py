"""JSON in and out: decimals written as numbers (Flask would write them as strings), and
only numbers JSON allows read (Python's reader also takes NaN and Infinity)."""

import math
from decimal import Decimal

from flask.json.provider import DefaultJSONProvider


def _finite(text: str) -> float:
    # 1e999 reads as infinity; PostgreSQL's JSON columns refuse it, as they refuse NaN.
    number = float(text)
    if not math.isfinite(number):
        raise ValueError(f"not a finite number: {text}")
    return number


def _no_constant(text: str):
    raise ValueError(f"{text} is not JSON")


class NumberJSONProvider(DefaultJSONProvider):
    """Writes a Decimal as an integer when whole, else as a float; reads only finite numbers."""

    def loads(self, s, **kwargs):
        """Parse JSON text; NaN, Infinity and numbers too large for a float raise ValueError."""
        kwargs.setdefault("parse_constant", _no_constant)
        kwargs.setdefault("parse_float", _finite)
        return super().loads(s, **kwargs)

    @staticmethod
    def default(o):
        """Serialise the types the standard encoder does not know."""
        if isinstance(o, Decimal):
            return int(o) if o == o.to_integral_value() else float(o)
        return DefaultJSONProvider.default(o)
