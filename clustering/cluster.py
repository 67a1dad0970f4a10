"""`BehaviourClustering`: run candidates on generated inputs and group identical behaviour.

The face of a scikit-learn estimator: `__init__` stores keyword parameters, `fit` learns
`clusters_`, `labels_`, `inputs_`, `dropped_`, `result_` and returns self. Inputs are generated in
rounds; generation stops early once a round of new inputs splits no cluster (`patience`), or every
program is alone. Identical programs are run once. Degenerate problems end in one cluster (or none)
with `reason_` saying why, never in an exception.
"""

from __future__ import annotations

import inspect
import itertools
import random
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from typing import Any

from sandbox.backend import Backend, open_backend
from sandbox.spec import RunResult

from clustering.comparisons import ComparisonTracer
from clustering.data import (Cluster, ClusteringCost, ClusteringProblem, ClusteringResult, ClusterCandidate,
                             Distinction, DroppedInput, GeneratedInput)
from clustering.domains import build_domains
from clustering.errors import ClusteringError
from clustering.execution import InputFiles, Limits, RunCounter, compile_program, program_output, run_matrix
from clustering.generators import GeneratorConfig, StructureGenerator, generate_inputs, iterate_inputs, raw_mutations
from clustering.model_generators import (ModelGeneratorConfig, PolicyLike, model_inputs, model_validator,
                                         validate_inputs)
from clustering.signatures import group_by_signature, is_failure, run_outcome
from clustering.inference import infer_structure
from clustering.validation import drop_reason


