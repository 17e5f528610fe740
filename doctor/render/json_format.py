"""JSON report (schema_version 1, documented in docs/output.md): the machine-readable contract."""

from __future__ import annotations

import json

from doctor.findings import Report


def render(report: Report, *, lang: str = "en", verbose: bool = False, color: bool = False) -> str:
    return json.dumps(report.to_dict(lang), ensure_ascii=False, indent=2) + "\n"
