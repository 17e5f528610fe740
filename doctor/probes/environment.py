"""Environment probes: the .env file, the OpenAI variables, proxies and CA bundles, keys written in source code."""

from __future__ import annotations

import importlib.util
import re
import shutil
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple
from urllib.parse import urlsplit

from doctor.catalog import issue
from doctor.findings import Finding
from doctor.probes.gates import is_insecure_url, is_loopback_host
from doctor.probes.key import MARKER, PLACEHOLDER_RE, clean_key
from doctor.probes.source_files import MAX_LISTED, SourceWalk, file_list
from doctor.runner import Context, Outcome, probe
from doctor.secrets import display_url, mask_key
from doctor.settings import SPECS, DotenvFile, Settings, SourceKind, Value

if TYPE_CHECKING:
    import subprocess

GIT_TIMEOUT = 2.0
SECRET_NAME = re.compile(r"(KEY|TOKEN|SECRET|PASSWORD|PASSWD)$", re.IGNORECASE)  # not TIKTOKEN_CACHE_DIR, KEY_PATH
IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# Every OpenAI key family carries the base64("OpenAI") marker between two random segments.
# The lookbehind follows the literal "sk-" so that re can search for the literal quickly.
KEY_LITERAL = re.compile(r"sk-(?<![A-Za-z0-9_-]sk-)[A-Za-z0-9_-]*?" + MARKER + r"[A-Za-z0-9_-]{8,}")
SETTING_VARIABLES = frozenset(var for spec in SPECS for var in spec.variables)


def lookup(settings: Settings, name: str) -> Value | None:
    """The variable ``name`` as the app sees it after ``load_dotenv()``: the shell's, else the .env's."""
    if name in settings.environ:
        return Value(name, settings.environ[name], SourceKind.ENV, name)
    binding = settings.dotenv.values().get(name) if settings.dotenv else None
    if binding is None or binding.value is None:
        return None
    return Value(name, binding.value, SourceKind.DOTENV, name, str(settings.dotenv.path), binding.line)


def shown(name: str, value: str) -> str:
    """A variable's value as it may be printed: keys masked, URL passwords hidden."""
    if SECRET_NAME.search(name) or KEY_LITERAL.search(value):
        return mask_key(value)
    return display_url(value)


# --- .env file -----------------------------------------------------------------------------


def dotenv_syntax(dotenv: DotenvFile) -> list[Finding]:
    file = str(dotenv.path)
    if dotenv.problem:
        variant = "utf16" if dotenv.problem == "binary" and _starts_with_utf16_bom(dotenv.path) else dotenv.problem
        severity = "warning" if variant == "too_large" else None
        return [
            issue(
                "config.dotenv_syntax",
                variant,
                severity=severity,
                file=file,
                detail=dotenv.detail,
                evidence={"file": file, "problem": variant, "detail": dotenv.detail},
            )
        ]
    findings = []
    unclosed, broken = [], []
    for binding in dotenv.bindings:
        if binding.error:
            value_part = binding.original.partition("=")[2].strip()
            quote = value_part[:1]
            (unclosed if quote in ("'", '"') and value_part.count(quote) == 1 else broken).append(binding)
        elif binding.key and binding.key.startswith("\ufeff"):
            name = binding.key.lstrip("\ufeff")
            findings.append(issue("config.dotenv_syntax", "bom", file=file, name=name, evidence={"file": file}))
        elif binding.key and binding.value is not None and not IDENTIFIER.fullmatch(binding.key):
            # "$env:OPENAI_API_KEY" (PowerShell), "OPENAI-API-KEY": flagged when a known variable was meant.
            meant = re.sub(r"\W", "_", binding.key.rpartition(":")[2]).strip("_")
            if _relevant(meant):
                findings.append(
                    issue(
                        "config.dotenv_syntax",
                        "bad_name",
                        severity="warning",
                        file=file,
                        line=binding.line,
                        name=binding.key,
                        suggestion=meant,
                        evidence={"file": file, "line": binding.line, "name": binding.key},
                    )
                )
    for variant, bindings in (("unclosed_quote", unclosed), ("default", broken)):
        if bindings:
            lines = ", ".join(_line_label(b.line, b.original) for b in bindings)
            evidence = {"file": file, "lines": [b.line for b in bindings]}
            findings.append(issue("config.dotenv_syntax", variant, file=file, lines=lines, evidence=evidence))
    return findings


