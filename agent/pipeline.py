"""The pipeline for one problem: sample → deduplicate → compile → filter on the public tests → generate inputs
→ cluster → score → select ≤ k → (evaluation) judge on the hidden tests.

Every stage writes to the run store before the next reads it. Sampling, compiling and filtering stream in
batches (memory stays bounded however many samples are asked for; each batch's programs run on all worker
slots), and each stage first asks the store what is already done, so a killed run resumes where it stopped.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from typing import Any

from tqdm import tqdm

from agent import stages
from agent.dedupe import candidate_id
from agent.errors import CpagentError
from agent.problems.model import Problem
from agent.sources import CandidateSource
from agent.store import RunStore, StoredCandidate
from sandbox.backend import Backend
from sandbox.judge import Judge
from sandbox.verdict import Verdict


@dataclass(frozen=True)
class PipelineConfig:
    """The resolved configuration of a run, saved as config.json in its directory."""

    samples: int = 0  # 0: everything the source has (datasets); a policy needs a number
    k: int = 10  # submissions selected per problem
    seed: int = 0
    batch_size: int = 64  # samples per streaming batch: bounds memory, sets the resume granularity
    judge_hidden: bool = False  # evaluation: judge candidates on the hidden tests
    selection: str = "default"  # scorer.selection strategy name
    # "default": the scorer shipped in scorer/models (trained on problems disjoint from the measured ones);
    # a path: a file from `cpagent train-scorer`; None: no scorer, clusters ranked by size.
    scorer: str | None = "default"
    max_inputs: int = 40  # generated inputs for clustering
    backend: str = "native"
    insecure: bool = False
    jobs: int | None = None  # worker slots; None: one per core

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


SampleRow = tuple[int, str, dict[str, Any]]


def _rows(source: CandidateSource, problem: Problem, lo: int, hi: int, seed: int) -> list[SampleRow]:
    return [(index, candidate_id(sample.code, sample.language), {
        "language": sample.language, "code": sample.code, "logprob": sample.logprob,
        "num_tokens": sample.num_tokens, "label": sample.label, "meta": sample.meta})
        for index, sample in source.samples(problem, lo, hi, seed)]


def prefetched_batches(source: CandidateSource, problem: Problem, start: int, total: int, batch_size: int,
                       seed: int) -> Iterator[list[SampleRow]]:
    """The batches [start, total) of a source, the next one drawn while the caller compiles and runs this one.

    Sampling (a model on an accelerator, a server across the network) and running programs in the sandbox
    use different resources, so they overlap: a thread draws batch i+1 while batch i is judged. At most one
    finished batch waits, so memory stays bounded however many samples are asked for; a batch drawn but not
    yet stored when the run is killed is simply drawn again on resume (sources are seeded by index). The
    source's errors (an unreachable server) surface here, in the caller's thread, unchanged. A short batch
    means the source ran dry and ends the stream.
    """
    ranges = [(lo, min(lo + batch_size, total)) for lo in range(start, total, batch_size)]
    if not ranges:
        return
    handoff: queue.Queue[tuple[str, Any]] = queue.Queue(maxsize=1)
    stop = threading.Event()

    def put(item: tuple[str, Any]) -> bool:
        while not stop.is_set():
            try:
                handoff.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            for lo, hi in ranges:
                rows = _rows(source, problem, lo, hi, seed)
                if stop.is_set() or not put(("rows", rows)):
                    return
                if len(rows) < hi - lo:
                    break
        except BaseException as exc:  # handed to the consumer, which raises it in its own thread
            put(("error", exc))
            return
        put(("end", None))

    # A daemon thread: a sampler blocked in a network call must not keep the process alive after Ctrl-C.
    worker = threading.Thread(target=produce, name="cpagent-sampler", daemon=True)
    worker.start()
    try:
        while True:
            kind, value = handoff.get()
            if kind == "end":
                return
            if kind == "error":
                raise value
            yield value
    finally:
        stop.set()


def _stop_on_ie(problem: Problem, cand: StoredCandidate, out: stages.PublicOutcome) -> None:
    """A verdict still IE after the retries says the sandbox is failing, not the program: stop before it is
    stored, so no result is built on it and the same command, run again, judges that candidate afresh."""
    if out.verdict != Verdict.IE.value:
        return
    why = out.detail.get("message") or out.compile_message or "no detail"
    raise CpagentError(
        f"the sandbox kept failing (IE) on candidate {cand.candidate_id[:10]} of {problem.id}: {str(why)[:200]}",
        hint="run `cpagent doctor` to see which isolation layer fails; then run the same command again: "
             "finished work is kept and the run resumes there")


class Pipeline:
    def __init__(self, store: RunStore, config: PipelineConfig, backend: Backend, *, progress: bool = True,
                 policy: Any = None) -> None:
        self.store = store
        self.config = config
        self.backend = backend
        self.progress = progress
        self.policy = policy
        self.judge = Judge(backend)

    def _bar(self, total: int, desc: str) -> tqdm:
        return tqdm(total=total, desc=desc, unit="", leave=False, disable=not self.progress, dynamic_ncols=True)

    def _add_stage_time(self, pid: str, stage: str, count: int, started: float) -> None:
        """A stage's time over every session of a resumed run, not only the last one (which may have had
        nothing left to do)."""
        previous = self.store.stage(pid, stage)
        seconds = (previous[1] if previous else 0.0) + time.monotonic() - started
        self.store.record_stage(pid, stage, count, seconds)

    # -- stages 1-4: sample, dedupe, compile, filter (streamed) ------------------------------------
    def _process(self, problem: Problem, cands: list[StoredCandidate]) -> None:
        """Compile and filter the candidates that have no public verdict yet, on all worker slots."""
        pid = problem.id
        done = self.store.done_ids("public_verdicts", pid)
        todo = [c for c in cands if c.candidate_id not in done]
        if not todo:
            return
        started = time.monotonic()
        with self._bar(len(todo), "compile+filter") as bar:
            for cand, out in stages.retry_ie(stages.filter_public, self.judge, problem, todo):
                _stop_on_ie(problem, cand, out)
                self.store.put_compile(pid, cand.candidate_id, out.compile_status, out.compile_message,
                                       out.warnings, out.compile_s)
                self.store.put_verdict("public_verdicts", pid, cand.candidate_id, out.verdict, out.detail)
                bar.update(1)
        self._add_stage_time(pid, "filter", len(self.store.done_ids("public_verdicts", pid)), started)

    def _sample_and_filter(self, problem: Problem, source: CandidateSource) -> None:
        pid = problem.id
        total = source.total(problem, self.config.samples)
        have = self.store.num_samples(pid)
        started = time.monotonic()
        # Candidates stored before a crash but never judged come first.
        self._process(problem, self.store.candidates(pid))
        with self._bar(total, "sample") as bar:
            bar.update(have)
            for rows in prefetched_batches(source, problem, have, total, self.config.batch_size,
                                           self.config.seed):
                self.store.add_samples(pid, rows)
                bar.update(len(rows))
                self._process(problem, self.store.candidates(pid))
        self._add_stage_time(pid, "sample", self.store.num_samples(pid), started)

    # -- the whole problem -----------------------------------------------------------------------
    def run_problem(self, problem: Problem, source: CandidateSource) -> dict[str, Any]:
        pid = problem.id
        finished = self.store.problem_result(pid)
        if finished is not None:
            return finished
        self._sample_and_filter(problem, source)
        cands = self.store.candidates(pid)
        public = self.store.verdicts("public_verdicts", pid)
        passed = [c for c in cands if public.get(c.candidate_id, ("",))[0] == "AC"]

        if self.store.get_blob(pid, "clusters") is None:
            t = time.monotonic()
            clusters = stages.cluster(self.backend, problem, passed, self.config, self.policy)
            self.store.put_blob(pid, "clusters", clusters)
            self.store.record_stage(pid, "cluster", len(clusters["clusters"]), time.monotonic() - t)
        clusters = self.store.get_blob(pid, "clusters")

        if self.store.get_blob(pid, "scores") is None:
            t = time.monotonic()
            scores = stages.score(problem, cands, public, clusters, self.store.compiles(pid), self.config)
            self.store.put_blob(pid, "scores", scores)
            self.store.record_stage(pid, "score", len(scores), time.monotonic() - t)
        scores = self.store.get_blob(pid, "scores")

        if self.store.get_blob(pid, "selection") is None:
            selection = stages.select(passed, clusters, scores, self.config)
            self.store.put_blob(pid, "selection", selection)
            self.store.record_stage(pid, "select", len(selection), 0.0)
        selection = self.store.get_blob(pid, "selection")

        if self.config.judge_hidden:
            self._judge_hidden(problem, passed)
        result = stages.problem_result(problem, self.store, cands, public, clusters, scores, selection)
        self.store.finish_problem(pid, result)
        return result

    def _judge_hidden(self, problem: Problem, passed: list[StoredCandidate]) -> None:
        pid = problem.id
        done = self.store.done_ids("hidden_verdicts", pid)
        todo = [c for c in passed if c.candidate_id not in done]
        t = time.monotonic()
        with self._bar(len(todo), "judge hidden") as bar:
            for cand, out in stages.retry_ie(stages.judge_hidden, self.judge, problem, todo):
                _stop_on_ie(problem, cand, out)
                self.store.put_verdict("hidden_verdicts", pid, cand.candidate_id, out.verdict, out.detail)
                bar.update(1)
        self._add_stage_time(pid, "hidden", len(self.store.done_ids("hidden_verdicts", pid)), t)
