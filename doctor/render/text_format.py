"""Text report for a terminal: a mark per check, the fix under each problem, a closing verdict."""

from __future__ import annotations

from doctor import __version__
from doctor.findings import CheckResult, Finding, Report, Severity, Status
from doctor.i18n import ui
from doctor.secrets import redact

MARKS = {
    Status.PASS: "[✓]",
    Status.WARN: "[!]",
    Status.FAIL: "[✗]",
    Status.SKIP: "[skip]",
    Status.CRASH: "[crash]",
}
SEVERITY_MARKS = {Severity.ERROR: "✗", Severity.WARNING: "!", Severity.INFO: "•"}
COLORS = {
    Status.PASS: "32",
    Status.WARN: "33",
    Status.FAIL: "31",
    Status.SKIP: "2",
    Status.CRASH: "35",
    Severity.ERROR: "31",
    Severity.WARNING: "33",
    Severity.INFO: "36",
}


class _Painter:
    def __init__(self, color: bool):
        self.color = color

    def __call__(self, text: str, key: Status | Severity | str) -> str:
        code = COLORS.get(key, key)  # a Status or Severity, or a raw SGR code such as "2" (dim)
        return f"\x1b[{code}m{text}\x1b[0m" if self.color else text


def _header(report: Report, lang: str) -> list[str]:
    lines = [f"openai-doctor {__version__}"]
    for name in ("api_key", "base_url", "organization", "project", "model"):
        item = report.config.get(name)
        if item and item.get("value") is not None:
            source = ui("default_value", lang) if item["source"] == "default" else item["source"]
            lines.append(f"  {name}: {item['value']}  ({ui('source', lang)} {source})")
    return lines + [""]


PLAIN = _Painter(False)


def finding_lines(
    finding: Finding, lang: str, verbose: bool, paint: _Painter = PLAIN, with_fix: bool = True
) -> list[str]:
    """A finding as indented lines: the message and code, then (for problems) the fix and docs."""
    mark = paint(SEVERITY_MARKS[finding.severity], finding.severity)
    lines = [f"    {mark} {finding.message.get(lang)}  [{finding.code}]"]
    if finding.severity is not Severity.INFO and with_fix:
        if finding.fix:
            lines.append(f"      {ui('fix', lang)}:")
            lines += [f"        {n}. {step.get(lang)}" for n, step in enumerate(finding.fix, 1)]
        lines.append(f"      {ui('docs', lang)}: {finding.docs}")
    if verbose and finding.evidence:
        lines.append(f"      {ui('evidence', lang)}: {_evidence(finding.evidence)}")
    return lines


def _evidence(evidence) -> str:
    import json  # verbose output only

    return json.dumps(redact(dict(evidence)), ensure_ascii=False)


def _check_lines(check: CheckResult, lang: str, verbose: bool, paint: _Painter) -> list[str]:
    title = check.title.get(lang)
    head = f"{paint(MARKS[check.status], check.status)} {title}"
    if check.status is Status.SKIP and check.skip_reason:
        head += paint(f"  ({ui('skipped_because', lang, reason=check.skip_reason.get(lang))})", Status.SKIP)
    if verbose and check.status is not Status.SKIP:
        head += paint(f"  ({ui('duration', lang, ms=round(check.duration_ms))})", "2")
    lines = [head]
    shown_fixes: set[tuple] = set()  # identical fix steps are printed once per check, under the last finding
    for finding in reversed(check.findings):
        if finding.severity is Severity.INFO and not verbose and check.status is not Status.PASS:
            continue
        lines[1:1] = finding_lines(finding, lang, verbose, paint, with_fix=finding.fix not in shown_fixes)
        shown_fixes.add(finding.fix)
    if verbose and check.evidence:
        lines.append(f"    {ui('evidence', lang)}: {_evidence(check.evidence)}")
    return lines


def render(report: Report, *, lang: str = "en", verbose: bool = False, color: bool = False) -> str:
    paint = _Painter(color)
    lines = _header(report, lang)
    for check in report.checks:
        lines += _check_lines(check, lang, verbose, paint)
    lines.append("")
    if report.offline:
        lines.append(ui("offline_note", lang))
    elif not report.spent:
        lines.append(ui("spent_nothing", lang))
    else:
        lines.append(ui("spent_some", lang))
    if report.ignored_count:
        lines.append(ui("ignored", lang, count=report.ignored_count))
    lines.append(paint(verdict(report, lang), report.status))
    return "\n".join(lines) + "\n"


def verdict(report: Report, lang: str) -> str:
    """The closing line: how many problems (errors and warnings), or none."""
    problems = report.problems
    if not problems:
        return ui("no_problems", lang)
    errors = sum(f.severity is Severity.ERROR for f in problems)
    return ui("problems_found", lang, count=len(problems), errors=errors, warnings=len(problems) - errors)
