"""Which value of each setting the user's own app would end up with, and where it came from.

Precedence follows the openai SDK (explicit argument > environment > default) and
python-dotenv (``load_dotenv()`` never overrides a variable the shell already set, and
``find_dotenv()`` walks up from the working directory). So: flag > process environment >
``.env`` > default. The model is the quick start's: the app calls ``load_dotenv()`` and
then ``OpenAI()`` with no arguments.
"""

from __future__ import annotations

import enum
import io
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping, NamedTuple

from doctor.secrets import display_url, mask_key, register_secret

DEFAULT_BASE_URL = "https://api.openai.com/v1"
DEFAULT_MODEL = "gpt-4o-mini"
DOTENV_MAX_BYTES = 2 * 1024 * 1024


class SourceKind(str, enum.Enum):
    FLAG = "flag"
    ENV = "env"
    DOTENV = "dotenv"
    DEFAULT = "default"
    UNSET = "unset"


@dataclass(frozen=True)
class Value:
    """One resolved setting: the value and where it came from."""

    name: str
    value: str | None
    kind: SourceKind
    variable: str | None = None
    file: str | None = None
    line: int | None = None
    secret: bool = False

    @property
    def is_set(self) -> bool:
        return self.value is not None

    @property
    def shown(self) -> str | None:
        """The value as it may be printed: keys masked."""
        if self.value is None:
            return None
        return mask_key(self.value) if self.secret else display_url(self.value)

    @property
    def source(self) -> str:
        """Where the value came from, in words: ``env OPENAI_API_KEY``, ``.env /app/.env:3``…"""
        if self.kind is SourceKind.FLAG:
            return f"flag {self.variable}"
        if self.kind is SourceKind.ENV:
            return f"env {self.variable}"
        if self.kind is SourceKind.DOTENV:
            return f".env {self.file}:{self.line} ({self.variable})"
        return self.kind.value


class DotenvBinding(NamedTuple):
    key: str | None
    value: str | None
    line: int
    error: bool
    original: str


@dataclass(frozen=True)
class DotenvFile:
    """A ``.env`` file as python-dotenv reads it, or the reason it could not be read."""

    path: Path
    bindings: tuple[DotenvBinding, ...] = ()
    problem: str | None = None  # "unreadable", "binary", "not_utf8", "too_large"
    detail: str = ""

    def values(self) -> dict[str, DotenvBinding]:
        """Last binding wins per key, as in python-dotenv."""
        return {b.key: b for b in self.bindings if b.key is not None and not b.error}


def read_dotenv(path: Path) -> DotenvFile:
    """Parse ``path`` with python-dotenv's own parser, keeping line numbers and errors."""
    from dotenv import parser

    try:
        info = path.stat()
        if not stat.S_ISREG(info.st_mode):  # a FIFO or device would block python-dotenv's read forever
            return DotenvFile(path, problem="unreadable", detail="not a regular file")
        size = info.st_size
        if size > DOTENV_MAX_BYTES:
            return DotenvFile(path, problem="too_large", detail=f"{size} bytes")
        raw = path.read_bytes()
    except OSError as exc:
        return DotenvFile(path, problem="unreadable", detail=exc.strerror or str(exc))
    if b"\x00" in raw:
        return DotenvFile(path, problem="binary")
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return DotenvFile(path, problem="not_utf8", detail=f"byte {exc.start}")
    # newline=None: the same universal-newline reading as load_dotenv's open(), so CRLF works.
    stream = io.TextIOWrapper(io.BytesIO(raw), encoding="utf-8", newline=None)
    bindings = tuple(
        DotenvBinding(b.key, b.value, _first_line(b.original.string, b.original.line), b.error, b.original.string)
        for b in parser.parse_stream(stream)
    )
    return DotenvFile(path, bindings)


def _first_line(original: str, line: int) -> int:
    """python-dotenv counts the blank lines before a binding as part of it; skip them."""
    blank = original[: len(original) - len(original.lstrip())]
    return line + blank.count("\n")


def find_dotenv(start: Path) -> Path | None:
    """The ``.env`` that ``find_dotenv(usecwd=True)`` would pick when run from ``start``."""
    for folder in (start, *start.parents):
        candidate = folder / ".env"
        if candidate.is_file():
            return candidate
    return None


