"""Comparison-guided inputs: traced builds report what programs compare, and inputs move to those boundaries."""

from __future__ import annotations

import random

import pytest

from clustering import BehaviourClustering, ClusterCandidate, ClusteringProblem
from clustering.comparisons import (Comparison, ComparisonTracer, characters, dictionary, parse_trace,
                                    replacements, traced_language, traced_source)
from clustering.domains import build_domains
from clustering.execution import InputFiles, Limits, RunCounter, compile_program, run_matrix
from clustering.generators import StructureGenerator
from clustering.inference import infer_structure
from sandbox.compiler import CompileCache


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    return CompileCache(tmp_path_factory.getbasetemp() / "comparisons-compile-cache")


THRESHOLD_OK = ('#include <stdio.h>\nint main(void) { long long n, k; scanf("%lld %lld", &n, &k);\n'
                '  puts(n >= 123457 ? "YES" : "NO"); return 0; }\n')
THRESHOLD_OFF_BY_ONE = THRESHOLD_OK.replace(">= 123457", "> 123457")
THRESHOLD_OK_CPP = ("#include <bits/stdc++.h>\n#define int long long\nusing namespace std;\n"
                    "signed main() { int n, k; cin >> n >> k; cout << (n >= 123457 ? \"YES\" : \"NO\") << endl; }\n")
STATEMENT = ("Print YES when n is at least the magic number, else NO.\n\nInput\n\nOne line: n and k "
             "(1 ≤ n, k ≤ 10^9).\n\nOutput\n\nYES or NO.\n")
PROBLEM = ClusteringProblem(statement=STATEMENT, public_inputs=("5 7\n",), public_outputs=("NO\n",))


def test_a_trace_is_read_from_after_its_marker():
    err = b"the program's own\n#cpagent-cmp 4:7:7 20:10:7 8:-3:5 x 1:97:98\n"
    assert parse_trace(err) == [Comparison(4, 7, 7, False), Comparison(4, 10, 7, True), Comparison(8, -3, 5, False),
                                Comparison(1, 97, 98, False)]
    assert parse_trace(b"no marker: the program crashed before exit") == []


def test_numbers_of_the_input_take_the_values_they_were_compared_with():
    comps = [Comparison(4, 10, 7, True), Comparison(4, 3, 7, False), Comparison(1, 97, 7, True)]
    table = replacements(comps, [7, 2])
    # The operand itself counts twice, its neighbours once; characters (size 1) are left to the text generators.
    assert table == {7: {10: 2, 9: 1, 11: 1, 3: 2, 2: 1, 4: 1}}
    assert dictionary(comps) == [9, 10, 11]


def test_guided_inputs_put_a_number_at_the_boundary_its_programs_compared():
    structure = infer_structure(list(PROBLEM.public_inputs), STATEMENT)
    assert structure is not None
    gen = StructureGenerator(structure, build_domains(structure, PROBLEM.public_inputs, STATEMENT),
                             PROBLEM.public_inputs)
    assert gen.guided(random.Random(0)) is None  # nothing traced yet
    gen.observe("5 7\n", [Comparison(4, 123457, 5, True)])
    made = {gen.guided(random.Random(s)).text for s in range(40)}  # type: ignore[union-attr]
    assert {"123456 7\n", "123457 7\n", "123458 7\n"} <= made
    assert all(1 <= int(t.split()[0]) <= 10**9 for t in made)


def generator(statement: str, *samples: str) -> StructureGenerator:
    structure = infer_structure(list(samples), statement)
    assert structure is not None
    return StructureGenerator(structure, build_domains(structure, samples, statement), samples)


