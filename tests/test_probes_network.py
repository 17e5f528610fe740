"""The online probes against the simulator: every scenario's code, exit code and status, plus the layers' details.

Most runs go in-process through the runner with hermetic settings (the simulator's CA file is
put into the settings' SSL_CERT_FILE, never into os.environ); a few go through the real CLI.
"""

from __future__ import annotations

import datetime
import errno
import json
import socket
import time
from dataclasses import dataclass, field

import httpx
import pytest

from doctor.exitcodes import ExitCode
from doctor.findings import Report, Status
from doctor.http import Proxy, UnsafeRequest, key_guard, select_proxy
from doctor.probes import load_probes
from doctor.probes.api import transport_finding
from doctor.runner import Context, run_probes
from doctor.sim import SCENARIOS, start, start_proxy
from tests.conftest import CANARY_KEY, PROJECT_KEY, run_cli

ONLINE_IDS = (
    "network.reachability",
    "auth.key",
    "model.access",
    "quota.remaining",
    "ratelimit.headers",
    "sdk.roundtrip",
    "spend.first_request",
)
ORG = {"OPENAI_ORG_ID": "org-NotTheKeysOrganization"}
PROJECT = {"OPENAI_PROJECT_ID": "proj_NotTheKeysProject"}


@dataclass(frozen=True)
class Case:
    codes: tuple[str, ...]  # the codes the online checks report, in check order
    status: Status = Status.FAIL
    env: dict[str, str] = field(default_factory=dict)
    trust_ca: bool = True  # put the TLS scenarios' CA into the settings' SSL_CERT_FILE


CASES: dict[str, Case] = {
    "ok": Case((), Status.PASS),
    "no-key-header": Case(("key.invalid",)),
    "invalid-key": Case(("key.invalid",)),
    "revoked-key": Case(("key.revoked",)),
    "access-terminated": Case(("key.revoked",)),
    "mismatched-org": Case(("auth.organization",), env=ORG),
    "mismatched-project": Case(("auth.project",), env=PROJECT),
    "invalid-org": Case(("auth.organization",)),
    "ip-not-allowed": Case(("auth.ip_not_allowed",)),
    "missing-scope": Case(("key.insufficient_scope",)),
    "region-blocked": Case(("region.unsupported",)),
    "insufficient-quota": Case(("quota.insufficient",)),
    "credit-exhausted": Case(("quota.billing_limit",)),
    "spend-limit": Case(("quota.billing_limit",)),
    "org-spend-limit": Case(("quota.billing_limit",)),
    "usage-limit": Case(("quota.billing_limit",)),
    "ratelimit-requests": Case(("ratelimit.requests",)),
    "ratelimit-tokens": Case(("ratelimit.tokens",)),
    "ratelimit-low": Case(("ratelimit.low", "ratelimit.low"), Status.WARN),
    "request-too-large": Case(("ratelimit.request_too_large",)),
    "model-not-found": Case(("model.not_found",)),
    "model-no-access": Case(("model.no_access",)),
    "model-deprecated": Case(("model.deprecated",), Status.WARN),
    "server-error": Case(("server.error",)),
    "overloaded": Case(("server.overloaded",)),
    "slow-down": Case(("server.overloaded",)),
    "slow-down-503": Case(("server.overloaded",)),
    "reset": Case(("network.connection",)),
    "html-502": Case(("server.bad_response",)),
    "garbage": Case(("server.bad_response",)),
    "tls-self-signed": Case((), Status.PASS),
    "tls-expired": Case(("network.tls",)),
    "tls-wrong-host": Case(("network.tls",)),
    "litellm": Case((), Status.PASS),
}
# Tested on their own below: they take seconds by design.
SLOW_SCENARIOS = {"slow", "blackhole"}


@pytest.fixture
def online(make_settings, clean_env):
    """Run every probe (offline and online) against a base URL with hermetic settings; returns the Report."""

    def run(base_url: str, env: dict[str, str] | None = None, *, timeout: float = 10.0, spend: bool = False, only=None) -> Report:
        settings = make_settings(env={"OPENAI_API_KEY": PROJECT_KEY, **(env or {})}, flags={"base_url": base_url})
        probes = [p for p in load_probes() if only is None or p.id in only]
        ctx = Context(settings=settings, timeout=timeout, spend=spend)
        return Report.build(run_probes(probes, ctx), settings.as_report(), spent=spend)

    return run


