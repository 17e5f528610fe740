"""The simulator's scenarios: which check of the real API's pipeline fails, and how it says so.

Error wording is copied from real API responses (reference sheet §3.3); where no real body was
captured (ip_not_authorized) the text is the simulator's own and says what happened.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Callable


class Stage(enum.IntEnum):
    """The checks of a request in the order the real API runs them; the first failure answers."""
    AUTH = 1
    REGION = 2
    SERVER = 3
    QUOTA = 4
    RATE = 5


Message = str | Callable[[dict], str]


@dataclass(frozen=True)
class Rejection:
    """One error the scenario's server answers with at its stage, as ``{"error": {...}}``."""
    stage: Stage
    status: int
    type: str
    code: str | None
    message: Message  # a str.format template (fields: see ``SimulatedApi._message_fields``) or a function of them
    inference_only: bool = False  # quota and rate limits apply to generation, not to GET /v1/models
    when_header: str | None = None  # only requests carrying this header are rejected
    retry_after: int | None = None


@dataclass(frozen=True)
class RateLimits:
    """Per-minute limits and what was already used in the current minute before a request."""
    requests: int
    tokens: int
    requests_used: int = 0
    tokens_used: int = 0


TIER_1 = RateLimits(requests=500, tokens=200_000)  # gpt-4o-mini on usage tier 1


@dataclass(frozen=True)
class Scenario:
    name: str
    summary: str  # one line, shown by `simulate --list`
    rejection: Rejection | None = None
    ignores_key: bool = False  # answers as if no Authorization header came (a gateway strips it)
    fault: str | None = None  # "blackhole", "reset", "html-502", "garbage"
    tls: str | None = None  # certificate flavour: "self-signed", "expired", "wrong-host"
    latency_ms: int = 0
    limits: RateLimits = TIER_1
    header_style: str = "openai"  # or "litellm": per-key rate-limit headers of a LiteLLM proxy
    hidden_models: frozenset[str] = frozenset()  # the key cannot see these (404)
    allowed_models: frozenset[str] | None = None  # the project's model allow-list (others: 403)
    shutdown_in_days: dict[str, int] = field(default_factory=dict)  # model id -> days until its shutdown


INCORRECT_KEY = ("Incorrect API key provided: {masked_key}. You can find your API key at "
                 "https://platform.openai.com/account/api-keys.")
RATE_LIMITS_URL = "Visit https://platform.openai.com/account/rate-limits to learn more."
HIDDEN_BY_DEFAULT = frozenset({"gpt-4o-mini", "gpt-4o-mini-2024-07-18"})


def _invalid_organization(fields: dict) -> str:
    if fields["org_header"]:
        return f"No such organization: {fields['org_header']}."
    return "You do not have access to the organization tied to the API key."


def _auth(code, message, **kw) -> Rejection:
    return Rejection(Stage.AUTH, 401, "invalid_request_error", code, message, **kw)


def _quota(code, message) -> Rejection:
    return Rejection(Stage.QUOTA, 429, "insufficient_quota", code, message, inference_only=True)


def _scenarios(*items: Scenario) -> dict[str, Scenario]:
    return {item.name: item for item in items}