class BehaviourClustering:
    """Cluster programs by what they print on generated inputs.

    Args:
        backend: an open sandbox backend; None opens `backend_name` for the fit and closes it after.
        backend_name: which backend to open when none is given ("native", the secure default).
        seed: seeds every generator; the same seed and candidates give the same clusters.
        inputs_per_round: new inputs run per round.
        max_rounds: most rounds of generation (0: no generated inputs, one cluster of the runnable).
        patience: stop after this many rounds in a row that split no cluster.
        time_factor: runs get the problem's time limit times this (a slow machine must not split
            correct programs into OK and TLE).
        small_input_time_s: CPU seconds a run on a small generated input may take at most (None: the
            problem's limit times `time_factor`). Correct programs answer inputs of at most `size_cap`
            elements in milliseconds; an input that breaks a promise (`b` is lucky) can make every
            program spin, and each spin costs the full limit. Size tests and given inputs keep the limit.
        max_failure_share: drop an input when more than this share of programs fail on it.
        min_agreement: drop an input when its most common outcome covers less than this share of
            the programs (0: off; an experiment, see docs/clustering.md).
        generator: sizes of structure-generated inputs.
        policy: optional policy for model-written generators (`PolicyLike`).
        model: how many model generators and seeds.
        validator: optional (source, language) of an input validator program.
        ask_validator: with a policy and no validator, ask the policy for one (kept only if it
            accepts every public input).
        max_distinctions: inputs kept per pair of clusters for inspection.
        trace_comparisons: build C and C++ programs a second time with comparison tracing and mutate
            inputs towards the values they compare with (`clustering.comparisons`).
        trace_programs: programs traced at most, one per cluster first.
        cache: the judge layer's CompileCache, or None for the compiler's default.
    """

    def __init__(self, *, backend: Backend | None = None, backend_name: str = "native", seed: int = 0,
                 inputs_per_round: int = 16, max_rounds: int = 6, patience: int = 2, time_factor: float = 2.0,
                 small_input_time_s: float | None = 1.0,
                 max_failure_share: float = 0.5, min_agreement: float = 0.0, generator: GeneratorConfig = GeneratorConfig(),
                 policy: PolicyLike | None = None, model: ModelGeneratorConfig = ModelGeneratorConfig(),
                 validator: tuple[str, str] | None = None, ask_validator: bool = False, max_distinctions: int = 3,
                 trace_comparisons: bool = True, trace_programs: int = 12, cache: Any = None) -> None:
        self.backend = backend
        self.backend_name = backend_name
        self.seed = seed
        self.inputs_per_round = inputs_per_round
        self.max_rounds = max_rounds
        self.patience = patience
        self.time_factor = time_factor
        self.small_input_time_s = small_input_time_s
        self.max_failure_share = max_failure_share
        self.min_agreement = min_agreement
        self.generator = generator
        self.policy = policy
        self.model = model
        self.validator = validator
        self.ask_validator = ask_validator
        self.max_distinctions = max_distinctions
        self.trace_comparisons = trace_comparisons
        self.trace_programs = trace_programs
        self.cache = cache

    def get_params(self) -> dict[str, Any]:
        """The keyword parameters, as scikit-learn estimators give them (for logs and ablations)."""
        names = inspect.signature(type(self).__init__).parameters
        return {k: getattr(self, k) for k in names if k != "self"}

    # -- the fit -------------------------------------------------------------------------
    def fit(self, candidates: Sequence[ClusterCandidate], problem: ClusteringProblem,
            inputs: Sequence[str] | None = None) -> "BehaviourClustering":
        """Cluster `candidates` on `problem`. `inputs`: run on exactly these instead of generating."""
        if self.inputs_per_round < 1 or self.max_rounds < 0 or not 0 <= self.max_failure_share <= 1:
            raise ClusteringError("bad clustering parameters",
                                  hint="inputs_per_round >= 1, max_rounds >= 0, 0 <= max_failure_share <= 1")
        start = time.monotonic()
        owned = self.backend is None
        backend = self.backend or open_backend(self.backend_name)
        try:
            return self._fit(list(candidates), problem, inputs, backend, start)
        finally:
            if owned:
                backend.close()

    def _fit(self, candidates: list[ClusterCandidate], problem: ClusteringProblem, given: Sequence[str] | None,
             backend: Backend, start: float) -> "BehaviourClustering":
        counter = RunCounter()
        notes: list[str] = []
        # Dedupe: identical programs run once and share one signature.
        keys = [c.program_key() for c in candidates]
        unique: dict[str, ClusterCandidate] = {}
        for key, cand in zip(keys, candidates):
            unique.setdefault(key, cand)
        programs = list(unique)
        compiled = {}
        for key in programs:
            cand = unique[key]
            for _ in range(2):  # a compile the sandbox failed (IE) is tried once more
                compiled[key] = compile_program(backend, cand.source, cand.language, self.cache)
                counter.compiles += 1
                if compiled[key].status.value != "IE":
                    break
        runnable = [k for k in programs if compiled[k].ok]
        not_compiled = [k for k in programs if compiled[k].status.value == "IE"]
        if not_compiled:
            notes.append(f"{len(not_compiled)} program(s) could not be compiled (sandbox failure: "
                         f"{compiled[not_compiled[0]].message[:200]}): not run")
        # Per program: its outcomes on kept inputs. Non-compiling programs show their status.
        rows: dict[str, list[str]] = {k: [] for k in programs}
        kept: list[GeneratedInput] = []
        dropped: list[DroppedInput] = []
        cpu = problem.time_limit_s * self.time_factor
        if given is None and not self.generator.size_tests and self.small_input_time_s:
            cpu = min(cpu, self.small_input_time_s)
        limits = Limits(cpu, problem.memory_mb, problem.input_file, problem.output_file)
        rounds, generated, stop = 0, 0, ""
        if not candidates:
            stop = "no candidates"
        elif not runnable:
            stop = "no candidate compiled"
        self._learner: StructureGenerator | None = None
        stream = self._input_stream(problem, given, backend, counter, notes)
        if self.trace_comparisons and given is None and runnable:
            # Start the generator now, so the samples are traced before the first round draws its inputs.
            first = next(stream, None)
            stream = itertools.chain([first] if first is not None else [], stream)
        validator = self.validator
        if validator is None and self.ask_validator and self.policy is not None and runnable:
            validator = model_validator(self.policy, backend, problem, self.cache)
            notes.append("the policy's validator " + ("is used" if validator else "was not usable"))
        quiet = 0
        judge = None
        if problem.checker.kind == "custom" and runnable:
            from sandbox.checkers.custom import CustomChecker  # the judge layer's testlib checkers

            judge = CustomChecker(backend, problem.checker.source or "", problem.checker.language or "cpp17",
                                  self.cache)
        with InputFiles() as files:
            tracer = ComparisonTracer(backend, limits, files, self.cache, counter) if self.trace_comparisons else None
            while not stop:
                if tracer is not None and self._learner is not None:
                    self._trace(tracer, unique, runnable, rows, problem, {k.text for k in kept[-32:]})
                if given is None and rounds >= self.max_rounds:
                    stop = f"max_rounds={self.max_rounds} reached" if self.max_rounds else "no generated inputs asked"
                    break
                batch = list(_take(stream, len(given) if given is not None else self.inputs_per_round))
                if not batch:
                    stop = "no more inputs" if rounds else ("no inputs: " + ("; ".join(notes) or "nothing generated"))
                    break
                rounds += 1
                generated += len(batch)
                if validator is not None:
                    verdicts = validate_inputs(backend, validator, [b.text for b in batch], self.cache, counter)
                    if verdicts is None:
                        notes.append("the validator does not compile; ignored")
                        validator = None
                    else:
                        dropped.extend(DroppedInput(b, "rejected by the validator")
                                       for b, ok in zip(batch, verdicts) if not ok)
                        batch = [b for b, ok in zip(batch, verdicts) if ok]
                before = len(group_by_signature([tuple(rows[k]) for k in runnable]))
                previous = {k: tuple(rows[k]) for k in runnable}
                for item, column, reason in self._run_round(backend, [compiled[k] for k in runnable], batch,
                                                            limits, files, counter, problem, judge):
                    if reason:
                        dropped.append(DroppedInput(item, reason))
                        continue
                    kept.append(item)
                    for k, outcome in zip(runnable, column):
                        rows[k].append(outcome or "IE")
                    if self._learner is not None and _splits(previous, runnable, column):
                        self._learner.learn(item.text)
                after = len(group_by_signature([tuple(rows[k]) for k in runnable]))
                if given is not None:
                    stop = "ran the given inputs"
                elif after == len(runnable):
                    stop = "every program is alone in its cluster"
                elif after == before:
                    quiet += 1
                    if quiet >= self.patience:
                        stop = f"no split in the last {quiet} round(s)"
                else:
                    quiet = 0
        width = len(kept)
        for k in programs:
            if not compiled[k].ok:
                # CE is behaviour (the program is broken); a compile IE is not, and shows as NOT_RUN.
                status = compiled[k].status.value
                rows[k] = [status if status == "CE" else "NOT_RUN"] * width
        reason = ""
        if not candidates:
            reason = "no candidates"
        elif not runnable:
            reason = "no candidate compiled: one cluster of compile failures"
        elif not kept:
            why = stop if stop.startswith("no inputs") else f"all {len(dropped)} inputs dropped"
            if dropped and all(d.reason.startswith("probably invalid") for d in dropped):
                why = f"every input was dropped: most programs failed on each of {len(dropped)} inputs"
            reason = f"no usable inputs ({why}): programs grouped by compile outcome only"
        self._finish(candidates, keys, rows, kept, dropped, counter, generated, rounds, stop, reason,
                     len(programs), time.monotonic() - start, notes)
        return self

    def _trace(self, tracer: ComparisonTracer, unique: dict[str, ClusterCandidate], runnable: list[str],
               rows: dict[str, list[str]], problem: ClusteringProblem, recent: set[str]) -> None:
        """Trace what programs compare on the samples and on the inputs that split them, for `guided` inputs.

        Guided inputs are traced only once kept (`recent`): one dropped as probably invalid can make every
        program spin to the time limit, and its comparisons would lead further from valid inputs.
        """
        learner = self._learner
        assert learner is not None
        groups: dict[tuple[str, ...], list[str]] = {}
        for k in runnable:
            groups.setdefault(tuple(rows[k]), []).append(k)
        order = [k for depth in range(max((len(g) for g in groups.values()), default=0))
                 for g in groups.values() if depth < len(g) for k in g[depth:depth + 1]]
        chosen = [(k, unique[k].source, unique[k].language) for k in order[:self.trace_programs]]
        # Guided inputs are traced too, so a boundary can be reached in steps: `n` moved onto a value the
        # programs single out, then `k` onto what they counted for that `n`.
        texts = ([t for t in problem.public_inputs if t not in learner.traced] + learner.splitters[-4:]
                 + [t for t in learner.guided_made[-16:] if t in recent][-8:])
        for text, comparisons in tracer.trace(chosen, texts).items():
            learner.observe(text, comparisons)

    def _run_round(self, backend: Backend, programs: list[Any], batch: list[GeneratedInput], limits: Limits,
                   files: InputFiles, counter: RunCounter, problem: ClusteringProblem,
                   judge: Any) -> list[tuple[GeneratedInput, list[str | None], str | None]]:
        """Every program on every input of a round, with the drop decision per input, at the least cost.

        An input is dropped as probably invalid once more than `max_failure_share` of the programs fail on it,
        or once any run is IE. So the first floor(share * n) + 1 programs run first: where all of them fail (or
        one is IE), the input is dropped without running the rest, which are then known not to matter. Inputs
        that break a promise of the statement make every program spin to the time limit (cf/146B: a `b` that is
        not lucky), and these dominate the cost of clustering; the decisions and signatures are exactly those
        of running everything.
        """
        n = len(programs)
        probe = min(n, int(self.max_failure_share * n) + 1)
        pairs = [(b.key, b.text) for b in batch]
        if probe >= n or not batch:
            matrix = run_matrix(backend, programs, pairs, limits, files, counter)
            columns = [[matrix[i][j] for i in range(n)] for j in range(len(batch))]
        else:
            first = run_matrix(backend, programs[:probe], pairs, limits, files, counter)
            columns = [[first[i][j] for i in range(probe)] for j in range(len(batch))]
            settled = set()
            for j, results in enumerate(columns):
                outcomes = [run_outcome(r, program_output(r, limits), problem.checker) for r in results]
                if all(o is None or is_failure(o) for o in outcomes) or any(o is None for o in outcomes):
                    settled.add(j)
            open_ = [j for j in range(len(batch)) if j not in settled]
            rest = run_matrix(backend, programs[probe:], [pairs[j] for j in open_], limits, files, counter)
            for col, j in enumerate(open_):
                columns[j] += [rest[i][col] for i in range(n - probe)]
        out: list[tuple[GeneratedInput, list[str | None], str | None]] = []
        for item, results in zip(batch, columns):
            if len(results) < n:  # settled by the first programs alone
                column = [run_outcome(r, program_output(r, limits), problem.checker) for r in results]
                reason = drop_reason(column, self.max_failure_share, self.min_agreement)
                if reason and not reason.startswith("infrastructure"):
                    reason = (f"probably invalid: the first {len(results)} of {n} programs all failed "
                              f"({', '.join(sorted(set(o for o in column if o)))}); the rest were not run")
                out.append((item, column, reason or "probably invalid"))
                continue
            column = self._column(results, limits, problem, item, judge)
            out.append((item, column, drop_reason(column, self.max_failure_share, self.min_agreement)))
        return out

    def _column(self, results: list[RunResult], limits: Limits, problem: ClusteringProblem, item: GeneratedInput,
                judge: Any) -> list[str | None]:
        outputs = [program_output(r, limits) for r in results]
        column = [run_outcome(r, out, problem.checker) for r, out in zip(results, outputs)]
        if judge is not None:
            column = _agreement(column, outputs, item.text, judge)
        return column

    def _input_stream(self, problem: ClusteringProblem, given: Sequence[str] | None, backend: Backend,
                      counter: RunCounter, notes: list[str]) -> Iterator[GeneratedInput]:
        if given is not None:
            yield from (GeneratedInput(t, "given") for t in given)
            return
        if self.max_rounds == 0:
            return
        structure = infer_structure(list(problem.public_inputs), problem.statement)
        model: list[GeneratedInput] = []
        if self.policy is not None:
            model, model_notes = model_inputs(self.policy, backend, problem, self.seed, self.model, self.cache,
                                              counter)
            notes.extend(model_notes[:5])
        exclude = set(problem.public_inputs) | {m.text for m in model}
        budget = self.inputs_per_round * max(self.max_rounds, 1)
        if structure is None:
            if not problem.public_inputs:
                notes.append("no public inputs to infer the input structure from")
                yield from model
                return
            notes.append("could not infer the input structure: character mutations only")
            generated = generate_inputs(raw_mutations(problem.public_inputs, self.seed), budget, self.seed, exclude)
        else:
            domains = build_domains(structure, problem.public_inputs, problem.statement)
            gen = StructureGenerator(structure, domains, problem.public_inputs, self.generator)
            self._learner = gen
            generated = iterate_inputs(gen, budget, self.seed, exclude)
        # Interleave model inputs with structure inputs so every round sees both.
        rng = random.Random(self.seed)
        rng.shuffle(model)
        mi = 0
        for i, item in enumerate(generated):
            if mi < len(model) and i % 3 == 0:
                yield model[mi]
                mi += 1
            yield item
        yield from model[mi:]

    def _finish(self, candidates: list[ClusterCandidate], keys: list[str], rows: dict[str, list[str]],
                kept: list[GeneratedInput], dropped: list[DroppedInput], counter: RunCounter, generated: int,
                rounds: int, stop: str, reason: str, n_programs: int, wall_s: float, notes: list[str]) -> None:
        signatures = [tuple(rows[k]) for k in keys]
        groups = group_by_signature(signatures) if candidates else []
        clusters: list[Cluster] = []
        labels = [0] * len(candidates)
        for index, group in enumerate(groups):
            for i in group:
                labels[i] = index
            sig = signatures[group[0]]
            distinctions = tuple(
                Distinction(j, tuple(kept[p].key for p, (a, b) in enumerate(zip(sig, clusters[j].signature))
                                     if a != b)[: self.max_distinctions])
                for j in range(index))
            clusters.append(Cluster(index, tuple(candidates[i].id for i in group), sig, distinctions))
        cost = ClusteringCost(n_programs, counter.compiles, counter.runs, wall_s, rounds, generated, len(kept), stop)
        self.clusters_ = tuple(clusters)
        self.labels_ = tuple(labels)
        self.inputs_ = tuple(kept)
        self.dropped_ = tuple(dropped)
        self.reason_ = reason
        self.notes_ = tuple(notes)
        self.result_ = ClusteringResult(self.clusters_, self.labels_, self.inputs_, self.dropped_, cost, reason,
                                        self.notes_)

    def to_json(self) -> dict[str, Any]:
        if not hasattr(self, "result_"):
            raise ClusteringError("the clustering has not been fit", hint="call fit(candidates, problem) first")
        return self.result_.to_json()


