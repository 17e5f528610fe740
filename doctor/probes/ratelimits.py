"""Rate-limit probe: reads the x-ratelimit-* headers of the quota probe's answer (no request of its own)."""

from __future__ import annotations

import email.utils
import re
import time
from typing import Any, Mapping

from doctor.catalog import issue
from doctor.findings import Finding
from doctor.probes.api import answer_finding
from doctor.probes.facts import usage_tier
from doctor.runner import Context, Outcome, probe

PREFIX = "x-ratelimit-"
FIELDS = ("limit", "remaining", "reset")
PER_KEY_SCOPE = "api_key"  # LiteLLM and similar gateways: x-ratelimit-api_key-remaining-requests
LOW_SHARE = 0.10

DURATION_PART = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|h|m|s)")
UNIT_SECONDS = {"h": 3600.0, "m": 60.0, "s": 1.0, "ms": 1e-3, "us": 1e-6, "µs": 1e-6, "ns": 1e-9}
TRY_AGAIN_RE = re.compile(r"try again in\s+([\d.hmsuµn]+)", re.IGNORECASE)
LIMIT_RE = re.compile(r"Limit\s+(\d+)")
REQUESTED_RE = re.compile(r"Requested\s+(\d+)")


def parse_duration(text: str | None) -> float | None:
    """Seconds in a Go-style duration (``1s``, ``6m0s``, ``20ms``, ``1h2m3.5s``) or a bare number."""
    if text is None:
        return None
    text = text.strip()
    try:
        return float(text)
    except ValueError:
        pass
    parts = list(DURATION_PART.finditer(text))
    if not parts or "".join(p.group(0) for p in parts) != text:
        return None
    return round(sum(float(p.group(1)) * UNIT_SECONDS[p.group(2)] for p in parts), 9)


def _number(text: str) -> int | float | None:
    try:
        value = float(text.strip())
    except ValueError:
        return None
    return int(value) if value.is_integer() else value


def parse_rate_limits(headers: Mapping[str, str]) -> dict[str, dict[str, Any]]:
    """Every x-ratelimit-* header as ``{dimension: {"limit", "remaining", "reset_seconds"}}``.

    Dimensions are ``requests`` and ``tokens``, plus scoped ones such as ``project_tokens`` or
    ``tokens_usage_based``. A gateway's per-key headers stand in for the plain ones when those
    are absent.
    """
    plain: dict[str, dict[str, Any]] = {}
    per_key: dict[str, dict[str, Any]] = {}
    for name, value in headers.items():
        name = name.lower()
        if not name.startswith(PREFIX):
            continue
        parts = name[len(PREFIX):].split("-")
        field = next((p for p in parts if p in FIELDS), None)
        if field is None:
            continue
        rest = [p for p in parts if p != field]
        target = per_key if PER_KEY_SCOPE in rest else plain
        dimension = "_".join(p for p in rest if p != PER_KEY_SCOPE)
        if not dimension:
            continue
        entry = target.setdefault(dimension, {"limit": None, "remaining": None, "reset_seconds": None})
        if field == "reset":
            entry["reset_seconds"] = parse_duration(value)
        else:
            entry[field] = _number(value)
    return {**per_key, **plain}


def retry_after_seconds(headers: Mapping[str, str], message: str = "") -> float | None:
    """How long the server asks to wait: retry-after-ms, retry-after (seconds or a date), or the message."""
    if (ms := headers.get("retry-after-ms")) and (value := _number(ms)) is not None:
        return value / 1000
    if retry_after := headers.get("retry-after"):
        if (value := _number(retry_after)) is not None:
            return float(value)
        try:
            return max(0.0, email.utils.parsedate_to_datetime(retry_after).timestamp() - time.time())
        except (TypeError, ValueError):
            pass
    if match := TRY_AGAIN_RE.search(message):
        return parse_duration(match.group(1).rstrip("."))
    return None


