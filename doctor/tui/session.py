"""What the TUI checks and against what: the options, the resolved settings, and the demo simulator.

Plain Python (no Textual), so the screens stay thin and this glue is testable on its own.
In demo mode the doctor runs against the built-in simulator, in a clean environment and an
empty project folder, with a fake key built at run time: the user's own key, ``.env`` and
proxies are never read, and nothing leaves the machine.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from doctor.runner import Context, Probe
from doctor.settings import Settings, resolve

# The variables a demo must not inherit from the user's shell: keys, endpoints, proxies, CAs.
_PRIVATE_PREFIXES = ("OPENAI_", "AZURE_OPENAI")
_PRIVATE_SUFFIXES = ("_PROXY",)
_PRIVATE_NAMES = ("SSL_CERT_FILE", "SSL_CERT_DIR", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE")
DEMO_LATENCY_MS = 120


def demo_key() -> str:
    """A fake project key, shaped like a real one so the key checks pass, ending in 'demo'."""
    return "sk-proj-" + ("demoKEY" * 11)[:74] + "T3BlbkFJ" + ("DEMOkey" * 11)[:70] + "demo"


def clean_environ(environ: dict[str, str]) -> dict[str, str]:
    """``environ`` without any OpenAI, proxy or CA variable of the user's."""
    return {
        name: value
        for name, value in environ.items()
        if not name.upper().startswith(_PRIVATE_PREFIXES)
        and not name.upper().endswith(_PRIVATE_SUFFIXES)
        and name.upper() not in _PRIVATE_NAMES
    }


@dataclass(frozen=True)
class CheckOptions:
    """What the user can change from the settings panel (and from the command line)."""

    base_url: str | None = None
    model: str | None = None
    env_file: Path | None = None
    project_dir: Path | None = None
    offline: bool = False
    timeout: float = 10.0


class Demo:
    """The simulator a demo runs against; started on first use, stopped by ``close``."""

    def __init__(self, scenario: str):
        self.scenario = scenario
        self._sim: Any = None
        self.project_dir = Path(tempfile.mkdtemp(prefix="openai-doctor-demo-"))

    @property
    def base_url(self) -> str:
        if self._sim is None:
            from doctor.sim import start

            # A little latency, so the demo shows the rows running as they would for real.
            self._sim = start(self.scenario, latency_ms=DEMO_LATENCY_MS)
        return self._sim.base_url

    def switch(self, scenario: str) -> None:
        """Serve another scenario from now on."""
        if scenario != self.scenario:
            self._stop()
            self.scenario = scenario

    def environ(self) -> dict[str, str]:
        env = clean_environ(dict(os.environ))
        env.update(OPENAI_API_KEY=demo_key(), OPENAI_BASE_URL=self.base_url)
        return env

    def _stop(self) -> None:
        if self._sim is not None:
            self._sim.close()
        self._sim = None

    def close(self) -> None:
        self._stop()
        shutil.rmtree(self.project_dir, ignore_errors=True)


def scenarios() -> list[str]:
    """The simulator's scenario names, for the demo's picker and for validating ``--demo``."""
    from doctor.sim import SCENARIOS

    return sorted(SCENARIOS)


class Session:
    """One TUI session: the options in force, and how to turn them into a run of the probes."""

    def __init__(self, options: CheckOptions | None = None, demo: str | None = None):
        self.options = options or CheckOptions()
        self.demo = Demo(demo) if demo is not None else None

    def update(self, **changes: Any) -> None:
        self.options = replace(self.options, **changes)

    def resolve(self) -> Settings:
        """The settings as the user's app would see them now (raises EnvFileError)."""
        flags = {"base_url": self.options.base_url, "model": self.options.model}
        if self.demo is not None:
            return resolve(
                flags=flags,
                environ=self.demo.environ(),
                project_dir=self.demo.project_dir,
                env_file=self.options.env_file,
            )
        return resolve(flags=flags, project_dir=self.options.project_dir, env_file=self.options.env_file)

    def context(self, settings: Settings) -> Context:
        return Context(settings=settings, offline=self.options.offline, timeout=self.options.timeout)

    @staticmethod
    def probes() -> list[Probe]:
        """Every probe, online ones included: offline mode shows them as skipped, not hidden."""
        from doctor.probes import load_probes

        return load_probes(offline=False)

    def close(self) -> None:
        if self.demo is not None:
            self.demo.close()
