"""Markdown report to paste into a GitHub issue: versions, platform, configuration, checks, fixes; redacted."""

from __future__ import annotations

import json
import os
import platform
import re
from pathlib import Path

from doctor import __version__
from doctor.findings import CheckResult, Finding, Report, Severity, Status
from doctor.i18n import ui
from doctor.packages import installed_version
from doctor.render.text_format import SEVERITY_MARKS, verdict
from doctor.secrets import redact

STATUS_MARKS = {
    Status.PASS: "✓",
    Status.WARN: "!",
    Status.FAIL: "✗",
    Status.SKIP: "skip",
    Status.CRASH: "crash",
}
# The distributions whose versions matter when something goes wrong (read from metadata, not imported).
DISTRIBUTIONS = ("openai", "httpx", "tiktoken", "python-dotenv", "genai-prices", "textual")


def _one_line(text: object) -> str:
    return str(text).replace("\r", " ").replace("\n", " ")


def cell(text: object) -> str:
    """Text made safe for one Markdown table cell."""
    return _one_line(text).replace("\\", "\\\\").replace("|", "\\|")


def _longest_backtick_run(text: str) -> int:
    return max((len(run) for run in re.findall("`+", text)), default=0)


def code(text: object) -> str:
    """Text as inline code (table-safe), fenced by more backticks than any run inside it."""
    text = _one_line(text).replace("|", "\\|")  # GFM splits cells before parsing code spans
    longest = _longest_backtick_run(text)
    fence, pad = "`" * (longest + 1), " " if longest else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def table(header: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    return lines + ["| " + " | ".join(row) + " |" for row in rows]


def _installed(distribution: str, lang: str) -> str:
    return installed_version(distribution) or ui("not_installed", lang)


def _versions(lang: str) -> list[str]:
    rows = [
        ["openai-doctor", __version__],
        ["Python", f"{platform.python_version()} ({platform.python_implementation()})"],
        [ui("platform", lang), cell(platform.platform())],
    ]
    rows += [[name, cell(_installed(name, lang))] for name in DISTRIBUTIONS]
    return [f"### {ui('versions', lang)}", "", *table(["", ""], rows), ""]


def _configuration(report: Report, lang: str) -> list[str]:
    config = redact({name: dict(item) for name, item in report.config.items()})
    rows = [[name, code(item["value"]), cell(item["source"])] for name, item in config.items() if item.get("value") is not None]
    unset = [name for name, item in config.items() if item.get("value") is None]
    lines = [f"### {ui('configuration', lang)}", ""]
    lines += table([ui("setting", lang), ui("value", lang), ui("source_heading", lang)], rows)
    if unset:
        lines += ["", ui("unset_settings", lang, names=", ".join(unset))]
    return lines + [""]


def _status_cell(check: CheckResult, lang: str) -> str:
    status = ui(f"status_{check.status.value}", lang)
    if check.status is Status.SKIP and check.skip_reason:
        status = ui("skipped_because", lang, reason=check.skip_reason.get(lang))
    return cell(status)


def checks_table(report: Report, lang: str) -> list[str]:
    """One row per check: mark, title and id, status (or why it was skipped), time."""
    rows = [
        [
            STATUS_MARKS[check.status],
            f"{cell(check.title.get(lang))} ({code(check.id)})",
            _status_cell(check, lang),
            "" if check.status is Status.SKIP else ui("duration", lang, ms=round(check.duration_ms)),
        ]
        for check in report.checks
    ]
    header = ["", ui("check", lang), ui("status", lang), ui("time", lang)]
    return [f"### {ui('checks', lang)}", "", *table(header, rows), ""]


def _fenced(text: str, info: str) -> list[str]:
    fence = "`" * max(3, _longest_backtick_run(text) + 1)
    return [f"  {fence}{info}", *(f"  {line}" for line in text.splitlines()), f"  {fence}"]


def _evidence_blocks(evidence: dict) -> list[str]:
    """Evidence as JSON, except multi-line texts (a traceback), which read better verbatim."""
    verbatim = {k: v for k, v in evidence.items() if isinstance(v, str) and "\n" in v}
    rest = {k: v for k, v in evidence.items() if k not in verbatim}
    lines = _fenced(json.dumps(rest, ensure_ascii=False, indent=2), "json") if rest else []
    for name, text in verbatim.items():
        lines += ["", f"  {name}:", "", *_fenced(text, "text")]
    return lines


def _finding(finding: Finding, lang: str, verbose: bool) -> list[str]:
    lines = [f"- {SEVERITY_MARKS[finding.severity]} {code(finding.code)} {finding.message.get(lang)}"]
    if finding.severity is not Severity.INFO:
        if finding.fix:
            lines += ["", f"  {ui('fix', lang)}:"]
            lines += [f"  {n}. {step.get(lang)}" for n, step in enumerate(finding.fix, 1)]
        lines += ["", f"  [{ui('docs', lang)}]({finding.docs})"]
    if verbose and finding.evidence:
        lines += ["", f"  <details><summary>{ui('evidence', lang)}</summary>", ""]
        lines += _evidence_blocks(redact(dict(finding.evidence)))
        lines.append("  </details>")
    return lines + [""]


def findings_section(report: Report, lang: str, verbose: bool) -> list[str]:
    """Each check that found something, with its findings, fix steps and docs links."""
    lines = [f"### {ui('findings', lang)}", ""]
    for check in report.checks:
        if not check.findings:
            continue
        lines += [f"#### {STATUS_MARKS[check.status]} {cell(check.title.get(lang))}", ""]
        for finding in check.findings:
            lines += _finding(finding, lang, verbose)
    return lines if len(lines) > 2 else []


def summary(report: Report, lang: str) -> list[str]:
    """The heading and the verdict, with the offline and --ignore notes."""
    lines = [f"## {ui('report_title', lang)}", "", f"**{STATUS_MARKS[report.status]} {verdict(report, lang)}**", ""]
    if report.offline:
        lines += [ui("offline_note", lang), ""]
    if report.ignored_count:
        lines += [ui("ignored", lang, count=report.ignored_count), ""]
    return lines


def _without_home(text: str) -> str:
    home = str(Path.home()).rstrip(os.sep)
    return text.replace(home + os.sep, "~" + os.sep) if home else text


def render(report: Report, *, lang: str = "en", verbose: bool = False, color: bool = False) -> str:
    # An issue report is for someone else to debug, so the evidence is always included.
    lines = summary(report, lang)
    lines += _versions(lang)
    lines += _configuration(report, lang)
    lines += checks_table(report, lang)
    lines += findings_section(report, lang, verbose=True)
    lines.append(f"<sub>{ui('redaction_note', lang)}</sub>")
    return _without_home("\n".join(lines) + "\n")
