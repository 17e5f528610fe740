"""Token and cost calculator: counts by tiktoken and the cookbook's chat rules, prices by genai-prices.

The library behind ``openai-doctor tokens`` and the TUI panel. Nothing heavy is imported
until a function runs: tiktoken when an encoding is loaded, genai-prices when a cost is
estimated, httpx only when an encoding file has to be downloaded. The names below are
resolved on first use, so the offline tokenizer probe, which needs only
``doctor.tokens.encodings``, does not pay for the pricing and counting modules.
"""

from __future__ import annotations

import importlib
from typing import Any

TIERS = ("standard", "batch", "flex", "priority")
"""The service tiers a cost can be estimated for (kept here so the CLI's parser stays light)."""

_EXPORTS = {
    "counting": ("BinaryInput", "StreamCount", "count_stream", "count_text", "token_spans"),
    "encodings": ("EncodingChoice", "TokenizerUnavailable", "encoding_for", "prefetch"),
    "messages": ("InvalidMessages", "MessageCount", "count_messages", "split_request"),
    "prices": ("CostEstimate", "PriceFileError", "default_prices_path", "estimate_cost", "load_overrides", "usd"),
}
_MODULE_OF = {name: module for module, names in _EXPORTS.items() for name in names}

__all__ = sorted([*_MODULE_OF, "TIERS"])


def __getattr__(name: str) -> Any:
    if name not in _MODULE_OF:
        raise AttributeError(f"module 'doctor.tokens' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"doctor.tokens.{_MODULE_OF[name]}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__
