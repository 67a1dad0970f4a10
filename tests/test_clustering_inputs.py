"""Input generation: structure inference, statement bounds, domains and seeded generators (no sandbox)."""

from __future__ import annotations

import json
import random

import pytest

from clustering import (GeneratorConfig, StructureGenerator, build_domains, generate_inputs, infer_structure,
                        parse, parse_bounds, render)
from clustering.generators import raw_mutations
from clustering.promises import is_prime, parse_promises
from clustering.structure import Choice, Repeat, split_lines


def describe(samples: list[str]) -> str:
    structure = infer_structure(samples)
    assert structure is not None
    return structure.describe()


@pytest.mark.parametrize("samples, expected", [
    (["6 6 4\n"], "s0:int s1:int s2:int"),
    (["3\n1 2 3\n"], "s0:int / a0[s0]:int"),
    (["2 3\n...\n.#.\n"], "s0:int s1:int / s0x(w0:text[s1])"),
    (["4\n1 2\n2 3\n3 4\n"], "s0:int / s0-1x(s1:int s2:int)"),
    (["3 3\n0 7\n14 2\n4 6\n"], "s0:int s1:int / s0x(s2:int s3:int)"),
    (["3 2\n3 1 2 3\n1 5\n0\n"], "s0:int s1:int / s0x(k0 a0[k0]:int)"),
    (["3\n2\n1 2\n3\n1 2 3\n1\n5\n"], "t0:int / t0x(s0:int / a0[s0]:int)"),
    (["1010100\n0100101\n"], "w0:text[?] / w1:text[?]"),  # bit strings, not numbers
    (["1000\n"], "s0:int"),  # a round number stays a number
])
def test_structure_inference(samples, expected):
    assert describe(samples) == expected


def test_several_samples_disambiguate():
    # From the first sample alone "4 numbers" could be the count of the last 4 lines or an array;
    # the second sample only fits an array of n, then m lines of three.
    samples = ["4\n7 2 3 1\n4\n1 2 5\n2 4 1\n3 4 1\n1 3 5\n", "3\n1 2 3\n2\n3 1 2\n3 1 3\n"]
    assert describe(samples) == "s0:int / a0[s0]:int / s1:int / s1x(s2:int s3:int s4:int)"


def test_statement_breaks_the_n_minus_one_tie():
    samples = ["3\n5 6\n1 2\n"]
    assert describe(samples) == "s0:int / s0-1x(s1:int s2:int)"  # n - 1 edges, the usual reading
    statement = "The second line contains n - 1 integers d_i. The third line contains a and b."
    assert infer_structure(samples, statement).describe() == "s0:int / a0[s0-1]:int / s1:int s2:int"


def test_commands_become_a_choice():
    structure = infer_structure(["6 10\nalloc 5\nalloc 3\nerase 1\nalloc 6\ndefragment\nalloc 6\n"])
    assert structure is not None
    repeat = structure.items[1]
    assert isinstance(repeat, Repeat) and isinstance(repeat.body[0], Choice)
    assert {head for head, _ in repeat.body[0].options} == {"alloc", "erase", "defragment"}


def test_no_samples_no_structure():
    assert infer_structure([]) is None
    assert infer_structure(["", "  \n"]) is None


def test_parse_and_render_round_trip():
    structure = infer_structure(["3\n1 2 3\n"])
    assert structure is not None
    values = parse(structure, "2\n5 6\n")
    assert values == [["2"], ["5", "6"]]
    assert render(structure, values) == "2\n5 6\n"
    assert parse(structure, "2\n5 6 7\n") is None  # the count no longer matches


def test_bounds_from_constraints_text():
    statement = ("Input\n\nThe first line contains n, m, b, mod (1 ≤ n, m ≤ 500, 0 ≤ b ≤ 500; 1 ≤ mod ≤ 10^9 + 7). "
                 "The next line contains n integers a_1, ..., a_n ( - 10^4 ≤ a_i ≤ 2·10^5), |x_i| ≤ 1000, "
                 "and 1 ≤ k ≤ n, l < m. A string s (1 ≤ |s| ≤ 100 000).\n\nOutput\n\n...")
    bounds = parse_bounds(statement)
    assert (bounds["n"].lo.value, bounds["n"].hi.value) == (1, 500)
    assert (bounds["b"].lo.value, bounds["b"].hi.value) == (0, 500)
    assert (bounds["a"].lo.value, bounds["a"].hi.value) == (-10_000, 200_000) and bounds["a"].indexed
    assert (bounds["x"].lo.value, bounds["x"].hi.value) == (-1000, 1000)
    assert bounds["k"].hi.var == "n"
    assert any(e.var == "m" and e.value == -1 for e in bounds["l"].his)  # strict: l <= m - 1
    assert bounds["|s|"].length and bounds["|s|"].hi.value == 100_000
    assert "d" not in bounds  # "mod" is a word, not the variable d


