"""`openai-doctor explain`: diagnose a pasted OpenAI error (argument or stdin) or a whole log file, offline."""

from __future__ import annotations

import argparse
import codecs
import sys
from pathlib import Path
from typing import BinaryIO, Iterator

from doctor.exitcodes import ExitCode, UsageError

NAME = "explain"
HELP = "diagnose a pasted OpenAI error (traceback, SDK message, JSON body, log line) or a whole log file"
ORDER = 20

_SNIFF = 64 * 1024
_CHUNK = 1024 * 1024
_LINE = 64 * 1024  # a longer line is cut here and the rest of it skipped, so memory stays bounded
_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))


def configure(parser: argparse.ArgumentParser) -> None:
    from doctor.i18n import LANGUAGES

    parser.add_argument("text", nargs="?", help='the error text (quote it); "-" reads it from standard input')
    parser.add_argument("--file", "-f", type=Path, metavar="FILE", help="scan a log file: each distinct problem once, with its count and line numbers")
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    parser.add_argument("--lang", choices=LANGUAGES, help="language of causes and fixes (default: from LANG)")


def _encoding(head: bytes, what: str) -> str:
    """The text encoding of a file or stdin from its first bytes; binary data is a usage error."""
    for bom, encoding in _BOMS:
        if head.startswith(bom):
            return encoding
    if b"\x00" in head:
        raise UsageError(f"{what} looks like a binary file, not text or a log")
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 4:  # not just a character cut at the end of the sample
            return "gb18030"  # Chinese Windows logs; undecodable bytes are replaced either way
    return "utf-8"


def _blocks(stream: BinaryIO, encoding: str) -> Iterator[list[str]]:
    """The file's lines in blocks, read in large chunks; a line longer than _LINE is cut there."""
    if encoding == "utf-16":  # a UTF-16 log must be decoded before it is split into lines
        from doctor.explain.logscan import blocks

        yield from blocks(codecs.getreader(encoding)(stream, errors="replace"))
        return
    carry, skipping = b"", False
    while chunk := stream.read(_CHUNK):
        parts = (carry + chunk).split(b"\n")
        carry = parts.pop()
        if skipping:  # still inside an over-long line: drop its rest
            if not parts:
                carry = b""
                continue
            parts, skipping = parts[1:], False
        if len(carry) > _LINE:
            parts.append(carry[:_LINE])
            carry, skipping = b"", True
        yield [part.decode(encoding, errors="replace") for part in parts]
    if carry and not skipping:
        yield [carry.decode(encoding, errors="replace")]


def _scan_file(path: Path):
    from doctor.explain.logscan import scan_blocks

    if not path.exists():
        raise UsageError(f"--file {path}: no such file")
    if path.is_dir():
        raise UsageError(f"--file {path}: is a folder, not a file")
    try:
        with path.open("rb") as stream:
            head = stream.read(_SNIFF)
            if not head.strip():
                raise UsageError(f"--file {path}: the file is empty")
            encoding = _encoding(head, f"--file {path}")
            stream.seek(0)
            return scan_blocks(_blocks(stream, encoding))
    except OSError as exc:
        raise UsageError(f"--file {path}: {exc.strerror or exc}") from None


def _read_stdin() -> str:
    data = sys.stdin.buffer.read()
    encoding = _encoding(data[:_SNIFF], "standard input")
    return data.decode(encoding, errors="replace")


def run(args: argparse.Namespace) -> int:
    import json

    from doctor.explain import explain
    from doctor.explain.text import render
    from doctor.i18n import detect_language

    if args.file is not None and args.text is not None:
        raise UsageError("give the error text or --file FILE, not both")
    if args.file is not None:
        result = _scan_file(args.file)
    else:
        if args.text is None:
            raise UsageError('nothing to explain: pass the error text in quotes, "-" to read standard input, or --file FILE')
        text = _read_stdin() if args.text == "-" else args.text
        if not text.strip():
            raise UsageError("nothing to explain: the text is empty")
        if "\x00" in text:
            raise UsageError("the text looks binary, not an error message")
        result = explain(text)
    lang = args.lang or detect_language()
    if args.json:
        sys.stdout.write(json.dumps(result.to_dict(lang), ensure_ascii=False, indent=2) + "\n")
    else:
        sys.stdout.write(render(result, lang))
    return ExitCode.OK if result.diagnoses else ExitCode.FINDINGS
