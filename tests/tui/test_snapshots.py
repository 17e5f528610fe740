"""Snapshots of every screen, in English and Chinese, healthy and failing (pytest --snapshot-update to accept).

Deterministic by construction: a fixed terminal size, durations hidden, the simulator's port never
on screen (checked before each snapshot), no blinking cursor, and the checks finished first.
"""

from __future__ import annotations

import pytest
from textual import events
from textual.widgets import TextArea

from doctor.i18n import LANGUAGES
from doctor.tokens import count_text
from doctor.tui import session as session_module

from .conftest import SIZE, screen_text, wait_for_checks, wait_until
from .test_explain_tokens import QUOTA_ERROR



@pytest.fixture(autouse=True)
def _no_demo_latency(monkeypatch):
    monkeypatch.setattr(session_module, "DEMO_LATENCY_MS", 0)


async def settle(pilot) -> None:
    """Take focus away (no cursor, whatever its blink phase or where focus was still moving) and
    check that nothing machine-specific is on screen."""
    pilot.app.set_focus(None)
    for widget in pilot.app.screen.query("TextArea, Input"):
        widget.cursor_blink = False
        widget.refresh()  # lines painted during a blink phase are cached: paint them again
    await pilot.pause()
    assert "127.0.0.1" not in screen_text(pilot.app), "the simulator's address (a random port) is on screen"


def checks_after_run(*keys: str):
    async def run_before(pilot) -> None:
        await wait_for_checks(pilot)
        await pilot.press(*keys)
        await settle(pilot)

    return run_before


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("scenario", ["ok", "insufficient-quota"])
def test_checks(snap_compare, make_app, lang, scenario):
    """The Checks screen after a run: all green, or landed on the failing quota check with its fix."""
    app = make_app(demo=scenario, language=lang)
    assert snap_compare(app, terminal_size=SIZE, run_before=checks_after_run())


@pytest.mark.parametrize("lang", LANGUAGES)
def test_checks_offline_without_a_key(snap_compare, make_app, lang):
    """No key at all, offline: the key check fails first and the network checks are skipped."""
    app = make_app(offline=True, language=lang)
    assert snap_compare(app, terminal_size=SIZE, run_before=checks_after_run())


def test_settings_dialog(snap_compare, make_app):
    """The settings panel of the demo, with the scenario picker."""
    app = make_app(demo="ok")
    assert snap_compare(app, terminal_size=SIZE, run_before=checks_after_run("e"))


def test_save_dialog_asks_before_overwriting(snap_compare, make_app, project):
    """Saving over an existing report: the dialog asks, the file is untouched."""
    (project / "openai-doctor-report.md").write_text("mine")

    async def run_before(pilot) -> None:
        await wait_for_checks(pilot)
        await pilot.press("s")
        await pilot.pause()
        await pilot.press("enter")
        await wait_until(pilot, lambda: "already exists" in screen_text(pilot.app))
        await settle(pilot)

    app = make_app(offline=True)
    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize(
    "pasted, shown",
    [(QUOTA_ERROR, "quota.insufficient"), ("Something went wrong, please try again later", "")],
    ids=["quota", "unknown"],
)
def test_explain(snap_compare, make_app, lang, pasted, shown):
    """Explain with a recognised error (diagnosis and fix) and with text it cannot place."""
    nothing = {"en": "No known problem", "zh": "没有识别出"}[lang]

    async def run_before(pilot) -> None:
        await pilot.press("f3")
        await pilot.pause()
        pilot.app.post_message(events.Paste(pasted))
        await wait_until(pilot, lambda: (shown or nothing) in screen_text(pilot.app))
        await settle(pilot)

    app = make_app(offline=True, language=lang)
    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


TOKENS_TEXT = "Hello! openai-doctor counts tokens the way the model sees them.\n你好，世界！Tokens are not words: “unbelievable”.\n"


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("chat", [False, True], ids=["text", "bad-json"])
def test_tokens(snap_compare, make_app, lang, chat):
    """Tokens with plain text (count, cost, context gauge, colours), and a chat request that is not JSON."""
    tokens = count_text(TOKENS_TEXT, "gpt-4o-mini")
    shown = {"en": "Not valid JSON", "zh": "不是有效的 JSON"}[lang] if chat else str(tokens)

    async def run_before(pilot) -> None:
        await pilot.press("f4")
        await pilot.pause()
        await pilot.app.workers.wait_for_complete()
        if chat:
            await pilot.press("ctrl+t")
        pilot.app.screen.query_one(TextArea).load_text(TOKENS_TEXT)
        await wait_until(pilot, lambda: shown in screen_text(pilot.app))
        await settle(pilot)

    app = make_app(offline=True, language=lang, model="gpt-4o-mini")
    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_help(snap_compare, make_app, lang):
    """The help page: keys and what each step of the checks looks at."""
    app = make_app(offline=True, language=lang)
    assert snap_compare(app, terminal_size=SIZE, run_before=checks_after_run("f1"))
