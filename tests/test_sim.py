"""The OpenAI simulator: every scenario answers like the real API, in the real order, over real sockets."""

from __future__ import annotations

import datetime as dt
import json
import re
import signal
import socket
import ssl
import subprocess
import sys
import time
from pathlib import Path

import httpx
import openai
import pytest

from doctor.cli import main
from doctor.sim import SCENARIOS, start, start_proxy
from doctor.sim.bodies import go_duration

ROOT = Path(__file__).resolve().parents[1]
KEY = "sk-proj-" + "Ab3_" * 18 + "Zx" + "T3BlbkFJ" + "Qw9-" * 18 + "Kp"  # built at run time, never a real key
HELLO = [{"role": "user", "content": "Say hello"}]
CHAT = {"model": "gpt-4o-mini", "messages": HELLO}
INVALID_CHAT = {"model": "gpt-4o-mini", "messages": HELLO, "max_tokens": -1}  # the quota probe's free request
RATE_HEADERS = [f"x-ratelimit-{kind}-{unit}" for unit in ("requests", "tokens") for kind in ("limit", "remaining", "reset")]


@pytest.fixture(scope="module")
def http():
    # Connection: close, so no pooled connection outlives the simulator it was opened to.
    with httpx.Client(timeout=5, headers={"Connection": "close"}) as client:
        yield client


def call(http, scenario, method="POST", path="/chat/completions", json=None, key=KEY, headers=None, **start_options):
    auth = {"Authorization": f"Bearer {key}"} if key is not None else {}
    with start(scenario, **start_options) as sim:
        return http.request(method, sim.base_url + path, json=json if method == "POST" else None,
                            headers={**auth, **(headers or {})})


def error_of(response):
    body = response.json()
    assert set(body) == {"error"} and set(body["error"]) == {"message", "type", "param", "code"}, body
    return body["error"]


# -- every API scenario: status, type, code, message ------------------------------------------------

API_ERRORS = [
    # scenario, request, status, type, code, words of the message
    ("invalid-key", CHAT, 401, "invalid_request_error", "invalid_api_key", "Incorrect API key provided: sk-proj-"),
    ("revoked-key", CHAT, 401, "invalid_request_error", "account_deactivated", "deactivated account"),
    ("access-terminated", CHAT, 429, "access_terminated", None, "terminated"),
    ("invalid-org", CHAT, 401, "invalid_request_error", "invalid_organization", "do not have access to the organization"),
    ("ip-not-allowed", CHAT, 401, "invalid_request_error", "ip_not_authorized", "127.0.0.1"),
    ("missing-scope", CHAT, 401, "invalid_request_error", "missing_scope", "Missing scopes: model.request."),
    ("region-blocked", CHAT, 403, "request_forbidden", "unsupported_country_region_territory", "Country, region, or territory not supported"),
    ("insufficient-quota", CHAT, 429, "insufficient_quota", "insufficient_quota", "You exceeded your current quota"),
    ("credit-exhausted", CHAT, 429, "insufficient_quota", "credit_balance_exhausted", "no credits remaining"),
    ("spend-limit", CHAT, 429, "insufficient_quota", "project_spend_limit_exceeded", "proj_"),
    ("org-spend-limit", CHAT, 429, "insufficient_quota", "organization_spend_limit_exceeded", "spend limit"),
    ("usage-limit", CHAT, 429, "insufficient_quota", "organization_usage_limit_exceeded", "usage limit"),
    ("ratelimit-requests", CHAT, 429, "requests", "rate_limit_exceeded",
     "Rate limit reached for gpt-4o-mini in organization org-S1mu1at0rD0ct0rT3stOrg0 on requests per min (RPM): Limit 3, Used 3, Requested 1. Please try again in 20s."),
    ("ratelimit-tokens", CHAT, 429, "tokens", "rate_limit_exceeded", "on tokens per min (TPM): Limit 200000, Used 199432, Requested 1200."),
    ("request-too-large", CHAT, 429, "tokens", "rate_limit_exceeded",
     "Request too large for gpt-4o-mini in organization org-S1mu1at0rD0ct0rT3stOrg0 on tokens per min (TPM): Limit 30000, Requested 32156. The input or output tokens must be reduced"),
    ("model-not-found", CHAT, 404, "invalid_request_error", "model_not_found", "The model `gpt-4o-mini` does not exist or you do not have access to it."),
    ("model-no-access", {**CHAT, "model": "gpt-4o"}, 403, "invalid_request_error", "model_not_found",
     "Project `proj_S1mu1at0rD0ct0rPr0j3ct0` does not have access to model `gpt-4o`"),
    ("server-error", CHAT, 500, "server_error", None, "The server had an error while processing your request."),
    ("overloaded", CHAT, 503, "service_unavailable_error", "server_is_overloaded", "overloaded"),
    ("slow-down", CHAT, 429, "rate_limit_error", "slow_down", "at least 15 minutes"),
    ("slow-down-503", CHAT, 503, "service_unavailable_error", "slow_down", "at least 15 minutes"),
]


