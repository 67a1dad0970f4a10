"""Small text rules shared by the problem sources: titles, ids, the multi-test hint."""

from __future__ import annotations

import re

_MULTI_TEST = re.compile(
    r"number of test ?cases|the number of tests|multiple test ?cases|several test ?cases|independent queries"
    r"|количество (?:наборов|тестов)|число (?:наборов|тестов)",
    re.IGNORECASE,
)


def strip_index_prefix(name: str, index: str | None, contest_id: str | int | None = None) -> str:
    """'A. Theatre Square' → 'Theatre Square'; '1041_E. Tree' → 'Tree'. Only a prefix naming this index."""
    name = name.strip()
    if not index:
        return name
    for prefix in (f"{contest_id}_{index}. " if contest_id is not None else None, f"{index}. "):
        if prefix and name.upper().startswith(prefix.upper()):
            return name[len(prefix) :].strip()
    return name


def looks_multi_test(input_spec: str) -> bool:
    """A hint only: the input section speaks of a number of test cases (`t` tests in one file)."""
    return bool(_MULTI_TEST.search(input_spec))


def slug(text: str, fallback: str = "problem") -> str:
    """A file-name-safe id: letters, digits, '-' and '_' ('Ice Skating!' → 'ice-skating')."""
    s = re.sub(r"[^A-Za-z0-9_]+", "-", text.strip().lower()).strip("-")
    return s[:60] or fallback


def normalize_statement(text: str) -> str:
    """One final newline (or nothing): the form a problem directory stores, so round trips are exact."""
    text = text.strip("\n")
    return text + "\n" if text.strip() else ""
