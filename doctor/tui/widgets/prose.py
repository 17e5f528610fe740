"""Building blocks for findings and diagnoses: indented paragraphs and numbered fix steps that wrap neatly."""

from __future__ import annotations

import json
from typing import Any, Iterable, Mapping

from textual.containers import HorizontalGroup
from textual.content import Content
from textual.widget import Widget
from textual.widgets import Static

from doctor.findings import Severity, Text
from doctor.i18n import ui
from doctor.secrets import redact

SEVERITY_MARKS = {Severity.ERROR: ("✗", "$error"), Severity.WARNING: ("!", "$warning"), Severity.INFO: ("•", "$primary")}


def para(content: Content | str, indent: int = 0) -> Static:
    """A paragraph whose wrapped lines keep its indent (``indent`` levels of two cells)."""
    return Static(content, classes=f"para indent-{indent}")


def steps(fix: Iterable[Text], lang: str, indent: int = 1) -> list[Widget]:
    """The "Fix" heading and one numbered row per step, wrapped under the text, not the number."""
    fix = list(fix)
    if not fix:
        return []
    rows: list[Widget] = [para(Content.styled(ui("fix", lang), "bold"), indent)]
    for number, step in enumerate(fix, 1):
        rows.append(
            HorizontalGroup(
                Static(Content.styled(f"{number}.", "$accent"), classes="step-number"),
                Static(step.get(lang), classes="step-text"),
                classes=f"step indent-{indent}",
            )
        )
    return rows


def docs_link(url: str, lang: str, indent: int = 1) -> Static:
    return para(Content.assemble((ui("docs", lang) + "  ", "bold"), (url, f"$text-primary underline link={url}")), indent)


def evidence(values: Mapping[str, Any], indent: int = 1) -> list[Static]:
    """``name: value`` lines with secrets masked; nested values as compact JSON, long text kept whole."""
    lines = []
    for name, value in redact(dict(values)).items():
        if isinstance(value, (dict, list)):
            value = json.dumps(value, ensure_ascii=False, sort_keys=True)
        lines.append(para(Content.assemble((f"{name}: ", "$text-muted"), str(value).rstrip()), indent))
    return lines
