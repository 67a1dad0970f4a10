"""BehaviourClustering end to end: real programs compiled and run in the sandbox, then grouped."""

from __future__ import annotations

import json

import pytest

from clustering import (BehaviourClustering, ClusterCandidate, ClusteringError, ClusteringProblem, drop_reason,
                        model_inputs)
from clustering.cluster import _splits
from clustering.model_generators import ModelGeneratorConfig
from clustering.signatures import run_outcome
from sandbox import RunResult, RunSpec, Status
from sandbox.backend import Backend
from sandbox.checkers.spec import CheckerSpec
from sandbox.compiler import CompileCache


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    return CompileCache(tmp_path_factory.getbasetemp() / "clustering-compile-cache")


STATEMENT = ("Given n numbers, print their sum.\n\nInput\n\nThe first line contains n (1 ≤ n ≤ 6). The second line "
             "contains n integers a_i (1 ≤ a_i ≤ 10^9).\n\nOutput\n\nThe sum.\n")
SUM = "n = int(input())\nprint(sum(map(int, input().split())))\n"
SUM_SAME_AFTER_DEDUPE = "n = int(input())\nprint(sum(map(int,   input().split())))\n\n"
SUM_OTHER = "import sys\nd = sys.stdin.read().split()\nprint(sum(int(x) for x in d[1:1 + int(d[0])]))\n"
WRONG_OVERFLOW = "n = int(input())\nprint(sum(map(int, input().split())) % 2**31)\n"  # a 32-bit accumulator
WRONG_FIRST = "n = int(input())\na = list(map(int, input().split()))\nprint(sum(a[:-1]) + (a[-1] if n < 3 else 0))\n"
CRASH = "import sys\nsys.exit(3)\n"
PROBLEM = ClusteringProblem(statement=STATEMENT, public_inputs=("2\n1 2\n",), public_outputs=("3\n",))


def cands(*sources: str) -> list[ClusterCandidate]:
    return [ClusterCandidate(f"c{i}", s, "python3") for i, s in enumerate(sources)]


def fit(backend, cache, candidates, problem=PROBLEM, **params) -> BehaviourClustering:
    params.setdefault("inputs_per_round", 8)
    params.setdefault("max_rounds", 3)
    model = BehaviourClustering(backend=backend, cache=cache, **params).fit(candidates, problem)
    print("notes:", model.notes_, "cost:", model.result_.cost)  # shown when a test fails
    return model


def test_correct_programs_group_and_near_misses_split(backend, cache):
    model = fit(backend, cache, cands(SUM, SUM_SAME_AFTER_DEDUPE, SUM_OTHER, WRONG_OVERFLOW, WRONG_FIRST, CRASH))
    clusters = model.clusters_
    assert set(clusters[0].members) == {"c0", "c1", "c2"}  # the largest cluster: the three correct programs
    assert len(clusters) == 4 and all(len(c.members) == 1 for c in clusters[1:])
    assert model.labels_[0] == model.labels_[1] == model.labels_[2] == 0
    assert len({model.labels_[3], model.labels_[4], model.labels_[5]}) == 3
    # RE is an outcome of its own; each smaller cluster names the inputs that tell it from each larger one.
    crash = clusters[model.labels_[5]]
    assert set(crash.signature) == {"RE"}
    for c in clusters[1:]:
        assert len(c.distinctions) == c.index
        assert all(d.input_keys for d in c.distinctions)
        kept = {i.key for i in model.inputs_}
        assert all(k in kept for d in c.distinctions for k in d.input_keys)
    assert model.result_.cost.programs == 5  # identical programs ran once
    assert model.result_.cost.runs == 5 * model.result_.cost.inputs_generated
    assert model.reason_ == ""


def test_inputs_that_split_programs_seed_later_mutations(backend, cache):
    model = fit(backend, cache, cands(SUM, SUM_OTHER, WRONG_OVERFLOW), max_rounds=4)
    assert model.labels_[0] == model.labels_[1] != model.labels_[2]
    assert any("splitting input" in i.detail for i in model.inputs_), [i.detail for i in model.inputs_]


def test_splits_compares_only_programs_that_agreed_before():
    before = {"a": ("x",), "b": ("x",), "c": ("y",)}
    assert _splits(before, ["a", "b", "c"], ["1", "2", "1"])
    assert not _splits(before, ["a", "b", "c"], ["1", "1", "2"])  # c was apart already


