"""Command-line entry point: parses arguments and dispatches to ``doctor/commands/<name>.py``.

stdout is data (the report), stderr is diagnostics (one ``openai-doctor: error: …`` line).
Command modules import nothing heavy at module level, so building the parser is cheap and
each command pays only for what it uses: ``check --offline`` never imports openai or textual.
"""

from __future__ import annotations

import argparse
import importlib
import os
import pkgutil
import sys
from typing import Sequence

from doctor import __version__
from doctor.exitcodes import ExitCode, UsageError

PROG = "openai-doctor"


def _command_modules():
    import doctor.commands as package

    modules = [importlib.import_module(f"doctor.commands.{m.name}") for m in pkgutil.iter_modules(package.__path__)]
    return sorted(modules, key=lambda m: m.ORDER)


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # argparse prints usage; we keep one plain line and exit 2
        raise UsageError(message)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog=PROG,
        description="Check an OpenAI API setup, explain OpenAI errors, count tokens and cost.",
    )
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    parser.add_argument(
        "--demo",
        nargs="?",
        const="ok",
        metavar="SCENARIO",
        help="open the terminal UI against the built-in simulator (no key or network needed)",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for module in _command_modules():
        command = sub.add_parser(module.NAME, help=module.HELP, description=module.HELP)
        module.configure(command)
        command.set_defaults(run=module.run)
    return parser


def _wants_tui(environ=os.environ) -> bool:
    """No command: the TUI on an interactive terminal, a plain check in CI or a pipe."""
    return sys.stdin.isatty() and sys.stdout.isatty() and not environ.get("CI")


def error(message: str) -> None:
    from doctor.secrets import redact_text

    print(f"{PROG}: error: {redact_text(message)}", file=sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    try:
        parser = build_parser()
        args = parser.parse_args(args_list)
        if args.command is None:
            if args.demo is not None or _wants_tui():
                from doctor.commands import tui

                return tui.launch(demo=args.demo)
            args = parser.parse_args(["check", *args_list])
        return int(args.run(args))
    except UsageError as exc:
        error(str(exc))
        return ExitCode.USAGE
    except KeyboardInterrupt:
        return ExitCode.INTERRUPTED
    except BrokenPipeError:
        return ExitCode.OK
    except Exception as exc:  # noqa: BLE001 - the last line of defence: never a bare traceback
        error(f"internal error: {type(exc).__name__}: {exc}")
        if os.environ.get("OPENAI_DOCTOR_DEBUG"):
            raise
        print(f"{PROG}: set OPENAI_DOCTOR_DEBUG=1 for the traceback, and please report it.", file=sys.stderr)
        return ExitCode.INTERNAL
