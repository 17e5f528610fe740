"""The runner: concurrency, dependencies, timeouts, crashes, gates and progress events."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest

from doctor.catalog import issue
from doctor.findings import Status, Text
from doctor.runner import Context, Outcome, Probe, ProbeFinished, ProbeStarted, Runner, SkipProbe, run_probes


def make_probe(id, func, **kw) -> Probe:
    return Probe(id=id, title=Text(id, id), group="test", func=func, **kw)


@pytest.fixture
def ctx(make_settings):
    return Context(settings=make_settings({"OPENAI_API_KEY": "sk-proj-x"}), timeout=5.0)


def test_async_probes_run_concurrently_and_results_keep_declaration_order(ctx):
    barrier = threading.Barrier(2, timeout=2)  # broken (an error) unless both probes run at once

    async def meet(c):
        await asyncio.to_thread(barrier.wait)
        return []

    results = run_probes([make_probe("a", meet), make_probe("b", meet)], ctx)
    assert [r.id for r in results] == ["a", "b"]
    assert [r.status for r in results] == [Status.PASS, Status.PASS]


def test_sync_probes_run_in_threads_concurrently(ctx):
    barrier = threading.Barrier(2, timeout=2)

    def meet(c):
        barrier.wait()  # raises BrokenBarrierError if the two never run at the same time
        return []

    results = run_probes([make_probe("a", meet), make_probe("b", meet)], ctx)
    assert [r.status for r in results] == [Status.PASS, Status.PASS]


def test_a_dependent_waits_for_and_reads_its_prerequisite(ctx):
    def first(c):
        time.sleep(0.05)
        return Outcome(data={"answer": 42})

    def second(c):
        return Outcome(evidence={"seen": c.outputs["first"].data["answer"]})

    results = run_probes([make_probe("second", second, requires=("first",)), make_probe("first", first)], ctx)
    assert results[0].evidence == {"seen": 42}


def test_a_dependent_of_a_failed_probe_is_skipped_with_the_reason(ctx):
    ran = []

    def failing(c):
        return [issue("key.missing")]

    def dependent(c):
        ran.append(True)
        return []

    results = run_probes([make_probe("base", failing), make_probe("child", dependent, requires=("base",))], ctx)
    assert results[0].status is Status.FAIL
    assert results[1].status is Status.SKIP
    assert "base" in results[1].skip_reason.en
    assert not ran


def test_a_crashing_probe_becomes_crash_and_the_run_goes_on(ctx):
    def boom(c):
        raise RuntimeError("kaputt")

    results = run_probes([make_probe("boom", boom), make_probe("fine", lambda c: [])], ctx)
    assert results[0].status is Status.CRASH
    assert results[0].findings[0].code == "doctor.crash"
    assert "RuntimeError: kaputt" in results[0].evidence["exception"]
    assert results[1].status is Status.PASS


def test_a_hanging_probe_is_stopped_at_its_timeout(ctx):
    async def hang(c):
        await asyncio.sleep(60)

    def hang_in_thread(c):
        time.sleep(60)

    started = time.monotonic()
    results = run_probes([make_probe("hang", hang, timeout=0.2), make_probe("sync", hang_in_thread, timeout=0.2)], ctx)
    assert time.monotonic() - started < 5
    assert [r.findings[0].code for r in results] == ["doctor.timeout", "doctor.timeout"]
    assert all(r.status is Status.FAIL for r in results)


def test_the_whole_run_is_bounded_by_the_context_timeout(make_settings):
    ctx = Context(settings=make_settings({}), timeout=0.3)

    async def hang(c):
        await asyncio.sleep(60)

    started = time.monotonic()
    results = run_probes([make_probe("hang", hang)], ctx)
    assert time.monotonic() - started < 5
    assert results[0].findings[0].code == "doctor.timeout"


def test_skip_probe_reports_its_reason(ctx):
    def skip(c):
        raise SkipProbe(Text("not applicable", "不适用"))

    [result] = run_probes([make_probe("s", skip)], ctx)
    assert result.status is Status.SKIP and result.skip_reason.zh == "不适用"


def test_network_probes_are_skipped_offline_and_key_senders_without_a_key(make_settings):
    called = []
    probes = [
        make_probe("net", lambda c: called.append("net") or [], network=True),
        make_probe("auth", lambda c: called.append("auth") or [], sends_key=True),
    ]
    offline = Context(settings=make_settings({"OPENAI_API_KEY": "sk-proj-x"}), offline=True)
    assert run_probes(probes[:1], offline)[0].status is Status.SKIP
    no_key = Context(settings=make_settings({}))
    assert run_probes(probes[1:], no_key)[0].status is Status.SKIP
    insecure = Context(settings=make_settings({"OPENAI_API_KEY": "sk-proj-x", "OPENAI_BASE_URL": "http://example.com/v1"}))
    [result] = run_probes(probes[1:], insecure)
    assert result.status is Status.SKIP and "clear text" in result.skip_reason.en
    assert called == []
    loopback = Context(settings=make_settings({"OPENAI_API_KEY": "sk-proj-x", "OPENAI_BASE_URL": "http://127.0.0.1:9/v1"}))
    assert run_probes(probes[1:], loopback)[0].status is Status.PASS


def test_events_announce_each_start_and_finish(ctx):
    events = []
    probes = [make_probe("a", lambda c: []), make_probe("b", lambda c: [issue("key.missing")])]
    Runner(probes, ctx, events.append).run()
    started = [e.probe.id for e in events if isinstance(e, ProbeStarted)]
    finished = {e.probe.id: e.result.status for e in events if isinstance(e, ProbeFinished)}
    assert sorted(started) == ["a", "b"]
    assert finished == {"a": Status.PASS, "b": Status.FAIL}


def test_a_probe_waiting_on_a_hung_prerequisite_ends_at_the_deadline(make_settings):
    ctx = Context(settings=make_settings({}), timeout=0.3)

    def hang(c):
        time.sleep(60)

    results = run_probes([make_probe("hang", hang), make_probe("child", lambda c: [], requires=("hang",))], ctx)
    assert [r.findings[0].code for r in results] == ["doctor.timeout", "doctor.timeout"]
    assert "0.3" in results[1].findings[0].message.en


def test_a_late_result_after_the_timeout_changes_nothing(ctx):
    finished = threading.Event()

    def slow(c):
        time.sleep(0.4)
        finished.set()
        return [issue("key.missing")]

    events = []
    [result] = Runner([make_probe("slow", slow, timeout=0.1)], ctx, events.append).run()
    assert result.findings[0].code == "doctor.timeout"
    assert finished.wait(2)
    time.sleep(0.05)
    assert [type(e).__name__ for e in events] == ["ProbeStarted", "ProbeFinished"]
