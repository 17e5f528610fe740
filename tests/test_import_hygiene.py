"""Borders: the core never imports Textual or Rich, and the offline path stays light.

Checked in a fresh subprocess, because an import deferred into a function body looks the
same as a module-level one to a static linter, and this test process has imported everything.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORE = [
    "doctor.findings", "doctor.catalog", "doctor.settings", "doctor.runner", "doctor.secrets",
    "doctor.probes", "doctor.cli", "doctor.render",
]


def _modules_after(code: str) -> set[str]:
    out = subprocess.run(
        [sys.executable, "-c", f"{code}\nimport sys; print('\\n'.join(sys.modules))"],
        capture_output=True, text=True, check=True, cwd=ROOT,
    ).stdout
    return set(out.split())


def test_core_modules_import_no_ui_library():
    loaded = _modules_after("\n".join(f"import {m}" for m in CORE))
    assert not {"textual", "rich"} & loaded


def test_offline_check_imports_neither_openai_nor_textual_nor_prices(tmp_path):
    code = (
        "import os, sys; os.chdir(sys.argv[0] if False else '.')\n"
        "from doctor.cli import main\n"
        "import contextlib, io\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    main(['check', '--offline', '--project-dir', %r])" % str(tmp_path)
    )
    loaded = _modules_after(code)
    assert not {"openai", "textual", "rich", "genai_prices", "tiktoken"} & loaded, sorted(
        {"openai", "textual", "rich", "genai_prices", "tiktoken"} & loaded
    )


def test_nothing_outside_tui_imports_textual_and_outside_render_tui_imports_rich():
    offenders = []
    for path in (ROOT / "doctor").rglob("*.py"):
        rel = path.relative_to(ROOT / "doctor").parts
        text = path.read_text(encoding="utf-8")
        if rel[0] != "tui" and ("import textual" in text or "from textual" in text):
            if rel != ("commands", "tui.py") or "\nimport textual" in text or "\nfrom textual" in text:
                offenders.append(f"{path}: textual")
        if rel[0] not in ("tui", "render") and ("import rich" in text or "from rich" in text):
            offenders.append(f"{path}: rich")
    assert not offenders, offenders



def test_subprocesses_started_by_tests_cannot_reach_public_hosts():
    from tests.conftest import subprocess_env

    probe = (
        "import socket\n"
        "for attempt in (lambda: socket.getaddrinfo('api.openai.com', 443),\n"
        "                lambda: socket.create_connection(('1.1.1.1', 443), timeout=1)):\n"
        "    try:\n"
        "        attempt(); print('REACHED')\n"
        "    except OSError as exc:\n"
        "        print('BLOCKED' if 'test network guard' in str(exc) else f'OTHER {exc}')\n"
        "print(socket.getaddrinfo('127.0.0.1', 80)[0][4][0])\n"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, env=subprocess_env(), check=True)
    assert out.stdout.split() == ["BLOCKED", "BLOCKED", "127.0.0.1"]
