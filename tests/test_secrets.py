"""Key masking: prefix and last four characters, never more."""

from __future__ import annotations

from doctor.secrets import mask_key, redact, redact_text, register_secret
from tests.conftest import PROJECT_KEY


def test_mask_key_keeps_family_prefix_and_last_four():
    assert mask_key(PROJECT_KEY) == "sk-proj-…" + PROJECT_KEY[-4:]
    assert mask_key("sk-ant-api03-" + "x" * 90 + "wxyz") == "sk-ant-api03-…wxyz"


def test_short_values_show_no_characters():
    assert mask_key("sk-abc") == "…(6 chars)"


def test_redact_text_masks_keys_inside_free_text():
    text = f"openai.AuthenticationError: Bearer {PROJECT_KEY} rejected; key={PROJECT_KEY}"
    out = redact_text(text)
    assert PROJECT_KEY not in out
    assert out.count("…" + PROJECT_KEY[-4:]) == 2


def test_already_masked_keys_are_left_alone():
    text = "Incorrect API key provided: sk-proj-****abcd."
    assert redact_text(text) == text


def test_registered_secrets_without_a_recognisable_shape_are_masked():
    azure_like = "0123456789abcdef0123456789abcdef"
    register_secret(azure_like)
    assert azure_like not in redact_text(f"api-key {azure_like}!")


def test_redact_walks_nested_data():
    data = {"a": [PROJECT_KEY, {"b": (PROJECT_KEY,)}], "n": 3}
    assert PROJECT_KEY not in repr(redact(data))
    assert redact(data)["n"] == 3


def test_a_full_stop_after_a_key_is_not_taken_for_part_of_it():
    assert redact_text(f"Your key is {PROJECT_KEY}.") == f"Your key is sk-proj-…{PROJECT_KEY[-4:]}."
