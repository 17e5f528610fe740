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

import inspect
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable, Iterable, NamedTuple, Union

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


class ProbeStarted(NamedTuple):
    probe: Probe


class ProbeFinished(NamedTuple):
    probe: Probe
    result: CheckResult


Event = Union[ProbeStarted, ProbeFinished]


def _call(p: Probe, ctx: Context) -> Outcome:
    """Run one probe to the end in the calling thread; an async probe gets its own event loop."""
    if inspect.iscoroutinefunction(p.func):
        import asyncio  # only network probes are async: the offline check never pays for asyncio

        raw = asyncio.run(p.func(ctx))
    else:
        raw = p.func(ctx)
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
    """Runs each probe in a daemon thread and watches the clock from the calling thread.

    Threads, not asyncio tasks: most probes block (files, git, DNS), asyncio alone costs the
    offline check ~50 ms of imports, and a daemon thread can be abandoned when its probe
    overruns, where an executor's threads would be joined at exit. ``_finish`` is first-wins,
    so a probe that returns after the watchdog declared it timed out changes nothing.
    """

    def __init__(self, probes: list[Probe], ctx: Context, on_event: Callable[[Event], None] | None = None):
        self.probes = probes
        self.ctx = ctx
        self.on_event = on_event or (lambda event: None)
        self._ids = {p.id for p in probes}
        self._changed = threading.Condition()
        self._results: dict[str, CheckResult] = {}
        self._running: dict[str, tuple[float, float]] = {}  # probe id -> (start, budget), monotonic seconds

    def _finish(self, p: Probe, result: CheckResult) -> None:
        with self._changed:
            if p.id in self._results:
                return
            self._results[p.id] = result
            self._changed.notify_all()
        self.on_event(ProbeFinished(p, result))

    def _skip(self, p: Probe, reason: Text) -> None:
        self._finish(p, CheckResult(p.id, p.title, p.group, Status.SKIP, 0.0, skip_reason=reason))

    def _timed_out(self, p: Probe, budget: float, elapsed_ms: float) -> CheckResult:
        finding = issue("doctor.timeout", probe=p.id, seconds=f"{budget:.1f}")
        return CheckResult(p.id, p.title, p.group, Status.FAIL, elapsed_ms, (finding,))

    def _run_one(self, p: Probe, deadline: float) -> None:
        for dep in p.requires:
            if dep not in self._ids:
                continue
            with self._changed:
                self._changed.wait_for(lambda dep=dep: dep in self._results)
                passed = self._results[dep].status in (Status.PASS, Status.WARN)
            if not passed:
                title = self._results[dep].title
                reason = Text(ui("requires_failed", "en", probe=title.en), ui("requires_failed", "zh", probe=title.zh))
                return self._skip(p, reason)
        if blocker := _gate(p, self.ctx):
            return self._skip(p, blocker)
        budget = max(0.0, deadline - time.monotonic())
        if p.timeout is not None:
            budget = min(budget, p.timeout)
        with self._changed:
            if p.id in self._results:  # the run's deadline passed while this probe waited
                return
            self._running[p.id] = (time.monotonic(), budget)
            self._changed.notify_all()
        self.on_event(ProbeStarted(p))
        started = time.perf_counter()
        try:
            outcome = _call(p, self.ctx)
        except SkipProbe as skip:
            return self._skip(p, skip.reason)
        except Exception as exc:  # noqa: BLE001 - a crashing probe must not stop the run
            import traceback

            elapsed = (time.perf_counter() - started) * 1000
            evidence = {"exception": f"{type(exc).__name__}: {exc}", "traceback": traceback.format_exc(limit=-8)}
            finding = issue("doctor.crash", probe=p.id, exception=type(exc).__name__, evidence=evidence)
            return self._finish(p, CheckResult(p.id, p.title, p.group, Status.CRASH, elapsed, (finding,), evidence))
        elapsed = (time.perf_counter() - started) * 1000
        if elapsed > budget * 1000:
            return self._finish(p, self._timed_out(p, budget, elapsed))
        self.ctx.outputs[p.id] = outcome
        findings = tuple(outcome.findings)
        status = status_from_findings(findings)
        self._finish(p, CheckResult(p.id, p.title, p.group, status, elapsed, findings, outcome.evidence))

    def _overdue(self, now: float, deadline: float) -> tuple[list[tuple[Probe, CheckResult]], float]:
        """Probes past their budget (or the run's deadline) and the next moment one can be."""
        late, wake = [], deadline
        for p in self.probes:
            if p.id in self._results:
                continue
            start, budget = self._running.get(p.id, (now, self._total))  # not started: still waiting
            if now >= min(start + budget, deadline):
                late.append((p, self._timed_out(p, budget, (now - start) * 1000)))
            else:
                wake = min(wake, start + budget)
        return late, wake

    def run(self, total_timeout: float | None = None) -> list[CheckResult]:
        """Run every probe; returns their results in declaration order by the deadline at the latest."""
        self._total = total_timeout if total_timeout is not None else self.ctx.timeout
        deadline = time.monotonic() + self._total
        self.ctx.deadline = deadline
        for p in self.probes:
            threading.Thread(target=self._run_one, args=(p, deadline), daemon=True, name=f"probe {p.id}").start()
        while True:
            with self._changed:
                if len(self._results) == len(self.probes):
                    break
                late, wake = self._overdue(time.monotonic(), deadline)
                if not late:
                    self._changed.wait(timeout=max(0.0, wake - time.monotonic()))
            for p, result in late:
                self._finish(p, result)
        return [self._results[p.id] for p in self.probes]


def run_probes(
    probes: list[Probe],
    ctx: Context,
    on_event: Callable[[Event], None] | None = None,
) -> list[CheckResult]:
    """Run ``probes`` to completion under ``ctx.timeout`` and return results in their order."""
    return Runner(probes, ctx, on_event).run()
