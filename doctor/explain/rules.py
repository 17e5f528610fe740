"""The classifier: API error code and type first, then stable message families, then exception classes and status.

Rules are data. Each names a finding code and a confidence: the more specific the signal,
the higher the confidence, so "Request too large for …" (ratelimit.request_too_large) outranks
the rate_limit_exceeded code it comes with, and a TLS failure outranks the "Connection error."
that wraps it. Phrases are matched on the lower-cased text; patterns on the original.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from doctor.explain.facts import Facts


@dataclass(frozen=True)
class Rule:
    code: str
    confidence: float
    phrases: tuple[str, ...] = ()
    pattern: re.Pattern[str] | None = None
    hint: str | None = None  # which catalog message variant fits this signal


@dataclass(frozen=True)
class Candidate:
    code: str
    confidence: float
    position: int  # where in the text the deciding signal is (-1: from status or class only)
    hint: str | None = None


def _rule(code: str, confidence: float, *phrases: str, pattern: str | None = None, hint: str | None = None) -> Rule:
    return Rule(code, confidence, tuple(p.lower() for p in phrases), re.compile(pattern) if pattern else None, hint)


# The error body's "code" field, as OpenAI, Azure and the OS network stack spell it.
API_CODES: dict[str, tuple[str, float]] = {
    "insufficient_quota": ("quota.insufficient", 0.95),
    "credit_balance_exhausted": ("quota.billing_limit", 0.97),
    "organization_spend_limit_exceeded": ("quota.billing_limit", 0.97),
    "project_spend_limit_exceeded": ("quota.billing_limit", 0.97),
    "organization_usage_limit_exceeded": ("quota.billing_limit", 0.97),
    "billing_hard_limit_reached": ("quota.billing_limit", 0.97),
    "billing_not_active": ("quota.billing_limit", 0.97),
    "invalid_api_key": ("key.invalid", 0.95),
    "account_deactivated": ("key.revoked", 0.97),
    "access_terminated": ("key.revoked", 0.97),
    "mismatched_organization": ("auth.organization", 0.97),
    "invalid_organization": ("auth.organization", 0.97),
    "no_organization": ("auth.organization", 0.97),
    "organization_membership_required": ("auth.organization", 0.97),
    "mismatched_project": ("auth.project", 0.97),
    "invalid_project": ("auth.project", 0.97),
    "ip_not_authorized": ("auth.ip_not_allowed", 0.97),
    "missing_scope": ("key.insufficient_scope", 0.97),
    "unsupported_country_region_territory": ("region.unsupported", 0.98),
    "context_length_exceeded": ("request.context_length", 0.97),
    "model_not_found": ("model.not_found", 0.9),
    "rate_limit_exceeded": ("ratelimit.requests", 0.8),
    "rate_limit_error": ("ratelimit.requests", 0.75),
    "server_is_overloaded": ("server.overloaded", 0.95),
    "slow_down": ("server.overloaded", 0.95),
    "unsupported_parameter": ("request.invalid", 0.93),
    "unsupported_value": ("request.invalid", 0.93),
    "invalid_value": ("request.invalid", 0.9),
    "invalid_type": ("request.invalid", 0.9),
    "integer_above_max_value": ("request.invalid", 0.9),
    "integer_below_min_value": ("request.invalid", 0.9),
    "invalid_request_body": ("request.invalid", 0.8),
    "string_above_max_length": ("request.invalid", 0.9),
    "server_error": ("server.error", 0.85),
    "unknown_url": ("config.base_url", 0.93),
    "DeploymentNotFound": ("azure.deployment_not_found", 0.97),
    "ENOTFOUND": ("network.dns", 0.93),
    "EAI_AGAIN": ("network.dns", 0.93),
    "ECONNREFUSED": ("network.connection", 0.88),
    "ECONNRESET": ("network.connection", 0.88),
    "EHOSTUNREACH": ("network.connection", 0.88),
    "ENETUNREACH": ("network.connection", 0.88),
    "ETIMEDOUT": ("network.timeout", 0.9),
    "UND_ERR_CONNECT_TIMEOUT": ("network.timeout", 0.9),
    "UND_ERR_HEADERS_TIMEOUT": ("network.timeout", 0.9),
    "UND_ERR_BODY_TIMEOUT": ("network.timeout", 0.9),
    "UND_ERR_SOCKET": ("network.connection", 0.86),
    "ECONNABORTED": ("network.timeout", 0.8),
    "EPIPE": ("network.connection", 0.86),
    "SELF_SIGNED_CERT_IN_CHAIN": ("network.tls", 0.94),
    "UNABLE_TO_VERIFY_LEAF_SIGNATURE": ("network.tls", 0.94),
    "UNABLE_TO_GET_ISSUER_CERT_LOCALLY": ("network.tls", 0.94),
    "CERT_HAS_EXPIRED": ("network.tls", 0.94),
    "DEPTH_ZERO_SELF_SIGNED_CERT": ("network.tls", 0.94),
}

# The error body's "type" field.
API_TYPES: dict[str, tuple[str, float]] = {
    "insufficient_quota": ("quota.insufficient", 0.93),
    "tokens": ("ratelimit.tokens", 0.9),
    "tokens_usage_based": ("ratelimit.tokens", 0.9),
    "requests": ("ratelimit.requests", 0.9),
    "server_error": ("server.error", 0.8),
    "service_unavailable_error": ("server.overloaded", 0.85),
    "cf_bad_gateway": ("server.error", 0.85),
    "cf_service_unavailable": ("server.overloaded", 0.85),
    "request_forbidden": ("region.unsupported", 0.5),
    "access_terminated": ("key.revoked", 0.95),
    "billing_not_active": ("quota.billing_limit", 0.95),
    "invalid_request_error": ("request.invalid", 0.4),
}

# Gateways (one-api, new-api, relays) spell their own codes around the same words: insufficient_user_quota,
# pre_consume_token_quota_failed, InsufficientBalance. A code not listed above is read by the word it names
# (a whole word: load_balancer_error is no balance).
_CODE_FAMILIES = {
    "quota": ("quota.insufficient", 0.9),
    "balance": ("quota.insufficient", 0.88),
}
_CODE_WORD = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])")


def _code_family(value: str) -> tuple[str, float] | None:
    """The family a gateway's own error code names, if any."""
    return next((_CODE_FAMILIES[w] for w in map(str.lower, _CODE_WORD.findall(value)) if w in _CODE_FAMILIES), None)

