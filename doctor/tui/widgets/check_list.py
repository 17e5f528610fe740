"""The list of checks, grouped as the quick start's steps, each row with its live state."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from rich.cells import cell_len
from textual.binding import Binding
from textual.content import Content
from textual.message import Message
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from doctor.findings import CheckResult, Status
from doctor.i18n import ui
from doctor.runner import Probe

SPINNER = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"
MARKS = {
    Status.PASS: ("✓", "$success"),
    Status.WARN: ("!", "$warning"),
    Status.FAIL: ("✗", "$error"),
    Status.SKIP: ("–", "$text-muted"),
    Status.CRASH: ("☠", "$error"),
}
GROUP_PREFIX = "group:"
# The quick start's steps; a group not listed here comes after them, in declaration order.
GROUP_ORDER = ("key", "environment", "sdk", "tokenizer", "network", "auth", "quota", "ratelimit", "model", "spend")
TITLE_MAX_CELLS = 30


def group_label(group: str, lang: str) -> str:
    """The quick-start step a group belongs to, in words."""
    try:
        return ui(f"tui_group_{group}", lang)
    except KeyError:
        return group.capitalize()


def by_step(probes: Iterable[Probe]) -> dict[str, list[Probe]]:
    """Probes grouped as the quick start's steps, in its order (sorting is stable: declaration order within)."""
    groups: dict[str, list[Probe]] = {}
    for probe in probes:
        groups.setdefault(probe.group, []).append(probe)
    step = {group: n for n, group in enumerate(GROUP_ORDER)}
    return {group: groups[group] for group in sorted(groups, key=lambda g: step.get(g, len(GROUP_ORDER)))}


def duration_text(ms: float, lang: str) -> str:
    return ui("duration", lang, ms=f"{ms:,.0f}")


class CheckList(OptionList):
    """Every probe as a row: waiting, running (spinner), or its status and duration.

    | Key | Description |
    | :- | :- |
    | enter | Re-run the highlighted check (with the checks it needs). |
    """

    BINDINGS = [Binding("enter", "rerun", "Re-run this check", show=False)]

    @dataclass
    class RerunRequested(Message):
        """The user asked to re-run one check."""

        probe_id: str

    def __init__(self, *, show_durations: bool = True, id: str | None = None):
        super().__init__(id=id)
        self.show_durations = show_durations
        self.lang = "en"
        self._probes: dict[str, Probe] = {}
        self._results: dict[str, CheckResult] = {}
        self._in_flight: set[str] = set()
        self._frame = 0

    def on_mount(self) -> None:
        self._spinner = self.set_interval(0.1, self._spin, pause=True)

    @property
    def results(self) -> dict[str, CheckResult]:
        """The finished checks, by probe id."""
        return self._results

    @property
    def busy(self) -> bool:
        """Whether any check is still waiting or running."""
        return len(self._results) < len(self._probes)

    def is_running(self, probe_id: str | None) -> bool:
        return probe_id in self._in_flight

    @property
    def highlighted_probe(self) -> str | None:
        option = self.highlighted_option
        return option.id if option is not None and option.id in self._probes else None

    def load(self, probes: list[Probe]) -> None:
        """Show ``probes`` as waiting rows under their group headings, keeping the highlight."""
        keep = self.highlighted_probe
        self._probes = {p.id: p for p in probes}
        self._results.clear()
        self._in_flight.clear()
        self._rebuild()
        self.highlighted = self.get_option_index(keep) if keep in self._probes else self._first_row()

    def restart(self, probe_ids: list[str]) -> None:
        """Put ``probe_ids`` back to waiting for a new run."""
        for probe_id in probe_ids:
            self._results.pop(probe_id, None)
            self._in_flight.discard(probe_id)
            self._redraw(probe_id)

    def started(self, probe_id: str) -> None:
        self._in_flight.add(probe_id)
        self._spinner.resume()
        self._redraw(probe_id)

    def finished(self, result: CheckResult) -> None:
        self._in_flight.discard(result.id)
        self._results[result.id] = result
        if not self._in_flight:
            self._spinner.pause()
        self._redraw(result.id)

    def stop_spinning(self) -> None:
        """A run ended without finishing some checks (it crashed): stop showing them as running."""
        self._in_flight.clear()
        self._spinner.pause()
        for probe_id in self._probes:
            self._redraw(probe_id)

    def highlight_worst(self) -> None:
        """Move to the first failed (or crashed) row, else the first warning, if there is one."""
        for wanted in ((Status.FAIL, Status.CRASH), (Status.WARN,)):
            for index, option in enumerate(self.options):
                result = self._results.get(option.id or "")
                if result is not None and result.status in wanted:
                    self.highlighted = index
                    return

    def relabel(self, lang: str) -> None:
        self.lang = lang
        keep = self.highlighted
        self._rebuild()
        self.highlighted = keep

    def action_rerun(self) -> None:
        if probe_id := self.highlighted_probe:
            self.post_message(self.RerunRequested(probe_id))

    def _first_row(self) -> int | None:
        return next((i for i, option in enumerate(self.options) if option.id in self._probes), None)

    def _title_width(self) -> int:
        widths = [cell_len(p.title.get(self.lang)) for p in self._probes.values()]
        return min(max(widths, default=10), TITLE_MAX_CELLS)

    def _rebuild(self) -> None:
        options: list[Option] = []
        for step, (group, probes) in enumerate(by_step(self._probes.values()).items(), 1):
            heading = Content.styled(f"{step} · {group_label(group, self.lang)}", "bold $accent")
            options.append(Option(heading, id=GROUP_PREFIX + group, disabled=True))
            options.extend(Option(self._row(p.id), id=p.id) for p in probes)
        self.set_options(options)

    def _redraw(self, probe_id: str) -> None:
        self.replace_option_prompt(probe_id, self._row(probe_id))

    def _spin(self) -> None:
        self._frame = (self._frame + 1) % len(SPINNER)
        for probe_id in self._in_flight:
            self._redraw(probe_id)

    def _row(self, probe_id: str) -> Content:
        probe = self._probes[probe_id]
        result = self._results.get(probe_id)
        if result is not None:
            mark, style = MARKS[result.status]
            if result.status is Status.SKIP:
                state = ui("status_skip", self.lang)
            elif self.show_durations:
                state = duration_text(result.duration_ms, self.lang)
            else:
                state = ""
        elif probe_id in self._in_flight:
            mark, style, state = SPINNER[self._frame], "$accent", ui("tui_state_running", self.lang)
        else:
            mark, style, state = "·", "$text-muted", ui("tui_state_waiting", self.lang)
        title = Content(probe.title.get(self.lang)).truncate(self._title_width(), ellipsis=True)
        return Content.assemble(
            (mark, f"bold {style}"),
            " ",
            title.pad_right(self._title_width() - title.cell_length),
            "  ",
            (state.rjust(9 - cell_len(state) + len(state)), "$text-muted"),
        )
