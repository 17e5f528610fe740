"""Start-up benchmark of `openai-doctor check --offline` against `python -c pass`, and its import audit.

Runs the installed console script, `python -m doctor` and a bare interpreter alternately (so
load on a shared machine hits all three alike), prints the medians and the ratio, then runs
the offline check once under `python -X importtime` to show that openai, textual,
genai_prices and rich are not imported and which imports cost the most.

    python bench/bench_offline.py            # 15 runs of each
    python bench/bench_offline.py -n 30 --project-dir ~/my-app

Exit code 1 when a forbidden module is imported on the offline path, else 0 (the time target
is reported, not enforced: timings depend on the machine).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TARGET_MS = 150.0
FORBIDDEN = ("openai", "textual", "genai_prices", "rich")
WATCHED = ("tiktoken", "httpx", "httpx2", "dotenv")  # allowed, but worth knowing about


def console_script() -> list[str] | None:
    """The installed `openai-doctor`, preferring the one next to this interpreter over a pyenv shim."""
    beside = Path(sys.executable).with_name("openai-doctor")
    if beside.is_file():
        return [str(beside)]
    found = shutil.which("openai-doctor")
    return [found] if found else None


def time_once(command: list[str], cwd: Path) -> float:
    started = time.perf_counter()
    subprocess.run(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return (time.perf_counter() - started) * 1000


def compile_bytecode() -> None:
    """Compile the package as ``pip install`` does: with PYTHONDONTWRITEBYTECODE set (as on some
    CI machines) an editable install would otherwise recompile every module on every run."""
    import compileall

    compileall.compile_dir(str(Path(__file__).resolve().parents[1] / "doctor"), quiet=1)


def benchmark(commands: dict[str, list[str]], runs: int, cwd: Path) -> dict[str, list[float]]:
    """Run every command ``runs`` times, interleaved, after one untimed warm-up each."""
    compile_bytecode()
    for command in commands.values():
        time_once(command, cwd)
    timings: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(runs):
        for name, command in commands.items():
            timings[name].append(time_once(command, cwd))
    return timings


def import_profile(check_args: list[str], cwd: Path) -> list[tuple[str, int, int]]:
    """(module, self µs, cumulative µs) for every import of one offline check, in import order."""
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "doctor", *check_args],
        cwd=cwd,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        check=False,
    )
    rows = []
    for line in result.stderr.splitlines():
        if not line.startswith("import time:") or "[us]" in line:
            continue
        self_us, cumulative_us, name = line.removeprefix("import time:").split("|", 2)
        rows.append((name.rstrip()[1:], int(self_us), int(cumulative_us)))  # [1:]: the separator's space; the rest is nesting
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", "--runs", type=int, default=15, help="timed runs of each command (default: 15, at least 10)")
    parser.add_argument("--project-dir", type=Path, help="project folder to check (default: an empty temporary folder)")
    parser.add_argument("--top", type=int, default=12, help="how many of the costliest imports to list (default: 12)")
    args = parser.parse_args(argv)
    if args.runs < 10:
        parser.error("--runs must be at least 10")

    with tempfile.TemporaryDirectory() as empty:
        project = (args.project_dir or Path(empty)).resolve()
        check_args = ["check", "--offline", "--project-dir", str(project)]
        commands = {"python -m doctor check --offline": [sys.executable, "-m", "doctor", *check_args]}
        if script := console_script():
            commands = {"openai-doctor check --offline": [*script, *check_args], **commands}
        else:
            print("note: no installed openai-doctor console script found; run `pip install -e .`")
        commands["python -c pass"] = [sys.executable, "-c", "pass"]

        print(f"python: {sys.executable} ({sys.version.split()[0]}), {os.cpu_count()} CPUs, {args.runs} runs each, project: {project}")
        timings = benchmark(commands, args.runs, project)
        baseline = statistics.median(timings["python -c pass"])
        width = max(map(len, commands))
        print()
        for name, values in timings.items():
            median = statistics.median(values)
            ratio = "" if name == "python -c pass" else f"  ratio {median / baseline:4.1f}x  (+{median - baseline:.0f} ms over python)"
            verdict = "" if name == "python -c pass" else ("  ✓ within" if median <= TARGET_MS else "  ✗ over") + f" {TARGET_MS:.0f} ms"
            print(f"{name:<{width}}  median {median:6.1f} ms  min {min(values):6.1f}  max {max(values):6.1f}{ratio}{verdict}")

        imports = import_profile(check_args, project)
    modules = {name.strip() for name, _, _ in imports}
    roots = {name.split(".")[0] for name in modules}
    print()
    bad = [name for name in FORBIDDEN if name in roots]
    for name in FORBIDDEN:
        print(f"{'✗ IMPORTED' if name in roots else '✓ not imported':<15} {name}")
    seen = [name for name in WATCHED if name in roots]
    print(f"also imported (allowed): {', '.join(seen) or 'none of ' + ', '.join(WATCHED)}")

    top_level = [(name, self_us, cumulative) for name, self_us, cumulative in imports if not name.startswith(" ")]
    total_ms = sum(cumulative for _, _, cumulative in top_level) / 1000
    print(f"\nimports on the offline path: {len(modules)} modules, {total_ms:.0f} ms in total (-X importtime, one run)")
    print("costliest top-level imports (cumulative, including what they import):")
    for name, _, cumulative in sorted(top_level, key=lambda row: -row[2])[: args.top]:
        print(f"  {cumulative / 1000:6.1f} ms  {name}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
