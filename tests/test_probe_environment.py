"""The environment probes: .env file, OpenAI variables, proxies and CA bundles, keys in source code."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from doctor.findings import Severity
from doctor.probes import environment
from doctor.probes.environment import check_dotenv, check_network_settings, check_variables, scan_for_keys
from doctor.probes.source_files import MAX_LISTED, SourceWalk
from doctor.runner import Context
from tests.conftest import CANARY_KEY, PROJECT_KEY, run_cli

OTHER_KEY = "sk-proj-" + "Zz9_" * 18 + "Yy" + "T3BlbkFJ" + "Mm1-" * 18 + "Nn"
LEGACY_KEY = "sk-" + "AbCd1234Ef" * 2 + "T3BlbkFJ" + "GhIj5678Kl" * 2
PEM = "-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUQ\n-----END CERTIFICATE-----\n"
ORG_ID = "org-" + "a1B2c3D4e5F6" * 2
PROJECT_ID = "proj_" + "Z9y8X7w6V5u4" * 2


def found(outcome, code: str) -> list:
    return [f for f in outcome.findings if f.code == code]


def the_one(outcome, code: str):
    matches = found(outcome, code)
    assert len(matches) == 1, [f.message.en for f in outcome.findings]
    return matches[0]


def dotenv_probe(make_settings, **kwargs):
    return check_dotenv(Context(settings=make_settings(**kwargs)))


def variables_probe(make_settings, **kwargs):
    return check_variables(Context(settings=make_settings(**kwargs)))


def network_probe(make_settings, **kwargs):
    return check_network_settings(Context(settings=make_settings(**kwargs)))


def key_scan(make_settings, **kwargs):
    return scan_for_keys(Context(settings=make_settings(**kwargs)))


# --- .env syntax ---------------------------------------------------------------------------


def test_export_lines_and_crlf_are_valid_dotenv(make_settings):
    text = f"export OPENAI_API_KEY={PROJECT_KEY}\r\nOPENAI_ORG_ID={ORG_ID}\r\n"
    settings = make_settings(dotenv=text)
    assert settings.get("api_key") == PROJECT_KEY
    assert check_dotenv(Context(settings=settings)).findings == []


def test_a_line_dotenv_cannot_parse_is_reported_with_its_number_and_variable(make_settings):
    outcome = dotenv_probe(make_settings, dotenv="A=1\nOPENAI_API_KEY: sk-abc\nset OPENAI_BASE_URL=x\nB=2\n")
    finding = the_one(outcome, "config.dotenv_syntax")
    assert finding.severity is Severity.ERROR
    assert "2 (OPENAI_API_KEY), 3" in finding.message.en
    assert finding.evidence["lines"] == [2, 3]


def test_an_unterminated_quote_gets_its_own_explanation(make_settings):
    outcome = dotenv_probe(make_settings, dotenv=f'OPENAI_API_KEY="{PROJECT_KEY}\nOPENAI_ORG_ID={ORG_ID}\n')
    finding = the_one(outcome, "config.dotenv_syntax")
    assert "never closed" in finding.message.en and "1 (OPENAI_API_KEY)" in finding.message.en
    assert "引号没有闭合" in finding.message.zh
    assert PROJECT_KEY not in json.dumps(finding.to_dict())


def _installed_dotenv_keeps_a_bom() -> bool:
    """python-dotenv before 1.2.3 reads a BOM as part of the first name; later versions drop it."""
    import io

    from dotenv.parser import parse_stream

    return next(parse_stream(io.StringIO("\ufeffA=1\n"))).key != "A"


def test_a_utf8_bom_is_reported_exactly_when_python_dotenv_renames_the_first_variable(make_settings, monkeypatch):
    import dotenv.parser

    raw = b"\xef\xbb\xbf" + f"OPENAI_API_KEY={PROJECT_KEY}\n".encode()
    if not _installed_dotenv_keeps_a_bom():  # simulate the older python-dotenv an app may still run
        original = dotenv.parser.Reader.__init__

        def keep_bom(self, stream):
            original(self, stream)
            self.string = "\ufeff" + self.string

        monkeypatch.setattr(dotenv.parser.Reader, "__init__", keep_bom)
    settings = make_settings(dotenv=raw)
    assert settings.get("api_key") is None  # what that python-dotenv really does with a BOM
    finding = the_one(check_dotenv(Context(settings=settings)), "config.dotenv_syntax")
    assert "BOM" in finding.message.en and "OPENAI_API_KEY" in finding.message.en
    monkeypatch.undo()
    if not _installed_dotenv_keeps_a_bom():
        fixed = make_settings(dotenv=raw)
        assert fixed.get("api_key") == PROJECT_KEY
        assert "config.dotenv_syntax" not in [f.code for f in check_dotenv(Context(settings=fixed)).findings]


def test_a_powershell_style_name_is_reported_with_the_name_that_was_meant(make_settings):
    outcome = dotenv_probe(make_settings, dotenv='$env:OPENAI_API_KEY="abc"\nspring.datasource.url=jdbc:x\n')
    finding = the_one(outcome, "config.dotenv_syntax")
    assert finding.severity is Severity.WARNING
    assert "'$env:OPENAI_API_KEY'" in finding.message.en and "write OPENAI_API_KEY=" in finding.message.en


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b"OPENAI_API_KEY=abc\x00\x01\x02", "NUL bytes"),
        ("OPENAI_API_KEY=abc\n".encode("utf-16"), "UTF-16"),
        ("OPENAI_API_KEY=abc\n# 中文注释\n".encode("gbk"), "not valid UTF-8"),
    ],
    ids=["binary", "utf16", "gbk"],
)
def test_a_dotenv_that_is_not_utf8_text_gets_a_clear_finding(make_settings, content, words):
    finding = the_one(dotenv_probe(make_settings, dotenv=content), "config.dotenv_syntax")
    assert words in finding.message.en and finding.severity is Severity.ERROR


def test_a_huge_dotenv_is_not_read_and_says_so(make_settings):
    content = b"# padding\n" * 250_000  # 2.5 MB
    finding = the_one(dotenv_probe(make_settings, dotenv=content), "config.dotenv_syntax")
    assert "too large" in finding.message.en and finding.severity is Severity.WARNING


def test_an_unreadable_dotenv_is_reported_not_raised(make_settings, tmp_path, monkeypatch):
    # Tests run as root, which reads a chmod 000 file anyway: make the read itself fail.
    (tmp_path / ".env").write_text("OPENAI_API_KEY=x\n")
    real_read = Path.read_bytes

    def read_bytes(path: Path) -> bytes:
        if path.name == ".env":
            raise PermissionError(13, "Permission denied")
        return real_read(path)

    monkeypatch.setattr(Path, "read_bytes", read_bytes)
    finding = the_one(dotenv_probe(make_settings), "config.dotenv_syntax")
    assert "cannot be read (Permission denied)" in finding.message.en


@pytest.mark.skipif(os.geteuid() == 0, reason="root can read a chmod 000 file")
def test_a_chmod_000_dotenv_is_reported(make_settings, tmp_path):
    path = tmp_path / ".env"
    path.write_text("OPENAI_API_KEY=x\n")
    path.chmod(0)
    finding = the_one(dotenv_probe(make_settings), "config.dotenv_syntax")
    assert "cannot be read" in finding.message.en


# --- shell shadows .env --------------------------------------------------------------------


def test_a_shell_key_that_differs_from_the_dotenv_key_is_reported_masked(make_settings):
    outcome = dotenv_probe(make_settings, env={"OPENAI_API_KEY": OTHER_KEY}, dotenv=f"OPENAI_API_KEY={PROJECT_KEY}\n")
    finding = the_one(outcome, "config.env_shadows_dotenv")
    text = json.dumps(finding.to_dict()) + finding.message.zh
    assert PROJECT_KEY not in text and OTHER_KEY not in text
    assert OTHER_KEY[-4:] in finding.message.en and PROJECT_KEY[-4:] in finding.message.en
    assert ".env:1" in finding.message.en


def test_an_empty_shell_variable_hiding_the_dotenv_value_is_reported(make_settings):
    outcome = dotenv_probe(make_settings, env={"OPENAI_API_KEY": ""}, dotenv=f"OPENAI_API_KEY={PROJECT_KEY}\n")
    assert "empty" in the_one(outcome, "config.env_shadows_dotenv").message.en


def test_equal_values_and_unrelated_variables_are_not_shadowing_problems(make_settings):
    dotenv = f"OPENAI_API_KEY={PROJECT_KEY}\nDATABASE_URL=postgres://db\n"
    outcome = dotenv_probe(
        make_settings, env={"OPENAI_API_KEY": PROJECT_KEY, "DATABASE_URL": "sqlite://"}, dotenv=dotenv
    )
    assert found(outcome, "config.env_shadows_dotenv") == []


def test_a_shadowed_path_is_shown_as_it_is(make_settings):
    outcome = dotenv_probe(make_settings, env={"TIKTOKEN_CACHE_DIR": "/opt/a"}, dotenv="TIKTOKEN_CACHE_DIR=/opt/b\n")
    finding = the_one(outcome, "config.env_shadows_dotenv")
    assert "(/opt/a)" in finding.message.en and "(/opt/b)" in finding.message.en


def test_a_shadowed_proxy_shows_no_password(make_settings):
    outcome = dotenv_probe(
        make_settings, env={"HTTPS_PROXY": "http://me:hunter2@proxy:3128"}, dotenv="HTTPS_PROXY=http://proxy:8080\n"
    )
    finding = the_one(outcome, "config.env_shadows_dotenv")
    assert "hunter2" not in finding.message.en and "me:***@proxy:3128" in finding.message.en


# --- .env and git --------------------------------------------------------------------------

needs_git = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")


def git(folder: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(folder), *args], check=True, capture_output=True)


@pytest.fixture
def repo(tmp_path):
    git(tmp_path, "init", "-q")
    return tmp_path


@needs_git
def test_a_dotenv_key_that_git_would_add_is_reported(make_settings, repo):
    finding = the_one(
        dotenv_probe(make_settings, dotenv=f"OPENAI_API_KEY={PROJECT_KEY}\n"), "config.dotenv_not_ignored"
    )
    assert finding.severity is Severity.WARNING
    assert "not git-ignored" in finding.message.en and "OPENAI_API_KEY" in finding.message.en


@needs_git
def test_a_git_ignored_dotenv_is_fine(make_settings, repo):
    (repo / ".gitignore").write_text(".env\n")
    assert (
        found(dotenv_probe(make_settings, dotenv=f"OPENAI_API_KEY={PROJECT_KEY}\n"), "config.dotenv_not_ignored") == []
    )


@needs_git
def test_a_dotenv_tracked_by_git_is_an_error_even_when_ignored_later(make_settings, repo):
    (repo / ".env").write_text(f"OPENAI_API_KEY={PROJECT_KEY}\n")
    git(repo, "add", ".env")
    (repo / ".gitignore").write_text(".env\n")
    finding = the_one(dotenv_probe(make_settings), "config.dotenv_not_ignored")
    assert finding.severity is Severity.ERROR and "tracked by git" in finding.message.en


@needs_git
def test_a_dotenv_with_only_placeholders_is_not_a_leak(make_settings, repo):
    outcome = dotenv_probe(make_settings, dotenv="OPENAI_API_KEY=sk-proj-your-api-key-here\nDEBUG=1\n")
    assert found(outcome, "config.dotenv_not_ignored") == []


@needs_git
def test_a_dotenv_outside_any_git_repository_is_not_reported(make_settings, tmp_path):
    if subprocess.run(["git", "-C", str(tmp_path), "rev-parse"], capture_output=True).returncode == 0:
        pytest.skip("the temp folder is inside a git repository")
    assert (
        found(dotenv_probe(make_settings, dotenv=f"OPENAI_API_KEY={PROJECT_KEY}\n"), "config.dotenv_not_ignored") == []
    )


# --- legacy variables ----------------------------------------------------------------------


def test_openai_api_base_alone_is_reported_with_the_variable_the_sdk_reads(make_settings):
    finding = the_one(
        variables_probe(make_settings, env={"OPENAI_API_BASE": "https://gw.example.com/v1"}), "config.legacy_variable"
    )
    assert finding.severity is Severity.WARNING
    assert "OPENAI_API_BASE" in finding.message.en and "OPENAI_BASE_URL" in finding.message.en


def test_a_legacy_variable_in_dotenv_names_the_file_and_line(make_settings):
    outcome = variables_probe(make_settings, dotenv="A=1\nOPENAI_ORGANIZATION=org-x\n")
    finding = the_one(outcome, "config.legacy_variable")
    assert ".env:2" in finding.message.en and "OPENAI_ORG_ID" in finding.message.en


def test_a_legacy_variable_that_duplicates_the_new_one_is_only_info(make_settings):
    url = "https://gw.example.com/v1"
    outcome = variables_probe(make_settings, env={"OPENAI_API_BASE": url, "OPENAI_BASE_URL": url})
    assert the_one(outcome, "config.legacy_variable").severity is Severity.INFO


def test_a_legacy_variable_that_disagrees_with_the_new_one_says_which_wins(make_settings):
    env = {"OPENAI_API_BASE": "https://old.example.com/v1", "OPENAI_BASE_URL": "https://new.example.com/v1"}
    finding = the_one(variables_probe(make_settings, env=env), "config.legacy_variable")
    assert finding.severity is Severity.WARNING
    assert "old.example.com" in finding.message.en and "openai>=1 uses OPENAI_BASE_URL" in finding.message.en


def test_openai_proxy_points_to_https_proxy_and_hides_the_password(make_settings):
    finding = the_one(
        variables_probe(make_settings, env={"OPENAI_PROXY": "http://u:s3cret@proxy:3128"}), "config.legacy_variable"
    )
    assert "HTTPS_PROXY" in finding.message.en and "s3cret" not in json.dumps(finding.to_dict())


def test_a_key_file_variable_without_a_key_is_reported(make_settings):
    finding = the_one(
        variables_probe(make_settings, env={"OPENAI_API_KEY_PATH": "/home/me/.openai"}), "config.legacy_variable"
    )
    assert "no longer reads the key from a file" in finding.message.en


@pytest.mark.parametrize(("value", "severity"), [("open_ai", Severity.INFO), ("azure_ad", Severity.WARNING)])
def test_a_0x_api_type_is_reported(make_settings, value, severity):
    finding = the_one(variables_probe(make_settings, env={"OPENAI_API_TYPE": value}), "config.legacy_variable")
    assert finding.severity is severity and value in finding.message.en


def test_current_api_types_are_not_legacy(make_settings):
    assert found(variables_probe(make_settings, env={"OPENAI_API_TYPE": "azure"}), "config.legacy_variable") == []


# --- base URL ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("", "set but empty"),
        (" https://api.openai.com/v1\n", "spaces or a newline"),
        ("api.openai.com/v1", "write https://api.openai.com/v1."),
        ("api.openai.com/v1/chat/completions", "write https://api.openai.com/v1."),
        ("localhost:8000/v1", "write http://localhost:8000/v1."),
        ("https://api.openai.com", "lacks /v1"),
        ("https://api.openai.com/v1/chat/completions", "use https://api.openai.com/v1."),
        ("https://gw.example.com/openai/v1/responses/", "use https://gw.example.com/openai/v1."),
        ("ftp://api.openai.com/v1", "not a valid http(s) URL"),
        ("https://api.openai.com:port/v1", "not a valid http(s) URL"),
        ("https://api.openai.com/v1//", "'//' in its path"),
    ],
)
def test_base_url_problems(make_settings, url, words):
    finding = the_one(variables_probe(make_settings, env={"OPENAI_BASE_URL": url}), "config.base_url")
    assert words in finding.message.en


@pytest.mark.parametrize(
    "url",
    [
        "https://api.openai.com/v1",
        "https://api.openai.com/v1/",
        "https://eu.api.openai.com/v1",
        "https://openrouter.ai/api/v1",
        "http://localhost:8000/v1",
        "http://127.0.0.1:11434/v1",
    ],
)
def test_usable_base_urls_are_not_reported(make_settings, url):
    outcome = variables_probe(make_settings, env={"OPENAI_BASE_URL": url})
    assert found(outcome, "config.base_url") == [] and found(outcome, "config.insecure_base_url") == []


def test_the_base_url_flag_is_checked_too(make_settings):
    finding = the_one(variables_probe(make_settings, flags={"base_url": "api.openai.com/v1"}), "config.base_url")
    assert "flag --base-url" in finding.message.en


@pytest.mark.parametrize("url", ["http://api.example.com/v1", "http://192.168.1.20:8000/v1"])
def test_plain_http_to_another_machine_is_insecure(make_settings, url):
    finding = the_one(variables_probe(make_settings, env={"OPENAI_BASE_URL": url}), "config.insecure_base_url")
    assert finding.severity is Severity.ERROR and "unencrypted" in finding.message.en


@pytest.mark.parametrize("url", ["http://localhost:8000/v1", "http://[::1]:8000/v1", "https://api.example.com/v1"])
def test_loopback_http_and_https_are_not_insecure(make_settings, url):
    assert found(variables_probe(make_settings, env={"OPENAI_BASE_URL": url}), "config.insecure_base_url") == []


# --- organization and project ids ----------------------------------------------------------


def test_well_formed_ids_pass(make_settings):
    outcome = variables_probe(make_settings, env={"OPENAI_ORG_ID": ORG_ID, "OPENAI_PROJECT_ID": PROJECT_ID})
    assert outcome.findings == []


@pytest.mark.parametrize(
    ("variable", "code"), [("OPENAI_ORG_ID", "config.org_id"), ("OPENAI_PROJECT_ID", "config.project_id")]
)
def test_a_key_pasted_as_an_id_is_an_error_and_masked(make_settings, variable, code):
    finding = the_one(variables_probe(make_settings, env={variable: PROJECT_KEY}), code)
    assert finding.severity is Severity.ERROR and "holds an API key" in finding.message.en
    assert PROJECT_KEY not in json.dumps(finding.to_dict()) + finding.message.zh


@pytest.mark.parametrize(
    ("env", "code", "words", "severity"),
    [
        ({"OPENAI_ORG_ID": PROJECT_ID}, "config.org_id", "holds a project ID", Severity.ERROR),
        ({"OPENAI_PROJECT_ID": ORG_ID}, "config.project_id", "holds an organization ID", Severity.ERROR),
        ({"OPENAI_ORG_ID": ORG_ID + " "}, "config.org_id", "spaces or a newline", Severity.ERROR),
        ({"OPENAI_ORG_ID": "Personal"}, "config.org_id", "does not look like an organization ID", Severity.WARNING),
        ({"OPENAI_PROJECT_ID": "proj_short"}, "config.project_id", "does not look like a project ID", Severity.WARNING),
        ({"OPENAI_PROJECT_ID": ""}, "config.project_id", "empty OpenAI-Project header", Severity.WARNING),
    ],
)
def test_misshapen_ids(make_settings, env, code, words, severity):
    finding = the_one(variables_probe(make_settings, env=env), code)
    assert words in finding.message.en and finding.severity is severity


# --- proxies -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("env", "words"),
    [
        ({"https_proxy": "http://proxy:port"}, "not a valid proxy URL"),
        ({"HTTPS_PROXY": "http://"}, "not a valid proxy URL"),
        ({"ALL_PROXY": "socks4://127.0.0.1:1080"}, "Unknown scheme"),
    ],
)
def test_malformed_proxies(make_settings, env, words):
    finding = the_one(network_probe(make_settings, env=env), "config.proxy")
    assert words in finding.message.en and finding.severity is Severity.ERROR


def test_a_socks_proxy_needs_socksio(make_settings, monkeypatch):
    monkeypatch.setattr(environment, "module_available", lambda name: name != "socksio")
    finding = the_one(network_probe(make_settings, env={"HTTPS_PROXY": "socks5://127.0.0.1:1080"}), "config.proxy")
    assert "socksio" in finding.message.en


def test_a_socks_proxy_with_socksio_is_fine(make_settings, monkeypatch):
    monkeypatch.setattr(environment, "module_available", lambda name: True)
    assert found(network_probe(make_settings, env={"https_proxy": "socks5h://127.0.0.1:1080"}), "config.proxy") == []


@pytest.mark.parametrize(
    "env",
    [
        {"https_proxy": "http://proxy.corp:3128"},
        {"HTTPS_PROXY": "proxy.corp:3128"},
        {"HTTP_PROXY": "http://u:p%40ss@proxy:8080"},
    ],
    ids=["lower-case only", "upper-case bare host:port", "encoded password"],
)
def test_usable_proxies_are_fine(make_settings, env):
    assert found(network_probe(make_settings, env=env), "config.proxy") == []


def test_a_bad_proxy_url_shows_no_password(make_settings):
    finding = the_one(network_probe(make_settings, env={"https_proxy": "http://me:hunter2@proxy:bad"}), "config.proxy")
    assert "hunter2" not in json.dumps(finding.to_dict()) and "me:***@proxy" in finding.message.en


# --- CA bundles ----------------------------------------------------------------------------


@pytest.fixture
def bundle(tmp_path):
    path = tmp_path / "ca.pem"
    path.write_text(PEM)
    return path


@pytest.mark.parametrize(
    ("variable", "words"),
    [
        ("SSL_CERT_FILE", "httpx/httpx2 (openai)"),
        ("REQUESTS_CA_BUNDLE", "requests (tiktoken)"),
        ("SSL_CERT_DIR", "httpx/httpx2 (openai)"),
    ],
)
def test_a_ca_variable_pointing_nowhere_says_which_library_breaks(make_settings, tmp_path, variable, words):
    outcome = network_probe(make_settings, env={variable: str(tmp_path / "missing")})
    finding = the_one(outcome, "config.ca_bundle")
    assert "does not exist" in finding.message.en and words in finding.message.en


def test_a_ca_file_variable_pointing_at_a_folder(make_settings, tmp_path, bundle):
    env = {"SSL_CERT_FILE": str(tmp_path), "REQUESTS_CA_BUNDLE": str(bundle)}
    assert "is a folder" in the_one(network_probe(make_settings, env=env), "config.ca_bundle").message.en


def test_a_ca_dir_variable_pointing_at_a_file(make_settings, bundle):
    env = {"SSL_CERT_DIR": str(bundle), "REQUESTS_CA_BUNDLE": str(bundle)}
    assert "is a file" in the_one(network_probe(make_settings, env=env), "config.ca_bundle").message.en


def test_a_ca_file_without_certificates(make_settings, tmp_path, bundle):
    (tmp_path / "notes.txt").write_text("not a certificate\n")
    env = {"SSL_CERT_FILE": str(tmp_path / "notes.txt"), "REQUESTS_CA_BUNDLE": str(bundle)}
    assert "holds no PEM certificate" in the_one(network_probe(make_settings, env=env), "config.ca_bundle").message.en


def test_a_tilde_path_in_dotenv_is_not_expanded(make_settings):
    outcome = network_probe(make_settings, dotenv="SSL_CERT_FILE=~/corp-ca.pem\nREQUESTS_CA_BUNDLE=~/corp-ca.pem\n")
    findings = found(outcome, "config.ca_bundle")
    assert [f.evidence["variable"] for f in findings] == ["SSL_CERT_FILE", "REQUESTS_CA_BUNDLE"]
    assert all("not expanded" in f.message.en for f in findings)


def test_requests_ca_bundle_alone_does_not_reach_the_openai_sdk(make_settings, bundle):
    finding = the_one(network_probe(make_settings, env={"REQUESTS_CA_BUNDLE": str(bundle)}), "config.ca_bundle")
    assert finding.severity is Severity.WARNING
    assert "the openai SDK ignores REQUESTS_CA_BUNDLE" in finding.message.en and "SSL_CERT_FILE" in finding.message.en


def test_ssl_cert_file_alone_is_a_note_about_tiktoken(make_settings, bundle):
    finding = the_one(network_probe(make_settings, env={"SSL_CERT_FILE": str(bundle)}), "config.ca_bundle")
    assert finding.severity is Severity.INFO and "tiktoken" in finding.message.en


def test_both_libraries_pointed_at_a_good_bundle_pass(make_settings, tmp_path, bundle):
    env = {"SSL_CERT_FILE": str(bundle), "REQUESTS_CA_BUNDLE": str(tmp_path), "SSL_CERT_DIR": str(tmp_path)}
    assert network_probe(make_settings, env=env).findings == []


def test_a_relative_ca_path_is_resolved_from_the_project_folder(make_settings, bundle):
    outcome = network_probe(make_settings, dotenv="SSL_CERT_FILE=ca.pem\nREQUESTS_CA_BUNDLE=./ca.pem\n")
    assert outcome.findings == []


# --- keys in source code -------------------------------------------------------------------


def test_a_key_in_a_source_file_is_reported_with_file_line_and_mask(make_settings, tmp_path):
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "app.py").write_text(f'import openai\n\nclient = openai.OpenAI(api_key="{PROJECT_KEY}")\n')
    finding = the_one(key_scan(make_settings), "config.hardcoded_key")
    assert finding.evidence["file"] == "src/app.py" and finding.evidence["line"] == 3
    assert "src/app.py:3" in finding.message.en and PROJECT_KEY[-4:] in finding.message.en
    assert PROJECT_KEY not in json.dumps(finding.to_dict()) + finding.message.zh


def test_legacy_user_keys_are_found_in_any_text_file(make_settings, tmp_path):
    (tmp_path / "notebook.ipynb").write_text(json.dumps({"cells": [{"source": [f"KEY = '{LEGACY_KEY}'"]}]}))
    (tmp_path / "config.yaml").write_text(f"openai:\n  key: {OTHER_KEY}\n")
    findings = found(key_scan(make_settings), "config.hardcoded_key")
    assert sorted((f.evidence["file"], f.evidence["line"]) for f in findings) == [
        ("config.yaml", 2),
        ("notebook.ipynb", 1),
    ]


def test_the_configured_key_in_code_is_called_out(make_settings, tmp_path):
    (tmp_path / "main.py").write_text(f"KEY = '{PROJECT_KEY}'\n")
    finding = the_one(key_scan(make_settings, env={"OPENAI_API_KEY": PROJECT_KEY}), "config.hardcoded_key")
    assert "The API key your app uses" in finding.message.en


def test_dotenv_files_are_not_source_but_templates_are(make_settings, tmp_path):
    (tmp_path / ".env.local").write_text(f"OPENAI_API_KEY={OTHER_KEY}\n")
    (tmp_path / ".env.example").write_text(f"OPENAI_API_KEY={OTHER_KEY}\n")
    outcome = key_scan(make_settings, dotenv=f"OPENAI_API_KEY={PROJECT_KEY}\n")
    assert [f.evidence["file"] for f in found(outcome, "config.hardcoded_key")] == [".env.example"]


def test_an_explicit_env_file_is_not_reported_as_source(make_settings, tmp_path):
    from doctor.settings import resolve

    (tmp_path / "secrets.txt").write_text(f"OPENAI_API_KEY={PROJECT_KEY}\n")
    settings = resolve(environ={}, project_dir=tmp_path, env_file=tmp_path / "secrets.txt")
    assert scan_for_keys(Context(settings=settings)).findings == []


def test_dependency_tool_binary_and_huge_files_are_skipped(make_settings, tmp_path):
    line = f"key = '{PROJECT_KEY}'\n"
    for folder in (".git", "node_modules/pkg", ".venv/lib", "__pycache__", "build", "dist", "my-env/lib"):
        (tmp_path / folder).mkdir(parents=True)
        (tmp_path / folder / "leak.py").write_text(line)
    (tmp_path / "my-env" / "pyvenv.cfg").write_text("home = /usr/bin\n")
    (tmp_path / "blob.dat").write_bytes(b"\x00\x01" + line.encode())
    (tmp_path / "huge.log").write_text(line + "x" * (1024 * 1024))
    outcome = key_scan(make_settings)
    assert outcome.findings == []
    assert outcome.evidence["skipped_over_1mb"] == 1


def test_a_non_utf8_source_file_is_scanned_without_crashing(make_settings, tmp_path):
    (tmp_path / "legacy.py").write_bytes("# Übersicht\n".encode("latin-1") + f"KEY = '{PROJECT_KEY}'\n".encode())
    finding = the_one(key_scan(make_settings), "config.hardcoded_key")
    assert finding.evidence["line"] == 2


def test_many_keys_are_capped_but_counted(make_settings, tmp_path):
    (tmp_path / "keys.txt").write_text("".join(f"{PROJECT_KEY}\n" for _ in range(30)))
    outcome = key_scan(make_settings)
    assert len(outcome.findings) == MAX_LISTED + 1 and outcome.evidence["keys_found"] == 30
    assert "20 more key literal(s) in keys.txt" in outcome.findings[-1].message.en


def test_the_walk_stops_at_its_file_budget_and_says_so(tmp_path):
    for n in range(10):
        (tmp_path / f"f{n}.txt").write_text("T3BlbkFJ\n")
    walk = SourceWalk(tmp_path, needle=b"T3BlbkFJ", max_files=3)
    assert [s.relative for s in walk] == ["f0.txt", "f1.txt", "f2.txt"]
    assert "stopped after 3 files" in walk.evidence()["partial"]


def test_a_walk_that_reads_exactly_its_budget_is_complete(tmp_path):
    for n in range(3):
        (tmp_path / f"f{n}.txt").write_text("T3BlbkFJ\n")
    (tmp_path / "empty").mkdir()
    walk = SourceWalk(tmp_path, needle=b"T3BlbkFJ", max_files=3)
    assert len(list(walk)) == 3 and "partial" not in walk.evidence()


def test_the_walk_stops_at_its_time_budget_and_says_so(tmp_path):
    (tmp_path / "a.txt").write_text("T3BlbkFJ\n")
    walk = SourceWalk(tmp_path, needle=b"T3BlbkFJ", max_seconds=-1)
    assert list(walk) == [] and "stopped after -1 s" in walk.evidence()["partial"]


# --- end to end ----------------------------------------------------------------------------


def test_a_messy_project_end_to_end(tmp_path):
    (tmp_path / ".env").write_bytes(
        b"\xef\xbb\xbf"
        + f"OPENAI_API_KEY={CANARY_KEY}\nOPENAI_API_BASE=https://api.openai.com/v1\nBROKEN LINE\n".encode()
    )
    (tmp_path / "app.py").write_text(f'KEY = "{CANARY_KEY}"\n')
    result = run_cli("check", "--offline", "--json", cwd=tmp_path, env={"OPENAI_BASE_URL": "http://api.example.com/v1"})
    assert result.returncode == 1, result.stderr
    report = json.loads(result.stdout)
    codes = {f["code"] for f in report["findings"]}
    assert {
        "config.dotenv_syntax",
        "config.legacy_variable",
        "config.hardcoded_key",
        "config.insecure_base_url",
    } <= codes
    assert CANARY_KEY not in result.stdout + result.stderr
    checks = {c["id"]: c["status"] for c in report["checks"]}
    assert checks["environment.dotenv"] == "fail" and checks["environment.source_scan"] == "fail"


def test_a_clean_project_end_to_end_has_no_environment_findings(tmp_path):
    (tmp_path / ".env").write_text(f"OPENAI_API_KEY={PROJECT_KEY}\n")
    (tmp_path / "app.py").write_text("from openai import OpenAI\n\nclient = OpenAI()\n")
    result = run_cli("check", "--offline", "--json", cwd=tmp_path)
    report = json.loads(result.stdout)
    environment_checks = [c for c in report["checks"] if c["group"] == "environment"]
    assert [c["id"] for c in environment_checks] == [
        "environment.dotenv",
        "environment.variables",
        "environment.network_settings",
        "environment.source_scan",
    ]
    problems = [f for c in environment_checks for f in c["findings"] if f["severity"] != "info"]
    assert problems == []


def test_environment_findings_in_chinese(tmp_path):
    (tmp_path / ".env").write_text("OPENAI_ORGANIZATION=org-x\n")
    result = run_cli("check", "--offline", "--lang", "zh", cwd=tmp_path)
    assert "openai>=1 会忽略它" in result.stdout
