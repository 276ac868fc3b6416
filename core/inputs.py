"""Typed service inputs: a sentinel for fields a partial update (PATCH) did not send."""

import dataclasses
from typing import Any, Final


class _Unset:
    """The type of UNSET: falsy, one instance, readable in reprs."""

    _instance = None

    def __new__(cls):
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __bool__(self) -> bool:
        return False

    def __repr__(self) -> str:
        return "UNSET"


UNSET: Final[Any] = _Unset()


def sent_fields(patch) -> dict[str, Any]:
    """The fields of a patch dataclass that were sent, by name."""
    return {
        field.name: getattr(patch, field.name)
        for field in dataclasses.fields(patch)
        if getattr(patch, field.name) is not UNSET
    }
