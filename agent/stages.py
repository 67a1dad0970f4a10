"""The pipeline's stages as functions over plain data: adapters between the run store's records and the
judge, clustering and scorer packages. No storage here; `agent.pipeline` decides what runs and records it.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from agent.problems.model import Problem, TestCase
from agent.store import RunStore, StoredCandidate
from sandbox.backend import Backend
from sandbox.checkers.spec import CheckerSpec
from sandbox.judge import Judge, JudgeReport, JudgeTest
from sandbox.verdict import Verdict

if False:  # pragma: no cover - typing only
    from agent.pipeline import PipelineConfig


@dataclass(frozen=True)
class PublicOutcome:
    compile_status: str
    compile_message: str
    warnings: str
    compile_s: float
    verdict: str
    detail: dict[str, Any]


def judge_tests(tests: Sequence[TestCase]) -> list[JudgeTest]:
    return [JudgeTest(t.name or f"{i + 1:02d}", t.input.encode(), None if t.output is None else t.output.encode())
            for i, t in enumerate(tests)]


def _judge_kwargs(problem: Problem) -> dict[str, Any]:
    return {"checker": problem.checker, "time_limit_s": problem.time_limit_s, "memory_mb": problem.memory_mb,
            "input_file": problem.input_file, "output_file": problem.output_file}


def _outcome(report: JudgeReport) -> PublicOutcome:
    failure = report.first_failure
    detail = {"passed": report.passed, "tests": len(report.tests),
              "max_cpu_s": round(report.max_cpu_s, 4), "max_memory_mb": round(report.max_memory_mb, 2)}
    if failure is not None:
        detail["failed_test"] = failure.name
        detail["message"] = failure.checker_message[:300]
    comp = report.compile
    return PublicOutcome(comp.status.value, comp.message[:2000], comp.warnings[:2000], comp.compile_s,
                         report.verdict.value, detail)


def _run_tests(judge: Judge, problem: Problem, tests: list[JudgeTest],
               cands: Sequence[StoredCandidate]) -> Iterator[tuple[StoredCandidate, PublicOutcome]]:
    """Compile every candidate and run it on `tests`, stopping at its first failure.

    Interactive problems go through the interactor one program at a time; the rest are batched over the
    worker slots. Results come back in the order of `cands`.
    """
    if problem.interactive:
        assert problem.interactor is not None
        for cand in cands:
            report = judge.judge(cand.code, cand.language, tests, stop_at_first_failure=True,
                                 interactor=(problem.interactor.source, problem.interactor.language),
                                 **_judge_kwargs(problem))
            yield cand, _outcome(report)
        return
    reports = judge.judge_many([(c.code, c.language) for c in cands], tests, stop_at_first_failure=True,
                               **_judge_kwargs(problem))
    for cand, report in zip(cands, reports):
        yield cand, _outcome(report)


def retry_ie(stage: Any, judge: Judge, problem: Problem, cands: Sequence[StoredCandidate],
             attempts: int = 2) -> Iterator[tuple[StoredCandidate, PublicOutcome]]:
    """Run a judging stage, then run again the candidates whose verdict was IE (the sandbox failed, so the
    verdict says nothing about the program). What is still IE after that is reported as IE, never as AC/WA."""
    pending = list(cands)
    for attempt in range(attempts + 1):
        retry = []
        for cand, out in stage(judge, problem, pending):
            if out.verdict == Verdict.IE.value and attempt < attempts:
                retry.append(cand)
            else:
                yield cand, out
        if not retry:
            return
        pending = retry


def filter_public(judge: Judge, problem: Problem,
                  cands: Sequence[StoredCandidate]) -> Iterator[tuple[StoredCandidate, PublicOutcome]]:
    """The filtering stage: the public tests (the examples of the statement)."""
    return _run_tests(judge, problem, judge_tests(problem.public_tests), cands)


def judge_hidden(judge: Judge, problem: Problem,
                 cands: Sequence[StoredCandidate]) -> Iterator[tuple[StoredCandidate, PublicOutcome]]:
    """The evaluation's verdict on the hidden tests (the samples when a problem has no hidden tests)."""
    return _run_tests(judge, problem, judge_tests(problem.all_tests), cands)


