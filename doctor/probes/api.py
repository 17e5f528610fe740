"""One request to the API and what its answer (or its failure) means: the shared step of every online probe.

``send`` makes a single request through ``doctor.http`` (no retries) and returns an ``Exchange``.
``transport_finding`` names the layer that failed when no answer came back; ``answer_finding``
maps an API error answer (status, ``type``, ``code``, message) to its finding code.
"""

from __future__ import annotations

import asyncio
import errno
import json
import re
import socket
import ssl
import time
from dataclasses import dataclass, field
from typing import Any, Iterator, Mapping

import httpx

from doctor.catalog import issue
from doctor.findings import Finding, Text
from doctor.http import DEADLINE_MARGIN, ClientPlan, Timings, UnsafeRequest, open_client
from doctor.runner import Context, Outcome, SkipProbe
from doctor.secrets import mask_key

BODY_SAMPLE_CHARS = 200
PROXY_REFUSALS = (403,)  # a proxy's own non-JSON answer to a request it will not forward
OPENAI_HOST_SUFFIX = "openai.com"

BILLING_LIMIT_CODES = {
    "credit_balance_exhausted",
    "organization_spend_limit_exceeded",
    "project_spend_limit_exceeded",
    "organization_usage_limit_exceeded",
    "billing_not_active",
}

# Windows socket errors (WSAE*) beside the POSIX errno values, since Windows raises those numbers.
REFUSED = {errno.ECONNREFUSED, 10061}
RESET = {errno.ECONNRESET, errno.ECONNABORTED, errno.EPIPE, 10053, 10054}
UNREACHABLE = {errno.ENETUNREACH, errno.EHOSTUNREACH, 10051, 10065}
TIMED_OUT = {errno.ETIMEDOUT, 10060}
NOT_RESOLVED = {11001, 11002, 11004}

# The same failures as Chinese Windows or Linux (zh_CN locale) word them, for errors without an errno.
WORDED = (
    ("refused", ("积极拒绝", "拒绝连接", "连接被拒绝", "connection refused")),
    ("reset", ("强迫关闭", "连接被重置", "连接被对方重置", "connection reset", "connection aborted")),
    ("timeout", ("没有正确答复", "连接超时", "timed out")),
    ("dns", ("不知道这样的主机", "未知的名称或服务", "getaddrinfo failed", "name or service not known", "nodename nor servname")),
)


@dataclass
class Exchange:
    """One request and its answer: status, headers, parsed JSON (if any) and timings."""

    method: str
    url: str
    status: int
    headers: Mapping[str, str]
    body: Any  # parsed JSON, or None when the body was not JSON
    text: str
    plan: ClientPlan
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def error(self) -> dict[str, Any]:
        """The API's ``error`` object ({message, type, param, code}), or {} when there is none."""
        if isinstance(self.body, dict) and isinstance(self.body.get("error"), dict):
            return self.body["error"]
        return {}

    @property
    def endpoint(self) -> str:
        """``METHOD /path`` relative to the base URL, as the API reference names endpoints."""
        path = self.url[len(self.plan.base_url):] if self.url.startswith(self.plan.base_url) else self.url
        return f"{self.method} {path}"

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "").split(";")[0].strip() or "no content type"

    @property
    def looks_like_html(self) -> bool:
        return "html" in self.content_type or self.text.lstrip()[:15].lower().startswith(("<!doctype", "<html"))

    def evidence(self) -> dict[str, Any]:
        out: dict[str, Any] = {"request": f"{self.method} {self.url}", "status": self.status, "timings_ms": self.timings}
        if request_id := self.headers.get("x-request-id"):
            out["request_id"] = request_id
        if self.error:
            out["error"] = {k: self.error.get(k) for k in ("type", "code", "message")}
        elif self.body is None:
            out["content_type"] = self.content_type
            out["body_start"] = self.text[:BODY_SAMPLE_CHARS]
        return out


@dataclass
class TransportFailure(Exception):
    """No answer came back: the finding that names the failed layer, and what was attempted."""

    finding: Finding
    evidence: dict[str, Any]

    def outcome(self, evidence: dict[str, Any]) -> Outcome:
        """The probe's result: this failure's finding, with what the probe had gathered before it."""
        return Outcome([self.finding], {**evidence, **self.evidence})


def deadline_of(ctx: Context) -> float:
    """When the run must end (time.monotonic()); a probe called outside the runner gets ctx.timeout from now."""
    return ctx.deadline if ctx.deadline is not None else time.monotonic() + ctx.timeout