def shown_seconds(seconds: float | None) -> str:
    if seconds is None:
        return "?"
    return f"{seconds * 1000:.0f} ms" if seconds < 1 else f"{seconds:.1f} s"


def rate_limit_finding(exchange, kinds: set[str], message: str, evidence: dict) -> Finding:
    """The finding for a 429 that is not about quota: request too large, or requests or tokens exhausted."""
    limits = parse_rate_limits(exchange.headers)
    if "request too large" in message.lower():
        limit, requested = LIMIT_RE.search(message), REQUESTED_RE.search(message)
        if limit and requested:
            return issue("ratelimit.request_too_large", "detail", limit=limit.group(1), requested=requested.group(1), evidence=evidence)
        return issue("ratelimit.request_too_large", evidence=evidence)
    dimension = _exhausted_dimension(kinds, message, limits)
    retry = retry_after_seconds(exchange.headers, message)
    if retry is None:
        retry = (limits.get(dimension) or {}).get("reset_seconds")
    limit = LIMIT_RE.search(message)
    limit_value = limit.group(1) if limit else (limits.get(dimension) or {}).get("limit")
    evidence = {**evidence, "retry_after_seconds": retry}
    if limit_value is not None and retry is not None:
        return issue(f"ratelimit.{dimension}", "retry", limit=limit_value, retry_after=shown_seconds(retry), evidence=evidence)
    return issue(f"ratelimit.{dimension}", evidence=evidence)


def _exhausted_dimension(kinds: set[str], message: str, limits: dict[str, dict[str, Any]]) -> str:
    for dimension in ("tokens", "requests"):
        if dimension in kinds:
            return dimension
    lowered = message.lower()
    if "tokens per" in lowered:
        return "tokens"
    if "requests per" in lowered:
        return "requests"
    if (limits.get("tokens") or {}).get("remaining") == 0:
        return "tokens"
    return "requests"


def headroom_findings(limits: dict[str, dict[str, Any]]) -> list[Finding]:
    """ratelimit.requests/tokens for an exhausted budget, ratelimit.low under 10 % left."""
    findings = []
    for dimension, entry in limits.items():
        limit, remaining = entry.get("limit"), entry.get("remaining")
        if not limit or remaining is None or limit <= 0:
            continue
        kind = "tokens" if "tokens" in dimension else "requests"
        reset = entry.get("reset_seconds")
        facts = {"dimension": dimension, **entry}
        if remaining <= 0:
            variant = "retry" if reset is not None else "default"
            findings.append(issue(f"ratelimit.{kind}", variant, limit=limit, retry_after=shown_seconds(reset), evidence=facts))
        elif remaining / limit < LOW_SHARE:
            findings.append(issue("ratelimit.low", "detail", remaining=remaining, limit=limit,
                                  dimension=dimension.replace("_", " "), reset=shown_seconds(reset), evidence=facts))
    return findings


@probe(
    "ratelimit.headers",
    title=("Rate limits", "速率限制"),
    group="ratelimit",
    requires=("quota.remaining",),
    network=True,
    sends_key=True,
)
async def check_rate_limits(ctx: Context) -> Outcome:
    exchange = ctx.outputs["quota.remaining"].data
    limits = parse_rate_limits(exchange.headers)
    evidence: dict[str, Any] = {
        "from": f"the quota check's answer ({exchange.method} {exchange.url}, {exchange.status}); no extra request",
        "rate_limits": limits,
    }
    if not limits:
        evidence["note"] = "the answer carried no x-ratelimit-* headers"
    model = ctx.settings.get("model") or ""
    token_limit = (limits.get("tokens") or {}).get("limit")
    if tier := usage_tier(model, token_limit):
        evidence["usage_tier"] = {
            "tier": tier,
            "basis": f"x-ratelimit-limit-tokens {token_limit} for {model}",
            "heuristic": True,
        }
    verdict = answer_finding(ctx, exchange)
    if verdict is not None and verdict.code.startswith("ratelimit."):
        return Outcome([verdict], evidence)
    return Outcome(headroom_findings(limits), evidence)