def _starts_with_utf16_bom(path: Path) -> bool:
    try:
        with path.open("rb") as handle:
            return handle.read(2) in (b"\xff\xfe", b"\xfe\xff")
    except OSError:
        return False


def _line_label(line: int, original: str) -> str:
    """``7`` or ``7 (OPENAI_API_KEY)``: the line number and, when it can be told, the variable on it."""
    match = re.match(r"\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*[=:]", original)
    return f"{line} ({match.group(1)})" if match else str(line)


def _relevant(name: str) -> bool:
    return (
        name.upper().startswith(("OPENAI_", "AZURE_OPENAI_"))
        or name in SETTING_VARIABLES
        or name == "TIKTOKEN_CACHE_DIR"
    )


def shadowed_variables(settings: Settings) -> list[Finding]:
    """Variables the shell sets differently from the .env: load_dotenv() keeps the shell's value."""
    dotenv = settings.dotenv
    findings = []
    for name, binding in dotenv.values().items():
        if not _relevant(name) or binding.value is None or name not in settings.environ:
            continue
        in_shell = settings.environ[name]
        if in_shell == binding.value:
            continue
        location = f"{dotenv.path}:{binding.line}"
        variant = "empty" if in_shell == "" else "default"
        evidence = {
            "variable": name,
            "shell": shown(name, in_shell),
            "dotenv": shown(name, binding.value),
            "dotenv_file": location,
        }
        findings.append(
            issue(
                "config.env_shadows_dotenv",
                variant,
                name=name,
                location=location,
                shell_value=shown(name, in_shell),
                dotenv_value=shown(name, binding.value),
                evidence=evidence,
            )
        )
    return findings


def _holds_secret(name: str, value: str | None) -> bool:
    if not value or not value.strip():
        return False
    if KEY_LITERAL.search(value):
        return True
    return bool(SECRET_NAME.search(name)) and not PLACEHOLDER_RE.match(clean_key(value))


def _git(folder: Path, *args: str) -> subprocess.CompletedProcess[str] | None:
    import subprocess  # only when a .env holds a secret: most runs never start git

    try:
        return subprocess.run(["git", "-C", str(folder), *args], capture_output=True, text=True, timeout=GIT_TIMEOUT)
    except (OSError, subprocess.SubprocessError):
        return None


def dotenv_exposure(dotenv: DotenvFile) -> list[Finding]:
    """A .env holding a secret that git tracks, or would add with the next ``git add .``."""
    secrets = sorted(name.lstrip("\ufeff") for name, b in dotenv.values().items() if _holds_secret(name, b.value))
    if not secrets or shutil.which("git") is None:
        return []
    folder, name = dotenv.path.parent, dotenv.path.name
    tracked = _git(folder, "ls-files", "--", name)
    if tracked is None or tracked.returncode != 0:  # not a git repository (or git failed)
        return []
    evidence = {"file": str(dotenv.path), "secret_variables": secrets}
    if tracked.stdout.strip():
        return [
            issue(
                "config.dotenv_not_ignored",
                "tracked",
                severity="error",
                file=str(dotenv.path),
                names=", ".join(secrets),
                evidence={**evidence, "git": "tracked"},
            )
        ]
    ignored = _git(folder, "check-ignore", "-q", "--", name)
    if ignored is not None and ignored.returncode == 1:
        return [
            issue(
                "config.dotenv_not_ignored",
                file=str(dotenv.path),
                names=", ".join(secrets),
                evidence={**evidence, "git": "not ignored"},
            )
        ]
    return []


@probe("environment.dotenv", title=(".env file", ".env 文件"), group="environment")
def check_dotenv(ctx: Context) -> Outcome:
    dotenv = ctx.settings.dotenv
    if dotenv is None:
        return Outcome(evidence={"dotenv": "no .env file found from the project folder upwards"})
    evidence = {"file": str(dotenv.path), "variables": sorted(dotenv.values())}
    findings = dotenv_syntax(dotenv)
    if dotenv.problem is None:
        findings += shadowed_variables(ctx.settings) + dotenv_exposure(dotenv)
    return Outcome(findings, evidence)


# --- OpenAI variables ----------------------------------------------------------------------


class IgnoredVariable(NamedTuple):
    """A variable openai>=1 does not read, and the setting it reads instead."""

    name: str
    reads_instead: str
    setting: str  # the Settings name of ``reads_instead``


