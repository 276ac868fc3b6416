"""The Vietnamese catalogue is complete, not fuzzy, keeps every placeholder, and is up to date
with the strings in the code (extracted the way `make extract-messages` does)."""

import re
import shlex
import unicodedata
from pathlib import Path

import pytest
from babel.messages.frontend import CommandLineInterface
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = ROOT / "translations"
POT = TRANSLATIONS / "messages.pot"
VI = TRANSLATIONS / "vi" / "LC_MESSAGES" / "messages.po"
EN = TRANSLATIONS / "en" / "LC_MESSAGES" / "messages.po"

# %(name)s, %s, %d, %% and {name} / {name:spec}: each must survive translation unchanged.
PLACEHOLDER = re.compile(r"%\(\w+\)[-#0 +]*\d*(?:\.\d+)?[sdifr]|%%|%[sdifr]|\{[^{}]*\}")


def _read(path: Path):
    with path.open("rb") as fileobj:
        return read_po(fileobj)


def _placeholders(text: str) -> list[str]:
    return sorted(PLACEHOLDER.findall(text))


def _forms(message) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(msgid forms, msgstr forms) of a message, singular or plural."""
    ids = message.id if isinstance(message.id, tuple) else (message.id,)
    strings = message.string if isinstance(message.string, tuple) else (message.string,)
    return ids, strings


def _ids(catalog) -> set:
    return {message.id for message in catalog if message.id}


@pytest.fixture(scope="module")
def vi():
    return _read(VI)


def test_every_message_has_a_vietnamese_translation(vi):
    untranslated = [
        message.id
        for message in vi
        if message.id and not all(form.strip() for form in _forms(message)[1])
    ]
    assert not untranslated, f"{len(untranslated)} untranslated: {untranslated[:20]}"


def test_no_entry_is_fuzzy(vi):
    fuzzy = [message.id or "(header)" for message in vi if message.fuzzy]
    assert not fuzzy, f"fuzzy entries: {fuzzy[:20]}"


def test_translations_keep_the_placeholders(vi):
    wrong = []
    for message in vi:
        if not message.id:
            continue
        ids, strings = _forms(message)
        allowed = [_placeholders(form) for form in ids]
        for string in strings:
            if string and _placeholders(string) not in allowed:
                wrong.append((ids[-1], string))
    assert not wrong, "placeholders differ:\n" + "\n".join(f"{i!r} -> {s!r}" for i, s in wrong)


def test_translations_are_nfc(vi):
    not_nfc = [
        string
        for message in vi
        if message.id
        for string in _forms(message)[1]
        if unicodedata.normalize("NFC", string) != string
    ]
    assert not not_nfc, f"not in Unicode NFC: {not_nfc[:20]}"


def _extract_arguments(output: Path) -> list[str]:
    """The pybabel extract command of the Makefile's extract-messages target, writing to output."""
    for line in (ROOT / "Makefile").read_text(encoding="utf-8").splitlines():
        if "pybabel extract" in line:
            arguments = shlex.split(line.split("pybabel", 1)[1])
            break
    else:  # pragma: no cover
        pytest.fail("the Makefile has no `pybabel extract` command")
    arguments[arguments.index("-o") + 1] = str(output)
    return ["pybabel", "-q", *arguments]


def test_catalogues_are_up_to_date_with_the_code(vi, tmp_path, monkeypatch):
    """A string added to the code (or removed from it) without `make extract-messages` and a
    translation fails here."""
    output = tmp_path / "messages.pot"
    monkeypatch.chdir(ROOT)
    CommandLineInterface().run(_extract_arguments(output))
    in_code = _ids(_read(output))
    assert in_code, "nothing was extracted"
    for name, catalog in (("messages.pot", _read(POT)), ("vi", vi), ("en", _read(EN))):
        assert _ids(catalog) == in_code, (
            f"{name} is out of date; run `make extract-messages` and translate. "
            f"Not in the catalogue: {sorted(map(str, in_code - _ids(catalog)))[:20]}; "
            f"no longer in the code: {sorted(map(str, _ids(catalog) - in_code))[:20]}"
        )
