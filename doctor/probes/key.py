"""Key probe: is OPENAI_API_KEY present, clean, shaped like an OpenAI key, and the right kind?"""

from __future__ import annotations

import re
import unicodedata
from typing import NamedTuple
from urllib.parse import urlsplit

from doctor.catalog import issue
from doctor.findings import Finding
from doctor.runner import Context, probe
from doctor.secrets import mask_key

MARKER = "T3BlbkFJ"  # base64("OpenAI"): every OpenAI key family carries it once

PLACEHOLDER_RE = re.compile(
    r"""^(
        sk-(proj-)?(\.{3}|…|x{3,}|X{3,}|\*{3,}|your[-_a-z]*|<[^>]*>|\{[^}]*\}|\$\{?\w+\}?)   # sk-..., sk-proj-your-api-key-here
      | (your|my|insert|enter|paste|put)[-_ ]?(openai[-_ ]?)?(api[-_ ]?)?(key|token|secret)[-_ a-z]*
      | <[^>]*>|\{\{?[^}]*\}\}?|\$\{?[A-Za-z_]+\}?|%[A-Za-z_]+%                              # <key>, {{key}}, ${KEY}, %KEY%
      | (openai[-_ ]?)?api[-_ ]?key([-_ ]?here)?
      | x{3,}|\*{3,}|\.{3,}|…|changeme|replace[-_ ]?me|todo|null|none|undefined|test|dummy
    )$""",
    re.IGNORECASE | re.VERBOSE,
)

OPENAI_ALPHABET = re.compile(r"^[A-Za-z0-9_-]+$")
LEGACY_ALPHABET = re.compile(r"^[A-Za-z0-9]+$")
SMART_QUOTES = "\u2018\u2019\u201c\u201d\u00ab\u00bb\u300c\u300d"
QUOTES = "\"'`" + SMART_QUOTES


class KeyFamily(NamedTuple):
    prefix: str
    kind: str  # the message variant of key.type
    lengths: tuple[int, ...]
    alphabet: re.Pattern[str] = OPENAI_ALPHABET


# Longest prefix first. Lengths from the secret scanners' sample keys (reference sheet §1.1).
FAMILIES = (
    KeyFamily("sk-svcacct-", "service_account", (135, 167)),
    KeyFamily("sk-service-", "service_account", ()),
    KeyFamily("sk-admin-", "admin", (133,)),
    KeyFamily("sk-proj-", "project", (56, 132, 164)),
    KeyFamily("sk-None-", "user_none", (56,), LEGACY_ALPHABET),
    KeyFamily("sk-", "legacy", (51,), LEGACY_ALPHABET),
)


class Provider(NamedTuple):
    name: str
    pattern: re.Pattern[str]
    hosts: tuple[str, ...]  # base URL hosts where this key is legitimate
    base_url: str


# Another provider's key pasted into OPENAI_API_KEY (reference sheet §1.4).
PROVIDERS = (
    Provider("Anthropic", re.compile(r"^sk-ant-"), ("api.anthropic.com",), "https://api.anthropic.com/v1/"),
    Provider("OpenRouter", re.compile(r"^sk-or-"), ("openrouter.ai",), "https://openrouter.ai/api/v1"),
    Provider("Groq", re.compile(r"^gsk_"), ("api.groq.com",), "https://api.groq.com/openai/v1"),
    Provider(
        "Google Gemini",
        re.compile(r"^AIza[\w-]{30,}$"),
        ("generativelanguage.googleapis.com",),
        "https://generativelanguage.googleapis.com/v1beta/openai/",
    ),
    Provider("xAI", re.compile(r"^xai-"), ("api.x.ai",), "https://api.x.ai/v1"),
    Provider("Perplexity", re.compile(r"^pplx-"), ("api.perplexity.ai",), "https://api.perplexity.ai"),
    Provider("Hugging Face", re.compile(r"^hf_"), ("huggingface.co", "router.huggingface.co"), "https://router.huggingface.co/v1"),
    Provider("Replicate", re.compile(r"^r8_"), ("api.replicate.com",), "https://api.replicate.com/v1"),
    Provider("NVIDIA", re.compile(r"^nvapi-"), ("integrate.api.nvidia.com",), "https://integrate.api.nvidia.com/v1"),
    Provider("LangSmith", re.compile(r"^lsv2_(pt|sk)_"), (), ""),
    Provider("DeepSeek", re.compile(r"^sk-[a-z0-9]{32}$"), ("api.deepseek.com",), "https://api.deepseek.com"),
    Provider("Azure OpenAI", re.compile(r"^[0-9a-f]{32}$|^[A-Za-z0-9]{84}$"), (".openai.azure.com", ".cognitiveservices.azure.com"), ""),
)