def test_statement_bounds_matched_by_order_and_checked_against_samples():
    statement = "Input\n\nThe first line contains n, m and k (1 ≤ n, k ≤ 100, 1 ≤ m ≤ k).\n\nOutput\n"
    structure = infer_structure(["5 2 3\n"])
    domains = build_domains(structure, ["5 2 3\n"], statement)
    assert [domains[f"s{i}"].statement_name for i in range(3)] == ["n", "m", "k"]
    # A bound the samples break is not attached: 7 > 5 so "n <= 5" cannot be n.
    wrong = build_domains(infer_structure(["7\n"]), ["7\n"], "Input\n\nn (1 ≤ n ≤ 5)\n\nOutput\n")
    assert wrong["s0"].statement_name is None


def _all_valid(structure, domains, inputs):
    for item in inputs:
        assert parse(structure, item.text) is not None, item.text


def test_generated_inputs_respect_structure_bounds_and_relations():
    statement = ("Input\n\nThe first line contains n and k (1 ≤ k ≤ n ≤ 6). The second line contains n integers "
                 "a_i (1 ≤ a_i ≤ 10^9).\n\nOutput\n")
    samples = ["3 2\n5 1 7\n"]
    structure = infer_structure(samples)
    domains = build_domains(structure, samples, statement)
    gen = StructureGenerator(structure, domains, samples)
    inputs = generate_inputs(gen, 60, seed=1)
    assert len(inputs) >= 40
    _all_valid(structure, domains, inputs)
    for item in inputs:
        lines = split_lines(item.text)
        n, k = int(lines[0][0]), int(lines[0][1])
        assert 1 <= k <= n <= 6
        assert all(1 <= int(a) <= 10**9 for a in lines[1])
    origins = {i.origin for i in inputs}
    assert origins == {"mutation", "random", "boundary"}
    texts = {i.text for i in inputs}
    assert "6 6\n1000000000 1000000000 1000000000 1000000000 1000000000 1000000000\n" in texts or any(
        "1000000000" in t for t in texts)  # values at the bound appear


def test_generation_is_seeded():
    samples = ["3\n1 2 3\n"]
    structure = infer_structure(samples)
    domains = build_domains(structure, samples, "")
    a = [i.text for i in generate_inputs(StructureGenerator(structure, domains, samples), 20, seed=7)]
    b = [i.text for i in generate_inputs(StructureGenerator(structure, domains, samples), 20, seed=7)]
    c = [i.text for i in generate_inputs(StructureGenerator(structure, domains, samples), 20, seed=8)]
    assert a == b and a != c


def test_trees_stay_trees():
    statement = "Input\n\nn (2 ≤ n ≤ 200). The next n - 1 lines contain a_i, b_i (1 ≤ a_i, b_i ≤ n).\n\nOutput\n"
    samples = ["4\n1 2\n2 3\n3 4\n"]
    structure = infer_structure(samples)
    gen = StructureGenerator(structure, build_domains(structure, samples, statement), samples)
    for item in generate_inputs(gen, 40, seed=3):
        lines = split_lines(item.text)
        n = int(lines[0][0])
        parent = list(range(n + 1))

        def find(x: int) -> int:
            while parent[x] != x:
                x = parent[x]
            return x

        for a, b in lines[1:]:
            ra, rb = find(int(a)), find(int(b))
            assert ra != rb, f"cycle in {item.text!r}"
            parent[ra] = rb


def test_fixed_width_words_keep_their_pattern():
    samples = ["a8\nh1\n"]
    structure = infer_structure(samples)
    gen = StructureGenerator(structure, build_domains(structure, samples, ""), samples)
    for item in generate_inputs(gen, 30, seed=0):
        for (word,) in split_lines(item.text):
            assert len(word) == 2 and word[0] in "ah" and word[1] in "12345678"


