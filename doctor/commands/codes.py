"""`openai-doctor codes [CODE]`: list every finding code, or show one in full (like `ruff rule`)."""

from __future__ import annotations

import argparse
import sys

from doctor.exitcodes import ExitCode, UsageError

NAME = "codes"
HELP = "list the finding codes, or explain one code and its fix"
ORDER = 40


def configure(parser: argparse.ArgumentParser) -> None:
    from doctor.i18n import LANGUAGES

    parser.add_argument("code", nargs="?", help="a code such as quota.insufficient")
    parser.add_argument("--lang", choices=LANGUAGES, help="language (default: from LANG)")


def run(args: argparse.Namespace) -> int:
    from doctor.catalog import CatalogError, all_codes, entry
    from doctor.i18n import detect_language, ui

    lang = args.lang or detect_language()
    if args.code is None:
        codes = all_codes()
        width = max(map(len, codes))
        for code in codes:
            item = entry(code)
            sys.stdout.write(f"{code:<{width}}  {item.severity.value:<7}  {item.title.get(lang)}\n")
        return ExitCode.OK
    try:
        item = entry(args.code)
    except CatalogError:
        raise UsageError(f"unknown code {args.code!r}; run 'openai-doctor codes' to list them") from None
    lines = [f"{item.code}: {item.title.get(lang)}", "", item.summary.get(lang), "", f"{ui('fix', lang)}:"]
    lines += [f"  {n}. {step.get(lang)}" for n, step in enumerate(item.fix, 1)]
    lines += ["", f"{ui('docs', lang)}: {item.docs}"]
    lines += [f"  {url}" for url in item.references]
    sys.stdout.write("\n".join(lines) + "\n")
    return ExitCode.OK
