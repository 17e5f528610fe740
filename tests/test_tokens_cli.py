"""`openai-doctor tokens`: inputs, JSON shape, bad input (exit 2), offline failure (exit 3), keys never echoed."""

from __future__ import annotations

import io
import json
import time

import pytest

from doctor.cli import main
from tests.conftest import CANARY_KEY, run_cli
from tests.test_tokens import COOKBOOK_MESSAGES, COOKBOOK_TOOL_MESSAGES, COOKBOOK_TOOLS


@pytest.fixture(autouse=True)
def no_user_price_file(tmp_path, monkeypatch):
    """The developer's own prices.toml must not change these results."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))


def run(capsys, *args, stdin: bytes | None = None, monkeypatch=None):
    if stdin is not None:
        monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(stdin)))
    code = main(["tokens", *args])
    out, err = capsys.readouterr()
    return code, out, err


def as_json(capsys, *args, **kw):
    code, out, err = run(capsys, *args, "--json", **kw)
    assert code == 0, err
    return json.loads(out)


def test_json_has_the_documented_shape_with_money_as_decimal_strings(capsys):
    result = as_json(capsys, "tiktoken is great!", "--model", "gpt-4o", "--output-tokens", "1000", "--calls", "3")
    assert {"model", "encoding", "input_tokens", "output_tokens", "context_window", "fits", "cost"} <= set(result)
    assert set(result["cost"]) >= {"input_usd", "output_usd", "total_usd", "prices_as_of", "price_source"}
    assert (result["model"], result["encoding"], result["output_tokens"], result["calls"]) == ("gpt-4o", "o200k_base", 1000, 3)
    assert result["context_window"] == 128_000 and result["fits"] is True
    cost = result["cost"]
    assert all(isinstance(cost[k], str) for k in ("input_usd", "output_usd", "total_usd"))
    from decimal import Decimal

    assert Decimal(cost["input_usd"]) + Decimal(cost["output_usd"]) == Decimal(cost["total_usd"])


def test_the_default_model_is_gpt_4o_mini(capsys):
    assert as_json(capsys, "hello")["model"] == "gpt-4o-mini"


def test_standard_input_and_a_file_count_the_same_text(capsys, monkeypatch, tmp_path):
    text = "The quick brown fox.\n" * 1000
    path = tmp_path / "prompt.txt"
    path.write_text(text, encoding="utf-8")
    from_file = as_json(capsys, "--file", str(path))["input_tokens"]
    from_stdin = as_json(capsys, "-", stdin=text.encode(), monkeypatch=monkeypatch)["input_tokens"]
    as_argument = as_json(capsys, text)["input_tokens"]
    import tiktoken

    one_line = len(tiktoken.get_encoding("o200k_base").encode_ordinary("The quick brown fox.\n"))
    assert from_file == from_stdin == as_argument == 1000 * one_line


def test_a_chat_request_file_with_tools_counts_like_the_cookbook(capsys, tmp_path):
    path = tmp_path / "request.json"
    path.write_text(json.dumps({"model": "gpt-4o", "messages": COOKBOOK_TOOL_MESSAGES, "tools": COOKBOOK_TOOLS}), encoding="utf-8")
    result = as_json(capsys, "--messages", str(path))
    assert (result["model"], result["input_tokens"]) == ("gpt-4o", 101)  # the cookbook's API-measured count


def test_a_list_of_messages_from_stdin_for_a_chosen_model(capsys, monkeypatch):
    result = as_json(capsys, "--messages", "-", "--model", "gpt-4", stdin=json.dumps(COOKBOOK_MESSAGES).encode(), monkeypatch=monkeypatch)
    assert result["input_tokens"] == 129


def test_text_output_says_when_the_request_does_not_fit(capsys):
    code, out, _ = run(capsys, "word " * 10, "--model", "gpt-4", "--output-tokens", "8190")
    assert code == 0
    assert "does NOT fit" in out and "gpt-4 (cl100k_base)" in out and "genai-prices" in out


def test_a_model_without_prices_says_no_price_data_in_text_and_json(capsys):
    code, out, _ = run(capsys, "hello", "--model", "my-company-llm")
    assert code == 0 and "no price data" in out and "$0" not in out
    cost = as_json(capsys, "hello", "--model", "my-company-llm")["cost"]
    assert cost["total_usd"] is None


def test_a_price_file_is_used_and_named(capsys, tmp_path):
    path = tmp_path / "p.toml"
    path.write_text('[models."my-company-llm"]\ninput = 1\noutput = 2\nas_of = "2026-11-01"\n', encoding="utf-8")
    cost = as_json(capsys, "hello", "--model", "my-company-llm", "--prices", str(path))["cost"]
    assert (cost["input_usd"], cost["prices_as_of"]) == ("0.000001", "2026-11-01") and str(path) in cost["price_source"]


def test_the_default_price_file_is_read_from_the_user_config_folder(capsys, tmp_path):
    path = tmp_path / "config" / "openai-doctor" / "prices.toml"
    path.parent.mkdir(parents=True)
    path.write_text('[models."gpt-4o"]\ninput = 1000000\noutput = 0\nsource = "our deal"\n', encoding="utf-8")
    cost = as_json(capsys, "hello", "--model", "gpt-4o")["cost"]
    assert (cost["input_usd"], cost["price_source"]) == ("1", "our deal")


BAD_JSON_REQUEST = b'{"messages": [{"role": "user", "content": "hi"}'


@pytest.mark.parametrize(
    "args, stdin, words",
    [
        (["--messages", "-"], BAD_JSON_REQUEST, "invalid JSON"),
        (["--messages", "-"], b'[{"content": "hi"}]', "message 1: missing 'role'"),
        (["--messages", "-"], b'[{"role": "user", "content": [{"type": "image_url"}]}]', "needs 'image_url'"),
        (["--messages", "-"], b'[{"role": "user", "content": [{"image_url": {"url": "x"}}]}]', "expected an object with a 'type'"),
        (["--messages", "-"], b'{"prompt": "hi"}', "object with 'messages'"),
        (["--messages", "-"], b"\x89PNG\r\n\x1a\n\x00\x00", "binary data"),
        (["-"], b"\x00\x01\x02", "binary data"),
        (["x", "--output-tokens", "-5"], None, "--output-tokens: must be 0 or more"),
        (["x", "--cached-tokens", "many"], None, "not a whole number"),
        (["x", "--calls", "0"], None, "--calls: must be 1 or more"),
        (["x", "--cached-tokens", "50"], None, "cannot exceed input tokens"),
        (["x", "--tier", "cheap"], None, "invalid choice"),
        ([], None, "give one input"),
        (["x", "--file", "y.txt"], None, "give only one input"),
        (["--file", "/no/such/file.txt"], None, "No such file"),
        (["x", "--cache-dir", "/tmp"], None, "--cache-dir only goes with --prefetch"),
        (["x", "--prices", "/no/such/prices.toml"], None, "--prices /no/such/prices.toml"),
    ],
)
def test_bad_input_is_a_usage_error_never_a_traceback(capsys, monkeypatch, args, stdin, words):
    code, out, err = run(capsys, *args, stdin=stdin, monkeypatch=monkeypatch)
    assert code == 2, (out, err)
    assert err.startswith("openai-doctor: error: ") and words in err and "Traceback" not in err


def test_a_binary_file_is_a_usage_error(capsys, tmp_path):
    path = tmp_path / "photo.jpg"
    path.write_bytes(b"\xff\xd8\xff\xe0\x00\x10JFIF\x00")
    code, _, err = run(capsys, "--file", str(path))
    assert code == 2 and "binary data" in err


def test_without_the_encoding_and_without_internet_it_fails_fast_with_exit_3_and_the_fix(tmp_path):
    started = time.monotonic()
    result = run_cli("tokens", "hello", env={"TIKTOKEN_CACHE_DIR": str(tmp_path / "empty")}, timeout=60)
    assert time.monotonic() - started < 30
    assert result.returncode == 1 and result.stdout == ""
    assert "fb374d419588a4632f3f557e76b4b70aebbca790" in result.stderr  # o200k_base's cache name
    assert "TIKTOKEN_CACHE_DIR" in result.stderr and "--prefetch" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize("as_json_flag", [[], ["--json"]])
def test_a_pasted_key_is_never_echoed(capsys, monkeypatch, tmp_path, as_json_flag):
    request = tmp_path / "r.json"
    request.write_text(json.dumps([{"role": "user", "content": f"my key is {CANARY_KEY}", "name": CANARY_KEY}]), encoding="utf-8")
    runs = [
        run(capsys, f"debug this: {CANARY_KEY}", *as_json_flag),
        run(capsys, "hello", "--model", CANARY_KEY, *as_json_flag),
        run(capsys, "--messages", str(request), *as_json_flag),
        run(capsys, "-", *as_json_flag, stdin=CANARY_KEY.encode(), monkeypatch=monkeypatch),
        run(capsys, "--messages", "-", stdin=f'{{"messages": [{{"role": "{CANARY_KEY}"'.encode(), monkeypatch=monkeypatch),
        run(capsys, "--messages", "-", stdin=f'[{{"role": "{CANARY_KEY}", "content": "x"}}]'.encode(), monkeypatch=monkeypatch),
    ]
    for code, out, err in runs:
        for leak in (CANARY_KEY, "CANARYcanary", "leakLEAK"):
            assert leak not in out and leak not in err


def test_text_labels_follow_lang_and_stay_aligned():
    from tests.conftest import run_cli

    zh = run_cli("tokens", "Hello world", "--calls", "2", "--lang", "zh").stdout.splitlines()
    en = run_cli("tokens", "Hello world", "--calls", "2", "--lang", "en").stdout.splitlines()
    assert zh[0].startswith("模型      gpt-4o-mini") and en[0].startswith("model     gpt-4o-mini")
    assert "2 个 token" in zh[1] and "2 tokens" in en[1]
    assert "次调用共" in zh[5] and "for 2 calls" in en[5]
