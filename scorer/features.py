"""Per-candidate features from plain pool data: what a scorer sees of each filtered candidate.

Features are relative to the candidate's own pool wherever an absolute value means little across
problems (run time, program length, log-probability): a 2 s program is slow for one problem and the
expected cost of another. Every value a source may not give has an explicit `*_missing` indicator and
a neutral fill, so any model (including a linear one) sees "unknown" rather than a made-up number.

`FEATURE_NAMES` is part of a saved scorer's identity: changing the list or its meaning must bump
`FEATURES_VERSION`, and a scorer trained on other features then refuses to load.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from scorer.pool import FAILURE_OUTCOMES, TIMEOUT_OUTCOMES, CandidateRecord, Pool

FEATURES_VERSION = 2

FEATURE_NAMES: tuple[str, ...] = (
    # cluster
    "cluster_size_log", "cluster_rank", "cluster_share", "cluster_size_vs_largest", "is_largest_cluster",
    "n_clusters_log", "pool_size_log",
    # agreement of outputs on the generated inputs
    "agreement_other_clusters", "agreement_other_clusters_missing", "agreement_all", "plurality_share",
    "n_inputs_log", "inputs_missing",
    # failures on the generated inputs
    "crash_share", "timeout_share",
    # resources relative to the pool
    "cpu_log_ratio", "cpu_missing", "memory_log_ratio", "memory_missing",
    # program text
    "code_chars_log", "code_lines_log", "code_length_log_ratio", "n_loops", "n_branches", "n_functions",
    "max_nesting", "uses_floating_point", "uses_64bit",
    "max_constant_log", "n_literal_comparisons",
    # program text against the other members of its cluster (same behaviour, different code)
    "length_vs_cluster", "branches_vs_cluster", "loops_vs_cluster", "uses_64bit_vs_cluster",
    "max_constant_vs_cluster", "literal_comparisons_vs_cluster",
    # language family
    "lang_c", "lang_cpp", "lang_python", "lang_other",
    # compiler
    "n_warnings", "warnings_missing",
    # policy
    "logprob_total", "logprob_per_token", "logprob_percentile", "logprob_missing",
)


@dataclass(frozen=True)
class FeatureTable:
    """Rows of features, one per filtered candidate of one or more pools.

    `groups` names each row's problem, so that cross-validation can keep a problem whole.
    """

    ids: tuple[str, ...]
    groups: tuple[str, ...]
    matrix: np.ndarray  # (n_rows, len(names)) float64
    names: tuple[str, ...] = FEATURE_NAMES

    def __len__(self) -> int:
        return len(self.ids)

    def column(self, name: str) -> np.ndarray:
        return self.matrix[:, self.names.index(name)]

    @staticmethod
    def concat(tables: Sequence["FeatureTable"]) -> "FeatureTable":
        tables = list(tables)
        if not tables:
            return empty_table()
        return FeatureTable(
            ids=tuple(i for t in tables for i in t.ids),
            groups=tuple(g for t in tables for g in t.groups),
            matrix=np.vstack([t.matrix for t in tables]),
            names=tables[0].names,
        )


def empty_table() -> FeatureTable:
    return FeatureTable((), (), np.zeros((0, len(FEATURE_NAMES))))


# -- program text --------------------------------------------------------------------------------

_STRING = re.compile(r'"(?:\\.|[^"\\])*"|\'(?:\\.|[^\'\\])*\'')
_LOOP = re.compile(r"\b(?:for|while|do)\b")
_BRANCH = re.compile(r"\b(?:if|else|switch|case|elif)\b|\?")
_C_FUNCTION = re.compile(r"^[A-Za-z_][\w\s\*&<>:,]*\b[A-Za-z_]\w*\s*\([^;{}]*\)\s*\{", re.M)
_PY_FUNCTION = re.compile(r"^\s*def\s+\w+", re.M)
_FLOAT = re.compile(r"\b(?:double|float|long double)\b|%lf|%f|\bfloat\(|\bmath\.")
_INT_LITERAL = re.compile(r"(?<![\w.])(\d+)(?:e(\d+))?(?![\w.])", re.I)
_LITERAL_COMPARISON = re.compile(r"(?:==|!=|<=|>=|<|>)\s*-?\d|\d\s*(?:==|!=|<=|>=|<|>)")
_WIDE = re.compile(r"\blong\s+long\b|\bint64_t\b|\buint64_t\b|%lld|%I64d|__int128")


def _family(language: str) -> str:
    lang = language.lower()
    if lang.startswith(("cpp", "c++", "g++", "cc", "cxx")):
        return "cpp"
    if lang.startswith(("python", "pypy", "py")):
        return "python"
    if lang in ("c", "c11", "c99", "c89", "c17", "gnu c", "gcc"):
        return "c"
    return "other"


def _max_nesting(code: str, family: str) -> int:
    if family == "python":
        depths = [(len(line) - len(line.lstrip(" \t"))) // 4 for line in code.splitlines() if line.strip()]
        return max(depths, default=0)
    depth = best = 0
    for ch in code:
        if ch == "{":
            depth += 1
            best = max(best, depth)
        elif ch == "}":
            depth = max(0, depth - 1)
    return best


def _text_features(c: CandidateRecord) -> dict[str, float]:
    family = _family(c.language)
    stripped = _STRING.sub('""', c.code)
    if family != "python":
        stripped = re.sub(r"//[^\n]*|/\*.*?\*/", "", stripped, flags=re.S)
    else:
        stripped = re.sub(r"#[^\n]*", "", stripped)
    functions = _PY_FUNCTION.findall(stripped) if family == "python" else _C_FUNCTION.findall(stripped)
    # The largest constant (array sizes, limits like 1e9+7): fixes often widen one.
    magnitudes = [len(m.group(1).lstrip("0") or "0") + int(m.group(2) or 0)
                  for m in _INT_LITERAL.finditer(stripped)]
    return {
        "code_chars_log": math.log1p(len(c.code)),
        "code_lines_log": math.log1p(sum(1 for line in c.code.splitlines() if line.strip())),
        "n_loops": float(len(_LOOP.findall(stripped))),
        "n_branches": float(len(_BRANCH.findall(stripped))),
        "n_functions": float(len(functions)),
        "max_nesting": float(_max_nesting(stripped, family)),
        "uses_floating_point": float(bool(_FLOAT.search(c.code))),
        "uses_64bit": float(bool(_WIDE.search(c.code))),
        "max_constant_log": float(max(magnitudes, default=0)),
        # Comparisons against literals: special cases (n == 1) a fix tends to add.
        "n_literal_comparisons": float(len(_LITERAL_COMPARISON.findall(stripped))),
        "lang_c": float(family == "c"),
        "lang_cpp": float(family == "cpp"),
        "lang_python": float(family == "python"),
        "lang_other": float(family == "other"),
    }


def count_warnings(diagnostics: str) -> int:
    """Warnings in compiler output (gcc/clang style `warning:` lines)."""
    return sum(1 for line in diagnostics.splitlines() if "warning:" in line or "Warning:" in line)


# -- pool-relative helpers -----------------------------------------------------------------------

def _log_ratio(value: float | None, reference: float | None, floor: float) -> tuple[float, float]:
    """log(value / reference) and a missing flag; both floored so that 0 s runs compare sanely."""
    if value is None or reference is None:
        return 0.0, 1.0
    return math.log(max(value, floor) / max(reference, floor)), 0.0


def _median(values: Sequence[float | None]) -> float | None:
    known = [v for v in values if v is not None]
    return float(np.median(known)) if known else None


def pool_features(pool: Pool) -> FeatureTable:
    """Features of every filtered candidate of `pool`, rows in `pool.filtered` order.

    An empty pool (or one where nothing passed the public tests) gives an empty table.
    """
    filtered = pool.filtered
    if not filtered:
        return empty_table()
    clusters = pool.ordered_clusters()
    weight = {c.id: max(1, c.count) for c in filtered}
    sizes = [sum(weight[m] for m in g) for g in clusters]
    cluster_of = {m: i for i, g in enumerate(clusters) for m in g}
    total = sum(weight.values())
    largest = sizes[0]

    n_inputs = max((len(c.outcomes) for c in filtered), default=0)
    # Weighted votes per input: how many filtered samples printed each outcome (None never votes).
    votes: list[Counter[str]] = [Counter() for _ in range(n_inputs)]
    votes_by_cluster: list[list[Counter[str]]] = [[Counter() for _ in range(n_inputs)] for _ in clusters]
    for c in filtered:
        for j, o in enumerate(c.outcomes):
            if o is not None:
                votes[j][o] += weight[c.id]
                votes_by_cluster[cluster_of[c.id]][j][o] += weight[c.id]

    totals = [sum(v.values()) for v in votes]
    cluster_totals = [[sum(v.values()) for v in per_input] for per_input in votes_by_cluster]

    cpu_ref = _median([c.cpu_s for c in filtered])
    mem_ref = _median([c.memory_mb for c in filtered])
    len_ref = float(np.median([len(c.code) for c in filtered]))
    per_token = {
        c.id: c.logprob / c.num_tokens
        for c in filtered if c.logprob is not None and c.num_tokens
    }
    known_pt = sorted(per_token.values())

    text = {c.id: _text_features(c) for c in filtered}

    def vs_cluster(cid: str, k: int, name: str) -> float:
        """This member's value minus the mean of the other members of its cluster (0 when alone)."""
        others = [text[m][name] for m in clusters[k] if m != cid]
        return text[cid][name] - float(np.mean(others)) if others else 0.0

    rows: list[list[float]] = []
    for c in filtered:
        k = cluster_of[c.id]
        f: dict[str, float] = {
            "cluster_size_log": math.log1p(sizes[k]),
            # Ties share a rank: the order of equal-sized clusters is arbitrary and must teach nothing.
            "cluster_rank": float(sum(1 for size in sizes if size > sizes[k])),
            "cluster_share": sizes[k] / total,
            "cluster_size_vs_largest": sizes[k] / largest,
            "is_largest_cluster": float(sizes[k] == largest),
            "n_clusters_log": math.log1p(len(clusters)),
            "pool_size_log": math.log1p(total),
        }
        # Agreement: on each input it ran, the share of the other samples printing the same outcome;
        # "other clusters" leaves its own cluster out, so a lone large cluster does not vote for itself.
        agree_other: list[float] = []
        agree_all: list[float] = []
        plural = 0
        ran = 0
        crashes = timeouts = 0
        for j, o in enumerate(c.outcomes):
            if o is None:
                continue
            ran += 1
            crashes += o == "RE"
            timeouts += o in TIMEOUT_OUTCOMES
            others_total = totals[j] - weight[c.id]
            if others_total > 0:
                agree_all.append((votes[j][o] - weight[c.id]) / others_total)
            outside_total = totals[j] - cluster_totals[k][j]
            if outside_total > 0:
                agree_other.append((votes[j][o] - votes_by_cluster[k][j][o]) / outside_total)
            top = max(votes[j].values())
            plural += votes[j][o] == top and o not in FAILURE_OUTCOMES
        f["agreement_other_clusters"] = float(np.mean(agree_other)) if agree_other else 0.0
        f["agreement_other_clusters_missing"] = float(not agree_other)
        f["agreement_all"] = float(np.mean(agree_all)) if agree_all else 0.0
        f["plurality_share"] = plural / ran if ran else 0.0
        f["n_inputs_log"] = math.log1p(ran)
        f["inputs_missing"] = float(ran == 0)
        f["crash_share"] = crashes / ran if ran else 0.0
        f["timeout_share"] = timeouts / ran if ran else 0.0
        f["cpu_log_ratio"], f["cpu_missing"] = _log_ratio(c.cpu_s, cpu_ref, 1e-3)
        f["memory_log_ratio"], f["memory_missing"] = _log_ratio(c.memory_mb, mem_ref, 1.0)
        f["code_length_log_ratio"] = math.log(max(len(c.code), 1) / max(len_ref, 1.0))
        f.update(text[c.id])
        f["length_vs_cluster"] = vs_cluster(c.id, k, "code_chars_log")
        f["branches_vs_cluster"] = vs_cluster(c.id, k, "n_branches")
        f["loops_vs_cluster"] = vs_cluster(c.id, k, "n_loops")
        f["uses_64bit_vs_cluster"] = vs_cluster(c.id, k, "uses_64bit")
        f["max_constant_vs_cluster"] = vs_cluster(c.id, k, "max_constant_log")
        f["literal_comparisons_vs_cluster"] = vs_cluster(c.id, k, "n_literal_comparisons")
        f["n_warnings"] = float(count_warnings(c.warnings)) if c.warnings is not None else 0.0
        f["warnings_missing"] = float(c.warnings is None)
        if c.id in per_token:
            f["logprob_total"] = float(c.logprob)  # type: ignore[arg-type]
            f["logprob_per_token"] = per_token[c.id]
            below = sum(1 for v in known_pt if v < per_token[c.id])
            f["logprob_percentile"] = below / max(1, len(known_pt) - 1) if len(known_pt) > 1 else 0.5
            f["logprob_missing"] = 0.0
        else:
            f["logprob_total"] = f["logprob_per_token"] = 0.0
            f["logprob_percentile"] = 0.5
            f["logprob_missing"] = 1.0
        rows.append([f[name] for name in FEATURE_NAMES])
    return FeatureTable(
        ids=tuple(c.id for c in filtered),
        groups=(pool.problem_id,) * len(filtered),
        matrix=np.asarray(rows, dtype=np.float64),
    )


def pools_features(pools: Sequence[Pool]) -> FeatureTable:
    """One table for many pools (rows grouped by problem), e.g. to train a scorer."""
    return FeatureTable.concat([pool_features(p) for p in pools])


def pool_labels(pools: Sequence[Pool]) -> np.ndarray:
    """Training labels (1 correct, 0 not) aligned with `pools_features(pools)`; unlabelled rows are -1."""
    labels: list[int] = []
    for p in pools:
        for c in p.filtered:
            v = p.labels.get(c.id)
            labels.append(-1 if v is None else int(bool(v)))
    return np.asarray(labels, dtype=np.int64)