SCENARIOS: dict[str, Scenario] = _scenarios(
    Scenario("ok", "a healthy tier-1 project: every endpoint answers, rate-limit headers with plenty left"),
    Scenario("no-key-header", "the Authorization header never arrives (a gateway strips it): 401 \"You didn't provide an API key\"",
             ignores_key=True),
    Scenario("invalid-key", "every key is rejected: 401 invalid_api_key with the masked tail of the key received",
             _auth("invalid_api_key", INCORRECT_KEY)),
    Scenario("revoked-key", "the key belongs to a deactivated account: 401 account_deactivated",
             _auth("account_deactivated", "This key is associated with a deactivated account. If you feel this is an "
                   "error, contact us through our help center at help.openai.com.")),
    Scenario("access-terminated", "the account was terminated for a policy violation: 429 access_terminated",
             Rejection(Stage.AUTH, 429, "access_terminated", None,
                       "You have been terminated for violation of our usage policies. If you believe this is in error "
                       "and would like to appeal, please contact us through our help center at help.openai.com.")),
    Scenario("mismatched-org", "an OpenAI-Organization header that is not the key's organization: 401 mismatched_organization",
             _auth("mismatched_organization", "OpenAI-Organization header should match organization for API key",
                   when_header="openai-organization")),
    Scenario("mismatched-project", "an OpenAI-Project header that is not the key's project: 401 mismatched_project",
             _auth("mismatched_project", "OpenAI-Project header should match project for API key",
                   when_header="openai-project")),
    Scenario("invalid-org", "the organization does not exist or the user left it: 401 invalid_organization",
             _auth("invalid_organization", _invalid_organization)),
    Scenario("ip-not-allowed", "the caller's IP is not on the project's IP allowlist: 401 ip_not_authorized",
             _auth("ip_not_authorized", "Your IP address {client_ip} is not authorized to access this organization's "
                   "API: it is not on the organization's or project's IP allowlist.")),
    Scenario("missing-scope", "a restricted key without the model.request scope: 401 missing_scope",
             _auth("missing_scope", "You have insufficient permissions for this operation. Missing scopes: "
                   "model.request. Check that you have the correct role in your organization (Reader, Writer, Owner) "
                   "and project (Member, Owner), and if you're using a restricted API key, that it has the necessary "
                   "scopes.")),
    Scenario("region-blocked", "the request comes from an unsupported country: 403 unsupported_country_region_territory",
             Rejection(Stage.REGION, 403, "request_forbidden", "unsupported_country_region_territory",
                       "Country, region, or territory not supported")),
    Scenario("insufficient-quota", "no credit left: 429 insufficient_quota on generation (GET /v1/models still works)",
             _quota("insufficient_quota", "You exceeded your current quota, please check your plan and billing details. "
                    "For more information on this error, read the docs: "
                    "https://platform.openai.com/docs/guides/error-codes/api-errors.")),
    Scenario("credit-exhausted", "the prepaid credit balance is zero: 429 credit_balance_exhausted",
             _quota("credit_balance_exhausted", "You have no credits remaining. Add credits to continue using the API "
                    "at https://platform.openai.com/settings/organization/billing/.")),
    Scenario("spend-limit", "the project's monthly spend limit is reached: 429 project_spend_limit_exceeded",
             _quota("project_spend_limit_exceeded", "You have reached the monthly spend limit set for project "
                    "{project_id}. Ask an owner of the project or organization to raise the limit at "
                    "https://platform.openai.com/settings/organization/limits.")),
    Scenario("org-spend-limit", "the organization's monthly spend limit is reached: 429 organization_spend_limit_exceeded",
             _quota("organization_spend_limit_exceeded", "You have reached the monthly spend limit set for your "
                    "organization. Raise it at https://platform.openai.com/settings/organization/limits.")),
    Scenario("usage-limit", "the usage tier's monthly limit is reached: 429 organization_usage_limit_exceeded",
             _quota("organization_usage_limit_exceeded", "Your organization has reached its monthly usage limit for "
                    "its usage tier. The limit rises as you move to higher tiers: "
                    "https://platform.openai.com/settings/organization/limits.")),
    Scenario("ratelimit-requests", "3 RPM all used: 429 rate_limit_exceeded (type requests), retry-after 20",
             Rejection(Stage.RATE, 429, "requests", "rate_limit_exceeded",
                       "Rate limit reached for {model} in organization {org_id} on requests per min (RPM): Limit 3, "
                       "Used 3, Requested 1. Please try again in 20s. " + RATE_LIMITS_URL,
                       inference_only=True, retry_after=20),
             limits=RateLimits(requests=3, tokens=40_000, requests_used=3, tokens_used=150)),
    Scenario("ratelimit-tokens", "the minute's tokens are used up: 429 rate_limit_exceeded (type tokens), retry-after 1",
             Rejection(Stage.RATE, 429, "tokens", "rate_limit_exceeded",
                       "Rate limit reached for {model} in organization {org_id} on tokens per min (TPM): Limit 200000, "
                       "Used 199432, Requested 1200. Please try again in 190ms. " + RATE_LIMITS_URL,
                       inference_only=True, retry_after=1),
             limits=RateLimits(requests=500, tokens=200_000, requests_used=87, tokens_used=199_432)),
    Scenario("ratelimit-low", "requests succeed but under 10 % of the minute's requests and tokens remain",
             limits=RateLimits(requests=500, tokens=200_000, requests_used=463, tokens_used=186_000)),
    Scenario("request-too-large", "one request exceeds the 30000 TPM limit: 429 \"Request too large\" (type tokens), no retry-after",
             Rejection(Stage.RATE, 429, "tokens", "rate_limit_exceeded",
                       "Request too large for {model} in organization {org_id} on tokens per min (TPM): Limit 30000, "
                       "Requested 32156. The input or output tokens must be reduced in order to run successfully. "
                       + RATE_LIMITS_URL, inference_only=True),
             limits=RateLimits(requests=500, tokens=30_000)),
    Scenario("model-not-found", "the key cannot see gpt-4o-mini: 404 model_not_found (other models work)",
             hidden_models=HIDDEN_BY_DEFAULT),
    Scenario("model-no-access", "the project's allow-list holds only gpt-4.1-mini and text-embedding-3-small: 403 for others",
             allowed_models=frozenset({"gpt-4.1-mini", "gpt-4.1-mini-2025-04-14", "text-embedding-3-small"})),
    Scenario("model-deprecated", "gpt-4o-mini and gpt-3.5-turbo shut down in 60 days (shutdown_date set), still answering",
             shutdown_in_days={"gpt-4o-mini": 60, "gpt-4o-mini-2024-07-18": 60, "gpt-3.5-turbo": 60,
                               "gpt-3.5-turbo-0125": 60}),
    Scenario("server-error", "every request fails: 500 server_error",
             Rejection(Stage.SERVER, 500, "server_error", None,
                       "The server had an error while processing your request. Sorry about that!")),
    Scenario("overloaded", "generation fails with 503 server_is_overloaded (GET /v1/models works)",
             Rejection(Stage.SERVER, 503, "service_unavailable_error", "server_is_overloaded",
                       "Our servers are currently overloaded. Please try again later.", inference_only=True)),
    Scenario("slow-down", "generation fails with 429 slow_down: the request rate grew too fast",
             Rejection(Stage.SERVER, 429, "rate_limit_error", "slow_down",
                       "Your request rate has increased suddenly, overloading the model. Please reduce your request "
                       "rate to its original level, keep it stable for at least 15 minutes, and then gradually "
                       "increase it.", inference_only=True)),
    Scenario("slow-down-503", "the older form of slow_down: 503 on generation",
             Rejection(Stage.SERVER, 503, "service_unavailable_error", "slow_down",
                       "Slow Down: your request rate has increased suddenly. Please reduce your request rate to its "
                       "original level, keep it stable for at least 15 minutes, and then gradually increase it.",
                       inference_only=True)),
    Scenario("slow", "answers correctly but every response takes 2.5 s more", latency_ms=2500),
    Scenario("blackhole", "accepts the TCP connection and never answers", fault="blackhole"),
    Scenario("reset", "sends half a response, then resets the connection", fault="reset"),
    Scenario("html-502", "a gateway's HTML error page with status 502 instead of JSON", fault="html-502"),
    Scenario("garbage", "status 200 with a body that is not JSON", fault="garbage"),
    Scenario("tls-self-signed", "HTTPS with a certificate from a local CA nobody trusts (like TLS interception)",
             tls="self-signed"),
    Scenario("tls-expired", "HTTPS with a certificate that expired yesterday (signed by the local CA)", tls="expired"),
    Scenario("tls-wrong-host", "HTTPS with a certificate for another host name (signed by the local CA)",
             tls="wrong-host"),
    Scenario("litellm", "a LiteLLM proxy: per-key x-ratelimit-api_key-* headers, upstream headers prefixed llm_provider-",
             header_style="litellm", limits=RateLimits(requests=100, tokens=100_000, requests_used=12, tokens_used=4_200)),
)