def api_headers(ctx: Context) -> dict[str, str]:
    """The headers the openai SDK sends from the settings: key, organization, project."""
    settings = ctx.settings
    headers = {"Authorization": f"Bearer {settings.get('api_key') or ''}"}
    if organization := settings.get("organization"):
        headers["OpenAI-Organization"] = organization
    if project := settings.get("project"):
        headers["OpenAI-Project"] = project
    return headers


async def send(ctx: Context, method: str, path: str, *, with_key: bool, json_body: Any = None) -> Exchange:
    """Send one request to ``<base URL><path>``; raise TransportFailure when no answer arrives."""
    deadline = deadline_of(ctx)
    try:
        client, plan = open_client(ctx.settings, deadline)
    except (OSError, ssl.SSLError) as exc:
        raise TransportFailure(ca_file_finding(ctx, exc), {}) from exc
    timings = Timings()
    url = plan.base_url + path
    headers = api_headers(ctx) if with_key else {}
    started = time.monotonic()
    try:
        # httpx times each phase on its own; this bounds the whole request by the run's deadline.
        async with client, asyncio.timeout(max(0.1, deadline - DEADLINE_MARGIN - started)):
            response = await client.request(method, url, headers=headers, json=json_body, extensions={"trace": timings.trace})
    except TimeoutError as exc:
        evidence = {**plan.evidence(), "request": f"{method} {url}", "timings_ms": timings.as_dict()}
        phase = "read" if timings.reached("connect_tcp.complete") else "connect"
        seconds = f"{time.monotonic() - started:.1f}"
        raise TransportFailure(issue("network.timeout", phase, host=plan.host, seconds=seconds), evidence) from exc
    except UnsafeRequest as exc:
        raise SkipProbe(Text(f"not sent: {exc}", f"未发送：{exc}")) from exc
    except (httpx.LocalProtocolError, UnicodeEncodeError) as exc:
        # The SDK fails the same way before sending; key.format names the bad characters.
        raise SkipProbe(Text(
            f"the API key cannot be sent as an HTTP header ({type(exc).__name__}); see key.whitespace",
            f"API 密钥无法作为 HTTP 请求头发送（{type(exc).__name__}）；见 key.whitespace",
        )) from exc
    except httpx.HTTPError as exc:
        evidence = {**plan.evidence(), "request": f"{method} {url}", "timings_ms": timings.as_dict(), "error": describe(exc)}
        raise TransportFailure(transport_finding(exc, plan, client.timeout), evidence) from exc
    text = response.text
    try:
        body = json.loads(text) if text.strip() else None
    except ValueError:
        body = None
    return Exchange(method, url, response.status_code, response.headers, body, text, plan, timings.as_dict())


def ca_file_finding(ctx: Context, exc: Exception) -> Finding:
    """SSL_CERT_FILE / SSL_CERT_DIR names something that cannot be loaded as CA certificates."""
    variable = "SSL_CERT_FILE" if ctx.settings.get("ssl_cert_file") else "SSL_CERT_DIR"
    path = ctx.settings.get("ssl_cert_file") or ctx.settings.get("ssl_cert_dir")
    return issue("network.tls", "ca_file", variable=variable, path=path, detail=describe(exc),
                 evidence={"variable": variable, "path": path, "error": describe(exc)})


