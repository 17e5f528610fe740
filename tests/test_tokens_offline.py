"""Encodings offline: tiktoken's cache rules, time-bounded downloads, verification, and --prefetch.

Downloads come from a loopback server that serves the real encoding files of the shared
cache (tests/conftest.py) under their official paths, or misbehaves on purpose.
"""

from __future__ import annotations

import hashlib
import inspect
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from doctor.tokens import encodings
from doctor.tokens.encodings import (
    ENCODING_FILES,
    FILES,
    TokenizerUnavailable,
    cache_dir,
    encoding_for,
    encoding_for_without_import,
    is_cached,
    load_encoding,
    prefetch,
)
from tests.conftest import SHARED_TIKTOKEN

SHARED_FILES = [FILES[name] for name in ("r50k_base", "p50k_base", "cl100k_base", "o200k_base")]


class TiktokenServer:
    """A loopback stand-in for openaipublic.blob.core.windows.net; ``mode`` picks its behaviour."""

    def __init__(self):
        self.mode = "serve"  # serve | corrupt | missing
        self.requests: list[str] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _body(self) -> bytes | None:
                server.requests.append(f"{self.command} {self.path}")
                file = next((f for f in FILES.values() if "/" + f.path == self.path), None)
                if file is None or server.mode == "missing":
                    return None
                data = (SHARED_TIKTOKEN / file.cache_name).read_bytes()
                return data[:-10] + b"0123456789" if server.mode == "corrupt" else data

            def do_HEAD(self):
                body = self._body()
                self.send_response(200 if body is not None else 404)
                self.send_header("Content-Length", str(len(body or b"")))
                self.end_headers()

            def do_GET(self):
                body = self._body()
                if body is None:
                    self.send_error(404)
                    return
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def tiktoken_server(monkeypatch):
    server = TiktokenServer()
    monkeypatch.setattr(encodings, "download_source", server.url)
    yield server
    server.close()


