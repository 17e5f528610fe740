"""The tokenizer probe: tokenizer.missing, tokenizer.offline (each variant) and tokenizer.unknown_model."""

from __future__ import annotations

import socket

from doctor.probes.tokenizer import check_tokenizer
from doctor.runner import Context
from doctor.tokens.encodings import FILES
from tests.conftest import SHARED_TIKTOKEN, codes
from tests.test_tokens_offline import tiktoken_server  # noqa: F401 - a fixture

O200K = FILES["o200k_base"]


def run(make_settings, env, *, offline=True, model=None, **kw):
    settings = make_settings(env, flags={"model": model} if model else None, **kw)
    return check_tokenizer(Context(settings=settings, offline=offline, timeout=5))


def test_tiktoken_not_installed(make_settings, monkeypatch):
    from doctor.probes import tokenizer

    real_version = tokenizer.installed_version
    monkeypatch.setattr(tokenizer, "installed_version", lambda name: None if name == "tiktoken" else real_version(name))
    outcome = run(make_settings, {"TIKTOKEN_CACHE_DIR": str(SHARED_TIKTOKEN)})
    assert codes(outcome.findings) == ["tokenizer.missing"]
    assert "pip install tiktoken" in outcome.findings[0].fix[0].en


def test_the_shared_cache_has_what_the_default_model_needs(make_settings):
    outcome = run(make_settings, {"TIKTOKEN_CACHE_DIR": str(SHARED_TIKTOKEN)})
    assert outcome.findings == []
    assert outcome.evidence["encoding"] == "o200k_base" and outcome.evidence["cache_dir"] == str(SHARED_TIKTOKEN)


def test_a_cache_folder_set_in_the_dotenv_file_counts(make_settings):
    outcome = run(make_settings, {}, dotenv=f"TIKTOKEN_CACHE_DIR={SHARED_TIKTOKEN}\n")
    assert outcome.findings == [] and outcome.evidence["cache_dir_from"] == "TIKTOKEN_CACHE_DIR"


def test_offline_an_empty_cache_is_reported_without_any_download(make_settings, tmp_path, tiktoken_server):
    outcome = run(make_settings, {"TIKTOKEN_CACHE_DIR": str(tmp_path)}, model="gpt-4")
    [finding] = outcome.findings
    assert finding.code == "tokenizer.offline"
    assert "cl100k_base" in finding.message.en and "gpt-4" in finding.message.en and str(tmp_path) in finding.message.en
    assert "only the cache was checked" in finding.message.en
    assert any(FILES["cl100k_base"].cache_name in step.en and FILES["cl100k_base"].official_url in step.en for step in finding.fix)
    assert any("TIKTOKEN_CACHE_DIR" in step.en for step in finding.fix)
    assert tiktoken_server.requests == []


def test_offline_a_corrupt_cached_file_is_reported(make_settings, tmp_path):
    (tmp_path / O200K.cache_name).write_bytes(b"truncated")
    [finding] = run(make_settings, {"TIKTOKEN_CACHE_DIR": str(tmp_path)}).findings
    assert finding.code == "tokenizer.offline" and "checksum" in finding.message.en


def test_an_empty_cache_variable_turns_the_cache_off(make_settings):
    [finding] = run(make_settings, {"TIKTOKEN_CACHE_DIR": ""}).findings
    assert finding.code == "tokenizer.offline" and "empty string" in finding.message.en


def test_online_a_missing_file_that_can_be_downloaded_is_fine(make_settings, tmp_path, tiktoken_server):
    outcome = run(make_settings, {"TIKTOKEN_CACHE_DIR": str(tmp_path)}, offline=False)
    assert outcome.findings == []
    assert "reachable" in outcome.evidence["download"]
    assert tiktoken_server.requests == [f"HEAD /{O200K.path}"]


def test_online_a_missing_file_that_cannot_be_downloaded_is_reported(make_settings, tmp_path, tiktoken_server):
    tiktoken_server.mode = "missing"
    [finding] = run(make_settings, {"TIKTOKEN_CACHE_DIR": str(tmp_path)}, offline=False).findings
    assert finding.code == "tokenizer.offline"
    assert "cannot be downloaded" in finding.message.en and "HTTP 404" in finding.message.en


def test_online_an_unreachable_download_host_is_reported(make_settings, tmp_path, monkeypatch):
    from doctor.tokens import encodings

    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    monkeypatch.setattr(encodings, "download_source", f"http://127.0.0.1:{port}/")
    [finding] = run(make_settings, {"TIKTOKEN_CACHE_DIR": str(tmp_path)}, offline=False).findings
    assert finding.code == "tokenizer.offline" and "ConnectError" in finding.message.en


def test_a_model_tiktoken_does_not_know(make_settings):
    outcome = run(make_settings, {"TIKTOKEN_CACHE_DIR": str(SHARED_TIKTOKEN)}, model="llama-3-70b")
    assert codes(outcome.findings) == ["tokenizer.unknown_model"]
    assert "llama-3-70b" in outcome.findings[0].message.en
    assert outcome.evidence["encoding"] == "o200k_base"  # the fallback's file was checked instead


def test_the_probe_runs_with_every_offline_check():
    from doctor.probes import load_probes

    assert "tokenizer.encoding" in [p.id for p in load_probes(offline=True)]
