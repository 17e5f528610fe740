"""The simulated OpenAI API: one request in, one reply out, checked in the real API's order.

authentication → region → server faults → quota → rate limits → model → parameters → success.
Quota and rate limits come before parameter validation, as on the real API, so a deliberately
invalid request (``max_tokens: -1``) reveals the quota state without costing anything.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any

from doctor.sim import bodies
from doctor.sim.bodies import ModelInfo
from doctor.sim.scenarios import Rejection, Scenario, Stage

ORG_ID = "org-S1mu1at0rD0ct0rT3stOrg0"
ORG_SLUG = "openai-doctor-sim"
PROJECT_ID = "proj_S1mu1at0rD0ct0rPr0j3ct0"
API_VERSION = "2020-10-01"
SERVER_NAME = "openai-doctor-simulator"
LITELLM_VERSION = "1.77.3"

INFERENCE_PATHS = ("/v1/chat/completions", "/v1/responses")
NO_KEY = ("You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer "
          "auth (i.e. Authorization: Bearer YOUR_KEY), or as the password field (with blank username) if you're "
          "accessing the API from your browser and are prompted for a username and password. You can obtain an API "
          "key from https://platform.openai.com/account/api-keys.")
BAD_JSON = ("We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP "
            "library correctly. The OpenAI API expects a JSON payload, but what was sent was not valid JSON. If you "
            "have trouble figuring out how to fix this, please contact us through our help center at help.openai.com.)")

CHAT_PARAMETERS = frozenset({
    "audio", "frequency_penalty", "function_call", "functions", "logit_bias", "logprobs", "max_completion_tokens",
    "max_tokens", "messages", "metadata", "modalities", "model", "moderation", "n", "parallel_tool_calls",
    "prediction", "presence_penalty", "prompt_cache_key", "prompt_cache_options", "prompt_cache_retention",
    "reasoning_effort", "response_format", "safety_identifier", "seed", "service_tier", "stop", "store", "stream",
    "stream_options", "temperature", "tool_choice", "tools", "top_logprobs", "top_p", "user", "verbosity",
    "web_search_options",
})
RESPONSES_PARAMETERS = frozenset({
    "background", "context_management", "conversation", "include", "input", "instructions", "max_output_tokens",
    "max_tool_calls", "metadata", "model", "moderation", "parallel_tool_calls", "previous_response_id", "prompt",
    "prompt_cache_key", "prompt_cache_options", "prompt_cache_retention", "reasoning", "safety_identifier",
    "service_tier", "store", "stream", "stream_options", "temperature", "text", "tool_choice", "tools",
    "top_logprobs", "top_p", "truncation", "user",
})

HTML_502 = (b"<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1>"
            b"</center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n")
GARBAGE = b"OK\nThis server is not an OpenAI-compatible API: there is no JSON here.\n"


@dataclass
class Request:
    method: str
    path: str
    query: str
    headers: dict[str, str]  # lower-case names
    body: bytes
    client_ip: str = "127.0.0.1"


@dataclass
class Reply:
    status: int
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""
    events: list[bytes] | None = None  # server-sent events of a streamed reply, sent chunked

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers if k.lower() == name.lower()), None)


class ApiError(Exception):
    """Raised inside the pipeline: becomes ``{"error": {...}}`` with this status."""

    def __init__(self, status: int, type_: str, code: str | None, message: str, param: str | None = None,
                 headers: list[tuple[str, str]] | None = None):
        super().__init__(message)
        self.status, self.type, self.code, self.message, self.param = status, type_, code, message, param
        self.headers = headers or []


def invalid_request(message: str, param: str | None = None, code: str | None = None, status: int = 400) -> ApiError:
    return ApiError(status, "invalid_request_error", code, message, param)


def masked_key(key: str) -> str:
    """The key as the real 401 echoes it: the first 8 characters, stars, and the last 4."""
    if len(key) <= 12:
        return "*" * max(len(key) - 4, 0) + key[-4:]
    return key[:8] + "*" * (len(key) - 12) + key[-4:]


def bearer_key(headers: dict[str, str]) -> str | None:
    value = headers.get("authorization", "")
    scheme, _, key = value.partition(" ")
    key = key.strip()
    return key if scheme.lower() == "bearer" and key else None


def json_bytes(value: Any) -> bytes:
    return (json.dumps(value, indent=2, ensure_ascii=False) + "\n").encode()


class SimulatedApi:
    """Answers requests the way the OpenAI API would under one scenario."""

    def __init__(self, scenario: Scenario, processing_ms: int = 0, today: dt.date | None = None):
        self.scenario = scenario
        self.processing_ms = processing_ms  # the latency the server adds, reported in openai-processing-ms
        self.today = today or dt.date.today()

    # -- the pipeline ---------------------------------------------------------------------------

    def respond(self, request: Request) -> Reply:
        scenario = self.scenario
        if scenario.fault == "html-502":
            return Reply(502, [("content-type", "text/html"), ("server", "nginx")], HTML_502)
        if scenario.fault == "garbage":
            return Reply(200, [("content-type", "text/plain; charset=utf-8")], GARBAGE)
        inference = request.method == "POST" and request.path in INFERENCE_PATHS
        body, json_error = self._parse_body(request) if inference else ({}, False)
        model_id = body.get("model") if isinstance(body.get("model"), str) else None
        fields = self._message_fields(request, model_id)
        limits_headers: list[tuple[str, str]] = []
        try:
            key = None if scenario.ignores_key else bearer_key(request.headers)
            if key is None:
                raise invalid_request(NO_KEY, status=401)
            fields["masked_key"] = masked_key(key)
            self._check(Stage.AUTH, request, inference, fields)
            self._check(Stage.REGION, request, inference, fields)
            self._check(Stage.SERVER, request, inference, fields)
            if inference:
                estimate = self._estimate_tokens(request.path, body)
                limits_headers = self._rate_limit_headers(estimate, rejected=self._rejected_at(Stage.RATE, request))
            self._check(Stage.QUOTA, request, inference, fields)
            self._check(Stage.RATE, request, inference, fields)
            reply = self._route(request, body, json_error)
        except ApiError as error:
            reply = self._error_reply(error)
        reply.headers = self._common_headers(request, reply, authenticated=reply.status != 401) + limits_headers + reply.headers
        return reply

    def _parse_body(self, request: Request) -> tuple[dict, bool]:
        try:
            body = json.loads(request.body or b"{}")
        except (UnicodeDecodeError, json.JSONDecodeError):
            return {}, True
        return (body, False) if isinstance(body, dict) else ({}, True)

    def _message_fields(self, request: Request, model_id: str | None) -> dict:
        return {"masked_key": "", "model": model_id or "", "org_id": ORG_ID, "project_id": PROJECT_ID,
                "org_header": request.headers.get("openai-organization", ""), "client_ip": request.client_ip}

    def _rejected_at(self, stage: Stage, request: Request) -> bool:
        rejection = self.scenario.rejection
        return rejection is not None and rejection.stage == stage and self._applies(rejection, request, True)

    def _applies(self, rejection: Rejection, request: Request, inference: bool) -> bool:
        if rejection.inference_only and not inference:
            return False
        return rejection.when_header is None or bool(request.headers.get(rejection.when_header))

    def _check(self, stage: Stage, request: Request, inference: bool, fields: dict) -> None:
        rejection = self.scenario.rejection
        if rejection is None or rejection.stage != stage or not self._applies(rejection, request, inference):
            return
        message = rejection.message(fields) if callable(rejection.message) else rejection.message.format_map(fields)
        headers = [("retry-after", str(rejection.retry_after))] if rejection.retry_after is not None else []
        raise ApiError(rejection.status, rejection.type, rejection.code, message, headers=headers)

    # -- routing ---------------------------------------------------------------------------------

    def _route(self, request: Request, body: dict, json_error: bool) -> Reply:
        path, method = request.path.rstrip("/") or "/", request.method
        if method == "GET" and path == "/v1/models":
            return self._json(200, {"object": "list", "data": [self._model_object(m) for m in self._visible_models()]})
        match = re.fullmatch(r"/v1/models/(.+)", path)
        if method == "GET" and match:
            return self._json(200, self._model_object(self._model(match.group(1))))
        if method == "POST" and path == "/v1/chat/completions":
            return self._chat_completion(body, json_error)
        if method == "POST" and path == "/v1/responses":
            return self._response(body, json_error)
        raise invalid_request(f"Invalid URL ({method} {request.path})", status=404)

    def _visible_models(self) -> list[ModelInfo]:
        allowed = self.scenario.allowed_models
        return [m for m in bodies.MODELS
                if m.id not in self.scenario.hidden_models and (allowed is None or m.id in allowed)]

    def _model_object(self, model: ModelInfo) -> dict:
        days = self.scenario.shutdown_in_days.get(model.id)
        shutdown = (self.today + dt.timedelta(days=days)).isoformat() if days is not None else None
        return bodies.model_object(model, shutdown)

    def _model(self, model_id: str) -> ModelInfo:
        """The model if this key may use it: 404 when unknown or invisible, 403 outside the project's allow-list."""
        model = bodies.MODELS_BY_ID.get(model_id)
        if model is None or model_id in self.scenario.hidden_models:
            raise invalid_request(f"The model `{model_id}` does not exist or you do not have access to it.",
                                  code="model_not_found", status=404)
        allowed = self.scenario.allowed_models
        if allowed is not None and model_id not in allowed:
            raise invalid_request(f"Project `{PROJECT_ID}` does not have access to model `{model_id}`",
                                  code="model_not_found", status=403)
        return model

    # -- generation endpoints -----------------------------------------------------------------------

    def _generation_model(self, body: dict, endpoint: str) -> ModelInfo | None:
        model_id = body.get("model")
        if not isinstance(model_id, str) or not model_id:
            return None  # reported by parameter validation
        model = self._model(model_id)
        if not model.is_chat:
            if endpoint == "chat":
                raise invalid_request("This is not a chat model and thus not supported in the v1/chat/completions "
                                      "endpoint. Did you mean to use v1/completions?", param="model", status=404)
            raise invalid_request(f"The requested model '{model_id}' is not supported with the Responses API.",
                                  param="model", code="model_not_supported")
        return model

    def _chat_completion(self, body: dict, json_error: bool) -> Reply:
        model = self._generation_model(body, "chat")
        if json_error:
            raise invalid_request(BAD_JSON)
        if model is None:
            raise invalid_request("you must provide a model parameter")
        unknown = sorted(set(body) - CHAT_PARAMETERS)
        if unknown:
            raise invalid_request(f"Unrecognized request argument supplied: {unknown[0]}")
        messages = body.get("messages")
        if messages is None:
            raise invalid_request("Missing required parameter: 'messages'.", "messages", "missing_required_parameter")
        if not isinstance(messages, list):
            raise invalid_request(f"Invalid type for 'messages': expected an array, but got {_json_type(messages)} "
                                  "instead.", "messages", "invalid_type")
        if not messages:
            raise invalid_request("Invalid 'messages': empty array. Expected an array with minimum length 1, but got "
                                  "an empty array instead.", "messages", "empty_array")
        if model.reasoning and "max_tokens" in body:
            raise invalid_request("Unsupported parameter: 'max_tokens' is not supported with this model. Use "
                                  "'max_completion_tokens' instead.", "max_tokens", "unsupported_parameter")
        budget = None
        for name in ("max_tokens", "max_completion_tokens"):
            if body.get(name) is not None:
                budget = _check_token_budget(body[name], name, minimum=1, model=model)
        if model.reasoning and body.get("temperature") not in (None, 1):
            raise invalid_request(f"Unsupported value: 'temperature' does not support {body['temperature']} with this "
                                  "model. Only the default (1) value is supported.", "temperature", "unsupported_value")
        prompt_tokens = bodies.chat_prompt_tokens(messages)
        self._check_context(model, prompt_tokens, "messages")
        generation = bodies.generate(model, budget, body.get("reasoning_effort"))
        completion = bodies.chat_completion(model, prompt_tokens, generation)
        if body.get("stream"):
            include_usage = bool((body.get("stream_options") or {}).get("include_usage"))
            return _sse(bodies.chat_completion_chunks(completion, include_usage), done_marker=True)
        return self._json(200, completion)

    def _response(self, body: dict, json_error: bool) -> Reply:
        model = self._generation_model(body, "responses")
        if json_error:
            raise invalid_request(BAD_JSON)
        if model is None:
            raise invalid_request("Missing required parameter: 'model'.", "model", "missing_required_parameter")
        unknown = sorted(set(body) - RESPONSES_PARAMETERS)
        if unknown:
            raise invalid_request(f"Unknown parameter: '{unknown[0]}'.", unknown[0], "unknown_parameter")
        budget = None
        if body.get("max_output_tokens") is not None:
            budget = _check_token_budget(body["max_output_tokens"], "max_output_tokens", minimum=16, model=model)
        if model.reasoning and body.get("temperature") not in (None, 1):
            raise invalid_request("Unsupported parameter: 'temperature' is not supported with this model.",
                                  "temperature", "unsupported_parameter")
        input_tokens = bodies.responses_input_tokens(body)
        self._check_context(model, input_tokens, "input")
        effort = (body.get("reasoning") or {}).get("effort") if isinstance(body.get("reasoning"), dict) else None
        response = bodies.response_object(model, body, input_tokens, bodies.generate(model, budget, effort))
        if body.get("stream"):
            return _sse(bodies.response_events(response), done_marker=False)
        return self._json(200, response)

    def _check_context(self, model: ModelInfo, prompt_tokens: int, param: str) -> None:
        if prompt_tokens > model.context_window:
            raise invalid_request(f"This model's maximum context length is {model.context_window} tokens. However, "
                                  f"your messages resulted in {prompt_tokens} tokens. Please reduce the length of the "
                                  "messages.", param, "context_length_exceeded")

    # -- headers and bodies -----------------------------------------------------------------------

    def _estimate_tokens(self, path: str, body: dict) -> int:
        """What the rate limiter counts for a request: its prompt plus the output it may produce."""
        if path == "/v1/responses":
            prompt, budget = bodies.responses_input_tokens(body), body.get("max_output_tokens")
        else:
            messages = body.get("messages") if isinstance(body.get("messages"), list) else []
            prompt = bodies.chat_prompt_tokens(messages)
            budget = body.get("max_completion_tokens", body.get("max_tokens"))
        return prompt + (budget if isinstance(budget, int) and budget > 0 else 0)

    def _rate_limit_headers(self, estimate: int, rejected: bool) -> list[tuple[str, str]]:
        limits = self.scenario.limits
        spent_requests = limits.requests_used + (0 if rejected else 1)
        spent_tokens = limits.tokens_used + (0 if rejected else estimate)
        values = {
            "requests": (limits.requests, max(limits.requests - spent_requests, 0), spent_requests * 60 / limits.requests),
            "tokens": (limits.tokens, max(limits.tokens - spent_tokens, 0), spent_tokens * 60 / limits.tokens),
        }
        if self.scenario.header_style == "litellm":
            upstream = [(f"llm_provider-x-ratelimit-{kind}-{unit}", value)
                        for unit, (limit, remaining, reset) in _upstream_tier_1(estimate).items()
                        for kind, value in (("limit", str(limit)), ("remaining", str(remaining)), ("reset", reset))]
            return [(f"x-ratelimit-api_key-{kind}-{unit}", str(value))
                    for unit, (limit, remaining, _) in values.items()
                    for kind, value in (("limit", limit), ("remaining", remaining))] + upstream
        return [(f"x-ratelimit-{kind}-{unit}", value)
                for unit, (limit, remaining, reset) in values.items()
                for kind, value in (("limit", str(limit)), ("remaining", str(remaining)),
                                    ("reset", bodies.go_duration(reset)))]

    def _common_headers(self, request: Request, reply: Reply, authenticated: bool) -> list[tuple[str, str]]:
        request_id = bodies.request_id()
        if self.scenario.header_style == "litellm":
            headers = [("x-litellm-version", LITELLM_VERSION), ("x-litellm-call-id", bodies.new_id("", 32)),
                       ("llm_provider-x-request-id", request_id)]
            if authenticated and reply.status == 200 and request.path in INFERENCE_PATHS:
                headers += [("x-litellm-model-id", bodies.new_id("", 64)), ("x-litellm-response-cost", "2.4e-05")]
            return headers
        headers = [("x-request-id", request_id), ("openai-version", API_VERSION),
                   ("access-control-expose-headers", "X-Request-ID")]
        if authenticated:
            headers += [("openai-organization", ORG_SLUG), ("openai-project", PROJECT_ID),
                        ("openai-processing-ms", str(self.processing_ms + 1))]
        return headers

    def _json(self, status: int, value: Any) -> Reply:
        return Reply(status, [("content-type", "application/json")], json_bytes(value))

    def _error_reply(self, error: ApiError) -> Reply:
        body = {"error": {"message": error.message, "type": error.type, "param": error.param, "code": error.code}}
        reply = self._json(error.status, body)
        reply.headers += error.headers
        return reply


