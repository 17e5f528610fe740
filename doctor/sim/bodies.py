"""What the simulated API answers when a request succeeds: the model catalogue, ids, usage and bodies.

Token counts are an approximation, not tiktoken: about four characters per token, one per
CJK character, plus the chat format's 3 tokens per message and 3 for the reply. It keeps the
simulator instant and offline (tiktoken may download its encoding, with no timeout).
"""

from __future__ import annotations

import math
import secrets
import time
from dataclasses import dataclass
from typing import Any

SIM_REPLY = "Hello! This is the openai-doctor simulator: your request reached it and passed every check."


@dataclass(frozen=True)
class ModelInfo:
    id: str
    created: int
    owned_by: str = "system"
    snapshot: str | None = None  # the dated model an alias is answered by (chat models only)
    context_window: int | None = None  # None: not a chat/responses model
    max_output: int | None = None
    reasoning: bool = False

    @property
    def is_chat(self) -> bool:
        return self.context_window is not None


def _chat(id, created, snapshot, context, max_output, reasoning=False, owned_by="system"):
    return ModelInfo(id, created, owned_by, snapshot or id, context, max_output, reasoning)


def _with_snapshot(alias: ModelInfo, snapshot_created: int) -> tuple[ModelInfo, ModelInfo]:
    """An alias and its dated snapshot, as the real list shows both."""
    dated = ModelInfo(alias.snapshot, snapshot_created, alias.owned_by, alias.snapshot,
                      alias.context_window, alias.max_output, alias.reasoning)
    return alias, dated


# Current models (ids, creation times and limits as the real API reports them in 2026).
MODELS: tuple[ModelInfo, ...] = (
    *_with_snapshot(_chat("gpt-4o-mini", 1721172741, "gpt-4o-mini-2024-07-18", 128_000, 16_384), 1721172717),
    *_with_snapshot(_chat("gpt-4o", 1715367049, "gpt-4o-2024-08-06", 128_000, 16_384), 1722814719),
    *_with_snapshot(_chat("gpt-4.1", 1744316542, "gpt-4.1-2025-04-14", 1_047_576, 32_768), 1744315746),
    *_with_snapshot(_chat("gpt-4.1-mini", 1744318173, "gpt-4.1-mini-2025-04-14", 1_047_576, 32_768), 1744317547),
    *_with_snapshot(_chat("gpt-4.1-nano", 1744321707, "gpt-4.1-nano-2025-04-14", 1_047_576, 32_768), 1744321025),
    *_with_snapshot(_chat("o4-mini", 1744225351, "o4-mini-2025-04-16", 200_000, 100_000, reasoning=True), 1744133506),
    *_with_snapshot(_chat("o3", 1744225308, "o3-2025-04-16", 200_000, 100_000, reasoning=True), 1744133301),
    *_with_snapshot(_chat("gpt-5", 1754425777, "gpt-5-2025-08-07", 400_000, 128_000, reasoning=True), 1754425867),
    *_with_snapshot(_chat("gpt-5-mini", 1754425928, "gpt-5-mini-2025-08-07", 400_000, 128_000, reasoning=True), 1754425867),
    *_with_snapshot(_chat("gpt-5-nano", 1754426384, "gpt-5-nano-2025-08-07", 400_000, 128_000, reasoning=True), 1754426303),
    *_with_snapshot(_chat("gpt-3.5-turbo", 1677610602, "gpt-3.5-turbo-0125", 16_385, 4_096, owned_by="openai"), 1706048358),
    ModelInfo("text-embedding-3-small", 1705948997),
    ModelInfo("text-embedding-3-large", 1705953180),
    ModelInfo("omni-moderation-latest", 1731689265),
    ModelInfo("whisper-1", 1677532384, "openai-internal"),
    ModelInfo("tts-1", 1681940951, "openai-internal"),
    ModelInfo("dall-e-3", 1698785189),
    ModelInfo("babbage-002", 1692634615),
    ModelInfo("davinci-002", 1692634301),
)
MODELS_BY_ID = {model.id: model for model in MODELS}


def new_id(prefix: str, length: int, alphabet: str = "0123456789abcdef") -> str:
    return prefix + "".join(secrets.choice(alphabet) for _ in range(length))


ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"


def request_id() -> str:
    return new_id("req_", 32)


