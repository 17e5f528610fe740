"""The token library: encodings per model, text and chat counts by the cookbook, images, big streams, spans."""

from __future__ import annotations

import base64
import io
import random
import struct
import tracemalloc

import pytest

from doctor.tokens import (
    BinaryInput,
    InvalidMessages,
    count_messages,
    count_stream,
    count_text,
    encoding_for,
    token_spans,
)
from doctor.tokens.counting import StreamCount, safe_chunks
from doctor.tokens.encodings import load_encoding
from doctor.tokens.images import image_size, image_tokens, tile_rule_for

# --- the cookbook's examples, with the prompt token counts the OpenAI API returned for them ---
# Source: github.com/openai/openai-cookbook, examples/How_to_count_tokens_with_tiktoken.ipynb,
# section 6 "Counting tokens for chat completions API calls" (commit c81359cd: gpt-3.5-turbo 129,
# gpt-4-0613 129, gpt-4 129, gpt-4o 124, gpt-4o-mini 124; commit 06d9feb5: gpt-3.5-turbo-0301 127)
# and section 7 "Counting tokens for chat completions with tool calls" (commit c81359cd:
# gpt-3.5-turbo 105, gpt-4 105, gpt-4o 101, gpt-4o-mini 101).
COOKBOOK_MESSAGES = [
    {"role": "system", "content": "You are a helpful, pattern-following assistant that translates corporate jargon into plain English."},
    {"role": "system", "name": "example_user", "content": "New synergies will help drive top-line growth."},
    {"role": "system", "name": "example_assistant", "content": "Things working well together will increase revenue."},
    {"role": "system", "name": "example_user", "content": "Let's circle back when we have more bandwidth to touch base on opportunities for increased leverage."},
    {"role": "system", "name": "example_assistant", "content": "Let's talk later when we're less busy about how to do better."},
    {"role": "user", "content": "This late pivot means we don't have time to boil the ocean for the client deliverable."},
]
COOKBOOK_TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "get_current_weather",
            "description": "Get the current weather in a given location",
            "parameters": {
                "type": "object",
                "properties": {
                    "location": {"type": "string", "description": "The city and state, e.g. San Francisco, CA"},
                    "unit": {"type": "string", "description": "The unit of temperature to return", "enum": ["celsius", "fahrenheit"]},
                },
                "required": ["location"],
            },
        },
    }
]
COOKBOOK_TOOL_MESSAGES = [
    {"role": "system", "content": "You are a helpful assistant that can answer to questions about the weather."},
    {"role": "user", "content": "What's the weather like in San Francisco?"},
]


@pytest.mark.parametrize(
    "model, api_count",
    [("gpt-3.5-turbo", 129), ("gpt-4-0613", 129), ("gpt-4", 129), ("gpt-4o", 124), ("gpt-4o-mini", 124), ("gpt-3.5-turbo-0301", 127)],
)
def test_chat_messages_match_the_api_counts_published_in_the_cookbook(model, api_count):
    counted = count_messages(COOKBOOK_MESSAGES, model)
    assert counted.input_tokens == api_count
    assert counted.image_tokens is None and counted.notes == []


@pytest.mark.parametrize("model, api_count", [("gpt-3.5-turbo", 105), ("gpt-4", 105), ("gpt-4o", 101), ("gpt-4o-mini", 101)])
def test_tool_definitions_match_the_api_counts_published_in_the_cookbook(model, api_count):
    assert count_messages(COOKBOOK_TOOL_MESSAGES, model, COOKBOOK_TOOLS).input_tokens == api_count


def test_models_the_cookbook_did_not_measure_are_counted_by_their_encoding_and_called_an_estimate():
    counted = count_messages(COOKBOOK_MESSAGES, "gpt-5")
    assert counted.input_tokens == 124
    assert any("estimate" in note and "gpt-5" in note for note in counted.notes)


@pytest.mark.parametrize(
    "model, encoding",
    [("gpt-4o", "o200k_base"), ("gpt-4o-mini", "o200k_base"), ("gpt-4.1-mini", "o200k_base"), ("o1", "o200k_base"),
     ("o3-mini", "o200k_base"), ("o4-mini", "o200k_base"), ("gpt-5", "o200k_base"), ("gpt-5-nano", "o200k_base"),
     ("gpt-4", "cl100k_base"), ("gpt-3.5-turbo", "cl100k_base"), ("text-embedding-3-large", "cl100k_base")],
)
def test_current_model_names_map_to_their_encoding(model, encoding):
    choice = encoding_for(model)
    assert choice.encoding_name == encoding and choice.note is None


def test_an_unknown_model_gets_a_fallback_encoding_and_a_note_not_a_key_error():
    choice = encoding_for("my-company-llm")
    assert choice.encoding_name == "o200k_base"
    assert "my-company-llm" in choice.note and "o200k_base" in choice.note


def test_count_text_uses_the_models_encoding():
    # From the cookbook's "Comparing encodings": cl100k_base 7 tokens, o200k_base splits digits differently.
    assert count_text("2 + 2 = 4", "gpt-4") == 7
    assert count_text("お誕生日おめでとう", "gpt-4") == 9
    assert count_text("お誕生日おめでとう", "gpt-4o") == 8


