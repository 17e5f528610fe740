"""The Tokens screen: live token count and cost, a context-window gauge, and the text coloured by token.

Counting runs in a worker a moment after the last keystroke; each run carries a generation
number and a result that is no longer the latest is dropped, so 100 KB of text never makes
typing lag and never shows a count for text that is gone.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.timer import Timer
from textual.widgets import Label, Select, Static, TextArea

from doctor.i18n import ui
from doctor.tui.screens.base import TabScreen
from doctor.tui.widgets.bars import KeyBar, TopBar
from doctor.tui.widgets.gauge import meter
from doctor.tui.widgets.token_view import TokenView, colored

if TYPE_CHECKING:
    from doctor.tokens import CostEstimate

DEBOUNCE_SECONDS = 0.2
COLOR_LIMIT = 20_000
"""Characters coloured by token: enough to see how text splits, cheap enough to redraw while typing."""
MODELS = ("gpt-4o-mini", "gpt-4o", "gpt-4.1", "gpt-4.1-mini", "gpt-4.1-nano", "o3", "o4-mini", "gpt-5", "gpt-5-mini", "gpt-3.5-turbo")
GAUGE_WIDTH = 30


@dataclass(frozen=True)
class Measure:
    """What the worker found for one version of the text."""

    chars: int
    tokens: int | None = None
    shown: str = ""
    """The text as coloured: the plain text, or the messages' text contents of a chat request."""
    spans: tuple[tuple[int, int], ...] = ()
    cost: CostEstimate | None = None
    notes: tuple[str, ...] = ()
    problem: tuple[str, dict[str, Any]] | None = None
    """A ui.toml label and its parameters, when the text could not be counted."""


def measure(text: str, model: str, chat: bool) -> Measure:
    """Count ``text`` (plain, or a chat request as JSON) for ``model`` and price it as input."""
    from doctor.tokens import InvalidMessages, TokenizerUnavailable, count_messages, count_text, estimate_cost, split_request, token_spans

    if not text.strip():
        return Measure(len(text))
    notes: list[str] = []
    try:
        if chat:
            try:
                request = json.loads(text)
            except json.JSONDecodeError as exc:
                return Measure(len(text), problem=("tui_tokens_bad_json", {"error": f"{exc.msg} (line {exc.lineno})"}))
            try:
                messages, tools, _ = split_request(request)
                counted = count_messages(messages, model, tools)
            except InvalidMessages as exc:
                return Measure(len(text), problem=("tui_tokens_bad_messages", {"error": str(exc)}))
            tokens, notes = counted.input_tokens, counted.notes
            shown = "\n".join(m["content"] for m in messages if isinstance(m, dict) and isinstance(m.get("content"), str))
        else:
            tokens, shown = count_text(text, model), text
        spans = tuple(token_spans(shown[:COLOR_LIMIT], model))
    except TokenizerUnavailable as exc:
        return Measure(len(text), problem=("tui_tokenizer_unavailable", {"error": str(exc)}))
    cost = estimate_cost(model, tokens)
    return Measure(len(text), tokens, shown, spans, cost, tuple(notes) + ((cost.note,) if cost.note else ()))