RULES: tuple[Rule, ...] = (
    # Keys and authentication
    _rule("key.missing", 0.97, "you didn't provide an api key", "no api key provided", "api_key client option must be",
          "missing credentials. please pass", "did not find openai_api_key", "keyerror: 'openai_api_key'",
          "openai_api_key environment variable is missing", "could not find api key", "api key is required",
          "openai_api_key is not set", "authorization: bearer undefined", "'bearer undefined'", "bearer none'",
          "bearer null'", "no auth credentials found", "openai_api_key not found", "no api key found", "api key not found", "missing bearer",
          "未提供 api key", "缺少 api key", "未设置 api key", "未提供令牌", "未提供密钥", "未提供 key",
          pattern=r"(?i)OPENAI_API_KEY[^\n]{0,40}?(?:is not set|not set|not found|not defined|is missing|is empty|is required)"),
    # Any wrapper's way of saying no key was given: "OpenAI API key is missing", "missing API key", "apiKey not configured".
    _rule("key.missing", 0.93, pattern=r"(?i)\bapi[ _-]?key\b[^\n.]{0,30}?\b(?:is |was )?(?:missing|not (?:set|provided|found|"
          r"configured|defined|specified)|empty)\b|\bmissing (?:an? |the |your )?(?:openai[ _-]?)?api[ _-]?key\b"),
    _rule("key.invalid", 0.96, "incorrect api key provided", "invalid_api_key", "invalid api key", "无效的 api key", "无效 key",
          "api key 无效", "api key无效", "密钥无效"),
    _rule("key.invalid", 0.85, "invalid access token", "token expired", "无效的令牌", "令牌无效", "令牌已过期", "密钥错误",
          "api key错误", "api key 错误", "invalid token", "invalid authentication token", "认证失败", "鉴权失败",
          pattern=r"(?i)\bapi[ _-]?key\b[^\n.]{0,40}?\b(?:is |was )?(?:invalid|incorrect|not valid|wrong|expired|revoked)\b|"
                  r"\bwrong api[ _-]?key\b|(?:api[ _-]?key|\bkey|密钥|令牌)\s*(?:无效|错误|不正确|已失效|失效|已过期)|无效的?\s*(?:api[ _-]?key|密钥|令牌)"),
    _rule("key.revoked", 0.97, "associated with a deactivated account", "has been deactivated", "account_deactivated",
          "access_terminated", "deleted or deactivated", "access was terminated"),
    _rule("key.insufficient_scope", 0.97, "insufficient permissions for this operation", "missing scopes:", "missing_scope", "缺少作用域"),
    _rule("key.admin_key", 0.9, "could not resolve authentication method"),
    _rule("auth.organization", 0.97, "openai-organization header should match", "no such organization",
          "must be a member of an organization", "do not have access to the organization", hint="no_membership"),
    _rule("auth.project", 0.97, "openai-project header should match", "no such project"),
    _rule("auth.ip_not_allowed", 0.97, "ip_not_authorized", "not on the ip allowlist", "ip address is not allowed",
          pattern=r"(?i)\bIP(?: address)? (?:[\d.:a-f]+ )?(?:is )?not (?:authorized|allowed)"),
    _rule("region.unsupported", 0.98, "country, region, or territory not supported", "unsupported_country",
          "not available in your region", "not available in your country", "不支持的国家", "不支持的地区", "地区不支持",
          pattern=r"(?i)\bnot (?:available|supported) in (?:your|my) (?:country|region)"),
    # Billing and rate limits
    _rule("quota.insufficient", 0.97, "exceeded your current quota", "insufficient_quota", "余额不足", "额度已用", "额度不足",
          "insufficient balance", "insufficient credit", "insufficient quota", "out of credits", "insufficient funds", "欠费",
          "请充值",
          pattern=r"(?i)\bexceed(?:s|ed|ing)? (?:my|your|the|our) (?:current |monthly )?quota\b|\binsufficient (?:\w+ ){1,2}quota\b|"
                  r"\bquota (?:is |was |has been )?(?:not enough|exhausted|used up|insufficient)\b|\bnot enough (?:\w+ )?(?:quota|credits?|balance)\b|"
                  r"(?:余额|额度|配额)(?:已经|已)?(?:不足|不够|用完|用尽|耗尽|为\s*0|为零)"),
    _rule("quota.billing_limit", 0.97, "billing hard limit has been reached", "no credits remaining", "credit balance is",
          "spend limit", "usage limit for your tier", "billing is not active", "billing_not_active",
          "account is not active"),
    # Terminals cut characters at the wrap ("Request to\n large for", "tokens\n be reduced"): match what survives.
    _rule("ratelimit.request_too_large", 0.98, "be reduced in order to run successfully",
          pattern=r"(?i)\brequest to+\s*large for\b"),
    _rule("ratelimit.tokens", 0.96, pattern=r"(?i)rate limit reached for [^\n]{0,160}? on tokens(?:_usage_based)? per|\((?:TPM|TPD)\)"),
    _rule("ratelimit.requests", 0.96, pattern=r"(?i)rate limit reached for [^\n]{0,160}? on (?:requests|images) per|\((?:RPM|RPD|IPM)\)"),
    _rule("ratelimit.tokens", 0.93, "exceeded token rate limit", "token rate limit"),
    _rule("ratelimit.requests", 0.93, "exceeded call rate limit", "call rate limit"),
    # The dimension named in any wording: "20,000 input tokens per minute", "on requests per day".
    _rule("ratelimit.tokens", 0.9, pattern=r"(?i)\b(?:input |output )?tokens per (?:min|minute|day)\b"),
    _rule("ratelimit.requests", 0.9, pattern=r"(?i)\brequests per (?:min|minute|day)\b"),
    _rule("ratelimit.requests", 0.72, "rate limit reached", "rate limit exceeded", "rate limit is exceeded", "rate_limit_exceeded",
          "速率限制", "频率限制", "限流", "请求频率过高", "请求过于频繁", "请求太频繁", "请求太多", "请求过多", "请求次数过多", "too many requests",
          pattern=r"(?i)\bexceed(?:s|ed|ing)? (?:the |your |its )?(?:\w+ )?rate limit|\b(?:hit|hitting|reached|reaching) "
                  r"(?:the |a |my |our )?rate[ -]?limits?\b|(?:次数|调用|请求)[^\n，,。]{0,6}(?:已达|达到|超过|超出)(?:上限|限制)"),
    # Models and requests
    # Only when a model is what was retired: libraries deprecate options and classes too.
    _rule("model.deprecated", 0.97, "model is deprecated", "模型已下线", "模型已弃用",
          pattern=r"(?i)\bmodel\b[^\n]{0,80}?\b(?:has been deprecated|has been retired|was deprecated on|has been shut down)"),
    _rule("model.no_access", 0.97, "does not have access to model", "must be verified to use", "not have access to the model",
          "not allowed to sample from this model", pattern=r"(?:无权|没有权限)(?:访问|使用|调用)(?:该|此)?模型"),
    _rule("model.not_found", 0.93, pattern=r"(?i)\bmodel:? [`'\"]?[\w.:/@-]+[`'\"]?\s+does ?not ?exist|模型不存在|model_not_found|\bmodel not found\b"),
    # Any wording that says a model is not there: "the model does not exist", "model 40-turbo doesn't exist".
    _rule("model.not_found", 0.9, pattern=r"(?i)\bmodel\b[^\n.]{0,40}?\b(?:does ?n[o']?t|did ?n[o']?t) exist\b|\bno such model\b"),
    _rule("model.not_found", 0.9, "or you do not have access to it", pattern=r"(?i)\bis not a valid model(?: id)?\b"),
    _rule("model.not_found", 0.85, "无可用渠道", pattern=r"(?i)\b(?:invalid|unknown) model\b|\bmodel [\"'`][\w.:/@-]+[\"'`] not found"),
    _rule("request.context_length", 0.97, "maximum context length", "context_length_exceeded", "reduce the length of the messages",
          "prompt is too long", "context length exceeded", "exceeds the context window", "context window of this model", "上下文长度",
          "上下文超限", "超出最大上下文", "超过最大上下文",
          pattern=r"(?i)\bexceed(?:s|ed|ing)? (?:the )?(?:model'?s )?(?:maximum )?context (?:length|window)"),
    _rule("request.invalid", 0.96, "use 'max_completion_tokens' instead", "use max_completion_tokens", hint="max_completion_tokens"),
    _rule("request.invalid", 0.95, "must be verified to stream", hint="verify_stream"),
    # A model used on an endpoint it does not serve: a chat model on /v1/completions or for embeddings.
    _rule("request.invalid", 0.94, "not allowed to generate embeddings", pattern=r"(?i)\bnot supported in the v1/[\w/]+ endpoint"),
    _rule("request.invalid", 0.93, "must be verified to", hint="verify_org"),
    _rule("request.invalid", 0.8, "there was an issue with your request", "please check your inputs"),
    _rule("request.invalid", 0.93, "unsupported parameter", "unsupported value", "max_tokens is too large",
          "is not supported with this model", "unrecognized request argument", "additional properties are not allowed",
          "invalid type for", "is not one of", "missing required parameter", "invalid parameter", "invalid schema",
          "must be followed by tool messages", "must be a response to a preceding message",
          pattern=r"Invalid '[\w.\[\]]+'", hint="param"),
    # SDK and tokenizer
    _rule("sdk.outdated", 0.98, "but this is no longer supported in openai>=1.0", "apiremovedinv1", "openai migrate",
          "no module named 'openai.error'",
          # Any quoting and either word order: LangChain says "`openai` has no `ChatCompletion` attribute".
          pattern=r"(?:module )?[`'\"]openai[`'\"] has no (?:attribute )?[`'\"](?:ChatCompletion|Completion|Embedding|Image|Edit|"
                  r"Moderation|FineTune|Engine|Audio|error|api_base|Customer)[`'\"]"),
    _rule("sdk.outdated", 0.95, pattern=r"You tried to access openai\.\w+, but this is no longer supported"),
    _rule("sdk.outdated", 0.85, pattern=r"openai\.(?:ChatCompletion|Completion|Embedding)\b[^\n]{0,120}?\b1\.0(?:\.0)?\b"),
    # Code and installed SDK from different eras: a module attribute, a client resource or a submodule that is not there.
    _rule("sdk.outdated", 0.88, pattern=r"module 'openai' has no attribute '(?!(?:Async)?(?:Azure)?(?:OpenAI|Client)')\w+'|"
          r"'(?:Async)?(?:Azure)?OpenAI' object has no attribute '\w+'|"
          r"No module named '?openai\.[\w.]+|cannot import name '\w+' from 'openai\.[\w.]+'"),
    _rule("sdk.legacy_usage", 0.85, "but this is no longer supported in openai>=1.0", "apiremovedinv1"),
    _rule("sdk.usage", 0.97, "unexpected keyword argument 'proxies", hint="proxies"),
    _rule("sdk.usage", 0.85, "ambiguous use of module client", "missing required arguments; expected either",
          pattern=r"'(?:ChatCompletion\w*|Completion|CreateEmbeddingResponse|Choice)' object (?:is not subscri|has no attribute)"),
    _rule("sdk.missing", 0.95, pattern=r"No module named '?openai'?(?:$|[^.\w])"),
    # A local file named openai.py shadows the package.
    _rule("sdk.usage", 0.97, "partially initialized module 'openai'"),
    _rule("sdk.usage", 0.96, pattern=r"(?:module 'openai' has no attribute|cannot import name) "
          r"'(?:Async)?(?:Azure)?(?:OpenAI|Client)'", hint="no_client_class"),
    _rule("sdk.outdated", 0.82, "unexpected keyword argument 'proxies", "module 'openai' has no attribute 'openai'",
          "cannot import name 'openai' from 'openai'", hint="sdk_old"),
    _rule("sdk.usage", 0.6, pattern=r"got an unexpected keyword argument '\w+'", hint="keyword"),
    _rule("tokenizer.unknown_model", 0.98, pattern=r"(?i)could not automatically map [^\n]{0,100}? to a tokeni[sz]er|\bUnknown encoding\b"),
    _rule("tokenizer.missing", 0.95, "no module named 'tiktoken'"),
    _rule("tokenizer.offline", 0.97, "openaipublic.blob.core.windows.net", "hash mismatch for data downloaded",
          pattern=r"\b\w+_base\.tiktoken\b"),
    # Base URL and Azure
    _rule("config.base_url", 0.93, "invalid url (post", "invalid url (get", "unknown request url", "unrecognized request url",
          "/chat/completions/chat/completions", "/v1/v1/", "404 page not found", "route not found",
          "request url is missing an 'http://' or 'https://' protocol", "unsupported protocol",
          "no scheme supplied", "no connection adapters were found"),
    _rule("config.base_url", 0.8, pattern=r"(?i)\b(?:wrong|incorrect|invalid) (?:base[ _]?url|api[ _]?base|openai_base_url|openai_api_base)\b"),
    # FastAPI's default 404/405 bodies: the server is up but has no such route, so the base URL is wrong.
    _rule("config.base_url", 0.85, pattern=r"[\"']detail[\"']\s*:\s*[\"'](?:Not Found|Method Not Allowed)[\"']"),
    _rule("azure.deployment_not_found", 0.97, "deploymentnotfound", "api deployment for this resource does not exist",
          "api deployment for the resource does not exist"),
    _rule("azure.invalid_key", 0.96, "invalid subscription key or wrong api endpoint", "access denied due to invalid subscription key",
          "access token is missing, invalid, audience is incorrect", "principal does not have access to api/operation"),
    _rule("azure.deployment_not_found", 0.8, "must provide an 'engine' or 'deployment_id'"),
    _rule("azure.api_version", 0.5, "resource not found"),
    _rule("config.base_url", 0.8, "must provide one of the `base_url` or `azure_endpoint`"),
    _rule("azure.api_version", 0.94, "api version not supported", "enabled only for api versions", "openai_api_version",
          "must provide either the `api_version`", "api-version query parameter", "missing required query parameter: api-version"),
    _rule("azure.api_version", 0.55, pattern=r"(?i)[\"']?code[\"']?\s*:\s*[\"']404[\"']\s*,\s*[\"']?message[\"']?\s*:\s*[\"']Resource not found"),
    # Network
    _rule("network.proxy", 0.85, pattern=r"(?i)\bproxy (?:error|issue|problem|failed|failure)\b"),
    _rule("network.proxy", 0.95, "proxyerror", "代理错误", "代理连接失败", "无法连接到代理", "cannot connect to proxy",
          "unable to connect to proxy", "tunnel connection failed",
          "proxy authentication required", "clientproxyconnectionerror",
          "unknown scheme for proxy url", "using socks proxy, but"),
    _rule("network.tls", 0.94, "certificate_verify_failed", "certificate verify failed", "self-signed certificate",
          "self signed certificate", "unable to get local issuer certificate", "sslcertverificationerror", "wrong_version_number",
          "ssleoferror", "eof occurred in violation of protocol", "sslv3_alert_handshake_failure", "ssl handshake",
          "tlsv1_alert", "clientconnectorcertificateerror", "curl: (60)", "certificate has expired", "ssl_connect",
          "unable to verify the first certificate", "pkix path building failed", "unable to find valid certification path",
          "certificate signed by unknown authority", "x509: ", "invalid peer certificate", "unknownissuer",
          "ssl connection could not be established", "ssl routines", "err_ssl_", "err_tls_", "ssl_error_", "sec_error_",
          "pr_end_of_file_error", "pr end of file error"),
    _rule("network.tls", 0.8, "sslerror", "curl: (35)", "ssl: ", "tls/ssl connection has been closed", "证书"),
    _rule("network.dns", 0.93, "getaddrinfo", "name or service not known", "temporary failure in name resolution",
          "nodename nor servname", "failed to resolve", "nameresolutionerror", "could not resolve host", "could not resolve:",
          "no address associated with hostname", "clientconnectordnserror", "curl: (6)", "errno 11001", "errno 11004",
          "errno -2]", "errno -3]", "errno 8]", "failed host lookup", "unknownhostexception", "unable to resolve host",
          "no such host", "failed to lookup address", "dns error", "gaierror", "不知道这样的主机", "找不到请求的类型的数据",
          pattern=r"(?i)\berrno\s*[=:]\s*(?:11001|11004)\b"),
    _rule("network.dns", 0.7, "域名解析", "无法解析"),
    _rule("network.timeout", 0.92, "timed out", "readtimeout", "connecttimeout", "apitimeouterror",
          "read timeout", "connect timeout", "etimedout", "winerror 10060", "errno 110]", "curl: (28)", "deadline exceeded",
          "没有正确答复", "连接尝试失败", "请求超时", "连接超时", "响应超时", "i/o timeout", "httpclient.timeout",
          "semaphore timeout period has expired", "信号灯超时时间已到", "times out", "timing out",
          "esockettimedout", "timeout exceeded", "timeout expired", "timeout elapsed", "request timeout",
          "connection timeout", "socket timeout", "did not properly respond after a period of time",
          "connected host has failed to respond",
          # A bare TimeoutError, not the clarifyTimeoutError option an axios config dump shows.
          pattern=r"TimeoutError\b(?<![A-Za-z]TimeoutError)|imeout of \d+\s*m?s(?: exceeded|\b)"),
    _rule("network.timeout", 0.75, "超时"),
    _rule("network.timeout", 0.8, pattern=r"(?i)\btime[ -]out\b(?<!gateway time-out)"),
    _rule("network.connection", 0.86, "connection refused", "econnrefused", "errno 111]", "winerror 10061", "积极拒绝",
          "connection reset", "econnreset", "errno 104]", "winerror 10054", "forcibly closed", "强迫关闭",
          "network is unreachable", "no route to host", "errno 113]", "errno 101]", "connection aborted",
          "remotedisconnected", "server disconnected", "serverdisconnectederror", "socket hang up", "curl: (7)",
          "failed to establish a new connection", "cannot connect to host", "unexpected eof", "连接被重置",
          "winerror 10013", "errno 99]", "访问权限不允许的方式", "response payload is not completed",
          "peer closed connection", "incomplete chunked read", "empty reply from server", "connection closed by", "broken pipe",
          "winerror 10053", "中止了一个已建立的连接", "connection broken", "premature close", "other side closed"),
    _rule("network.connection", 0.76, "apiconnectionerror", "connection error", "连接错误", "error communicating with openai",
          "fetch failed", "failed to fetch", "network request failed", "connecterror", "connectionerror", "connection failed", "connect error",
          "failed to connect", "could not connect", "can't connect", "cannot connect", "unable to connect", "error sending request",
          "无法连接", "连接失败", "error connecting to", "failed connecting to", "failure connecting to",
          pattern=r"equest to https?://\S+ failed"),
    _rule("network.connection", 0.7, "network error", "网络错误", "网络异常"),
    _rule("network.connection", 0.45, "请求失败"),
    # Server side
    _rule("server.overloaded", 0.95, "currently overloaded", "server_is_overloaded", "servers are currently overloaded",
          "engine is currently overloaded", "request rate has increased suddenly", "slow_down"),
    # Loose wording: Flask's default 500 page says "Either the server is overloaded or there is an error".
    _rule("server.overloaded", 0.85, "is overloaded"),
    _rule("server.overloaded", 0.9, "experiencing high demand", "high demand and cannot process"),
    _rule("server.overloaded", 0.7, "service unavailable"),
    _rule("server.overloaded", 0.6, "服务器繁忙", "服务不可用", "负载已饱和"),
    _rule("server.error", 0.8, "服务器内部错误"),
    _rule("server.error", 0.9, "server had an error", "server experienced an error", "internal server error", "bad gateway",
          "gateway time-out", "gateway timeout", "cf_bad_gateway"),
    _rule("server.error", 0.88, "error occurred while processing your request", "had an error processing your request"),
    _rule("server.error", 0.8, "upstream connect error"),
    _rule("server.bad_response", 0.75, "invalid response object from api",
          pattern=r"(?i)\b(?:incorrect|invalid|unexpected|malformed|bad) response (?:object )?from (?:the )?(?:openai|api|server)\b"),
    _rule("server.bad_response", 0.86, "jsondecodeerror", "expecting value: line 1 column 1", "apiresponsevalidationerror",
          "looking for beginning of value",
          "unexpected token '<'", "unexpected token <", "is not valid json", "unexpected end of json input",
          "in json at position", "expected property name or", "json.parse"),
)

