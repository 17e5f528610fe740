"""TUI fixtures: an app over a controlled session, and helpers to wait for the checks and read the screen."""

from __future__ import annotations

import asyncio
import io
from pathlib import Path

import pytest

from doctor.tui.session import CheckOptions, Session

SIZE = (120, 36)


@pytest.fixture
def project(tmp_path, clean_env) -> Path:
    """An empty project folder as the working directory, with no OpenAI variable in the environment."""
    folder = tmp_path / "project"
    folder.mkdir()
    clean_env.chdir(folder)
    return folder


@pytest.fixture
def make_app(project):
    """Build a DoctorApp over a session; sessions (and their simulators) are closed after the test."""
    from doctor.tui.app import DoctorApp

    sessions: list[Session] = []

    def build(*, demo: str | None = None, language: str = "en", show_durations: bool = False, **options) -> DoctorApp:
        options.setdefault("project_dir", project)
        session = Session(CheckOptions(**options), demo=demo)
        sessions.append(session)
        return DoctorApp(session, language=language, show_durations=show_durations)

    yield build
    for session in sessions:
        session.close()


async def wait_for_checks(pilot, timeout: float = 20.0) -> None:
    """Wait until every row of the Checks screen has a result (the probes run in a thread)."""
    screen = checks_screen(pilot.app)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    await pilot.pause()
    while screen.check_list.busy:
        if loop.time() > deadline:
            raise AssertionError("the checks did not finish in time")
        await pilot.pause(0.05)
    await pilot.pause()


def checks_screen(app):
    from doctor.tui.screens.checks import ChecksScreen

    return next(s for s in app.screen_stack if isinstance(s, ChecksScreen))


async def wait_until(pilot, condition, timeout: float = 10.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        if loop.time() > deadline:
            raise AssertionError("condition not met in time")
        await pilot.pause(0.05)
    await pilot.pause()


def screen_text(app) -> str:
    """Everything painted on the terminal right now, as plain text (what a screenshot shows)."""
    from rich.console import Console

    width, height = app.size
    console = Console(width=width, height=height, file=io.StringIO(), force_terminal=True, record=True, legacy_windows=False)
    console.print(app.screen._compositor.render_update(full=True, screen_stack=app._background_screens))
    return console.export_text()


def _cells(line: str, start: int, end: int) -> str:
    """The characters of ``line`` between terminal columns ``start`` and ``end`` (CJK counts double)."""
    from rich.cells import cell_len

    out, column = [], 0
    for char in line:
        if start <= column < end:
            out.append(char)
        column += cell_len(char)
    return "".join(out)


def pane_text(app, selector: str) -> str:
    """The words painted inside one widget, wrapped lines joined: what a reader of that pane sees."""
    region = app.screen.query_one(selector).content_region
    lines = screen_text(app).splitlines()[region.y : region.bottom]
    return " ".join(" ".join(_cells(line, region.x, region.right) for line in lines).split())
