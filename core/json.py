"""JSON output: decimals as numbers (Flask would write them as strings)."""

from decimal import Decimal

from flask.json.provider import DefaultJSONProvider


class NumberJSONProvider(DefaultJSONProvider):
    """Writes a Decimal as an integer when whole, else as a float."""

    @staticmethod
    def default(o):
        """Serialise the types the standard encoder does not know."""
        if isinstance(o, Decimal):
            return int(o) if o == o.to_integral_value() else float(o)
        return DefaultJSONProvider.default(o)
