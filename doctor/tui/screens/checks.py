"""The Checks screen (home): every probe's live state, the selected check's findings and fix, the rate limits."""

from __future__ import annotations

import threading

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.widgets import Static

from doctor.findings import Report, Severity
from doctor.i18n import ui
from doctor.runner import Context, Probe, ProbeStarted, Runner
from doctor.settings import EnvFileError, Settings
from doctor.tui.messages import CheckFinished, CheckStarted, RunFinished
from doctor.tui.screens.base import TabScreen
from doctor.tui.widgets.bars import KeyBar, TopBar
from doctor.tui.widgets.check_detail import CheckDetail
from doctor.tui.widgets.check_list import MARKS, CheckList
from doctor.tui.widgets.rate_gauge import RateGauge


def with_requirements(probe_id: str, probes: list[Probe]) -> list[Probe]:
    """``probe_id`` and every probe it needs, transitively, in declaration order."""
    by_id = {p.id: p for p in probes}
    wanted, todo = set(), [probe_id]
    while todo:
        current = todo.pop()
        if current in by_id and current not in wanted:
            wanted.add(current)
            todo.extend(by_id[current].requires)
    return [p for p in probes if p.id in wanted]


class ChecksScreen(TabScreen):
    """Runs the probes in a background thread and draws each row as its events arrive."""

    BINDINGS = [
        Binding("r", "rerun_all", "Re-run all checks"),
        Binding("e", "settings", "Settings"),
        Binding("s", "save_report", "Save the report"),
        Binding("c", "copy_report", "Copy the report"),
    ]
    TAB = "checks"
    KEYS = [
        ("r", "tui_key_rerun", "screen.rerun_all"),
        ("⏎", "tui_key_rerun_one", "screen.rerun_one"),
        ("e", "tui_key_settings", "screen.settings"),
        ("s", "tui_key_save", "screen.save_report"),
        ("c", "tui_key_copy", "screen.copy_report"),
        ("q", "tui_key_quit", "app.quit"),
    ]

    def __init__(self) -> None:
        super().__init__(id="checks-screen")
        self._run = 0
        self._owner: dict[str, int] = {}
        """Which run each row listens to: events of older runs are stale and dropped."""
        self._probes: list[Probe] = []
        self._settings: Settings | None = None
        self._error: str | None = None
        self._landing: int | None = None
        """Where the cursor was when a full run started: if it is still there at the end, jump to the worst row."""

    def compose(self) -> ComposeResult:
        show_durations = self.app.show_durations
        yield TopBar(id="top")
        yield Static(id="config")
        with Horizontal(id="main"):
            with Vertical(id="left"):
                yield CheckList(show_durations=show_durations, id="check-list")
                yield Static(id="summary")
            with Vertical(id="right"):
                yield CheckDetail(show_durations=show_durations, id="detail")
                yield RateGauge(id="rates")
        yield KeyBar(id="keys")

    @property
    def check_list(self) -> CheckList:
        return self.query_one(CheckList)

    @property
    def lang(self) -> str:
        return self.app.language

    def on_mount(self) -> None:
        self.check_list.focus()
        super().on_mount()
        if self._load_all():
            # Paint the waiting rows first: the probes' threads would compete with the first frame.
            self.call_after_refresh(self._start, self._probes)

    def relabel(self, lang: str) -> None:
        super().relabel(lang)
        self.check_list.relabel(lang)
        self._draw_config()
        self._draw_progress()

    # Running

    def action_rerun_all(self) -> None:
        """Resolve the settings afresh (the user may have edited .env) and run every probe."""
        if self._load_all():
            self._start(self._probes)

    def _load_all(self) -> bool:
        """Resolve the settings and show every probe as waiting; False when the settings are unusable."""
        if not self._prepare():
            return False
        self._probes = self.app.session.probes()
        self.check_list.load(self._probes)
        self._landing = self.check_list.highlighted
        return True

    def action_rerun_one(self) -> None:
        if probe_id := self.check_list.highlighted_probe:
            self.post_message(CheckList.RerunRequested(probe_id))

    @on(CheckList.RerunRequested)
    def _rerun_one(self, event: CheckList.RerunRequested) -> None:
        """Re-run one check, with the checks it needs so that it sees fresh results from them."""
        if not self._prepare():
            return
        probes = with_requirements(event.probe_id, self._probes)
        self.check_list.restart([p.id for p in probes])
        self._start(probes)

    def _prepare(self) -> bool:
        try:
            self._settings = self.app.session.resolve()
        except EnvFileError as exc:
            self._error = str(exc)
        else:
            self._error = None
        self._draw_config()
        if self._error is not None:
            self._draw_progress()
            self._draw_detail()
            return False
        return True

    def _start(self, probes: list[Probe]) -> None:
        self._run += 1
        run = self._run
        for p in probes:
            self._owner[p.id] = run
        ctx = self.app.session.context(self._settings)
        # A plain daemon thread with its own event loop, not a Textual worker: a probe that
        # blocks (importing the SDK, a slow DNS lookup) never touches the UI loop, and quitting
        # never waits for a hung probe (executor threads are joined at exit, daemons are not).
        threading.Thread(target=self._run_probes, args=(run, probes, ctx), daemon=True, name="doctor-checks").start()
        self._draw_progress()
        self._draw_detail()

    def _run_probes(self, run: int, probes: list[Probe], ctx: Context) -> None:
        def tell(event) -> None:
            if isinstance(event, ProbeStarted):
                self.post_message(CheckStarted(run, event.probe.id))
            else:
                self.post_message(CheckFinished(run, event.result))

        error = None
        try:
            Runner(probes, ctx, tell).run()
        except Exception as exc:  # noqa: BLE001 - the runner itself failed: say so on screen
            error = f"{type(exc).__name__}: {exc}"
        self.post_message(RunFinished(run, error))

    @on(CheckStarted)
    def _started(self, event: CheckStarted) -> None:
        if self._owner.get(event.probe_id) == event.run:
            self.check_list.started(event.probe_id)
            self._after_change(event.probe_id)

    @on(CheckFinished)
    def _finished(self, event: CheckFinished) -> None:
        if self._owner.get(event.result.id) == event.run:
            self.check_list.finished(event.result)
            self._after_change(event.result.id)

    @on(RunFinished)
    def _run_finished(self, event: RunFinished) -> None:
        if event.run == self._run and event.error is not None:
            self._error = event.error
            self.check_list.stop_spinning()
            self._draw_progress()
            self._draw_detail()

    def _after_change(self, probe_id: str) -> None:
        self._draw_progress()
        checks = self.check_list
        if not checks.busy and self._landing is not None:
            if checks.highlighted == self._landing:
                checks.highlight_worst()
            self._landing = None
        if probe_id == checks.highlighted_probe:
            self._draw_detail()

    @on(CheckList.OptionHighlighted)
    def _highlighted(self) -> None:
        self._draw_detail()

    # Drawing

    def _draw_config(self) -> None:
        lang, settings = self.lang, self._settings
        self.draw_bars(lang)
        if settings is None:
            self.query_one("#config", Static).update("")
            return
        key = settings["api_key"]
        demo = self.app.session.demo
        key_source = ui("tui_demo_key_source", lang) if demo else key.source
        base_url = settings.get("base_url") or ""
        if demo is not None and settings["base_url"].variable == "OPENAI_BASE_URL" and base_url == demo.base_url:
            base_url = ui("tui_demo_base_url", lang)
        parts: list = [(ui("tui_key", lang) + " ", "$text-muted")]
        if key.is_set:
            parts += [(key.shown or "", "bold"), (f" ({ui('source', lang)} {key_source})", "$text-muted")]
        else:
            parts += [(ui("not_set", lang), "bold $error")]
        parts += [("   Base URL ", "$text-muted"), base_url, (f"   {ui('tui_model', lang)} ", "$text-muted"), settings.get("model") or ""]
        if self.app.session.options.offline:
            parts += ["   ", (ui("tui_offline_badge", lang), "bold $warning")]
        self.query_one("#config", Static).update(Content.assemble(*parts))

    def _draw_progress(self) -> None:
        lang, checks = self.lang, self.check_list
        summary = self.query_one("#summary", Static)
        rates = self.query_one(RateGauge)
        rates.show(checks.results.values(), lang)
        if self._error is not None:
            summary.update(Content.styled(ui("tui_run_failed", lang), "bold $error"))
            return
        if checks.busy:
            done, total = len(checks.results), len(self._probes)
            summary.update(Content.styled(ui("tui_running", lang, done=done, total=total), "$accent"))
            return
        counts = {status: 0 for status in MARKS}
        for result in checks.results.values():
            counts[result.status] += 1
        parts: list = []
        for status, (mark, style) in MARKS.items():
            if counts[status]:
                parts += [(f"{mark} {counts[status]}", f"bold {style}"), "  "]
        report = self.report()
        problems = report.problems if report is not None else []
        if problems:
            errors = sum(1 for f in problems if f.severity is Severity.ERROR)
            verdict = ui("problems_found", lang, count=len(problems), errors=errors, warnings=len(problems) - errors)
            style = "$error" if errors else "$warning"
        else:
            verdict, style = ui("no_problems", lang), "$success"
        summary.update(Content("\n").join([Content.assemble(*parts), Content.styled(verdict, style)]))

    def _draw_detail(self) -> None:
        detail = self.query_one(CheckDetail)
        if self._error is not None:
            detail.show(None, None, self.lang, note=ui("tui_error", self.lang, error=self._error))
            return
        probe_id = self.check_list.highlighted_probe
        probe = next((p for p in self._probes if p.id == probe_id), None)
        result = self.check_list.results.get(probe_id) if probe_id else None
        detail.show(probe, result, self.lang, running=self.check_list.is_running(probe_id))

    # Report

    def report(self) -> Report | None:
        """The report of the finished run, or None while checks are still running."""
        if self._settings is None or self.check_list.busy or not self._probes:
            return None
        results = [self.check_list.results[p.id] for p in self._probes]
        return Report.build(results, self._settings.as_report(), offline=self.app.session.options.offline)

    def _report_text(self) -> str | None:
        from doctor.render import render

        report = self.report()
        if report is None:
            self.notify(ui("tui_wait_for_checks", self.lang), severity="warning")
            return None
        return render("markdown", report, lang=self.lang)

    def action_save_report(self) -> None:
        from doctor.tui.screens.dialogs import SaveReportScreen

        if (text := self._report_text()) is not None:
            self.app.push_screen(SaveReportScreen(text))

    def action_copy_report(self) -> None:
        if (text := self._report_text()) is not None:
            self.app.copy_to_clipboard(text)
            self.notify(ui("tui_copied", self.lang))

    def action_settings(self) -> None:
        from doctor.tui.screens.dialogs import SettingsScreen

        self.app.push_screen(SettingsScreen(self.app.session), self._settings_closed)

    def _settings_closed(self, changed: bool | None) -> None:
        if changed:
            self.action_rerun_all()