def test_size_cap_keeps_inputs_small_unless_size_tests():
    statement = "Input\n\nn (1 ≤ n ≤ 100000), then n integers a_i (1 ≤ a_i ≤ 10).\n\nOutput\n"
    samples = ["3\n1 2 3\n"]
    structure = infer_structure(samples)
    domains = build_domains(structure, samples, statement)
    small = generate_inputs(StructureGenerator(structure, domains, samples, GeneratorConfig(size_cap=5, medium_cap=20)),
                            60, 0)
    assert max(int(split_lines(i.text)[0][0]) for i in small if i.detail != "medium") <= 6
    medium = [int(split_lines(i.text)[0][0]) for i in small if i.detail == "medium"]
    assert medium and max(medium) <= 20 and min(medium) > 6  # "medium" inputs outgrow small fixed arrays
    big = generate_inputs(StructureGenerator(structure, domains, samples,
                                             GeneratorConfig(size_tests=True, size_test_cap=500)), 40, 0)
    assert max(int(split_lines(i.text)[0][0]) for i in big) == 501


def test_raw_mutations_keep_layout():
    base = "This  is\n\nCodeforces 5\n"
    for item, _ in zip(raw_mutations([base], seed=0), range(20)):
        assert [len(line) for line in item.text.split("\n")] == [len(line) for line in base.split("\n")]


def test_real_problems_infer_and_generate_valid_inputs(cp_data):
    """Every real problem: inference never raises, and every generated input fits the inferred structure."""
    rows = [json.loads(line) for line in (cp_data / "codeflaws_dev.jsonl").open()]
    rows += [json.loads(line) for line in (cp_data / "codecontests_cf_python.jsonl").open()]
    inferred = 0
    for row in rows:
        samples = [t["input"] for t in row["public_tests"]]
        statement = row.get("statement") or row.get("description") or ""
        parse_bounds(statement)
        structure = infer_structure(samples, statement)
        if structure is None:
            continue
        inferred += 1
        domains = build_domains(structure, samples, statement)
        gen = StructureGenerator(structure, domains, samples)
        for item in generate_inputs(gen, 6, seed=0):
            assert parse(structure, item.text) is not None, (row["id"], item.text)
    assert inferred >= 0.95 * len(rows)


PROMISES = ("Input\n\nThe first line contains n (1 ≤ n ≤ 10). The second line contains n distinct integers a_1, a_2, "
            "..., a_n (1 ≤ a_i ≤ 100). The third line contains a permutation p_1, ..., p_n. The fourth line contains "
            "n integers c_1 ≤ c_2 ≤ ... ≤ c_n (1 ≤ c_i ≤ 9).\n\nOutput\n\nOne number.\n")


def test_statement_promises_are_read():
    kinds = {p.kind: p.names for p in parse_promises(PROMISES)}
    assert "a" in kinds["distinct"] and kinds["permutation"] == ("p",) and kinds["nondecreasing"] == ("c",)
    assert parse_promises("Input\n\nThe numbers are given in non-decreasing order.\n\nOutput\n")[0].kind == \
        "nondecreasing"
    assert parse_promises("Input\n\nn integers (1 ≤ a_i ≤ 5).\n\nOutput\n\nAll distinct answers.\n") == []


def test_generated_sequences_keep_the_statement_promises():
    samples = ["4\n5 1 7 9\n2 3 1 4\n1 1 4 4\n", "2\n3 1\n2 1\n5 6\n"]
    structure = infer_structure(samples, PROMISES)
    domains = build_domains(structure, samples, PROMISES)
    assert [domains[f"a{i}"].promises for i in range(3)] == [("distinct",), ("permutation",), ("nondecreasing",)]
    inputs = generate_inputs(StructureGenerator(structure, domains, samples), 80, seed=2)
    assert len(inputs) >= 60
    for item in inputs:
        n, a, p, c = split_lines(item.text)
        assert len(set(a)) == len(a), item.text
        assert sorted(map(int, p)) == list(range(1, int(n[0]) + 1)), item.text
        assert list(map(int, c)) == sorted(map(int, c)), item.text


def test_a_promise_the_samples_break_is_not_kept():
    samples = ["3\n1 1 2\n"]  # the statement says distinct, the sample repeats a value: misread, left out
    statement = "Input\n\nn (1 ≤ n ≤ 5), then n distinct integers a_i (1 ≤ a_i ≤ 9).\n\nOutput\n"
    structure = infer_structure(samples, statement)
    assert build_domains(structure, samples, statement)["a0"].promises == ()


