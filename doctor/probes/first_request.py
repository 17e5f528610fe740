"""First request (only with --spend): the quick start's chat completion, with a tiny output budget, and what it cost."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from doctor.catalog import issue
from doctor.findings import Text
from doctor.probes.api import TransportFailure, answer_finding, send, unexpected_finding
from doctor.runner import Context, Outcome, SkipProbe, probe

# max_completion_tokens, not max_tokens: reasoning models reject max_tokens, and their hidden
# reasoning counts against this budget, so finish_reason "length" is expected for them.
OUTPUT_BUDGET = 16
PROMPT = "Say OK."


def request_body(model: str) -> dict[str, Any]:
    return {"model": model, "messages": [{"role": "user", "content": PROMPT}], "max_completion_tokens": OUTPUT_BUDGET}


def cost_of(model: str, usage: dict[str, Any]) -> tuple[str | None, dict[str, Any]]:
    """USD cost of the usage as doctor.tokens prices it, and the facts behind the figure."""
    from doctor.tokens import estimate_cost, usd

    cached = (usage.get("prompt_tokens_details") or {}).get("cached_tokens") or 0
    estimate = estimate_cost(model, int(usage.get("prompt_tokens") or 0), int(usage.get("completion_tokens") or 0), int(cached))
    facts = {"usd": usd(estimate.total_usd), "price_source": estimate.price_source, "prices_as_of": estimate.prices_as_of}
    if estimate.note:
        facts["note"] = estimate.note
    return usd(estimate.total_usd), facts


@probe(
    "spend.first_request",
    title=("First request (--spend)", "首个请求（--spend）"),
    group="spend",
    requires=("quota.remaining", "model.access"),
    network=True,
    sends_key=True,
)
async def check_first_request(ctx: Context) -> Outcome:
    if not ctx.spend:
        raise SkipProbe(Text(
            "not asked for: nothing was spent (add --spend to send one tiny billed chat completion)",
            "未请求：没有产生任何费用（加上 --spend 可发送一次极小的计费对话补全）",
        ))
    model = ctx.settings.get("model") or ""
    body = request_body(model)
    evidence: dict[str, Any] = {"sent": f"POST /chat/completions {json.dumps(body, ensure_ascii=False)}"}
    try:
        exchange = await send(ctx, "POST", "/chat/completions", with_key=True, json_body=body)
    except TransportFailure as failure:
        return failure.outcome(evidence)
    evidence.update(exchange.evidence())
    finding = answer_finding(ctx, exchange)
    if finding is None and exchange.status != 200:
        finding = unexpected_finding(exchange)
    if finding is not None:
        return Outcome([finding], evidence)
    answer = exchange.body if isinstance(exchange.body, dict) else {}
    choice = (answer.get("choices") or [{}])[0]
    usage = answer.get("usage") or {}
    evidence["response"] = {
        "id": answer.get("id"),
        "model": answer.get("model"),
        "finish_reason": choice.get("finish_reason"),
        "content": (choice.get("message") or {}).get("content"),
        "usage": usage,
    }
    facts = {
        "model": answer.get("model") or model,
        "finish_reason": choice.get("finish_reason") or "?",
        "prompt_tokens": usage.get("prompt_tokens", "?"),
        "completion_tokens": usage.get("completion_tokens", "?"),
    }
    cost, cost_facts = await asyncio.to_thread(cost_of, facts["model"], usage)
    evidence["cost"] = cost_facts
    if cost is None:
        return Outcome([issue("spend.first_request", "no_price", **facts, evidence=evidence)], evidence)
    return Outcome([issue("spend.first_request", "cost", **facts, cost=cost, evidence=evidence)], evidence)