def _splits(previous: dict[str, tuple[str, ...]], programs: list[str], column: list[str | None]) -> bool:
    """Whether an input's outcomes differ between programs that agreed on every input before the round."""
    seen: dict[tuple[str, ...], str | None] = {}
    for k, outcome in zip(programs, column):
        sig = previous[k]
        if seen.setdefault(sig, outcome) != outcome:
            return True
    return False


def _take(stream: Iterator[GeneratedInput], n: int) -> Iterator[GeneratedInput]:
    for _ in range(n):
        try:
            yield next(stream)
        except StopIteration:
            return


def _agreement(column: list[str | None], outputs: list[bytes], input_text: str, judge: Any) -> list[str | None]:
    """Several answers may be right: each OK output becomes AGREE or DISAGREE with a reference.

    The reference is an output of the most common answer on this input; the custom checker judges
    every other answer against it, so programs that print different but acceptable answers group.
    """
    answers = Counter(o for o in column if o is not None and o.startswith("OK:"))
    if not answers:
        return column
    top = answers.most_common(1)[0][0]
    reference = outputs[column.index(top)]
    out: list[str | None] = []
    verdicts: dict[str, str | None] = {top: "AGREE"}
    for outcome, output in zip(column, outputs):
        if outcome is None or not outcome.startswith("OK:"):
            out.append(outcome)
            continue
        if outcome not in verdicts:
            result = judge.check(input_text.encode(), output, reference)
            verdict = result.verdict.value
            verdicts[outcome] = None if verdict == "IE" else ("AGREE" if verdict == "AC" else "DISAGREE")
        out.append(verdicts[outcome])
    return out
