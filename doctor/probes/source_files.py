"""The one walk over a project's text files, shared by the source scans (hard-coded keys, old SDK calls).

The walk is bounded: it skips tool and dependency folders, binary and large files, and
stops after a file count or a time budget, saying so, so a doctor run from a home folder
still finishes in seconds.
"""

from __future__ import annotations

import os
import re
import time
from pathlib import Path
from typing import Iterable, Iterator, NamedTuple

MAX_FILES = 5000
MAX_SECONDS = 2.0
MAX_LISTED = 10  # findings listed per scan; the rest are summed up in one more finding
MAX_FILE_BYTES = 1024 * 1024
BINARY_SNIFF_BYTES = 8192

SKIPPED_DIRS = frozenset(
    ".git .hg .svn node_modules __pycache__ site-packages venv .venv build dist .tox .nox .eggs"
    " .mypy_cache .pytest_cache .ruff_cache .ipynb_checkpoints".split()
)
BINARY_SUFFIXES = frozenset(
    ".png .jpg .jpeg .gif .webp .ico .pdf .zip .gz .tgz .bz2 .xz .tar .whl .so .dll .dylib .exe .pyc .bin"
    " .pt .onnx .mp3 .mp4 .wav .woff .woff2 .ttf .sqlite .db .parquet .npy .pkl".split()
)
# Templates (.env.example, .env.sample…) are scanned: they are meant to be committed.
DOTENV_NAME = re.compile(r"^\.env(\.(local|development|production|test|dev|prod|staging))*$")


class SourceFile(NamedTuple):
    relative: str  # to the walk's root, with forward slashes
    text: str

    def matches(self, pattern: re.Pattern[str]) -> Iterator[tuple[int, re.Match[str]]]:
        """Every match of ``pattern`` in the file with its 1-based line number."""
        line, scanned_to = 1, 0
        for match in pattern.finditer(self.text):
            line += self.text.count("\n", scanned_to, match.start())
            scanned_to = match.start()
            yield line, match


def file_list(files: Iterable[str], shown: int = 5) -> str:
    """``a.py, b.py, c.py …``: the sorted names of some files, the first few of them."""
    names = sorted(set(files))
    return ", ".join(names[:shown]) + (" …" if len(names) > shown else "")


def _skipped_dir(folder: str, name: str) -> bool:
    if name in SKIPPED_DIRS or name.endswith(".egg-info"):
        return True
    return os.path.isfile(os.path.join(folder, name, "pyvenv.cfg"))  # a virtualenv of any name


class SourceWalk:
    """The text files under ``root`` that contain ``needle``, within a file and time budget.

    ``suffixes`` limits the walk to those file types (default: every text file except .env
    files); ``exclude`` names files to leave out. Iterate over it for ``SourceFile``s;
    afterwards ``evidence()`` says how much was read and whether the walk stopped early.
    """

    def __init__(
        self,
        root: Path,
        *,
        needle: bytes,
        suffixes: frozenset[str] | None = None,
        exclude: frozenset[Path] = frozenset(),
        max_files: int = MAX_FILES,
        max_seconds: float = MAX_SECONDS,
    ):
        self.root = root
        self.needle = needle
        self.suffixes = suffixes
        self.exclude = {str(path.resolve()) for path in exclude}
        self.max_files = max_files
        self.max_seconds = max_seconds
        self.files_seen = 0
        self.too_large = 0
        self.unreadable = 0
        self.stopped: str | None = None  # "files" or "time"

    def _wanted(self, name: str) -> bool:
        suffix = os.path.splitext(name)[1].lower()
        if self.suffixes is not None:
            return suffix in self.suffixes
        return suffix not in BINARY_SUFFIXES and not DOTENV_NAME.match(name)

    def _read(self, path: str) -> bytes | None:
        try:
            if os.path.islink(path) or not os.path.isfile(path):
                return None
            if os.path.getsize(path) > MAX_FILE_BYTES:
                self.too_large += 1
                return None
            with open(path, "rb") as handle:
                raw = handle.read()
        except OSError:
            self.unreadable += 1
            return None
        if b"\x00" in raw[:BINARY_SNIFF_BYTES]:
            return None
        return raw

    def _out_of_time(self, deadline: float) -> bool:
        if time.monotonic() > deadline:
            self.stopped = "time"
        return self.stopped is not None

    def __iter__(self) -> Iterator[SourceFile]:
        deadline = time.monotonic() + self.max_seconds
        for folder, dirs, files in os.walk(self.root, onerror=lambda error: None):
            if self._out_of_time(deadline):  # per folder too: a tree of empty folders can be huge
                return
            dirs[:] = sorted(d for d in dirs if not _skipped_dir(folder, d))
            for name in sorted(files):
                if not self._wanted(name):
                    continue
                if self.files_seen >= self.max_files:
                    self.stopped = "files"
                    return
                if self._out_of_time(deadline):
                    return
                self.files_seen += 1
                path = os.path.join(folder, name)
                if path in self.exclude:
                    continue
                raw = self._read(path)
                if raw is None or self.needle not in raw:
                    continue
                relative = os.path.relpath(path, self.root).replace(os.sep, "/")
                yield SourceFile(relative, raw.decode("utf-8", errors="replace"))

    def evidence(self) -> dict[str, object]:
        out: dict[str, object] = {"folder": str(self.root), "files_scanned": self.files_seen}
        if self.too_large:
            out["skipped_over_1mb"] = self.too_large
        if self.unreadable:
            out["unreadable"] = self.unreadable
        if self.stopped:
            limit = f"{self.max_files} files" if self.stopped == "files" else f"{self.max_seconds:g} s"
            out["partial"] = f"stopped after {limit}: later files were not scanned"
        return out