@pytest.mark.parametrize("scenario, request_body, status, type_, code, words", API_ERRORS, ids=[row[0] for row in API_ERRORS])
def test_scenario_answers_with_its_error_before_any_later_check(http, scenario, request_body, status, type_, code, words):
    """The request is also wrong at every later stage (bad max_tokens, unknown parameter): the scenario's error wins."""
    response = call(http, scenario, json={**request_body, "max_tokens": -1, "not_a_parameter": True})
    error = error_of(response)
    assert (response.status_code, error["type"], error["code"]) == (status, type_, code)
    assert words in error["message"]
    assert re.fullmatch(r"req_[0-9a-f]{32}", response.headers["x-request-id"])


@pytest.mark.parametrize("scenario", ["ok", "invalid-key", "region-blocked", "insufficient-quota", "ratelimit-requests", "model-not-found"])
def test_a_missing_authorization_header_is_checked_first(http, scenario):
    response = call(http, scenario, json=INVALID_CHAT, key=None)
    error = error_of(response)
    assert (response.status_code, error["type"], error["code"]) == (401, "invalid_request_error", None)
    assert error["message"].startswith("You didn't provide an API key.")


def test_no_key_header_scenario_ignores_the_key_that_was_sent(http):
    response = call(http, "no-key-header", method="GET", path="/models")
    assert response.status_code == 401
    assert error_of(response)["message"].startswith("You didn't provide an API key.")


def test_invalid_key_message_shows_the_masked_tail_of_the_key_received(http):
    other_key = "sk-proj-" + "Zz9_" * 37 + "WXYZ"
    message = error_of(call(http, "invalid-key", method="GET", path="/models", key=other_key))["message"]
    assert f"sk-proj-{'*' * (len(other_key) - 12)}WXYZ." in message
    assert other_key not in message


@pytest.mark.parametrize("scenario, header", [("mismatched-org", "OpenAI-Organization"), ("mismatched-project", "OpenAI-Project")])
def test_mismatch_scenarios_reject_only_requests_that_name_an_organization_or_project(http, scenario, header):
    assert call(http, scenario, json=CHAT).status_code == 200
    response = call(http, scenario, json=CHAT, headers={header: "org-SomebodyElse"})
    error = error_of(response)
    assert (response.status_code, error["code"]) == (401, scenario.replace("-", "_").replace("org", "organization"))
    assert f"{header} header should match" in error["message"]


def test_invalid_org_names_the_organization_header_it_cannot_find(http):
    response = call(http, "invalid-org", json=CHAT, headers={"OpenAI-Organization": "org-DoesNotExist"})
    assert error_of(response)["message"] == "No such organization: org-DoesNotExist."


# -- the order of the checks --------------------------------------------------------------------------

@pytest.mark.parametrize("scenario, status", [("ok", 400), ("insufficient-quota", 429), ("ratelimit-requests", 429),
                                              ("model-not-found", 404), ("invalid-key", 401)])
def test_the_free_invalid_request_reveals_quota_rate_limit_and_model_before_validation(http, scenario, status):
    assert call(http, scenario, json=INVALID_CHAT).status_code == status


