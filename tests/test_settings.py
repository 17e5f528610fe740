"""Settings resolution: the value the user's app would see, and where it came from."""

from __future__ import annotations

import pytest

from doctor.settings import DEFAULT_BASE_URL, EnvFileError, SourceKind, find_dotenv, resolve
from tests.conftest import PROJECT_KEY


def test_shell_wins_over_dotenv_like_load_dotenv(make_settings):
    settings = make_settings({"OPENAI_API_KEY": "sk-shell"}, dotenv="OPENAI_API_KEY=sk-file\n")
    assert settings.get("api_key") == "sk-shell"
    assert settings["api_key"].kind is SourceKind.ENV
    assert settings["api_key"].source == "env OPENAI_API_KEY"


def test_dotenv_value_records_file_and_line(make_settings, tmp_path):
    settings = make_settings({}, dotenv="# comment\nOPENAI_ORG_ID=org-abc\n\nOPENAI_API_KEY=sk-file\n")
    value = settings["api_key"]
    assert value.kind is SourceKind.DOTENV and value.line == 4 and value.file == str(tmp_path / ".env")
    assert value.source == f".env {tmp_path / '.env'}:4 (OPENAI_API_KEY)"


def test_flag_wins_over_environment(make_settings):
    settings = make_settings({"OPENAI_BASE_URL": "http://env/v1"}, flags={"base_url": "http://flag/v1"})
    assert settings.get("base_url") == "http://flag/v1" and settings["base_url"].source == "flag --base-url"


def test_defaults_and_unset(make_settings):
    settings = make_settings({})
    assert settings.get("base_url") == DEFAULT_BASE_URL and settings["base_url"].kind is SourceKind.DEFAULT
    assert settings.get("model") == "gpt-4o-mini"
    assert settings["api_key"].kind is SourceKind.UNSET and not settings["api_key"].is_set


def test_lowercase_proxy_variable_wins_like_httpx(make_settings):
    settings = make_settings({"HTTPS_PROXY": "http://upper:1", "https_proxy": "http://lower:2"})
    assert settings.get("https_proxy") == "http://lower:2"


def test_find_dotenv_walks_up_from_the_project_dir(tmp_path):
    (tmp_path / ".env").write_text("A=1\n")
    nested = tmp_path / "src" / "app"
    nested.mkdir(parents=True)
    assert find_dotenv(nested) == tmp_path / ".env"
    settings = resolve(environ={}, project_dir=nested)
    assert settings.dotenv is not None and settings.dotenv.path == tmp_path / ".env"


def test_explicit_env_file_must_exist(tmp_path):
    with pytest.raises(EnvFileError):
        resolve(environ={}, project_dir=tmp_path, env_file=tmp_path / "missing.env")


def test_merged_env_is_what_the_app_sees_after_load_dotenv(make_settings):
    settings = make_settings({"A": "shell"}, dotenv="A=file\nB=file\n")
    merged = settings.merged_env()
    assert merged["A"] == "shell" and merged["B"] == "file"


def test_report_view_masks_the_key(make_settings):
    settings = make_settings({"OPENAI_API_KEY": PROJECT_KEY})
    shown = settings.as_report()["api_key"]["value"]
    assert PROJECT_KEY not in shown and shown.startswith("sk-proj-") and shown.endswith(PROJECT_KEY[-4:])


@pytest.mark.parametrize(
    "raw, problem",
    [
        (b"A=1\x00\x00", "binary"),
        (b"OPENAI_API_KEY=caf\xe9\n", "not_utf8"),
    ],
)
def test_unparseable_dotenv_files_are_described_not_raised(make_settings, raw, problem):
    assert make_settings({}, dotenv=raw).dotenv.problem == problem


def test_crlf_and_export_lines_parse_like_python_dotenv(make_settings):
    settings = make_settings({}, dotenv=b"export OPENAI_API_KEY=sk-a\r\nOPENAI_ORG_ID=org-b\r\n")
    assert settings.get("api_key") == "sk-a" and settings.get("organization") == "org-b"


def test_a_fifo_env_file_is_described_instead_of_blocking_forever(tmp_path):
    import os

    fifo = tmp_path / "pipe.env"
    os.mkfifo(fifo)
    settings = resolve(environ={}, project_dir=tmp_path, env_file=fifo)
    assert settings.dotenv.problem == "unreadable" and "regular" in settings.dotenv.detail


def test_report_view_hides_proxy_passwords(make_settings):
    settings = make_settings({"HTTPS_PROXY": "http://me:s3cret@proxy.corp:3128"})
    assert settings.as_report()["https_proxy"]["value"] == "http://me:***@proxy.corp:3128"