def test_characters_programs_compare_with_go_into_words_where_the_alphabet_allows():
    assert characters([Comparison(4, 65, 72, True), Comparison(4, 3, 72, False)]) == ["@", "A", "B"]
    gen = generator("Input\n\nA word s of uppercase and lowercase Latin letters, length from 1 to 100.\n", "HoUse\n",
                    "ViP\n")
    gen.observe("HoUse\n", [Comparison(4, 65, 72, True)])  # `c >= 65`: the boundary of the capitals
    made = {g.text for s in range(30) if (g := gen.guided(random.Random(s))) is not None}
    assert any("A" in t for t in made)
    assert not any("@" in t for t in made)  # not a letter: the input would be invalid


def test_names_keep_their_letters():
    statement = ("Input\n\nThe first line contains the name of the current month. The second line contains "
                 "integer k (0 ≤ k ≤ 100).\n")
    gen = generator(statement, "November\n3\n", "May\n24\n")
    gen.observe("May\n24\n", [Comparison(4, 65, 77, True), Comparison(4, 12, 24, False)])
    made = [g for s in range(30) if (g := gen.guided(random.Random(s))) is not None]
    assert made and all(g.text.split()[0] == "May" for g in made)


def test_a_compared_value_may_go_down_to_0_where_the_statement_gives_no_bound():
    gen = generator("Input\n\nTwo integers a and b.\n", "5 7\n", "2 3\n")
    gen.observe("5 7\n", [Comparison(4, 1000, 5, True), Comparison(4, 0, 7, True)])
    made = {g.text for s in range(60) if (g := gen.guided(random.Random(s))) is not None}
    assert "5 0\n" in made  # 0 beside positive samples: `x == 0` says it matters
    assert not any(int(v) < 0 or int(v) > 7 for t in made for v in t.split())  # the samples' sign and top


@pytest.mark.parametrize("source, language", [(THRESHOLD_OK, "c99"), (THRESHOLD_OK_CPP, "cpp17")])
def test_a_traced_build_prints_what_the_plain_one_prints_and_reports_its_comparisons(backend, cache, source,
                                                                                    language):
    traced = traced_language(language)
    assert traced is not None and traced_language("python3") is None
    plain = compile_program(backend, source, language, cache)
    build = compile_program(backend, traced_source(source, language), traced, cache)
    assert plain.ok and build.ok, build.message
    with InputFiles() as files:
        rows = run_matrix(backend, [plain, build], [("a", "5 7\n")], Limits(), files)
    assert rows[0][0].stdout == rows[1][0].stdout == b"NO\n"
    comparisons = parse_trace(rows[1][0].stderr)
    assert any(c.constant and c.b == 5 and c.a in (123456, 123457) for c in comparisons), comparisons


def test_a_program_the_runtime_does_not_fit_is_left_untraced(backend, cache):
    clash = "#include <stdio.h>\nint cpagent_cmp_count;\nint main(void) { puts(\"x\"); return 0; }\n"
    with InputFiles() as files:
        tracer = ComparisonTracer(backend, Limits(), files, cache, RunCounter())
        assert tracer.build("k", clash, "c99") is None
        assert tracer.trace([("k", clash, "c99")], ["5 7\n"]) == {}


def test_tracing_separates_an_off_by_one_that_random_values_never_reach(backend, cache):
    candidates = [ClusterCandidate("ok", THRESHOLD_OK, "c99"), ClusterCandidate("cpp", THRESHOLD_OK_CPP, "cpp17"),
                  ClusterCandidate("off", THRESHOLD_OFF_BY_ONE, "c99")]

    def labels(trace: bool) -> tuple[int, ...]:
        model = BehaviourClustering(backend=backend, cache=cache, inputs_per_round=8, max_rounds=6, patience=6,
                                    trace_comparisons=trace).fit(candidates, PROBLEM)
        print("inputs:", [(i.origin, i.text) for i in model.inputs_])
        return model.labels_

    untraced = labels(False)
    assert untraced[0] == untraced[1] == untraced[2]  # 1..10^9 at random: n = 123457 is never drawn
    traced = labels(True)
    assert traced[0] == traced[1] != traced[2]
