"""`openai-doctor check`: run the probes and report, for people (text) or CI (json, junit, github)."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from doctor.exitcodes import UsageError

NAME = "check"
HELP = "check the key, environment, SDK, network, auth, quota, rate limits and model access"
ORDER = 10


def positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not value > 0:
        raise argparse.ArgumentTypeError("must be greater than 0")
    return value


def add_common_options(parser: argparse.ArgumentParser) -> None:
    """Options shared by every command that resolves settings (check, the TUI)."""
    from doctor.i18n import LANGUAGES

    parser.add_argument("--base-url", help="API base URL (default: OPENAI_BASE_URL or https://api.openai.com/v1)")
    parser.add_argument("--model", help="model to check access to and count for (default: gpt-4o-mini)")
    parser.add_argument("--env-file", type=Path, help="the .env file your app loads (default: the nearest .env upwards)")
    parser.add_argument("--project-dir", type=Path, help="your project's folder, scanned for keys and old SDK calls (default: .)")
    parser.add_argument("--lang", choices=LANGUAGES, help="language of messages and fixes (default: from LANG)")


def configure(parser: argparse.ArgumentParser) -> None:
    from doctor.render import FORMATS

    add_common_options(parser)
    parser.add_argument("--offline", action="store_true", help="only local checks: no network, nothing sent")
    parser.add_argument("--spend", action="store_true", help="also send one tiny billed chat completion (off by default)")
    parser.add_argument("--format", choices=FORMATS, default="text", help="report format (default: text)")
    parser.add_argument("--json", dest="format", action="store_const", const="json", help="same as --format json")
    parser.add_argument("--output", "-o", type=Path, help="write the report to this file instead of stdout")
    parser.add_argument("--timeout", type=positive_float, default=10.0, help="seconds for the whole run (default: 10)")
    parser.add_argument("--fail-level", choices=("error", "warning"), default="error", help="lowest severity that makes the exit code 1")
    parser.add_argument("--ignore", action="append", default=[], metavar="CODE", help="drop findings with this code (repeatable)")
    parser.add_argument("-v", "--verbose", action="store_true", help="show timings and evidence")


def build_report(args: argparse.Namespace, on_event=None):
    """Resolve settings, run the probes and build the Report (shared with the TUI)."""
    from doctor.catalog import CatalogError, entry
    from doctor.findings import Report, Severity
    from doctor.probes import load_probes
    from doctor.runner import Context, run_probes
    from doctor.settings import EnvFileError, resolve

    for code in args.ignore:
        try:
            entry(code)
        except CatalogError:
            raise UsageError(f"--ignore {code}: unknown finding code (see: openai-doctor codes)") from None
    project_dir = args.project_dir or Path.cwd()
    if not project_dir.is_dir():
        raise UsageError(f"--project-dir {project_dir}: not a folder")
    if args.env_file is not None and args.env_file.is_dir():
        raise UsageError(f"--env-file {args.env_file}: is a folder, not a file")
    try:
        settings = resolve(
            flags={"base_url": args.base_url, "model": args.model},
            project_dir=project_dir,
            env_file=args.env_file,
        )
    except EnvFileError as exc:
        raise UsageError(str(exc)) from None
    ctx = Context(settings=settings, offline=args.offline, timeout=args.timeout, spend=args.spend)
    results = run_probes(load_probes(offline=args.offline), ctx, on_event)
    return Report.build(
        results,
        settings.as_report(),
        fail_level=Severity(args.fail_level),
        ignore=frozenset(args.ignore),
        offline=args.offline,
        spent=args.spend,
    )


def run(args: argparse.Namespace) -> int:
    from doctor.i18n import detect_language
    from doctor.render import render

    report = build_report(args)
    lang = args.lang or detect_language()
    to_terminal = args.output is None and sys.stdout.isatty()
    color = args.format == "text" and to_terminal and not os.environ.get("NO_COLOR")  # no-color.org: set and non-empty
    text = render(args.format, report, lang=lang, verbose=args.verbose, color=color)
    if args.output is not None:
        try:
            args.output.write_text(text, encoding="utf-8")
        except OSError as exc:
            raise UsageError(f"--output {args.output}: {exc.strerror or exc}") from None
    else:
        sys.stdout.write(text)
    if args.format == "github":
        from doctor.render.github_format import write_step_summary

        write_step_summary(report, lang=lang, verbose=args.verbose)
    return report.exit_code