class TokensScreen(TabScreen):
    """An editor, a model picker, the count and cost, and the text as the model sees it."""

    TAB = "tokens"
    KEYS = [
        ("^T", "tui_help_mode", "screen.toggle_mode"),
        ("F1", "tui_key_help", "app.help"),
        ("^L", "tui_key_language", "app.switch_language"),
        ("^Q", "tui_key_quit", "app.quit"),
    ]
    BINDINGS = [Binding("ctrl+t", "toggle_mode", "Text / chat JSON", priority=True)]

    def __init__(self) -> None:
        super().__init__(id="tokens-screen")
        self._timer: Timer | None = None
        self._generation = 0
        self._measure = Measure(0)

    def compose(self) -> ComposeResult:
        model = self.app.session.options.model or MODELS[0]
        models = MODELS if model in MODELS else (model, *MODELS)
        yield TopBar(id="top")
        with Horizontal(id="tokens-main"):
            with Vertical(id="tokens-left"):
                yield Static(id="tokens-editor-title", classes="section-title")
                yield TextArea(id="tokens-input", soft_wrap=True, show_line_numbers=False)
                yield Static(id="tokens-view-title", classes="section-title")
                yield TokenView(id="tokens-colored")
            with Vertical(id="tokens-side"):
                yield Label(id="tokens-model-label")
                yield Select([(m, m) for m in models], value=model, allow_blank=False, id="tokens-model")
                yield Label(id="tokens-mode-label")
                yield Select([], allow_blank=True, id="tokens-mode")
                yield Static(id="tokens-stats")
        yield KeyBar(id="keys")

    @property
    def editor(self) -> TextArea:
        return self.query_one("#tokens-input", TextArea)

    @property
    def chat(self) -> bool:
        return self.query_one("#tokens-mode", Select).value == "chat"

    def on_mount(self) -> None:
        self.editor.focus()
        super().on_mount()
        self._warm_up(str(self.query_one("#tokens-model", Select).value))

    @work(thread=True, group="tokens-warm-up")
    def _warm_up(self, model: str) -> None:
        """Load the tokenizer and the price table now, not under the user's first keystrokes.

        Loading them is pure Python work that holds the GIL for about a second; done while
        the user is still reading the screen, typing never competes with it.
        """
        from doctor.tokens import TokenizerUnavailable, count_text, estimate_cost

        try:
            count_text("", model)
        except TokenizerUnavailable:
            return  # the first count says why, in the panel
        estimate_cost(model, 0)

    def relabel(self, lang: str) -> None:
        super().relabel(lang)
        self.query_one("#tokens-model-label", Label).update(ui("tui_model", lang))
        self.query_one("#tokens-mode-label", Label).update(ui("tui_tokens_mode", lang))
        mode = self.query_one("#tokens-mode", Select)
        current = mode.value if mode.value in ("text", "chat") else "text"
        with mode.prevent(Select.Changed):
            mode.set_options([(ui("tui_tokens_mode_text", lang), "text"), (ui("tui_tokens_mode_chat", lang), "chat")])
            mode.value = current
        self._draw()

    def action_toggle_mode(self) -> None:
        mode = self.query_one("#tokens-mode", Select)
        mode.value = "text" if self.chat else "chat"

    @on(TextArea.Changed, "#tokens-input")
    @on(Select.Changed)
    def _changed(self) -> None:
        if self._timer is not None:
            self._timer.stop()
        self._timer = self.set_timer(DEBOUNCE_SECONDS, self._count_now)

    def _count_now(self) -> None:
        self._generation += 1
        model = str(self.query_one("#tokens-model", Select).value)
        self._count(self._generation, self.editor.text, model, self.chat)

    @work(thread=True, exclusive=True, group="tokens")
    def _count(self, generation: int, text: str, model: str, chat: bool) -> None:
        result = measure(text, model, chat)
        self.app.call_from_thread(self._show, generation, result)

    def _show(self, generation: int, result: Measure) -> None:
        if generation == self._generation:
            self._measure = result
            self._draw()

    def _draw(self) -> None:
        lang, result = self.app.language, self._measure
        self.query_one("#tokens-editor-title", Static).update(ui("tui_tokens_editor_chat" if self.chat else "tui_tokens_editor_text", lang))
        title = ui("tui_tokens_view", lang)
        if len(result.shown) > COLOR_LIMIT:
            title += "  " + ui("tui_tokens_view_limit", lang, count=f"{COLOR_LIMIT:,}")
        self.query_one("#tokens-view-title", Static).update(title)
        self.query_one(TokenView).show(colored(result.shown[:COLOR_LIMIT], result.spans))
        self.query_one("#tokens-stats", Static).update(Content("\n").join(self._stats(result, lang)))

    def _stats(self, result: Measure, lang: str) -> list[Content]:
        from doctor.tokens import usd

        if result.problem is not None:
            label, params = result.problem
            return [Content.styled(ui(label, lang, **params), "$error")]
        if result.tokens is None:
            return [Content.styled(ui("tui_tokens_empty", lang), "$text-muted")]
        lines = [
            Content.styled(ui("tui_tokens_count", lang, count=f"{result.tokens:,}"), "bold $accent"),
            Content.styled(ui("tui_chars_count", lang, count=f"{result.chars:,}"), "$text-muted"),
            Content(""),
        ]
        cost = result.cost
        if cost.total_usd is None:
            lines.append(Content.styled(ui("tui_price_unknown", lang), "$warning"))
        else:
            lines.append(Content.assemble((ui("tui_cost", lang) + "  ", "bold"), f"${usd(cost.total_usd)}"))
            lines.append(Content.styled(ui("tui_prices_as_of", lang, date=cost.prices_as_of, source=cost.price_source), "$text-muted"))
        if cost.context_window:
            used = result.tokens / cost.context_window
            lines += [
                Content(""),
                Content.styled(ui("tui_context_window", lang), "bold"),
                meter(used, GAUGE_WIDTH, full_is_good=False),
                Content(ui("tui_context_used", lang, used=f"{result.tokens:,}", window=f"{cost.context_window:,}", percent=f"{used:.1%}")),
            ]
            if cost.fits is False:
                lines.append(Content.styled(ui("tui_context_over", lang), "bold $error"))
            lines.append(Content(""))
        lines += [Content.styled(note, "$text-muted") for note in result.notes]
        return lines