# Reference sheet §2.4: read by openai 0.x and some tools (LangChain), ignored by OpenAI().
IGNORED_VARIABLES = (
    IgnoredVariable("OPENAI_API_BASE", "OPENAI_BASE_URL", "base_url"),
    IgnoredVariable("OPENAI_ORGANIZATION", "OPENAI_ORG_ID", "organization"),
    IgnoredVariable("OPENAI_PROXY", "HTTPS_PROXY", "https_proxy"),
    IgnoredVariable("OPENAI_API_KEY_PATH", "OPENAI_API_KEY", "api_key"),
)
# The values the v1+ module-level client accepts; OpenAI() ignores the variable altogether.
API_TYPES = ("openai", "azure", "amazon-bedrock")


def legacy_variables(settings: Settings) -> list[Finding]:
    findings = []
    for legacy in IGNORED_VARIABLES:
        found = lookup(settings, legacy.name)
        if found is None or not found.value.strip():
            continue
        current = settings[legacy.setting]
        replacement_set = current.kind in (SourceKind.ENV, SourceKind.DOTENV)
        if not replacement_set:
            variant, severity = ("key_path" if legacy.name == "OPENAI_API_KEY_PATH" else "default"), None
        elif legacy.name == "OPENAI_API_KEY_PATH" or current.value == found.value:
            variant, severity = "redundant", "info"
        else:
            variant, severity = "conflict", None
        replacement = current.variable if replacement_set else legacy.reads_instead
        value, current_value = shown(legacy.name, found.value), shown(replacement, current.value or "")
        findings.append(
            issue(
                "config.legacy_variable",
                variant,
                severity=severity,
                name=legacy.name,
                source=found.source,
                replacement=replacement,
                value=value,
                current=current_value,
                evidence={"variable": legacy.name, "value": value, "source": found.source, replacement: current_value},
            )
        )
    api_type = lookup(settings, "OPENAI_API_TYPE")
    if api_type is not None and api_type.value not in API_TYPES:
        # "open_ai" (the 0.x default) falls back to OpenAI anyway; "azure_ad" silently does not mean Azure.
        severity = "info" if api_type.value == "open_ai" else None
        findings.append(
            issue(
                "config.legacy_variable",
                "api_type",
                severity=severity,
                value=api_type.value,
                source=api_type.source,
                evidence={"variable": "OPENAI_API_TYPE", "value": api_type.value, "source": api_type.source},
            )
        )
    return findings


OPENAI_HOST = re.compile(r"^([a-z0-9-]+\.)?api\.openai\.com$")
# Paths the SDK appends itself; a base URL ending in one doubles it (…/chat/completions/chat/completions).
ENDPOINT_SUFFIX = re.compile(
    r"/(chat/completions|completions|responses|embeddings|models|moderations|images/generations"
    r"|audio/(speech|transcriptions|translations)|files|batches|assistants|threads)/?$"
)


def base_url_problem(url: str) -> tuple[str, str] | None:
    """The config.base_url variant for ``url`` and a suggested value, or None when it is fine."""
    if url == "":
        return "empty", "https://api.openai.com/v1"
    if url != url.strip():
        return "whitespace", _repaired(url.strip())
    if "://" not in url:
        scheme = "http" if is_loopback_host(urlsplit(f"//{url}").hostname or "") else "https"
        return "no_scheme", _repaired(f"{scheme}://{url}")
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError:
        return "default", "https://api.openai.com/v1"
    if parts.scheme not in ("http", "https") or not parts.hostname or any(c.isspace() for c in url):
        return "default", "https://api.openai.com/v1"
    if endpoint := ENDPOINT_SUFFIX.search(parts.path):
        return "endpoint_path", parts._replace(path=parts.path[: endpoint.start()]).geturl()
    if OPENAI_HOST.match(parts.hostname) and parts.path.rstrip("/") != "/v1":
        return "missing_v1", f"{parts.scheme}://{parts.netloc}/v1"
    if "//" in parts.path:
        return "double_slash", parts._replace(path=re.sub("/{2,}", "/", parts.path)).geturl()
    return None


def _repaired(url: str) -> str:
    """``url`` with its remaining problems fixed too, for a suggestion that works."""
    problem = base_url_problem(url)
    return problem[1] if problem else url


