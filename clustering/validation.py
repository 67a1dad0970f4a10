"""Deciding which inputs count: an input most programs fail on is probably invalid.

AlphaCode's observation: a generated input that most surviving candidates crash on, time out on,
or answer with nothing is far more often an invalid input than a test every one of them gets wrong.
Such inputs are dropped, with the reason recorded. An infrastructure failure (IE) anywhere in an
input's column drops the whole column: a sandbox failure must never be mistaken for behaviour.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from clustering.signatures import FAILURE_OUTCOMES


def drop_reason(column: Sequence[str | None], max_failure_share: float = 0.5,
                min_agreement: float = 0.0) -> str | None:
    """Why this input should be dropped, given every program's outcome on it; None to keep it.

    `column` holds one outcome per program that compiled (None for IE). `max_failure_share`: the
    input is dropped when strictly more than this share of programs failed on it. `min_agreement`
    (off at 0): dropped when the most common outcome covers less than this share of the programs,
    since programs scatter on inputs that break a promise of the statement.
    """
    if not column:
        return "no program ran on it"
    ie = sum(1 for o in column if o is None)
    if ie:
        return f"infrastructure failure (IE) on {ie} of {len(column)} runs"
    failures = Counter(o for o in column if o in FAILURE_OUTCOMES)
    total = sum(failures.values())
    if total > max_failure_share * len(column):
        what = ", ".join(f"{k} {v}" for k, v in failures.most_common())
        return f"probably invalid: {total} of {len(column)} programs failed ({what})"
    if min_agreement > 0 and len(column) >= 3:
        top = Counter(column).most_common(1)[0][1]
        if top < min_agreement * len(column):
            return f"probably invalid: programs disagree widely (at most {top} of {len(column)} alike)"
    return None
