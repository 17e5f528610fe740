"""Exit codes of every openai-doctor command (a contract for CI scripts, never renumbered) and the usage error."""

import enum


class ExitCode(enum.IntEnum):
    OK = 0
    """Nothing at or above --fail-level was found (explain: something was diagnosed)."""
    FINDINGS = 1
    """Findings at or above --fail-level (explain: nothing was recognised; tokens: the tokenizer
    files are neither cached nor downloadable here)."""
    USAGE = 2
    """Bad flags or unreadable input: a missing --env-file, a bad JSON file, an unknown code."""
    INTERNAL = 3
    """The doctor itself failed: a check crashed, or an unexpected error."""
    INTERRUPTED = 130
    """Stopped with Ctrl-C (128 + SIGINT)."""


class UsageError(Exception):
    """Bad input from the user: printed as one line, exit code 2, never a traceback."""