@pytest.mark.parametrize("scenario", ["insufficient-quota", "ratelimit-requests", "overloaded", "slow-down"])
def test_generation_limits_leave_the_models_endpoint_working(http, scenario):
    assert call(http, scenario, method="GET", path="/models").status_code == 200


def test_server_error_fails_every_endpoint(http):
    assert call(http, "server-error", method="GET", path="/models").status_code == 500


# -- models --------------------------------------------------------------------------------------------

def test_models_list_holds_current_models(http):
    ids = {model["id"] for model in call(http, "ok", method="GET", path="/models").json()["data"]}
    assert {"gpt-4o-mini", "gpt-4o", "gpt-4.1", "gpt-4.1-mini", "o4-mini", "gpt-5", "gpt-5-mini", "text-embedding-3-small"} <= ids


def test_model_not_found_hides_the_model_from_the_list_and_from_retrieval(http):
    ids = {model["id"] for model in call(http, "model-not-found", method="GET", path="/models").json()["data"]}
    assert "gpt-4o-mini" not in ids and "gpt-4o" in ids
    response = call(http, "model-not-found", method="GET", path="/models/gpt-4o-mini")
    assert (response.status_code, error_of(response)["code"]) == (404, "model_not_found")
    assert call(http, "model-not-found", json={**CHAT, "model": "gpt-4o"}).status_code == 200


@pytest.mark.parametrize("model", ["gpt-4o-mnii", "text-davinci-003", "gpt-3.5-turbo-0301"])
def test_unknown_and_retired_models_are_not_found_in_every_scenario(http, model):
    response = call(http, "ok", method="GET", path=f"/models/{model}")
    assert (response.status_code, error_of(response)["message"]) == (404, f"The model `{model}` does not exist or you do not have access to it.")


def test_model_no_access_allows_only_the_projects_allow_list(http):
    assert call(http, "model-no-access", json={**CHAT, "model": "gpt-4.1-mini"}).status_code == 200
    assert call(http, "model-no-access", method="GET", path="/models/gpt-4o-mini").status_code == 403


def test_model_deprecated_announces_a_shutdown_date_and_still_answers(http):
    models = {m["id"]: m for m in call(http, "model-deprecated", method="GET", path="/models").json()["data"]}
    assert models["gpt-4o-mini"]["shutdown_date"] == (dt.date.today() + dt.timedelta(days=60)).isoformat()
    assert models["gpt-4.1"]["shutdown_date"] is None
    assert call(http, "model-deprecated", json=CHAT).status_code == 200


# -- parameter validation --------------------------------------------------------------------------------

