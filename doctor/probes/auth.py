"""Auth probe: does the API accept the key, organization and project the SDK would send? (GET /models, free)"""

from __future__ import annotations

from typing import Any

from doctor.probes.api import TransportFailure, answer_finding, send, unexpected_finding
from doctor.probes.connectivity import not_found_finding
from doctor.runner import Context, Outcome, probe
from doctor.secrets import mask_key


def listed_models(body: Any) -> dict[str, Any]:
    """Model id -> shutdown_date (or None) from a /models list body."""
    data = body.get("data") if isinstance(body, dict) else None
    return {m["id"]: m.get("shutdown_date") for m in data or () if isinstance(m, dict) and isinstance(m.get("id"), str)}


@probe(
    "auth.key",
    title=("Authentication", "身份验证"),
    group="auth",
    requires=("network.reachability",),
    network=True,
    sends_key=True,
)
async def check_auth(ctx: Context) -> Outcome:
    settings = ctx.settings
    evidence: dict[str, Any] = {
        "key": f"{mask_key(settings.get('api_key'))} ({settings['api_key'].source})",
        "organization_header": settings.get("organization"),
        "project_header": settings.get("project"),
    }
    try:
        exchange = await send(ctx, "GET", "/models", with_key=True)
    except TransportFailure as failure:
        return failure.outcome(evidence)
    evidence.update(exchange.evidence())
    if billed_to := exchange.headers.get("openai-organization"):
        evidence["organization_answered"] = billed_to
    if exchange.status == 404 and not exchange.error.get("code"):
        return Outcome([not_found_finding(exchange)], evidence)
    finding = answer_finding(ctx, exchange)
    if finding is None and exchange.status >= 300:
        finding = unexpected_finding(exchange)
    if finding is not None:
        return Outcome([finding], evidence)
    models = listed_models(exchange.body)
    evidence["models_visible"] = len(models)
    return Outcome([], evidence, data=models)
