"""The one place an HTTP client is built: proxies, CA trust, timeouts, timings and the key's safety rules.

Every online probe talks to the API through ``open_client``. The client sees the proxies and CA
files the user's app would see (from the resolved settings, so a ``.env`` value counts and tests
stay hermetic), trusts certificates the way openai 3.x does (the OS trust store through
truststore, or ``SSL_CERT_FILE`` / ``SSL_CERT_DIR``), never retries, and refuses to send an
``Authorization`` header anywhere but the configured base URL, or over plain http to another
machine.
"""

from __future__ import annotations

import functools
import ssl
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import httpx  # imported by the online probe modules only, so `check --offline` never loads it

from doctor.probes.gates import is_insecure_url, is_loopback_host
from doctor.secrets import display_url
from doctor.settings import Settings

CONNECT_TIMEOUT = 5.0  # the openai SDK's own connect timeout
DEADLINE_MARGIN = 0.3  # seconds left to the probe to turn a timeout into a finding
DEFAULT_PORTS = {"http": 80, "https": 443}


class UnsafeRequest(Exception):
    """A request would have carried the API key somewhere it must never go."""


@dataclass(frozen=True)
class Proxy:
    """The proxy a request to the base URL goes through, and the setting that chose it."""

    url: str
    source: str

    @property
    def shown(self) -> str:
        """The proxy URL without its password."""
        return display_url(self.url)

    @property
    def host(self) -> str:
        return urlsplit(self.url).hostname or ""

    @property
    def port(self) -> int:
        parts = urlsplit(self.url)
        return parts.port or DEFAULT_PORTS.get(parts.scheme, 80)


def origin(url: str) -> tuple[str, str, int]:
    """Scheme, host and port of ``url``: requests may carry the key only to the base URL's origin."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    return scheme, (parts.hostname or "").lower(), parts.port or DEFAULT_PORTS.get(scheme, 0)


def _bypasses_proxy(host: str, no_proxy: str) -> bool:
    """NO_PROXY as httpx reads it: ``*``, exact hosts, domain suffixes and IP addresses."""
    for entry in (e.strip().lower() for e in no_proxy.split(",")):
        if not entry:
            continue
        if entry == "*":
            return True
        entry = entry.split("://", 1)[-1].strip("[]")
        if entry.startswith("."):
            if host.endswith(entry):
                return True
        elif host == entry or host.endswith("." + entry):
            return True
    return False


def select_proxy(settings: Settings, url: str | None = None) -> Proxy | None:
    """The proxy httpx would pick for ``url`` (default: the base URL), or None for a direct connection."""
    scheme, host, _ = origin(url or settings.get("base_url") or "")
    if _bypasses_proxy(host, settings.get("no_proxy") or ""):
        return None
    for name in ("https_proxy" if scheme == "https" else "http_proxy", "all_proxy"):
        if value := settings.get(name):
            proxy_url = value if "://" in value else f"http://{value}"
            return Proxy(proxy_url, settings[name].source)
    return None


def ca_setting(settings: Settings) -> tuple[str, str] | None:
    """The CA variable the openai SDK would honour (name, path), or None for the OS trust store."""
    for name, variable in (("ssl_cert_file", "SSL_CERT_FILE"), ("ssl_cert_dir", "SSL_CERT_DIR")):
        if value := settings.get(name):
            return variable, value
    return None


SYSTEM_TRUST = "the operating system's trust store"


def ssl_context(settings: Settings) -> tuple[ssl.SSLContext, str]:
    """The TLS context openai 3.x would use, and a description of what it trusts.

    Raises OSError or ssl.SSLError when SSL_CERT_FILE / SSL_CERT_DIR cannot be loaded, as the
    SDK itself would when it builds its client.
    """
    setting = ca_setting(settings)
    return _context(setting), f"{setting[0]}={setting[1]}" if setting else SYSTEM_TRUST


@functools.lru_cache(maxsize=8)
def _context(setting: tuple[str, str] | None) -> ssl.SSLContext:
    # Loading a CA bundle takes ~100 ms, and every probe builds a client: share one context per setting.
    if setting is None:
        try:
            import truststore
        except ImportError:
            return ssl.create_default_context()
        return truststore.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    variable, path = setting
    if variable == "SSL_CERT_FILE":
        return ssl.create_default_context(cafile=path)
    return ssl.create_default_context(capath=path)


@dataclass
class Timings:
    """Milliseconds per layer of one request, filled by httpx's trace extension."""

    marks: dict[str, float] = field(default_factory=dict)

    async def trace(self, event: str, info: dict[str, Any]) -> None:
        # Events look like "connection.connect_tcp.started" or "http11.receive_response_headers.complete".
        name, _, phase = event.rpartition(".")
        self.marks.setdefault(f"{name.rpartition('.')[2]}.{phase}", time.perf_counter())

    def reached(self, mark: str) -> bool:
        return mark in self.marks

    def _span(self, start: str, end: str) -> float | None:
        if start in self.marks and end in self.marks:
            return round((self.marks[end] - self.marks[start]) * 1000, 1)
        return None

    def as_dict(self) -> dict[str, float]:
        spans = {
            "tcp_connect": self._span("connect_tcp.started", "connect_tcp.complete"),
            "tls_handshake": self._span("start_tls.started", "start_tls.complete"),
            "first_byte": self._span("send_request_headers.started", "receive_response_headers.complete"),
        }
        return {name: ms for name, ms in spans.items() if ms is not None}


