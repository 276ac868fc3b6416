"""Identifiers: public codes (Crockford base32), lot codes (GS1 CSET 82) and URIs of our domain."""

import re
import secrets
from urllib.parse import quote

CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
PUBLIC_CODE_LENGTH = 13  # 13 × 5 bits = 65 bits of randomness
LOT_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"

# GS1 CSET 82: the characters allowed in AI (10) and most alphanumeric AIs.
_CSET82 = re.compile(r"""^[!"%&'()*+,\-./0-9:;<=>?A-Z_a-z]{1,20}$""")


def new_public_code() -> str:
    """A random, unguessable public code (65 bits) in Crockford base32."""
    return "".join(secrets.choice(CROCKFORD) for _ in range(PUBLIC_CODE_LENGTH))


def new_lot_code(prefix: str = "") -> str:
    """A random lot code, PREFIX-XXXXXXXX: only [A-Z0-9-], at most 19 characters."""
    body = "".join(secrets.choice(LOT_ALPHABET) for _ in range(8))
    return f"{prefix[:10]}-{body}" if prefix else body


def is_cset82(value: str) -> bool:
    """True when ``value`` is 1–20 characters of GS1 CSET 82 (valid as a batch/lot, AI 10)."""
    return bool(_CSET82.match(value))


def normalise_public_code(value: str) -> str:
    """Upper-case a typed code and map Crockford's look-alikes (O→0, I/L→1)."""
    return value.strip().upper().replace("O", "0").replace("I", "1").replace("L", "1")


def lot_uri(base_url: str, gtin: str | None, lot_code: str, public_code: str) -> str:
    """The lot's identifier: GS1 Digital Link with GTIN, else our /q/ URI."""
    if gtin:
        return f"{base_url}/01/{gtin}/10/{quote(lot_code, safe='')}"
    return f"{base_url}/q/{public_code}"


def location_uri(base_url: str, gln: str | None, site_code: str) -> str:
    """A location's identifier: GS1 Digital Link with GLN (AI 414), else our /l/ URI."""
    return f"{base_url}/414/{gln}" if gln else f"{base_url}/l/{site_code}"


def party_uri(base_url: str, gln: str | None, org_id: int) -> str:
    """A party's identifier: GS1 Digital Link with party GLN (AI 417), else our /p/ URI."""
    return f"{base_url}/417/{gln}" if gln else f"{base_url}/p/{org_id}"


def reference_uri(base_url: str, kind: str, reference: str) -> str:
    """A business transaction (contract, invoice…) as a URI of our domain."""
    return f"{base_url}/ref/{quote(kind, safe='')}/{quote(reference, safe='')}"


def gs1_check_digit_ok(digits: str) -> bool:
    """True when the last digit of a GS1 key (GTIN, GLN) is its mod-10 check digit."""
    if not digits.isdigit() or len(digits) < 2:
        return False
    body, check = digits[:-1], int(digits[-1])
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return (10 - total % 10) % 10 == check
