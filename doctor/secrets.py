"""Masking of API keys and other secrets: the only way a key may appear in any output.

A key is shown as its family prefix plus its last four characters (``sk-proj-…a1B2``),
which is enough to tell two keys apart and to compare with the tail OpenAI echoes in a
401, and never enough to use. ``redact`` scrubs any text or nested data before it
leaves the process.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

ELLIPSIS = "…"

# Longest first, so "sk-proj-" wins over "sk-".
KNOWN_PREFIXES = (
    "sk-ant-admin01-",
    "sk-ant-api03-",
    "sk-svcacct-",
    "sk-service-",
    "sk-or-v1-",
    "sk-admin-",
    "sk-proj-",
    "sk-None-",
    "sk-ant-",
    "lsv2_pt_",
    "lsv2_sk_",
    "nvapi-",
    "pplx-",
    "xai-",
    "gsk_",
    "AIza",
    "hf_",
    "r8_",
    "sk-",
)

# Things that look like credentials anywhere in free text (pasted logs, error bodies).
_SECRET_PATTERNS = [
    re.compile(r"(?<![A-Za-z0-9_-])(?:sk|gsk|xai|pplx|nvapi|hf|r8|lsv2_(?:pt|sk))[-_][A-Za-z0-9_\-*.]{12,}(?<!\.)"),
    re.compile(r"(?<![A-Za-z0-9_-])AIza[0-9A-Za-z_\-]{20,}"),
    re.compile(r"(?i)(?<=bearer )[A-Za-z0-9_\-.=]{12,}"),
    re.compile(r"(?i)(?<=api-key: )[A-Za-z0-9_\-]{16,}"),
    re.compile(r"(?i)(?<=api_key=)[A-Za-z0-9_\-]{16,}"),
]


# Exact values known to be secret in this process (the resolved keys), masked wherever
# they appear, whatever their shape: an Azure key is 32 bare hex digits no pattern can tell.
_known_secrets: set[str] = set()


def register_secret(value: str | None) -> None:
    """Remember a secret so that ``redact_text`` masks it verbatim anywhere."""
    if value and len(value.strip()) >= 8:
        _known_secrets.add(value)
        _known_secrets.add(value.strip())


def key_prefix(key: str) -> str:
    """The recognisable family prefix of a key, or "" when it has none."""
    for prefix in KNOWN_PREFIXES:
        if key.startswith(prefix):
            return prefix
    return ""


def mask_key(key: str | None) -> str:
    """Show a key as prefix + last four characters; short values show no characters at all."""
    if key is None:
        return ""
    stripped = key.strip()
    if len(stripped) < 12:
        return f"{ELLIPSIS}({len(key)} chars)" if key else ""
    prefix = key_prefix(stripped)
    return f"{prefix}{ELLIPSIS}{stripped[-4:]}"


def _mask_match(match: re.Match[str]) -> str:
    text = match.group(0)
    if "*" in text or ELLIPSIS in text:
        return text  # already masked by whoever printed it (e.g. OpenAI's "sk-proj-****abcd")
    return mask_key(text)


def redact_text(text: str) -> str:
    """Mask every credential-looking substring in free text."""
    for secret in sorted(_known_secrets, key=len, reverse=True):
        if secret in text:
            text = text.replace(secret, mask_key(secret))
    for pattern in _SECRET_PATTERNS:
        text = pattern.sub(_mask_match, text)
    return text


def redact(value: Any) -> Any:
    """Mask credentials inside any JSON-like value (str, list, tuple, dict)."""
    if isinstance(value, str):
        return redact_text(value)
    if isinstance(value, dict):
        return {k: redact(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [redact(v) for v in value]
    return value


def display_url(url: str) -> str:
    """A URL as it may be printed: a password in it (``http://user:pw@proxy``) replaced by ***."""
    try:
        parts = urlsplit(url)
        if parts.password is None:
            return url
    except ValueError:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return parts._replace(netloc=netloc).geturl()