def go_duration(seconds: float) -> str:
    """A duration the way the x-ratelimit-reset-* headers write it (Go style): 120ms, 20s, 6m0s."""
    if seconds <= 0:
        return "0s"
    if seconds < 1:
        return f"{_trim(seconds * 1000)}ms"
    total_ms = round(seconds * 1000)
    hours, rest = divmod(total_ms, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    text = f"{_trim(rest / 1000)}s"
    if hours or minutes:
        text = f"{minutes}m{text}"
    if hours:
        text = f"{hours}h{text}"
    return text


def _trim(number: float) -> str:
    return f"{number:.3f}".rstrip("0").rstrip(".")


def approx_tokens(text: str) -> int:
    """Roughly what o200k_base counts: one token per CJK character, about four characters per token otherwise."""
    wide = sum(1 for ch in text if ord(ch) >= 0x2E80)
    return wide + math.ceil((len(text) - wide) / 4)


def _content_text(content: Any) -> str:
    """The text of a message content: a string, or a list of text parts."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return " ".join(part.get("text", "") for part in content if isinstance(part, dict) and isinstance(part.get("text"), str))
    return ""


def chat_prompt_tokens(messages: list) -> int:
    """Prompt tokens of a chat request: 3 per message (role and framing) + content + 3 priming the reply."""
    total = 3
    for message in messages:
        if isinstance(message, dict):
            total += 3 + approx_tokens(_content_text(message.get("content"))) + (1 if message.get("name") else 0)
    return total


def responses_input_tokens(body: dict) -> int:
    """Input tokens of a Responses request: the instructions and every input item."""
    total = approx_tokens(body["instructions"]) + 3 if isinstance(body.get("instructions"), str) else 0
    items = body.get("input")
    if isinstance(items, str):
        return total + 3 + approx_tokens(items)
    for item in items if isinstance(items, list) else ():
        if isinstance(item, dict):
            total += 3 + approx_tokens(_content_text(item.get("content")))
    return total


REASONING_TOKENS = {"none": 0, "minimal": 0, "low": 8, "medium": 24, "high": 64, "xhigh": 96}


@dataclass(frozen=True)
class Generation:
    """The simulated model's answer within an output budget: reasoning first, then the visible text."""
    text: str
    reasoning_tokens: int
    output_tokens: int
    truncated: bool


def generate(model: ModelInfo, budget: int | None, effort: str | None) -> Generation:
    reasoning = REASONING_TOKENS.get(effort or "medium", 24) if model.reasoning else 0
    words = SIM_REPLY.split(" ")
    wanted = reasoning + approx_tokens(SIM_REPLY)
    if budget is None or budget >= wanted:
        return Generation(SIM_REPLY, reasoning, wanted, truncated=False)
    # Reasoning models spend the budget thinking first: a tiny budget leaves an empty answer.
    reasoning = min(reasoning, budget)
    text = ""
    for word in words:
        candidate = f"{text} {word}".strip()
        if reasoning + approx_tokens(candidate) > budget:
            break
        text = candidate
    return Generation(text, reasoning, budget, truncated=True)


def model_object(model: ModelInfo, shutdown_date: str | None = None) -> dict:
    return {"id": model.id, "object": "model", "created": model.created, "owned_by": model.owned_by,
            "shutdown_date": shutdown_date}


def chat_completion(model: ModelInfo, prompt_tokens: int, generation: Generation) -> dict:
    return {
        "id": new_id("chatcmpl-", 29, ALNUM),
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model.snapshot,
        "choices": [{
            "index": 0,
            "message": {"role": "assistant", "content": generation.text, "refusal": None, "annotations": []},
            "logprobs": None,
            "finish_reason": "length" if generation.truncated else "stop",
        }],
        "usage": {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": generation.output_tokens,
            "total_tokens": prompt_tokens + generation.output_tokens,
            "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
            "completion_tokens_details": {
                "reasoning_tokens": generation.reasoning_tokens,
                "audio_tokens": 0,
                "accepted_prediction_tokens": 0,
                "rejected_prediction_tokens": 0,
            },
        },
        "service_tier": "default",
        "system_fingerprint": new_id("fp_", 10),
    }


def chat_completion_chunks(completion: dict, include_usage: bool) -> list[dict]:
    """The same completion as the chunks a `stream: true` request receives."""
    base = {k: completion[k] for k in ("id", "created", "model", "service_tier", "system_fingerprint")}
    base["object"] = "chat.completion.chunk"
    choice = completion["choices"][0]

    def chunk(delta: dict, finish_reason: str | None) -> dict:
        body = {**base, "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish_reason}]}
        if include_usage:
            body["usage"] = None
        return body

    chunks = [chunk({"role": "assistant", "content": "", "refusal": None}, None)]
    for word in choice["message"]["content"].split(" ") if choice["message"]["content"] else ():
        chunks.append(chunk({"content": word if len(chunks) == 1 else " " + word}, None))
    chunks.append(chunk({}, choice["finish_reason"]))
    if include_usage:
        chunks.append({**base, "choices": [], "usage": completion["usage"]})
    return chunks


def response_object(model: ModelInfo, body: dict, input_tokens: int, generation: Generation) -> dict:
    """A completed (or incomplete, when the budget ran out) Responses API object."""
    now = int(time.time())
    output = []
    if model.reasoning:
        output.append({"id": new_id("rs_", 50), "type": "reasoning", "summary": []})
    if generation.text or not model.reasoning:
        output.append({
            "id": new_id("msg_", 50),
            "type": "message",
            "status": "incomplete" if generation.truncated else "completed",
            "role": "assistant",
            "content": [{"type": "output_text", "text": generation.text, "annotations": [], "logprobs": []}],
        })
    return {
        "id": new_id("resp_", 50),
        "object": "response",
        "created_at": now,
        "status": "incomplete" if generation.truncated else "completed",
        "background": False,
        "completed_at": None if generation.truncated else now,
        "error": None,
        "incomplete_details": {"reason": "max_output_tokens"} if generation.truncated else None,
        "instructions": body.get("instructions"),
        "max_output_tokens": body.get("max_output_tokens"),
        "max_tool_calls": None,
        "model": model.snapshot,
        "output": output,
        "parallel_tool_calls": True,
        "previous_response_id": None,
        "prompt_cache_key": None,
        "reasoning": {"effort": (body.get("reasoning") or {}).get("effort", "medium"), "summary": None}
        if model.reasoning else {"effort": None, "summary": None},
        "safety_identifier": None,
        "service_tier": "default",
        "store": body.get("store", True),
        "temperature": 1.0,
        "text": {"format": {"type": "text"}, "verbosity": "medium"},
        "tool_choice": "auto",
        "tools": [],
        "top_logprobs": 0,
        "top_p": 1.0,
        "truncation": "disabled",
        "usage": {
            "input_tokens": input_tokens,
            "input_tokens_details": {"cached_tokens": 0, "cache_write_tokens": 0},
            "output_tokens": generation.output_tokens,
            "output_tokens_details": {"reasoning_tokens": generation.reasoning_tokens},
            "total_tokens": input_tokens + generation.output_tokens,
        },
        "metadata": {},
    }


def response_events(response: dict) -> list[dict]:
    """The server-sent events of a streamed Responses request, ending with response.completed."""
    in_progress = {**response, "status": "in_progress", "output": [], "completed_at": None, "incomplete_details": None}
    del in_progress["usage"]  # counted only once the response is done
    events: list[dict] = [{"type": "response.created", "response": in_progress},
                          {"type": "response.in_progress", "response": in_progress}]
    for index, item in enumerate(response["output"]):
        if item["type"] != "message":
            events += [{"type": "response.output_item.added", "output_index": index, "item": item},
                       {"type": "response.output_item.done", "output_index": index, "item": item}]
            continue
        part = item["content"][0]
        empty_part = {**part, "text": ""}
        events += [
            {"type": "response.output_item.added", "output_index": index, "item": {**item, "status": "in_progress", "content": []}},
            {"type": "response.content_part.added", "item_id": item["id"], "output_index": index, "content_index": 0, "part": empty_part},
        ]
        words = part["text"].split(" ") if part["text"] else []
        for n, word in enumerate(words):
            events.append({"type": "response.output_text.delta", "item_id": item["id"], "output_index": index,
                           "content_index": 0, "delta": word if n == 0 else " " + word, "logprobs": []})
        events += [
            {"type": "response.output_text.done", "item_id": item["id"], "output_index": index, "content_index": 0,
             "text": part["text"], "logprobs": []},
            {"type": "response.content_part.done", "item_id": item["id"], "output_index": index, "content_index": 0, "part": part},
            {"type": "response.output_item.done", "output_index": index, "item": item},
        ]
    final = "response.incomplete" if response["status"] == "incomplete" else "response.completed"
    events.append({"type": final, "response": response})
    for number, event in enumerate(events):
        event["sequence_number"] = number
    return events