VALIDATION = [
    ({"model": "gpt-4o-mini", "messages": HELLO, "max_tokens": -1}, "max_tokens", "integer_below_min_value",
     "Invalid 'max_tokens': integer below minimum value. Expected a value >= 1, but got -1 instead."),
    ({"model": "gpt-5-mini", "messages": HELLO, "max_tokens": 16}, "max_tokens", "unsupported_parameter",
     "Unsupported parameter: 'max_tokens' is not supported with this model. Use 'max_completion_tokens' instead."),
    ({"model": "gpt-4o-mini", "messages": HELLO, "max_tokens": 100_000}, "max_tokens", "invalid_value",
     "max_tokens is too large: 100000. This model supports at most 16384 completion tokens"),
    ({"model": "gpt-4o-mini"}, "messages", "missing_required_parameter", "Missing required parameter: 'messages'."),
    ({"model": "gpt-4o-mini", "messages": []}, "messages", "empty_array", "Invalid 'messages': empty array."),
    ({"model": "gpt-4o-mini", "messages": HELLO, "temprature": 0}, None, None, "Unrecognized request argument supplied: temprature"),
    ({"messages": HELLO}, None, None, "you must provide a model parameter"),
    ({"model": "o4-mini", "messages": HELLO, "temperature": 0.2}, "temperature", "unsupported_value", "Only the default (1) value is supported."),
    ({"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "word " * 130_000}]}, "messages",
     "context_length_exceeded", "This model's maximum context length is 128000 tokens."),
]


@pytest.mark.parametrize("request_body, param, code, words", VALIDATION, ids=[row[2] or row[3][:20] for row in VALIDATION])
def test_chat_parameter_validation(http, request_body, param, code, words):
    response = call(http, "ok", json=request_body)
    error = error_of(response)
    assert (response.status_code, error["type"], error["param"], error["code"]) == (400, "invalid_request_error", param, code)
    assert words in error["message"]


def test_responses_reject_unknown_parameters_and_tiny_budgets(http):
    unknown = error_of(call(http, "ok", path="/responses", json={"model": "gpt-4.1", "input": "hi", "messages": HELLO}))
    assert (unknown["param"], unknown["code"], unknown["message"]) == ("messages", "unknown_parameter", "Unknown parameter: 'messages'.")
    tiny = error_of(call(http, "ok", path="/responses", json={"model": "gpt-4.1", "input": "hi", "max_output_tokens": 1}))
    assert (tiny["param"], tiny["code"]) == ("max_output_tokens", "integer_below_min_value")


def test_a_body_that_is_not_json_is_a_400(http):
    with start("ok") as sim:
        response = http.post(f"{sim.base_url}/chat/completions", content=b"{not json", headers={"Authorization": f"Bearer {KEY}"})
    assert response.status_code == 400
    assert error_of(response)["message"].startswith("We could not parse the JSON body of your request.")


def test_an_unknown_path_is_an_invalid_url(http):
    response = call(http, "ok", method="GET", path="/engines")
    assert (response.status_code, error_of(response)["message"]) == (404, "Invalid URL (GET /v1/engines)")


# -- success bodies and usage --------------------------------------------------------------------------

def test_usage_grows_with_the_prompt_and_adds_up(http):
    short = call(http, "ok", json=CHAT).json()["usage"]
    long = call(http, "ok", json={**CHAT, "messages": [{"role": "user", "content": "x" * 400}]}).json()["usage"]
    assert 8 <= short["prompt_tokens"] <= 15  # two words and the chat framing
    assert long["prompt_tokens"] - short["prompt_tokens"] in range(90, 110)  # ~4 characters per token
    assert long["total_tokens"] == long["prompt_tokens"] + long["completion_tokens"]


def test_a_small_output_budget_truncates_the_answer(http):
    body = call(http, "ok", json={**CHAT, "max_tokens": 3}).json()
    assert (body["choices"][0]["finish_reason"], body["usage"]["completion_tokens"]) == ("length", 3)


def test_a_reasoning_model_spends_a_tiny_budget_thinking(http):
    tiny = call(http, "ok", json={"model": "gpt-5-mini", "messages": HELLO, "max_completion_tokens": 16}).json()
    assert tiny["choices"][0]["message"]["content"] == ""
    assert tiny["usage"]["completion_tokens_details"]["reasoning_tokens"] == 16
    enough = call(http, "ok", json={"model": "gpt-5-mini", "messages": HELLO, "max_completion_tokens": 200}).json()
    assert enough["choices"][0]["finish_reason"] == "stop" and enough["choices"][0]["message"]["content"]


def test_streamed_chat_carries_the_same_answer_as_the_plain_one():
    with start("ok") as sim:
        client = openai.OpenAI(api_key=KEY, base_url=sim.base_url, max_retries=0)
        plain = client.chat.completions.create(**CHAT).choices[0].message.content
        stream = client.chat.completions.create(**CHAT, stream=True, stream_options={"include_usage": True})
        chunks = list(stream)
    assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices) == plain
    assert chunks[-1].usage.total_tokens > 0


def test_streamed_response_events_spell_out_the_plain_answer(http):
    plain = call(http, "ok", path="/responses", json={"model": "gpt-4.1-mini", "input": "Say hello"}).json()
    streamed = call(http, "ok", path="/responses", json={"model": "gpt-4.1-mini", "input": "Say hello", "stream": True})
    events = [json.loads(line[6:]) for line in streamed.text.splitlines() if line.startswith("data: ")]
    plain_text = plain["output"][0]["content"][0]["text"]
    assert "".join(e["delta"] for e in events if e["type"] == "response.output_text.delta") == plain_text
    assert [e["type"] for e in events][:2] + [events[-1]["type"]] == ["response.created", "response.in_progress", "response.completed"]
    assert [e["sequence_number"] for e in events] == list(range(len(events)))


