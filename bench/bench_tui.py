"""Start-up benchmark of the TUI: launch to the first painted Checks screen, to the finished run, and peak memory.

Runs the installed `openai-doctor` in a pseudo-terminal (120x36), as a user would, and reads
what it paints: the clock stops when the first check row is on screen ("first paint") and
when the summary line says the run is over ("results"). Peak memory is the program's peak
resident set (Linux's VmHWM) once the run is over. Two ways in, alternately so that machine load hits both alike:

- `openai-doctor tui --offline` in an empty folder (the local checks only);
- `openai-doctor --demo` (every check, against the built-in simulator).

    python bench/bench_tui.py          # 5 runs of each
    python bench/bench_tui.py -n 10

Needs pexpect. The target (first paint within 1 s) is reported, not enforced.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

TARGET_FIRST_PAINT_MS = 1000.0
FIRST_ROW = "1 · API key"
RUN_OVER = ("problem(s) found", "No problems found")


def program() -> str:
    beside = Path(sys.executable).with_name("openai-doctor")
    if not beside.is_file():
        raise SystemExit("openai-doctor is not installed next to this interpreter (pip install -e .)")
    return str(beside)


def peak_rss_mb(pid: int) -> float | None:
    """The peak resident set of a running process so far (Linux's VmHWM), or None elsewhere."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    kib = next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmHWM:"))
    return kib / 1024


def run_once(args: list[str], cwd: str) -> tuple[float, float, float | None]:
    """(ms to first paint, ms to results, peak MB) of one launch that quits once the run is over."""
    import pexpect

    env = {**os.environ, "TERM": "xterm-256color", "LANG": "en_US.UTF-8"}
    env.pop("CI", None)
    started = time.perf_counter()
    child = pexpect.spawn(program(), args, cwd=cwd, env=env, dimensions=(36, 120), encoding="utf-8", timeout=60)
    child.expect_exact(FIRST_ROW)
    first_paint = (time.perf_counter() - started) * 1000
    child.expect_exact(list(RUN_OVER))
    results = (time.perf_counter() - started) * 1000
    memory = peak_rss_mb(child.pid)
    child.send("q")
    child.expect(pexpect.EOF)
    child.close()
    return first_paint, results, memory


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", "--runs", type=int, default=5, help="timed runs of each way in (default: 5)")
    options = parser.parse_args(argv)
    ways = {"tui --offline": ["tui", "--offline"], "--demo": ["--demo"]}
    timings: dict[str, list[tuple[float, float, float]]] = {name: [] for name in ways}
    with tempfile.TemporaryDirectory(prefix="bench-tui-") as folder:
        for args in ways.values():
            run_once(args, folder)  # warm-up: the OS file cache, .pyc files
        for _ in range(options.runs):
            for name, args in ways.items():
                timings[name].append(run_once(args, folder))
    print(f"openai-doctor TUI, {options.runs} runs each, terminal 120x36 (medians; min-max)")
    for name, rows in timings.items():
        paint, results, memory = zip(*rows)
        peak = "n/a" if None in memory else f"{max(memory):.1f} MB"
        print(
            f"  {name:<14} first paint {statistics.median(paint):6.0f} ms ({min(paint):.0f}-{max(paint):.0f})"
            f"   results {statistics.median(results):6.0f} ms ({min(results):.0f}-{max(results):.0f})"
            f"   peak memory {peak}"
        )
    worst = max(statistics.median([row[0] for row in rows]) for rows in timings.values())
    verdict = "met" if worst <= TARGET_FIRST_PAINT_MS else "NOT met"
    print(f"target: first paint within {TARGET_FIRST_PAINT_MS:.0f} ms: {verdict}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