def base_url_findings(settings: Settings) -> list[Finding]:
    setting = settings["base_url"]
    if setting.kind is SourceKind.DEFAULT or setting.value is None:
        return []
    url = setting.value
    evidence = {"base_url": display_url(url), "source": setting.source}
    findings = []
    if problem := base_url_problem(url):
        variant, suggestion = problem
        severity = "warning" if variant == "double_slash" else None
        findings.append(
            issue(
                "config.base_url",
                variant,
                severity=severity,
                url=display_url(url),
                source=setting.source,
                suggestion=display_url(suggestion),
                evidence=evidence,
            )
        )
    if is_insecure_url(url):
        host = urlsplit(url.strip()).hostname or ""
        findings.append(
            issue("config.insecure_base_url", url=display_url(url), host=host, source=setting.source, evidence=evidence)
        )
    return findings


class IdShape(NamedTuple):
    code: str
    setting: str
    variable: str
    prefix: str
    other_prefix: str  # the other kind of id, pasted into the wrong variable


ID_SHAPES = (
    IdShape("config.org_id", "organization", "OPENAI_ORG_ID", "org-", "proj_"),
    IdShape("config.project_id", "project", "OPENAI_PROJECT_ID", "proj_", "org-"),
)
ID_BODY = "[A-Za-z0-9]{24}"


def id_problem(value: str, shape: IdShape) -> str | None:
    """The message variant for an organization or project id that is not shaped like one."""
    if value == "":
        return "empty"
    if value.strip().startswith(("sk-", "sess-")):
        return "key"
    if value != value.strip():
        return "whitespace"
    if value.startswith(shape.other_prefix):
        return "swapped"
    if not re.fullmatch(re.escape(shape.prefix) + ID_BODY, value):
        return "default"  # some other value, often the organization's or project's name
    return None


def id_findings(settings: Settings) -> list[Finding]:
    findings = []
    for shape in ID_SHAPES:
        setting = settings[shape.setting]
        if setting.value is None or not (variant := id_problem(setting.value, shape)):
            continue
        value = mask_key(setting.value) if variant == "key" else setting.value.strip()
        severity = "warning" if variant in ("default", "empty") else None
        findings.append(
            issue(
                shape.code,
                variant,
                severity=severity,
                variable=shape.variable,
                value=value,
                source=setting.source,
                evidence={"value": value, "source": setting.source, "length": len(setting.value)},
            )
        )
    return findings


@probe("environment.variables", title=("OpenAI variables", "OpenAI 环境变量"), group="environment")
def check_variables(ctx: Context) -> Outcome:
    settings = ctx.settings
    findings = legacy_variables(settings) + base_url_findings(settings) + id_findings(settings)
    evidence = {
        name: {"value": settings[name].shown, "source": settings[name].source}
        for name in ("base_url", "organization", "project")
    }
    return Outcome(findings, evidence)


# --- proxies and CA bundles ----------------------------------------------------------------

PROXY_SETTINGS = ("https_proxy", "http_proxy", "all_proxy")
PROXY_SCHEMES = ("http", "https", "socks5", "socks5h")  # what httpx and httpx2 accept
HOST_CHARS = re.compile(r"[A-Za-z0-9._~\-\[\]:%]+")


def module_available(name: str) -> bool:
    return importlib.util.find_spec(name) is not None


def proxy_problem(url: str) -> str | None:
    """The config.proxy variant for a proxy URL, or None when httpx can use it."""
    text = url.strip()
    if text != url:
        return "default"
    full = text if "://" in text else f"http://{text}"  # httpx adds http:// to a bare host:port
    try:
        parts = urlsplit(full)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError:
        return "default"
    if parts.scheme.lower() not in PROXY_SCHEMES:
        return "scheme"
    if not parts.hostname or not HOST_CHARS.fullmatch(parts.hostname):
        return "default"
    if parts.scheme.lower().startswith("socks") and not module_available("socksio"):
        return "socks"
    return None


def proxy_findings(settings: Settings) -> list[Finding]:
    findings = []
    for name in PROXY_SETTINGS:
        setting = settings[name]
        if not setting.value or not (variant := proxy_problem(setting.value)):
            continue
        url = display_url(setting.value)
        findings.append(
            issue(
                "config.proxy",
                variant,
                variable=setting.variable,
                url=url,
                source=setting.source,
                evidence={"variable": setting.variable, "url": url, "source": setting.source},
            )
        )
    return findings


class CaVariable(NamedTuple):
    name: str
    kind: str  # "file" (a PEM bundle), "dir" (a folder of hashed certificates) or "either"
    reader: str  # who reads it; a proper name, the same in every language


