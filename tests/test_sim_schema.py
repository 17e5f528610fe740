"""The simulator's bodies, as served over HTTP, validate against the official OpenAPI schemas."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from doctor.sim import start

SPEC = Path(__file__).resolve().parents[2] / "shared" / "openapi" / "openapi.yaml"
KEY = "sk-proj-" + "Ab3_" * 18 + "Zx" + "T3BlbkFJ" + "Qw9-" * 18 + "Kp"
HELLO = [{"role": "user", "content": "Say hello"}]


@pytest.fixture(scope="session")
def schemas():
    """components/schemas of the official spec, loaded once (it is 3 MB of YAML)."""
    if not SPEC.is_file():
        pytest.skip(f"the official OpenAPI spec is not at {SPEC}")
    yaml = pytest.importorskip("yaml")
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    with SPEC.open(encoding="utf-8") as handle:
        return _honour_nullable(yaml.load(handle, Loader=loader)["components"])


def _honour_nullable(node):
    """Some schemas still use OpenAPI 3.0's ``nullable: true``; in JSON Schema terms that admits null."""
    if isinstance(node, list):
        return [_honour_nullable(item) for item in node]
    if not isinstance(node, dict):
        return node
    node = {key: _honour_nullable(value) for key, value in node.items()}
    if node.pop("nullable", False) is True:
        if isinstance(node.get("type"), str):
            node["type"] = [node["type"], "null"]
        if "enum" in node:
            node["enum"] = [*node["enum"], None]
        if "$ref" in node or "allOf" in node or "oneOf" in node or "anyOf" in node:
            node = {"anyOf": [node, {"type": "null"}]}
    return node


def validate(components: dict, name: str, instance) -> None:
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import best_match

    schema = {"$ref": f"#/components/schemas/{name}", "components": components}
    error = best_match(Draft202012Validator(schema).iter_errors(instance))
    assert error is None, f"{name} rejects the body at {list(error.absolute_path)}: {error.message[:300]}"


@pytest.fixture(scope="module")
def client():
    with start("model-deprecated") as sim, httpx.Client(base_url=sim.base_url, headers={"Authorization": f"Bearer {KEY}"}) as http:
        yield http


def served(response: httpx.Response, status: int = 200):
    assert response.status_code == status, response.text
    return response.json()


def test_models_list_matches_list_models_response(schemas, client):
    body = served(client.get("/models"))
    assert any(model["shutdown_date"] for model in body["data"])  # the deprecated one is in it
    validate(schemas, "ListModelsResponse", body)


@pytest.mark.parametrize("model", ["gpt-4o-mini", "text-embedding-3-small"])
def test_model_matches_model(schemas, client, model):
    validate(schemas, "Model", served(client.get(f"/models/{model}")))


@pytest.mark.parametrize("request_body", [
    {"model": "gpt-4o-mini", "messages": HELLO},
    {"model": "gpt-4o-mini", "messages": HELLO, "max_tokens": 3},  # finish_reason length
    {"model": "gpt-5-mini", "messages": HELLO, "max_completion_tokens": 200, "reasoning_effort": "low"},
], ids=["stop", "length", "reasoning"])
def test_chat_completion_matches_create_chat_completion_response(schemas, client, request_body):
    validate(schemas, "CreateChatCompletionResponse", served(client.post("/chat/completions", json=request_body)))


def test_streamed_chat_chunks_match_the_stream_schema(schemas, client):
    response = client.post("/chat/completions", json={"model": "gpt-4o-mini", "messages": HELLO, "stream": True,
                                                      "stream_options": {"include_usage": True}})
    data = [line[6:] for line in response.text.splitlines() if line.startswith("data: ")]
    assert data[-1] == "[DONE]"
    for chunk in data[:-1]:
        validate(schemas, "CreateChatCompletionStreamResponse", json.loads(chunk))


@pytest.mark.parametrize("request_body", [
    {"model": "gpt-4.1-mini", "input": "Say hello", "instructions": "Be brief."},
    {"model": "o4-mini", "input": [{"role": "user", "content": "Say hello"}], "max_output_tokens": 16},  # incomplete
], ids=["completed", "incomplete"])
def test_response_matches_response(schemas, client, request_body):
    validate(schemas, "Response", served(client.post("/responses", json=request_body)))


def test_streamed_response_events_match_the_event_schema(schemas, client):
    response = client.post("/responses", json={"model": "gpt-4.1-mini", "input": "Say hello", "stream": True})
    events = [json.loads(line[6:]) for line in response.text.splitlines() if line.startswith("data: ")]
    assert events[-1]["type"] == "response.completed"
    for event in events:
        validate(schemas, "ResponseStreamEvent", event)


@pytest.mark.parametrize("scenario", ["invalid-key", "insufficient-quota", "ratelimit-tokens", "model-no-access"])
def test_error_bodies_match_error_response(schemas, scenario):
    with start(scenario) as sim:
        response = httpx.post(f"{sim.base_url}/chat/completions", headers={"Authorization": f"Bearer {KEY}"},
                              json={"model": "gpt-4o-mini", "messages": HELLO})
    assert response.status_code >= 400
    validate(schemas, "ErrorResponse", response.json())
