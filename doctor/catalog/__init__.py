"""The catalog of finding codes: one TOML file per code, the single source of every message and fix.

Each ``codes/<code>.toml`` holds the code's title, default severity, explanation, fix steps
and message templates, in English and simplified Chinese. ``issue()`` is the only way code
creates a ``Finding``; ``docs/codes/<code>.md`` is generated from the same file
(``python -m doctor.catalog``) and a test keeps the three in sync.
"""

from __future__ import annotations

import functools
import string
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

from doctor.findings import Finding, Severity, Text
from doctor.secrets import redact, redact_text

DOCS_BASE = "https://github.com/openai-doctor/openai-doctor/blob/main/docs/codes/"

# Every code is "<area>.<name>"; the area says which layer of the quick start failed.
AREAS = (
    "key",
    "config",
    "sdk",
    "tokenizer",
    "network",
    "region",
    "auth",
    "quota",
    "ratelimit",
    "model",
    "server",
    "request",
    "spend",
    "azure",
    "doctor",
)


class CatalogError(Exception):
    """A code, variant or template parameter the catalog does not have."""


@dataclass(frozen=True)
class Entry:
    code: str
    title: Text
    severity: Severity
    summary: Text
    fix: tuple[Text, ...]
    messages: Mapping[str, Text]
    references: tuple[str, ...] = ()
    retryable: bool | None = None

    @property
    def docs(self) -> str:
        return f"{DOCS_BASE}{self.code}.md"

    @property
    def placeholders(self) -> set[str]:
        """Names used by the message templates and fix steps (``{name}``)."""
        names: set[str] = set()
        for text in [*self.messages.values(), *self.fix]:
            for template in (text.en, text.zh):
                names.update(f for _, f, _, _ in string.Formatter().parse(template) if f)
        return names


def _text(raw: Any, where: str) -> Text:
    if not isinstance(raw, dict) or set(raw) != {"en", "zh"}:
        raise CatalogError(f"{where}: expected a table with exactly 'en' and 'zh'")
    return Text(en=str(raw["en"]).strip(), zh=str(raw["zh"]).strip())


# Package data is read as plain files next to this module: importlib.resources would add
# ~7 ms of imports (zipfile and friends) to every start, for a package never run from a zip.
CODES_DIR = Path(__file__).parent / "codes"


def parse_entry(code: str, raw: Mapping[str, Any]) -> Entry:
    where = f"catalog entry {code}"
    allowed = {"title", "severity", "summary", "fix", "messages", "references", "retryable"}
    if extra := set(raw) - allowed:
        raise CatalogError(f"{where}: unknown keys {sorted(extra)}")
    messages = {name: _text(t, f"{where} message {name}") for name, t in raw.get("messages", {}).items()}
    if "default" not in messages:
        raise CatalogError(f"{where}: needs a [messages.default]")
    return Entry(
        code=code,
        title=_text(raw["title"], f"{where} title"),
        severity=Severity(raw["severity"]),
        summary=_text(raw["summary"], f"{where} summary"),
        fix=tuple(_text(step, f"{where} fix") for step in raw.get("fix", [])),
        messages=messages,
        references=tuple(raw.get("references", ())),
        retryable=raw.get("retryable"),
    )


@functools.cache
def entry(code: str) -> Entry:
    """The catalog entry for ``code``; raises CatalogError for a code that is not catalogued."""
    path = CODES_DIR / f"{code}.toml"
    if not path.is_file():
        raise CatalogError(f"finding code {code!r} is not in the catalog (doctor/catalog/codes/)")
    return parse_entry(code, tomllib.loads(path.read_text(encoding="utf-8")))


def all_codes() -> list[str]:
    """Every catalogued code, sorted."""
    return sorted(p.name[: -len(".toml")] for p in CODES_DIR.iterdir() if p.name.endswith(".toml"))


class _Params(dict):
    def __missing__(self, key: str) -> str:
        raise CatalogError(f"template parameter {{{key}}} was not given")


def _format(text: Text, params: Mapping[str, Any]) -> Text:
    values = _Params({k: redact(v) if isinstance(v, str) else v for k, v in params.items()})
    return Text(
        en=redact_text(text.en.format_map(values)),
        zh=redact_text(text.zh.format_map(values)),
    )


def issue(
    code: str,
    variant: str = "default",
    *,
    severity: Severity | str | None = None,
    evidence: Mapping[str, Any] | None = None,
    **params: Any,
) -> Finding:
    """Create the Finding for ``code`` with the message ``variant`` filled in from ``params``.

    Args:
        code: a catalogued code such as ``"quota.insufficient"``.
        variant: which one-line message template of the entry to use.
        severity: overrides the entry's default severity for this context.
        evidence: facts for verbose output and JSON; secrets are masked on output.
        **params: values for the ``{placeholders}`` of the message and fix steps.
    """
    item = entry(code)
    if variant not in item.messages:
        raise CatalogError(f"{code} has no message variant {variant!r}")
    return Finding(
        code=code,
        severity=Severity(severity) if severity else item.severity,
        message=_format(item.messages[variant], params),
        fix=tuple(_format(step, params) for step in item.fix),
        docs=item.docs,
        evidence=dict(evidence or {}),
    )
