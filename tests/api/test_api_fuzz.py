"""Fuzzing the API with schemathesis against its own OpenAPI document.

Every operation, as a cooperative and as the department (bearer tokens), with
valid (positive) and invalid (negative) inputs: no answer is a 5xx, and every
answer matches its documented status codes and schema. Path ids are sometimes
replaced by the cooperative's real objects so the handlers past the 404 are
reached too. Bounded and deterministic for CI: ``FUZZ_EXAMPLES`` examples per
operation, role and mode (default 8), derandomized, no example database.
"""

import os

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis.checks import (
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.generation import GenerationMode

from tests.tenancy_helpers import build_world

# schemathesis' WSGI transport leaves streamed file responses (send_file) to the collector.
pytestmark = pytest.mark.filterwarnings(
    "ignore::ResourceWarning", "ignore::pytest.PytestUnraisableExceptionWarning"
)
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "8"))
CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance]
# Operations whose answer is a file or a redirect rather than JSON: only "no 5xx" holds.
BINARY = ("/image", "label.png", "label.svg", "labels.pdf", "/export", "/trace-report")


def _operations(schema):
    for result in schema.get_all_operations():
        yield result.ok()


def _fuzz(operation, headers, real_ids, mode, failures):
    strategy = operation.as_strategy(generation_mode=mode)

    @settings(
        max_examples=EXAMPLES,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        phases=[Phase.explicit, Phase.generate],  # no shrinking: failures are collected
    )
    @given(case=strategy, use_real=st.booleans())
    def run(case, use_real):
        if use_real and case.path_parameters:
            for name in case.path_parameters:
                if name in real_ids:
                    case.path_parameters[name] = real_ids[name]
        checks = [not_a_server_error] if _is_binary(operation) or mode is NEGATIVE else CHECKS
        try:
            case.call_and_validate(headers=headers, checks=checks)
        except (Exception, BaseExceptionGroup) as exc:  # noqa: BLE001 - every failure is collected, then reported
            key = (operation.method.upper(), operation.path, type(exc).__name__)
            failures.setdefault(key, _describe(exc))

    run()


NEGATIVE = GenerationMode.NEGATIVE


def _describe(exc: BaseException) -> str:
    """Each distinct failure's title and the start of its detail."""
    parts = getattr(exc, "exceptions", None) or (exc,)
    return "\n".join(
        f"  - {getattr(part, 'title', type(part).__name__)}: {str(part)[:600]}" for part in parts
    )


def _is_binary(operation) -> bool:
    return any(part in operation.path for part in BINARY)


@pytest.mark.parametrize("role", ["coop_a", "department"])
def test_api_survives_fuzzing_and_keeps_its_contract(app, client, world, token_for, linkage, role):
    built = build_world(client, world, token_for, linkage)
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    # A token of its own: fuzzing DELETE /auth/tokens/{id} must not cut the branch it sits on.
    headers = token_for(world["users"][role])
    real_ids = {k: v for k, v in built["params"].items() if k != "token_id"}
    failures: dict = {}
    count = 0
    for operation in _operations(schema):
        for mode in (GenerationMode.POSITIVE, NEGATIVE):
            _fuzz(operation, headers, real_ids, mode, failures)
        count += 1
    assert count >= 60, "the OpenAPI document lists too few operations"
    report = "\n\n".join(f"{key}: {text}" for key, text in sorted(failures.items()))
    assert not failures, f"{len(failures)} fuzzing failures:\n{report}"
