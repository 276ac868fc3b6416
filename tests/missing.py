"""What a test does when a tool or file outside the project is missing: skip on a developer's
machine, fail under CI (``CI`` set), where ``.ci/run`` installs every tool and ``../shared``
is present, so a missing one is a broken setup, never a reason to pass."""

import os

import pytest


def unavailable(reason: str):
    """Skip this test for ``reason``, or fail it under CI."""
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (required under CI)")
    pytest.skip(reason)


def needs_postgres(is_postgres: bool, why: str):
    """Skip on SQLite a test that only means something on PostgreSQL (``why`` says what);
    CI runs the suite on PostgreSQL too, where it runs."""
    if not is_postgres:
        pytest.skip(why)
