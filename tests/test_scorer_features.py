"""Per-candidate features from plain pool data: meaning, pool-relativity, and missing values."""

from __future__ import annotations

import math

import numpy as np

from scorer import FEATURE_NAMES, CandidateRecord, Pool, output_outcome, pool_features
from scorer.pool import pool_from_clustering

A, B, C = output_outcome(b"1"), output_outcome(b"2"), output_outcome(b"3")

C_PROGRAM = """#include <stdio.h>
int solve(int n) { int s = 0; for (int i = 0; i < n; i++) { if (i % 2) s += i; } return s; }
int main(void) { long long n; double x; scanf("%lld", &n); printf("%d\\n", solve((int)n)); return 0; }
"""


def _pool(**kw) -> Pool:
    cands = (
        CandidateRecord("r1", code=C_PROGRAM, language="c99", outcomes=(A, A, A), cpu_s=0.01, memory_mb=2,
                        logprob=-10.0, num_tokens=100, warnings=""),
        CandidateRecord("r2", code=C_PROGRAM + "\n", language="c99", outcomes=(A, A, A), cpu_s=0.02, memory_mb=2,
                        logprob=-50.0, num_tokens=100, warnings="x.c:1:1: warning: unused\n"),
        CandidateRecord("w1", code="print(1)", language="python3", outcomes=(A, B, "RE"), cpu_s=0.08,
                        memory_mb=8),
        CandidateRecord("w2", code="x", language="cpp17", outcomes=(C, "TLE", A), count=1),
        CandidateRecord("f", code="y", language="c99", passed_public=False),
    )
    return Pool("p", cands, **kw)


def _row(table, cid):
    return dict(zip(table.names, table.matrix[table.ids.index(cid)]))


def test_one_row_per_filtered_candidate_with_every_feature():
    table = pool_features(_pool())
    assert table.ids == ("r1", "r2", "w1", "w2")
    assert table.matrix.shape == (4, len(FEATURE_NAMES))
    assert table.groups == ("p",) * 4
    assert np.isfinite(table.matrix).all()


def test_cluster_features_rank_the_largest_cluster_first():
    t = pool_features(_pool())
    r1, w1 = _row(t, "r1"), _row(t, "w1")
    assert r1["cluster_rank"] == 0 and r1["is_largest_cluster"] == 1 and r1["cluster_share"] == 0.5
    assert w1["cluster_rank"] > 0 and w1["cluster_size_vs_largest"] == 0.5


def test_agreement_crash_and_timeout_shares():
    t = pool_features(_pool())
    r1, w1, w2 = _row(t, "r1"), _row(t, "w1"), _row(t, "w2")
    # r1 vs the two other clusters: input 1 both A (w1 A, w2 C -> 1/2), input 2 (0), input 3 (w2 A -> 1/2).
    assert math.isclose(r1["agreement_other_clusters"], (0.5 + 0 + 0.5) / 3)
    assert r1["plurality_share"] == 1.0
    assert math.isclose(w1["crash_share"], 1 / 3) and w1["timeout_share"] == 0
    assert math.isclose(w2["timeout_share"], 1 / 3) and w2["crash_share"] == 0


def test_resources_and_length_are_relative_to_the_pool():
    t = pool_features(_pool())
    assert _row(t, "w1")["cpu_log_ratio"] > _row(t, "r1")["cpu_log_ratio"]
    assert _row(t, "w2")["cpu_missing"] == 1 and _row(t, "r1")["cpu_missing"] == 0
    assert _row(t, "r1")["code_length_log_ratio"] > _row(t, "w2")["code_length_log_ratio"]


def test_program_structure_language_and_warnings():
    r1, r2, w1 = (_row(pool_features(_pool()), c) for c in ("r1", "r2", "w1"))
    assert r1["n_loops"] == 1 and r1["n_branches"] >= 1 and r1["n_functions"] == 2
    assert r1["max_nesting"] >= 2 and r1["uses_64bit"] == 1 and r1["uses_floating_point"] == 1
    assert r1["lang_c"] == 1 and w1["lang_python"] == 1
    assert r1["n_warnings"] == 0 and r1["warnings_missing"] == 0
    assert r2["n_warnings"] == 1
    assert w1["warnings_missing"] == 1


def test_missing_logprobs_are_flagged_not_invented():
    t = pool_features(_pool())
    r1, r2, w1 = _row(t, "r1"), _row(t, "r2"), _row(t, "w1")
    assert r1["logprob_missing"] == 0 and math.isclose(r1["logprob_per_token"], -0.1)
    assert r1["logprob_percentile"] > r2["logprob_percentile"]
    assert w1["logprob_missing"] == 1 and w1["logprob_total"] == 0


