"""The detail of one check: its findings, each with the fix steps and docs link, then the evidence (masked)."""

from __future__ import annotations

from textual.containers import VerticalScroll
from textual.content import Content
from textual.widget import Widget

from doctor.findings import CheckResult, Finding, Severity, Status
from doctor.i18n import ui
from doctor.runner import Probe
from doctor.tui.widgets.check_list import MARKS, duration_text, group_label
from doctor.tui.widgets.prose import SEVERITY_MARKS, docs_link, evidence, para, steps

STATUS_LABELS = {
    Status.PASS: "status_pass",
    Status.WARN: "status_warn",
    Status.FAIL: "status_fail",
    Status.SKIP: "status_skip",
    Status.CRASH: "status_crash",
}


def finding_blocks(finding: Finding, lang: str) -> list[Widget]:
    mark, style = SEVERITY_MARKS[finding.severity]
    severity = ui(f"tui_severity_{finding.severity.value}", lang)
    heading = Content.assemble((f"{mark} {finding.code}", f"bold {style}"), (f"  {severity}", "$text-muted"))
    return [
        para(heading, 0),
        para(finding.message.get(lang), 1),
        *steps(finding.fix, lang),
        docs_link(finding.docs, lang),
    ]


class CheckDetail(VerticalScroll):
    """Shows the check the user selected, or what it is waiting for."""

    def __init__(self, *, show_durations: bool = True, id: str | None = None):
        super().__init__(id=id)
        self.show_durations = show_durations

    def show(self, probe: Probe | None, result: CheckResult | None, lang: str, *, running: bool = False, note: str | None = None) -> None:
        """Show ``probe`` with its ``result`` (None while it waits or runs); ``note`` replaces it all."""
        if note is not None:
            blocks: list[Widget] = [para(note)]
        elif probe is None:
            blocks = [para(Content.styled(ui("tui_select_check", lang), "$text-muted"))]
        else:
            blocks = self._blocks(probe, result, lang, running)
        with self.app.batch_update():
            self.remove_children()
            self.mount_all(blocks)

    def _blocks(self, probe: Probe, result: CheckResult | None, lang: str, running: bool) -> list[Widget]:
        where = (f"  {group_label(probe.group, lang)} · {probe.id}", "$text-muted")
        if result is None:
            state = ui("tui_state_running" if running else "tui_state_waiting", lang)
            return [para(Content.assemble((probe.title.get(lang), "bold"), where)), para(Content.styled(state, "$text-muted"))]
        mark, style = MARKS[result.status]
        status = ui(STATUS_LABELS[result.status], lang)
        if self.show_durations and result.status is not Status.SKIP:
            status += " · " + duration_text(result.duration_ms, lang)
        blocks: list[Widget] = [
            para(Content.assemble((f"{mark} ", f"bold {style}"), (probe.title.get(lang), "bold"), where)),
            para(Content.styled(status, style), 0).set_classes("para gap-below"),
        ]
        if result.skip_reason is not None:
            blocks.append(para(result.skip_reason.get(lang)))
        problems = [f for f in result.findings if f.severity is not Severity.INFO]
        facts = [f for f in result.findings if f.severity is Severity.INFO]
        if result.status is Status.PASS and not problems:
            blocks.append(para(Content.styled(ui("tui_no_findings", lang), "$success")).set_classes("para gap-below"))
        for finding in problems + facts:
            *body, last = finding_blocks(finding, lang)
            blocks += [*body, last.set_classes("para indent-1 gap-below")]
        merged = dict(result.evidence)
        for finding in result.findings:
            merged.update(finding.evidence)
        if merged:
            blocks += [para(Content.styled(ui("evidence", lang), "bold")), *evidence(merged)]
        return blocks
