"""The bars around every screen: the tabs on top (with the demo banner) and the keys at the bottom."""

from __future__ import annotations

from textual.content import Content
from textual.widgets import Static

from doctor import __version__
from doctor.i18n import ui

TABS = (("checks", "f2"), ("explain", "f3"), ("tokens", "f4"))
OTHER_LANGUAGE = {"en": "zh", "zh": "en"}


def _clickable(text: str, action: str, style: str = "") -> tuple[str, str]:
    return text, f"{style} @click={action}".strip()


class TopBar(Static):
    """The app's name, one clickable tab per screen, the language switch, and the demo banner."""

    def show(self, current: str, lang: str, demo_scenario: str | None) -> None:
        parts: list[str | tuple[str, str]] = [(" openai-doctor ", "bold $text-accent"), (f"{__version__}  ", "$text-muted")]
        for name, key in TABS:
            label = f" {key.upper()} {ui(f'tui_tab_{name}', lang)} "
            style = "bold reverse $accent" if name == current else "$text"
            parts += [_clickable(label, f"app.switch_mode('{name}')", style), " "]
        parts += ["  ", _clickable(f" F1 {ui('tui_tab_help', lang)} ", "app.help")]
        other = OTHER_LANGUAGE[lang]
        parts += ["  ", _clickable(f" ^L {ui('tui_language_name', other)} ", "app.switch_language")]
        lines = [Content.assemble(*parts)]
        if demo_scenario is not None:
            banner = ui("tui_demo_banner", lang, scenario=demo_scenario)
            lines.append(Content.styled(f" {banner} ", "bold $text-warning"))
        self.update(Content("\n").join(lines))


class KeyBar(Static):
    """The keys of the current screen, each a clickable action, labelled in the current language."""

    def show(self, keys: list[tuple[str, str, str]], lang: str) -> None:
        """``keys`` are (key shown, label key in ui.toml, action)."""
        parts: list[str | tuple[str, str]] = []
        for key, label, action in keys:
            parts += [_clickable(f" {key} ", action, "bold reverse $accent"), _clickable(f" {ui(label, lang)}  ", action)]
        self.update(Content.assemble(*parts))