def test_bounds_in_words_reach_unbounded_numbers():
    statement = ("Input\n\nThe first line contains three integers: a position, a range and a power. All numbers in "
                 "the input are between 1 and 10, inclusive.\n\nOutput\n")
    samples = ["9 3 3\n"]
    domains = build_domains(infer_structure(samples), samples, statement)
    assert all((d.lo.value, d.hi.value) == (1, 10) for d in domains.values())
    statement = ("Input\n\nn (1 ≤ n ≤ 10). Then n lines hold x_i and y_i. The absolute values of all coordinates "
                 "do not exceed 1000.\n\nOutput\n")
    samples = ["2\n1 -2\n3 4\n", "3\n1 2\n3 4\n5 6\n"]
    structure = infer_structure(samples, statement)
    domains = build_domains(structure, samples, statement)
    assert {(d.lo.value, d.hi.value) for name, d in domains.items() if name != "t0"} == {(-1000, 1000)}


def test_n_lines_read_as_a_test_list_still_take_the_element_bounds():
    statement = ("Input\n\nThe first line contains n (3 ≤ n ≤ 3000). Then n lines contain x_i, y_i "
                 "(1 ≤ x_i, y_i ≤ n).\n\nOutput\n")
    samples = ["4\n1 3\n4 3\n4 2\n1 2\n", "3\n1 2\n2 3\n3 1\n"]
    structure = infer_structure(samples, statement)
    domains = build_domains(structure, samples, statement)
    bounded = [d for d in domains.values() if d.statement_name in ("x", "y")]
    assert len(bounded) == 2 and all(d.his[0].var == "n" for d in bounded)


def test_listed_characters_may_stand_anywhere():
    statement = ('Input\n\nThree lines, each of three characters ".", "X" or "0".\n\nOutput\n')
    samples = ["X0X\n.0.\n.X.\n"]
    structure = infer_structure(samples, statement)
    domains = build_domains(structure, samples, statement)
    assert all(set(d.alphabet) == {".", "X", "0"} and not d.pattern for d in domains.values())
    texts = {i.text for i in generate_inputs(StructureGenerator(structure, domains, samples), 40, seed=0)}
    assert any(line[0] == "0" for t in texts for line in t.split()), "a 0 in the first column"


def test_matrix_rows_and_numbers_not_exceeding_a_bound_in_words():
    statement = ("Input\n\nThe first line contains n (2 ≤ n ≤ 1000). Then follow n lines containing the matrix elements "
                 "(non-negative integer numbers not exceeding 10^9).\n\nOutput\n")
    samples = ["3\n1 2 3\n4 5 6\n7 8 9\n"]
    structure = infer_structure(samples, statement)
    domains = build_domains(structure, samples, statement)
    assert structure.describe() == "s0:int / s0x(a0[s0]:int)"  # a matrix: rows of n numbers, not 3 columns
    assert domains["s0"].hi.value == 1000  # the size keeps its own bound
    assert (domains["a0"].lo.value, domains["a0"].hi.value) == (0, 10**9)


def test_pairs_given_once_stay_distinct_and_a_second_bound_the_samples_break_is_left_out():
    statement = ("Input\n\nThe first line contains m (0 ≤ m ≤ 10). Each of the following m lines contains a_i and b_i "
                 "(1 ≤ a_i, b_i ≤ 5; a_i ≠ b_i). It is guaranteed that each pair is described exactly once.\n\nOutput\n")
    samples = ["4\n1 3\n2 3\n1 4\n5 3\n", "5\n1 2\n2 3\n3 4\n4 5\n5 1\n"]
    structure = infer_structure(samples, statement)
    domains = build_domains(structure, samples, statement)
    gen = StructureGenerator(structure, domains, samples)
    inputs = generate_inputs(gen, 60, seed=4)
    assert len(inputs) >= 40
    for item in inputs:
        rows = [tuple(sorted(line)) for line in split_lines(item.text)[1:]]
        assert len(set(rows)) == len(rows), item.text
    # "2 ≤ n < m ≤ 50" and "pretests have 2 ≤ n < m ≤ 4": the samples (m = 11) keep the first only.
    statement = "Input\n\nn and m (2 ≤ n < m ≤ 50). Pretests have 2 ≤ n < m ≤ 4.\n\nOutput\n"
    samples = ["3 5\n", "7 11\n"]
    domains = build_domains(infer_structure(samples), samples, statement)
    assert domains["s1"].statement_name == "m" and domains["s1"].hi.value == 50