def test_special_token_text_is_counted_as_plain_text():
    assert count_text("<|endoftext|>", "gpt-4o") > 1


# --- token spans -----------------------------------------------------------------------------


def test_spans_cover_the_text_in_order_one_per_token():
    text = "tiktoken is great!"
    spans = token_spans(text, "gpt-4")
    assert [text[a:b] for a, b in spans] == ["t", "ik", "token", " is", " great", "!"]


def test_a_character_split_across_tokens_belongs_to_the_token_holding_its_first_byte():
    # cl100k splits 誕 (3 bytes) into b'\xe8\xaa' + b'\x95' (the cookbook's byte listing).
    text = "お誕生日おめでとう"
    spans = token_spans(text, "gpt-4")
    assert len(spans) == 9
    assert spans[1:3] == [(1, 2), (2, 2)]  # 誕, then the token made only of its last byte
    assert spans[0][0] == 0 and spans[-1][1] == len(text)
    assert all(a[1] == b[0] for a, b in zip(spans, spans[1:]))


# --- images ----------------------------------------------------------------------------------


def png(width: int, height: int) -> bytes:
    return b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + struct.pack(">II", width, height) + b"\x08\x02\x00\x00\x00"


def jpeg(width: int, height: int) -> bytes:
    app0 = b"\xff\xe0" + struct.pack(">H", 16) + b"JFIF\x00" + b"\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    sof = b"\xff\xc0" + struct.pack(">HBHHB", 11, 8, height, width, 1) + b"\x01\x11\x00"
    return b"\xff\xd8" + app0 + sof + b"\xff\xd9"


def data_url(data: bytes, kind: str = "png") -> str:
    return f"data:image/{kind};base64," + base64.b64encode(data).decode()


@pytest.mark.parametrize(
    "data, size",
    [
        (png(1024, 768), (1024, 768)),
        (jpeg(640, 480), (640, 480)),
        (b"GIF89a" + struct.pack("<HH", 300, 200) + b"\x00" * 8, (300, 200)),
        (b"RIFF\x00\x00\x00\x00WEBPVP8X" + b"\x00" * 8 + (799).to_bytes(3, "little") + (599).to_bytes(3, "little"), (800, 600)),
        (b"not an image", None),
    ],
)
def test_image_sizes_are_read_from_headers(data, size):
    assert image_size(data) == size


@pytest.mark.parametrize(
    "size, detail, tokens",
    # The vision guide's worked examples: 1024x1024 high = 765, 2048x4096 high = 1105, low = 85.
    [((1024, 1024), "high", 765), ((2048, 4096), "high", 1105), ((4096, 8192), "low", 85), ((512, 512), "high", 255)],
)
def test_tile_rule_reproduces_the_vision_guides_examples(size, detail, tokens):
    assert image_tokens(tile_rule_for("gpt-4o"), *size, detail) == tokens


def image_message(url: str, **extra) -> list[dict]:
    return [{"role": "user", "content": [{"type": "text", "text": "What is in this image?"}, {"type": "image_url", "image_url": {"url": url, **extra}}]}]


def test_an_image_of_known_size_is_counted_by_tiles_and_reported_separately():
    counted = count_messages(image_message(data_url(png(1024, 1024)), detail="high"), "gpt-4o")
    text_only = count_messages([{"role": "user", "content": "What is in this image?"}], "gpt-4o").input_tokens
    assert counted.image_tokens == 765
    assert counted.input_tokens == text_only + 765


def test_gpt_4o_mini_images_use_its_larger_base_and_tile_numbers():
    counted = count_messages(image_message(data_url(jpeg(512, 512)), detail="high"), "gpt-4o-mini")
    assert counted.image_tokens == 2833 + 5667


def test_explicit_width_and_height_size_a_remote_image():
    counted = count_messages(image_message("https://example.com/cat.png", width=2048, height=4096, detail="high"), "gpt-4o")
    assert counted.image_tokens == 1105


def test_low_detail_needs_no_size():
    assert count_messages(image_message("https://example.com/cat.png", detail="low"), "gpt-4o").image_tokens == 85


def test_an_image_of_unknown_size_is_reported_as_not_counted_never_as_zero():
    counted = count_messages(image_message("https://example.com/cat.png"), "gpt-4o")
    assert counted.image_tokens is None
    assert any("not counted" in note and "size is unknown" in note for note in counted.notes)


def test_an_image_for_a_model_without_a_documented_tile_rule_is_reported_as_not_counted():
    counted = count_messages(image_message(data_url(png(100, 100)), detail="high"), "gpt-4.1-mini")
    assert counted.image_tokens is None
    assert any("not counted" in note and "gpt-4.1-mini" in note for note in counted.notes)