def test_empty_pool_and_nothing_filtered_give_an_empty_table():
    assert pool_features(Pool("e")).matrix.shape == (0, len(FEATURE_NAMES))
    only_failed = Pool("e", (CandidateRecord("x", passed_public=False),))
    assert len(pool_features(only_failed)) == 0


def test_single_cluster_pool_has_defined_values():
    pool = Pool("one", (CandidateRecord("a", outcomes=(A,)), CandidateRecord("b", outcomes=(A,))))
    t = pool_features(pool)
    row = _row(t, "a")
    assert row["agreement_other_clusters_missing"] == 1 and row["agreement_all"] == 1
    assert row["is_largest_cluster"] == 1 and np.isfinite(t.matrix).all()


def test_candidates_without_runs_are_flagged():
    t = pool_features(Pool("n", (CandidateRecord("a"), CandidateRecord("b", code="int main(){}"))))
    assert (t.column("inputs_missing") == 1).all() and np.isfinite(t.matrix).all()


def test_merged_samples_count_in_cluster_sizes():
    pool = Pool("m", (CandidateRecord("a", outcomes=(A,), count=5), CandidateRecord("b", outcomes=(B,)),
                      CandidateRecord("c", outcomes=(B,))))
    assert pool.ordered_clusters() == (("a",), ("b", "c"))
    assert _row(pool_features(pool), "a")["is_largest_cluster"] == 1


def test_given_clusters_are_respected_and_unplaced_filtered_candidates_kept():
    pool = _pool(clusters=(("w1", "w2"), ("r1",), ("ghost",)))
    assert pool.ordered_clusters() == (("w1", "w2"), ("r1",), ("r2",))


def test_pool_from_a_clustering_result_takes_signatures():
    class Cluster:
        def __init__(self, members, signature):
            self.members, self.signature = members, signature

    class Result:
        clusters = (Cluster(("a", "a", "b"), (A, B)), Cluster(("c",), ("RE", B)))

    cands = [CandidateRecord("a"), CandidateRecord("b"), CandidateRecord("c"),
             CandidateRecord("d", passed_public=False)]
    pool = pool_from_clustering("p", cands, Result(), labels={"a": True})
    assert pool.ordered_clusters() == (("a", "b"), ("c",))
    assert pool.by_id()["c"].outcomes == ("RE", B)
    assert _row(pool_features(pool), "c")["crash_share"] == 0.5


def test_pool_json_round_trip():
    pool = _pool(labels={"r1": True, "w1": False})
    assert Pool.from_json(pool.to_json()) == pool


def test_equal_sized_clusters_share_a_rank_whatever_their_order():
    pool = Pool("t", (CandidateRecord("a", outcomes=(A,)), CandidateRecord("b", outcomes=(B,)),
                      CandidateRecord("c", outcomes=(C,)), CandidateRecord("d", outcomes=(C,))))
    t = pool_features(pool)
    assert _row(t, "a")["cluster_rank"] == _row(t, "b")["cluster_rank"] == 1
    assert _row(t, "c")["cluster_rank"] == 0


def test_shuffled_pool_is_seeded_and_keeps_everything():
    pool = _pool(labels={"r1": True})
    a, b = pool.shuffled(1), pool.shuffled(1)
    assert a == b and sorted(c.id for c in a.candidates) == sorted(c.id for c in pool.candidates)
    assert a.labels == pool.labels
    assert len({tuple(c.id for c in pool.shuffled(s).candidates) for s in range(10)}) > 1


def test_code_is_compared_with_the_other_members_of_its_cluster():
    short = "int main(){int n;scanf(\"%d\",&n);printf(\"%d\",n*2);}"
    fixed = ("int main(){long long n;scanf(\"%lld\",&n);if(n==1){puts(\"2\");return 0;}"
             "printf(\"%lld\",n*2);}")
    pool = Pool("c", (CandidateRecord("bug", code=short, language="c99", outcomes=(A,)),
                      CandidateRecord("fix", code=fixed, language="c99", outcomes=(A,)),
                      CandidateRecord("alone", code=short, language="c99", outcomes=(B,))))
    t = pool_features(pool)
    fix, bug, alone = _row(t, "fix"), _row(t, "bug"), _row(t, "alone")
    assert fix["length_vs_cluster"] > 0 > bug["length_vs_cluster"]
    assert fix["uses_64bit_vs_cluster"] == 1 and bug["uses_64bit_vs_cluster"] == -1
    assert fix["literal_comparisons_vs_cluster"] >= 1 and fix["branches_vs_cluster"] >= 1
    assert alone["length_vs_cluster"] == 0 and alone["branches_vs_cluster"] == 0
    assert fix["max_constant_log"] == 1 and fix["n_literal_comparisons"] == 1