OPENAI_READER = "httpx/httpx2 (openai)"
REQUESTS_READER = "requests (tiktoken)"
CA_VARIABLES = (
    CaVariable("SSL_CERT_FILE", "file", OPENAI_READER),
    CaVariable("SSL_CERT_DIR", "dir", OPENAI_READER),
    CaVariable("REQUESTS_CA_BUNDLE", "either", REQUESTS_READER),  # requests takes a folder too
    CaVariable("CURL_CA_BUNDLE", "either", REQUESTS_READER),
)
PEM_MARKER = b"CERTIFICATE-----"
MAX_BUNDLE_BYTES = 20 * 1024 * 1024


def ca_problem(path: Path, kind: str) -> str | None:
    """The config.ca_bundle variant for a CA path, or None when it is usable."""
    if not path.exists():
        return "default"
    if path.is_dir():
        return "not_a_file" if kind == "file" else None
    if kind == "dir":
        return "not_a_dir"
    try:
        if path.stat().st_size > MAX_BUNDLE_BYTES or PEM_MARKER in path.read_bytes():
            return None
    except OSError:
        return None  # unreadable to us is not proof it is unreadable to the app
    return "not_pem"


def ca_findings(settings: Settings) -> list[Finding]:
    findings = []
    present: set[str] = set()
    usable: dict[str, Value] = {}
    for ca in CA_VARIABLES:
        value = lookup(settings, ca.name)
        if value is None or not value.value.strip():
            continue  # an empty value is ignored by both httpx and requests
        present.add(ca.name)
        path = Path(value.value)
        # Neither ssl nor requests expands "~", and a relative path is relative to where the app runs.
        variant = "tilde" if value.value.startswith("~") else ca_problem(settings.project_dir / path, ca.kind)
        if variant is None:
            usable[ca.name] = value
            continue
        findings.append(
            issue(
                "config.ca_bundle",
                variant,
                name=ca.name,
                path=value.value,
                source=value.source,
                reader=ca.reader,
                evidence={"variable": ca.name, "path": value.value, "source": value.source},
            )
        )
    # A bundle that works for one library but is not given to the other (when the other has none at all).
    openai_side = usable.get("SSL_CERT_FILE") or usable.get("SSL_CERT_DIR")
    requests_side = usable.get("REQUESTS_CA_BUNDLE") or usable.get("CURL_CA_BUNDLE")
    if requests_side and not present & {"SSL_CERT_FILE", "SSL_CERT_DIR"}:
        findings.append(
            issue(
                "config.ca_bundle",
                "requests_only",
                severity="warning",
                name=requests_side.name,
                path=requests_side.value,
                source=requests_side.source,
                reader=REQUESTS_READER,
                evidence={"variable": requests_side.name},
            )
        )
    elif openai_side and not present & {"REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"}:
        findings.append(
            issue(
                "config.ca_bundle",
                "ssl_only",
                severity="info",
                name=openai_side.name,
                path=openai_side.value,
                source=openai_side.source,
                reader=OPENAI_READER,
                evidence={"variable": openai_side.name},
            )
        )
    return findings


@probe("environment.network_settings", title=("Proxy and certificates", "代理和证书"), group="environment")
def check_network_settings(ctx: Context) -> Outcome:
    settings = ctx.settings
    evidence = {name: display_url(settings.get(name)) for name in PROXY_SETTINGS if settings.get(name)}
    return Outcome(proxy_findings(settings) + ca_findings(settings), evidence)


# --- keys in source code -------------------------------------------------------------------


@probe("environment.source_scan", title=("Keys in source code", "源码中的密钥"), group="environment")
def scan_for_keys(ctx: Context) -> Outcome:
    settings = ctx.settings
    exclude = frozenset({settings.dotenv.path}) if settings.dotenv else frozenset()
    configured = clean_key(settings.get("api_key") or "")
    walk = SourceWalk(settings.project_dir, needle=MARKER.encode(), exclude=exclude)
    hits = [(source.relative, line, match.group(0)) for source in walk for line, match in source.matches(KEY_LITERAL)]
    findings = []
    for file, line, key in hits[:MAX_LISTED]:
        where = {"file": file, "line": line, "key": mask_key(key)}
        findings.append(
            issue(
                "config.hardcoded_key",
                "configured" if key == configured else "default",
                shown=mask_key(key),
                evidence=where,
                **where,
            )
        )
    if rest := hits[MAX_LISTED:]:
        files = file_list(file for file, _, _ in rest)
        findings.append(issue("config.hardcoded_key", "more", count=len(rest), file=files, evidence={"files": files}))
    return Outcome(findings, {**walk.evidence(), "keys_found": len(hits)})