def online_codes(report: Report) -> tuple[str, ...]:
    return tuple(f.code for c in report.checks if c.id in ONLINE_IDS for f in c.findings)


def check(report: Report, probe_id: str):
    return next(c for c in report.checks if c.id == probe_id)


def test_every_simulator_scenario_has_a_case():
    assert set(SCENARIOS) == set(CASES) | SLOW_SCENARIOS


@pytest.mark.parametrize("name", CASES)
def test_scenario_yields_its_code_exit_code_and_status(online, name):
    case = CASES[name]
    with start(name) as sim:
        env = dict(case.env)
        if sim.ca_file and case.trust_ca:
            env["SSL_CERT_FILE"] = sim.ca_file
        report = online(sim.base_url, env, only=ONLINE_IDS)
    assert online_codes(report) == case.codes
    assert report.status is case.status
    expected_exit = ExitCode.FINDINGS if case.status is Status.FAIL else ExitCode.OK
    assert report.exit_code == expected_exit


def test_ok_reports_the_rate_limits_the_server_sent(online):
    with start("ok") as sim:
        report = online(sim.base_url, only=ONLINE_IDS)
        (served,) = [r.response_headers for r in sim.requests if r.path == "/v1/chat/completions"]
    limits = check(report, "ratelimit.headers").evidence["rate_limits"]
    for dimension in ("requests", "tokens"):
        limit = int(served[f"x-ratelimit-limit-{dimension}"])
        remaining = int(served[f"x-ratelimit-remaining-{dimension}"])
        assert limits[dimension]["limit"] == limit
        assert limits[dimension]["remaining"] == remaining
        # The simulator refills a full window in 60 s: the reset is the used share of a minute.
        assert limits[dimension]["reset_seconds"] == pytest.approx((limit - remaining) * 60 / limit, abs=1e-3)
    tier = check(report, "ratelimit.headers").evidence["usage_tier"]
    assert tier["tier"] == "Tier 1" and tier["heuristic"] is True


def test_litellm_per_key_headers_stand_in_for_the_openai_ones(online):
    with start("litellm") as sim:
        report = online(sim.base_url, only=ONLINE_IDS)
        (served,) = [r.response_headers for r in sim.requests if r.path == "/v1/chat/completions"]
    limits = check(report, "ratelimit.headers").evidence["rate_limits"]
    assert limits["requests"]["limit"] == int(served["x-ratelimit-api_key-limit-requests"]) == 100
    assert limits["requests"]["remaining"] == int(served["x-ratelimit-api_key-remaining-requests"])
    assert limits["tokens"]["remaining"] == int(served["x-ratelimit-api_key-remaining-tokens"])


def test_the_default_run_spends_nothing(online):
    with start("ok") as sim:
        report = online(sim.base_url, only=ONLINE_IDS)
        completions = [r.json for r in sim.requests if r.path == "/v1/chat/completions"]
    assert completions == [{"model": "gpt-4o-mini", "messages": [{"role": "user", "content": ""}], "max_tokens": -1}]
    first = check(report, "spend.first_request")
    assert first.status is Status.SKIP and "nothing was spent" in first.skip_reason.en
    quota = check(report, "quota.remaining").evidence
    assert "max_tokens" in quota["sent"] and quota["billed"].startswith("nothing") and "heuristic" in quota["technique"]


