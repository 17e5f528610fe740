"""The Checks screen with the offline probes: rows, details, re-runs, settings, language, report, secrets."""

from __future__ import annotations

import threading

from textual.widgets import Input, OptionList, Static, TextArea

from doctor.catalog import entry
from doctor.findings import Status
from doctor.runner import Outcome, Probe
from doctor.tui.screens.checks import with_requirements
from doctor.tui.session import Session
from tests.conftest import CANARY_KEY, PROJECT_KEY

from .conftest import SIZE, checks_screen, screen_text, wait_for_checks, wait_until


def widget_text(app) -> str:
    """The text held by every widget of the screen, painted or not (a line cut off by the layout too)."""
    texts = []
    for widget in app.screen.query("*"):
        if isinstance(widget, OptionList):
            texts += [str(option.prompt) for option in widget.options]
        elif isinstance(widget, Static):
            texts.append(str(widget.content))
        elif isinstance(widget, (Input, TextArea)):
            texts.append(widget.value if isinstance(widget, Input) else widget.text)
    return "\n".join(texts)


def highlight(app, probe_id: str) -> None:
    checks = checks_screen(app).check_list
    checks.highlighted = checks.get_option_index(probe_id)


async def test_every_offline_probe_gets_a_row_with_its_final_state(make_app):
    app = make_app(offline=True)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_checks(pilot)
        screen = checks_screen(app)
        probes = app.session.probes()
        assert set(screen.check_list.results) == {p.id for p in probes}
        offline_skips = [p.id for p in probes if p.network]
        for probe_id in offline_skips:
            assert screen.check_list.results[probe_id].status is Status.SKIP
        text = screen_text(app)
        for probe in probes:
            assert probe.title.en in text


async def test_a_missing_key_shows_the_failing_row_and_its_fix_steps(make_app):
    app = make_app(offline=True)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_checks(pilot)
        highlight(app, "key")
        await pilot.pause()
        text = screen_text(app)
        assert checks_screen(app).check_list.results["key"].status is Status.FAIL
        assert "key.missing" in text
        assert "1." in text and entry("key.missing").fix[0].en[:40] in text
        assert "✗ 1" in text or "✗ " in text


async def test_r_re_reads_the_env_file_so_a_fixed_key_passes(make_app, project):
    (project / ".env").write_text("OPENAI_API_KEY=your-api-key-here\n")
    app = make_app(offline=True)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_checks(pilot)
        assert checks_screen(app).check_list.results["key"].findings[0].code == "key.placeholder"
        (project / ".env").write_text(f"OPENAI_API_KEY={PROJECT_KEY}\n")
        await pilot.press("r")
        await wait_for_checks(pilot)
        assert checks_screen(app).check_list.results["key"].status is Status.PASS
        assert "sk-proj-…" + PROJECT_KEY[-4:] in screen_text(app)


async def test_enter_re_runs_only_the_selected_check(make_app, project):
    (project / ".env").write_text("OPENAI_API_KEY=your-api-key-here\n")
    app = make_app(offline=True)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_checks(pilot)
        before = dict(checks_screen(app).check_list.results)
        (project / ".env").write_text(f"OPENAI_API_KEY={PROJECT_KEY}\n")
        highlight(app, "key")
        await pilot.press("enter")
        await wait_until(pilot, lambda: checks_screen(app).check_list.results.get("key") is not before["key"])
        await wait_for_checks(pilot)
        after = checks_screen(app).check_list.results
        assert after["key"].status is Status.PASS
        untouched = [pid for pid in before if pid not in {p.id for p in with_requirements("key", app.session.probes())}]
        assert untouched and all(after[pid] is before[pid] for pid in untouched)


def test_with_requirements_follows_dependencies_transitively_in_declaration_order():
    def p(id, *requires):
        return Probe(id, None, "g", lambda ctx: [], requires)

    probes = [p("a"), p("b", "a"), p("c", "b"), p("d")]
    assert [x.id for x in with_requirements("c", probes)] == ["a", "b", "c"]
    assert [x.id for x in with_requirements("d", probes)] == ["d"]


async def test_language_switch_changes_rows_details_and_keys_at_once(make_app):
    app = make_app(offline=True)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_checks(pilot)
        highlight(app, "key")
        await pilot.press("l")
        await pilot.pause()
        text = screen_text(app)
        key_probe = next(p for p in app.session.probes() if p.id == "key")
        assert key_probe.title.zh in text
        assert entry("key.missing").messages["default"].zh[:12] in text
        assert "全部重新检查" in text and "Re-run all" not in text
        await pilot.press("ctrl+l")
        await pilot.pause()
        assert "Re-run all" in screen_text(app)