def test_short_codes_combine_the_characters_seen_at_each_position():
    samples = ["H\nQH 9S\n", "S\n8D 6D\n", "C\n7H AS\n"]
    structure = infer_structure(samples)
    domains = build_domains(structure, samples, "")
    words = {w for i in generate_inputs(StructureGenerator(structure, domains, samples), 60, seed=1)
             for w in split_lines(i.text)[1]}
    assert words - {"QH", "9S", "8D", "6D", "7H", "AS"}, "new cards such as QD or 9H"
    assert all(len(w) == 2 and w[0] in "QA9876" and w[1] in "HSD" for w in words)


def test_a_count_of_one_still_counts_lines_when_the_statement_says_n_lines():
    statement = ("Input\n\nThe first line contains n (1 ≤ n ≤ 100). Then follow n lines, each holding the name "
                 "of a team.\n\nOutput\n")
    assert infer_structure(["1\nABC\n"], statement).describe() == "s0:int / s0x(w0:text[?])"
    assert infer_structure(["1\nABC\n"]).describe() == "s0:int / w0:text[?]"  # nothing says the 1 counts lines
    structure = infer_structure(["1\nABC\n"], statement)
    domains = build_domains(structure, ["1\nABC\n"], statement)
    for item in generate_inputs(StructureGenerator(structure, domains, ["1\nABC\n"]), 30, seed=0):
        lines = split_lines(item.text)
        assert len(lines) == int(lines[0][0]) + 1, item.text


def test_pool_inputs_repeat_and_relate_values_within_bounds():
    statement = "Input\n\nn (1 ≤ n ≤ 10), then n integers a_i (1 ≤ a_i ≤ 10^9).\n\nOutput\n"
    samples = ["3\n5 17 2\n"]
    structure = infer_structure(samples, statement)
    gen = StructureGenerator(structure, build_domains(structure, samples, statement), samples)
    rng = random.Random(0)
    inputs = [gen.generate("pool", rng) for _ in range(30)]
    values = [list(map(int, split_lines(i.text)[1])) for i in inputs if i is not None]
    assert all(1 <= v <= 10**9 for vs in values for v in vs)
    assert sum(len(set(vs)) < len(vs) for vs in values) >= 10  # ties, which independent draws of 10^9 never make
    assert any(a + b in vs for vs in values for i, a in enumerate(vs) for b in vs[i + 1:])  # one is the sum of two


def test_equal_inputs_use_one_character_throughout():
    samples = ["WWWBWWBW\nBBBBBBBB\nWWWBWWBW\nWWWBWWBW\nWWWBWWBW\nWWWBWWBW\nWWWBWWBW\nWWWBWWBW\n"]
    structure = infer_structure(samples)
    gen = StructureGenerator(structure, build_domains(structure, samples, ""), samples)
    rng = random.Random(3)
    for _ in range(5):
        item = gen.generate("equal", rng)
        assert item is not None and len(set(item.text.replace("\n", ""))) == 1, item.text


def test_free_words_may_grow_and_shrink_but_sized_words_keep_their_length():
    samples = ["ahhellllloou\n", "hlelo\n"]
    structure = infer_structure(samples)
    gen = StructureGenerator(structure, build_domains(structure, samples, ""), samples)
    rng = random.Random(0)
    lengths = {len(m.text.strip()) for m in (gen.mutate(rng) for _ in range(80)) if m is not None}
    assert lengths - {5, 12} and all(5 <= n <= 12 for n in lengths)
    samples = ["2 3\n.#.\n##.\n"]
    structure = infer_structure(samples)
    gen = StructureGenerator(structure, build_domains(structure, samples, ""), samples)
    for m in (gen.mutate(rng) for _ in range(40)):
        if m is not None:
            assert all(len(row[0]) == 3 for row in split_lines(m.text)[1:]), m.text


