"""Which encoding a model uses, where tiktoken caches it, and loading it without ever hanging.

tiktoken downloads an encoding file on first use with ``requests.get`` and no timeout, so an
offline or black-holed machine waits forever. Here the file is looked up in tiktoken's own
cache first (same folder rules, same file name: the SHA-1 of the download URL) and, when it
is missing, fetched with a deadline, verified against tiktoken's SHA-256 and written where
tiktoken will find it. Only then is ``tiktoken.get_encoding`` called, so it never downloads.
"""

from __future__ import annotations

import ast
import functools
import hashlib
import importlib.util
import os
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Mapping, NamedTuple

OFFICIAL_SOURCE = "https://openaipublic.blob.core.windows.net/"
# Where downloads come from; tests point it at a loopback server. The cache file name is
# always derived from the official URL, because that is the name tiktoken looks for.
download_source = OFFICIAL_SOURCE

# Current OpenAI models use o200k_base; an unknown model name is counted with it.
FALLBACK_ENCODING = "o200k_base"
LOAD_TIMEOUT = 20.0
PREFETCH_TIMEOUT = 120.0


class EncodingFile(NamedTuple):
    """One file tiktoken downloads, with the SHA-256 tiktoken verifies it against."""

    label: str
    path: str
    sha256: str

    @property
    def official_url(self) -> str:
        return OFFICIAL_SOURCE + self.path

    @property
    def cache_name(self) -> str:
        return hashlib.sha1(self.official_url.encode()).hexdigest()


# URLs and hashes as in tiktoken_ext/openai_public.py (a test keeps them in step).
FILES = {
    f.label: f
    for f in (
        EncodingFile("r50k_base", "encodings/r50k_base.tiktoken", "306cd27f03c1a714eca7108e03d66b7dc042abe8c258b44c199a7ed9838dd930"),
        EncodingFile("p50k_base", "encodings/p50k_base.tiktoken", "94b5ca7dff4d00767bc256fdd1b27e5b17361d7b8a5f968547f9f23eb70d2069"),
        EncodingFile("cl100k_base", "encodings/cl100k_base.tiktoken", "223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7"),
        EncodingFile("o200k_base", "encodings/o200k_base.tiktoken", "446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d"),
        EncodingFile("gpt2 vocab.bpe", "gpt-2/encodings/main/vocab.bpe", "1ce1664773c50f3e0cc8842619a93edc4624525b728b188a9e0be33b7726adc5"),
        EncodingFile("gpt2 encoder.json", "gpt-2/encodings/main/encoder.json", "196139668be63f3b5d6574427317ae82f612a97c5d1cdaf36ed2256dbf636783"),
    )
}

ENCODING_FILES: dict[str, tuple[EncodingFile, ...]] = {
    "r50k_base": (FILES["r50k_base"],),
    "p50k_base": (FILES["p50k_base"],),
    "p50k_edit": (FILES["p50k_base"],),
    "cl100k_base": (FILES["cl100k_base"],),
    "o200k_base": (FILES["o200k_base"],),
    "o200k_harmony": (FILES["o200k_base"],),
    "gpt2": (FILES["gpt2 vocab.bpe"], FILES["gpt2 encoder.json"]),
}

# What `--prefetch` fetches: every encoding of OpenAI's API models, old and new.
PREFETCH_ENCODINGS = ("o200k_base", "cl100k_base", "p50k_base", "r50k_base")


class TokenizerUnavailable(Exception):
    """The encoding file is neither cached nor downloadable in time (or tiktoken is missing)."""


class EncodingChoice(NamedTuple):
    """The encoding used to count for ``model``; ``note`` says when it is a fallback."""

    model: str
    encoding_name: str
    note: str | None = None


def _choice(model: str, name: str | None) -> EncodingChoice:
    if name is not None:
        return EncodingChoice(model, name)
    return EncodingChoice(
        model,
        FALLBACK_ENCODING,
        f"tiktoken does not know the model {model!r}; counted with {FALLBACK_ENCODING}, "
        "the encoding of current OpenAI models",
    )


def encoding_for(model: str) -> EncodingChoice:
    """The encoding tiktoken maps ``model`` to; an unknown model gets the fallback and a note."""
    try:
        from tiktoken.model import encoding_name_for_model
    except ImportError as exc:
        raise TokenizerUnavailable(f"tiktoken is not installed ({exc}); install it: pip install tiktoken") from None
    try:
        return _choice(model, encoding_name_for_model(model))
    except KeyError:
        return _choice(model, None)