# A bare status, when the body said nothing more specific.
STATUS_FALLBACK: dict[int, tuple[tuple[str, float], ...]] = {
    400: (("request.invalid", 0.45),),
    401: (("key.invalid", 0.55),),
    402: (("quota.insufficient", 0.5),),
    403: (("model.no_access", 0.35), ("region.unsupported", 0.3)),
    404: (("config.base_url", 0.5), ("model.not_found", 0.45)),
    405: (("config.base_url", 0.5),),
    408: (("network.timeout", 0.6),),
    413: (("request.context_length", 0.5),),
    429: (("ratelimit.requests", 0.5), ("quota.insufficient", 0.45)),
    500: (("server.error", 0.75),),
    502: (("server.error", 0.8),),
    503: (("server.overloaded", 0.75),),
    504: (("server.error", 0.75), ("network.timeout", 0.5)),
}

# The last component of an exception class name.
EXCEPTIONS: dict[str, tuple[str, float]] = {
    "AuthenticationError": ("key.invalid", 0.55),
    "RateLimitError": ("ratelimit.requests", 0.5),
    "APIConnectionError": ("network.connection", 0.76),
    "APITimeoutError": ("network.timeout", 0.92),
    "Timeout": ("network.timeout", 0.9),
    "ReadTimeout": ("network.timeout", 0.92),
    "ConnectTimeout": ("network.timeout", 0.92),
    "InternalServerError": ("server.error", 0.75),
    "ServiceUnavailableError": ("server.overloaded", 0.85),
    "PermissionDeniedError": ("model.no_access", 0.35),
    "NotFoundError": ("model.not_found", 0.4),
    "BadRequestError": ("request.invalid", 0.45),
    "InvalidRequestError": ("request.invalid", 0.45),
    "APIResponseValidationError": ("server.bad_response", 0.86),
    "JSONDecodeError": ("server.bad_response", 0.8),
    "ProxyError": ("network.proxy", 0.95),
    "SSLError": ("network.tls", 0.85),
    "SSLCertVerificationError": ("network.tls", 0.94),
    "NameResolutionError": ("network.dns", 0.93),
    "ConnectError": ("network.connection", 0.76),
    "ConnectionError": ("network.connection", 0.7),
    "ConnectionRefusedError": ("network.connection", 0.86),
    "ConnectionResetError": ("network.connection", 0.86),
    "RemoteDisconnected": ("network.connection", 0.86),
    "RemoteProtocolError": ("network.connection", 0.8),
    "ChunkedEncodingError": ("network.connection", 0.8),
    "UnknownHostException": ("network.dns", 0.9),
    "UnprocessableEntityError": ("request.invalid", 0.45),
    "ContextWindowExceededError": ("request.context_length", 0.95),
    "LoadAPIKeyError": ("key.missing", 0.93),
    "ReadError": ("network.connection", 0.75),
    "WriteError": ("network.connection", 0.75),
}

