"""The Help screen (? / F1): every key, and what each step of the checks looks at."""

from __future__ import annotations

from rich.cells import cell_len
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.content import Content
from textual.widgets import Static

from doctor.i18n import ui
from doctor.tui.screens.base import TabScreen
from doctor.tui.widgets.bars import KeyBar, TopBar
from doctor.tui.widgets.check_list import by_step, group_label

# (keys, label) per screen; the labels are in ui.toml.
KEY_TABLE = (
    ("tui_help_everywhere", (
        ("F1  ?", "tui_key_help"),
        ("F2 F3 F4", "tui_help_tabs"),
        ("Ctrl+L  l", "tui_help_language"),
        ("q  Ctrl+Q", "tui_key_quit"),
    )),
    ("tui_tab_checks", (
        ("↑ ↓", "tui_help_select"),
        ("r", "tui_key_rerun"),
        ("Enter", "tui_help_rerun_one"),
        ("e", "tui_key_settings"),
        ("s", "tui_key_save"),
        ("c", "tui_key_copy"),
    )),
    ("tui_tab_explain", (("Ctrl+V", "tui_help_paste"),)),
    ("tui_tab_tokens", (("Ctrl+T", "tui_help_mode"), ("Tab", "tui_help_focus"))),
)
KEY_CELLS = 12


class HelpScreen(TabScreen):
    """A page of help over the current tab; any of Escape, F1 or ? closes it."""

    BINDINGS = [Binding("escape", "app.pop_screen", "Close")]
    KEYS = [("Esc", "tui_close", "app.pop_screen"), ("q", "tui_key_quit", "app.quit")]

    def __init__(self) -> None:
        super().__init__(id="help-screen")

    def compose(self) -> ComposeResult:
        yield TopBar(id="top")
        with VerticalScroll(id="help"):
            yield Static(id="help-body")
        yield KeyBar(id="keys")

    def relabel(self, lang: str) -> None:
        super().relabel(lang)
        self.query_one("#help-body", Static).update(Content("\n").join(self._lines(lang)))

    def _lines(self, lang: str) -> list[Content]:
        lines = [Content.styled(ui("tui_help_keys", lang), "bold $accent underline")]
        for where, keys in KEY_TABLE:
            lines.append(Content.styled(ui(where, lang), "bold"))
            for key, label in keys:
                lines.append(Content.assemble("  ", (key, "bold $accent"), " " * (KEY_CELLS - cell_len(key)), ui(label, lang)))
        lines += [Content(""), Content.styled(ui("tui_help_checks", lang), "bold $accent underline")]
        for step, (group, probes) in enumerate(by_step(self.app.session.probes()).items(), 1):
            titles = " · ".join(p.title.get(lang) for p in probes)
            lines.append(Content.assemble((f"{step} · {group_label(group, lang)}", "bold"), ("  " + titles, "$text-muted")))
            lines.append(Content.assemble("  ", group_help(group, lang)))
        lines += [Content(""), Content.styled(ui("tui_help_states", lang), "bold $accent underline"), Content(ui("tui_help_states_text", lang))]
        return lines


def group_help(group: str, lang: str) -> str:
    try:
        return ui(f"tui_group_{group}_help", lang)
    except KeyError:
        return ""