@functools.cache
def _tiktoken_model_tables() -> tuple[dict[str, str], dict[str, str]] | None:
    """tiktoken's MODEL_TO_ENCODING and MODEL_PREFIX_TO_ENCODING, read from its source.

    Parsed rather than imported: ``check --offline`` must stay fast, and importing
    tiktoken loads its compiled extension.
    """
    spec = importlib.util.find_spec("tiktoken")
    if spec is None or not spec.submodule_search_locations:
        return None
    source = Path(next(iter(spec.submodule_search_locations))) / "model.py"
    try:
        tree = ast.parse(source.read_text(encoding="utf-8"))
    except (OSError, SyntaxError, UnicodeDecodeError):
        return None
    tables: dict[str, dict[str, str]] = {}
    for node in tree.body:
        if isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                if isinstance(target, ast.Name) and target.id in ("MODEL_TO_ENCODING", "MODEL_PREFIX_TO_ENCODING"):
                    tables[target.id] = ast.literal_eval(node.value)
    if len(tables) != 2:
        return None
    return tables["MODEL_TO_ENCODING"], tables["MODEL_PREFIX_TO_ENCODING"]


def encoding_for_without_import(model: str) -> EncodingChoice:
    """Same answer as ``encoding_for``, without importing tiktoken (for the offline probe)."""
    tables = _tiktoken_model_tables()
    if tables is None:
        return encoding_for(model)
    exact, prefixes = tables
    if model in exact:
        return _choice(model, exact[model])
    return _choice(model, next((enc for prefix, enc in prefixes.items() if model.startswith(prefix)), None))


def cache_dir(environ: Mapping[str, str] | None = None) -> tuple[Path | None, str]:
    """The folder tiktoken caches in and why: TIKTOKEN_CACHE_DIR, DATA_GYM_CACHE_DIR or the temp dir.

    ``None`` means caching is disabled (``TIKTOKEN_CACHE_DIR=""``): tiktoken downloads every time.
    """
    env = os.environ if environ is None else environ
    for variable in ("TIKTOKEN_CACHE_DIR", "DATA_GYM_CACHE_DIR"):
        if variable in env:
            return (Path(env[variable]) if env[variable] else None), variable
    return Path(tempfile.gettempdir()) / "data-gym-cache", "default"


def is_cached(file: EncodingFile, folder: Path) -> bool:
    """The file is in ``folder`` under tiktoken's name and has the expected SHA-256."""
    try:
        data = (folder / file.cache_name).read_bytes()
    except OSError:
        return False
    return hashlib.sha256(data).hexdigest() == file.sha256


def preseed_help(files: tuple[EncodingFile, ...] | list[EncodingFile], folder: Path | None, variable: str) -> str:
    """What is missing, where tiktoken looks, and how to pre-seed that folder."""
    where = (
        "nowhere: TIKTOKEN_CACHE_DIR is empty, which turns tiktoken's cache off"
        if folder is None
        else f"{folder} ({'from ' + variable if variable != 'default' else 'the default; set TIKTOKEN_CACHE_DIR to choose a folder'})"
    )
    names = ", ".join(f"{f.official_url} (saved as {f.cache_name})" for f in files)
    return (
        f"missing tiktoken file: {names}; tiktoken looks in {where}. "
        "To pre-seed it, run 'openai-doctor tokens --prefetch --cache-dir DIR' on a machine with internet, "
        "copy DIR here and set TIKTOKEN_CACHE_DIR=DIR (or save each file under the name shown above)."
    )


class DownloadError(Exception):
    """A download failed, timed out or did not match its expected hash."""


def download(file: EncodingFile, *, timeout: float, source: str | None = None) -> bytes:
    """Fetch ``file`` within ``timeout`` seconds overall and verify its SHA-256."""
    import httpx

    url = (source or download_source) + file.path
    deadline = time.monotonic() + timeout
    chunks: list[bytes] = []
    try:
        with httpx.Client(timeout=httpx.Timeout(min(timeout, 10.0)), follow_redirects=True) as client:
            with client.stream("GET", url) as response:
                response.raise_for_status()
                for chunk in response.iter_bytes():
                    chunks.append(chunk)
                    if time.monotonic() > deadline:
                        raise DownloadError(f"{url}: not complete after {timeout:g} s")
    except httpx.HTTPError as exc:
        raise DownloadError(f"{url}: {type(exc).__name__}: {exc}") from None
    data = b"".join(chunks)
    digest = hashlib.sha256(data).hexdigest()
    if digest != file.sha256:
        raise DownloadError(f"{url}: hash mismatch (expected sha256 {file.sha256}, got {digest}); nothing was saved")
    return data


def unreachable_reason(file: EncodingFile, *, timeout: float, proxy: str | None = None, verify=True) -> str | None:
    """Why ``file`` cannot be downloaded now (a HEAD request), or None when it can."""
    import httpx

    url = download_source + file.path
    try:
        with httpx.Client(timeout=timeout, proxy=proxy, verify=verify, trust_env=False, follow_redirects=True) as client:
            response = client.head(url)
    except httpx.HTTPError as exc:
        return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    if response.status_code != 200:
        return f"HTTP {response.status_code} from {url}"
    return None