async def test_the_settings_panel_applies_an_env_file_and_re_runs(make_app, tmp_path):
    env_file = tmp_path / "other.env"
    env_file.write_text(f"OPENAI_API_KEY={PROJECT_KEY}\n")
    app = make_app(offline=True)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_checks(pilot)
        assert checks_screen(app).check_list.results["key"].status is Status.FAIL
        await pilot.press("e")
        await pilot.pause()
        app.screen.query_one("#env-file").value = str(tmp_path / "missing.env")
        await pilot.click("#apply")
        await pilot.pause()
        assert "missing.env" in str(app.screen.query_one("#settings-error").content)
        assert app.session.options.env_file is None
        await pilot.pause(0.3)  # a button ignores a second press while it still shows the first
        app.screen.query_one("#env-file").value = str(env_file)
        await pilot.click("#apply")
        await wait_until(pilot, lambda: app.session.options.env_file == env_file)
        await wait_for_checks(pilot)
        assert checks_screen(app).check_list.results["key"].status is Status.PASS


async def test_save_asks_before_overwriting_and_writes_a_masked_report(make_app, project, clean_env, tmp_path):
    clean_env.setenv("OPENAI_API_KEY", CANARY_KEY)
    target = tmp_path / "report.md"
    app = make_app(offline=True)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_checks(pilot)
        await pilot.press("s")
        await pilot.pause()
        app.screen.query_one("#path").value = str(target)
        await pilot.press("enter")
        await wait_until(pilot, target.exists)
        report = target.read_text()
        assert "openai-doctor" in report and CANARY_KEY not in report and "leakLEAK" not in report
        target.write_text("mine")
        await pilot.press("s")
        await pilot.pause()
        app.screen.query_one("#path").value = str(target)
        await pilot.press("enter")
        await pilot.pause()
        assert target.read_text() == "mine", "an existing file must not be replaced without asking"
        assert "already exists" in screen_text(app)
        await pilot.click("#save")
        await wait_until(pilot, lambda: target.read_text() != "mine")
        assert target.read_text() == report


async def test_copy_puts_the_masked_report_on_the_clipboard(make_app, clean_env):
    clean_env.setenv("OPENAI_API_KEY", CANARY_KEY)
    app = make_app(offline=True)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_checks(pilot)
        await pilot.press("c")
        await pilot.pause()
        assert "sk-proj-…" + CANARY_KEY[-4:] in app.clipboard
        assert CANARY_KEY not in app.clipboard and "leakLEAK" not in app.clipboard


async def test_the_full_key_never_appears_on_any_screen(make_app, clean_env, project):
    clean_env.setenv("OPENAI_API_KEY", CANARY_KEY)
    (project / "app.py").write_text(f'client = OpenAI(api_key="{CANARY_KEY}")\n')
    app = make_app(offline=True)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_checks(pilot)
        seen = []
        for probe in app.session.probes():
            highlight(app, probe.id)
            await pilot.pause()
            seen += [screen_text(app), widget_text(app)]
        for keys in (("l",), ("f1",), ("escape", "e"), ("escape", "f3"), ("f4",)):
            await pilot.press(*keys)
            await pilot.pause()
            seen += [screen_text(app), widget_text(app)]
        everything = "\n".join(seen)
        assert "sk-proj-…" + CANARY_KEY[-4:] in everything
        for leak in ("CANARYcanary", "leakLEAK", "T3BlbkFJleak"):
            assert leak not in everything


def _probe(id: str, func, group: str = "key") -> Probe:
    from doctor.findings import Text

    return Probe(id, Text(id, id), group, func)


async def test_a_slow_probe_does_not_freeze_the_ui_and_a_crash_shows_as_a_crash(make_app, monkeypatch):
    release = threading.Event()

    def slow(ctx):
        release.wait(10)  # held until the test has used the UI
        return Outcome()

    def crash(ctx):
        raise RuntimeError("boom")

    monkeypatch.setattr(Session, "probes", staticmethod(lambda: [_probe("slow", slow), _probe("crash", crash)]))
    app = make_app(offline=True)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: "crash" in checks_screen(app).check_list.results)
        assert checks_screen(app).check_list.is_running("slow")
        await pilot.press("l")
        await pilot.pause()
        assert "全部重新检查" in screen_text(app)  # the UI answered while the probe still ran
        assert checks_screen(app).check_list.is_running("slow")
        release.set()
        await wait_for_checks(pilot)
        results = checks_screen(app).check_list.results
        assert results["crash"].status is Status.CRASH and results["slow"].status is Status.PASS
        highlight(app, "crash")
        await pilot.pause()
        assert "doctor.crash" in screen_text(app)


async def test_events_of_an_older_run_are_dropped(make_app, monkeypatch):
    from doctor.findings import CheckResult, Text
    from doctor.tui.messages import CheckFinished

    app = make_app(offline=True)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_checks(pilot)
        screen = checks_screen(app)
        current = screen.check_list.results["key"]
        stale = CheckResult("key", Text("API key", "API 密钥"), "key", Status.PASS, 1.0)
        screen.post_message(CheckFinished(0, stale))
        await pilot.pause()
        assert screen.check_list.results["key"] is current