@pytest.fixture
def black_hole(monkeypatch):
    """A port that accepts connections and never answers: the firewall that hangs tiktoken."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    monkeypatch.setattr(encodings, "download_source", f"http://127.0.0.1:{listener.getsockname()[1]}/")
    yield
    listener.close()


@pytest.fixture
def empty_cache(tmp_path, monkeypatch):
    """TIKTOKEN_CACHE_DIR pointing at an empty folder, and nothing loaded in this process yet."""
    import tiktoken.registry

    folder = tmp_path / "cache"
    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", str(folder))
    monkeypatch.setattr(encodings, "_loaded", {})
    monkeypatch.setattr(tiktoken.registry, "ENCODINGS", {})
    return folder


def test_the_file_table_matches_tiktokens_own_urls_and_hashes():
    import tiktoken_ext.openai_public as public

    source = inspect.getsource(public)
    for file in FILES.values():
        assert f'"{file.official_url}"' in source, file.label
        assert f'"{file.sha256}"' in source, file.label
    assert set(ENCODING_FILES) == set(public.ENCODING_CONSTRUCTORS)


def test_cache_names_are_the_sha1_of_the_official_url_as_in_the_reference_sheet():
    # Names from shared/reference/openai-api-facts.md §6, computed there with sha1sum.
    assert FILES["o200k_base"].cache_name == "fb374d419588a4632f3f557e76b4b70aebbca790"
    assert FILES["cl100k_base"].cache_name == "9b5ad71b2ce5302211f9c61530b329a4922fc6a4"
    assert all(is_cached(f, SHARED_TIKTOKEN) for f in SHARED_FILES)


@pytest.mark.parametrize(
    "environ, expected",
    [
        ({"TIKTOKEN_CACHE_DIR": "/a", "DATA_GYM_CACHE_DIR": "/b"}, (Path("/a"), "TIKTOKEN_CACHE_DIR")),
        ({"DATA_GYM_CACHE_DIR": "/b"}, (Path("/b"), "DATA_GYM_CACHE_DIR")),
        ({"TIKTOKEN_CACHE_DIR": ""}, (None, "TIKTOKEN_CACHE_DIR")),
    ],
)
def test_cache_folder_follows_tiktokens_order(environ, expected):
    assert cache_dir(environ) == expected


def test_default_cache_folder_is_data_gym_cache_in_the_temp_dir():
    import tempfile

    assert cache_dir({}) == (Path(tempfile.gettempdir()) / "data-gym-cache", "default")


@pytest.mark.parametrize(
    "model",
    ["gpt-4o", "gpt-4o-mini", "gpt-4o-2024-08-06", "gpt-4.1", "gpt-4.1-nano", "o1", "o3-mini", "o4-mini", "gpt-5",
     "gpt-5-mini", "gpt-4", "gpt-4-0613", "gpt-3.5-turbo", "text-embedding-3-small", "davinci", "gpt-oss-20b",
     "ft:gpt-4o-mini:acme::abc", "llama-3-70b"],
)
def test_reading_tiktokens_table_without_importing_agrees_with_tiktoken(model):
    assert encoding_for_without_import(model) == encoding_for(model)


def test_a_missing_file_is_downloaded_verified_and_saved_where_tiktoken_looks(empty_cache, tiktoken_server):
    encoding = load_encoding("cl100k_base")

    assert encoding.encode_ordinary("tiktoken is great!") == [83, 1609, 5963, 374, 2294, 0]  # the cookbook's example
    assert is_cached(FILES["cl100k_base"], empty_cache)
    assert tiktoken_server.requests == ["GET /encodings/cl100k_base.tiktoken"]


def test_a_corrupt_cached_file_is_replaced(empty_cache, tiktoken_server):
    file = FILES["r50k_base"]
    empty_cache.mkdir()
    (empty_cache / file.cache_name).write_bytes(b"not an encoding")

    load_encoding("r50k_base")

    assert is_cached(file, empty_cache)


def test_a_download_that_never_answers_gives_up_in_time_and_says_how_to_preseed(empty_cache, black_hole):
    started = time.monotonic()
    with pytest.raises(TokenizerUnavailable) as raised:
        load_encoding("o200k_base", timeout=1)

    assert time.monotonic() - started < 5
    message = str(raised.value)
    assert FILES["o200k_base"].official_url in message and FILES["o200k_base"].cache_name in message
    assert str(empty_cache) in message and "TIKTOKEN_CACHE_DIR" in message
    assert "--prefetch" in message and "Timeout" in message


def test_a_download_with_the_wrong_hash_is_refused_and_not_cached(empty_cache, tiktoken_server):
    tiktoken_server.mode = "corrupt"
    with pytest.raises(TokenizerUnavailable, match="hash mismatch"):
        load_encoding("p50k_base")
    assert not (empty_cache / FILES["p50k_base"].cache_name).exists()


def test_with_tiktokens_cache_turned_off_a_hanging_download_is_abandoned(monkeypatch, empty_cache):
    import tiktoken

    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", "")
    monkeypatch.setattr(tiktoken, "get_encoding", lambda name: time.sleep(30))
    started = time.monotonic()
    with pytest.raises(TokenizerUnavailable, match="TIKTOKEN_CACHE_DIR is empty"):
        load_encoding("o200k_base", timeout=0.5)
    assert time.monotonic() - started < 3


def test_prefetch_downloads_and_verifies_every_encoding(tmp_path, tiktoken_server):
    target = tmp_path / "air-gap"

    results = prefetch(target, source=tiktoken_server.url)

    assert [(r.file.label, r.status) for r in results] == [(f, "downloaded") for f in ("o200k_base", "cl100k_base", "p50k_base", "r50k_base")]
    for file in SHARED_FILES:
        saved = (target / file.cache_name).read_bytes()
        assert hashlib.sha256(saved).hexdigest() == file.sha256
    assert [r.status for r in prefetch(target, source=tiktoken_server.url)] == ["cached"] * 4


def test_prefetch_refuses_a_file_with_the_wrong_hash(tmp_path, tiktoken_server):
    tiktoken_server.mode = "corrupt"

    results = prefetch(tmp_path, ("cl100k_base",), source=tiktoken_server.url)

    assert [r.status for r in results] == ["failed"]
    assert "hash mismatch" in results[0].detail and FILES["cl100k_base"].sha256 in results[0].detail
    assert list(tmp_path.iterdir()) == []


def test_prefetch_reports_a_file_the_server_does_not_have(tmp_path, tiktoken_server):
    tiktoken_server.mode = "missing"

    [result] = prefetch(tmp_path, ("r50k_base",), source=tiktoken_server.url)

    assert result.status == "failed" and "404" in result.detail


def test_the_prefetch_command_fills_a_folder_tiktoken_then_uses(tmp_path, tiktoken_server, capsys, empty_cache, monkeypatch):
    from doctor.cli import main

    target = tmp_path / "prefetched"
    assert main(["tokens", "--prefetch", "--cache-dir", str(target)]) == 0
    out = capsys.readouterr().out
    assert out.count("downloaded") == 4 and f"TIKTOKEN_CACHE_DIR={target}" in out

    tiktoken_server.mode = "missing"  # from now on only the prefetched folder can help
    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", str(target))
    assert main(["tokens", "hello world", "--model", "gpt-4", "--json"]) == 0
    assert '"input_tokens": 2' in capsys.readouterr().out


def test_the_prefetch_command_fails_with_exit_3_when_a_download_fails(tmp_path, tiktoken_server, capsys):
    from doctor.cli import main

    tiktoken_server.mode = "corrupt"
    assert main(["tokens", "--prefetch", "--cache-dir", str(tmp_path)]) == 1
    captured = capsys.readouterr()
    assert captured.out.count("failed") == 4 and "could not be fetched" in captured.err
