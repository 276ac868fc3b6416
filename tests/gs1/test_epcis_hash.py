"""The CBV 2.0 event hash against GS1's reference vectors (events, documents, many at once),
and the hash module's independence from Flask.

Our own events' pre-hash rules: test_epcis_hash_events.py; value rules: test_epcis_hash_values.py.
"""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from gs1.event_hash import (
    document_event_hashes,
    document_events,
    event_hash,
    event_hashes,
    prehash_string,
)
from tests.epcis_hash_events import CONTEXT, ni
from tests.missing import unavailable

PROJECT = Path(__file__).resolve().parents[2]

VECTORS = PROJECT.parent / "shared" / "standards" / "epcis" / "event-hash-vectors"


# Pre-hash lines of the vector files that do not hash to their own .hashes line (checked below),
# so only the hash is compared for them. Any other inconsistent line fails the test.
CORRUPT_PREHASH_LINES = {
    ("epcisDocWithAllGS1Keys", 0): "garbled upstream: fragments of other lines interleaved",
    ("epcisDocWithDefaultSchemaInContext", 1): "truncated: the 'po' transaction is missing",
}


def _lines(path: Path) -> list[str] | None:
    if not path.exists():
        return None
    return [line for line in path.read_text(encoding="utf-8").splitlines() if line]


def _vector_cases() -> list:
    if not VECTORS.is_dir():
        return [pytest.param(None, None, id="vectors-missing")]
    cases = []
    for path in sorted(VECTORS.glob("*.jsonld")):
        document = json.loads(path.read_text(encoding="utf-8"))
        for index in range(len(document_events(document))):
            cases.append(pytest.param(path, index, id=f"{path.stem}-{index}"))
    return cases or [pytest.param(None, None, id="vectors-missing")]


def _require_vectors() -> None:
    """Skip (locally) or fail (when CI is set) if the shared vectors folder is not there."""
    if VECTORS.is_dir() and any(VECTORS.glob("*.jsonld")):
        return
    unavailable(f"EPCIS event hash vectors not found in {VECTORS}")


@pytest.mark.parametrize(("path", "index"), _vector_cases())
def test_vector_event(path, index):
    """Each event of each vector: its pre-hash string, then its hash."""
    _require_vectors()
    document = json.loads(path.read_text(encoding="utf-8"))
    event = document_events(document)[index]
    hashes = _lines(path.with_suffix(".hashes")) or []
    assert len(hashes) > index, f"{path.stem}.hashes has no line for event {index + 1}"
    expected_hash = hashes[index]
    prehashes = _lines(path.with_suffix(".prehashes"))  # optional: some vectors have none

    if prehashes:
        assert len(prehashes) > index, f"{path.stem}.prehashes has no line for event {index + 1}"
        expected = prehashes[index]
        if ni(expected) == expected_hash:
            assert prehash_string(event, document.get("@context")) == expected
        else:
            assert (path.stem, index) in CORRUPT_PREHASH_LINES, (
                f"{path.name} line {index + 1} does not hash to its own .hashes line"
            )
    assert event_hash(event, document.get("@context")) == expected_hash


def _vector_files() -> list:
    files = sorted(VECTORS.glob("*.jsonld")) if VECTORS.is_dir() else []
    return [pytest.param(p, id=p.stem) for p in files] or [pytest.param(None, id="vectors-missing")]


@pytest.mark.parametrize("path", _vector_files())
def test_vector_document(path):
    """document_event_hashes gives every event's hash, in order, and nothing more."""
    _require_vectors()
    document = json.loads(path.read_text(encoding="utf-8"))
    assert document_event_hashes(document) == _lines(path.with_suffix(".hashes"))


def test_module_does_not_import_flask():
    """The hash is pure Python: importing it loads neither Flask nor SQLAlchemy."""
    code = "import sys, gs1.event_hash; print(sorted({'flask', 'sqlalchemy'} & set(sys.modules)))"
    result = subprocess.run(  # noqa: S603 (our own interpreter, fixed arguments)
        [sys.executable, "-c", code], cwd=PROJECT, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"


def test_hashing_many_events_at_once_matches_hashing_each():
    """``event_hashes`` shares canonical spellings across events: never one event's with another's.

    Every vector event, hashed one list under one context (so every value recurs across
    structures and fields), and each vector document with its own context, as one by one.
    """
    _require_vectors()
    together = []
    for path in sorted(VECTORS.glob("*.jsonld")):
        document = json.loads(path.read_text(encoding="utf-8"))
        events = document_events(document)
        assert event_hashes(events, document.get("@context")) == [
            event_hash(event, document.get("@context")) for event in events
        ]
        together.extend(events)
    one_by_one = [event_hash(event, CONTEXT) for event in together]
    assert event_hashes(together, CONTEXT) == one_by_one
    # The same value in a field with a vocabulary and in one without stays apart.
    plain = {"type": "ObjectEvent", "action": "OBSERVE", "eventTime": "2026-11-20T08:00:00Z"}
    pair = [plain | {"bizStep": "shipping"}, plain | {"htx:step": "shipping"}]
    assert event_hashes(pair, CONTEXT) == [event_hash(event, CONTEXT) for event in pair]
    assert "BizStep-shipping" in prehash_string(pair[0], CONTEXT)
    assert "BizStep-" not in prehash_string(pair[1], CONTEXT)