# Families of exception names not listed above (httpx.PoolTimeout, ssl.SSLZeroReturnError …).
_EXCEPTION_FAMILIES = (
    ("GatewayTimeout", ("server.error", 0.85)),
    ("BadGateway", ("server.error", 0.85)),
    ("ServiceUnavailable", ("server.overloaded", 0.85)),
    ("Timeout", ("network.timeout", 0.88)),
    ("SSL", ("network.tls", 0.85)),
    ("Proxy", ("network.proxy", 0.9)),
    ("Connect", ("network.connection", 0.7)),
)

# Statuses each code is expected with; agreement adds a little confidence.
EXPECTED_STATUS: dict[str, tuple[int, ...]] = {
    "key.invalid": (401,), "key.missing": (401,), "key.revoked": (401, 403), "auth.organization": (401,),
    "auth.project": (401,), "auth.ip_not_allowed": (401, 403), "key.insufficient_scope": (401, 403),
    "region.unsupported": (403,), "quota.insufficient": (429,), "quota.billing_limit": (429, 400),
    "ratelimit.requests": (429,), "ratelimit.tokens": (429,), "ratelimit.request_too_large": (429,),
    "model.not_found": (404,), "model.no_access": (403, 404), "model.deprecated": (404,),
    "request.context_length": (400,), "request.invalid": (400,), "config.base_url": (404,),
    "azure.deployment_not_found": (404,), "azure.invalid_key": (401,), "azure.api_version": (400, 404),
    "server.error": (500, 502, 504), "server.overloaded": (503, 429),
}