def test_value_promises_prime_and_parity_are_kept():
    statement = ("Input\n\nThe only line contains n and m (2 ≤ n < m ≤ 50). It is guaranteed that n is prime. "
                 "The second line holds an even integer k (2 ≤ k ≤ 100).\n\nOutput\n")
    kinds = {(p.kind, p.names) for p in parse_promises(statement)}
    assert {("prime", ("n",)), ("even", ("k",))} <= kinds
    samples = ["3 5\n4\n", "7 11\n10\n"]
    structure = infer_structure(samples, statement)
    domains = build_domains(structure, samples, statement)
    assert "prime" in domains["s0"].promises and "even" in domains["s2"].promises
    gen = StructureGenerator(structure, domains, samples)
    inputs = generate_inputs(gen, 40, seed=0)
    assert len(inputs) >= 30
    for item in inputs:
        (n, m), (k,) = split_lines(item.text)
        assert is_prime(int(n)) and int(k) % 2 == 0 and 2 <= int(n) < int(m) <= 50, item.text
    # A sample that breaks the promise means we misread it: left out.
    assert "prime" not in build_domains(structure, ["4 5\n4\n"], statement)["s0"].promises


def test_a_name_bounded_only_in_an_image_still_bounds_the_pairs_that_refer_to_it():
    # "integers n and m ([image])": no formula bounds n, but "1 ≤ u_i, v_i ≤ n, u_i ≠ v_i" refers to it.
    statement = ("Input\n\nThe first line contains integers n and m ([image]). Next m lines each contain u_i and v_i "
                 "(1 ≤ u_i, v_i ≤ n, u_i ≠ v_i).\n\nOutput\n")
    bounds = parse_bounds(statement)
    assert bounds["u"].his[0].var == "n" and bounds["v"].his[0].var == "n"
    samples = ["3 3\n1 2\n2 3\n3 1\n", "4 2\n2 3\n4 1\n"]
    structure = infer_structure(samples, statement)
    domains = build_domains(structure, samples, statement)
    assert domains["s0"].statement_name == "n"
    for item in generate_inputs(StructureGenerator(structure, domains, samples), 40, seed=0):
        lines = split_lines(item.text)
        n = int(lines[0][0])
        assert all(1 <= int(x) <= n for line in lines[1:] for x in line), item.text


def test_names_are_never_rewritten_as_one_character():
    samples = ["November\n3\n", "May\n24\n"]
    structure = infer_structure(samples)
    gen = StructureGenerator(structure, build_domains(structure, samples, ""), samples)
    rng = random.Random(0)
    for mode in ("equal", "pool", "pool", "equal"):
        item = gen.generate(mode, rng)
        assert item is not None and split_lines(item.text)[0][0] in ("November", "May"), item.text


def test_max_values_put_small_counts_and_lengths_at_their_bound():
    statement = "Input\n\nn (1 ≤ n ≤ 100), then n integers a_i (1 ≤ a_i ≤ 10).\n\nOutput\n"
    samples = ["3\n1 2 3\n"]
    structure = infer_structure(samples, statement)
    gen = StructureGenerator(structure, build_domains(structure, samples, statement), samples)
    item = gen.generate("max-values", random.Random(0))
    assert item is not None and split_lines(item.text)[0] == ["100"] and len(split_lines(item.text)[1]) == 100
    statement = "Input\n\nA string s (1 ≤ |s| ≤ 100) of lowercase letters.\n\nOutput\n"
    structure = infer_structure(["abc\n"], statement)
    gen = StructureGenerator(structure, build_domains(structure, ["abc\n"], statement), ["abc\n"])
    item = gen.generate("max-values", random.Random(0))
    assert item is not None and len(item.text.strip()) == 100
    statement = "Input\n\nn (1 ≤ n ≤ 100000), then n integers a_i (1 ≤ a_i ≤ 10).\n\nOutput\n"  # large: stays small
    structure = infer_structure(samples, statement)
    gen = StructureGenerator(structure, build_domains(structure, samples, statement), samples)
    assert int(split_lines(gen.generate("max-values", random.Random(0)).text)[0][0]) <= 9


def test_learned_inputs_become_bases_for_mutations():
    statement = "Input\n\nn (1 ≤ n ≤ 6), then n integers a_i (1 ≤ a_i ≤ 10^9).\n\nOutput\n"
    samples = ["2\n1 2\n"]
    structure = infer_structure(samples, statement)
    gen = StructureGenerator(structure, build_domains(structure, samples, statement), samples)
    gen.learn("3\n999999999 1000000000 7\n")
    gen.learn("2\n1 2 3\n")  # does not parse: never a base
    gen.learn("2\n0 5\n")  # breaks a bound: never a base
    assert gen.splitters == ["3\n999999999 1000000000 7\n"]
    rng = random.Random(0)
    learned = [m for m in (gen.mutate(rng) for _ in range(40)) if m is not None and "splitting" in m.detail]
    assert learned and all(split_lines(m.text)[0] == ["3"] for m in learned)
