"""The probe modules, in the order of the quick start; importing one registers its probes."""

from __future__ import annotations

import importlib

from doctor.runner import REGISTRY, Probe

OFFLINE_MODULES: tuple[str, ...] = ("key", "environment", "sdk", "tokenizer")
ONLINE_MODULES: tuple[str, ...] = ("connectivity", "auth", "models", "quota", "ratelimits", "roundtrip", "first_request")


def load_probes(offline: bool = False) -> list[Probe]:
    """Every registered probe in declaration order; network probes only when not offline."""
    modules = OFFLINE_MODULES if offline else OFFLINE_MODULES + ONLINE_MODULES
    for name in modules:
        importlib.import_module(f"doctor.probes.{name}")
    return [p for p in REGISTRY.values() if not (offline and p.network)]
