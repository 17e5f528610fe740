"""Benchmark: `openai-doctor tokens --file` against raw tiktoken on the same 10 MB file.

Prints, for each, the median time to count the file once the encoding is loaded (the
comparison the target ratio <= 1.2 applies to), then the whole command line run in a fresh
process, with start-up (imports, loading the encoding) reported separately.

    python bench/bench_tokens.py [--size-mb 10] [--runs 5] [--model gpt-4o-mini]
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SHARED_TIKTOKEN = Path(__file__).resolve().parents[2] / "shared" / "tiktoken"

PROSE = (
    "The quick brown fox jumps over the lazy dog while the API returns 429 Too Many Requests. ",
    "def count(text: str) -> int:\n    return len(encoding.encode(text))\n",
    "请求超时，请稍后重试。余额不足时请检查账单。",
    "Prices: $0.15 per 1M input tokens, $0.60 per 1M output tokens (as of 2026-10-19).\n",
    "{\"role\": \"user\", \"content\": \"Summarise this document in three bullet points.\"}\n",
    "    \n\n",
)


def make_file(path: Path, size_mb: float) -> None:
    rng = random.Random(42)
    target = int(size_mb * 1024 * 1024)
    with path.open("w", encoding="utf-8") as handle:
        written = 0
        while written < target:
            block = "".join(rng.choice(PROSE) for _ in range(2000))
            handle.write(block)
            written += len(block.encode("utf-8"))


def timed(func) -> tuple[float, object]:
    started = time.perf_counter()
    value = func()
    return time.perf_counter() - started, value


def wall(command: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True)
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mb", type=float, default=10)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--model", default="gpt-4o-mini")
    args = parser.parse_args()
    if "TIKTOKEN_CACHE_DIR" not in os.environ and SHARED_TIKTOKEN.is_dir():
        os.environ["TIKTOKEN_CACHE_DIR"] = str(SHARED_TIKTOKEN)

    import tiktoken

    from doctor.tokens import count_stream, encoding_for
    from doctor.tokens.encodings import load_encoding

    name = encoding_for(args.model).encoding_name
    load_seconds, _ = timed(lambda: load_encoding(name))
    encoding = tiktoken.get_encoding(name)

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "input.txt"
        make_file(path, args.size_mb)
        size = path.stat().st_size

        def raw() -> int:
            return len(encoding.encode_ordinary(path.read_text(encoding="utf-8")))

        def doctor() -> int:
            with path.open("rb") as handle:
                return count_stream(handle, args.model).tokens

        raw_times, doctor_times = [], []
        for _ in range(args.runs):  # alternate, so that machine noise hits both alike
            seconds, raw_tokens = timed(raw)
            raw_times.append(seconds)
            seconds, doctor_tokens = timed(doctor)
            doctor_times.append(seconds)
        assert raw_tokens == doctor_tokens, (raw_tokens, doctor_tokens)

        raw_median, doctor_median = statistics.median(raw_times), statistics.median(doctor_times)
        print(f"file: {size / 2**20:.1f} MiB, {raw_tokens:,} tokens ({name}), {args.runs} runs each")
        print(f"counting only (encoding loaded):  tiktoken {raw_median:.3f} s   openai-doctor {doctor_median:.3f} s   ratio {doctor_median / raw_median:.2f}  (target <= 1.2)")

        cli = [sys.executable, "-m", "doctor", "tokens", "--file", str(path), "--model", args.model, "--json"]
        bare = [sys.executable, "-c", f"import tiktoken; tiktoken.get_encoding({name!r})"]
        cli_tiny = [sys.executable, "-m", "doctor", "tokens", "x", "--model", args.model, "--json"]
        raw_script = (
            f"import tiktoken; e = tiktoken.get_encoding({name!r}); "
            f"print(len(e.encode_ordinary(open({str(path)!r}, encoding='utf-8').read())))"
        )
        whole_cli = statistics.median(wall(cli) for _ in range(3))
        whole_raw = statistics.median(wall([sys.executable, "-c", raw_script]) for _ in range(3))
        start_cli = statistics.median(wall(cli_tiny) for _ in range(3))
        start_raw = statistics.median(wall(bare) for _ in range(3))
        print(f"whole command in a new process:   tiktoken {whole_raw:.3f} s   openai-doctor {whole_cli:.3f} s   ratio {whole_cli / whole_raw:.2f}")
        print(f"start-up alone (tiny input):      tiktoken {start_raw:.3f} s   openai-doctor {start_cli:.3f} s   (imports, encoding load, prices)")
        print(f"loading {name} in this process: {load_seconds:.3f} s (not in the counting times)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