# -- clustering ------------------------------------------------------------------------------------
def cluster(backend: Backend, problem: Problem, passed: Sequence[StoredCandidate], config: "PipelineConfig",
            policy: Any = None) -> dict[str, Any]:
    """Cluster the candidates that passed the public tests by their behaviour on generated inputs."""
    from clustering import BehaviourClustering, ClusterCandidate, ClusteringProblem

    ids = [c.candidate_id for c in passed]
    if not passed:
        return {"clusters": [], "labels": [], "inputs": [], "dropped": [], "cost": None,
                "reason": "no candidate passed the public tests", "candidate_ids": []}
    if problem.interactive:
        # Behaviour on new inputs needs the interactor to answer them: one cluster, ranked by the scorer.
        return {"clusters": [{"index": 0, "members": ids, "signature": [], "distinctions": []}],
                "labels": [0] * len(ids), "inputs": [], "dropped": [], "cost": None,
                "reason": "interactive problem: programs are not run on generated inputs", "candidate_ids": ids}
    cp = ClusteringProblem(
        statement=problem.statement,
        public_inputs=tuple(t.input for t in problem.public_tests),
        public_outputs=tuple(t.output or "" for t in problem.public_tests),
        checker=problem.checker, time_limit_s=problem.time_limit_s, memory_mb=problem.memory_mb,
        input_file=problem.input_file, output_file=problem.output_file,
    )
    model = BehaviourClustering(backend=backend, seed=config.seed, policy=policy)
    model.fit([ClusterCandidate(c.candidate_id, c.code, c.language) for c in passed], cp)
    data = model.to_json()
    data["candidate_ids"] = ids
    data["showcase"] = _showcase(Judge(backend), problem, model, {c.candidate_id: c for c in passed})
    return data


def _showcase(judge: Judge, problem: Problem, model: Any, by_id: Mapping[str, StoredCandidate],
              max_inputs: int = 6, max_clusters: int = 12, text_limit: int = 2000) -> dict[str, Any]:
    """What each cluster's representative prints on the inputs that tell clusters apart, for the report."""
    keys: list[str] = []
    for cl in model.clusters_:
        for d in cl.distinctions:
            keys.extend(k for k in d.input_keys if k not in keys)
    keys = keys[:max_inputs]
    texts = {i.key: i.text for i in model.inputs_}
    keys = [k for k in keys if k in texts]
    reps = [(cl.index, by_id[cl.members[0]]) for cl in model.clusters_[:max_clusters] if cl.members[0] in by_id]
    if not keys or len(reps) < 2:
        return {"inputs": [], "outputs": {}}
    tests = [JudgeTest(k, texts[k].encode(), None) for k in keys]
    # Outputs are shown, not judged: the plain token checker never runs a custom checker on them.
    kwargs = {**_judge_kwargs(problem), "checker": CheckerSpec()}
    reports = judge.judge_many([(c.code, c.language) for _, c in reps], tests, **kwargs)
    outputs: dict[str, dict[str, str]] = {}
    for (index, _), report in zip(reps, reports):
        row: dict[str, str] = {}
        for test in report.tests:
            run = test.run
            if run is None or run.status.value != "OK":
                row[test.name] = f"[{run.status.value if run else test.verdict.value}]"
                continue
            out = run.file(problem.output_file) if problem.output_file else run.stdout
            row[test.name] = (out or b"").decode("utf-8", errors="replace")[:text_limit]
        outputs[str(index)] = row
    return {"inputs": [{"key": k, "text": texts[k][:text_limit]} for k in keys], "outputs": outputs}


def _cluster_members(clusters: Mapping[str, Any]) -> list[list[str]]:
    return [list(dict.fromkeys(c["members"])) for c in clusters.get("clusters", [])]


def cluster_of(clusters: Mapping[str, Any]) -> dict[str, int]:
    return {m: i for i, members in enumerate(_cluster_members(clusters)) for m in members}