class SettingSpec(NamedTuple):
    name: str
    variables: tuple[str, ...]  # earlier names win
    default: str | None = None
    secret: bool = False
    flag: str | None = None


SPECS = (
    SettingSpec("api_key", ("OPENAI_API_KEY",), secret=True),
    SettingSpec("admin_key", ("OPENAI_ADMIN_KEY",), secret=True),
    SettingSpec("base_url", ("OPENAI_BASE_URL",), DEFAULT_BASE_URL, flag="--base-url"),
    SettingSpec("organization", ("OPENAI_ORG_ID",)),
    SettingSpec("project", ("OPENAI_PROJECT_ID",)),
    SettingSpec("model", (), DEFAULT_MODEL, flag="--model"),
    # httpx/httpx2 take lowercase proxy variables over uppercase ones (urllib's rule).
    SettingSpec("https_proxy", ("https_proxy", "HTTPS_PROXY")),
    SettingSpec("http_proxy", ("http_proxy", "HTTP_PROXY")),
    SettingSpec("all_proxy", ("all_proxy", "ALL_PROXY")),
    SettingSpec("no_proxy", ("no_proxy", "NO_PROXY")),
    SettingSpec("ssl_cert_file", ("SSL_CERT_FILE",)),
    SettingSpec("ssl_cert_dir", ("SSL_CERT_DIR",)),
    SettingSpec("requests_ca_bundle", ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE")),
)


@dataclass(frozen=True)
class Settings:
    """Every resolved setting plus the inputs it was resolved from (for the config probes)."""

    values: Mapping[str, Value]
    environ: Mapping[str, str]
    dotenv: DotenvFile | None
    project_dir: Path
    flags: Mapping[str, str] = field(default_factory=dict)

    def __getitem__(self, name: str) -> Value:
        return self.values[name]

    def get(self, name: str) -> str | None:
        return self.values[name].value

    def merged_env(self) -> dict[str, str]:
        """The environment the user's app sees after ``load_dotenv()``: the shell wins."""
        merged = {k: b.value or "" for k, b in (self.dotenv.values() if self.dotenv else {}).items()}
        merged.update(self.environ)
        return merged

    def as_report(self) -> dict[str, dict[str, str | None]]:
        return {name: {"value": v.shown, "source": v.source} for name, v in self.values.items()}


def _resolve(spec: SettingSpec, flags: Mapping[str, str], environ: Mapping[str, str], dotenv: DotenvFile | None) -> Value:
    if spec.flag and flags.get(spec.name) is not None:
        return Value(spec.name, flags[spec.name], SourceKind.FLAG, spec.flag, secret=spec.secret)
    for var in spec.variables:
        if var in environ:
            return Value(spec.name, environ[var], SourceKind.ENV, var, secret=spec.secret)
    file_values = dotenv.values() if dotenv else {}
    for var in spec.variables:
        if var in file_values:
            b = file_values[var]
            return Value(spec.name, b.value or "", SourceKind.DOTENV, var, str(dotenv.path), b.line, spec.secret)
    if spec.default is not None:
        return Value(spec.name, spec.default, SourceKind.DEFAULT, secret=spec.secret)
    return Value(spec.name, None, SourceKind.UNSET, secret=spec.secret)


class EnvFileError(Exception):
    """An ``--env-file`` that was asked for explicitly does not exist."""


def resolve(
    *,
    flags: Mapping[str, str | None] | None = None,
    environ: Mapping[str, str] | None = None,
    project_dir: Path | None = None,
    env_file: Path | None = None,
) -> Settings:
    """Resolve every setting. ``environ`` defaults to the process environment."""
    env = dict(os.environ if environ is None else environ)
    folder = (project_dir or Path.cwd()).resolve()
    if env_file is not None:
        if not env_file.exists():
            raise EnvFileError(f"--env-file {env_file}: no such file")
        dotenv = read_dotenv(env_file)
    else:
        found = find_dotenv(folder)
        dotenv = read_dotenv(found) if found else None
    given = {k: v for k, v in (flags or {}).items() if v is not None}
    values = {spec.name: _resolve(spec, given, env, dotenv) for spec in SPECS}
    for spec in SPECS:
        if spec.secret:
            register_secret(values[spec.name].value)
    if dotenv:
        for b in dotenv.bindings:
            if b.key and "KEY" in b.key.upper():
                register_secret(b.value)
    return Settings(values, env, dotenv, folder, given)
