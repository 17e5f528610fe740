"""Shared fixtures: isolated settings, the real tiktoken cache, and a CLI runner."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED_TIKTOKEN = ROOT.parent / "shared" / "tiktoken"
NETGUARD = Path(__file__).resolve().parent / "netguard"  # sitecustomize: subprocesses reach loopback only

# Valid-looking keys built at run time (never a real key): prefix + 74 + marker + 74 = 164 chars.
PROJECT_KEY = "sk-proj-" + "Ab3_" * 18 + "Zx" + "T3BlbkFJ" + "Qw9-" * 18 + "Kp"
CANARY_KEY = "sk-proj-" + "CANARYcanary" * 6 + "CA" + "T3BlbkFJ" + "leakLEAK" * 9 + "zz"


@pytest.fixture(autouse=True, scope="session")
def _tiktoken_cache():
    """Tests never download: use the shared, verified encoding files when they exist."""
    if SHARED_TIKTOKEN.is_dir() and "TIKTOKEN_CACHE_DIR" not in os.environ:
        os.environ["TIKTOKEN_CACHE_DIR"] = str(SHARED_TIKTOKEN)
    yield


@pytest.fixture
def clean_env(monkeypatch):
    """A process environment without any OPENAI_*, proxy or CA variable of the developer's."""
    for name in list(os.environ):
        upper = name.upper()
        if upper.startswith(("OPENAI_", "AZURE_OPENAI")) or upper.endswith("_PROXY") or upper in (
            "SSL_CERT_FILE", "SSL_CERT_DIR", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "GITHUB_STEP_SUMMARY",
        ):
            monkeypatch.delenv(name)
    return monkeypatch


@pytest.fixture
def make_settings(tmp_path):
    """Build Settings from a fake environment and an optional .env text, in a temp project dir."""
    from doctor.settings import resolve

    def build(env: dict[str, str] | None = None, dotenv: str | bytes | None = None, flags=None, project_dir: Path | None = None):
        folder = project_dir or tmp_path
        if dotenv is not None:
            path = folder / ".env"
            path.write_bytes(dotenv if isinstance(dotenv, bytes) else dotenv.encode("utf-8"))
        return resolve(flags=flags or {}, environ=env or {}, project_dir=folder)

    return build


def codes(findings) -> list[str]:
    return [f.code for f in findings]


def subprocess_env(env: dict[str, str] | None = None) -> dict[str, str]:
    """The environment for a subprocess under test: no OPENAI_* of the developer, loopback-only network."""
    base = {k: v for k, v in os.environ.items() if not k.upper().startswith("OPENAI_")}
    base.pop("GITHUB_STEP_SUMMARY", None)
    base.update(env or {})
    base["PYTHONPATH"] = os.pathsep.join(filter(None, [str(NETGUARD), base.get("PYTHONPATH")]))
    return base


def run_cli(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None, input: str | None = None, timeout: float = 60):
    """Run the real `python -m doctor` in a subprocess with a controlled environment."""
    return subprocess.run(
        [sys.executable, "-m", "doctor", *args],
        capture_output=True,
        text=True,
        env=subprocess_env(env),
        cwd=cwd,
        input=input,
        timeout=timeout,
    )
