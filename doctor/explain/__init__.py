"""`explain`: turn a pasted OpenAI error (or a whole log) into diagnoses with the same codes and catalog as `check`.

    from doctor.explain import explain
    result = explain(text)          # pure, offline, fast; never raises on any str
    result.diagnoses[0].code        # e.g. "quota.insufficient"

Facts are read first (facts.py), then the classifier ranks the codes they support (rules.py),
and each code is dressed with its catalog entry (diagnosis.py). Logs and huge pastes are split
into records and counted (logscan.py).
"""

from __future__ import annotations

import io

from doctor.explain.diagnosis import Diagnosis, Explanation, build
from doctor.explain.facts import extract_facts, straighten_quotes
from doctor.explain.logscan import scan_lines
from doctor.explain.rules import classify

__all__ = ["Diagnosis", "Explanation", "explain", "scan_lines"]

# A paste up to this size is read as one problem; anything larger is scanned like a log.
PASTE_LIMIT = 256 * 1024
MAX_DIAGNOSES = 5


def explain(text: str) -> Explanation:
    """Diagnose one pasted error text; a paste larger than PASTE_LIMIT is scanned like a log."""
    # No NULs, and no lone surrogates (undecodable argv bytes): the output must always be encodable.
    text = straighten_quotes(text.replace("\x00", "").encode("utf-8", "replace").decode("utf-8"))
    if len(text) > PASTE_LIMIT:
        return scan_lines(io.StringIO(text))
    facts = extract_facts(text)
    low = text.lower()
    candidates = classify(text, facts)[:MAX_DIAGNOSES]
    diagnoses = [build(candidate, facts, text, low) for candidate in candidates]
    return Explanation(diagnoses, facts.libraries[0] if facts.libraries else None)
