"""Benchmark: the online check against the simulator (100 ms per response), concurrent vs one probe after another.

    python bench/bench_online.py [--runs 7] [--latency-ms 100]

Prints the median wall time of the concurrent run (the runner, as `check` uses it), of the
same probes run one after another, their ratio, and the longest dependency chain (the sum of
the probes' own durations along the slowest `requires` path, measured in the sequential runs).
Target: concurrent <= longest chain + 20 %.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from doctor.probes import load_probes  # noqa: E402
from doctor.runner import Context, Probe, Runner  # noqa: E402
from doctor.settings import resolve  # noqa: E402
from doctor.sim import start  # noqa: E402

# A well-formed project key built at run time (the simulator accepts any key in the ok scenario).
KEY = "sk-proj-" + "Bench0" * 12 + "be" + "T3BlbkFJ" + "Mark1x" * 12 + "zz"


def online_probes() -> list[Probe]:
    return [p for p in load_probes() if p.network]


def context(base_url: str, timeout: float) -> Context:
    settings = resolve(flags={"base_url": base_url}, environ={"OPENAI_API_KEY": KEY}, project_dir=Path(tempfile.mkdtemp()))
    return Context(settings=settings, timeout=timeout)


def run_concurrently(probes: list[Probe], base_url: str, timeout: float) -> float:
    started = time.perf_counter()
    results = Runner(probes, context(base_url, timeout)).run()
    elapsed = time.perf_counter() - started
    _expect_no_failures(results)
    return elapsed


def run_sequentially(probes: list[Probe], base_url: str, timeout: float) -> tuple[float, dict[str, float]]:
    """Each probe alone, in declaration order (which respects `requires`), sharing the outputs."""
    ctx = context(base_url, timeout)
    durations: dict[str, float] = {}
    started = time.perf_counter()
    for probe in probes:
        one = time.perf_counter()
        results = Runner([probe], ctx).run()
        durations[probe.id] = time.perf_counter() - one
        _expect_no_failures(results)
    return time.perf_counter() - started, durations


def longest_chain(probes: list[Probe], durations: dict[str, float]) -> tuple[float, list[str]]:
    """The slowest path through `requires`: its total duration and its probe ids."""
    best: dict[str, tuple[float, list[str]]] = {}
    for probe in probes:  # declaration order puts every dependency first
        before = max((best[dep] for dep in probe.requires if dep in best), default=(0.0, []), key=lambda b: b[0])
        best[probe.id] = (before[0] + durations[probe.id], before[1] + [probe.id])
    return max(best.values(), key=lambda b: b[0])


def _expect_no_failures(results) -> None:
    bad = [f"{r.id}: {r.status.value}" for r in results if r.status.value not in ("pass", "skip")]
    if bad:
        raise SystemExit(f"the ok scenario should pass, got {bad}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--latency-ms", type=int, default=100)
    parser.add_argument("--timeout", type=float, default=30.0)
    args = parser.parse_args()
    for name in [n for n in os.environ if n.upper().startswith("OPENAI_") or n.upper().endswith("_PROXY")]:
        del os.environ[name]

    probes = online_probes()
    with start("ok", latency_ms=args.latency_ms) as sim:
        run_concurrently(probes, sim.base_url, args.timeout)  # warm-up: imports (httpx, openai) and CA loading
        concurrent, sequential, chains = [], [], []
        chain_ids: list[str] = []
        for _ in range(args.runs):
            concurrent.append(run_concurrently(probes, sim.base_url, args.timeout))
            total, durations = run_sequentially(probes, sim.base_url, args.timeout)
            sequential.append(total)
            chain, chain_ids = longest_chain(probes, durations)
            chains.append(chain)

    c, s, chain = statistics.median(concurrent), statistics.median(sequential), statistics.median(chains)
    print(f"online check, simulator 'ok' with {args.latency_ms} ms per response, {args.runs} runs, {len(probes)} probes")
    print(f"  concurrent (runner)        median {c * 1000:7.0f} ms")
    print(f"  sequential (one by one)    median {s * 1000:7.0f} ms")
    print(f"  ratio concurrent/sequential       {c / s:7.2f}")
    print(f"  longest dependency chain   median {chain * 1000:7.0f} ms  ({' -> '.join(chain_ids)})")
    verdict = "met" if c <= chain * 1.2 else "MISSED"
    print(f"  concurrent / chain                {c / chain:7.2f}  (target <= 1.20: {verdict})")
    return 0 if verdict == "met" else 1


if __name__ == "__main__":
    sys.exit(main())
