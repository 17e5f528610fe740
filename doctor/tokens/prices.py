"""Cost of a request: genai-prices' dated OpenAI prices, or the user's own price file.

Money is ``Decimal`` throughout. Cached input tokens are a part of the input tokens, billed
at the cached rate. A tier (batch, flex, priority) is priced only when the data has a
price for it; otherwise the estimate says "no price data", never a made-up number, and a
model with no price at all gets no figure rather than $0.

The price file (``--prices FILE``, or ``prices.toml`` in the user config folder) is TOML::

    [models."ft:gpt-4o-mini:acme:*"]   # exact model name, or a glob
    input = 0.30            # USD per million input tokens
    cached_input = 0.15     # USD per million cached input tokens (optional)
    output = 1.20           # USD per million output tokens
    context_window = 128000 # optional
    as_of = 2026-11-01      # optional, shown with every figure
    source = "our contract" # optional, shown as the price source

    [models."ft:gpt-4o-mini:acme:*".batch]   # optional per-tier prices: batch, flex, priority
    input = 0.15
    output = 0.60
"""

from __future__ import annotations

import datetime as dt
import fnmatch
import functools
import os
import sys
import tomllib
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, Mapping

from doctor.tokens import TIERS

# How genai-prices selects a tier's price variant.
_TIER_CONTEXT = {"batch": {"processing": "batch"}, "flex": {"service_tier": "flex"}, "priority": {"service_tier": "priority"}}
MILLION = Decimal(1_000_000)
_RATE_KEYS = ("input", "cached_input", "output")
_MODEL_KEYS = (*_RATE_KEYS, "context_window", "as_of", "source", *TIERS[1:])


class PriceFileError(ValueError):
    """A price file that cannot be read or does not follow the documented format."""


@dataclass(frozen=True)
class Rates:
    """USD per million tokens; ``cached_input`` None means cached tokens pay the input rate."""

    input: Decimal
    output: Decimal
    cached_input: Decimal | None = None


@dataclass(frozen=True)
class PriceOverride:
    """The user's prices for one model name or glob, by tier."""

    pattern: str
    tiers: Mapping[str, Rates]
    source: str
    context_window: int | None = None
    as_of: str | None = None


@dataclass(frozen=True)
class CostEstimate:
    """What ``calls`` such calls cost, with where the prices come from and the context fit."""

    input_usd: Decimal | None
    output_usd: Decimal | None
    total_usd: Decimal | None
    prices_as_of: str | None
    price_source: str
    context_window: int | None
    fits: bool | None
    room_left: int | None
    note: str | None = None
    tier: str = "standard"
    calls: int = 1


def default_prices_path(environ: Mapping[str, str] | None = None) -> Path:
    """``prices.toml`` in the user config folder: %APPDATA%\\openai-doctor on Windows, else
    $XDG_CONFIG_HOME/openai-doctor or ~/.config/openai-doctor."""
    env = os.environ if environ is None else environ
    if sys.platform == "win32" and env.get("APPDATA"):
        return Path(env["APPDATA"]) / "openai-doctor" / "prices.toml"
    base = Path(env["XDG_CONFIG_HOME"]) if env.get("XDG_CONFIG_HOME") else Path.home() / ".config"
    return base / "openai-doctor" / "prices.toml"


