"""Facts pulled out of a pasted error: HTTP status, error body fields, model, ids, limits, exceptions, library."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from doctor.secrets import ELLIPSIS, redact_text

# (pattern, weight): a stronger pattern names the status of the error itself, a weaker one may
# come from a log line around it. Only 4xx and 5xx are kept.
_STATUS_PATTERNS = [
    (re.compile(r"Error code: (\d{3})"), 4),
    (re.compile(r"HTTP/\d(?:\.\d)? (\d{3})\b"), 3),
    (re.compile(r"(?i)\bstatus(?:[ _-]?code)?[\"']?\s*[:=]\s*[\"']?(\d{3})\b"), 3),
    (re.compile(r"(?i)\bstatus[ _-]?code\s+([45]\d\d)\b"), 3),  # one-api: "bad response status code 429"
    (re.compile(r"(?i)\bwith status code (\d{3})\b"), 3),
    (re.compile(r"(?i)\bresponse code (?:was |is )?:?\s*(\d{3})\b"), 3),
    (re.compile(r"\bHTTP (?:code |error |status )?(\d{3})\b"), 3),
    (re.compile(r"\[(\d{3}):\w+\]"), 3),
    # Error pages: Cloudflare's "errorcode_502" links and any <title> that names a status.
    (re.compile(r"errorcode_(\d{3})\b"), 3),
    (re.compile(r"(?i)<title>[^<]{0,60}?\b([45]\d\d)\b"), 3),
    (re.compile(r"(?i)\berror code:? (\d{3})\b"), 2),
    (re.compile(r"(?:状态码|错误码|错误代码)\s*[:：]?\s*(\d{3})"), 3),
    (re.compile(r"(?i)\b(?:api )?error\W{1,3}([45]\d\d)\b"), 2),
    (re.compile(r"(?i)\bstatus ([45]\d\d)\b"), 2),
    (re.compile(r"[\"']?\bcode[\"']?\s*[:=]\s*[\"']?(\d{3})\b"), 1),
    # Prose: "got 404", "returns a 401", "received HTTP 429", "responded with 403", "a 429 error".
    (re.compile(r"(?i)\b(?:got|gets|getting|returns?|returned|returning|receiv(?:e|es|ed|ing)|responded with|throws?|threw)"
                r"\s+(?:an?\s+|the\s+)?(?:http\s+|status\s+|error\s+)?([45]\d\d)\b"), 1),
    (re.compile(r"(?<![0-9A-Za-z_.])([45]\d\d) ?errors?\b"), 1),  # also glued to Chinese text: "显示429 error"
    # A status with its reason phrase in any case, also glued to Chinese text ("显示404 not found").
    (re.compile(r"(?i)(?<![\d.])([45]\d\d)\s*(?:-\s*)?(?:not found|unauthorized|forbidden|too many requests|bad request|bad gateway|"
                r"service unavailable|internal server error|gateway time-?out|payment required)\b"), 2),
    # The Node SDK and many wrappers print "429 You exceeded…", "404 {", "401 Unauthorized".
    (re.compile(r"(?:^|[\s\[(:\"'`>])([45]\d\d):? (?=[\"'“”]?[A-Z][a-z]|\{|<|status code|page not found)", re.MULTILINE), 2),
]

_FIELD_NAMES = ("code", "type", "param")
_FIELD_PATTERNS = {
    name: [
        # "code": "x", code='x', code: 'x', map[code:x], Rust's code: Some("x")
        re.compile(rf"(?i)[\"']?\b(?:error_?)?{name}[\"']?\s*[:=]\s*(?:Some\()?[\"']?([A-Za-z_][\w.\-]*)"),
    ]
    for name in _FIELD_NAMES
}
_FIELD_PATTERNS["code"].append(re.compile(r"ErrorCode:\s*(\w+)"))
_FIELD_PATTERNS["code"].append(re.compile(r"\((?:\w+_error): (\w+)\)"))  # .NET: HTTP 401 (invalid_request_error: mismatched_organization)
_FIELD_PATTERNS["type"].append(re.compile(r"\((\w+_error): \w+\)"))
_FIELD_PATTERNS["type"].append(re.compile(r"\[(\w+_error)\]"))  # "[server_error] That model is…"
_NO_VALUE = {"none", "null", "nil", "undefined", "true", "false"}

_MODEL_PATTERNS = [
    re.compile(r"(?:Rate limit reached|Request too large) for ([\w.:/@-]+)"),
    re.compile(r"Could not automatically map ([\w.:/@-]+) to a tokeni[sz]er"),
    re.compile(r"does not have access to model ?`?([\w.:/@-]+)"),
    re.compile(r"\b[Mm]odel:? ?[`'\"]([\w.:/@-]{2,80})[`'\"]"),
    re.compile(r"\b[Mm]odel ([\w.:/@-]+) does not exist"),
    re.compile(r"[\"']model[\"']\s*:\s*[\"']([\w.:/@-]{2,80})[\"']"),
]
_ORG = re.compile(r"\borg-[A-Za-z0-9]{6,}")
_PROJECT = re.compile(r"\bproj_[A-Za-z0-9]{6,}")

_NUMBER = r"(\d+(?:,\d{3})*(?:\.\d+)?)"
_LIMIT = re.compile(rf"\bLimit:? {_NUMBER}")
_USED = re.compile(rf"\b(?:Used|Current):? {_NUMBER}")
_REQUESTED = re.compile(rf"\bRequested:? {_NUMBER}")
_TRY_AGAIN = re.compile(r"(?i)try again in ((?:\d+(?:\.\d+)?(?:ms|s|m|h))+)")
_RETRY_AFTER = re.compile(r"(?i)\bretry[- _]after(?:[- _]ms)?[\"']?\s*[:=]?\s*[\"']?(\d+(?:\.\d+)?)")
_DIMENSION = re.compile(r"on (requests|tokens|images) per (min|minute|day)(?: \((\w+)\))?")
_CONTEXT = re.compile(r"maximum context length is (\d+) tokens")
_CONTEXT_USED = re.compile(r"(?:resulted in|you requested|requested) (\d+) tokens")
_HOST = [
    re.compile(r"host='([\w.-]+)'"),
    re.compile(r"(?i)Cannot connect to host ([\w.-]+):\d+"),
    re.compile(r"(?:ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ETIMEDOUT) ([\w.-]+\.[a-z]{2,})"),
    re.compile(r"Failed to resolve '([\w.-]+)'"),
    re.compile(r"(?i)Could not resolve(?: host)?:? ([\w.-]+\.[a-z]{2,})"),
    re.compile(r"Connection to ([\w.-]+) timed out"),
    re.compile(r"(?i)(?:request to|POST|GET|url[=:]?|base_url[=:]?|endpoint[=:]?|api_base[=:]?)\s*['\"]?https?://([\w-]+(?:\.[\w-]+)+)"),
]
# The host a failed name lookup was about (it may be a proxy's name rather than the API's).
_LOOKUP_HOST = re.compile(
    r"(?i)(?:ENOTFOUND|EAI_AGAIN|Failed to resolve|Could not resolve(?: host)?:?|Unable to resolve host|"
    r"Failed host lookup:|\blookup)\s+['\"]?([\w.-]+)"
)
_TIMEOUT_SECONDS = re.compile(r"\((read|connect) timeout=(\d+(?:\.\d+)?)\)")
_ENDPOINT = re.compile(r"(?:POST|GET) [^\s\"']*?(/v1/[\w/.-]+)|(/v1/(?:chat/completions|completions|embeddings|responses|models|images/generations|audio/\w+))")
_EXCEPTION = re.compile(
    r"\b((?:[a-z_][\w]*\.)*[A-Z][A-Za-z0-9]*(?:Error|Exception|Timeout|RemovedInV1|Disconnected))\b"
)
_ECHOED_KEY = re.compile(r"Incorrect API key provided: <?([^\s>]+?)>?\.? (?:You can|$)", re.MULTILINE)

# Which library produced the text, most specific (the outermost wrapper) first.
_LIBRARIES = [
    ("langchain", re.compile(r"(?i)langchain")),
    ("llamaindex", re.compile(r"llama_index|llamaindex|LlamaIndex")),
    ("litellm", re.compile(r"(?i)litellm")),
    ("openai-python<1.0", re.compile(r"openai\.error\.|openai[/\\]api_requestor\.py|Error communicating with OpenAI|openai\.(?:ChatCompletion|Completion|Embedding)\.create")),
    ("openai-python>=1.0", re.compile(r"Error code: \d{3}|openai[/\\]_base_client\.py|openai\._|openai\.(?:OpenAIError|APIError|APIStatusError|APIConnectionError|APITimeoutError|AuthenticationError|RateLimitError|BadRequestError|NotFoundError|PermissionDeniedError|InternalServerError)\b|APIRemovedInV1")),
    ("openai-node", re.compile(r"node_modules[/\\](?:\.pnpm[/\\])?openai|OpenAI/NodeJS|at OpenAI\.makeStatusError|at APIError\.generate")),
    ("azure-openai", re.compile(r"(?i)openai\.azure\.com|DeploymentNotFound|AzureOpenAI|api-version|OPENAI_API_VERSION|invalid subscription key")),
    ("tiktoken", re.compile(r"tiktoken|openaipublic\.blob\.core\.windows\.net")),
    ("aiohttp", re.compile(r"aiohttp")),
    ("httpx", re.compile(r"httpx|httpcore")),
    ("requests/urllib3", re.compile(r"urllib3|requests\.exceptions|HTTPSConnectionPool")),
    ("curl", re.compile(r"curl: \(\d+\)|^\* (?:TLSv|ALPN|Connected to|Trying)", re.MULTILINE)),
    ("node", re.compile(r"node:internal|processTicksAndRejections|FetchError|\bat async ")),
    ("java", re.compile(r"\bat (?:java|okhttp3|retrofit2|com\.|io\.)[\w.$]+\(")),
    ("go", re.compile(r"map\[code:|\bdial tcp\b")),
    ("dotnet", re.compile(r"System\.ClientModel|System\.Net\.|Microsoft\.SemanticKernel")),
]


@dataclass
class Facts:
    """Everything the classifier and the output know about one piece of text."""

    status: int | None = None
    codes: list[str] = field(default_factory=list)
    types: list[str] = field(default_factory=list)
    params: list[str] = field(default_factory=list)
    model: str | None = None
    organization: str | None = None
    project: str | None = None
    limit: str | None = None
    used: str | None = None
    requested: str | None = None
    retry_after: str | None = None
    dimension: str | None = None
    context_limit: str | None = None
    context_requested: str | None = None
    host: str | None = None
    lookup_host: str | None = None
    timeout_kind: str | None = None
    timeout_seconds: str | None = None
    endpoint: str | None = None
    exceptions: list[str] = field(default_factory=list)
    libraries: list[str] = field(default_factory=list)
    echoed_key: str | None = None

    def public(self) -> dict[str, Any]:
        """The facts shown to the user (JSON "facts" and the text output), without empty values."""
        out: dict[str, Any] = {
            "http_status": self.status,
            "error_type": self.types[0] if self.types else None,
            "error_code": self.codes[0] if self.codes else None,
            "param": self.params[0] if self.params else None,
            "model": self.model,
            "organization": self.organization,
            "project": self.project,
            "limit": self.limit,
            "used": self.used,
            "requested": self.requested,
            "try_again_in": self.retry_after,
            "limit_type": self.dimension,
            "host": self.host,
            "exception": self.exceptions[-1] if self.exceptions else None,
            "libraries": list(self.libraries) or None,
        }
        return {k: v for k, v in out.items() if v not in (None, "", [])}


# Typographic quotes from forums, chat apps and word processors, mapped one to one so positions keep.
_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u201c": '"', "\u201d": '"',
                         "\u201e": '"', "\uff02": '"', "\uff07": "'"})


def straighten_quotes(text: str) -> str:
    """The text with curly and full-width quotes made straight (‘proxies’ reads as 'proxies')."""
    return text.translate(_QUOTES)


def mask_id(value: str) -> str:
    """org-… / proj_… ids are shown as prefix + last four characters, like keys."""
    prefix = "org-" if value.startswith("org-") else "proj_"
    return f"{prefix}{ELLIPSIS}{value[-4:]}"


def mask_ids(text: str) -> str:
    """Organization and project ids masked wherever they appear in a line shown to the user."""
    return _PROJECT.sub(lambda m: mask_id(m.group(0)), _ORG.sub(lambda m: mask_id(m.group(0)), text))


def _first(pattern: re.Pattern[str], text: str) -> str | None:
    match = pattern.search(text)
    return match.group(1) if match else None


# A reason phrase without its number, the weakest evidence of a status; also the fixed sentences
# wrappers print instead of the status (n8n: "The service is receiving too many requests from you").
_REASONS = [
    (re.compile(r"\bUnauthorized\b|(?i:authorization failed - please check your credentials)"), 401),
    (re.compile(r"\bForbidden\b"), 403), (re.compile(r"\bPayment Required\b"), 402),
    (re.compile(r"\bMethod Not Allowed\b"), 405),
    (re.compile(r"(?i)\btoo many requests\b|receiving too many requests"), 429),
    (re.compile(r"(?i)the resource you are requesting could not be found"), 404),
    (re.compile(r"(?i)\bbad request - please check your parameters"), 400),
    (re.compile(r"(?i)\bservice was not able to process your request"), 500),
    (re.compile(r"(?i)\brequest entity too large\b"), 413),
]


def _status(text: str) -> int | None:
    best: tuple[int, int, int] | None = None  # (weight, position, status)
    for pattern, weight in _STATUS_PATTERNS:
        for match in pattern.finditer(text):
            status = int(match.group(1))
            if 400 <= status <= 599 and (best is None or (weight, match.start()) > best[:2]):
                best = (weight, match.start(), status)
    if best is None:
        return next((status for pattern, status in _REASONS if pattern.search(text)), None)
    return best[2]


def _fields(text: str, name: str) -> list[str]:
    values: list[str] = []
    for pattern in _FIELD_PATTERNS[name]:
        for match in pattern.finditer(text):
            value = match.group(1)
            if value.lower() not in _NO_VALUE and not value.isdigit() and value not in values:
                values.append(value)
    return values[:8]


def extract_facts(text: str) -> Facts:
    """Read every fact the text states; nothing is guessed here (that is the classifier's job)."""
    facts = Facts(status=_status(text))
    facts.codes = _fields(text, "code")
    facts.types = _fields(text, "type")
    facts.params = _fields(text, "param")
    facts.model = next((m for p in _MODEL_PATTERNS if (m := _first(p, text))), None)
    if org := _ORG.search(text):
        facts.organization = mask_id(org.group(0))
    if project := _PROJECT.search(text):
        facts.project = mask_id(project.group(0))
    facts.limit = _first(_LIMIT, text)
    facts.used = _first(_USED, text)
    facts.requested = _first(_REQUESTED, text)
    facts.retry_after = _first(_TRY_AGAIN, text)
    if facts.retry_after is None and (seconds := _first(_RETRY_AFTER, text)):
        facts.retry_after = f"{seconds}s"
    if dimension := _DIMENSION.search(text):
        kind, per, short = dimension.groups()
        facts.dimension = f"{kind} per {'min' if per.startswith('min') else per}" + (f" ({short})" if short else "")
    facts.context_limit = _first(_CONTEXT, text)
    facts.context_requested = _first(_CONTEXT_USED, text)
    facts.host = next((h for p in _HOST if (h := _first(p, text))), None)
    facts.lookup_host = _first(_LOOKUP_HOST, text)
    if timeout := _TIMEOUT_SECONDS.search(text):
        facts.timeout_kind, facts.timeout_seconds = timeout.groups()
    if endpoint := _ENDPOINT.search(text):
        facts.endpoint = endpoint.group(1) or endpoint.group(2)
    for match in _EXCEPTION.finditer(text):
        if match.group(1) not in facts.exceptions:
            facts.exceptions.append(match.group(1))
    facts.exceptions = facts.exceptions[-12:]
    facts.libraries = [name for name, pattern in _LIBRARIES if pattern.search(text)]
    if echoed := _ECHOED_KEY.search(text):
        facts.echoed_key = redact_text(echoed.group(1))
    return facts
