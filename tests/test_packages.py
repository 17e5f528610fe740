"""Installed versions from dist-info folder names, in sys.path order, as importlib.metadata finds them."""

from __future__ import annotations

import sys
from importlib import metadata

from doctor import packages


def test_matches_importlib_metadata_for_installed_distributions():
    for name in ("httpx", "python-dotenv", "tiktoken", "openai", "python_dotenv"):
        assert packages.installed_version(name) == metadata.version(name)


def test_the_first_folder_on_sys_path_wins_and_missing_is_none(tmp_path, monkeypatch):
    (tmp_path / "openai-0.28.1.dist-info").mkdir()
    monkeypatch.setattr(sys, "path", [str(tmp_path), *sys.path])
    packages._folder.cache_clear()
    try:
        assert packages.installed_version("openai") == "0.28.1"
        assert packages.installed_version("surely-not-installed-pkg") is None
    finally:
        packages._folder.cache_clear()
