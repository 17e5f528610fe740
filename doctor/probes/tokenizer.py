"""Tokenizer probe: is tiktoken installed, and can it load the configured model's encoding here?

tiktoken downloads an encoding on first use with no timeout, so an app that counts tokens
on a machine without internet hangs at its first ``encoding_for_model`` call. Offline, the
probe checks tiktoken's cache only; online it also asks, briefly, whether the file could be
downloaded. tiktoken itself is never imported (``check --offline`` stays fast): its version
comes from its dist-info folder and its model table is read from its source.
"""

from __future__ import annotations

import sys

from doctor.catalog import issue
from doctor.packages import installed_version
from doctor.runner import Context, Outcome, probe
from doctor.settings import DEFAULT_MODEL
from doctor.tokens.encodings import ENCODING_FILES, cache_dir, encoding_for_without_import, is_cached

HEAD_TIMEOUT = 5.0


@probe("tokenizer.encoding", title=("Tokenizer (tiktoken)", "分词器（tiktoken）"), group="tokenizer", timeout=HEAD_TIMEOUT + 3)
def check_tokenizer(ctx: Context) -> Outcome:
    version = installed_version("tiktoken")
    if version is None:
        return Outcome([issue("tokenizer.missing", python=sys.executable)])
    model = ctx.settings.get("model") or DEFAULT_MODEL
    choice = encoding_for_without_import(model)
    folder, variable = cache_dir(ctx.settings.merged_env())
    where = "-" if folder is None else str(folder)
    evidence = {"tiktoken": version, "model": model, "encoding": choice.encoding_name, "cache_dir": where, "cache_dir_from": variable}
    findings = []
    if choice.note:
        findings.append(issue("tokenizer.unknown_model", "named", model=model, evidence={"counted_with": choice.encoding_name}))
    files = ENCODING_FILES.get(choice.encoding_name)
    if files is None:
        evidence["files"] = f"this doctor version does not know the files of {choice.encoding_name}"
        return Outcome(findings, evidence)
    missing = list(files) if folder is None else [f for f in files if not is_cached(f, folder)]
    if not missing:
        return Outcome(findings, evidence)
    file = missing[0]
    evidence |= {"missing": file.official_url, "cache_name": file.cache_name}
    params = {
        "encoding": choice.encoding_name,
        "model": model,
        "cache_dir": where,
        "url": file.official_url,
        "cache_name": file.cache_name,
    }
    if ctx.offline:
        if folder is None:
            variant = "cache_off"
        elif (folder / file.cache_name).exists():
            variant = "corrupt"
        else:
            variant = "not_cached"
        findings.append(issue("tokenizer.offline", variant, evidence=evidence, **params))
        return Outcome(findings, evidence)
    reason = _unreachable_reason(ctx, file)
    if reason is None:
        evidence["download"] = "reachable: tiktoken will download it on first use"
        return Outcome(findings, evidence)
    findings.append(issue("tokenizer.offline", "unreachable", reason=reason, evidence=evidence, **params))
    return Outcome(findings, evidence)


def _unreachable_reason(ctx: Context, file) -> str | None:
    """A short HEAD request through the proxy and CA trust the user's app would use."""
    from doctor.http import select_proxy, ssl_context
    from doctor.tokens import encodings

    proxy = select_proxy(ctx.settings, encodings.download_source + file.path)
    try:
        verify, _ = ssl_context(ctx.settings)
    except (OSError, ValueError) as exc:
        return f"the CA file cannot be loaded: {exc}"
    timeout = min(HEAD_TIMEOUT, ctx.timeout)
    return encodings.unreachable_reason(file, timeout=timeout, proxy=proxy.url if proxy else None, verify=verify)
