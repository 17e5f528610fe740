"""Diagnosis and Explanation: a classifier candidate dressed with its catalog entry, facts and retry advice."""

from __future__ import annotations

import hashlib
import re
import string
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from doctor.catalog import entry, issue
from doctor.explain.facts import Facts, mask_ids
from doctor.explain.rules import Candidate
from doctor.findings import Text
from doctor.secrets import redact, redact_text

# Areas where the same request fails the same way until something is changed.
_NEVER_TRANSIENT = ("key.", "auth.", "config.", "sdk.", "request.", "model.", "region.", "azure.", "quota.")

# Values for fix-step placeholders that a pasted error cannot tell but that read well in both
# languages; a fix step with any other unknown placeholder is left out.
_FILLERS = {"suggestion": "https://api.openai.com/v1", "python": "python"}
_UNKNOWN = "\ue000"
_TIKTOKEN_URL = re.compile(r"(?:https://openaipublic\.blob\.core\.windows\.net)?/encodings/(\w+)\.tiktoken")


@dataclass(frozen=True)
class Diagnosis:
    """One problem recognised in the text, with everything the catalog says about its code."""

    code: str
    title: Text
    confidence: float
    retryable: bool | None
    fix: tuple[Text, ...]
    facts: Mapping[str, Any]
    message: Text
    docs: str
    count: int = 1
    first_line: int | None = None
    last_line: int | None = None

    def to_dict(self, lang: str = "en") -> dict[str, Any]:
        return {
            "code": self.code,
            "title": self.title.get(lang),
            "confidence": self.confidence,
            "retryable": self.retryable,
            "cause": self.message.get(lang),
            "fix": [step.get(lang) for step in self.fix],
            "facts": redact(dict(self.facts)),
            "docs": self.docs,
            "count": self.count,
            "first_line": self.first_line,
            "last_line": self.last_line,
        }


@dataclass(frozen=True)
class Explanation:
    """What explain() found: diagnoses best first, and which library produced the text."""

    diagnoses: list[Diagnosis] = field(default_factory=list)
    source_library: str | None = None

    def to_dict(self, lang: str = "en") -> dict[str, Any]:
        return {"diagnoses": [d.to_dict(lang) for d in self.diagnoses], "source_library": self.source_library}


