"""The Explain screen: paste an error, read the diagnoses (the same engine as `openai-doctor explain`)."""

from __future__ import annotations

from typing import Any

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import Static, TextArea

from doctor.i18n import ui
from doctor.secrets import redact_text
from doctor.tui.screens.base import TabScreen
from doctor.tui.widgets.bars import KeyBar, TopBar
from doctor.tui.widgets.prose import SEVERITY_MARKS, docs_link, evidence, para, steps

DEBOUNCE_SECONDS = 0.3


def diagnosis_blocks(diagnosis: Any, number: int, lang: str) -> list[Widget]:
    """One diagnosis: title and code, confidence and whether a retry helps, message, fix, facts, docs."""
    from doctor.catalog import entry

    mark, style = SEVERITY_MARKS[entry(diagnosis.code).severity]
    about = [ui("tui_confidence", lang, value=f"{diagnosis.confidence:.0%}")]
    if diagnosis.retryable is not None:
        about.append(ui("tui_retryable" if diagnosis.retryable else "tui_not_retryable", lang))
    if diagnosis.count > 1:
        about.append(ui("tui_seen_times", lang, count=diagnosis.count))
    blocks: list[Widget] = [
        para(Content.assemble((f"{number}. {mark} ", f"bold {style}"), (diagnosis.title.get(lang), "bold"), (f"  {diagnosis.code}", style))),
        para(Content.styled(" · ".join(about), "$text-muted"), 1),
        para(diagnosis.message.get(lang), 1),
        *steps(diagnosis.fix, lang),
    ]
    if diagnosis.facts:
        blocks += [para(Content.styled(ui("tui_facts", lang), "bold"), 1), *evidence(diagnosis.facts, 2)]
    return [*blocks, docs_link(diagnosis.docs, lang).set_classes("para indent-1 gap-below")]


class ExplainScreen(TabScreen):
    """Explains whatever is in the editor a moment after the user stops typing or pastes."""

    TAB = "explain"
    KEYS = [("F1", "tui_key_help", "app.help"), ("^L", "tui_key_language", "app.switch_language"), ("^Q", "tui_key_quit", "app.quit")]

    def __init__(self) -> None:
        super().__init__(id="explain-screen")
        self._timer: Timer | None = None
        self._generation = 0
        self._result: Any = None

    def compose(self) -> ComposeResult:
        yield TopBar(id="top")
        with Horizontal(id="explain-main"):
            with Vertical(id="explain-left"):
                yield Static(id="explain-hint", classes="hint")
                yield TextArea(id="explain-input", soft_wrap=True, show_line_numbers=False)
            yield VerticalScroll(id="explain-results")
        yield KeyBar(id="keys")

    def on_mount(self) -> None:
        self.query_one("#explain-input", TextArea).focus()
        super().on_mount()

    def relabel(self, lang: str) -> None:
        super().relabel(lang)
        self.query_one("#explain-hint", Static).update(ui("tui_explain_hint", lang))
        self._draw()

    @on(TextArea.Changed, "#explain-input")
    def _changed(self, event: TextArea.Changed) -> None:
        text = event.text_area.text
        masked = redact_text(text)
        if masked != text:
            # A pasted curl command or log may hold a key: it must not stay on screen.
            event.text_area.load_text(masked)
            self.notify(ui("tui_key_masked", self.app.language))
            return
        if self._timer is not None:
            self._timer.stop()
        self._timer = self.set_timer(DEBOUNCE_SECONDS, self._explain_now)

    def _explain_now(self) -> None:
        self._generation += 1
        self._explain(self._generation, self.query_one("#explain-input", TextArea).text)

    @work(thread=True, exclusive=True, group="explain")
    def _explain(self, generation: int, text: str) -> None:
        from doctor.explain import explain

        result = explain(text) if text.strip() else None
        self.app.call_from_thread(self._show, generation, result)

    def _show(self, generation: int, result: Any) -> None:
        if generation == self._generation:
            self._result = result
            self._draw()

    def _draw(self) -> None:
        lang, result = self.app.language, self._result
        if result is None:
            blocks = [para(Content.styled(ui("tui_explain_empty", lang), "$text-muted"))]
        elif not result.diagnoses:
            blocks = [para(Content.styled(ui("tui_explain_none", lang), "$warning"))]
        else:
            blocks = [para(Content.styled(ui("tui_explain_found", lang, count=len(result.diagnoses)), "bold $accent"))]
            if result.source_library:
                blocks.append(para(Content.styled(ui("tui_source_library", lang, library=result.source_library), "$text-muted")))
            blocks[-1].add_class("gap-below")
            for number, diagnosis in enumerate(result.diagnoses, 1):
                blocks += diagnosis_blocks(diagnosis, number, lang)
        results = self.query_one("#explain-results", VerticalScroll)
        with self.app.batch_update():
            results.remove_children()
            results.mount_all(blocks)
