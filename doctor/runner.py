"""The probe registry and the runner: concurrent, time-bounded, dependency-aware.

A probe is a function ``(ctx) -> Outcome | list[Finding]``, sync or async, declared with
``@probe(...)`` in its module under ``doctor/probes/``. The runner starts every probe at
once; a probe first waits for the probes it ``requires`` and is skipped, saying why, if
one of them did not pass. Each probe runs under its own timeout and the whole run under
one deadline. A probe that raises becomes a ``crash`` result; the run goes on. Results
come back in declaration order, and ``on_event`` hears each start and finish (the TUI
draws its rows from these).
"""

from __future__ import annotations

import asyncio
import inspect
import threading
import time
import traceback
from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable, Iterable, Union

from doctor.catalog import issue
from doctor.findings import CheckResult, Finding, Status, Text, status_from_findings
from doctor.i18n import ui
from doctor.settings import Settings


@dataclass
class Outcome:
    """What a probe returns when it has more to say than a list of findings."""

    findings: list[Finding] = field(default_factory=list)
    evidence: dict[str, Any] = field(default_factory=dict)
    data: Any = None
    """Private result for dependent probes (never rendered)."""


ProbeFunc = Callable[["Context"], Union[Outcome, Iterable[Finding], Awaitable[Any]]]


class SkipProbe(Exception):
    """Raised by a probe that cannot check anything in this situation."""

    def __init__(self, reason: Text):
        super().__init__(reason.en)
        self.reason = reason


@dataclass(frozen=True)
class Probe:
    id: str
    title: Text
    group: str
    func: ProbeFunc
    requires: tuple[str, ...] = ()
    network: bool = False
    sends_key: bool = False
    timeout: float | None = None


REGISTRY: dict[str, Probe] = {}


def probe(
    id: str,
    *,
    title: tuple[str, str],
    group: str,
    requires: tuple[str, ...] = (),
    network: bool = False,
    sends_key: bool = False,
    timeout: float | None = None,
) -> Callable[[ProbeFunc], ProbeFunc]:
    """Register a probe. ``title`` is (English, Chinese); ``requires`` names other probe ids."""

    def register(func: ProbeFunc) -> ProbeFunc:
        if id in REGISTRY and REGISTRY[id].func is not func:
            raise ValueError(f"probe id {id!r} is registered twice")
        REGISTRY[id] = Probe(id, Text(*title), group, func, requires, network, sends_key, timeout)
        return func

    return register


@dataclass
class Context:
    """Everything a probe may look at. Tests build one with fake settings."""

    settings: Settings
    offline: bool = False
    timeout: float = 10.0
    spend: bool = False
    outputs: dict[str, Outcome] = field(default_factory=dict)
    """Outcomes of finished probes, for the probes that require them."""
    deadline: float | None = None
    """time.monotonic() when the whole run must end (set by the runner), for probes' own timeouts."""


@dataclass(frozen=True)
class ProbeStarted:
    probe: Probe


@dataclass(frozen=True)
class ProbeFinished:
    probe: Probe
    result: CheckResult


Event = Union[ProbeStarted, ProbeFinished]


def _settle(future: asyncio.Future, result: Any, exc: BaseException | None) -> None:
    if future.done():  # the probe timed out and was abandoned
        return
    if exc is None:
        future.set_result(result)
    else:
        future.set_exception(exc)


def _in_daemon_thread(func: Callable[[], Any]) -> asyncio.Future:
    """Run blocking work in a daemon thread, so a hung probe can be abandoned at exit."""
    loop = asyncio.get_running_loop()
    future: asyncio.Future = loop.create_future()

    def target() -> None:
        result, error = None, None
        try:
            result = func()
        except BaseException as exc:  # noqa: BLE001 - handed to the awaiting task
            error = exc
        try:
            loop.call_soon_threadsafe(_settle, future, result, error)
        except RuntimeError:  # the run ended (loop closed) while this abandoned probe still ran
            pass

    threading.Thread(target=target, daemon=True, name="doctor-probe").start()
    return future


