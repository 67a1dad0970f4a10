"""Sampling overlaps judging: the next batch is drawn while the current one runs, in order, memory bounded."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from agent.errors import CpagentError
from agent.pipeline import prefetched_batches
from agent.problems.model import Problem
from agent.sources import Sample

PROBLEM = Problem(id="p", name="p")


class RecordingSource:
    """A source that records which batches were asked for, and can stall, fail or run dry."""

    name = "recording"

    def __init__(self, size: int, *, fail_at: int | None = None, gate: dict[int, threading.Event] | None = None):
        self.size = size
        self.fail_at = fail_at
        self.gate = gate or {}
        self.started: list[int] = []
        self.started_event: dict[int, threading.Event] = {}

    def total(self, problem: Problem, requested: int) -> int:
        return self.size

    def samples(self, problem: Problem, start: int, stop: int, seed: int) -> Iterator[tuple[int, Sample]]:
        self.started.append(start)
        self.started_event.setdefault(start, threading.Event()).set()
        if start in self.gate:
            assert self.gate[start].wait(10), "the consumer never released this batch"
        if self.fail_at is not None and start >= self.fail_at:
            raise CpagentError("policy server unreachable", hint="start it")
        for index in range(start, min(stop, self.size)):
            yield index, Sample(code=f"int main(){{return {index};}}", language="c11")


def test_batches_arrive_in_order_with_every_index_once() -> None:
    source = RecordingSource(10)
    batches = list(prefetched_batches(source, PROBLEM, 0, 10, 3, seed=1))
    assert [[row[0] for row in rows] for rows in batches] == [[0, 1, 2], [3, 4, 5], [6, 7, 8], [9]]
    assert len({row[1] for rows in batches for row in rows}) == 10


def test_resume_starts_at_the_first_missing_index() -> None:
    source = RecordingSource(10)
    batches = list(prefetched_batches(source, PROBLEM, 6, 10, 3, seed=1))
    assert [row[0] for rows in batches for row in rows] == [6, 7, 8, 9]
    assert list(prefetched_batches(source, PROBLEM, 10, 10, 3, seed=1)) == []


def test_the_next_batch_is_sampled_while_the_current_one_is_processed() -> None:
    source = RecordingSource(9)
    stream = prefetched_batches(source, PROBLEM, 0, 9, 3, seed=0)
    first = next(stream)
    assert [row[0] for row in first] == [0, 1, 2]
    # While the caller still holds batch 0 (it would be compiling and running it), batch 1 is being drawn.
    assert source.started_event.setdefault(3, threading.Event()).wait(10)
    assert [row[0] for rows in stream for row in rows] == [3, 4, 5, 6, 7, 8]


def test_at_most_one_finished_batch_waits() -> None:
    gate = {6: threading.Event()}
    source = RecordingSource(12, gate=gate)
    stream = prefetched_batches(source, PROBLEM, 0, 12, 3, seed=0)
    next(stream)  # batch 0 taken; batch 3 finished and waiting; batch 6 started and held
    assert source.started_event.setdefault(6, threading.Event()).wait(10)
    assert 9 not in source.started  # nothing beyond one batch ahead plus the one being drawn
    gate[6].set()
    assert [row[0] for rows in stream for row in rows] == [3, 4, 5, 6, 7, 8, 9, 10, 11]


def test_a_source_error_reaches_the_caller_after_the_good_batches() -> None:
    source = RecordingSource(9, fail_at=6)
    stream = prefetched_batches(source, PROBLEM, 0, 9, 3, seed=0)
    got = [next(stream), next(stream)]
    assert [row[0] for rows in got for row in rows] == [0, 1, 2, 3, 4, 5]
    with pytest.raises(CpagentError, match="unreachable"):
        next(stream)


def test_a_short_batch_ends_the_stream() -> None:
    source = RecordingSource(4)  # says nothing of its size to the stream: it runs dry at 4
    batches = list(prefetched_batches(source, PROBLEM, 0, 12, 3, seed=0))
    assert [row[0] for rows in batches for row in rows] == [0, 1, 2, 3]
    assert 6 not in source.started


def test_closing_the_stream_early_stops_the_sampler() -> None:
    source = RecordingSource(30)
    stream = prefetched_batches(source, PROBLEM, 0, 30, 3, seed=0)
    next(stream)
    stream.close()
    threading.Event().wait(0.5)
    assert len(source.started) <= 3  # the one taken, the one waiting, at most one being drawn


def _candidates_file(tmp_path, sources: list[tuple[str, str]]):
    import json

    path = tmp_path / "candidates.jsonl"
    path.write_text("".join(json.dumps({"code": code, "language": lang}) + "\n" for code, lang in sources))
    return path


def test_a_candidates_file_is_walked_batch_after_batch(tmp_path) -> None:
    """Each batch continues where the last stopped: every line once, never the first lines again."""
    from agent.sources import PolicySource
    from policy_model import make_policy

    lines = [(f"print({i})\n", "python3") for i in range(10)]
    source = PolicySource(make_policy(f"candidates:{_candidates_file(tmp_path, lines)}"), batch_size=3,
                          language="python3")
    got = [sample.code for _, sample in source.samples(PROBLEM, 0, 10, seed=0)]
    assert got == [code for code, _ in lines]
    resumed = [(i, sample.code) for i, sample in source.samples(PROBLEM, 7, 10, seed=0)]
    assert resumed == [(7, "print(7)\n"), (8, "print(8)\n"), (9, "print(9)\n")]


def test_solve_with_small_batches_sees_every_candidate_of_the_file(tmp_path, capsys) -> None:
    """The real CLI, streaming in batches of 2 over a file of 7 programs: all 7 are sampled and judged."""
    import json
    from pathlib import Path

    from agent.cli import main

    examples = Path(__file__).resolve().parents[1] / "examples" / "two-sums" / "submissions"
    programs = sorted(p for p in examples.rglob("*") if p.suffix in (".cpp", ".py"))
    lang = {".cpp": "cpp17", ".py": "python3"}
    path = _candidates_file(tmp_path, [(p.read_text(), lang[p.suffix]) for p in programs])
    run_dir = tmp_path / "run"
    code = main(["solve", str(examples.parent), "--policy", f"candidates:{path}", "-n", str(len(programs)),
                 "--batch-size", "2", "-o", str(run_dir), "--json"])
    assert code == 0
    data = json.loads(capsys.readouterr().out)
    assert data["counts"]["n_samples"] == len(programs)
    assert data["counts"]["n_candidates"] == len(programs)  # distinct programs: no batch repeated the first
    assert data["counts"]["n_passed_public"] >= 2  # both accepted programs got through the filter