_SEPARATOR = "\n\x00\n"
_HTML = re.compile(r"(?i)<!DOCTYPE html|<html[\s>]")
_TOKENIZER_HOST = "openaipublic.blob.core.windows.net"


def _add(found: dict[str, Candidate], code: str, confidence: float, position: int, hint: str | None = None) -> None:
    current = found.get(code)
    if current is None or confidence > current.confidence:
        found[code] = Candidate(code, confidence, position if position >= 0 or current is None else current.position,
                                hint or (current.hint if current else None))


def classify(text: str, facts: Facts, rewrap: bool = True) -> list[Candidate]:
    """Every code the text supports, best first; an empty list when nothing is recognised."""
    low = text.lower()
    found: dict[str, Candidate] = {}
    # Terminals and issue trackers hard-wrap long lines of a paste (log files are not wrapped): search the text
    # followed by copies with its line breaks joined ("co\nmpletion", "context\nlength"); a signal found only in
    # a copy counts from the start.
    haystack = text
    if rewrap and "\n" in text:
        haystack = _SEPARATOR.join([text] + [re.sub(r"\n\s*", glue, text) for glue in ("", " ")])
    haystack_low = haystack.lower()
    for rule in RULES:
        position = next((p for phrase in rule.phrases if (p := haystack_low.find(phrase)) >= 0), -1)
        if rule.pattern is not None and (match := rule.pattern.search(haystack)):
            position = match.start() if position < 0 else min(position, match.start())
        if position >= 0:
            _add(found, rule.code, rule.confidence, position if position < len(text) else 0, rule.hint)
    for value in facts.codes:
        if match := API_CODES.get(value) or _code_family(value):
            _add(found, match[0], match[1], text.find(value))
    for value in facts.types:
        if value in API_TYPES:
            code, confidence = API_TYPES[value]
            _add(found, code, confidence, text.find(value))
    for name in facts.exceptions:
        short = name.rsplit(".", 1)[-1]
        if match := EXCEPTIONS.get(short) or next((v for k, v in _EXCEPTION_FAMILIES if k in short), None):
            # A class named in quoted source (retry_if_exception_type(openai.error.Timeout), except X:) was not raised.
            confidence = match[1] if _was_raised(name, text) else match[1] * 0.85
            _add(found, match[0], confidence, text.rfind(name))
    if facts.status is not None:
        fallback = STATUS_FALLBACK.get(facts.status, (("server.error", 0.7),) if facts.status >= 500 else ())
        for code, confidence in fallback:
            _add(found, code, confidence, -1)
    # An HTML page where JSON was expected: a 404 page is a wrong base URL, anything else a bad answer.
    if html := _HTML.search(text):
        if facts.status == 404:
            _add(found, "config.base_url", 0.85, html.start())
        else:  # an error page that states its status is that status, not an unreadable answer
            _add(found, "server.bad_response", 0.6 if facts.status is None else 0.45, html.start())
    _refine(found, facts, low)
    ranked = sorted(found.values(), key=lambda c: (-c.confidence, c.position if c.position >= 0 else 1 << 30))
    # Weak guesses (a bare status, a generic class) are noise next to a specific diagnosis.
    floor = max(0.3, ranked[0].confidence - 0.45) if ranked else 0.3
    return [c for c in ranked if c.confidence >= floor]


