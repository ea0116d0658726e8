"""schemathesis against /api/v1/openapi.json, in-process (WSGI) on the seeded indicator data: every generated request
gets an answer that is not a 5xx and conforms to the document (status code, content type, headers, body schema)."""

from __future__ import annotations

import os
import re

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import positive_data_acceptance

from portal.extensions import limiter
from tests.indicators.conftest import SeededIndicators

# A CI-sized run by default; `make verify` sets SCHEMATHESIS_EXAMPLES higher.
EXAMPLES = int(os.environ.get("SCHEMATHESIS_EXAMPLES", "40"))


def _operations(app: Flask) -> list[schemathesis.APIOperation]:
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    # schemathesis leaves out the operation that serves the schema itself.
    assert {op.path for op in operations} >= {"/indicators", "/indicators/{indicator_id}/data"}
    return operations


def _with_path(case: schemathesis.Case, indicator_id: str) -> schemathesis.Case:
    case.path_parameters = {"indicator_id": indicator_id}
    return case


def _fuzz(operation: schemathesis.APIOperation, checked: dict[str, int]) -> None:
    # Requests that fit the document and requests that break it (negative: must be refused, never a 5xx); real
    # indicator ids as well as generated ones, so the data route is exercised past its 404.
    strategy = st.one_of(operation.as_strategy(), operation.as_strategy(GenerationMode.NEGATIVE))
    if "indicator_id" in operation.path:
        strategy = st.one_of(
            strategy,
            operation.as_strategy().map(lambda case: _with_path(case, "93356")),
            operation.as_strategy(GenerationMode.NEGATIVE).map(lambda case: _with_path(case, "41001")),
        )

    @given(case=strategy)
    @settings(
        max_examples=EXAMPLES, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck), database=None
    )
    def run(case: schemathesis.Case) -> None:
        # The WSGI transport does not decompress; flask-compress would otherwise answer in brotli.
        response = case.call(headers={"Accept-Encoding": "identity"})
        assert response.status_code < 500, (case.path, case.query, response.text[:300])
        # An area code of the right shape that names no area is a 400 by design (a typo in a filter should not
        # look like "no data"); schemathesis counts any 400 for a schema-valid request as a rejection.
        case.validate_response(response, excluded_checks=[positive_data_acceptance])
        checked[operation.path] = checked.get(operation.path, 0) + 1

    run()


@pytest.mark.slow
def test_every_api_operation_conforms_and_never_fails(
    app: Flask, seeded_indicators: SeededIndicators, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Hundreds of requests from one address: the limits have tests of their own (429s would hide the routes).
    monkeypatch.setattr(limiter, "enabled", False)
    checked: dict[str, int] = {}
    operations = _operations(app)
    for operation in operations:
        _fuzz(operation, checked)
    print(f"schemathesis: {sum(checked.values())} requests, 0 × 5xx, all conform to the document ({checked})")
    assert set(checked) == {op.path for op in operations}


# What the first runs found, each pinned by a test of its own.


def test_the_document_admits_the_empty_parameters_the_api_ignores(client, seeded_indicators) -> None:
    document = client.get("/api/v1/openapi.json").get_json()
    parameters = {
        p["name"]: p["schema"] for p in document["paths"]["/indicators/{indicator_id}/data"]["get"]["parameters"]
    }
    assert "" in parameters["sex"]["enum"] and "" in parameters["format"]["enum"]
    assert re.fullmatch(parameters["area"]["pattern"].strip("^$"), "")
    assert client.get("/api/v1/indicators/41001/data?area=&sex=&format=").status_code == 200


@pytest.mark.parametrize("query", ["sex=%18", "area=E08000031%00", "format=json%7F", "age=All%E2%80%AEages"])
def test_control_characters_in_api_parameters_are_refused_not_dropped(client, seeded_indicators, query: str) -> None:
    response = client.get(f"/api/v1/indicators/41001/data?{query}")
    assert response.status_code == 400 and response.get_json()["error"] == "bad_parameter"
    assert "control characters" in response.get_json()["message"]


@pytest.mark.parametrize("query", ["format=%20csv", "sex=Persons%20", "area=%20E08000031"])
def test_codes_and_choices_must_be_exact(client, seeded_indicators, query: str) -> None:
    assert client.get(f"/api/v1/indicators/41001/data?{query}").status_code == 400


def test_pages_still_see_cleaned_values_whichever_is_read_first(app) -> None:
    for first in ("args", "raw_args"):
        with app.test_request_context("/search?q=a%00b%E2%80%AEc"):
            from flask import request

            getattr(request, first)
            assert request.args["q"] == "abc"
            assert request.raw_args["q"] == "a\x00b\u202ec"