# -- scoring and selection -------------------------------------------------------------------------
def score(problem: Problem, cands: Sequence[StoredCandidate], public: Mapping[str, tuple[str, dict[str, Any]]],
          clusters: Mapping[str, Any], compiles: Mapping[str, tuple[str, str, str, float]],
          config: "PipelineConfig") -> dict[str, float]:
    """P(correct) per candidate that passed the public tests, from the learned scorer the config names.

    "default" is the scorer shipped with the package; where it cannot be used (not shipped, or trained by
    another version) there are no scores and selection falls back on cluster sizes, as with no scorer at all:
    the selection's note says so.
    """
    if not config.scorer:
        return {}
    from types import SimpleNamespace

    from scorer import CandidateRecord, load_scorer
    from scorer.default import load_default
    from scorer.pool import pool_from_clustering

    model = load_default() if config.scorer == "default" else load_scorer(config.scorer)
    if model is None:
        return {}

    records = [
        CandidateRecord(
            id=c.candidate_id, code=c.code, language=c.language, count=c.count, logprob=c.logprob,
            num_tokens=c.num_tokens,
            warnings=compiles[c.candidate_id][2] if c.candidate_id in compiles else None,
            passed_public=public.get(c.candidate_id, ("",))[0] == "AC",
            # As `cpagent train-scorer` fills them: the maxima over the public tests.
            cpu_s=public.get(c.candidate_id, ("", {}))[1].get("max_cpu_s"),
            memory_mb=public.get(c.candidate_id, ("", {}))[1].get("max_memory_mb"),
        )
        for c in cands
    ]
    result = SimpleNamespace(clusters=[SimpleNamespace(members=cl["members"], signature=cl["signature"])
                                       for cl in clusters.get("clusters", [])])
    pool = pool_from_clustering(problem.id, records, result, statement=problem.statement)
    return model.score_pool(pool)


def select(passed: Sequence[StoredCandidate], clusters: Mapping[str, Any], scores: Mapping[str, float],
           config: "PipelineConfig") -> dict[str, Any]:
    from scorer import get_strategy

    counts = {c.candidate_id: c.count for c in passed}
    members = _cluster_members(clusters)
    sizes = [sum(counts.get(m, 1) for m in group) for group in members]
    kwargs: dict[str, Any] = {"seed": config.seed} if config.selection == "random" else {}
    strategy = get_strategy(config.selection, **kwargs)
    selection = strategy.select(members, scores or None, k=config.k, sizes=sizes)
    return selection.to_json()


# -- the per-problem record of results.json -----------------------------------------------------------
def problem_result(problem: Problem, store: RunStore, cands: Sequence[StoredCandidate],
                   public: Mapping[str, tuple[str, dict[str, Any]]], clusters: Mapping[str, Any],
                   scores: Mapping[str, float], selection: Mapping[str, Any]) -> dict[str, Any]:
    hidden = store.verdicts("hidden_verdicts", problem.id)
    where = cluster_of(clusters)
    compiles = store.compiles(problem.id)
    selected = list(selection.get("ids", []))

    def correct(cid: str, label: str | None) -> bool | None:
        if cid in hidden and hidden[cid][0] != Verdict.IE.value:
            return hidden[cid][0] == Verdict.AC.value
        return None if label is None else label == "correct"

    labels = {c.candidate_id: c.label for c in cands}
    verdicts = [correct(cid, labels.get(cid)) for cid in selected]
    solved: bool | None = any(v is True for v in verdicts)
    if not solved and any(v is None for v in verdicts):
        solved = None  # some selected submission was never judged and has no label
    return {
        "id": problem.id,
        "name": problem.name,
        "solved": solved,
        "n_samples": store.num_samples(problem.id),
        "n_candidates": len(cands),
        "n_compiled": sum(1 for s in compiles.values() if s[0] == "OK"),
        "n_passed_public": sum(1 for v in public.values() if v[0] == "AC"),
        "n_clusters": len(clusters.get("clusters", [])),
        "selected": selected,
        "selection": {"strategy": selection.get("strategy"), "note": selection.get("note", "")},
        "clustering": {"reason": clusters.get("reason", ""), "cost": clusters.get("cost")},
        "scored": bool(scores),
        "candidates": [
            {
                "id": c.candidate_id,
                "language": c.language,
                "count": c.count,
                "label": c.label,
                "passed_public": public.get(c.candidate_id, ("",))[0] == "AC",
                "public_verdict": public.get(c.candidate_id, (None,))[0],
                "cluster": where.get(c.candidate_id),
                "score": scores.get(c.candidate_id),
                "hidden_verdict": hidden[c.candidate_id][0] if c.candidate_id in hidden else None,
                "logprob": c.logprob,
            }
            for c in cands
        ],
        "stages": store.stages(problem.id),
    }
