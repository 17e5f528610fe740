"""--demo: the Checks screen against the built-in simulator, healthy and failing, as a new user meets it."""

from __future__ import annotations

import pytest

from doctor.catalog import entry
from doctor.findings import Status
from doctor.tui import session as session_module
from doctor.tui.screens.dialogs import SettingsScreen

from .conftest import SIZE, checks_screen, pane_text, screen_text, wait_for_checks, wait_until


@pytest.fixture(autouse=True)
def _no_demo_latency(monkeypatch):
    monkeypatch.setattr(session_module, "DEMO_LATENCY_MS", 0)


async def test_the_healthy_demo_passes_everything_and_shows_the_rate_limits(make_app):
    app = make_app(demo="ok")
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_checks(pilot)
        results = checks_screen(app).check_list.results
        assert not [r.id for r in results.values() if r.status in (Status.FAIL, Status.CRASH)]
        limits = results["ratelimit.headers"].evidence["rate_limits"]
        text = screen_text(app)
        assert "DEMO" in text and "“ok”" in text
        assert "built-in simulator" in text and "127.0.0.1" not in text
        assert f"{limits['requests']['remaining']:,} of {limits['requests']['limit']:,} left" in text
        assert f"{limits['tokens']['remaining']:,} of {limits['tokens']['limit']:,} left" in text


async def test_a_failing_demo_lands_on_the_failure_and_shows_its_fix(make_app):
    app = make_app(demo="insufficient-quota")
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_checks(pilot)
        screen = checks_screen(app)
        assert screen.check_list.highlighted_probe == "quota.remaining"
        fix = entry("quota.insufficient").fix
        detail = pane_text(app, "#detail")
        assert "quota.insufficient" in detail
        assert "1. " + fix[0].en[:40] in detail and "2. " + fix[1].en[:40] in detail
        before = screen.check_list.results["quota.remaining"]
        await pilot.press("r")
        await wait_until(pilot, lambda: screen.check_list.results.get("quota.remaining") not in (None, before))
        await wait_for_checks(pilot)
        assert screen.check_list.results["quota.remaining"].status is Status.FAIL
        await pilot.press("l")
        await pilot.pause()
        detail = pane_text(app, "#detail")
        assert "解决方法" in detail and fix[0].zh[:12] in detail


async def test_the_settings_panel_switches_the_demo_scenario(make_app):
    app = make_app(demo="ok")
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_checks(pilot)
        assert checks_screen(app).check_list.results["auth.key"].status is Status.PASS
        await pilot.press("e")
        await pilot.pause()
        assert isinstance(app.screen, SettingsScreen)
        app.screen.query_one("#scenario").value = "invalid-key"
        await pilot.click("#apply")
        await wait_until(pilot, lambda: app.demo_scenario == "invalid-key")
        await wait_for_checks(pilot)
        assert checks_screen(app).check_list.results["auth.key"].status is Status.FAIL
        assert "“invalid-key”" in screen_text(app)


async def test_offline_mode_from_the_settings_skips_the_network_checks(make_app):
    app = make_app(demo="ok")
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_checks(pilot)
        await pilot.press("e")
        await pilot.pause()
        app.screen.query_one("#offline").value = True
        await pilot.click("#apply")
        await wait_until(pilot, lambda: app.session.options.offline)
        await wait_for_checks(pilot)
        results = checks_screen(app).check_list.results
        network = [p.id for p in app.session.probes() if p.network]
        assert network and all(results[pid].status is Status.SKIP for pid in network)
        assert "OFFLINE" in screen_text(app)