def test_to_json_is_the_contract(backend, cache):
    model = fit(backend, cache, cands(SUM, WRONG_OVERFLOW))
    data = json.loads(json.dumps(model.to_json()))
    assert set(data) == {"clusters", "labels", "inputs", "dropped", "cost", "reason", "notes"}
    assert set(data["clusters"][0]) == {"index", "size", "members", "signature", "distinctions"}
    assert set(data["cost"]) == {"programs", "compiles", "runs", "wall_s", "rounds", "inputs_generated",
                                 "inputs_kept", "stop_reason"}
    assert data["labels"] == list(model.labels_)
    assert all(set(i) == {"key", "origin", "detail", "text", "chars"} for i in data["inputs"])


def test_same_seed_same_inputs_and_clusters(backend, cache):
    a = fit(backend, cache, cands(SUM, WRONG_FIRST), seed=5)
    b = fit(backend, cache, cands(SUM, WRONG_FIRST), seed=5)
    c = fit(backend, cache, cands(SUM, WRONG_FIRST), seed=6)
    assert [i.key for i in a.inputs_] == [i.key for i in b.inputs_]
    assert a.labels_ == b.labels_
    assert [i.key for i in a.inputs_] != [i.key for i in c.inputs_]


def test_stops_early_when_nothing_splits(backend, cache):
    model = fit(backend, cache, cands(SUM, SUM_OTHER), max_rounds=6, patience=1)
    assert model.result_.cost.rounds == 1
    assert "no split" in model.result_.cost.stop_reason
    alone = fit(backend, cache, cands(SUM, CRASH), max_rounds=6)
    assert alone.result_.cost.rounds == 1 and "alone" in alone.result_.cost.stop_reason


def test_given_inputs_replace_generation(backend, cache):
    model = BehaviourClustering(backend=backend, cache=cache).fit(
        cands(SUM, WRONG_OVERFLOW), PROBLEM, inputs=["1\n5\n", "2\n2000000000 2000000000\n"])
    assert [i.origin for i in model.inputs_] == ["given", "given"]
    assert len(model.clusters_) == 2


def test_no_generated_inputs_is_one_cluster(backend, cache):
    model = fit(backend, cache, cands(SUM, WRONG_OVERFLOW, WRONG_FIRST), max_rounds=0)
    assert len(model.clusters_) == 1 and model.clusters_[0].size == 3
    assert "no usable inputs" in model.reason_


def test_no_public_inputs_is_one_cluster_with_reason(backend, cache):
    problem = ClusteringProblem(statement="no constraints at all")
    model = fit(backend, cache, cands(SUM, WRONG_FIRST), problem)
    assert len(model.clusters_) == 1
    assert "no public inputs" in model.reason_


def test_all_crash_is_one_cluster_with_reason(backend, cache):
    model = fit(backend, cache, cands(CRASH, "raise SystemExit(1)\n", "print(1/0)\n"))
    assert len(model.clusters_) == 1 and model.clusters_[0].size == 3
    assert "every input was dropped" in model.reason_
    assert model.dropped_ and all("probably invalid" in d.reason for d in model.dropped_)


def test_no_candidates_and_compile_errors(backend, cache):
    empty = fit(backend, cache, [])
    assert empty.clusters_ == () and empty.reason_ == "no candidates"
    c_ok = ClusterCandidate("ok", "#include <stdio.h>\nint main(){int n;long long s=0,x;scanf(\"%d\",&n);"
                                  "while(n--){scanf(\"%lld\",&x);s+=x;}printf(\"%lld\\n\",s);return 0;}\n", "c99")
    c_bad = ClusterCandidate("bad", "int main( { return 0; }\n", "c99")
    model = fit(backend, cache, [c_ok, c_bad] + cands(SUM))
    assert model.labels_[0] == model.labels_[2] != model.labels_[1]
    assert set(model.clusters_[model.labels_[1]].signature) == {"CE"}
    broken = fit(backend, cache, [c_bad])
    assert len(broken.clusters_) == 1 and "no candidate compiled" in broken.reason_


def test_bad_parameters_raise_the_package_error(backend, cache):
    with pytest.raises(ClusteringError) as err:
        BehaviourClustering(backend=backend, inputs_per_round=0).fit(cands(SUM), PROBLEM)
    assert err.value.hint


def test_validator_drops_inputs_it_rejects(backend, cache):
    # The validator accepts only inputs whose numbers are all below 100.
    validator = ("import sys\nd = list(map(int, sys.stdin.read().split()))\nsys.exit(0 if max(d[1:]) < 100 else 1)\n",
                 "python3")
    model = fit(backend, cache, cands(SUM, WRONG_OVERFLOW), validator=validator, max_rounds=2)
    assert all(max(map(int, i.text.split()[1:])) < 100 for i in model.inputs_)
    assert any(d.reason == "rejected by the validator" for d in model.dropped_)
    assert len(model.clusters_) == 1  # overflow needs big numbers, which the validator forbids