# -- headers --------------------------------------------------------------------------------------------

def test_success_headers_look_like_the_real_apis(http):
    response = call(http, "ok", json=CHAT)
    headers = response.headers
    assert re.fullmatch(r"req_[0-9a-f]{32}", headers["x-request-id"])
    assert headers["openai-processing-ms"].isdigit()
    assert headers["openai-version"] == "2020-10-01"
    assert headers["openai-organization"]
    assert response.json()["usage"]["prompt_tokens"] == 9  # "Say hello": 3 tokens + 3 for the message + 3 for the reply
    # One request of 500 a minute: full again in 120 ms; 9 tokens of 200000 a minute: in 2.7 ms.
    assert [headers[name] for name in RATE_HEADERS] == ["500", "499", "120ms", "200000", "199991", "2.7ms"]


@pytest.mark.parametrize("scenario", ["ok", "insufficient-quota", "ratelimit-tokens"])
def test_rate_limit_headers_come_with_every_inference_answer_even_errors(http, scenario):
    response = call(http, scenario, json=INVALID_CHAT)
    assert all(name in response.headers for name in RATE_HEADERS)


def test_models_endpoint_sends_no_rate_limit_headers(http):
    assert not [name for name in call(http, "ok", method="GET", path="/models").headers if name.startswith("x-ratelimit")]


@pytest.mark.parametrize("scenario, retry_after, remaining", [
    ("ratelimit-requests", "20", ("0", None)), ("ratelimit-tokens", "1", (None, "568")), ("request-too-large", None, (None, None))])
def test_rate_limit_rejections_carry_retry_after_only_when_waiting_helps(http, scenario, retry_after, remaining):
    headers = call(http, scenario, json=CHAT).headers
    assert headers.get("retry-after") == retry_after
    for unit, value in zip(("requests", "tokens"), remaining):
        if value is not None:
            assert headers[f"x-ratelimit-remaining-{unit}"] == value


def test_ratelimit_low_leaves_under_a_tenth_of_both_budgets(http):
    headers = call(http, "ratelimit-low", json=CHAT).headers
    for unit in ("requests", "tokens"):
        assert int(headers[f"x-ratelimit-remaining-{unit}"]) < int(headers[f"x-ratelimit-limit-{unit}"]) / 10
    assert re.fullmatch(r"\d+(\.\d+)?s", headers["x-ratelimit-reset-requests"])


def test_litellm_sends_per_key_rate_limit_headers_and_prefixes_the_upstream_ones(http):
    headers = call(http, "litellm", json=CHAT).headers
    assert headers["x-ratelimit-api_key-limit-requests"] == "100"
    assert int(headers["x-ratelimit-api_key-remaining-tokens"]) < 100_000
    assert headers["llm_provider-x-ratelimit-limit-tokens"] == "200000"
    assert "x-ratelimit-limit-requests" not in headers and "x-litellm-version" in headers


@pytest.mark.parametrize("seconds, text", [(0.12, "120ms"), (0.0021, "2.1ms"), (1.772, "1.772s"), (20, "20s"),
                                           (360, "6m0s"), (61.5, "1m1.5s"), (3600, "1h0m0s"), (0, "0s")])
def test_reset_durations_are_written_the_go_way(seconds, text):
    assert go_duration(seconds) == text


# -- the official SDK sees the matching exception ----------------------------------------------------------

