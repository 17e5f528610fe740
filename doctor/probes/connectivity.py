"""Connectivity probe: can this machine reach the base URL, layer by layer (DNS, TCP, TLS, first byte)? No key is sent."""

from __future__ import annotations

import asyncio
import socket
import time
from typing import Any

from doctor.catalog import issue
from doctor.findings import Finding, Text
from doctor.http import CONNECT_TIMEOUT, origin, plan_for
from doctor.probes.api import TransportFailure, answer_finding, ca_file_finding, deadline_of, describe, send
from doctor.runner import Context, Outcome, SkipProbe, probe

# Without a key the API answers 401; any JSON answer proves every layer below HTTP works.
EXPECTED_WITHOUT_KEY = (200, 401)
SLOW_FIRST_BYTE_MS = 2000.0


async def resolve(host: str, port: int, timeout: float) -> tuple[float, list[str]]:
    """Milliseconds to resolve ``host`` and the addresses found; raises socket.gaierror or TimeoutError."""
    started = time.perf_counter()
    loop = asyncio.get_running_loop()
    infos = await asyncio.wait_for(loop.getaddrinfo(host, port, type=socket.SOCK_STREAM), timeout)
    addresses = sorted({info[4][0] for info in infos})
    return round((time.perf_counter() - started) * 1000, 1), addresses


def not_found_finding(exchange) -> Finding:
    """A 404 on a path every OpenAI-compatible API serves: the base URL's path is wrong."""
    return issue("server.bad_response", "not_found", url=exchange.url, status=exchange.status,
                 content_type=exchange.content_type, evidence=exchange.evidence())


@probe(
    "network.reachability",
    title=("Connection to the API", "到 API 的连接"),
    group="network",
    network=True,
)
async def check_connectivity(ctx: Context) -> Outcome:
    scheme, host, port = origin(ctx.settings.get("base_url") or "")
    if scheme not in ("http", "https") or not host:
        raise SkipProbe(Text("the base URL is not an http(s) URL", "base URL 不是 http(s) 地址"))
    try:
        plan, _ = plan_for(ctx.settings)
    except OSError as exc:
        return Outcome([ca_file_finding(ctx, exc)])
    evidence: dict[str, Any] = plan.evidence()
    first_hop = (plan.proxy.host, plan.proxy.port) if plan.proxy else (host, port)
    try:
        dns_ms, addresses = await resolve(*first_hop, timeout=min(CONNECT_TIMEOUT, deadline_of(ctx) - time.monotonic()))
    except (OSError, TimeoutError) as exc:
        detail = describe(exc) if str(exc) else "no answer from the DNS resolver in time"
        evidence["error"] = detail
        if plan.proxy:
            finding = issue("network.proxy", "unreachable", proxy=plan.proxy.shown, source=plan.proxy.source, detail=detail)
        else:
            finding = issue("network.dns", "host", host=host, detail=detail)
        return Outcome([finding], evidence)
    evidence["resolved"] = {first_hop[0]: addresses}
    try:
        exchange = await send(ctx, "GET", "/models", with_key=False)
    except TransportFailure as failure:
        failure.evidence.setdefault("timings_ms", {})["dns"] = dns_ms
        return failure.outcome(evidence)
    evidence.update(exchange.evidence())
    evidence["timings_ms"] = {"dns": dns_ms, **exchange.timings}
    evidence["note"] = "sent without the API key: a 401 JSON answer means the API is reachable"
    if exchange.status == 404 and not exchange.error.get("code"):
        return Outcome([not_found_finding(exchange)], evidence)
    if exchange.status in EXPECTED_WITHOUT_KEY and exchange.body is not None:
        first_byte = exchange.timings.get("first_byte", 0.0)
        if first_byte > SLOW_FIRST_BYTE_MS:
            return Outcome([issue("network.slow", "detail", ms=f"{first_byte:.0f}", host=host, evidence=evidence)], evidence)
        return Outcome([], evidence)
    finding = answer_finding(ctx, exchange)
    return Outcome([finding] if finding else [], evidence)
