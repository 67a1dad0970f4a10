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

FEATURES_VERSION = 3

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
    # program text against the rest of the pool (a near miss and its fix often differ in exactly these)
    "length_vs_pool", "branches_vs_pool", "loops_vs_pool", "uses_64bit_vs_pool", "max_constant_vs_pool",
    "literal_comparisons_vs_pool", "le_share", "le_share_vs_pool", "n_commented_code",
    # program text against the statement's bounds (array sizes, integer widths)
    "bound_log10", "bound_missing", "array_vs_size_bound", "array_missing", "bound_over_32bit",
    "bound_over_32bit_no_64bit",
    # failures against the rest of the pool on the same inputs
    "fails_alone_share", "answers_alone_share", "crash_share_vs_pool", "timeout_share_vs_pool",
    # language family
    "lang_c", "lang_cpp", "lang_python", "lang_other",
    # compiler
    "n_warnings", "warnings_missing",
    # policy
    "logprob_total", "logprob_per_token", "logprob_percentile", "logprob_missing",
)


# The columns of version 2. The extended set (every column, the default) adds the pool-relative,
# statement-bound and failure-relation columns of version 3: on 401 clean Codeflaws problems they raised
# grouped-CV top-1 on the hard ones from 0.853 to 0.887 (docs/scorer.md); a model can still be asked to
# read the base set only (`FeatureScorer(feature_set="base")`).
BASE_FEATURES: tuple[str, ...] = tuple(
    n for n in FEATURE_NAMES
    if n not in {
        "length_vs_pool", "branches_vs_pool", "loops_vs_pool", "uses_64bit_vs_pool", "max_constant_vs_pool",
        "literal_comparisons_vs_pool", "le_share", "le_share_vs_pool", "n_commented_code",
        "bound_log10", "bound_missing", "array_vs_size_bound", "array_missing", "bound_over_32bit",
        "bound_over_32bit_no_64bit",
        "fails_alone_share", "answers_alone_share", "crash_share_vs_pool", "timeout_share_vs_pool",
    }
)
# Measured run time and memory vary from run to run (load, caches), so a model that reads them ranks the same
# pool differently on a rerun: a resumed evaluation would then not equal an uninterrupted one. The scorer the
# pipeline ships reads everything else ("reproducible"); the resource columns stay for offline studies.
RESOURCE_FEATURES = frozenset({"cpu_log_ratio", "cpu_missing", "memory_log_ratio", "memory_missing"})
REPRODUCIBLE_FEATURES: tuple[str, ...] = tuple(n for n in FEATURE_NAMES if n not in RESOURCE_FEATURES)
FEATURE_SETS: dict[str, tuple[str, ...]] = {"base": BASE_FEATURES, "extended": FEATURE_NAMES,
                                            "reproducible": REPRODUCIBLE_FEATURES}
DEFAULT_FEATURE_SET = "reproducible"  # measured best on 623 clean problems (docs/scorer.md) and reproducible


def feature_columns(names: Sequence[str]) -> list[int]:
    """Column indices of `names` in a full feature table."""
    return [FEATURE_NAMES.index(n) for n in names]


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
# Relational operators: `<=` against `<` is the commonest one-character near miss. Shifts, streams and
# template brackets are removed first (crudely: `<<`, `>>`, `->`, `<identifier>` and `#include <...>`).
_NON_RELATIONAL = re.compile(r"<<|>>|->|#\s*include[^\n]*|<\s*[A-Za-z_][\w:,\s\*]*>")
_LE = re.compile(r"<=|>=")
_LT = re.compile(r"(?<![<>=!])[<>](?![<>=])")
_COMMENT_CODE = re.compile(r"//[^\n]*[;=][^\n]*|#[^\n]*=[^\n]*")
# An array dimension: a literal in brackets of a declaration, or a named size constant.
_ARRAY_DIM = re.compile(r"\w\s*\[\s*(\d+)(?:\s*[eE]\s*(\d+))?\s*(?:[+-]\s*\d+\s*)?\]")
_SIZE_CONST = re.compile(r"#\s*define\s+\w+\s+\(?(\d+)(?:[eE](\d+))?|\bconst\s+(?:int|long(?:\s+long)?|size_t)"
                         r"\s+\w+\s*=\s*(\d+)(?:[eE](\d+))?")


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
    relational = _NON_RELATIONAL.sub(" ", stripped)
    n_le, n_lt = len(_LE.findall(relational)), len(_LT.findall(relational))
    dims = [_magnitude(m.group(1), m.group(2)) for m in _ARRAY_DIM.finditer(stripped)]
    dims += [_magnitude(m.group(1) or m.group(3), m.group(2) or m.group(4)) for m in _SIZE_CONST.finditer(stripped)]
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
        "le_share": n_le / (n_le + n_lt) if n_le + n_lt else 0.5,
        # Commented-out statements: a half-finished edit, or a check switched off.
        "n_commented_code": float(len(_COMMENT_CODE.findall(_STRING.sub('""', c.code)))) if family != "python"
        else float(sum(1 for line in c.code.splitlines() if re.match(r"\s*#.*[=(]", line))),
        # log10 of the largest array dimension (or named size constant); -1 when there is none.
        "array_log10": max(dims, default=-1.0),
        "lang_c": float(family == "c"),
        "lang_cpp": float(family == "cpp"),
        "lang_python": float(family == "python"),
        "lang_other": float(family == "other"),
    }


def _magnitude(digits: str, exponent: str | None) -> float:
    """log10 of a literal such as `100005` or `1e5` (clamped to 0 for zero)."""
    return math.log10(max(int(digits[:19]), 1)) + (int(exponent) if exponent else 0)


