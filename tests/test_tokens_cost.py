"""Cost estimates: genai-prices' data, cached input, tiers, missing prices, the context window, price files."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from doctor.tokens import PriceFileError, estimate_cost, load_overrides, usd
from doctor.tokens.prices import default_prices_path

M = Decimal(1_000_000)


def genai_rates(model: str, context: dict | None = None):
    """The per-million prices genai-prices holds for ``model``, read straight from its data."""
    from genai_prices import data_snapshot

    _, info = data_snapshot.get_snapshot().find_provider_model(model, None, "openai", None)
    return info.get_prices(dt.datetime.now(dt.timezone.utc), context)


def test_published_gpt_4o_mini_prices_come_through():
    # OpenAI's pricing page: gpt-4o-mini $0.15 input, $0.075 cached input, $0.60 output per 1M tokens.
    cost = estimate_cost("gpt-4o-mini", 1_000_000, 1_000_000, cached_tokens=1_000_000)
    assert (cost.input_usd, cost.output_usd, cost.total_usd) == (Decimal("0.075"), Decimal("0.6"), Decimal("0.675"))


def test_cached_tokens_are_part_of_the_input_not_extra():
    rates = genai_rates("gpt-4o")
    cost = estimate_cost("gpt-4o", 1_000_000, 0, cached_tokens=400_000)
    assert cost.input_usd == (600_000 * rates.input_mtok + 400_000 * rates.cache_read_mtok) / M
    assert cost.input_usd < estimate_cost("gpt-4o", 1_000_000).input_usd


def test_batch_is_half_price_where_the_data_says_so():
    standard = estimate_cost("gpt-4o-mini", 200_000, 50_000)
    batch = estimate_cost("gpt-4o-mini", 200_000, 50_000, tier="batch")
    assert batch.total_usd * 2 == standard.total_usd
    assert batch.tier == "batch" and batch.note is None


def test_a_tier_the_data_has_no_price_for_gets_no_number():
    cost = estimate_cost("gpt-4o-mini", 1000, 100, tier="flex")
    assert cost.total_usd is None and cost.input_usd is None
    assert "no price data for tier flex" in cost.note


def test_flex_is_priced_from_the_data_when_it_has_it():
    rates = genai_rates("gpt-5", {"service_tier": "flex"})
    cost = estimate_cost("gpt-5", 1_000_000, 1_000_000, tier="flex")
    assert cost.total_usd == rates.input_mtok + rates.output_mtok


def test_a_model_without_price_data_gets_no_price_never_zero():
    cost = estimate_cost("my-company-llm", 1000, 1000)
    assert cost.total_usd is None and cost.input_usd is None and cost.output_usd is None
    assert "no price data for my-company-llm" in cost.note
    assert cost.context_window is None and cost.fits is None


def test_calls_multiply_the_cost_of_one_call():
    one = estimate_cost("gpt-4o", 1234, 567)
    many = estimate_cost("gpt-4o", 1234, 567, calls=1000)
    assert many.total_usd == one.total_usd * 1000 and many.calls == 1000


def test_every_figure_carries_its_source_and_date():
    import genai_prices

    cost = estimate_cost("gpt-4o-mini", 10)
    assert f"genai-prices {genai_prices.__version__}" in cost.price_source
    assert dt.date.fromisoformat(cost.prices_as_of) <= dt.date.today()


def test_context_window_fit_and_room_left():
    window = estimate_cost("gpt-4o-mini", 1).context_window
    assert window == 128_000  # gpt-4o-mini's documented context window
    fits = estimate_cost("gpt-4o-mini", 100_000, 20_000)
    assert fits.fits is True and fits.room_left == 8_000
    over = estimate_cost("gpt-4o-mini", 120_000, 10_000)
    assert over.fits is False and over.room_left == -2_000


@pytest.mark.parametrize(
    "kwargs, words",
    [
        ({"input_tokens": -1}, "input_tokens must be a whole number >= 0"),
        ({"input_tokens": 10, "cached_tokens": 11}, "cannot exceed input tokens"),
        ({"input_tokens": 10, "tier": "cheap"}, "unknown tier"),
        ({"input_tokens": 10, "calls": 0}, "calls must be"),
    ],
)
def test_impossible_numbers_are_refused(kwargs, words):
    with pytest.raises(ValueError, match=words):
        estimate_cost("gpt-4o", **kwargs)


# --- price files -----------------------------------------------------------------------------

PRICE_FILE = """
[models."ft:gpt-4o-mini:acme:*"]
input = 0.30
cached_input = "0.15"
output = 1.20
context_window = 65536
as_of = 2026-11-01
source = "Acme's contract"