@pytest.mark.parametrize("scenario, exception, code", [
    ("invalid-key", openai.AuthenticationError, "invalid_api_key"),
    ("missing-scope", openai.AuthenticationError, "missing_scope"),
    ("region-blocked", openai.PermissionDeniedError, "unsupported_country_region_territory"),
    ("insufficient-quota", openai.RateLimitError, "insufficient_quota"),
    ("ratelimit-requests", openai.RateLimitError, "rate_limit_exceeded"),
    ("model-not-found", openai.NotFoundError, "model_not_found"),
    ("overloaded", openai.InternalServerError, "server_is_overloaded"),
    ("ok", openai.BadRequestError, "integer_below_min_value"),
])
def test_the_sdk_raises_the_matching_exception(scenario, exception, code):
    with start(scenario) as sim:
        client = openai.OpenAI(api_key=KEY, base_url=sim.base_url, max_retries=0)
        with pytest.raises(exception) as caught:
            client.chat.completions.create(**INVALID_CHAT)
    assert caught.value.code == code
    assert caught.value.request_id.startswith("req_")


def test_requests_are_recorded_with_the_key_masked():
    with start("ok") as sim:
        openai.OpenAI(api_key=KEY, base_url=sim.base_url, max_retries=0, organization="org-Mine").models.list()
    (request,) = sim.requests
    assert (request.method, request.path, request.status) == ("GET", "/v1/models", 200)
    assert request.headers["authorization"].endswith(KEY[-4:]) and KEY not in request.headers["authorization"]
    assert request.headers["openai-organization"] == "org-Mine"


# -- faults -----------------------------------------------------------------------------------------------

def test_latency_delays_every_response_and_is_reported(http):
    started = time.monotonic()
    response = call(http, "ok", method="GET", path="/models", latency_ms=150)
    assert time.monotonic() - started >= 0.15
    assert int(response.headers["openai-processing-ms"]) >= 150


def test_slow_outlasts_a_short_timeout():
    with start("slow") as sim, pytest.raises(httpx.ReadTimeout):
        httpx.get(f"{sim.base_url}/models", headers={"Authorization": f"Bearer {KEY}"}, timeout=0.3)


def test_blackhole_accepts_and_never_answers_and_still_stops_at_once():
    with start("blackhole") as sim:
        started = time.monotonic()
        with pytest.raises(httpx.ReadTimeout):
            httpx.get(f"{sim.base_url}/models", timeout=httpx.Timeout(0.4, connect=2))
        assert time.monotonic() - started >= 0.4  # connected at once, then waited for nothing
        stopping = time.monotonic()
    assert time.monotonic() - stopping < 1
    assert [r.status for r in sim.requests] == [None]


def test_reset_drops_the_connection_mid_response():
    with start("reset") as sim, pytest.raises((httpx.ReadError, httpx.RemoteProtocolError)):
        httpx.get(f"{sim.base_url}/models", headers={"Authorization": f"Bearer {KEY}"})


def test_html_502_is_a_gateway_page(http):
    response = call(http, "html-502", method="GET", path="/models")
    assert (response.status_code, response.headers["content-type"]) == (502, "text/html")
    assert "<h1>502 Bad Gateway</h1>" in response.text


def test_garbage_is_a_200_that_is_not_json(http):
    response = call(http, "garbage", json=CHAT)
    assert response.status_code == 200
    with pytest.raises(ValueError):
        response.json()


# -- TLS ----------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("scenario, trusted_error", [("tls-self-signed", None), ("tls-expired", "certificate has expired"),
                                                     ("tls-wrong-host", "mismatch")])
def test_tls_scenarios_fail_verification_for_their_own_reason(scenario, trusted_error):
    with start(scenario) as sim:
        assert sim.base_url.startswith("https://127.0.0.1:") and Path(sim.ca_file).is_file()
        with pytest.raises(httpx.ConnectError, match="unable to get local issuer certificate"):
            httpx.get(f"{sim.base_url}/models")
        trusting = ssl.create_default_context(cafile=sim.ca_file)
        if trusted_error is None:
            assert httpx.get(f"{sim.base_url}/models", headers={"Authorization": f"Bearer {KEY}"}, verify=trusting).status_code == 200
        else:
            with pytest.raises(httpx.ConnectError, match=trusted_error):
                httpx.get(f"{sim.base_url}/models", verify=trusting)
    assert not Path(sim.ca_file).exists()  # the temporary CA goes away with the simulator


