"""Quota probe: is there quota left, found out without spending (a request the API rejects after its quota check)."""

from __future__ import annotations

import json
from typing import Any

from doctor.probes.api import TransportFailure, answer_finding, send
from doctor.runner import Context, Outcome, probe

# Codes the quota check leaves to other probes: rate limits (the next check on the API's path)
# and the model (checked after quota and rate limits).
LEFT_TO_OTHERS = ("ratelimit.", "model.")


def probe_body(model: str) -> dict[str, Any]:
    """An invalid chat completion (max_tokens -1): a key with quota gets 400, never an answer."""
    return {"model": model, "messages": [{"role": "user", "content": ""}], "max_tokens": -1}


@probe(
    "quota.remaining",
    title=("Quota (without spending)", "额度（不消耗费用）"),
    group="quota",
    requires=("auth.key",),
    network=True,
    sends_key=True,
)
async def check_quota(ctx: Context) -> Outcome:
    body = probe_body(ctx.settings.get("model") or "")
    evidence: dict[str, Any] = {
        "sent": f"POST /chat/completions {json.dumps(body)}",
        "billed": "nothing: the request is invalid (max_tokens -1), so no tokens are generated",
        "technique": "heuristic: relies on the API checking quota and rate limits before parameters (observed, not documented)",
    }
    try:
        exchange = await send(ctx, "POST", "/chat/completions", with_key=True, json_body=body)
    except TransportFailure as failure:
        return failure.outcome(evidence)
    evidence.update(exchange.evidence())
    finding = answer_finding(ctx, exchange)
    if finding is not None and not finding.code.startswith(LEFT_TO_OTHERS):
        return Outcome([finding], evidence, data=exchange)
    if exchange.status == 200:
        evidence["verdict"] = "the server accepted an invalid request: it does not validate like OpenAI, and may have billed it"
    else:
        evidence["verdict"] = f"quota available: the request passed the quota check and was rejected later ({exchange.status})"
    return Outcome([], evidence, data=exchange)