class FlakyBackend(Backend):
    """The real backend, except that runs on inputs holding 7 fail in the sandbox (IE)."""

    name = "flaky"

    def __init__(self, inner: Backend) -> None:
        super().__init__(inner.slots)
        self.inner = inner

    def _run_once(self, spec: RunSpec) -> RunResult:
        if spec.stdin is not None and b"7" in spec.stdin.read_bytes() and not spec.language.startswith("compile"):
            return RunResult(Status.IE, message="injected", backend=self.name)
        return self.inner.run(spec)


def test_infrastructure_failures_never_count_as_behaviour(backend, cache):
    flaky = FlakyBackend(backend)
    try:
        model = BehaviourClustering(backend=flaky, cache=cache).fit(
            cands(SUM, SUM_OTHER), PROBLEM, inputs=["1\n5\n", "1\n7\n", "2\n3 4\n"])
    finally:
        flaky.close()
    assert [i.text for i in model.inputs_] == ["1\n5\n", "2\n3 4\n"]
    assert [d.input.text for d in model.dropped_] == ["1\n7\n"]
    assert "IE" in model.dropped_[0].reason
    assert len(model.clusters_) == 1
    assert all("IE" not in s for c in model.clusters_ for s in c.signature)


def test_outcomes_and_drop_rule():
    checker = CheckerSpec("words")
    assert run_outcome(RunResult(Status.OK, stdout=b"YES\n"), b"YES\n", checker) == run_outcome(
        RunResult(Status.OK, stdout=b"yes"), b"yes", checker)
    assert run_outcome(RunResult(Status.TLE), b"", checker) == "TLE"
    assert run_outcome(RunResult(Status.MLE), b"", checker) == "MLE"
    assert run_outcome(RunResult(Status.OK), b"  \n", checker) == "EMPTY"
    assert run_outcome(RunResult(Status.IE), b"", checker) is None
    floats = CheckerSpec("float", abs_eps=1e-6, rel_eps=1e-6)
    assert run_outcome(RunResult(Status.OK), b"0.5000000001", floats) == run_outcome(RunResult(Status.OK), b"0.5",
                                                                                      floats)
    assert drop_reason(["OK:a", "RE", "TLE"]) == "probably invalid: 2 of 3 programs failed (RE 1, TLE 1)"
    assert drop_reason(["OK:a", "OK:b", "RE"]) is None
    assert drop_reason(["OK:a", None]).startswith("infrastructure failure (IE)")
    scattered = ["OK:a", "OK:b", "OK:c", "OK:d", "OK:a"]
    assert drop_reason(scattered) is None  # off by default
    assert "disagree widely" in drop_reason(scattered, min_agreement=0.5)
    assert drop_reason(["OK:a", "OK:a", "OK:a", "OK:b"], min_agreement=0.5) is None


DIVISOR_STATEMENT = "Print any divisor d of n with 1 < d.\n\nInput\n\nn (2 ≤ n ≤ 1000)\n\nOutput\n\nd\n"
CHECKER = """import sys
n = int(open(sys.argv[1]).read())
try:
    d = int(open(sys.argv[2]).read())
except ValueError:
    sys.exit(2)
sys.exit(0 if 1 < d <= n and n % d == 0 else 1)
"""


def test_custom_checker_groups_by_agreement(backend, cache):
    problem = ClusteringProblem(statement=DIVISOR_STATEMENT, public_inputs=("6\n",), public_outputs=("2\n",),
                                checker=CheckerSpec("custom", source=CHECKER, language="python3"))
    smallest = "n = int(input())\nprint(next(d for d in range(2, n + 1) if n % d == 0))\n"
    itself = "print(int(input()))\n"
    wrong = "n = int(input())\nprint(2)\n"  # right for even n only
    model = fit(backend, cache, cands(smallest, itself, wrong), problem)
    assert model.labels_[0] == model.labels_[1] != model.labels_[2]
    assert set(model.clusters_[0].signature) <= {"AGREE", "DISAGREE"}


class ReplayPolicy:
    """A policy of the shape clustering needs, replaying fixed programs (like the candidates backend)."""

    def __init__(self, programs: list[tuple[str, str]]) -> None:
        self.programs = programs
        self.prompts: list = []

    def sample(self, prompt, n, options=None):
        self.prompts.append(prompt)
        for code, language in self.programs[:n]:
            yield type("Candidate", (), {"code": code, "language": language})()


GENERATOR = """import random, sys
seed = int(sys.argv[1]) if len(sys.argv) > 1 else int(sys.stdin.read())
r = random.Random(seed)
n = r.randint(1, 6)
print(n)
print(*[r.choice([1, 2, 10**9]) for _ in range(n)])
"""


