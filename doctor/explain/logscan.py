"""Scanning a whole log: split it into records, classify the ones that look like errors, count each problem once.

A record is one log entry: a timestamped or levelled line, a Python traceback with its chained
causes, or a top-level line with its indented or bracketed continuation (a JSON body, a Node
stack). Lines come in blocks; trigger words are searched once per block (str.find runs in C),
lines are capped in length, and identical records (up to numbers and ids) are classified once,
so a 10 MB log takes well under two seconds in bounded memory.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from doctor.explain.diagnosis import Diagnosis, Explanation, build, with_counts
from doctor.explain.facts import extract_facts, straighten_quotes
from doctor.explain.rules import classify

MAX_LINE = 4096  # longer lines keep their head and tail
MAX_RECORD_LINES = 300
MAX_RECORD_CHARS = 64 * 1024
BLOCK_LINES = 4096
_CACHE_LIMIT = 4096

_LOG_PREFIX = re.compile(
    r"\s{0,2}(?:\[?\d{4}[-/.]\d{2}[-/.]\d{2}|\[?\d{1,2}:\d{2}:\d{2}|\[?(?:DEBUG|INFO|WARN|WARNING|ERROR|CRITICAL|FATAL|TRACE)\b|[IWEF]\d{4} )"
)
_CHAIN_MARKERS = ("The above exception", "During handling of the above exception")
_TRACEBACK = "Traceback (most recent call last)"
_CONTINUATION_START = tuple("{}[]()\"'|>`") + ("...",)
_OPEN_ENDINGS = (":", "-", "{", "[", "(", ",")
# Numbers, ids and hashes vary between otherwise identical records.
_VARIABLE = re.compile(r"[\w-]*\d[\w-]*")

# A record is classified only when one of its lines says something went wrong.
TRIGGERS = (
    "error", "exception", "traceback", "fail", "refused", "timed out", "timeout", "denied", "invalid", "exceed",
    "quota", "rate limit", "does not exist", "not found", "not supported", "unsupported", "deprecated", "overload",
    "gateway", "certificate", "ssl", "proxy", "could not", "cannot", "unexpected keyword", "you tried to access",
    "api key", "api_key", "too large", "too many", "unauthorized", "forbidden", "permission", "unreachable",
    "must be", "must provide", "context length", "limit has been reached", "api version",
    "no such host", "错误", "失败", "拒绝", "超时", "异常", "证书", "关闭", "无法", "不存在", "不足", "频繁",
)


def clip(line: str) -> str:
    """A line capped at MAX_LINE characters, keeping its head and tail (where errors usually are)."""
    if len(line) <= MAX_LINE:
        return line
    return f"{line[: MAX_LINE * 3 // 4]} … {line[-MAX_LINE // 4 :]}"


def triggered_starts(lines: list[str]) -> set[int]:
    """Offsets (in the block joined by newlines) of the lines that contain a trigger word."""
    low = "\n".join(lines).lower()
    starts: set[int] = set()
    for word in TRIGGERS:
        position = low.find(word)
        while position >= 0:
            starts.add(low.rfind("\n", 0, position) + 1)
            end = low.find("\n", position)
            position = low.find(word, end) if end >= 0 else -1
    return starts


@dataclass
class _Tally:
    diagnosis: Diagnosis
    count: int
    first: int
    last: int


class LogScanner:
    """Feed blocks of lines with feed(); result() gives each distinct problem once, with its count and line span."""

    def __init__(self, first_number: int = 1) -> None:
        self._number = first_number
        self._lines: list[str] = []
        self._start = first_number
        self._chars = 0
        self._triggered = False
        self._in_traceback = False
        self._last = ""  # the record's last non-blank line
        self._tallies: dict[str, _Tally] = {}
        self._cache: dict[str, tuple[Diagnosis, int, str | None] | None] = {}
        self._libraries: Counter[str] = Counter()

    def feed(self, block: list[str]) -> None:
        """Add the next lines of the log. The loop keeps its state in locals: it runs once per log line."""
        block = [line.rstrip("\r\n") for line in block]
        if block and max(map(len, block)) > MAX_LINE:
            block = [clip(line) for line in block]
        hits = triggered_starts(block)
        lines, start, chars, triggered = self._lines, self._start, self._chars, self._triggered
        in_traceback, last, number = self._in_traceback, self._last, self._number
        log_prefix = _LOG_PREFIX.match
        offset = 0
        for line in block:
            blank = not line or line.isspace()
            if not lines:
                starts = True
            elif blank:
                starts = False
            elif log_prefix(line):
                starts = True
            else:
                starts = _starts_plain_record(line, lines, last, in_traceback)
            if starts or len(lines) >= MAX_RECORD_LINES or chars >= MAX_RECORD_CHARS:
                if triggered:
                    self._emit(lines, start)
                lines, chars, triggered, in_traceback, last, start = [], 0, False, False, "", number
            if line.startswith(_TRACEBACK):
                in_traceback = True
            elif in_traceback and not blank and line[0] not in " \t" and not line.startswith(_CHAIN_MARKERS):
                in_traceback = False  # the exception line closes the traceback
            if offset in hits:
                triggered = True
            lines.append(line)
            chars += len(line)
            if not blank:
                last = line
            offset += len(line) + 1
            number += 1
        self._lines, self._start, self._chars, self._triggered = lines, start, chars, triggered
        self._in_traceback, self._last, self._number = in_traceback, last, number

    def _emit(self, lines: list[str], start: int) -> None:
        """Classify one triggered record and count its best diagnosis."""
        text = "\n".join(lines)
        key = _VARIABLE.sub("#", text)
        if key not in self._cache:
            if len(self._cache) >= _CACHE_LIMIT:
                self._cache.clear()
            self._cache[key] = _classify_record(text)
        cached = self._cache[key]
        if cached is None:
            return
        diagnosis, line_offset, library = cached
        if library:
            self._libraries[library] += 1
        line = start + line_offset
        tally = self._tallies.get(diagnosis.code)
        if tally is None:
            self._tallies[diagnosis.code] = _Tally(diagnosis, 1, line, line)
        else:
            tally.count += 1
            tally.last = line

    def result(self) -> Explanation:
        if self._triggered:
            self._emit(self._lines, self._start)
        self._lines, self._triggered = [], False
        tallies = sorted(self._tallies.values(), key=lambda t: (-t.count, -t.diagnosis.confidence, t.first))
        diagnoses = [with_counts(t.diagnosis, t.count, t.first, t.last) for t in tallies]
        library = self._libraries.most_common(1)[0][0] if self._libraries else None
        return Explanation(diagnoses, library)


def _starts_plain_record(line: str, lines: list[str], last: str, in_traceback: bool) -> bool:
    """Whether a line without a log prefix begins a new record (tracebacks and continuations do not)."""
    if line[0] in " \t" or line.lstrip().startswith(_CONTINUATION_START) or line.startswith(_CHAIN_MARKERS):
        return False
    if line.startswith(_TRACEBACK):
        attached = last.startswith(_CHAIN_MARKERS) or (
            sum(1 for x in lines if x.strip()) == 1 and (last.endswith(":") or bool(_LOG_PREFIX.match(last)))
        )
        return not attached
    return not in_traceback and not last.rstrip().endswith(_OPEN_ENDINGS)


def _classify_record(text: str) -> tuple[Diagnosis, int, str | None] | None:
    """The record's best diagnosis, the line (from the record's start) that decided it, and its library."""
    text = straighten_quotes(text)
    facts = extract_facts(text)
    candidates = classify(text, facts, rewrap=False)
    if not candidates:
        return None
    best = candidates[0]
    line_offset = text.count("\n", 0, best.position) if best.position > 0 else 0
    library = facts.libraries[0] if facts.libraries else None
    return build(best, facts, text, text.lower()), line_offset, library


def blocks(lines: Iterable[str], size: int = BLOCK_LINES) -> Iterator[list[str]]:
    block: list[str] = []
    for line in lines:
        block.append(line)
        if len(block) >= size:
            yield block
            block = []
    if block:
        yield block


def scan_blocks(line_blocks: Iterable[list[str]]) -> Explanation:
    """Scan a log given as blocks of lines and aggregate the problems."""
    scanner = LogScanner()
    for block in line_blocks:
        scanner.feed(block)
    return scanner.result()


def scan_lines(lines: Iterable[str]) -> Explanation:
    """Scan lines (a file, stdin, or a huge paste split into lines) and aggregate the problems."""
    return scan_blocks(blocks(lines))