def _names(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def _params(candidate: Candidate, facts: Facts, text: str, low: str) -> dict[str, str]:
    """Values for the catalog's message placeholders, from what the text states."""
    params: dict[str, str] = {}
    if facts.model:
        params["model"] = facts.model
    if facts.host:
        params["host"] = facts.host
    if detail := _detail(text, candidate.position):
        params["detail"] = detail
    if facts.status:
        params["status"] = str(facts.status)
    if facts.endpoint:
        params["endpoint"] = facts.endpoint
    if facts.timeout_seconds:
        params["seconds"] = facts.timeout_seconds
    if facts.params:
        params["param"] = facts.params[0]
    code = candidate.code
    if code.startswith("ratelimit."):
        if facts.limit:
            params["limit"] = facts.limit
        if facts.retry_after:
            params["retry_after"] = facts.retry_after
        if facts.requested:
            params["requested"] = facts.requested
    if code == "request.context_length" and facts.context_limit and facts.context_requested:
        params["limit"], params["requested"] = facts.context_limit, facts.context_requested
    if code == "sdk.usage" and candidate.hint == "keyword":
        start = low.find("unexpected keyword argument '")
        if start >= 0:
            params["argument"] = low[start + len("unexpected keyword argument '"):].split("'", 1)[0]
    if code == "sdk.outdated" and "proxies" in low:
        params.update(version="<1.55.3", package="httpx", package_version=">=0.28",
                      symptom="unexpected keyword argument 'proxies'", fixed_in="1.55.3")
    elif code == "sdk.outdated" and ("no attribute 'openai'" in low or "cannot import name 'openai'" in low):
        params["version"] = "0.x"
    if code == "key.placeholder" and facts.echoed_key:
        params["shown"] = facts.echoed_key
    if code == "tokenizer.offline" and (download := _TIKTOKEN_URL.search(text)):
        url = f"https://openaipublic.blob.core.windows.net/encodings/{download.group(1)}.tiktoken"
        params.update(encoding=download.group(1), url=url, cache_name=hashlib.sha1(url.encode()).hexdigest())
    return params


def _detail(text: str, position: int) -> str:
    """The words that decided it, from the matched signal to the end of its line (at most 100 characters)."""
    if position < 0:
        return ""
    end = text.find("\n", position)
    line = mask_ids(redact_text(text[position : end if end >= 0 else len(text)]))  # masked before it is cut
    return line[:100].strip().rstrip(")]}'\".,;")


def _variants(candidate: Candidate, facts: Facts, low: str) -> list[str]:
    """Message variants to try, most specific first; the first whose placeholders are all known wins."""
    code = candidate.code
    preferred: list[str] = []
    if candidate.hint:
        preferred.append(candidate.hint)
    specific = {
        "quota.billing_limit": [c for c in facts.codes + facts.types],
        "key.revoked": [c for c in facts.codes + facts.types],
        "ratelimit.tokens": ["retry"],
        "ratelimit.requests": ["retry"],
        "ratelimit.request_too_large": ["detail"],
        "request.context_length": ["numbers"],
        "model.not_found": ["named"],
        "model.no_access": ["named"],
        "tokenizer.unknown_model": ["named"],
        "server.overloaded": ["slow_down" if "slow_down" in low or "rate has increased" in low else "overloaded"],
        "server.error": ["status"],
        "network.timeout": [facts.timeout_kind] if facts.timeout_kind else [],
        "network.dns": ["host"],
        "network.tls": ["self_signed" if "self" in low and "signed" in low else "unknown_issuer" if "local issuer" in low
                        else "expired" if "expired" in low else "other"],
        "network.connection": ["refused" if "refused" in low or "积极拒绝" in low or "10061" in low
                               else "reset" if "reset" in low or "forcibly" in low or "强迫关闭" in low
                               else "unreachable" if "unreachable" in low or "no route" in low else "other"],
        "sdk.outdated": ["known_breakage"] if "proxies" in low
                        else ["removed_api"] if "no longer supported in openai" in low or "apiremovedinv1" in low else [],
    }
    return preferred + specific.get(code, []) + ["default"]


def build(candidate: Candidate, facts: Facts, text: str, low: str) -> Diagnosis:
    """The Diagnosis for one candidate: title, cause, fix and retry advice from the catalog."""
    item = entry(candidate.code)
    evidence = _evidence(text, candidate.position)
    params = _params(candidate, facts, text, low)
    variant = next(
        (v for v in _variants(candidate, facts, low) if v in item.messages and _names(item.messages[v].en) <= params.keys()),
        None,
    )
    # Every placeholder gets a value, so the fix steps always render; the cause uses a variant only
    # when the text told us all of its values, and the title otherwise.
    filled = {**{name: _FILLERS.get(name, _UNKNOWN) for name in item.placeholders}, **params}
    finding = issue(candidate.code, variant or "default", **filled)
    message = finding.message if variant else item.title
    fix = tuple(step for step in finding.fix if _UNKNOWN not in step.en) or finding.fix
    shown_facts = facts.public()
    if evidence:
        shown_facts["evidence"] = evidence
    return Diagnosis(
        code=candidate.code,
        title=item.title,
        confidence=round(candidate.confidence, 2),
        retryable=_retryable(candidate.code, item.retryable, facts),
        fix=fix,
        facts=shown_facts,
        message=message,
        docs=item.docs,
    )


def _retryable(code: str, catalogued: bool | None, facts: Facts) -> bool | None:
    if code.startswith("quota.") or "insufficient_quota" in facts.types + facts.codes:
        return False
    if catalogued is not None:
        return catalogued
    return False if code.startswith(_NEVER_TRANSIENT) else None


def _evidence(text: str, position: int) -> str:
    """The line that decided the diagnosis, with secrets and ids masked (before trimming, so no key is cut in half)."""
    if position < 0:
        return ""
    start = text.rfind("\n", 0, position) + 1
    end = text.find("\n", position)
    line = text[start : end if end >= 0 else len(text)]
    marker = "\x00"  # keeps the decisive position through masking, which changes lengths
    line = mask_ids(redact_text(line[: position - start] + marker + line[position - start :])).strip()
    offset = line.find(marker)
    line = line.replace(marker, "")
    if len(line) > 240:
        start = max(0, offset - 80)
        line = ("…" if start else "") + line[start : offset + 160].strip() + ("…" if offset + 160 < len(line) else "")
    return line


def with_counts(diagnosis: Diagnosis, count: int, first_line: int, last_line: int) -> Diagnosis:
    return replace(diagnosis, count=count, first_line=first_line, last_line=last_line)