def store(file: EncodingFile, data: bytes, folder: Path) -> Path:
    """Write ``data`` into ``folder`` under tiktoken's name, atomically as tiktoken does."""
    import uuid  # only when writing: it costs more to import than the offline probe's whole check

    folder.mkdir(parents=True, exist_ok=True)
    target = folder / file.cache_name
    temporary = folder / f"{file.cache_name}.{uuid.uuid4()}.tmp"
    temporary.write_bytes(data)
    os.replace(temporary, target)
    return target


def _ensure_cached(files: tuple[EncodingFile, ...], folder: Path, variable: str, timeout: float) -> None:
    missing = [f for f in files if not is_cached(f, folder)]
    for file in missing:
        try:
            data = download(file, timeout=timeout)
            store(file, data, folder)
        except DownloadError as exc:
            raise TokenizerUnavailable(f"{preseed_help(missing, folder, variable)} Download failed: {exc}") from None
        except OSError as exc:
            raise TokenizerUnavailable(
                f"cannot write {file.cache_name} into {folder}: {exc.strerror or exc}; "
                "set TIKTOKEN_CACHE_DIR to a writable folder"
            ) from None


def _call_with_deadline(func: Callable[[], object], timeout: float, what: str) -> object:
    """Run ``func`` in a daemon thread; give up after ``timeout`` seconds (the thread is abandoned)."""
    outcome: dict[str, object] = {}

    def target() -> None:
        try:
            outcome["value"] = func()
        except BaseException as exc:  # noqa: BLE001 - re-raised in the caller's thread
            outcome["error"] = exc

    worker = threading.Thread(target=target, daemon=True, name="doctor-tiktoken")
    worker.start()
    worker.join(timeout)
    if worker.is_alive():
        raise TokenizerUnavailable(f"{what} did not finish within {timeout:g} s")
    if "error" in outcome:
        raise outcome["error"]  # type: ignore[misc]
    return outcome["value"]


_loaded: dict[str, object] = {}
_load_lock = threading.Lock()


def load_encoding(name: str, *, timeout: float = LOAD_TIMEOUT):
    """The ``tiktoken.Encoding`` called ``name``, downloading its file first if needed, never hanging."""
    if name in _loaded:
        return _loaded[name]
    if importlib.util.find_spec("tiktoken") is None:
        raise TokenizerUnavailable("tiktoken is not installed; install it: pip install tiktoken")
    import tiktoken

    files = ENCODING_FILES.get(name)
    if files is None:
        raise TokenizerUnavailable(f"unknown encoding {name!r}; known: {', '.join(ENCODING_FILES)}")
    with _load_lock:
        if name in _loaded:
            return _loaded[name]
        folder, variable = cache_dir()
        if folder is None:
            # Caching is off, so tiktoken downloads by itself; bound it with a deadline.
            try:
                encoding = _call_with_deadline(lambda: tiktoken.get_encoding(name), timeout, f"downloading {name}")
            except TokenizerUnavailable as exc:
                raise TokenizerUnavailable(f"{exc}; {preseed_help(files, None, variable)}") from None
            except Exception as exc:  # noqa: BLE001 - requests' errors, surfaced with the fix
                raise TokenizerUnavailable(f"{type(exc).__name__}: {exc}; {preseed_help(files, None, variable)}") from None
        else:
            _ensure_cached(files, folder, variable, timeout)
            encoding = tiktoken.get_encoding(name)
        _loaded[name] = encoding
        return encoding


@dataclass(frozen=True)
class PrefetchResult:
    """What ``prefetch`` did with one file: "cached", "downloaded" or "failed" (with why)."""

    file: EncodingFile
    status: str
    path: Path
    detail: str = ""


def prefetch(
    folder: Path,
    encodings: tuple[str, ...] = PREFETCH_ENCODINGS,
    *,
    timeout: float = PREFETCH_TIMEOUT,
    source: str | None = None,
) -> list[PrefetchResult]:
    """Download and verify the files of ``encodings`` into ``folder``, for an air-gapped machine."""
    files = list(dict.fromkeys(f for name in encodings for f in ENCODING_FILES[name]))
    results = []
    for file in files:
        target = folder / file.cache_name
        if is_cached(file, folder):
            results.append(PrefetchResult(file, "cached", target))
            continue
        try:
            data = download(file, timeout=timeout, source=source)
            store(file, data, folder)
        except DownloadError as exc:
            results.append(PrefetchResult(file, "failed", target, str(exc)))
        except OSError as exc:
            results.append(PrefetchResult(file, "failed", target, f"cannot write: {exc.strerror or exc}"))
        else:
            results.append(PrefetchResult(file, "downloaded", target, f"{len(data):,} bytes, sha256 verified"))
    return results