def test_tls_option_serves_any_scenario_over_https():
    with start("invalid-key", tls=True) as sim:
        response = httpx.get(f"{sim.base_url}/models", headers={"Authorization": f"Bearer {KEY}"},
                             verify=ssl.create_default_context(cafile=sim.ca_file))
    assert response.status_code == 401


# -- the proxy -------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("mode, expected", [("refuse_connect", "403"), ("auth_required", "407")])
def test_proxy_refuses_the_tunnel(mode, expected):
    with start("tls-self-signed") as sim, start_proxy(mode) as proxy:
        with pytest.raises(httpx.ProxyError, match=expected):
            httpx.get(f"{sim.base_url}/models", proxy=proxy.url, verify=ssl.create_default_context(cafile=sim.ca_file))
    assert proxy.requests == [("CONNECT", sim.base_url.split("/")[2])]


def test_proxy_ok_tunnels_https_and_forwards_http():
    with start("tls-self-signed") as tls_sim, start("ok") as plain_sim, start_proxy("ok") as proxy:
        auth = {"Authorization": f"Bearer {KEY}"}
        through_tunnel = httpx.get(f"{tls_sim.base_url}/models", headers=auth, proxy=proxy.url,
                                   verify=ssl.create_default_context(cafile=tls_sim.ca_file))
        forwarded = httpx.get(f"{plain_sim.base_url}/models", headers=auth, proxy=proxy.url)
    assert (through_tunnel.status_code, forwarded.status_code) == (200, 200)
    assert [method for method, _ in proxy.requests] == ["CONNECT", "GET"]


@pytest.mark.parametrize("target, status", [("api.openai.com:443", b"403"), ("127.0.0.1:{closed}", b"502")])
def test_proxy_ok_tunnels_only_to_loopback_and_says_when_the_target_is_down(target, status):
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))  # bound, never listening: connections to it are refused
        target = target.format(closed=unused.getsockname()[1])
        with start_proxy("ok") as proxy, socket.create_connection(("127.0.0.1", int(proxy.url.rsplit(":", 1)[1])), timeout=2) as conn:
            conn.sendall(f"CONNECT {target} HTTP/1.1\r\nHost: {target}\r\n\r\n".encode())
            assert conn.recv(100).startswith(b"HTTP/1.1 " + status)


# -- start() and the simulate command --------------------------------------------------------------------------

def test_start_refuses_unknown_scenarios_and_busy_ports():
    with pytest.raises(ValueError, match="unknown scenario 'nope'"):
        start("nope")
    with start("ok") as sim, pytest.raises(OSError):
        start("ok", port=int(sim.base_url.split(":")[2].split("/")[0]))


def test_simulate_list_prints_one_line_per_scenario(capsys):
    assert main(["simulate", "--list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in lines] == list(SCENARIOS)


def test_simulate_rejects_an_unknown_scenario_and_a_busy_port(capsys):
    assert main(["simulate", "--scenario", "nope"]) == 2
    assert "unknown scenario 'nope'" in capsys.readouterr().err
    with start("ok") as sim:
        port = sim.base_url.split(":")[2].split("/")[0]
        assert main(["simulate", "--port", port]) == 2
    assert "address already in use" in capsys.readouterr().err


@pytest.mark.parametrize("stop_signal, exit_code", [(signal.SIGTERM, 0), (signal.SIGINT, 130)])
def test_simulate_serves_until_stopped(stop_signal, exit_code):
    process = subprocess.Popen([sys.executable, "-m", "doctor", "simulate", "--scenario", "ok", "--port", "0"],
                               cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        first_line = process.stdout.readline()
        base_url = re.search(r"http://127\.0\.0\.1:\d+/v1", first_line).group(0)
        assert httpx.get(f"{base_url}/models", headers={"Authorization": f"Bearer {KEY}"}).status_code == 200
        process.send_signal(stop_signal)
        _, stderr = process.communicate(timeout=10)
    finally:
        process.kill()
    assert (process.returncode, stderr) == (exit_code, "")


def test_docs_describe_every_scenario():
    table = (ROOT / "docs" / "simulator.md").read_text(encoding="utf-8")
    assert [name for name in SCENARIOS if f"| `{name}` |" not in table] == []
