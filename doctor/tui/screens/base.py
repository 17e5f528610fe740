"""What every full screen shares: the tab bar on top, the key bar at the bottom, and following the language."""

from __future__ import annotations

from textual.screen import Screen

from doctor.tui.widgets.bars import KeyBar, TopBar


class TabScreen(Screen):
    """A screen under the tab bar; subclasses compose both bars and extend ``relabel``."""

    TAB = ""
    """The tab this screen belongs to (the Help screen uses the tab it was opened over)."""
    KEYS: list[tuple[str, str, str]] = []
    """The key bar: (key shown, label key in ui.toml, action)."""

    def on_mount(self) -> None:
        self.watch(self.app, "language", self.relabel)

    def on_screen_resume(self) -> None:
        self.draw_bars(self.app.language)  # the demo's scenario may have changed meanwhile

    def draw_bars(self, lang: str) -> None:
        self.query_one(TopBar).show(self.TAB or self.app.current_mode, lang, self.app.demo_scenario)
        self.query_one(KeyBar).show(self.KEYS, lang)

    def relabel(self, lang: str) -> None:
        self.draw_bars(lang)
