"""Counting the tokens of text: whole strings, huge streams in bounded memory, and token spans.

Special-token strings such as ``<|endoftext|>`` are counted as the plain text they are,
which is what the API does with them in a prompt.

A stream is cut into chunks only where tiktoken's pre-tokenizer always splits, so the sum
of the chunks' counts equals the count of the whole text: right after a newline that follows
a non-space character and precedes a letter or digit, or else at a single space between two
letters. No pattern of r50k, p50k, cl100k or o200k matches across either boundary (a test
checks the equality on a multi-chunk text for each encoding). Only a very long run with
neither boundary is cut anywhere, and that cut is reported as a note.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass, field
from typing import BinaryIO, Iterable, Iterator

from doctor.tokens.encodings import encoding_for, load_encoding

CHUNK_CHARS = 1 << 20  # about 1 MiB of text per encode call
READ_BYTES = 1 << 20

_NEWLINE_BOUNDARY = re.compile(r"(?<=[^\s]\n)(?=[^\W_])")
_SPACE_BOUNDARY = re.compile(r"(?<=[^\W\d_]) (?=[^\W\d_])")
_CONTINUATION_BYTES = bytes(range(0x80, 0xC0))  # UTF-8 bytes that continue a character


class BinaryInput(ValueError):
    """The input is not UTF-8 text (a NUL byte or an invalid sequence)."""


@dataclass
class StreamCount:
    """Tokens of a stream, its size, and notes (e.g. a cut outside a safe boundary)."""

    tokens: int = 0
    characters: int = 0
    notes: list[str] = field(default_factory=list)


def _boundary(text: str, start: int, end: int | None = None) -> int | None:
    """The last safe cut in ``text[start:end]`` (newline boundaries preferred), or without
    ``end`` the first one from ``start`` on."""
    for pattern in (_NEWLINE_BOUNDARY, _SPACE_BOUNDARY):
        if end is None:
            match = pattern.search(text, start)
            if match:
                return match.start()
            continue
        cut = None
        for match in pattern.finditer(text, start):
            if match.start() > end:
                break
            cut = match.start()
        if cut:
            return cut
    return None


def safe_chunks(pieces: Iterable[str], result: StreamCount, chunk_chars: int = CHUNK_CHARS) -> Iterator[str]:
    """Regroup ``pieces`` of text into chunks of about ``chunk_chars``, cut at safe boundaries."""
    max_pending = 8 * chunk_chars
    pending = ""
    hard_cuts = 0
    for piece in pieces:
        pending += piece
        while len(pending) >= chunk_chars:
            cut = _boundary(pending, chunk_chars // 2, chunk_chars) or _boundary(pending, chunk_chars)
            if cut is None:
                if len(pending) < max_pending:
                    break  # wait for more text: a boundary may come
                cut = chunk_chars
                hard_cuts += 1
            yield pending[:cut]
            pending = pending[cut:]
    if pending:
        yield pending
    if hard_cuts:
        result.notes.append(
            f"the text has {hard_cuts} stretch(es) of over {max_pending:,} characters without a line break "
            "or a space between letters; each was cut there, which can shift the count by a token or two"
        )


def _decoded(stream: BinaryIO, read_bytes: int) -> Iterator[str]:
    decoder = codecs.getincrementaldecoder("utf-8")()
    offset = 0
    while block := stream.read(read_bytes):
        if (nul := block.find(b"\0")) >= 0:
            raise BinaryInput(f"binary data (a NUL byte at offset {offset + nul}), not text")
        try:
            yield decoder.decode(block)
        except UnicodeDecodeError as exc:
            raise BinaryInput(f"not UTF-8 text (invalid byte at offset {offset + exc.start})") from None
        offset += len(block)
    try:
        yield decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        raise BinaryInput("not UTF-8 text (it ends in the middle of a character)") from None


def count_stream(stream: BinaryIO, model: str, *, chunk_chars: int = CHUNK_CHARS, read_bytes: int = READ_BYTES) -> StreamCount:
    """Count a binary stream of UTF-8 text in bounded memory; raises BinaryInput for non-text."""
    encoding = load_encoding(encoding_for(model).encoding_name)
    result = StreamCount()
    first = True
    for chunk in safe_chunks(_decoded(stream, read_bytes), result, chunk_chars):
        if first and chunk.startswith("\ufeff"):
            chunk = chunk[1:]  # a byte-order mark is not part of the text
        first = False
        result.characters += len(chunk)
        result.tokens += len(encoding.encode_ordinary(chunk))
    return result


def count_text(text: str, model: str) -> int:
    """Tokens of ``text`` for ``model`` (no chat overhead); long texts are counted in chunks,
    exactly unless 8 MiB pass without a safe boundary (``count_stream`` notes that case)."""
    encoding = load_encoding(encoding_for(model).encoding_name)
    if len(text) <= CHUNK_CHARS:
        return len(encoding.encode_ordinary(text))
    pieces = (text[i : i + CHUNK_CHARS] for i in range(0, len(text), CHUNK_CHARS))
    return sum(len(encoding.encode_ordinary(chunk)) for chunk in safe_chunks(pieces, StreamCount()))


def token_spans(text: str, model: str) -> list[tuple[int, int]]:
    """Character range ``(start, end)`` of each token of ``text``, in order, for colouring.

    The ranges partition the text: every character belongs to the token holding its first
    UTF-8 byte. A token made only of the later bytes of a character (an emoji or CJK
    character split across tokens) gets an empty range ``(i, i)`` at that position, so
    there is still one range per token and ``len(spans)`` equals the token count.
    """
    encoding = load_encoding(encoding_for(model).encoding_name)
    spans = []
    position = 0
    for token_bytes in encoding.decode_tokens_bytes(encoding.encode_ordinary(text)):
        starts = len(token_bytes.translate(None, _CONTINUATION_BYTES))  # bytes that begin a character
        spans.append((position, position + starts))
        position += starts
    return spans