def _money(value: Any, where: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise PriceFileError(f"{where}: expected a price in USD per million tokens, got {value!r}")
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        raise PriceFileError(f"{where}: not a number: {value!r}") from None
    if not amount.is_finite() or amount < 0:
        raise PriceFileError(f"{where}: a price must be a finite number >= 0, got {value!r}")
    return amount


def _rates(table: Mapping[str, Any], where: str) -> Rates:
    for key in ("input", "output"):
        if key not in table:
            raise PriceFileError(f"{where}: missing '{key}' (USD per million tokens)")
    cached = table.get("cached_input")
    return Rates(
        input=_money(table["input"], f"{where}.input"),
        output=_money(table["output"], f"{where}.output"),
        cached_input=None if cached is None else _money(cached, f"{where}.cached_input"),
    )


def load_overrides(path: Path | str) -> dict[str, PriceOverride]:
    """Read a price file; raises PriceFileError naming the file and the bad entry."""
    path = Path(path)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise PriceFileError(f"{path}: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise PriceFileError(f"{path}: not UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        raise PriceFileError(f"{path}: not valid TOML: {exc}") from None
    if set(raw) - {"models"} or not isinstance(raw.get("models", {}), dict):
        raise PriceFileError(f"{path}: expected only [models.\"<name>\"] tables")
    overrides = {}
    for pattern, table in raw.get("models", {}).items():
        where = f"{path}: models.{pattern!r}"
        if not isinstance(table, dict):
            raise PriceFileError(f"{where}: expected a table")
        if unknown := set(table) - set(_MODEL_KEYS):
            raise PriceFileError(f"{where}: unknown keys {sorted(unknown)} (allowed: {', '.join(_MODEL_KEYS)})")
        tiers = {"standard": _rates(table, where)}
        for tier in TIERS[1:]:
            if tier in table:
                if not isinstance(table[tier], dict) or set(table[tier]) - set(_RATE_KEYS):
                    raise PriceFileError(f"{where}.{tier}: expected a table with {', '.join(_RATE_KEYS)}")
                tiers[tier] = _rates(table[tier], f"{where}.{tier}")
        window = table.get("context_window")
        if window is not None and (isinstance(window, bool) or not isinstance(window, int) or window <= 0):
            raise PriceFileError(f"{where}.context_window: expected a positive whole number of tokens")
        as_of = table.get("as_of")
        overrides[pattern] = PriceOverride(
            pattern=pattern,
            tiers=tiers,
            source=str(table.get("source") or f"price file {path}"),
            context_window=window,
            as_of=None if as_of is None else str(as_of),
        )
    return overrides


def find_override(model: str, overrides: Mapping[str, PriceOverride]) -> PriceOverride | None:
    """The exact entry for ``model``, else the first glob that matches it."""
    if model in overrides:
        return overrides[model]
    return next((o for pattern, o in overrides.items() if fnmatch.fnmatchcase(model, pattern)), None)


@dataclass
class _Priced:
    """Per-call prices found for a model (or why there are none), before the context check."""

    source: str
    as_of: str | None = None
    context_window: int | None = None
    input_usd: Decimal | None = None
    output_usd: Decimal | None = None
    notes: list[str] = field(default_factory=list)


def _from_override(override: PriceOverride, model: str, tier: str, input_tokens: int, output_tokens: int, cached: int) -> _Priced:
    priced = _Priced(source=override.source, as_of=override.as_of, context_window=override.context_window)
    rates = override.tiers.get(tier)
    if rates is None:
        priced.notes.append(f"no price data for tier {tier} for {model} in {override.source}")
        return priced
    cached_rate = rates.input if rates.cached_input is None else rates.cached_input
    if cached and rates.cached_input is None:
        priced.notes.append("the price file has no cached_input rate: cached tokens are charged at the input rate")
    priced.input_usd = ((input_tokens - cached) * rates.input + cached * cached_rate) / MILLION
    priced.output_usd = output_tokens * rates.output / MILLION
    return priced


@functools.cache
def _genai_as_of() -> str | None:
    """The newest date on which an OpenAI price in genai-prices' data took effect (not in the future)."""
    from genai_prices import data_snapshot

    today = dt.date.today()
    dates = set()
    for provider in data_snapshot.get_snapshot().providers:
        if provider.id != "openai":
            continue
        for model in provider.models:
            conditions = model.prices if isinstance(model.prices, list) else []
            for item in [*conditions, *(model.price_variants or [])]:
                start = getattr(item.constraint, "start_date", None)
                if start is not None and start <= today:
                    dates.add(start)
    return max(dates).isoformat() if dates else None


def _genai_model(model: str):
    from genai_prices import data_snapshot

    try:
        return data_snapshot.get_snapshot().find_provider_model(model, None, "openai", None)
    except LookupError:
        return None


def _has_tier(info, tier: str) -> bool:
    """Whether genai-prices has a price variant for ``tier`` that is in effect today."""
    wanted = _TIER_CONTEXT[tier]
    now = dt.datetime.now(dt.timezone.utc)
    return any(
        variant.when == wanted and (variant.constraint is None or variant.constraint.active(now))
        for variant in info.price_variants or ()
    )


def _from_genai(model: str, tier: str, input_tokens: int, output_tokens: int, cached: int) -> _Priced:
    import genai_prices
    from genai_prices import Usage

    priced = _Priced(source=f"genai-prices {genai_prices.__version__} (bundled data)", as_of=_genai_as_of())
    found = _genai_model(model)
    if found is None:
        priced.notes.append(f"no price data for {model} in {priced.source}; add it to a price file (see docs/tokens.md)")
        return priced
    provider, info = found
    priced.context_window = info.context_window
    if tier != "standard" and not _has_tier(info, tier):
        priced.notes.append(f"no price data for tier {tier} for {info.id} in {priced.source}")
        return priced
    calc = info.calc_price(
        Usage(input_tokens=input_tokens, cache_read_tokens=cached, output_tokens=output_tokens),
        provider,
        price_context=_TIER_CONTEXT.get(tier),
    )
    if cached and calc.model_price.cache_read_mtok is None:
        priced.notes.append(f"{info.id} has no cached-input price: cached tokens are charged at the input rate")
    if info.id != model:
        priced.notes.append(f"priced as {info.id}")
    priced.input_usd, priced.output_usd = calc.input_price, calc.output_price
    return priced


def _check_counts(input_tokens: int, output_tokens: int, cached_tokens: int, tier: str, calls: int) -> None:
    for name, value in (("input_tokens", input_tokens), ("output_tokens", output_tokens), ("cached_tokens", cached_tokens)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ValueError(f"{name} must be a whole number >= 0, got {value!r}")
    if cached_tokens > input_tokens:
        raise ValueError(f"cached tokens ({cached_tokens}) cannot exceed input tokens ({input_tokens}): they are part of the input")
    if tier not in TIERS:
        raise ValueError(f"unknown tier {tier!r}; one of {', '.join(TIERS)}")
    if isinstance(calls, bool) or not isinstance(calls, int) or calls < 1:
        raise ValueError(f"calls must be a whole number >= 1, got {calls!r}")


def estimate_cost(
    model: str,
    input_tokens: int,
    output_tokens: int = 0,
    cached_tokens: int = 0,
    tier: str = "standard",
    calls: int = 1,
    overrides: Mapping[str, PriceOverride] | Path | str | None = None,
) -> CostEstimate:
    """Cost of ``calls`` calls of ``input_tokens`` in and ``output_tokens`` out, and whether one fits.

    ``overrides`` is a price file (path) or its loaded entries; they win over genai-prices.
    Raises ValueError for negative counts, cached > input, an unknown tier or calls < 1.
    """
    _check_counts(input_tokens, output_tokens, cached_tokens, tier, calls)
    if isinstance(overrides, (str, Path)):
        overrides = load_overrides(overrides)
    override = find_override(model, overrides or {})
    if override is not None:
        priced = _from_override(override, model, tier, input_tokens, output_tokens, cached_tokens)
        if priced.context_window is None:
            found = _genai_model(model)
            priced.context_window = found[1].context_window if found else None
    else:
        priced = _from_genai(model, tier, input_tokens, output_tokens, cached_tokens)
    window = priced.context_window
    used = input_tokens + output_tokens
    total = None
    if priced.input_usd is not None and priced.output_usd is not None:
        priced.input_usd, priced.output_usd = priced.input_usd * calls, priced.output_usd * calls
        total = priced.input_usd + priced.output_usd
    return CostEstimate(
        input_usd=priced.input_usd,
        output_usd=priced.output_usd,
        total_usd=total,
        prices_as_of=priced.as_of,
        price_source=priced.source,
        context_window=window,
        fits=None if window is None else used <= window,
        room_left=None if window is None else window - used,
        note="; ".join(priced.notes) or None,
        tier=tier,
        calls=calls,
    )


def usd(amount: Decimal | None) -> str | None:
    """A Decimal as a plain decimal string (no exponent, no trailing zeros), for JSON."""
    return None if amount is None else format(amount.normalize(), "f")
