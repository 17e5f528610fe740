"""JUnit XML report for CI test viewers: one testcase per check, its findings as the failure."""

from __future__ import annotations

import json
import re
import textwrap
import xml.etree.ElementTree as ET

from doctor import __version__
from doctor.findings import CheckResult, Finding, Report, Status
from doctor.render.text_format import finding_lines
from doctor.secrets import redact

# XML 1.0 cannot carry most control characters, not even escaped; a stray ESC or NUL from a
# pasted key or a binary .env would make the whole report unreadable to the CI server.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _clean(text: str) -> str:
    return _NOT_XML.sub("\ufffd", text)


def _seconds(ms: float) -> str:
    return f"{ms / 1000:.3f}"


def _is_failure(finding: Finding, report: Report) -> bool:
    """A finding fails its testcase when it would make the exit code 1 (the same --fail-level)."""
    return finding.code != "doctor.crash" and finding.severity.rank >= report.fail_level.rank


def _findings_text(findings: list[Finding], lang: str, verbose: bool) -> str:
    lines = [line for f in findings for line in finding_lines(f, lang, verbose)]
    return _clean(textwrap.dedent("\n".join(lines)))


def _first_line(finding: Finding, lang: str) -> str:
    return _clean(f"{finding.code}: {finding.message.get(lang)}")


def _testcase(check: CheckResult, report: Report, lang: str, verbose: bool) -> ET.Element:
    case = ET.Element("testcase", classname=check.group, name=check.id, time=_seconds(check.duration_ms))
    failing = [f for f in check.findings if _is_failure(f, report)]
    others = [f for f in check.findings if not _is_failure(f, report) and f.code != "doctor.crash"]
    if check.status is Status.SKIP:
        reason = check.skip_reason.get(lang) if check.skip_reason else ""
        ET.SubElement(case, "skipped", message=_clean(reason))
    elif check.status is Status.CRASH:
        crash = next(f for f in check.findings if f.code == "doctor.crash")
        error = ET.SubElement(case, "error", message=_first_line(crash, lang), type=crash.code)
        traceback = redact(dict(check.evidence)).get("traceback", "")
        error.text = _clean(_findings_text([crash], lang, verbose) + "\n\n" + traceback)
    if failing:
        failure = ET.SubElement(case, "failure", message=_first_line(failing[0], lang), type=failing[0].code)
        failure.text = _findings_text(failing, lang, verbose)
    if others:
        ET.SubElement(case, "system-out").text = _findings_text(others, lang, verbose)
    return case


def render(report: Report, *, lang: str = "en", verbose: bool = False, color: bool = False) -> str:
    cases = [_testcase(check, report, lang, verbose) for check in report.checks]
    counts = {
        "tests": len(cases),
        "failures": sum(case.find("failure") is not None for case in cases),
        "errors": sum(case.find("error") is not None for case in cases),
        "skipped": sum(case.find("skipped") is not None for case in cases),
    }
    # Probes run concurrently, so this is the work done rather than the wall-clock time.
    time = _seconds(sum(check.duration_ms for check in report.checks))
    attrs = {name: str(value) for name, value in counts.items()}
    root = ET.Element("testsuites", name="openai-doctor", time=time, **attrs)
    suite = ET.SubElement(root, "testsuite", name="openai-doctor", time=time, **attrs)
    properties = ET.SubElement(suite, "properties")
    facts = {"doctor_version": __version__, "offline": json.dumps(report.offline), "fail_level": report.fail_level.value}
    for name, item in redact({k: dict(v) for k, v in report.config.items()}).items():
        if item.get("value") is not None:
            facts[f"config.{name}"] = f"{item['value']} ({item['source']})"
    for name, value in facts.items():
        ET.SubElement(properties, "property", name=name, value=_clean(value))
    suite.extend(cases)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
