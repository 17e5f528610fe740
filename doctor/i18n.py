"""Interface language: detection from the locale, and the doctor's own labels in en and zh.

Finding texts live in the catalog; this module holds only the words around them
(headings, status words, summary lines), kept as data in ``catalog/ui.toml``.
"""

from __future__ import annotations

import functools
import os
import tomllib
from pathlib import Path
from typing import Any, Mapping

LANGUAGES = ("en", "zh")


def detect_language(environ: Mapping[str, str] | None = None) -> str:
    """zh when the locale asks for Chinese (LC_ALL, LC_MESSAGES, LANG, LANGUAGE), else en."""
    env = os.environ if environ is None else environ
    for var in ("LC_ALL", "LC_MESSAGES", "LANG", "LANGUAGE"):
        value = env.get(var, "")
        if value:
            return "zh" if value.lower().startswith("zh") else "en"
    return "en"


@functools.cache
def _labels() -> dict[str, dict[str, str]]:
    raw = (Path(__file__).parent / "catalog" / "ui.toml").read_text(encoding="utf-8")
    return tomllib.loads(raw)


def ui(key: str, lang: str, **params: Any) -> str:
    """The interface label ``key`` in ``lang``, with ``{placeholders}`` filled in."""
    label = _labels()[key]
    return label.get(lang, label["en"]).format(**params)
