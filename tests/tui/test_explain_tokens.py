"""The Explain and Tokens screens: paste an error and read the diagnosis; count tokens, cost and context."""

from __future__ import annotations

import json
import threading

from textual import events
from textual.widgets import TextArea

from doctor.catalog import entry
from doctor.tokens import count_messages, count_text, estimate_cost, token_spans, usd
from tests.conftest import CANARY_KEY

from .conftest import SIZE, pane_text, screen_text, wait_until

QUOTA_ERROR = (
    "openai.RateLimitError: Error code: 429 - {'error': {'message': 'You exceeded your current quota, please check "
    "your plan and billing details.', 'type': 'insufficient_quota', 'param': None, 'code': 'insufficient_quota'}}"
)


async def paste(pilot, text: str) -> None:
    """Paste like a terminal does (bracketed paste into the focused editor)."""
    pilot.app.post_message(events.Paste(text))  # as the terminal driver does: the app forwards it
    await pilot.pause()


async def test_explain_diagnoses_a_pasted_error_with_its_fix(make_app):
    app = make_app(offline=True)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f3")
        await pilot.pause()
        await paste(pilot, QUOTA_ERROR)
        await wait_until(pilot, lambda: "quota.insufficient" in pane_text(app, "#explain-results"))
        results = pane_text(app, "#explain-results")
        fix = entry("quota.insufficient").fix
        assert "1. " + fix[0].en[:40] in results
        await pilot.press("ctrl+l")
        await pilot.pause()
        assert fix[0].zh[:12] in pane_text(app, "#explain-results")


async def test_explain_says_so_when_it_recognises_nothing(make_app):
    app = make_app(offline=True)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f3")
        await paste(pilot, "the weather is nice today")
        await wait_until(pilot, lambda: "No known problem" in pane_text(app, "#explain-results"))


async def test_a_key_pasted_into_explain_is_masked_on_screen(make_app):
    app = make_app(offline=True)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f3")
        await paste(pilot, f"curl https://api.openai.com/v1/models -H 'Authorization: Bearer {CANARY_KEY}'\n401 invalid_api_key")
        await wait_until(pilot, lambda: CANARY_KEY not in app.screen.query_one(TextArea).text)
        await pilot.pause(0.5)
        text = screen_text(app)
        assert "CANARYcanary" not in text and "leakLEAK" not in text
        assert "…" + CANARY_KEY[-4:] in app.screen.query_one(TextArea).text


async def open_tokens(pilot) -> TextArea:
    await pilot.press("f4")
    await pilot.pause()
    return pilot.app.screen.query_one(TextArea)


def counted(app) -> str:
    return pane_text(app, "#tokens-stats")


async def test_tokens_counts_prices_and_colours_the_text(make_app):
    text = "Hello, world! 你好，世界。Tokens are not words: unbelievable."
    app = make_app(offline=True, model="gpt-4o-mini")
    async with app.run_test(size=SIZE) as pilot:
        editor = await open_tokens(pilot)
        editor.load_text(text)
        tokens = count_text(text, "gpt-4o-mini")
        await wait_until(pilot, lambda: f"{tokens} tokens" in counted(app))
        cost = estimate_cost("gpt-4o-mini", tokens)
        stats = counted(app)
        assert f"${usd(cost.total_usd)}" in stats and cost.prices_as_of in stats
        assert f"{tokens} of {cost.context_window:,} tokens" in stats
        colored = app.screen.query_one("#tokens-colored").content
        assert colored.plain == text
        assert [(s.start, s.end) for s in colored.spans] == token_spans(text, "gpt-4o-mini")


async def test_tokens_recounts_for_another_model(make_app):
    text = "日本語のテキストはエンコーディングによってトークン数が変わります。"
    app = make_app(offline=True, model="gpt-4o-mini")
    async with app.run_test(size=SIZE) as pilot:
        editor = await open_tokens(pilot)
        editor.load_text(text)
        await wait_until(pilot, lambda: f"{count_text(text, 'gpt-4o-mini')} tokens" in counted(app))
        app.screen.query_one("#tokens-model").value = "gpt-3.5-turbo"
        old = count_text(text, "gpt-3.5-turbo")
        assert old != count_text(text, "gpt-4o-mini")
        await wait_until(pilot, lambda: f"{old} tokens" in counted(app))


async def test_tokens_counts_a_chat_request_and_reports_bad_json(make_app):
    messages = [{"role": "system", "content": "You are terse."}, {"role": "user", "content": "How many tokens?"}]
    app = make_app(offline=True, model="gpt-4o-mini")
    async with app.run_test(size=SIZE) as pilot:
        editor = await open_tokens(pilot)
        await pilot.press("ctrl+t")
        editor.load_text(json.dumps(messages))
        expected = count_messages(messages, "gpt-4o-mini").input_tokens
        await wait_until(pilot, lambda: f"{expected} tokens" in counted(app))
        assert app.screen.query_one("#tokens-colored").content.plain == "You are terse.\nHow many tokens?"
        editor.load_text('[{"role": "user", "content": ')
        await wait_until(pilot, lambda: "Not valid JSON" in counted(app))


async def test_typing_while_a_count_runs_stays_responsive_and_shows_the_latest_count(make_app, monkeypatch):
    """The count runs in a worker: keystrokes are handled while it is busy, and its stale answer is dropped."""
    from doctor.tui.screens import tokens as tokens_screen

    big = ("The quick brown fox jumps over the lazy dog. 敏捷的棕色狐狸跳过了懒狗。\n" * 1700)[:100_000]
    counting_big, release, big_counted = threading.Event(), threading.Event(), threading.Event()
    real_measure = tokens_screen.measure

    def measure(text, model, chat):
        if text != big:
            return real_measure(text, model, chat)
        counting_big.set()  # hold the count of the 100 KB text until the test lets it go
        release.wait(10)
        try:
            return real_measure(text, model, chat)
        finally:
            big_counted.set()

    monkeypatch.setattr(tokens_screen, "measure", measure)
    app = make_app(offline=True, model="gpt-4o-mini")
    async with app.run_test(size=SIZE) as pilot:
        editor = await open_tokens(pilot)
        await app.workers.wait_for_complete()  # the screen loads the tokenizer while the user reads it
        editor.load_text(big)
        editor.move_cursor(editor.document.end)
        await wait_until(pilot, counting_big.is_set)
        await pilot.press(*"typing more")
        final = big + "typing more"
        assert editor.text == final and not big_counted.is_set()  # typed while the count was still running
        expected = count_text(final, "gpt-4o-mini")
        await wait_until(pilot, lambda: f"{expected:,} tokens" in counted(app), timeout=20)
        release.set()  # the count of the older text now finishes: it must not replace the newer one
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert f"{expected:,} tokens" in counted(app)
        assert f"{count_text(big, 'gpt-4o-mini'):,} tokens" not in counted(app)
