"""The Textual app: global keys, the language, and one mode per tab (Checks, Explain, Tokens)."""

from __future__ import annotations

from textual.app import App
from textual.binding import Binding
from textual.reactive import reactive
from textual.screen import ModalScreen

from doctor.tui.screens.checks import ChecksScreen
from doctor.tui.screens.explain import ExplainScreen
from doctor.tui.screens.help import HelpScreen
from doctor.tui.screens.tokens import TokensScreen
from doctor.tui.session import Session
from doctor.tui.widgets.bars import OTHER_LANGUAGE


class DoctorApp(App):
    """openai-doctor's terminal UI over a ``Session`` (the options, and the simulator in demo mode)."""

    CSS_PATH = "doctor.tcss"
    TITLE = "openai-doctor"
    ENABLE_COMMAND_PALETTE = False
    MODES = {"checks": ChecksScreen, "explain": ExplainScreen, "tokens": TokensScreen}
    DEFAULT_MODE = "checks"
    BINDINGS = [
        Binding("f1", "help", "Help", priority=True),
        Binding("question_mark", "help", "Help"),
        Binding("f2", "switch_mode('checks')", "Checks", priority=True),
        Binding("f3", "switch_mode('explain')", "Explain", priority=True),
        Binding("f4", "switch_mode('tokens')", "Tokens", priority=True),
        Binding("ctrl+l", "switch_language", "English / 中文", priority=True),
        Binding("l", "switch_language", "English / 中文"),
        Binding("q", "quit", "Quit"),
    ]

    language: reactive[str] = reactive("en")
    """The language of every label, finding and fix: "en" or "zh"."""

    def __init__(self, session: Session, *, language: str = "en", show_durations: bool = True):
        super().__init__()
        self.session = session
        self.show_durations = show_durations
        """Off in snapshot tests: durations are the one thing on screen that varies run to run."""
        self.set_reactive(DoctorApp.language, language)

    @property
    def demo_scenario(self) -> str | None:
        return self.session.demo.scenario if self.session.demo is not None else None

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # A dialog keeps the labels it opened with, so nothing may change under it.
        if isinstance(self.screen, ModalScreen) and action in ("switch_language", "help", "switch_mode"):
            return False
        return True

    def action_switch_language(self) -> None:
        self.language = OTHER_LANGUAGE[self.language]

    def action_help(self) -> None:
        if isinstance(self.screen, HelpScreen):
            self.pop_screen()
        else:
            self.push_screen(HelpScreen())

    async def action_switch_mode(self, mode: str) -> None:
        if isinstance(self.screen, HelpScreen):
            self.pop_screen()
        await super().action_switch_mode(mode)