def _refine(found: dict[str, Candidate], facts: Facts, low: str) -> None:
    """Adjust for signals that change the meaning of others."""
    for code, candidate in list(found.items()):
        if facts.status in EXPECTED_STATUS.get(code, ()):
            found[code] = Candidate(code, min(0.99, candidate.confidence + 0.02), candidate.position, candidate.hint)
    # A quota 429 is never a rate limit, whatever the wrapper called it.
    if any(code in found and found[code].confidence >= 0.9 for code in ("quota.insufficient", "quota.billing_limit")):
        for code in ("ratelimit.requests", "ratelimit.tokens"):
            if code in found and found[code].confidence < 0.96:
                _scale(found, code, 0.5)
    # tiktoken downloading its encodings: the network error is the symptom, not the diagnosis.
    if _TOKENIZER_HOST in low.replace("\n", ""):
        for code in [c for c in found if c.startswith("network.")]:
            _scale(found, code, 0.85)
    elif _TOKENIZER_CALL.search(low) and not _API_CALL.search(low):
        network = [found[c] for c in found if c.startswith("network.")]
        if network:
            best = max(network, key=lambda c: c.confidence)
            _add(found, "tokenizer.offline", min(0.99, best.confidence + 0.02), best.position)
    _bare_status_by_wording(found, facts, low)
    # "does not exist" from a 404 about a model is the model, not the base URL.
    if "model.not_found" in found and found["model.not_found"].confidence >= 0.9:
        _scale(found, "config.base_url", 0.6)
    # A host that is a piece of a URL ("https", "v1", "None"): the base URL was assembled wrongly.
    hosts = [h for h in (facts.lookup_host, facts.host) if h]
    if any(h.lower() in _URL_FRAGMENTS or re.fullmatch(r"v\d+", h.lower()) for h in hosts):
        best = max((found[c].confidence for c in found if c.startswith("network.")), default=0.8)
        _add(found, "config.base_url", min(0.99, best + 0.02), -1)
    # A name lookup that failed for the proxy's own host name: the proxy setting is what is wrong.
    if "network.dns" in found and facts.lookup_host and "proxy" in facts.lookup_host.lower():
        dns = found["network.dns"]
        _add(found, "network.proxy", min(0.99, dns.confidence + 0.02), dns.position)
    # A 5xx answered with an error page: the server failed, the unparsable body is only the symptom.
    if facts.status is not None and facts.status >= 500 and "server.bad_response" in found:
        server = next((code for code, _ in STATUS_FALLBACK.get(facts.status, ()) if code in found), "server.error")
        _add(found, server, min(0.99, found["server.bad_response"].confidence + 0.02), -1)
    # A status line means the server answered: generic "connection failed" wording is not the cause then.
    if facts.status is not None and "network.connection" in found and found["network.connection"].confidence <= 0.76:
        _scale(found, "network.connection", 0.6)
    # Through a SOCKS pool the socket goes to the proxy: a refused or failed connection is the proxy's (a TLS
    # failure is end to end and stays TLS).
    if "sockshttpsconnectionpool" in low and "network.connection" in found:
        connection = found["network.connection"]
        _add(found, "network.proxy", min(0.99, connection.confidence + 0.02), connection.position)
    # A network failure while a proxy is configured: the proxy is a suspect too.
    # Only a suspect: apps append "check your proxy" to every network error, so it stays below the error itself.
    network = [found[c].confidence for c in ("network.connection", "network.timeout", "network.tls") if c in found]
    if _PROXY_MENTION.search(low) and network:
        _add(found, "network.proxy", min(0.8, max(network) - 0.01), _PROXY_MENTION.search(low).start())
    # The key OpenAI echoes back tells a tutorial placeholder or another provider's key.
    if facts.echoed_key:
        position = low.find("incorrect api key provided")
        if _looks_like_placeholder(facts.echoed_key):
            _add(found, "key.placeholder", 0.8, position)
        elif facts.echoed_key.startswith(_OTHER_PROVIDERS):
            _add(found, "key.wrong_provider", 0.8, position)