def test_spend_sends_one_small_completion_and_shows_what_it_cost(online):
    with start("ok") as sim:
        report = online(sim.base_url, spend=True, only=ONLINE_IDS)
        billed = [r.json for r in sim.requests if r.path == "/v1/chat/completions" and r.json.get("max_tokens") != -1]
    assert billed == [{"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "Say OK."}], "max_completion_tokens": 16}]
    (finding,) = check(report, "spend.first_request").findings
    response = finding.evidence["response"]
    assert finding.code == "spend.first_request" and response["id"].startswith("chatcmpl-")
    assert response["usage"]["completion_tokens"] <= 16
    assert "$" in finding.message.en and finding.evidence["cost"]["usd"] is not None
    assert report.exit_code == ExitCode.OK


def test_invalid_key_shows_the_tail_the_server_saw_next_to_the_local_key(online):
    with start("invalid-key") as sim:
        report = online(sim.base_url, only=ONLINE_IDS)
    (finding,) = check(report, "auth.key").findings
    assert finding.evidence["key_server_saw"].endswith(PROJECT_KEY[-4:])
    assert finding.evidence["key_in_settings"] == "sk-proj-…" + PROJECT_KEY[-4:]
    assert "sk-proj-…" + PROJECT_KEY[-4:] in finding.message.en


def test_missing_scope_names_the_scope(online):
    with start("missing-scope") as sim:
        report = online(sim.base_url, only=ONLINE_IDS)
    (finding,) = check(report, "auth.key").findings
    assert "model.request" in finding.message.en and "GET /models" in finding.message.en


def test_model_not_found_suggests_models_the_key_can_see(online):
    from doctor.sim.bodies import MODELS

    with start("model-not-found") as sim:
        report = online(sim.base_url, only=ONLINE_IDS)
    visible = {m.id for m in MODELS} - SCENARIOS["model-not-found"].hidden_models
    (finding,) = check(report, "model.access").findings
    suggested = finding.evidence["did_you_mean"]
    assert suggested and set(suggested) <= visible
    assert all(name in finding.message.en for name in suggested)


def test_model_shutting_down_gives_the_date(online):
    with start("model-deprecated") as sim:
        report = online(sim.base_url, only=ONLINE_IDS)
    (finding,) = check(report, "model.access").findings
    assert (datetime.date.today() + datetime.timedelta(days=60)).isoformat() in finding.message.en


def test_a_retired_model_names_its_replacement(make_settings, clean_env):
    with start("ok") as sim:
        settings = make_settings(env={"OPENAI_API_KEY": PROJECT_KEY}, flags={"base_url": sim.base_url, "model": "text-davinci-003"})
        probes = [p for p in load_probes() if p.id in ONLINE_IDS]
        report = Report.build(run_probes(probes, Context(settings=settings, timeout=10)), settings.as_report())
    (finding,) = check(report, "model.access").findings
    assert finding.code == "model.deprecated" and finding.severity.value == "error"
    assert "2024-01-04" in finding.message.en and "gpt-4o-mini" in finding.message.en


def test_timings_cover_each_layer(online):
    with start("ok", latency_ms=60) as sim:
        report = online(sim.base_url, only=("network.reachability",))
    timings = check(report, "network.reachability").evidence["timings_ms"]
    assert set(timings) >= {"dns", "tcp_connect", "first_byte"}
    assert timings["first_byte"] >= 60


def test_tls_timings_include_the_handshake(online):
    with start("tls-self-signed") as sim:
        report = online(sim.base_url, {"SSL_CERT_FILE": sim.ca_file}, only=("network.reachability",))
    evidence = check(report, "network.reachability").evidence
    assert "tls_handshake" in evidence["timings_ms"]
    assert evidence["trusted_cas"] == f"SSL_CERT_FILE={sim.ca_file}"


def test_untrusted_certificate_names_the_cause_and_the_ca_variables(online):
    with start("tls-self-signed") as sim:
        report = online(sim.base_url, only=("network.reachability",))
    (finding,) = check(report, "network.reachability").findings
    assert finding.code == "network.tls"
    assert "does not trust" in finding.message.en and "CERTIFICATE_VERIFY_FAILED" in finding.message.en
    fixes = " ".join(step.en for step in finding.fix)
    assert "SSL_CERT_FILE" in fixes and "REQUESTS_CA_BUNDLE" in fixes


@pytest.mark.parametrize("scenario, words", [("tls-expired", "expired"), ("tls-wrong-host", "another host name")])
def test_certificate_faults_are_told_apart(online, scenario, words):
    with start(scenario) as sim:
        report = online(sim.base_url, {"SSL_CERT_FILE": sim.ca_file}, only=("network.reachability",))
    (finding,) = check(report, "network.reachability").findings
    assert words in finding.message.en


def test_an_unloadable_ca_file_is_reported(online, tmp_path):
    with start("ok") as sim:
        report = online(sim.base_url, {"SSL_CERT_FILE": str(tmp_path / "missing.pem")}, only=("network.reachability",))
    (finding,) = check(report, "network.reachability").findings
    assert finding.code == "network.tls" and "missing.pem" in finding.message.en


def test_blackhole_ends_within_the_timeout(online):
    with start("blackhole") as sim:
        started = time.monotonic()
        report = online(sim.base_url, timeout=1.5, only=ONLINE_IDS)
        elapsed = time.monotonic() - started
    assert elapsed < 1.5 + 1
    assert online_codes(report) == ("network.timeout",)
    assert report.exit_code == ExitCode.FINDINGS


def test_slow_server_is_a_warning(online):
    with start("slow") as sim:
        report = online(sim.base_url, only=("network.reachability",))
    (finding,) = check(report, "network.reachability").findings
    assert finding.code == "network.slow" and report.status is Status.WARN


def test_refused_connection_names_host_and_port(online):
    with socket.socket() as placeholder:
        placeholder.bind(("127.0.0.1", 0))
        port = placeholder.getsockname()[1]  # bound, never listening: connections are refused
        report = online(f"http://127.0.0.1:{port}/v1", only=("network.reachability",))
    (finding,) = check(report, "network.reachability").findings
    assert finding.code == "network.connection" and f"127.0.0.1:{port} refused" in finding.message.en


def test_wrong_base_url_path_is_a_bad_response(online):
    with start("ok") as sim:
        report = online(sim.base_url.removesuffix("/v1") + "/api", only=ONLINE_IDS)
    # The simulator, like the API, asks for a key before it looks at the path: auth.key sees the 404.
    (finding,) = check(report, "auth.key").findings
    assert finding.code == "server.bad_response" and "404" in finding.message.en and "/api/models" in finding.message.en


def test_dns_failure(online, monkeypatch):
    async def no_such_host(host, port, timeout):
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr("doctor.probes.connectivity.resolve", no_such_host)
    report = online("https://api.openai.invalid/v1", only=("network.reachability",))
    (finding,) = check(report, "network.reachability").findings
    assert finding.code == "network.dns" and "api.openai.invalid" in finding.message.en


# --- proxies ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "mode, variant_words",
    [("refuse_connect", "refused to pass the request on"), ("auth_required", "407")],
)
@pytest.mark.parametrize("tls", [True, False], ids=["CONNECT", "forwarding"])
def test_proxy_faults_name_the_proxy(online, mode, variant_words, tls):
    with start("ok", tls=tls) as sim, start_proxy(mode) as proxy:
        env = {"HTTPS_PROXY" if tls else "HTTP_PROXY": proxy.url}
        if tls:
            env["SSL_CERT_FILE"] = sim.ca_file
        report = online(sim.base_url, env, only=ONLINE_IDS)
    (finding,) = check(report, "network.reachability").findings
    assert finding.code == "network.proxy"
    assert variant_words in finding.message.en and proxy.url in finding.message.en
    assert sim.requests == []  # nothing got through


def test_unreachable_proxy(online):
    with socket.socket() as placeholder, start("ok", tls=True) as sim:
        placeholder.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{placeholder.getsockname()[1]}"
        report = online(sim.base_url, {"HTTPS_PROXY": dead, "SSL_CERT_FILE": sim.ca_file}, only=("network.reachability",))
    (finding,) = check(report, "network.reachability").findings
    assert finding.code == "network.proxy" and "cannot be reached" in finding.message.en and dead in finding.message.en


def test_working_proxy_is_named_in_the_evidence(online):
    with start("ok", tls=True) as sim, start_proxy("ok") as proxy:
        env = {"https_proxy": proxy.url, "SSL_CERT_FILE": sim.ca_file}
        report = online(sim.base_url, env, only=ONLINE_IDS)
    assert online_codes(report) == ()
    assert check(report, "network.reachability").evidence["proxy"] == f"{proxy.url} (env https_proxy)"
    assert ("CONNECT", f"127.0.0.1:{sim.port}") in proxy.requests


def test_no_proxy_and_proxy_passwords(make_settings):
    settings = make_settings(env={"HTTPS_PROXY": "http://me:s3cret@proxy.corp:8080", "NO_PROXY": ".internal,localhost"},
                             flags={"base_url": "https://api.openai.com/v1"})
    proxy = select_proxy(settings)
    assert proxy.shown == "http://me:***@proxy.corp:8080" and proxy.source == "env HTTPS_PROXY"
    assert select_proxy(settings, "https://llm.internal/v1") is None
    assert select_proxy(settings, "http://localhost:8000/v1") is None


# --- the key's safety rules ----------------------------------------------------------------


@pytest.mark.parametrize(
    "url, proxy",
    [
        ("https://evil.example.com/v1/models", None),  # another host than the base URL's
        ("https://api.openai.com:8443/v1/models", None),  # another port
        ("http://api.openai.com/v1/models", None),  # clear text to a remote host
        ("http://127.0.0.1:8000/v1/models", Proxy("http://proxy.corp:8080", "env HTTP_PROXY")),  # clear text via a remote proxy
    ],
)
async def test_the_key_goes_only_to_the_base_url(url, proxy):
    base = "https://api.openai.com/v1" if "127.0.0.1" not in url else "http://127.0.0.1:8000/v1"
    guard = key_guard(base, proxy)
    with pytest.raises(UnsafeRequest):
        await guard(httpx.Request("GET", url, headers={"Authorization": "Bearer sk-test"}))
    await guard(httpx.Request("GET", url))  # without the key, anything goes


async def test_the_key_may_go_to_the_base_url():
    guard = key_guard("https://api.openai.com/v1", Proxy("http://proxy.corp:8080", "env HTTPS_PROXY"))
    assert await guard(httpx.Request("GET", "https://api.openai.com/v1/models", headers={"Authorization": "Bearer x"})) is None


# --- naming the failed layer from exceptions ------------------------------------------------


def _plan(proxy=None):
    from doctor.http import ClientPlan

    return ClientPlan("https://api.openai.com/v1", proxy, "the operating system's trust store")


def _connect_error(cause: BaseException) -> httpx.ConnectError:
    try:
        raise httpx.ConnectError(str(cause)) from cause
    except httpx.ConnectError as exc:
        return exc


TIMEOUT = httpx.Timeout(5.0)


@pytest.mark.parametrize(
    "cause, code, words",
    [
        (ConnectionRefusedError(errno.ECONNREFUSED, "Connection refused"), "network.connection", "refused"),
        (OSError(10061, "由于目标计算机积极拒绝，无法连接。"), "network.connection", "refused"),
        (OSError("[WinError 10054] 远程主机强迫关闭了一个现有的连接。"), "network.connection", "reset"),
        (OSError("[Errno 111] 连接被拒绝"), "network.connection", "refused"),
        (socket.gaierror(11001, "getaddrinfo failed"), "network.dns", "could not be resolved"),
        (OSError(errno.EHOSTUNREACH, "No route to host"), "network.connection", "no route"),
    ],
)
def test_os_errors_in_any_language_name_the_layer(cause, code, words):
    finding = transport_finding(_connect_error(cause), _plan(), TIMEOUT)
    assert finding.code == code and words in finding.message.en


def test_tls_interception_on_api_openai_com():
    import ssl

    cause = ssl.SSLCertVerificationError(1, "certificate verify failed: self-signed certificate in certificate chain")
    cause.verify_code = 19
    finding = transport_finding(_connect_error(cause), _plan(), TIMEOUT)
    assert finding.code == "network.tls" and "intercepts HTTPS" in finding.message.en


def test_a_refused_proxy_connection_blames_the_proxy():
    proxy = Proxy("http://proxy.corp:3128", "env HTTPS_PROXY")
    finding = transport_finding(_connect_error(ConnectionRefusedError(111, "Connection refused")), _plan(proxy), TIMEOUT)
    assert finding.code == "network.proxy" and "proxy.corp:3128" in finding.message.en


# --- the SDK round trip ----------------------------------------------------------------------


async def test_an_sdk_only_failure_is_reported_as_such(make_settings, clean_env):
    """The SDK cannot parse a 200 that is not JSON; probed alone, that is an SDK-level failure."""
    from doctor.probes.roundtrip import check_sdk_roundtrip

    with start("garbage") as sim:
        settings = make_settings(env={"OPENAI_API_KEY": PROJECT_KEY}, flags={"base_url": sim.base_url})
        outcome = await check_sdk_roundtrip(Context(settings=settings, timeout=10))
        (request,) = sim.requests
    (finding,) = outcome.findings
    assert finding.code == "sdk.roundtrip" and "openai 3." in finding.message.en
    assert request.path == "/v1/models" and request.headers["authorization"].endswith(PROJECT_KEY[-4:])


async def test_sdk_uses_what_the_app_sees_after_load_dotenv(make_settings, clean_env, tmp_path):
    from doctor.probes.roundtrip import sdk_options

    settings = make_settings(env={"OPENAI_ORG_ID": "org-shell"}, dotenv=f"OPENAI_API_KEY={PROJECT_KEY}\nOPENAI_ORG_ID=org-dotenv\n")
    options = sdk_options(Context(settings=settings))
    assert options["api_key"] == PROJECT_KEY and options["organization"] == "org-shell"


# --- the real CLI ------------------------------------------------------------------------------


def _cli_env(key: str) -> dict[str, str]:
    return {"OPENAI_API_KEY": key, "LANG": "en_US.UTF-8", "LC_ALL": ""}


@pytest.mark.parametrize("name, exit_code, status, code", [("ok", 0, "pass", None), ("insufficient-quota", 1, "fail", "quota.insufficient")])
def test_cli_check_json_against_the_simulator(tmp_path, name, exit_code, status, code):
    with start(name) as sim:
        result = run_cli("check", "--json", "--base-url", sim.base_url, "--project-dir", str(tmp_path),
                         env=_cli_env(PROJECT_KEY), cwd=tmp_path)
    report = json.loads(result.stdout)
    online = [c for c in report["checks"] if c["id"] in ONLINE_IDS]
    assert result.returncode == exit_code, result.stderr
    assert [f["code"] for c in online for f in c["findings"]] == ([code] if code else [])
    assert all(c["status"] in ("pass", "skip") for c in online) == (status == "pass")


def test_cli_blackhole_ends_within_timeout_plus_one_second(tmp_path):
    with start("blackhole") as sim:
        started = time.monotonic()
        result = run_cli("check", "--json", "--timeout", "2", "--base-url", sim.base_url, "--project-dir", str(tmp_path),
                         env=_cli_env(PROJECT_KEY), cwd=tmp_path)
        elapsed = time.monotonic() - started
    codes = [f["code"] for f in json.loads(result.stdout)["findings"]]
    assert "network.timeout" in codes and result.returncode == ExitCode.FINDINGS
    # The budget runs from the start of the run; interpreter start-up comes on top.
    assert elapsed < 2 + 1 + 1.5


@pytest.mark.parametrize("name, fmt", [("ok", "text"), ("invalid-key", "json")])
def test_the_canary_key_never_leaves_an_online_check(tmp_path, name, fmt):
    (tmp_path / ".env").write_text(f"OPENAI_API_KEY={CANARY_KEY}\nOPENAI_PROJECT_ID={CANARY_KEY}\n", encoding="utf-8")
    with start(name) as sim:
        result = run_cli("check", "-v", "--format", fmt, "--spend", "--base-url", sim.base_url, "--project-dir", str(tmp_path),
                         env={"LANG": "en_US.UTF-8", "LC_ALL": ""}, cwd=tmp_path)
        reached = [r for r in sim.requests if "authorization" in r.headers]
    assert reached, "the canary never reached the simulator: the test would pass vacuously"
    for leak in (CANARY_KEY, "CANARYcanary", "leakLEAK", "T3BlbkFJleak"):
        assert leak not in result.stdout and leak not in result.stderr
    assert "…" + CANARY_KEY[-4:] in result.stdout