def _chain(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    pending = [exc]
    while pending:
        current = pending.pop(0)
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        pending += [e for e in (current.__cause__, current.__context__) if e is not None]
        pending += list(getattr(current, "exceptions", ()))  # an ExceptionGroup of connection attempts


def describe(exc: BaseException) -> str:
    """The most specific message in an exception chain: the OS or TLS error, not "Connection error."."""
    chain = list(_chain(exc))
    for current in chain:
        text = str(current).strip()
        if isinstance(current, OSError) and text and text != "All connection attempts failed":
            return f"{type(current).__name__}: {text}"
    return next((f"{type(e).__name__}: {e}" for e in chain if str(e).strip()), type(exc).__name__)


def _failure_kind(exc: BaseException) -> str | None:
    """dns, refused, reset, unreachable, timeout or tls, from types, errno values, then words."""
    for current in _chain(exc):
        if isinstance(current, ssl.SSLCertVerificationError):
            return "tls"
        if isinstance(current, socket.gaierror):
            return "dns"
        number = getattr(current, "winerror", None) or getattr(current, "errno", None)
        if isinstance(current, ConnectionRefusedError) or number in REFUSED:
            return "refused"
        if isinstance(current, ConnectionResetError) or number in RESET:
            return "reset"
        if number in UNREACHABLE:
            return "unreachable"
        if number in NOT_RESOLVED:
            return "dns"
        if number in TIMED_OUT or isinstance(current, (httpx.TimeoutException, TimeoutError)):
            return "timeout"
        if isinstance(current, ssl.SSLError):
            return "tls"
        if isinstance(current, httpx.RemoteProtocolError):
            return "reset"
    words = " ".join(str(e) for e in _chain(exc)).lower()
    return next((kind for kind, needles in WORDED if any(n in words for n in needles)), None)


def tls_variant(exc: BaseException, host: str) -> str:
    """Which certificate problem: the message variant of network.tls."""
    verify = next((e for e in _chain(exc) if isinstance(e, ssl.SSLCertVerificationError)), None)
    code = getattr(verify, "verify_code", None)
    message = str(getattr(verify, "verify_message", "") or exc).lower()
    if code == 10 or "expired" in message:
        return "expired"
    if code in (62, 64) or "mismatch" in message or "doesn't match" in message:
        return "hostname"
    if code in (18, 19, 20, 21) or "self-signed" in message or "self signed" in message or "local issuer" in message:
        if host == OPENAI_HOST_SUFFIX or host.endswith("." + OPENAI_HOST_SUFFIX):
            return "intercepted"  # OpenAI's real certificate chains to a public CA
        if code in (18, 19) or "self" in message:
            return "self_signed"
        return "unknown_issuer"
    return "other"


def transport_finding(exc: BaseException, plan: ClientPlan, timeout: httpx.Timeout) -> Finding:
    """Name the layer where a request without an answer failed."""
    host, port = plan.host, plan.port
    detail = describe(exc)
    proxy = plan.proxy
    if isinstance(exc, httpx.ProxyError) and proxy:
        status = str(exc).split(" ", 1)[0]
        return proxy_status_finding(plan, int(status) if status.isdigit() else 0, str(exc), {})
    kind = _failure_kind(exc)
    if proxy and (kind in ("dns", "refused", "unreachable") or isinstance(exc, httpx.ConnectTimeout)):
        return issue("network.proxy", "unreachable", proxy=proxy.shown, source=proxy.source, detail=detail)
    if kind == "tls":
        return issue("network.tls", tls_variant(exc, host), host=host, detail=detail)
    if kind == "dns":
        return issue("network.dns", "host", host=host, detail=detail)
    if kind == "refused":
        return issue("network.connection", "refused", host=host, port=port, detail=detail)
    if kind == "unreachable":
        return issue("network.connection", "unreachable", host=host, detail=detail)
    if isinstance(exc, httpx.ConnectTimeout):
        return issue("network.timeout", "connect", host=host, seconds=f"{timeout.connect:.1f}")
    if isinstance(exc, httpx.TimeoutException) or kind == "timeout":
        return issue("network.timeout", "read", host=host, seconds=f"{timeout.read:.1f}")
    if kind == "reset" or isinstance(exc, (httpx.ReadError, httpx.WriteError, httpx.RemoteProtocolError)):
        return issue("network.connection", "reset", host=host, detail=detail)
    return issue("network.connection", "other", host=host, detail=detail)


def proxy_status_finding(plan: ClientPlan, status: int, answer: str, evidence: dict) -> Finding:
    """The proxy itself answered (to CONNECT, or to a forwarded request) instead of the API."""
    proxy = plan.proxy
    if status == 407:
        return issue("network.proxy", "auth", proxy=proxy.shown, source=proxy.source, evidence=evidence)
    return issue("network.proxy", "connect_refused", proxy=proxy.shown, source=proxy.source, host=plan.host,
                 status=answer, evidence=evidence)


# ---------------------------------------------------------------- API answers


SERVER_KEY_RE = re.compile(r"provided:\s*(\S+?)\.?(?:\s|$)")
SCOPES_RE = re.compile(r"Missing scopes?:\s*([\w.:, -]+?)(?:\.\s|\.$|$)")


def answer_finding(ctx: Context, exchange: Exchange) -> Finding | None:
    """The finding an API answer means, or None for a success or a 400/404 the probe judges itself."""
    status, error, plan = exchange.status, exchange.error, exchange.plan
    evidence = exchange.evidence()
    if plan.proxy and (status == 407 or (exchange.body is None and status in PROXY_REFUSALS)):
        return proxy_status_finding(plan, status, str(status), evidence)
    if exchange.body is None and (exchange.text.strip() or status < 300):
        variant = "html" if exchange.looks_like_html else "not_json"
        if status == 404 and not exchange.looks_like_html:
            variant = "not_found"
        return issue("server.bad_response", variant, url=exchange.url, status=status,
                     content_type=exchange.content_type, evidence=evidence)
    if 200 <= status < 300:
        return None
    kinds = set(f"{error.get('type') or ''} {error.get('code') or ''}".split())
    message = str(error.get("message") or "")
    if "unsupported_country_region_territory" in kinds:
        if plan.proxy:
            return issue("region.unsupported", "via_proxy", proxy=plan.proxy.shown, evidence=evidence)
        return issue("region.unsupported", evidence=evidence)
    if status == 401 or kinds & {"account_deactivated", "access_terminated", "missing_scope"}:
        return _auth_finding(ctx, exchange, kinds, message, evidence)
    if status == 403 and ("model_not_found" in kinds or "does not have access to model" in message):
        return issue("model.no_access", "named", model=_model_in(message) or ctx.settings.get("model"), evidence=evidence)
    if status == 404 and "model_not_found" in kinds:
        return issue("model.not_found", "named", model=_model_in(message) or ctx.settings.get("model"), evidence=evidence)
    if status in (429, 503) and "slow_down" in kinds:
        return issue("server.overloaded", "slow_down", status=status, evidence=evidence)
    if status == 429:
        return _too_many_requests(exchange, kinds, message, evidence)
    if status == 503 or "server_is_overloaded" in kinds or "overloaded" in message.lower():
        return issue("server.overloaded", "overloaded", status=status, evidence=evidence)
    if status >= 500:
        return issue("server.error", "status", status=status, endpoint=exchange.endpoint, evidence=evidence)
    if status in (400, 404):
        return None
    return unexpected_finding(exchange)


def unexpected_finding(exchange: Exchange) -> Finding:
    """An error answer the doctor has no better name for: quoted as it came."""
    error = exchange.error
    kind = f"{error.get('type') or ''} {error.get('code') or ''}".strip() or "no type"
    message = str(error.get("message") or "")[:BODY_SAMPLE_CHARS] or "(none)"
    return issue("server.unexpected", "detail", status=exchange.status, kind=kind, message=message, evidence=exchange.evidence())


def _model_in(message: str) -> str | None:
    match = re.search(r"model `([^`]+)`", message)
    return match.group(1) if match else None


def _auth_finding(ctx: Context, exchange: Exchange, kinds: set[str], message: str, evidence: dict) -> Finding:
    settings = ctx.settings
    if "missing_scope" in kinds:
        match = SCOPES_RE.search(message)
        if match:
            return issue("key.insufficient_scope", "scopes", scopes=match.group(1).strip(), endpoint=exchange.endpoint, evidence=evidence)
        return issue("key.insufficient_scope", evidence=evidence)
    if "account_deactivated" in kinds:
        return issue("key.revoked", "account_deactivated", evidence=evidence)
    if "access_terminated" in kinds:
        return issue("key.revoked", "access_terminated", evidence=evidence)
    if "ip_not_authorized" in kinds:
        return issue("auth.ip_not_allowed", evidence=evidence)
    organization = {"organization": settings.get("organization"), "source": settings["organization"].source}
    if "mismatched_organization" in kinds:
        return issue("auth.organization", "mismatched", **organization, evidence=evidence)
    if "invalid_organization" in kinds and organization["organization"]:
        return issue("auth.organization", "invalid", **organization, evidence=evidence)
    if "invalid_organization" in kinds or "member of an organization" in message:
        return issue("auth.organization", "no_membership", evidence=evidence)
    if "mismatched_project" in kinds:
        project = settings.get("project") or "(none)"
        return issue("auth.project", "mismatched", project=project, source=settings["project"].source, evidence=evidence)
    if "didn't provide an api key" in message.lower():
        return issue("key.invalid", "not_sent", evidence=evidence)
    local = settings.get("api_key") or ""
    match = SERVER_KEY_RE.search(message)
    facts = {"local_key": mask_key(local), "source": settings["api_key"].source}
    if match:
        server_key = match.group(1)
        evidence = {**evidence, "key_server_saw": server_key, "key_in_settings": facts["local_key"]}
        if server_key[-4:] != local.strip()[-4:]:
            return issue("key.invalid", "tail_mismatch", server_key=server_key, **facts, evidence=evidence)
        return issue("key.invalid", "tail_match", server_key=server_key, **facts, evidence=evidence)
    return issue("key.invalid", evidence={**evidence, "key_in_settings": facts["local_key"]})


def _too_many_requests(exchange: Exchange, kinds: set[str], message: str, evidence: dict) -> Finding:
    if limit := kinds & BILLING_LIMIT_CODES:
        return issue("quota.billing_limit", limit.pop(), evidence=evidence)
    if "insufficient_quota" in kinds:
        return issue("quota.insufficient", evidence=evidence)
    from doctor.probes.ratelimits import rate_limit_finding  # here: ratelimits imports this module

    return rate_limit_finding(exchange, kinds, message, evidence)