# Bare statuses (no body, no message family) that the words around them tell apart.
_QUOTA_WORDS = re.compile(r"\bfree (?:plan|tier|trial|account|credits?)\b|\bcredits?\b|\bbilling\b|\bbalance\b|\bpaid\b|"
                          r"\bpayment\b|\bmy plan\b|\b(?:any|first|single) requests?\b|\bnew (?:api )?key\b|额度|余额|充值|免费")
_MODEL_WORDS = re.compile(r"\bmodel\b|_model\b|\bgpt-|\bo\d-|模型")
_URL_WORDS = re.compile(r"base[ _]?url|api[ _]?base|endpoint|\burl\b|/v1\b|地址|接口")
_TOKENIZER_CALL = re.compile(r"tiktoken\.(?:get_encoding|encoding_for_model)|\w+_base\.tiktoken|tiktoken_ext")
_API_CALL = re.compile(r"api\.openai\.com|/chat/completions|/v1/(?:responses|embeddings|completions)")


def _bare_status_by_wording(found: dict[str, Candidate], facts: Facts, low: str) -> None:
    """A 429 or 404 known only by its number: quota vs rate limit, model vs base URL, by the words around it."""
    def bare(code: str) -> bool:
        return code not in found or found[code].confidence <= 0.6

    if facts.status == 429 and bare("ratelimit.requests") and bare("quota.insufficient") and _QUOTA_WORDS.search(low):
        rate = found.get("ratelimit.requests")
        _add(found, "quota.insufficient", (rate.confidence if rate else 0.5) + 0.02, -1)
    if facts.status == 404 and bare("config.base_url") and bare("model.not_found") \
            and (facts.model or _MODEL_WORDS.search(low)) and not _URL_WORDS.search(low):
        base = found.get("config.base_url")
        _add(found, "model.not_found", (base.confidence if base else 0.5) + 0.02, -1)