def request_timeout(deadline: float) -> httpx.Timeout:
    """httpx's per-phase timeouts for a request that must end by the run's deadline (time.monotonic());
    the caller bounds the whole request a little earlier, to report network.timeout in time."""
    total = max(0.2, deadline - time.monotonic())
    return httpx.Timeout(total, connect=min(CONNECT_TIMEOUT, total))


def key_guard(base_url: str, proxy: Proxy | None):
    """An httpx request hook that refuses to send the key anywhere but ``base_url``, or in clear text."""
    allowed = origin(base_url)

    async def refuse_unsafe(request: httpx.Request) -> None:
        if "authorization" not in request.headers:
            return
        url = str(request.url)
        if is_insecure_url(url):
            raise UnsafeRequest(f"the API key would travel over plain http to {request.url.host}")
        if origin(url) != allowed:
            raise UnsafeRequest(f"the API key would go to {request.url.host}, which is not the base URL's host")
        if request.url.scheme == "http" and proxy and not is_loopback_host(proxy.host):
            raise UnsafeRequest(f"the API key would travel over plain http through the proxy {proxy.host}")

    return refuse_unsafe


@dataclass(frozen=True)
class ClientPlan:
    """How requests to the base URL travel: through which proxy, trusting which CAs."""

    base_url: str
    proxy: Proxy | None
    trust: str

    @property
    def host(self) -> str:
        return origin(self.base_url)[1]

    @property
    def port(self) -> int:
        return origin(self.base_url)[2]

    def evidence(self) -> dict[str, str]:
        return {
            "base_url": self.base_url,
            "proxy": f"{self.proxy.shown} ({self.proxy.source})" if self.proxy else "none (direct connection)",
            "trusted_cas": self.trust,
        }


def plan_for(settings: Settings) -> tuple[ClientPlan, ssl.SSLContext]:
    """The route and TLS context of requests to the configured base URL."""
    base_url = (settings.get("base_url") or "").strip().rstrip("/")
    context, trust = ssl_context(settings)
    return ClientPlan(base_url, select_proxy(settings, base_url), trust), context


def open_client(settings: Settings, deadline: float) -> tuple[httpx.AsyncClient, ClientPlan]:
    """An AsyncClient for the base URL (use it as ``async with``), and the plan it follows."""
    plan, context = plan_for(settings)
    client = httpx.AsyncClient(
        base_url=plan.base_url,
        verify=context,
        proxy=plan.proxy.url if plan.proxy else None,
        trust_env=False,  # proxies and CAs come from the settings: what the user's app sees after load_dotenv()
        timeout=request_timeout(deadline),
        follow_redirects=False,
        event_hooks={"request": [key_guard(plan.base_url, plan.proxy)]},
    )
    return client, plan
