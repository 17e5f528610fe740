"""SDK round trip: the official openai SDK, set up as the user's app would be, lists the models once."""

from __future__ import annotations

import asyncio
import importlib
import json
import time
from typing import Any

from doctor.catalog import issue
from doctor.findings import Text
from doctor.http import key_guard, plan_for
from doctor.probes.api import Exchange, answer_finding, deadline_of, describe
from doctor.runner import Context, Outcome, SkipProbe, probe


def sdk_options(ctx: Context) -> dict[str, Any]:
    """AsyncOpenAI arguments from what the app sees after load_dotenv(); --base-url stands in for its base URL."""
    env = ctx.settings.merged_env()
    return {
        "api_key": env.get("OPENAI_API_KEY"),
        "organization": env.get("OPENAI_ORG_ID") or None,
        "project": env.get("OPENAI_PROJECT_ID") or None,
        "base_url": ctx.settings.get("base_url"),
    }


def status_exchange(exc: Any, plan) -> Exchange:
    """The SDK's APIStatusError seen as an Exchange, so the raw probes' classifier can name it."""
    response = exc.response
    try:
        body = json.loads(response.text)
    except ValueError:
        body = None
    return Exchange(response.request.method, str(response.request.url), response.status_code, response.headers, body, response.text, plan)


@probe(
    "sdk.roundtrip",
    title=("openai SDK round trip", "openai SDK 往返测试"),
    group="sdk",
    requires=("auth.key",),
    network=True,
    sends_key=True,
)
async def check_sdk_roundtrip(ctx: Context) -> Outcome:
    try:
        # Importing openai takes about a second: do it off the event loop so other probes go on.
        openai = await asyncio.to_thread(importlib.import_module, "openai")
    except ImportError as exc:
        raise SkipProbe(Text("the openai package is not installed", "未安装 openai 包")) from exc
    plan, context = plan_for(ctx.settings)
    evidence: dict[str, Any] = {"sdk_version": openai.__version__, "call": "await AsyncOpenAI(max_retries=0).models.list()"}
    http_client = openai.DefaultAsyncHttpxClient(
        verify=context,
        proxy=plan.proxy.url if plan.proxy else None,
        trust_env=False,
        event_hooks={"request": [key_guard(plan.base_url, plan.proxy)]},
    )
    # A second past the run's deadline: when time runs out the runner reports doctor.timeout,
    # rather than the SDK's own timeout passing for an SDK-level failure.
    timeout = max(0.1, deadline_of(ctx) - time.monotonic()) + 1.0
    try:
        async with openai.AsyncOpenAI(
            **sdk_options(ctx), max_retries=0, timeout=timeout, http_client=http_client
        ) as client:
            page = await client.models.list()
    except openai.APIStatusError as exc:
        exchange = status_exchange(exc, plan)
        evidence.update(exchange.evidence())
        same = answer_finding(ctx, exchange)
        evidence["raw_probe_code"] = same.code if same else None
        detail = f"{type(exc).__name__} {exc.status_code}: {exc.message}"
        return Outcome([issue("sdk.roundtrip", "status", version=openai.__version__, detail=detail, evidence=evidence)], evidence)
    except Exception as exc:  # noqa: BLE001 - whatever the SDK raises is the finding (it can raise AttributeError on a bad body)
        detail = f"{type(exc).__name__}: {exc} ({describe(exc)})" if exc.__cause__ else f"{type(exc).__name__}: {exc}"
        evidence["error"] = detail
        return Outcome([issue("sdk.roundtrip", "error", version=openai.__version__, detail=detail, evidence=evidence)], evidence)
    evidence["models_listed"] = len(page.data)
    return Outcome([], evidence)
