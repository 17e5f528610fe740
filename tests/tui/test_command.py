"""`openai-doctor tui` as a command: bad input before the screen, no Textual until it opens, a clean demo."""

from __future__ import annotations

import subprocess
import sys

from doctor.tui.session import clean_environ, demo_key
from tests.conftest import ROOT, run_cli, subprocess_env


def test_a_missing_env_file_is_a_one_line_usage_error(tmp_path):
    result = run_cli("tui", "--env-file", str(tmp_path / "nope.env"), cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [f"openai-doctor: error: --env-file {tmp_path / 'nope.env'}: no such file"]


def test_the_tui_needs_a_terminal(tmp_path):
    result = run_cli("--demo", cwd=tmp_path)  # stdin and stdout are pipes here
    assert result.returncode == 2
    assert "needs an interactive terminal" in result.stderr and result.stdout == ""


def test_building_the_cli_with_the_tui_command_imports_no_textual():
    code = "from doctor.cli import build_parser; build_parser(); import sys; print(sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'rich')))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT, env=subprocess_env())
    assert out.stdout.strip() == "[]"


def test_the_demo_inherits_no_key_endpoint_proxy_or_ca_from_the_shell():
    shell = {
        "PATH": "/usr/bin",
        "OPENAI_API_KEY": "sk-real",
        "OPENAI_BASE_URL": "https://corp.example/v1",
        "AZURE_OPENAI_API_KEY": "x",
        "https_proxy": "http://proxy:3128",
        "ALL_PROXY": "socks5://proxy:1080",
        "SSL_CERT_FILE": "/etc/corp.pem",
        "REQUESTS_CA_BUNDLE": "/etc/corp.pem",
        "LANG": "zh_CN.UTF-8",
    }
    assert clean_environ(shell) == {"PATH": "/usr/bin", "LANG": "zh_CN.UTF-8"}


def test_the_demo_key_is_built_at_run_time_and_masks_to_its_demo_tail():
    from doctor.secrets import mask_key

    assert mask_key(demo_key()) == "sk-proj-…demo"
