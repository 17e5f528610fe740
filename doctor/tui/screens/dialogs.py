"""Modal dialogs of the Checks screen: the settings panel and saving the report (never overwriting silently)."""

from __future__ import annotations

from pathlib import Path

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Select, Static, Switch

from doctor.i18n import ui
from doctor.tui.session import Session, scenarios

DEFAULT_REPORT_NAME = "openai-doctor-report.md"


class SettingsScreen(ModalScreen[bool]):
    """Change the base URL, model, env file and offline mode (and the demo's scenario); True when applied."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, session: Session):
        super().__init__(id="settings-dialog")
        self.session = session

    def compose(self) -> ComposeResult:
        lang, options = self.app.language, self.session.options
        with Vertical(classes="dialog"):
            yield Static(ui("tui_settings_title", lang), classes="dialog-title")
            with Grid(classes="form"):
                yield Label("Base URL")
                yield Input(options.base_url or "", placeholder=ui("tui_base_url_hint", lang), id="base-url")
                yield Label(ui("tui_model", lang))
                yield Input(options.model or "", placeholder=ui("tui_model_hint", lang), id="model")
                yield Label(ui("tui_env_file", lang))
                yield Input(str(options.env_file or ""), placeholder=ui("tui_env_file_hint", lang), id="env-file")
                yield Label(ui("tui_offline", lang))
                with Horizontal(classes="switch-row"):
                    yield Switch(options.offline, id="offline")
                    yield Static(ui("tui_offline_hint", lang), classes="hint")
                if self.session.demo is not None:
                    yield Label(ui("tui_scenario", lang))
                    yield Select(
                        [(name, name) for name in scenarios()],
                        value=self.session.demo.scenario,
                        allow_blank=False,
                        id="scenario",
                    )
            yield Static("", id="settings-error", classes="error")
            with Horizontal(classes="buttons"):
                yield Button(ui("tui_apply", lang), variant="primary", id="apply")
                yield Button(ui("tui_cancel", lang), id="cancel")

    def on_mount(self) -> None:
        self.query_one("#base-url", Input).focus()

    def _problem(self, base_url: str, env_file: str) -> str | None:
        lang = self.app.language
        if base_url and not base_url.startswith(("http://", "https://")):
            return ui("tui_bad_base_url", lang, value=base_url)
        if env_file and not Path(env_file).expanduser().is_file():
            return ui("tui_bad_env_file", lang, value=env_file)
        return None

    @on(Button.Pressed, "#apply")
    @on(Input.Submitted)
    def apply(self) -> None:
        base_url = self.query_one("#base-url", Input).value.strip()
        model = self.query_one("#model", Input).value.strip()
        env_file = self.query_one("#env-file", Input).value.strip()
        if problem := self._problem(base_url, env_file):
            self.query_one("#settings-error", Static).update(problem)
            return
        self.session.update(
            base_url=base_url or None,
            model=model or None,
            env_file=Path(env_file).expanduser() if env_file else None,
            offline=self.query_one("#offline", Switch).value,
        )
        if self.session.demo is not None:
            self.session.demo.switch(str(self.query_one("#scenario", Select).value))
        self.dismiss(True)

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(False)


class SaveReportScreen(ModalScreen["Path | None"]):
    """Ask where to save the Markdown report; an existing file is replaced only after a second, explicit yes."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, text: str):
        super().__init__(id="save-dialog")
        self.text = text
        self._overwrite: Path | None = None
        """The existing file the user agreed to replace (only that one)."""

    def compose(self) -> ComposeResult:
        lang = self.app.language
        with Vertical(classes="dialog"):
            yield Static(ui("tui_save_title", lang), classes="dialog-title")
            yield Static(ui("tui_save_hint", lang), classes="hint")
            yield Input(DEFAULT_REPORT_NAME, id="path")
            yield Static("", id="save-message", classes="error")
            with Horizontal(classes="buttons"):
                yield Button(ui("tui_save", lang), variant="primary", id="save")
                yield Button(ui("tui_cancel", lang), id="cancel")

    def on_mount(self) -> None:
        self.query_one("#path", Input).focus()

    @on(Input.Changed)
    def _path_changed(self) -> None:
        self._overwrite = None
        self.query_one("#save", Button).label = ui("tui_save", self.app.language)
        self.query_one("#save-message", Static).update("")

    @on(Button.Pressed, "#save")
    @on(Input.Submitted)
    def save(self) -> None:
        lang = self.app.language
        message = self.query_one("#save-message", Static)
        typed = self.query_one("#path", Input).value.strip()
        if not typed:
            return
        path = Path(typed).expanduser().absolute()
        if path.is_dir():
            message.update(ui("tui_save_is_folder", lang, path=str(path)))
            return
        try:
            with path.open("w" if path == self._overwrite else "x", encoding="utf-8") as out:
                out.write(self.text)
        except FileExistsError:
            self._overwrite = path
            message.update(ui("tui_save_exists", lang, path=typed))
            self.query_one("#save", Button).label = ui("tui_overwrite", lang)
            return
        except OSError as exc:
            message.update(ui("tui_save_failed", lang, error=exc.strerror or str(exc)))
            return
        self.app.notify(ui("tui_saved", lang, path=str(path)))
        self.dismiss(path)

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