def _host_matches(host: str, hosts: tuple[str, ...]) -> bool:
    return any(host == h or (h.startswith(".") and host.endswith(h)) or host.endswith("." + h) for h in hosts)


def whitespace_problems(raw: str) -> list[str]:
    """Message variants of key.whitespace that apply to ``raw``, most specific first."""
    problems = []
    if "\n" in raw or "\r" in raw:
        problems.append("newline")
    elif raw != raw.strip():
        problems.append("spaces")
    inner = raw.strip()
    if inner[:1] in QUOTES or inner[-1:] in QUOTES:
        smart = inner[:1] in SMART_QUOTES or inner[-1:] in SMART_QUOTES
        problems.append("non_ascii" if smart else "quotes")
    if inner.lower().startswith("bearer"):
        problems.append("bearer")
    cleaned = clean_key(raw)
    if any(ch.isspace() for ch in cleaned):
        problems.append("inner_space")
    invisible = any(unicodedata.category(ch) in ("Cf", "Cc") for ch in cleaned)
    if (invisible or any(ord(ch) > 127 for ch in cleaned)) and "non_ascii" not in problems:
        problems.append("non_ascii")
    return problems


def clean_key(raw: str) -> str:
    """The key as the user meant it: without surrounding space, quotes or a Bearer prefix."""
    key = raw.strip().strip(QUOTES).strip()
    if key.lower().startswith("bearer "):
        key = key[7:].strip().strip(QUOTES).strip()
    return key


def family_of(key: str) -> KeyFamily | None:
    return next((f for f in FAMILIES if key.startswith(f.prefix)), None)


def provider_of(key: str) -> Provider | None:
    return next((p for p in PROVIDERS if p.pattern.search(key)), None)


def shape_problem(key: str, family: KeyFamily) -> str | None:
    """The key.malformed variant for a key of a known OpenAI family, or None if it looks right."""
    body = key[len(family.prefix):]
    if not family.alphabet.match(body):
        return "alphabet"
    if family.lengths:
        if len(key) < min(family.lengths):
            return "too_short"
        if len(key) > max(family.lengths):
            return "too_long"
    if key.count(MARKER) != 1:
        cut_off = family.lengths and len(key) < max(family.lengths) and len(key) not in family.lengths
        return "too_short" if cut_off else "no_marker"
    if family.lengths and len(key) not in family.lengths:
        return "unusual_length"
    return None


@probe("key", title=("API key", "API 密钥"), group="key")
def check_key(ctx: Context) -> list[Finding]:
    settings = ctx.settings
    setting = settings["api_key"]
    raw = setting.value
    if raw is None or raw == "":
        if settings.get("admin_key"):
            return [issue("key.missing", "admin_only")]
        return [issue("key.missing", "empty" if raw == "" else "default", source=setting.source)]
    where = {"source": setting.source}
    findings: list[Finding] = []
    key = clean_key(raw)
    if PLACEHOLDER_RE.match(key):
        return [issue("key.placeholder", shown=mask_key(key) if len(key) > 12 else key, **where, evidence=where)]
    for variant in whitespace_problems(raw):
        findings.append(issue("key.whitespace", variant, **where, evidence={**where, "length": len(raw)}))

    host = (urlsplit(settings.get("base_url") or "").hostname or "").lower()
    family = family_of(key)
    provider = provider_of(key) if family is None or family.kind == "legacy" else None
    if provider is not None:
        if provider.hosts and _host_matches(host, provider.hosts):
            findings.append(issue("key.type", "other_provider", provider=provider.name, host=host))
            return findings
        variant = "azure" if provider.name == "Azure OpenAI" else ("no_base_url" if not provider.base_url else "default")
        findings.append(
            issue(
                "key.wrong_provider",
                variant,
                provider=provider.name,
                provider_base_url=provider.base_url,
                evidence={**where, "key": mask_key(key), "base_url_host": host},
            )
        )
        return findings
    if family is None:
        findings.append(issue("key.malformed", "unknown_prefix", shown=mask_key(key), evidence={**where, "length": len(key)}))
        return findings
    evidence = {**where, "key": mask_key(key), "length": len(key), "expected_lengths": list(family.lengths)}
    if problem := shape_problem(key, family):
        severity = "warning" if problem in ("unusual_length", "no_marker") else None
        findings.append(issue("key.malformed", problem, severity=severity, length=len(key), evidence=evidence))
    if family.kind == "admin":
        findings.append(issue("key.admin_key", **where, evidence=where))
    findings.append(issue("key.type", family.kind, shown=mask_key(key), source=setting.source, evidence=evidence))
    return findings
