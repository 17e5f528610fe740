"""Installed distributions' versions, read from their dist-info folder names.

Neither the package itself (``import openai`` costs 0.6 s) nor ``importlib.metadata``
(about 15 ms of email-parsing imports) is loaded: the offline check reads three versions
and must start fast. A dist-info folder without a version in its name falls back to
``importlib.metadata``.
"""

from __future__ import annotations

import functools
import os
import re
import sys


def _normalize(name: str) -> str:
    return re.sub(r"[-_.]+", "_", name).lower()


@functools.cache
def _folder(entry: str) -> tuple[str, ...]:
    try:
        return tuple(name for name in os.listdir(entry or ".") if name.endswith((".dist-info", ".egg-info")))
    except OSError:
        return ()


def installed_version(distribution: str) -> str | None:
    """The version of ``distribution`` that ``import`` would find first on sys.path, or None."""
    wanted = _normalize(distribution)
    for entry in sys.path:
        for name in _folder(entry):
            dist, _, version = name.rsplit(".", 1)[0].partition("-")
            if _normalize(dist) != wanted:
                continue
            if version:
                return version
            from importlib import metadata

            try:
                return metadata.version(distribution)
            except metadata.PackageNotFoundError:
                return None
    return None
