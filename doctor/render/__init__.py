"""Renderers turn a Report into text for people or machines; each is imported only when used."""

from __future__ import annotations

import importlib

from doctor.findings import Report
from doctor.secrets import redact_text

FORMATS = ("text", "json", "junit", "github", "markdown")


def render(fmt: str, report: Report, *, lang: str = "en", verbose: bool = False, color: bool = False) -> str:
    """Render ``report`` in ``fmt``; every renderer has this same signature.

    The whole text passes through ``redact_text`` once more at this border, so a key that
    slipped into some message or evidence unmasked is still never printed.
    """
    module = importlib.import_module(f"doctor.render.{fmt}_format")
    return redact_text(module.render(report, lang=lang, verbose=verbose, color=color))
