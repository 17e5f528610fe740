"""Plain-text rendering of an Explanation for a terminal: code, title, cause, facts, retry advice, fix, docs."""

from __future__ import annotations

from doctor.explain.diagnosis import Diagnosis, Explanation
from doctor.i18n import ui
from doctor.secrets import redact_text

_FACT_ORDER = (
    "http_status", "error_type", "error_code", "param", "model", "organization", "project", "limit_type", "limit",
    "used", "requested", "try_again_in", "host", "exception", "libraries",
)


def _retry(diagnosis: Diagnosis, lang: str) -> str:
    key = {True: "explain_retry_yes", False: "explain_retry_no"}.get(diagnosis.retryable, "explain_retry_unknown")  # type: ignore[arg-type]
    return ui(key, lang)


def _facts(diagnosis: Diagnosis, lang: str) -> str:
    shown = []
    for name in _FACT_ORDER:
        value = diagnosis.facts.get(name)
        if value not in (None, "", []):
            value = ", ".join(value) if isinstance(value, list) else value
            shown.append(f"{ui('fact_' + name, lang)} {value}")
    return " · ".join(shown)


def _diagnosis_lines(diagnosis: Diagnosis, lang: str, lead: bool) -> list[str]:
    mark = "✗" if lead else "•"
    lines = [f"{mark} {diagnosis.code}  {diagnosis.title.get(lang)}  [{ui('explain_confidence', lang, value=diagnosis.confidence)}]"]
    lines.append(f"    {ui('explain_cause', lang)}: {diagnosis.message.get(lang)}")
    if facts := _facts(diagnosis, lang):
        lines.append(f"    {ui('explain_facts', lang)}: {facts}")
    if evidence := diagnosis.facts.get("evidence"):
        lines.append(f"    {ui('explain_evidence', lang)}: {evidence}")
    if diagnosis.first_line is not None:
        seen = ui("explain_seen_value", lang, count=diagnosis.count, first=diagnosis.first_line, last=diagnosis.last_line)
        lines.append(f"    {ui('explain_seen', lang)}: {seen}")
    lines.append(f"    {ui('explain_retry', lang)}: {_retry(diagnosis, lang)}")
    if diagnosis.fix:
        lines.append(f"    {ui('fix', lang)}:")
        lines += [f"      {n}. {step.get(lang)}" for n, step in enumerate(diagnosis.fix, 1)]
    lines.append(f"    {ui('docs', lang)}: {diagnosis.docs}")
    return lines


def render(result: Explanation, lang: str = "en") -> str:
    """The explanation as text; every line passes through the secret masking once more."""
    if not result.diagnoses:
        return ui("explain_nothing", lang) + "\n"
    head = ui("explain_found", lang, count=len(result.diagnoses))
    if result.source_library:
        head += ui("explain_source", lang, library=result.source_library)
    lines = [head, ""]
    for index, diagnosis in enumerate(result.diagnoses):
        lines += _diagnosis_lines(diagnosis, lang, lead=index == 0 or diagnosis.first_line is not None)
        lines.append("")
    return redact_text("\n".join(lines))
