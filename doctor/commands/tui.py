"""`openai-doctor tui`: the terminal UI (also what `openai-doctor` opens on a terminal, and `--demo`)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from doctor.exitcodes import ExitCode, UsageError

NAME = "tui"
HELP = "open the terminal UI: checks, error explanations, token counts (--demo: against the built-in simulator)"
ORDER = 5


def configure(parser: argparse.ArgumentParser) -> None:
    from doctor.commands.check import positive_float, add_common_options

    add_common_options(parser)
    parser.add_argument("--offline", action="store_true", help="only local checks: no network, nothing sent")
    parser.add_argument("--timeout", type=positive_float, default=10.0, help="seconds for a whole run of the checks (default: 10)")
    parser.add_argument("--demo", nargs="?", const="ok", metavar="SCENARIO", help="run against the built-in simulator (default scenario: ok)")


def run(args: argparse.Namespace) -> int:
    return launch(
        demo=args.demo,
        base_url=args.base_url,
        model=args.model,
        env_file=args.env_file,
        project_dir=args.project_dir,
        lang=args.lang,
        offline=args.offline,
        timeout=args.timeout,
    )


def _check_options(demo: str | None, env_file: Path | None, project_dir: Path | None) -> None:
    """Refuse bad input with a one-line message before the screen is taken over."""
    if demo is not None:
        from doctor.tui.session import scenarios

        if demo not in scenarios():
            raise UsageError(f"--demo {demo}: unknown scenario (one of: {', '.join(scenarios())})")
    if env_file is not None and not env_file.is_file():
        raise UsageError(f"--env-file {env_file}: no such file")
    if project_dir is not None and not project_dir.is_dir():
        raise UsageError(f"--project-dir {project_dir}: not a folder")


def launch(demo: str | None = None, *, lang: str | None = None, **options: Any) -> int:
    """Open the TUI (against the simulator when ``demo`` names a scenario); return the exit code."""
    from doctor.i18n import detect_language
    from doctor.tui.session import CheckOptions, Session

    given = {name: value for name, value in options.items() if value is not None}
    _check_options(demo, given.get("env_file"), given.get("project_dir"))
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        raise UsageError("the terminal UI needs an interactive terminal (for scripts and CI: openai-doctor check)")
    session = Session(CheckOptions(**given), demo=demo)
    try:
        from doctor.tui.app import DoctorApp

        DoctorApp(session, language=lang or detect_language()).run()
    finally:
        session.close()
    return ExitCode.OK
