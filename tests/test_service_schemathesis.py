"""Property-based tests of the API against its own OpenAPI document (schemathesis): whatever is sent,
no answer is a server error, and every answer has a documented status, content type and shape."""

from __future__ import annotations

import shutil
import tempfile
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import checks

from conftest import FRESH_SEEDS, TALKS, TOKENS, client_settings, seed_store
from truce.service.app import create_app
from truce.store.repo import Store

CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_schema_conformance,
]
_TMP = Path(tempfile.mkdtemp(prefix="truce-schemathesis-"))
_STORE = Store(f"sqlite:///{_TMP / 'truce.db'}")
seed_store(_STORE)
_STORE.create_ballot(TALKS, "Seeded", [{"terms": {"rafah": "israeli_control"}}], ["israel", "hamas"], "test")
# the one person the revoke and rotate operations act on (any other would lock the tokens used here out)
_SPARE = _STORE.add_person(TALKS, "Spare observer", "observer", None, "tok-spare-0123456789", "test")
APP = create_app(_STORE, client_settings())
SCHEMA = schemathesis.openapi.from_asgi("/openapi.json", APP)
SEEN: Counter[tuple[str, int]] = Counter()
OPERATIONS = [op.ok() for op in SCHEMA.get_all_operations()]
REAL = {
    "talks_id": [TALKS],
    "proposal_id": ["aug16-bridging", "jul2-hamas", "may27-israel"],
    "party": ["israel", "hamas"],
    "number": [1],
    "person_id": [_SPARE.id],
    "proposal": ["aug16-bridging", "jul2-hamas"],  # a query parameter (bridging from a text)
    "reading": ["hamas-aug18", "israel-pmo"],  # ... and from a reading of it (of aug16-bridging: refused for the other)
}
ALWAYS_REAL = {"person_id"}


@pytest.fixture(scope="module", autouse=True)
def _cleanup() -> Iterator[None]:
    yield
    _STORE.close()
    shutil.rmtree(_TMP, ignore_errors=True)


@pytest.mark.parametrize("who", ["mediator", "hamas"])
@pytest.mark.parametrize("operation", OPERATIONS, ids=lambda op: op.label)
def test_answers_match_the_document(operation: Any, who: str) -> None:
    headers = {"Authorization": f"Bearer {TOKENS[who]}"}

    @given(
        case=operation.as_strategy(), real=st.dictionaries(st.sampled_from(list(REAL)), st.booleans()), pick=st.data()
    )
    # the profile loaded in conftest fixes the seed unless TRUCE_FRESH_SEEDS=1
    @settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    def run(case: Any, real: dict[str, bool], pick: Any) -> None:
        # mostly aim at things that exist, or every answer would be a 403 or a 404
        for name in case.path_parameters or {}:
            if name in REAL and (real.get(name, True) or name in ALWAYS_REAL):
                case.path_parameters[name] = pick.draw(st.sampled_from(REAL[name]))
        for name in case.query or {}:
            if name in REAL and real.get(name, True):
                case.query[name] = pick.draw(st.sampled_from(REAL[name]))
        response = case.call_and_validate(headers=headers, checks=CHECKS)
        SEEN[(operation.label, response.status_code)] += 1

    run()


def test_the_cases_reach_past_the_door() -> None:
    """Most operations got real answers (2xx or 3xx), not only refusals of made-up addresses."""
    if not SEEN:
        pytest.skip("runs after the operation tests")
    reached = {label for (label, status), _ in SEEN.items() if status < 400}
    assert len(OPERATIONS) >= 25
    unreached = sorted({op.label for op in OPERATIONS} - reached)
    assert len(reached) >= len(OPERATIONS) * 2 // 3, unreached


def test_the_cases_are_the_same_on_every_run() -> None:
    """CI draws the same requests every time (TRUCE_FRESH_SEEDS=1 draws new ones)."""
    if FRESH_SEEDS:
        pytest.skip("drawing from fresh seeds")
    operation = next(op for op in OPERATIONS if op.method.upper() == "PUT" and op.path.endswith("/marks"))

    def draw() -> list[str]:
        drawn: list[str] = []

        @given(case=operation.as_strategy())
        @settings(max_examples=20, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        def run(case: Any) -> None:
            drawn.append(repr((case.path_parameters, case.query, case.body)))

        run()
        return drawn

    first = draw()
    assert len(set(first)) > 5 and draw() == first