# -- the statement's bounds ----------------------------------------------------------------------

_POWER = re.compile(r"(?:(\d+(?:\.\d+)?)\s*(?:·|⋅|\\cdot|\\times|\*|×)\s*)?10\s*\^\s*\{?\s*(\d+)\s*\}?")
_PLAIN = re.compile(r"(?<![\w.^{])(\d{1,19})(?![\w.^}])")
_INPUT_SECTION = re.compile(r"(?:^|\n)\s*Input\s*\n(.*?)(?:\n\s*Output\s*\n|$)", re.S)


@dataclass(frozen=True)
class StatementBounds:
    """Magnitudes stated in the Input section: the largest value, and the largest plausible size.

    `size_log10` is the largest bound up to 10^7 (beyond that it bounds values, not counts: no array
    is that long); both are None when the statement states no number.
    """

    max_log10: float | None
    size_log10: float | None


def statement_bounds(statement: str) -> StatementBounds:
    """Parse `1 ≤ n ≤ 10^5`, `2·10^5`, `10^{18}`, `100000` from the Input section (whole text if none)."""
    match = _INPUT_SECTION.search(statement)
    text = match.group(1) if match else statement
    values: list[float] = []
    for m in _POWER.finditer(text):
        mantissa = float(m.group(1)) if m.group(1) else 1.0
        values.append(math.log10(max(mantissa, 1e-9)) + int(m.group(2)))
    for m in _PLAIN.finditer(_POWER.sub(" ", text)):
        values.append(math.log10(max(int(m.group(1)), 1)))
    values = [v for v in values if v > 0]
    if not values:
        return StatementBounds(None, None)
    sizes = [v for v in values if v <= 7.0 + 1e-9]
    return StatementBounds(max(values), max(sizes) if sizes else None)


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

    bounds = statement_bounds(pool.statement) if pool.statement else StatementBounds(None, None)
    big_bound = bounds.max_log10 is not None and bounds.max_log10 > math.log10(2**31 - 1)

    # Per input, the weight of filtered samples that answered (no failure): "others answered" below.
    answered = [sum(n for o, n in v.items() if o not in FAILURE_OUTCOMES) for v in votes]
    fail_share = {}
    timeout_share = {}
    for c in filtered:
        ran_c = [o for o in c.outcomes if o is not None]
        fail_share[c.id] = sum(o == "RE" for o in ran_c) / len(ran_c) if ran_c else 0.0
        timeout_share[c.id] = sum(o in TIMEOUT_OUTCOMES for o in ran_c) / len(ran_c) if ran_c else 0.0

    def vs_pool(cid: str, values: dict[str, float]) -> float:
        """This candidate's value minus the mean over the other filtered candidates (0 when alone)."""
        others = [v for m, v in values.items() if m != cid]
        return values[cid] - float(np.mean(others)) if others else 0.0

    def text_of(name: str) -> dict[str, float]:
        return {m: t[name] for m, t in text.items()}

    pool_text = {name: text_of(name) for name in ("code_chars_log", "n_branches", "n_loops", "uses_64bit",
                                                  "max_constant_log", "n_literal_comparisons", "le_share")}

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
        f.update({name: v for name, v in text[c.id].items() if name != "array_log10"})
        # Failures against the others on the same inputs: crashing where most others answer is the
        # mark of a near miss; answering where most others crash, of a fix.
        alone_fail = alone_answer = 0
        for j, o in enumerate(c.outcomes):
            if o is None:
                continue
            others = totals[j] - weight[c.id]
            if others <= 0:
                continue
            others_answered = answered[j] - (weight[c.id] if o not in FAILURE_OUTCOMES else 0)
            if o in FAILURE_OUTCOMES and others_answered * 2 > others:
                alone_fail += 1
            elif o not in FAILURE_OUTCOMES and others_answered * 2 < others:
                alone_answer += 1
        f["fails_alone_share"] = alone_fail / ran if ran else 0.0
        f["answers_alone_share"] = alone_answer / ran if ran else 0.0
        f["crash_share_vs_pool"] = vs_pool(c.id, fail_share)
        f["timeout_share_vs_pool"] = vs_pool(c.id, timeout_share)
        f["length_vs_pool"] = vs_pool(c.id, pool_text["code_chars_log"])
        f["branches_vs_pool"] = vs_pool(c.id, pool_text["n_branches"])
        f["loops_vs_pool"] = vs_pool(c.id, pool_text["n_loops"])
        f["uses_64bit_vs_pool"] = vs_pool(c.id, pool_text["uses_64bit"])
        f["max_constant_vs_pool"] = vs_pool(c.id, pool_text["max_constant_log"])
        f["literal_comparisons_vs_pool"] = vs_pool(c.id, pool_text["n_literal_comparisons"])
        f["le_share_vs_pool"] = vs_pool(c.id, pool_text["le_share"])
        f["bound_log10"] = bounds.max_log10 if bounds.max_log10 is not None else 0.0
        f["bound_missing"] = float(bounds.max_log10 is None)
        array = text[c.id]["array_log10"]
        if array >= 0 and bounds.size_log10 is not None:
            # Clipped: "far too small" and "far larger" are all a model needs to tell apart.
            f["array_vs_size_bound"] = float(np.clip(array - bounds.size_log10, -3.0, 3.0))
            f["array_missing"] = 0.0
        else:
            f["array_vs_size_bound"], f["array_missing"] = 0.0, 1.0
        f["bound_over_32bit"] = float(big_bound)
        f["bound_over_32bit_no_64bit"] = float(big_bound and not text[c.id]["uses_64bit"])
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