# --- bad shapes ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "messages, tools, words",
    [
        ([], None, "non-empty list"),
        ({"role": "user"}, None, "non-empty list"),
        (["hello"], None, "message 1: expected an object"),
        ([{"content": "hi"}], None, "message 1: missing 'role'"),
        ([{"role": "robot", "content": "hi"}], None, "unknown role 'robot'"),
        ([{"role": "user"}], None, "missing 'content'"),
        ([{"role": "user", "content": 42}], None, "'content' must be a string or a list"),
        ([{"role": "user", "content": ["just a string"]}], None, "part 1: expected an object with a 'type'"),
        ([{"role": "user", "content": [{"type": "image_url"}]}], None, "needs 'image_url'"),
        ([{"role": "user", "content": [{"type": "image_url", "image_url": {"url": "x", "detail": "max"}}]}], None, "'detail' must be"),
        ([{"role": "user", "content": [{"type": "image_url", "image_url": {"url": "x", "width": -1, "height": 5}}]}], None, "positive integers"),
        ([{"role": "user", "content": [{"type": "video", "url": "x"}]}], None, "unknown content part type 'video'"),
        ([{"role": "user", "content": "hi"}], {"type": "function"}, "'tools' must be a list"),
        ([{"role": "user", "content": "hi"}], [{"type": "function", "function": {"description": "x"}}], "tool 1: needs 'function'"),
    ],
)
def test_wrong_shapes_raise_a_clear_error(messages, tools, words):
    with pytest.raises(InvalidMessages, match=words.replace("(", r"\(").replace("'", "'")):
        count_messages(messages, "gpt-4o", tools)


def test_audio_and_file_parts_are_reported_as_not_counted():
    messages = [{"role": "user", "content": [{"type": "input_audio", "input_audio": {"data": "AAAA", "format": "wav"}}]}]
    counted = count_messages(messages, "gpt-4o")
    assert any("input_audio" in note and "not counted" in note for note in counted.notes)


# --- big inputs ------------------------------------------------------------------------------


def tricky_text(size: int, seed: int = 3) -> str:
    """Words, digits, CJK, emoji, CRLF, runs of spaces and newlines, slashes after newlines."""
    rng = random.Random(seed)
    pieces = ["hello", "World", "  ", "\n", "\n\n", " \n", "\t", "123", "45678", "it's", "DON'T", "naïve", "日本語",
              "お誕生日", "😀", "e\u0301", "x.\n", "/", "<|endoftext|>", "\r\n", "...", "foo_bar", "ABCdef", "١٢٣", " "]
    out, length = [], 0
    while length < size:
        piece = rng.choice(pieces) + rng.choice(["", " ", "", "\n"])
        out.append(piece)
        length += len(piece)
    return "".join(out)


@pytest.mark.parametrize("model", ["gpt-4o", "gpt-4", "text-davinci-003", "davinci"])
def test_a_multi_chunk_stream_counts_exactly_like_the_whole_text(model):
    text = tricky_text(300_000)
    whole = len(load_encoding(encoding_for(model).encoding_name).encode_ordinary(text))
    data = io.BytesIO(text.encode("utf-8"))

    counted = count_stream(data, model, chunk_chars=20_000, read_bytes=7_001)  # reads split characters too

    assert counted.tokens == whole and counted.characters == len(text)
    assert counted.notes == []


def test_chunks_only_cut_at_safe_boundaries_and_lose_nothing():
    text = tricky_text(100_000, seed=11)
    chunks = list(safe_chunks([text], StreamCount(), chunk_chars=2_000))
    assert "".join(chunks) == text and len(chunks) > 40


def test_a_long_run_without_any_boundary_is_cut_and_the_note_says_so():
    result = StreamCount()
    chunks = list(safe_chunks(["x" * 50_000], result, chunk_chars=1_000))
    assert "".join(chunks) == "x" * 50_000
    assert result.notes and "shift the count" in result.notes[0]


def _peak_memory_counting(path) -> int:
    tracemalloc.start()
    with path.open("rb") as handle:
        count_stream(handle, "gpt-4o", chunk_chars=50_000, read_bytes=50_000)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak


def test_memory_does_not_grow_with_the_size_of_the_file(tmp_path):
    line = "The quick brown fox jumps over the lazy dog; 1234 åäö 日本語.\n"
    small, large = tmp_path / "small.txt", tmp_path / "large.txt"
    small.write_text(line * 20_000, encoding="utf-8")
    large.write_text(line * 80_000, encoding="utf-8")
    load_encoding("o200k_base")  # loaded once per process, not part of what is measured

    small_peak, large_peak = _peak_memory_counting(small), _peak_memory_counting(large)

    assert large_peak < 1.5 * small_peak, (small_peak, large_peak)
    assert large_peak < large.stat().st_size / 4


@pytest.mark.parametrize(
    "data, words",
    [(b"PK\x03\x04\x00\x00binary", "NUL byte at offset 4"), (b"caf\xe9 latin-1", "not UTF-8 text (invalid byte at offset 3)")],
)
def test_binary_or_non_utf8_input_is_refused(data, words):
    with pytest.raises(BinaryInput, match=words.replace("(", r"\(").replace(")", r"\)")):
        count_stream(io.BytesIO(data), "gpt-4o")


def test_a_byte_order_mark_is_not_counted():
    assert count_stream(io.BytesIO("\ufeffhello".encode()), "gpt-4o").tokens == count_text("hello", "gpt-4o")