def _was_raised(name: str, text: str) -> bool:
    """Whether the class appears as a raised exception ("Name: message", "Name(...)", alone at a line end), not in code."""
    start = text.find(name)
    while start >= 0:
        end = start + len(name)
        before = text[start - 1] if start else " "
        after = text[end : text.find("\n", end) if "\n" in text[end : end + 200] else end + 200].strip()
        if not (before.isalnum() or before in "._") and (not after or after[0] in ":("):
            line_start = text.rfind("\n", 0, start) + 1
            if not _CODE_CONTEXT.search(text, line_start, start):
                return True
        start = text.find(name, end)
    return False


def _scale(found: dict[str, Candidate], code: str, factor: float) -> None:
    if code in found:
        candidate = found[code]
        found[code] = Candidate(code, round(candidate.confidence * factor, 3), candidate.position, candidate.hint)


_URL_FRAGMENTS = {"http", "https", "api", "chat", "completions", "none", "null", "undefined", "openai"}
_CODE_CONTEXT = re.compile(r"\b(?:except|import|isinstance|exception_type|raise)\b")
_PROXY_MENTION = re.compile(r"\bproxy\b|socks|代理|https?_proxy")  # SOCKSHTTPSConnectionPool only says one was used
# Prefixes of other providers' keys (reference sheet 1.4), as OpenAI echoes them in a 401.
_OTHER_PROVIDERS = ("sk-ant-", "sk-or-", "gsk_", "AIza", "xai-", "pplx-", "hf_", "r8_", "nvapi-")
_PLACEHOLDER = re.compile(r"(?i)^(?:sk-)?(?:your|my|insert|enter|<|\{|\$|x{3,}|\.{3}|…|api[_-]?key)|x{3,}$|here$|-key$")


def _looks_like_placeholder(echoed: str) -> bool:
    return bool(_PLACEHOLDER.search(echoed.strip("<>.")))
