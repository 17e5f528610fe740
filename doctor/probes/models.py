"""Model probe: can this key use the configured model, and is the model retired or shutting down? (GET /models/{id}, free)"""

from __future__ import annotations

import datetime
import difflib
from typing import Any
from urllib.parse import quote

from doctor.catalog import issue
from doctor.findings import Finding
from doctor.probes.api import TransportFailure, answer_finding, send, unexpected_finding
from doctor.probes.facts import retirement
from doctor.runner import Context, Outcome, probe

GENERIC_REPLACEMENT = "a current model (see https://platform.openai.com/docs/deprecations)"


def shutdown_date(value: Any) -> datetime.date | None:
    """A model's shutdown_date as the API gives it: an ISO date or a Unix timestamp."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return datetime.datetime.fromtimestamp(value, datetime.timezone.utc).date()
    if isinstance(value, str):
        try:
            return datetime.date.fromisoformat(value[:10])
        except ValueError:
            return None
    return None


def retirement_finding(model: str, listed_shutdown: Any, *, available: bool, today: datetime.date) -> Finding | None:
    """model.deprecated when the model is retired or has a shutdown date (from the API or the table)."""
    known = retirement(model)
    date = shutdown_date(listed_shutdown) or (known.shutdown if known else None)
    if date is None:
        return None
    facts = {"model": model, "date": date.isoformat(), "replacement": known.replacement if known else GENERIC_REPLACEMENT}
    evidence = {**facts, "source": "the API's shutdown_date" if shutdown_date(listed_shutdown) else "the doctor's table of retired models"}
    if date > today:
        return issue("model.deprecated", "shutting_down", **facts, evidence=evidence)
    return issue("model.deprecated", "retired", severity=None if available else "error", **facts, evidence=evidence)


def suggestions(model: str, visible: list[str]) -> list[str]:
    """Close model names among those the key can see, best first."""
    by_lower = {name.lower(): name for name in visible}
    close = difflib.get_close_matches(model.lower(), list(by_lower), n=3, cutoff=0.6)
    return [by_lower[name] for name in close]


@probe(
    "model.access",
    title=("Model access", "模型访问"),
    group="model",
    requires=("auth.key",),
    network=True,
    sends_key=True,
)
async def check_model(ctx: Context) -> Outcome:
    model = (ctx.settings.get("model") or "").strip()
    visible: dict[str, Any] = ctx.outputs["auth.key"].data or {}
    evidence: dict[str, Any] = {"model": model, "model_source": ctx.settings["model"].source}
    try:
        exchange = await send(ctx, "GET", f"/models/{quote(model, safe='')}", with_key=True)
    except TransportFailure as failure:
        return failure.outcome(evidence)
    evidence.update(exchange.evidence())
    today = datetime.date.today()
    if exchange.status == 404 and exchange.error:
        retired = retirement_finding(model, visible.get(model), available=False, today=today)
        if retired is not None:
            return Outcome([retired], evidence)
        close = suggestions(model, list(visible))
        evidence["did_you_mean"] = close
        if close:
            return Outcome([issue("model.not_found", "suggest", model=model, suggestion=" / ".join(close), evidence=evidence)], evidence)
        return Outcome([issue("model.not_found", "named", model=model, evidence=evidence)], evidence)
    finding = answer_finding(ctx, exchange)
    if finding is None and exchange.status >= 300:
        finding = unexpected_finding(exchange)
    if finding is not None:
        return Outcome([finding], evidence)
    body = exchange.body if isinstance(exchange.body, dict) else {}
    evidence["owned_by"] = body.get("owned_by")
    listed = body.get("shutdown_date", visible.get(model))
    retired = retirement_finding(model, listed, available=True, today=today)
    return Outcome([retired] if retired else [], evidence)