[models."ft:gpt-4o-mini:acme:*".batch]
input = 0.15
output = 0.60

[models."gpt-4o"]
input = 2
output = 8
"""


@pytest.fixture
def price_file(tmp_path):
    path = tmp_path / "prices.toml"
    path.write_text(PRICE_FILE, encoding="utf-8")
    return path


def test_a_price_file_prices_a_fine_tune_by_glob(price_file):
    cost = estimate_cost("ft:gpt-4o-mini:acme::abc123", 1_000_000, 1_000_000, cached_tokens=500_000, overrides=price_file)
    assert cost.input_usd == Decimal("0.15") + Decimal("0.075")
    assert cost.output_usd == Decimal("1.2")
    assert (cost.price_source, cost.prices_as_of, cost.context_window) == ("Acme's contract", "2026-11-01", 65536)


def test_a_price_file_tier_and_a_tier_it_lacks(price_file):
    overrides = load_overrides(price_file)
    batch = estimate_cost("ft:gpt-4o-mini:acme::abc", 1_000_000, 0, tier="batch", overrides=overrides)
    assert batch.input_usd == Decimal("0.15")
    priority = estimate_cost("ft:gpt-4o-mini:acme::abc", 1_000_000, 0, tier="priority", overrides=overrides)
    assert priority.total_usd is None and "no price data for tier priority" in priority.note


def test_a_negotiated_rate_wins_over_the_public_price_and_keeps_the_known_window(price_file):
    cost = estimate_cost("gpt-4o", 1_000_000, 0, cached_tokens=1_000, overrides=price_file)
    assert cost.input_usd == Decimal(2)
    assert cost.context_window == 128_000
    assert "cached tokens are charged at the input rate" in cost.note
    assert str(price_file) in cost.price_source


@pytest.mark.parametrize(
    "text, words",
    [
        ("[models.x\ninput = 1", "not valid TOML"),
        ('[models."x"]\ninput = 1\noutput = 2\ninptu = 3', "unknown keys ['inptu']"),
        ('[models."x"]\ninput = -1\noutput = 2', "finite number >= 0"),
        ('[models."x"]\ninput = 1', "missing 'output'"),
        ('[models."x"]\ninput = "cheap"\noutput = 1', "not a number"),
        ('[models."x"]\ninput = 1\noutput = 1\ncontext_window = 0', "positive whole number"),
        ('[prices]\nx = 1', "only [models."),
    ],
)
def test_a_bad_price_file_names_the_file_and_the_problem(tmp_path, text, words):
    path = tmp_path / "prices.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(PriceFileError) as raised:
        load_overrides(path)
    assert str(path) in str(raised.value) and words in str(raised.value)


def test_the_default_price_file_lives_in_the_user_config_folder(tmp_path):
    assert default_prices_path({"XDG_CONFIG_HOME": str(tmp_path)}) == tmp_path / "openai-doctor" / "prices.toml"


@pytest.mark.parametrize("amount, text", [(Decimal("1.50"), "1.5"), (Decimal("0.00001860"), "0.0000186"), (Decimal("1E-7"), "0.0000001"), (Decimal("1E+2"), "100"), (None, None)])
def test_money_is_a_plain_decimal_string(amount, text):
    assert usd(amount) == text


def test_the_documented_example_price_file_is_valid():
    from tests.conftest import ROOT

    overrides = load_overrides(ROOT / "docs" / "prices.example.toml")
    cost = estimate_cost("ft:gpt-4o-mini-2024-07-18:acme::x1", 1_000_000, 0, overrides=overrides)
    assert cost.input_usd == Decimal("0.30") and "example" in cost.price_source
