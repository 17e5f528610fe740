"""When the key may be sent at all: the one rule every network probe and HTTP client obeys."""

from __future__ import annotations

from urllib.parse import urlsplit

from doctor.findings import Text
from doctor.i18n import ui
from doctor.settings import Settings


def is_loopback_host(host: str) -> bool:
    if host.lower() in ("localhost", "localhost.localdomain") or host.lower().endswith(".localhost"):
        return True
    import ipaddress  # only when a base URL is judged; not on every start

    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def is_insecure_url(url: str) -> bool:
    """Plain http to a host that is not this machine: a key sent there travels in clear text."""
    parts = urlsplit(url.strip())
    return parts.scheme == "http" and not is_loopback_host(parts.hostname or "")


def key_send_blocker(settings: Settings) -> Text | None:
    """Why the API key must not be sent to the configured base URL, or None when it may be."""
    if not (settings.get("api_key") or "").strip():
        return Text(ui("no_key_skip", "en"), ui("no_key_skip", "zh"))
    if is_insecure_url(settings.get("base_url") or ""):
        return Text(ui("insecure_skip", "en"), ui("insecure_skip", "zh"))
    return None