# -- version 3: the statement's bounds, relational operators, the rest of the pool ----------------

from scorer import statement_bounds  # noqa: E402

STATEMENT = ("Count pairs.\n\nInput\n\nThe first line holds n (1 ≤ n ≤ 2·10^5), then n integers "
             "a_i (1 ≤ a_i ≤ 10^{12}).\n\nOutput\n\nPrint 1000000007 if you like.\n")
NEAR_MISS = ("#include <stdio.h>\nint a[1000];\nint main(void){int n;scanf(\"%d\",&n);"
             "for(int i=0;i<n;i++)scanf(\"%d\",&a[i]);printf(\"%d\\n\",a[0]);}\n")
FIX = ("#include <stdio.h>\nlong long a[200005];\nint main(void){int n;scanf(\"%d\",&n);"
       "for(int i=0;i<=n-1;i++)scanf(\"%lld\",&a[i]);printf(\"%lld\\n\",a[0]);}\n")


def test_statement_bounds_read_the_input_section_only():
    b = statement_bounds(STATEMENT)
    assert math.isclose(b.max_log10, 12.0) and math.isclose(b.size_log10, math.log10(2e5))
    # 1000000007 is in the Output section: not a bound on the input.
    assert statement_bounds("Input\n\nn (1 ≤ n ≤ 100)\n\nOutput\n\n1000000007").max_log10 == 2.0
    assert statement_bounds("Input\n\nA string of letters.\n\nOutput\n\nIt.").max_log10 is None
    assert statement_bounds("").size_log10 is None


def test_array_sizes_and_integer_widths_against_the_statement():
    cands = (CandidateRecord("miss", code=NEAR_MISS, language="c99", outcomes=(A, "RE")),
             CandidateRecord("fix", code=FIX, language="c99", outcomes=(A, B)))
    t = pool_features(Pool("p", cands, statement=STATEMENT))
    miss, fix = _row(t, "miss"), _row(t, "fix")
    assert miss["array_missing"] == 0 and math.isclose(miss["array_vs_size_bound"], 3 - math.log10(2e5))
    assert fix["array_vs_size_bound"] > 0
    assert miss["bound_over_32bit"] == 1 and miss["bound_over_32bit_no_64bit"] == 1
    assert fix["bound_over_32bit_no_64bit"] == 0
    assert fix["uses_64bit_vs_pool"] == 1 and miss["uses_64bit_vs_pool"] == -1
    assert fix["max_constant_vs_pool"] > 0 and fix["le_share"] > miss["le_share"]
    # Without the statement the same programs give "unknown", never a guess.
    t = pool_features(Pool("p", cands))
    assert _row(t, "miss")["bound_missing"] == 1 and _row(t, "miss")["array_missing"] == 1
    assert _row(t, "miss")["bound_over_32bit_no_64bit"] == 0


def test_failing_where_the_others_answer():
    cands = (CandidateRecord("a", outcomes=(A, "RE", B)), CandidateRecord("b", outcomes=(A, C, B)),
             CandidateRecord("c", outcomes=(A, C, "RE")))
    t = pool_features(Pool("p", cands))
    assert math.isclose(_row(t, "a")["fails_alone_share"], 1 / 3)
    assert _row(t, "b")["fails_alone_share"] == 0 and _row(t, "b")["answers_alone_share"] == 0
    assert _row(t, "a")["crash_share_vs_pool"] > 0 > _row(t, "b")["crash_share_vs_pool"]
    # One candidate alone has nothing to compare with: pool-relative features are 0.
    solo = _row(pool_features(Pool("p", cands[:1])), "a")
    assert solo["fails_alone_share"] == 0 and solo["length_vs_pool"] == 0


def test_commented_out_statements_are_counted():
    code = "int main(){\n  int x = 1;\n  // x = x + 1;\n  // a comment\n  return 0;\n}\n"
    t = pool_features(Pool("p", (CandidateRecord("a", code=code, language="cpp17"),)))
    assert _row(t, "a")["n_commented_code"] == 1


def test_the_statement_travels_with_the_pool():
    pool = Pool("p", (CandidateRecord("a"),), statement=STATEMENT)
    assert Pool.from_json(pool.to_json()).statement == STATEMENT
    assert Pool.from_json({"problem_id": "q"}).statement == ""
    assert pool_from_clustering("p", [CandidateRecord("a")], None, statement="s").statement == "s"