async def _call(p: Probe, ctx: Context) -> Outcome:
    if inspect.iscoroutinefunction(p.func):
        raw = await p.func(ctx)
    else:
        raw = await _in_daemon_thread(lambda: p.func(ctx))
    if isinstance(raw, Outcome):
        return raw
    return Outcome(findings=list(raw or ()))


def _gate(p: Probe, ctx: Context) -> Text | None:
    """Why a probe must not run at all in this context, if it must not."""
    from doctor.probes.gates import key_send_blocker

    if p.network and ctx.offline:
        return Text(ui("offline_skip", "en"), ui("offline_skip", "zh"))
    if p.sends_key:
        return key_send_blocker(ctx.settings)
    return None


class Runner:
    def __init__(self, probes: list[Probe], ctx: Context, on_event: Callable[[Event], None] | None = None):
        self.probes = probes
        self.ctx = ctx
        self.on_event = on_event or (lambda event: None)
        self._done: dict[str, asyncio.Event] = {p.id: asyncio.Event() for p in probes}
        self._results: dict[str, CheckResult] = {}

    def _finish(self, result: CheckResult, p: Probe) -> CheckResult:
        self._results[p.id] = result
        self._done[p.id].set()
        self.on_event(ProbeFinished(p, result))
        return result

    def _skipped(self, p: Probe, reason: Text) -> CheckResult:
        return CheckResult(p.id, p.title, p.group, Status.SKIP, 0.0, skip_reason=reason)

    async def _run_one(self, p: Probe, deadline: float) -> CheckResult:
        for dep in p.requires:
            if dep in self._done:
                await self._done[dep].wait()
                if self._results[dep].status not in (Status.PASS, Status.WARN):
                    reason = Text(ui("requires_failed", "en", probe=dep), ui("requires_failed", "zh", probe=dep))
                    return self._finish(self._skipped(p, reason), p)
        if blocker := _gate(p, self.ctx):
            return self._finish(self._skipped(p, blocker), p)
        self.on_event(ProbeStarted(p))
        budget = max(0.0, deadline - time.monotonic())
        if p.timeout is not None:
            budget = min(budget, p.timeout)
        started = time.perf_counter()
        try:
            async with asyncio.timeout(budget):
                outcome = await _call(p, self.ctx)
        except SkipProbe as skip:
            return self._finish(self._skipped(p, skip.reason), p)
        except TimeoutError:
            elapsed = (time.perf_counter() - started) * 1000
            finding = issue("doctor.timeout", probe=p.id, seconds=f"{budget:.1f}")
            result = CheckResult(p.id, p.title, p.group, Status.FAIL, elapsed, (finding,))
            return self._finish(result, p)
        except Exception as exc:  # noqa: BLE001 - a crashing probe must not stop the run
            elapsed = (time.perf_counter() - started) * 1000
            evidence = {
                "exception": f"{type(exc).__name__}: {exc}",
                "traceback": traceback.format_exc(limit=-8),
            }
            finding = issue("doctor.crash", probe=p.id, exception=type(exc).__name__, evidence=evidence)
            result = CheckResult(p.id, p.title, p.group, Status.CRASH, elapsed, (finding,), evidence)
            return self._finish(result, p)
        elapsed = (time.perf_counter() - started) * 1000
        self.ctx.outputs[p.id] = outcome
        findings = tuple(outcome.findings)
        result = CheckResult(
            p.id, p.title, p.group, status_from_findings(findings), elapsed, findings, outcome.evidence
        )
        return self._finish(result, p)

    async def run(self, total_timeout: float | None = None) -> list[CheckResult]:
        deadline = time.monotonic() + (total_timeout if total_timeout is not None else self.ctx.timeout)
        self.ctx.deadline = deadline
        return list(await asyncio.gather(*(self._run_one(p, deadline) for p in self.probes)))


def run_probes(
    probes: list[Probe],
    ctx: Context,
    on_event: Callable[[Event], None] | None = None,
) -> list[CheckResult]:
    """Run ``probes`` to completion under ``ctx.timeout`` and return results in their order."""
    return asyncio.run(Runner(probes, ctx, on_event).run())
