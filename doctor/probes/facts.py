"""Model facts kept as data (model_facts.toml): retired models and their replacements, tiers by token limit."""

from __future__ import annotations

import datetime
import functools
import tomllib
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Retirement:
    model: str
    shutdown: datetime.date
    replacement: str


@functools.cache
def _facts() -> dict:
    return tomllib.loads((Path(__file__).parent / "model_facts.toml").read_text(encoding="utf-8"))


def retirement(model: str) -> Retirement | None:
    """The known shutdown of ``model`` (exact name), or None."""
    row = _facts()["retired"].get(model)
    if row is None:
        return None
    return Retirement(model, datetime.date.fromisoformat(row["shutdown"]), row["replacement"])


def usage_tier(model: str, token_limit: int | float | None) -> str | None:
    """The usage tier whose listed TPM for ``model`` equals ``token_limit`` (a heuristic), or None."""
    tiers = _facts()["tier_tpm"].get(model, {})
    return next((tier for tier, tpm in tiers.items() if tpm == token_limit), None)