def test_model_written_generators(backend, cache):
    policy = ReplayPolicy([(GENERATOR, "python3"), ("this is not python(", "python3")])
    inputs, notes = model_inputs(policy, backend, PROBLEM, seed=1, config=ModelGeneratorConfig(programs=2,
                                 seeds_per_program=6), cache=cache)
    assert 2 <= len(inputs) <= 6 and all(i.origin == "model" for i in inputs)
    assert any("generator 1" in n for n in notes)  # the broken generator is reported, not fatal
    assert "prints ONE random valid input" in policy.prompts[0].statement
    model = fit(backend, cache, cands(SUM, WRONG_OVERFLOW), policy=ReplayPolicy([(GENERATOR, "python3")]),
                max_rounds=1)
    assert any(i.origin == "model" for i in model.inputs_)


def test_candidates_backend_policy_writes_generators(backend, cache, tmp_path):
    policy_model = pytest.importorskip("policy_model")
    path = tmp_path / "generators.jsonl"
    path.write_text(json.dumps({"code": GENERATOR, "language": "python3"}) + "\n")
    policy = policy_model.CandidatesPolicy(path)
    inputs, _ = model_inputs(policy, backend, PROBLEM, seed=2, config=ModelGeneratorConfig(programs=1), cache=cache)
    assert inputs and all(i.text.split("\n")[0].isdigit() for i in inputs)


def test_policy_written_validator(backend, cache):
    validator = "import sys\nd = list(map(int, sys.stdin.read().split()))\nsys.exit(0 if max(d[1:]) < 100 else 1)\n"
    policy = ReplayPolicy([(validator, "python3")])
    model = fit(backend, cache, cands(SUM, WRONG_OVERFLOW), policy=policy, model=ModelGeneratorConfig(programs=0),
                ask_validator=True, max_rounds=2)
    assert any(d.reason == "rejected by the validator" for d in model.dropped_)
    assert all(max(map(int, i.text.split()[1:])) < 100 for i in model.inputs_ if i.origin != "model")


# Programs that spin forever on an input breaking the statement's promise (a negative n), as real solutions do.
SPIN_ON_INVALID = "n = int(input())\nwhile n < 0:\n    pass\nprint(sum(map(int, input().split())){})\n"


def test_inputs_most_programs_spin_on_are_dropped_without_running_every_program(backend, cache):
    """An invalid input costs the first half of the programs' time-outs, not all of them; nothing else changes."""
    programs = [SPIN_ON_INVALID.format(suffix) for suffix in ("", " + 0", " * 1", " - 0", " % 2**31", " + 1")]
    candidates = cands(*programs)
    inputs = ["2\n1 2\n", "-1\n5\n", "3\n2147483647 2147483647 5\n", "-5\n1 1\n"]
    problem = ClusteringProblem(statement=STATEMENT, public_inputs=("2\n1 2\n",), public_outputs=("3\n",),
                                time_limit_s=0.25)
    model = BehaviourClustering(backend=backend, cache=cache, time_factor=1.0).fit(candidates, problem, inputs)
    print("notes:", model.notes_, "cost:", model.result_.cost)
    # Four of the six programs agree everywhere, `% 2**31` and `+ 1` differ on the big input and on every input.
    assert sorted(len(c.members) for c in model.clusters_) == [1, 1, 4]
    # Both spinning inputs were dropped after the first 4 programs (more than half) timed out on them.
    assert model.result_.cost.runs == 2 * 6 + 2 * 4
    reasons = [d.reason for d in model.result_.dropped]
    assert len(reasons) == 2 and all("the rest were not run" in r for r in reasons)


SLOW_ON_NEW = ("import time\nn = int(input())\na = list(map(int, input().split()))\n"
               "if a != [1, 2]:\n    t = time.process_time()\n    while time.process_time() - t < 0.6:\n        pass\n"
               "print(sum(a))\n")


def test_small_generated_inputs_run_under_a_short_limit(backend, cache):
    # 0.6 s of CPU on every new input: within the problem's limit, over the short limit of small inputs.
    short = fit(backend, cache, cands(SUM, SLOW_ON_NEW), max_rounds=1, inputs_per_round=3, small_input_time_s=0.3)
    assert len(short.clusters_) == 2 and "TLE" in short.clusters_[1].signature
    full = fit(backend, cache, cands(SUM, SLOW_ON_NEW), max_rounds=1, inputs_per_round=3, small_input_time_s=None)
    assert len(full.clusters_) == 1  # the problem's own limit (1 s x 2) lets it answer
    given = BehaviourClustering(backend=backend, cache=cache, small_input_time_s=0.3)
    assert len(given.fit(cands(SUM, SLOW_ON_NEW), PROBLEM, inputs=["2\n3 4\n"]).clusters_) == 1  # given: full limit
