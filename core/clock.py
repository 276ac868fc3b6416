"""The Vietnamese calendar: what "today" is for the department and the cooperatives.

A server keeps UTC, but a cooperative recording a harvest at 6 a.m. in Gia Lai lives on
Vietnam's date, seven hours ahead: every "today" a user sees or is checked against (a form's
default date, a lot code's date, "not in the future") is Vietnam's.
"""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")


def utcnow() -> datetime:
    """The current time in UTC (one place, so a test can set the clock)."""
    return datetime.now(UTC)


def vn_today() -> date:
    """Today's date in Vietnam."""
    return utcnow().astimezone(VIETNAM).date()
