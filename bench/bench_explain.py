"""Benchmark `openai-doctor explain --file` on a generated 10 MB log with errors scattered in it; prints the medians."""

from __future__ import annotations

import argparse
import json
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "tests" / "data" / "explain" / "real.jsonl"
NOISE = (
    "INFO  httpx: HTTP Request: POST https://api.openai.com/v1/chat/completions \"HTTP/1.1 200 OK\"",
    "DEBUG app.worker: processed batch {n} in {ms} ms (queue depth {q})",
    "INFO  app.api: GET /health 200 {ms}ms",
    "DEBUG urllib3.connectionpool: Starting new HTTPS connection (1): api.openai.com:443",
    "INFO  app.chat: user {n} asked a question of {q} tokens, answered with {ms} tokens",
)


def make_log(path: Path, size: int, every: int, seed: int = 7) -> int:
    """Write a log of about `size` bytes: noise lines, and a corpus error (as a log record) every `every` lines."""
    rng = random.Random(seed)
    errors = [json.loads(line)["text"] for line in CORPUS.read_text(encoding="utf-8").splitlines()]
    written = lines = 0
    with path.open("w", encoding="utf-8") as out:
        while written < size:
            lines += 1
            stamp = f"2026-05-0{rng.randint(1, 9)} 12:{rng.randint(10, 59)}:{rng.randint(10, 59)},{rng.randint(100, 999)}"
            if lines % every == 0:
                text = f"{stamp} ERROR app.llm: request failed\n{rng.choice(errors)}\n"
            else:
                template = rng.choice(NOISE)
                text = f"{stamp} {template.format(n=rng.randint(1, 10**6), ms=rng.randint(1, 5000), q=rng.randint(1, 900))}\n"
            out.write(text)
            written += len(text.encode("utf-8"))
    return written


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size-mb", type=float, default=10.0)
    parser.add_argument("--every", type=int, default=200, help="one error record every N lines")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        log = Path(folder) / "app.log"
        size = make_log(log, int(args.size_mb * 1024 * 1024), args.every)
        timings, cpu = [], []
        for _ in range(args.runs):
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            start = time.perf_counter()
            done = subprocess.run(
                [sys.executable, "-m", "doctor", "explain", "--file", str(log), "--json"],
                capture_output=True, text=True, cwd=ROOT, check=False,
            )
            timings.append(time.perf_counter() - start)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
            if done.returncode not in (0, 1):
                print(done.stderr, file=sys.stderr)
                return 1
        result = json.loads(done.stdout)
    counts = {d["code"]: d["count"] for d in result["diagnoses"]}
    print(f"log: {size / 1024 / 1024:.1f} MB, {sum(counts.values())} error records in {len(counts)} codes")
    print(f"explain --file: median {statistics.median(timings):.2f} s wall over {args.runs} runs (min {min(timings):.2f}, max {max(timings):.2f})")
    print(f"               median {statistics.median(cpu):.2f} s CPU (the wall time grows when other processes share the cores)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
