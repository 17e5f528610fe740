"""GitHub Actions output: one workflow command (::error / ::warning) per finding, plus a job summary.

Workflow commands are single lines that the runner parses; untrusted text (a value from a
.env file, a file name) must not be able to end the line and start another command, so
messages and properties are escaped the way @actions/core does it.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Mapping

from doctor.exitcodes import UsageError
from doctor.findings import Finding, Report, Severity
from doctor.i18n import ui
from doctor.render.markdown_format import checks_table, findings_section, summary
from doctor.render.text_format import verdict
from doctor.secrets import redact_text

COMMANDS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def escape_data(text: str) -> str:
    """A workflow command's message: %, CR and LF are percent-encoded."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """A workflow command's property value: as a message, and also ':' and ','."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def _workspace_path(file: str, folder: str | None) -> str:
    """Annotations attach to paths relative to the checkout, the working directory in Actions.

    Scanning checks report files relative to the folder they scanned (their ``folder`` evidence),
    which differs from the checkout when --project-dir points into it.
    """
    path = Path(folder, file) if folder else Path(file)
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return file


def annotation(finding: Finding, lang: str, folder: str | None = None) -> str:
    """The workflow command for one finding, with file and line when its evidence has them."""
    properties = {"title": finding.code}
    if file := finding.evidence.get("file"):
        properties["file"] = _workspace_path(str(file), folder)
        if line := finding.evidence.get("line"):
            properties["line"] = str(line)
    lines = [finding.message.get(lang)]
    if finding.severity is not Severity.INFO:
        lines += [f"{n}. {step.get(lang)}" for n, step in enumerate(finding.fix, 1)]
        lines.append(f"{ui('docs', lang)}: {finding.docs}")
    props = ",".join(f"{name}={escape_property(value)}" for name, value in properties.items())
    return f"::{COMMANDS[finding.severity]} {props}::{escape_data(chr(10).join(lines))}"


def render(report: Report, *, lang: str = "en", verbose: bool = False, color: bool = False) -> str:
    lines = [
        annotation(finding, lang, check.evidence.get("folder"))
        for check in report.checks
        for finding in check.findings
        if verbose or finding.severity is not Severity.INFO
    ]
    lines.append(f"openai-doctor: {verdict(report, lang)}")
    return "\n".join(lines) + "\n"


def step_summary(report: Report, *, lang: str = "en", verbose: bool = False) -> str:
    """The Markdown shown on the run's summary page: verdict, checks table, findings with fixes."""
    lines = summary(report, lang) + checks_table(report, lang) + findings_section(report, lang, verbose)
    return redact_text("\n".join(lines) + "\n")


def write_step_summary(report: Report, *, lang: str, verbose: bool, environ: Mapping[str, str] = os.environ) -> None:
    """Append the summary to the file named by $GITHUB_STEP_SUMMARY, when Actions sets it."""
    target = environ.get("GITHUB_STEP_SUMMARY")
    if not target:
        return
    try:
        with open(target, "a", encoding="utf-8") as stream:
            stream.write(step_summary(report, lang=lang, verbose=verbose))
    except OSError as exc:
        raise UsageError(f"GITHUB_STEP_SUMMARY {target}: {exc.strerror or exc}") from None