def _upstream_tier_1(estimate: int) -> dict[str, tuple[int, int, str]]:
    """The headers OpenAI itself sent the LiteLLM proxy (tier 1), which LiteLLM forwards prefixed."""
    return {"requests": (500, 499, "120ms"), "tokens": (200_000, 200_000 - estimate, bodies.go_duration(estimate * 60 / 200_000))}


def _json_type(value: Any) -> str:
    return {dict: "an object", list: "an array", str: "a string", bool: "a boolean", int: "an integer",
            float: "a number"}.get(type(value), "null")


def _check_token_budget(value: Any, name: str, minimum: int, model: ModelInfo) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise invalid_request(f"Invalid type for '{name}': expected an integer, but got {_json_type(value)} instead.",
                              name, "invalid_type")
    if value < minimum:
        raise invalid_request(f"Invalid '{name}': integer below minimum value. Expected a value >= {minimum}, but got "
                              f"{value} instead.", name, "integer_below_min_value")
    if value > model.max_output:
        raise invalid_request(f"{name} is too large: {value}. This model supports at most {model.max_output} "
                              f"completion tokens, whereas you provided {value}.", name, "invalid_value")
    return value


def _sse(events: list[dict], done_marker: bool) -> Reply:
    """A streamed reply: ``data:`` lines (chat ends with ``[DONE]``; Responses events are typed)."""
    lines = []
    for event in events:
        prefix = f"event: {event['type']}\n" if "type" in event and not done_marker else ""
        lines.append(f"{prefix}data: {json.dumps(event, ensure_ascii=False)}\n\n".encode())
    if done_marker:
        lines.append(b"data: [DONE]\n\n")
    return Reply(200, [("content-type", "text/event-stream; charset=utf-8")], events=lines)


def reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Unknown"
