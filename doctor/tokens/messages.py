"""Prompt tokens of a chat request: messages and tool definitions, by the OpenAI cookbook's rules.

Source: openai/openai-cookbook, examples/How_to_count_tokens_with_tiktoken.ipynb, sections 6
("Counting tokens for chat completions API calls") and 7 ("... with tool calls"). Each
message costs 3 tokens plus the tokens of each of its values, a ``name`` one more, and every
reply is primed with 3 tokens; tool definitions add a fixed frame per function, per
property and per enum item. The cookbook measured these against the API for gpt-3.5-turbo,
gpt-4, gpt-4o and gpt-4o-mini; other models are counted with the rules of their encoding
and the result says it is an estimate.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from doctor.tokens.encodings import encoding_for, load_encoding
from doctor.tokens.images import image_tokens, size_from_data_url, tile_rule_for

ROLES = ("system", "developer", "user", "assistant", "tool", "function")
DETAILS = ("low", "high", "auto")
NOT_COUNTED_PARTS = ("input_audio", "file")

REPLY_PRIMING = 3
# Families whose counts the cookbook checked against the API.
MEASURED = re.compile(r"^(ft:)?(gpt-3\.5-turbo|gpt-35-turbo|gpt-4o|gpt-4(-|$|:))")


@dataclass(frozen=True)
class MessageRules:
    per_message: int
    per_name: int


@dataclass(frozen=True)
class ToolRules:
    func_init: int
    prop_init: int = 3
    prop_key: int = 3
    enum_init: int = -3
    enum_item: int = 3
    func_end: int = 12


def message_rules(model: str) -> MessageRules:
    if model.startswith("gpt-3.5-turbo-0301"):
        return MessageRules(per_message=4, per_name=-1)  # the name replaces the role
    return MessageRules(per_message=3, per_name=1)


def tool_rules(encoding_name: str) -> ToolRules:
    # gpt-4o / gpt-4o-mini (o200k_base) frame each function with 7 tokens, gpt-4 / 3.5 with 10.
    return ToolRules(func_init=7 if encoding_name.startswith("o200k") else 10)


class InvalidMessages(ValueError):
    """A chat request that is not shaped like one (the message says where and what)."""


@dataclass
class MessageCount:
    """Prompt tokens of a request; ``image_tokens`` is the counted image part (None: no image)."""

    input_tokens: int
    image_tokens: int | None = None
    notes: list[str] = field(default_factory=list)


class _Counter:
    def __init__(self, model: str):
        choice = encoding_for(model)
        self.model = model
        self.encoding_name = choice.encoding_name
        self.encoding = load_encoding(choice.encoding_name)
        self.notes: list[str] = [choice.note] if choice.note else []
        self.image_tokens: int | None = None

    def tokens(self, text: str) -> int:
        return len(self.encoding.encode_ordinary(text))

    def note(self, text: str) -> None:
        if text not in self.notes:
            self.notes.append(text)

    def json_estimate(self, value: Any, what: str) -> int:
        self.note(f"{what} is not covered by the cookbook's rules; counted as its JSON text (an estimate)")
        return self.tokens(json.dumps(value, ensure_ascii=False, separators=(",", ":")))

    # -- messages -------------------------------------------------------------------------

    def message(self, index: int, message: Any, rules: MessageRules) -> int:
        where = f"message {index}"
        if not isinstance(message, dict):
            raise InvalidMessages(f"{where}: expected an object with 'role' and 'content', got {_kind(message)}")
        role = message.get("role")
        if role is None:
            raise InvalidMessages(f"{where}: missing 'role' (one of {', '.join(ROLES)})")
        if role not in ROLES:
            raise InvalidMessages(f"{where}: unknown role {str(role)[:40]!r} (expected one of {', '.join(ROLES)})")
        if "content" not in message and role != "assistant":
            raise InvalidMessages(f"{where}: missing 'content' (a {role} message needs one)")
        total = rules.per_message
        for key, value in message.items():
            if key == "content":
                total += self.content(where, value)
            elif isinstance(value, str):
                total += self.tokens(value)
                if key == "name":
                    total += rules.per_name
            elif value is not None:
                total += self.json_estimate(value, f"'{key}' in a message")
        return total

    def content(self, where: str, content: Any) -> int:
        if content is None or isinstance(content, str):
            return self.tokens(content or "")
        if not isinstance(content, list):
            raise InvalidMessages(f"{where}: 'content' must be a string or a list of parts, got {_kind(content)}")
        self.note("content given as a list of parts is counted as the sum of its parts (the cookbook measured string content)")
        return sum(self.part(f"{where}, part {n}", part) for n, part in enumerate(content, 1))

    def part(self, where: str, part: Any) -> int:
        if not isinstance(part, dict) or not isinstance(part.get("type"), str):
            raise InvalidMessages(f"{where}: expected an object with a 'type', got {_kind(part)}")
        kind = part["type"]
        if kind in ("text", "refusal"):
            text = part.get(kind)
            if not isinstance(text, str):
                raise InvalidMessages(f"{where}: a {kind!r} part needs a string '{kind}'")
            return self.tokens(text)
        if kind == "image_url":
            return self.image(where, part.get("image_url"))
        if kind in NOT_COUNTED_PARTS:
            self.note(f"{where}: {kind} parts are not counted (no published token rule)")
            return 0
        raise InvalidMessages(f"{where}: unknown content part type {kind[:40]!r} (expected text, image_url, {', '.join(NOT_COUNTED_PARTS)})")

    def image(self, where: str, spec: Any) -> int:
        if isinstance(spec, str):
            spec = {"url": spec}
        if not isinstance(spec, dict) or not isinstance(spec.get("url"), str):
            raise InvalidMessages(f"{where}: an image_url part needs 'image_url': {{'url': ...}}")
        detail = spec.get("detail", "auto")
        if detail not in DETAILS:
            raise InvalidMessages(f"{where}: 'detail' must be one of {', '.join(DETAILS)}, got {str(detail)[:20]!r}")
        rule = tile_rule_for(self.model)
        if rule is None:
            self.note(f"{where}: image not counted: no documented tile rule for {self.model} in this tool")
            return 0
        size = _explicit_size(where, spec) or size_from_data_url(spec["url"])
        if detail == "low":
            tokens = image_tokens(rule, 0, 0, "low")
        elif size is None:
            self.note(
                f"{where}: image not counted: its size is unknown (give a data: URL, or add "
                "\"width\" and \"height\" to image_url; detail \"low\" needs no size)"
            )
            return 0
        else:
            if detail == "auto":
                self.note("detail \"auto\" is counted as \"high\" (the most it can cost)")
            tokens = image_tokens(rule, *size, "high")
        self.image_tokens = (self.image_tokens or 0) + tokens
        return tokens

    # -- tools ----------------------------------------------------------------------------

    def tools(self, tools: Any) -> int:
        if not isinstance(tools, list):
            raise InvalidMessages(f"'tools' must be a list of tool definitions, got {_kind(tools)}")
        rules = tool_rules(self.encoding_name)
        total = 0
        counted = 0
        for n, tool in enumerate(tools, 1):
            where = f"tool {n}"
            if not isinstance(tool, dict):
                raise InvalidMessages(f"{where}: expected an object, got {_kind(tool)}")
            if tool.get("type", "function") != "function":
                self.note(f"{where}: {str(tool.get('type'))[:40]} tools are not counted (no published token rule)")
                continue
            function = tool.get("function")
            if not isinstance(function, dict) or not isinstance(function.get("name"), str):
                raise InvalidMessages(f"{where}: needs 'function': {{'name': ..., 'parameters': ...}}")
            total += rules.func_init + self.function(where, function, rules)
            counted += 1
        return total + (rules.func_end if counted else 0)

    def function(self, where: str, function: dict, rules: ToolRules) -> int:
        description = function.get("description")
        if description is None:
            self.note(f"{where}: a function without a description is an estimate")
            description = ""
        total = self.tokens(f"{function['name']}:{_strip_dot(str(description))}")
        parameters = function.get("parameters") or {}
        if not isinstance(parameters, dict):
            raise InvalidMessages(f"{where}: 'parameters' must be a JSON schema object")
        properties = parameters.get("properties") or {}
        if not isinstance(properties, dict):
            raise InvalidMessages(f"{where}: 'parameters.properties' must be an object")
        if properties:
            total += rules.prop_init
        for name, schema in properties.items():
            if not isinstance(schema, dict):
                raise InvalidMessages(f"{where}: property {name[:40]!r} must be a schema object")
            total += rules.prop_key
            if "enum" in schema:
                total += rules.enum_init
                for item in schema["enum"] if isinstance(schema["enum"], list) else []:
                    total += rules.enum_item + self.tokens(str(item))
            kind = schema.get("type", "")
            if isinstance(kind, list):
                self.note(f"{where}: a property with several types is an estimate")
                kind = "|".join(map(str, kind))
            total += self.tokens(f"{name}:{kind}:{_strip_dot(str(schema.get('description', '')))}")
            nested = {k: schema[k] for k in ("properties", "items") if k in schema}
            if nested:
                total += self.json_estimate(nested, "a nested parameter schema")
        return total


def _strip_dot(text: str) -> str:
    return text[:-1] if text.endswith(".") else text


def _kind(value: Any) -> str:
    return {dict: "an object", list: "a list", str: "a string", type(None): "null", bool: "a boolean"}.get(
        type(value), "a number" if isinstance(value, (int, float)) else type(value).__name__
    )


def _explicit_size(where: str, spec: dict) -> tuple[int, int] | None:
    """The doctor-only ``width``/``height`` hint in an image_url object (not an API field)."""
    if "width" not in spec and "height" not in spec:
        return None
    width, height = spec.get("width"), spec.get("height")
    if not (isinstance(width, int) and isinstance(height, int)) or isinstance(width, bool) or width <= 0 or height <= 0:
        raise InvalidMessages(f"{where}: 'width' and 'height' must both be positive integers")
    return width, height


def split_request(request: Any) -> tuple[Any, Any, str | None]:
    """(messages, tools, model) from a list of messages or a request object with 'messages'."""
    if isinstance(request, list):
        return request, None, None
    if isinstance(request, dict) and "messages" in request:
        model = request.get("model")
        return request["messages"], request.get("tools"), model if isinstance(model, str) else None
    raise InvalidMessages("expected a JSON list of messages, or an object with 'messages' (and optional 'tools')")


def count_messages(messages: Any, model: str, tools: Any = None) -> MessageCount:
    """Prompt tokens of a chat request to ``model``; raises InvalidMessages for a bad shape."""
    if not isinstance(messages, list) or not messages:
        raise InvalidMessages("'messages' must be a non-empty list of message objects")
    counter = _Counter(model)
    rules = message_rules(model)
    total = sum(counter.message(n, m, rules) for n, m in enumerate(messages, 1)) + REPLY_PRIMING
    if tools is not None:
        total += counter.tools(tools)
    if not MEASURED.match(model):
        counter.note(
            f"estimate: the cookbook measured its rules on gpt-3.5-turbo, gpt-4, gpt-4o and gpt-4o-mini; "
            f"{model} may differ by a few tokens per request"
        )
    return MessageCount(total, counter.image_tokens, counter.notes)


def single_message_overhead(model: str) -> int:
    """Tokens a plain text gains when sent as the only (user) message of a chat request."""
    encoding = load_encoding(encoding_for(model).encoding_name)
    return message_rules(model).per_message + len(encoding.encode_ordinary("user")) + REPLY_PRIMING
