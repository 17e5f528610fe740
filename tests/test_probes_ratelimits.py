"""The rate-limit header parser, the duration parser, and the reading of error answers (no network)."""

from __future__ import annotations

import pytest

from doctor.http import ClientPlan
from doctor.probes.api import Exchange, answer_finding
from doctor.probes.ratelimits import headroom_findings, parse_duration, parse_rate_limits, retry_after_seconds
from doctor.runner import Context
from tests.conftest import PROJECT_KEY

PLAN = ClientPlan("https://api.openai.com/v1", None, "the operating system's trust store")


@pytest.mark.parametrize(
    "text, seconds",
    [("1s", 1), ("6m0s", 360), ("20ms", 0.02), ("1h2m3.5s", 3723.5), ("1.772s", 1.772), ("519ms", 0.519),
     ("250us", 0.00025), ("56", 56), ("0s", 0)],
)
def test_go_durations(text, seconds):
    assert parse_duration(text) == pytest.approx(seconds)


@pytest.mark.parametrize("text", ["", "soon", "1x", "s1", "1s garbage"])
def test_not_durations(text):
    assert parse_duration(text) is None


def test_every_header_family_is_read():
    headers = {
        "x-ratelimit-limit-requests": "5000", "x-ratelimit-remaining-requests": "4999", "x-ratelimit-reset-requests": "12ms",
        "x-ratelimit-limit-tokens": "2000000", "x-ratelimit-remaining-tokens": "1999990", "x-ratelimit-reset-tokens": "6m0s",
        "x-ratelimit-limit-project-tokens": "100000", "x-ratelimit-remaining-project-tokens": "5",
        "x-ratelimit-limit-tokens_usage_based": "900", "content-type": "application/json",
    }
    assert parse_rate_limits(headers) == {
        "requests": {"limit": 5000, "remaining": 4999, "reset_seconds": 0.012},
        "tokens": {"limit": 2000000, "remaining": 1999990, "reset_seconds": 360},
        "project_tokens": {"limit": 100000, "remaining": 5, "reset_seconds": None},
        "tokens_usage_based": {"limit": 900, "remaining": None, "reset_seconds": None},
    }


def test_gateway_per_key_headers_yield_to_the_openai_ones():
    headers = {"x-ratelimit-api_key-remaining-requests": "7", "x-ratelimit-api_key-limit-requests": "10",
               "x-ratelimit-remaining-tokens": "3", "x-ratelimit-api_key-remaining-tokens": "99"}
    limits = parse_rate_limits(headers)
    assert limits["requests"] == {"limit": 10, "remaining": 7, "reset_seconds": None}
    assert limits["tokens"]["remaining"] == 3


def test_exhausted_and_low_budgets():
    limits = {"requests": {"limit": 100, "remaining": 0, "reset_seconds": 2.0},
              "tokens": {"limit": 1000, "remaining": 99, "reset_seconds": 0.5},
              "project_tokens": {"limit": 1000, "remaining": 100, "reset_seconds": None}}
    findings = headroom_findings(limits)
    assert [f.code for f in findings] == ["ratelimit.requests", "ratelimit.low"]
    assert "2.0 s" in findings[0].message.en and "99 of 1000 tokens" in findings[1].message.en


@pytest.mark.parametrize(
    "headers, message, seconds",
    [({"retry-after-ms": "1500", "retry-after": "9"}, "", 1.5), ({"retry-after": "20"}, "", 20),
     ({}, "Please try again in 1.772s. Visit", 1.772), ({}, "Please try again in 519ms.", 0.519), ({}, "no hint", None)],
)
def test_retry_after(headers, message, seconds):
    assert retry_after_seconds(headers, message) == (pytest.approx(seconds) if seconds is not None else None)


def _answer(status: int, error: dict, headers: dict | None = None) -> Exchange:
    return Exchange("GET", PLAN.base_url + "/models", status, headers or {}, {"error": error}, "{}", PLAN)


def test_a_server_seeing_another_key_says_so(make_settings):
    ctx = Context(settings=make_settings(env={"OPENAI_API_KEY": PROJECT_KEY}))
    error = {"type": "invalid_request_error", "code": "invalid_api_key",
             "message": "Incorrect API key provided: sk-proj-********************wxyz. You can find your API key at https://platform.openai.com/account/api-keys."}
    finding = answer_finding(ctx, _answer(401, error))
    assert finding.code == "key.invalid"
    assert "sk-proj-********************wxyz" in finding.message.en and PROJECT_KEY[-4:] in finding.message.en
    assert "different key" in finding.message.en


@pytest.mark.parametrize(
    "status, error, code",
    [
        (429, {"type": "insufficient_quota", "code": "insufficient_quota", "message": "You exceeded your current quota"}, "quota.insufficient"),
        (429, {"type": "insufficient_quota", "code": "credit_balance_exhausted", "message": "no credits"}, "quota.billing_limit"),
        (429, {"type": "billing_not_active", "code": None, "message": "billing"}, "quota.billing_limit"),
        (429, {"type": "access_terminated", "code": None, "message": "terminated"}, "key.revoked"),
        (403, {"type": "invalid_request_error", "code": "missing_scope", "message": "Missing scopes: api.model.read."}, "key.insufficient_scope"),
        (503, {"type": "service_unavailable_error", "code": "server_is_overloaded", "message": "overloaded"}, "server.overloaded"),
        (502, {"type": "server_error", "code": None, "message": "bad gateway"}, "server.error"),
        (409, {"type": "conflict", "code": None, "message": "odd"}, "server.unexpected"),
    ],
)
def test_error_answers_map_to_codes(make_settings, status, error, code):
    ctx = Context(settings=make_settings(env={"OPENAI_API_KEY": PROJECT_KEY}))
    assert answer_finding(ctx, _answer(status, error)).code == code
