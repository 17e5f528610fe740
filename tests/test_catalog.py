"""The catalog, the docs pages and the codes the code raises stay in sync."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from doctor.catalog import AREAS, CatalogError, all_codes, entry, issue
from doctor.catalog.docs import expected_pages
from doctor.findings import Severity

ROOT = Path(__file__).resolve().parents[1]
CODE_RE = re.compile(rf"^({'|'.join(AREAS)})\.[a-z0-9_]+$")


def _issue_calls():
    """Every issue(...)/entry(...) call and code= keyword with a literal code, across doctor/."""
    for path in sorted((ROOT / "doctor").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "id", getattr(node.func, "attr", ""))
            if name in ("issue", "entry") and node.args and isinstance(node.args[0], ast.Constant):
                yield path, node, name, node.args[0].value
            for kw in node.keywords:
                if kw.arg == "code" and isinstance(kw.value, ast.Constant) and isinstance(kw.value.value, str):
                    yield path, node, "code=", kw.value.value


def test_every_code_used_in_the_source_is_catalogued():
    catalogued = set(all_codes())
    missing = sorted(
        f"{path.relative_to(ROOT)}:{node.lineno} {code}"
        for path, node, _, code in _issue_calls()
        if isinstance(code, str) and CODE_RE.match(code) and code not in catalogued
    )
    assert not missing, f"codes raised but not in doctor/catalog/codes/: {missing}"


def test_issue_calls_name_existing_variants_and_give_every_placeholder():
    problems = []
    for path, node, name, code in _issue_calls():
        if name != "issue" or code not in all_codes():
            continue
        item = entry(code)
        variant = node.args[1].value if len(node.args) > 1 and isinstance(node.args[1], ast.Constant) else None
        if variant is not None and variant not in item.messages:
            problems.append(f"{path.name}:{node.lineno} {code} has no variant {variant!r}")
        if any(kw.arg is None for kw in node.keywords) or variant is None:
            continue  # **params or a computed variant: checked when a test triggers it
        given = {kw.arg for kw in node.keywords}
        needed = set()
        for text in [item.messages[variant], *item.fix]:
            needed |= {m for m in re.findall(r"{(\w+)}", text.en + text.zh)}
        if needed - given:
            problems.append(f"{path.name}:{node.lineno} {code}/{variant} misses {sorted(needed - given)}")
    assert not problems, problems


def test_docs_pages_match_the_catalog_exactly():
    folder = ROOT / "docs" / "codes"
    expected = expected_pages()
    present = {p.name for p in folder.glob("*.md")}
    assert present == set(expected), (
        f"documented but not catalogued: {sorted(present - set(expected))}; "
        f"catalogued but not documented: {sorted(set(expected) - present)}; run: python -m doctor.catalog"
    )
    stale = [name for name, text in expected.items() if (folder / name).read_text(encoding="utf-8") != text]
    assert not stale, f"out of date, run python -m doctor.catalog: {stale}"


@pytest.mark.parametrize("code", all_codes())
def test_entry_is_complete_in_both_languages(code):
    item = entry(code)
    assert CODE_RE.match(code), "codes are <area>.<name> with a known area"
    assert len(item.title.en) <= 80 and "\n" not in item.title.en
    for text in [item.title, item.summary, *item.fix, *item.messages.values()]:
        assert text.en and text.zh, f"{code}: every text needs en and zh"
        assert re.search(r"[\u4e00-\u9fff]", text.zh), f"{code}: zh text has no Chinese: {text.zh!r}"
        assert sorted(re.findall(r"{(\w+)}", text.en)) == sorted(re.findall(r"{(\w+)}", text.zh)), (
            f"{code}: en and zh use different placeholders in {text.en!r}"
        )
    if item.severity is not Severity.INFO:
        assert item.fix, f"{code}: a problem needs fix steps"


def test_issue_rejects_unknown_codes_variants_and_parameters():
    with pytest.raises(CatalogError):
        issue("key.no_such_code")
    with pytest.raises(CatalogError):
        issue("key.missing", "no_such_variant")
    with pytest.raises(CatalogError):
        issue("key.placeholder")  # needs {shown} and {source}


def test_issue_masks_keys_given_as_parameters():
    key = "sk-proj-" + "a1B2" * 30
    finding = issue("key.placeholder", shown=key, source="env OPENAI_API_KEY")
    assert key not in finding.message.en and key not in finding.message.zh
    assert key[-4:] in finding.message.en


def test_interface_labels_exist_in_both_languages_with_the_same_placeholders():
    from doctor.i18n import _labels

    for key, label in _labels().items():
        assert set(label) == {"en", "zh"}, key
        assert sorted(re.findall(r"{(\w+)}", label["en"])) == sorted(re.findall(r"{(\w+)}", label["zh"])), key
