"""Training end to end through the real CLI, in subprocesses (each with its own JAX device setup):
bit-exact resume after SIGKILL, 4 CPU devices and two loopback hosts matching one device, a failed or hung
host ending the other with a clear message, damaged checkpoints refused (and the way back to the step
before), meshes that do not fit, bfloat16 compute, and fine-tuning with GOLD on solution tokens only.

The runs share a persistent XLA compilation cache, so each distinct step is compiled once per session;
what needs no subprocess of its own (refusals before training, bfloat16) runs in this process.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
TIMEOUT = 900  # bounded, but generous: the shared 2-core machine is often heavily loaded


@pytest.fixture(scope="module")
def work(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A corpus of our own Python sources, a tokenizer trained on it, and a base config."""
    from pretrain import build_corpus, train_tokenizer_on_corpus

    root = tmp_path_factory.mktemp("pretrain")
    build_corpus([str(REPO / "pretrain"), str(REPO / "policy_model")], root / "corpus")
    train_tokenizer_on_corpus(root / "corpus", 384).save(root / "tok.model")
    (root / "cache").mkdir()
    return root


def _config(work: Path, name: str, **changes) -> Path:
    cfg = {
        "run_dir": f"runs/{name}",
        "tokenizer": str(work / "tok.model"),
        "model": "tiny",
        "model_overrides": {"num_layers": 1},
        "data": {"seq_len": 32, "seed": 1, "sources": [{"name": "code", "corpus": str(work / "corpus")}]},
        "batch_size": 8,
        "steps": 10,
        "optim": {"warmup_steps": 3, "learning_rate": 0.003, "accum_steps": 2},
        "checkpoint": {"every": 3, "keep": 2},
        "sdc_every": 4,
    }
    cfg.update(changes)
    path = work / f"{name}.yaml"
    path.write_text(yaml.safe_dump(cfg))
    return path


def _env(work: Path, devices: int = 1) -> dict[str, str]:
    env = dict(
        os.environ,
        JAX_PLATFORMS="cpu",
        JAX_COMPILATION_CACHE_DIR=str(work / "cache"),
        JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS="0",
        XLA_FLAGS=f"--xla_force_host_platform_device_count={devices}",
    )
    env.pop("PYTEST_CURRENT_TEST", None)
    return env


def _cpagent(args: list[str], work: Path, devices: int = 1) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "agent", *args],
        check=False,
        cwd=work,
        env=_env(work, devices),
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )


def _metrics(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


@pytest.fixture(scope="module")
def baseline(work: Path) -> dict:
    """The uninterrupted single-device run every other run is compared with."""
    proc = _cpagent(["train", "pretrain", str(_config(work, "base")), "--json"], work)
    assert proc.returncode == 0, proc.stderr[-3000:]
    result = json.loads(proc.stdout)
    return {"result": result, "metrics": _metrics(Path(result["metrics"]))}


def test_pretraining_learns_and_exports_a_policy(baseline: dict) -> None:
    m = baseline["metrics"]
    assert [r["step"] for r in m] == list(range(1, 11))
    assert m[-1]["loss"] < m[0]["loss"] - 0.3  # it learns (from ln(384) ~ 5.95)
    assert m[0]["learning_rate"] == 0.0 and m[3]["learning_rate"] == pytest.approx(
        0.003
    )  # warmup, then cosine
    assert all(r["tokens"] == 8 * 32 and r["grad_norm"] > 0 and r["tokens_per_s"] > 0 for r in m)
    # Saved every 3 steps and at the end, keeping the last 2.
    ckpts = Path(baseline["result"]["run_dir"]) / "checkpoints"
    assert sorted(int(p.name) for p in ckpts.iterdir() if p.name.isdigit()) == [9, 10]
    from policy_model import load_checkpoint

    ckpt = load_checkpoint(baseline["result"]["export"])
    assert ckpt.config.num_layers == 1 and ckpt.tokenizer.vocab_size == 384


def test_sigkill_then_resume_continues_bit_for_bit(work: Path, baseline: dict) -> None:
    cfg = _config(work, "killed")
    run = work / "runs" / "killed"
    proc = subprocess.Popen(
        [sys.executable, "-m", "agent", "train", "pretrain", str(cfg), "--resume", "--json"],
        cwd=work,
        env=_env(work),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + TIMEOUT
    try:
        while time.monotonic() < deadline and proc.poll() is None:
            done = (run / "metrics.jsonl").is_file() and len(
                (run / "metrics.jsonl").read_text().splitlines()
            ) >= 5
            if done and (run / "checkpoints" / "3").is_dir():
                break
            time.sleep(0.05)
        assert proc.poll() is None, "the run ended before it could be killed: " + (
            proc.stderr.read() if proc.stderr else ""
        )
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.wait(10)
    assert len(_metrics(run / "metrics.jsonl")) < 10
    again = _cpagent(["train", "pretrain", str(cfg), "--resume", "--json"], work)
    assert again.returncode == 0, again.stderr[-3000:]
    result = json.loads(again.stdout)
    assert result["resumed_from"] in (3, 6, 9)
    got, want = _metrics(run / "metrics.jsonl"), baseline["metrics"]
    assert [r["step"] for r in got] == list(range(1, 11))
    for key in ("loss", "grad_norm", "learning_rate", "tokens"):
        assert [r[key] for r in got] == [r[key] for r in want], key  # bit for bit, not approximately


def test_four_devices_match_one_device(work: Path, baseline: dict) -> None:
    cfg = _config(work, "mesh4", mesh={"data": 1, "fsdp": 2, "tensor": 2})
    proc = _cpagent(["train", "pretrain", str(cfg), "--json"], work, devices=4)
    assert proc.returncode == 0, proc.stderr[-3000:]
    got = [r["loss"] for r in _metrics(Path(json.loads(proc.stdout)["metrics"]))]
    want = [r["loss"] for r in baseline["metrics"]]
    np.testing.assert_allclose(got, want, rtol=2e-5)


def _cli_in_process(args: list[str], work: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    """`cpagent ARGS` in this process (for commands that stop before training): status and stderr."""
    import logging

    from agent.cli import main

    loggers = [logging.getLogger(name) for name in ("", "absl", "asyncio")]
    saved = [(lg, lg.handlers[:], lg.propagate) for lg in loggers]
    cwd = os.getcwd()
    os.chdir(work)
    try:
        status = main(args)
    finally:
        os.chdir(cwd)
        for lg, handlers, propagate in saved:  # the command sends library logs to a file
            lg.handlers[:] = handlers
            lg.propagate = propagate
    return status, capsys.readouterr().err


def test_mesh_that_does_not_fit_is_refused(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, err = _cli_in_process(
        ["train", "pretrain", str(_config(work, "bad_mesh", mesh={"data": -1, "tensor": 3}))], work, capsys
    )
    assert status == 2
    assert "[FAILURE] mesh {'data': -1, 'fsdp': 1, 'tensor': 3} does not fit" in err
    assert "[HINT]" in err and "Traceback" not in err
    from types import SimpleNamespace

    from pretrain import PretrainError
    from pretrain._sharding import batch_sharding

    with pytest.raises(PretrainError, match="the batch does not fit the mesh: 3 sequences per micro-batch"):
        batch_sharding(SimpleNamespace(shape={"data": 4, "fsdp": 1, "tensor": 1}), 6, 3)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start_hosts(work: Path, cfg: Path, *extra: str) -> list[subprocess.Popen[str]]:
    """Two training processes on loopback, one CPU device each."""
    port = _free_port()
    return [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "agent",
                "train",
                "pretrain",
                str(cfg),
                "--json",
                "--coordinator",
                f"127.0.0.1:{port}",
                "--num-processes",
                "2",
                "--process-id",
                str(i),
                *extra,
            ],
            cwd=work,
            env=_env(work, devices=1),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for i in range(2)
    ]


def _end(procs: list[subprocess.Popen[str]]) -> None:
    for p in procs:
        if p.poll() is None:
            p.kill()
        p.communicate()


def test_a_silent_process_0_is_named_as_the_coordinator_whichever_clock_runs_out_first() -> None:
    """Process 0 hosts the coordinator: when it hangs, its heartbeat and our own calls go silent together,
    and which timeout fires first is a race. The message names the coordinator either way, and names a
    silent worker (or a silent process 0 whose coordinator still answers) by its number."""
    from pretrain._hosts import Watchdog

    dog = Watchdog(client=None, process_id=1, num_processes=3, timeout_s=5, hint="")
    assert "the coordinator (process 0) has not answered for 5 s" in dog._silence(0, 6.0, 5.0)
    assert dog._silence(0, 6.0, 0.1) == "process 0 has sent no heartbeat for 6 s"
    assert dog._silence(2, 6.0, 5.0) == "process 2 has sent no heartbeat for 6 s"


def test_two_hosts_on_loopback_match_one_device(work: Path, baseline: dict) -> None:
    procs = _start_hosts(work, _config(work, "hosts", mesh={"data": -1, "fsdp": 2, "tensor": 1}))
    outs = []
    try:
        for p in procs:
            outs.append(p.communicate(timeout=TIMEOUT))
    finally:
        _end(procs)
    assert [p.returncode for p in procs] == [0, 0], outs[0][1][-2000:] + outs[1][1][-2000:]
    got = [r["loss"] for r in _metrics(work / "runs" / "hosts" / "metrics.jsonl")]
    np.testing.assert_allclose(got, [r["loss"] for r in baseline["metrics"]], rtol=2e-5)
    # The seal is written once every process has written its part: it covers both processes' files.
    from pretrain._integrity import SEAL, check_seal

    step = work / "runs" / "hosts" / "checkpoints" / "10"
    assert check_seal(step) is None
    assert any("process_1" in f for f in json.loads((step / SEAL).read_text())["files"])


@pytest.mark.parametrize(
    ("victim", "how"),
    [(1, signal.SIGKILL), (0, signal.SIGKILL), (0, signal.SIGSTOP)],
    ids=["worker-killed", "coordinator-killed", "coordinator-hangs"],
)
def test_a_failed_host_ends_the_other_with_a_clear_message(work: Path, victim: int, how: int) -> None:
    """One of two processes dies (its connections reset) or hangs (silent): the other must not wait for it
    but end with one [FAILURE] line, a hint to resume, and status 2, within its heartbeat timeout; never
    with JAX's own fatal log and abort, which races our checks when a peer is killed outright."""
    name = f"host{victim}fails{how}"
    cfg = _config(
        work,
        name,
        steps=100_000,
        checkpoint={"every": 2, "keep": 1},
        sdc_every=0,
        export="",
        mesh={"data": -1, "fsdp": 2, "tensor": 1},
    )
    metrics = work / "runs" / name / "metrics.jsonl"
    procs = _start_hosts(work, cfg, "--heartbeat-timeout", "5")
    survivor = procs[1 - victim]
    try:
        deadline = time.monotonic() + TIMEOUT
        while not (metrics.is_file() and len(metrics.read_text().splitlines()) >= 3):
            assert time.monotonic() < deadline and all(p.poll() is None for p in procs), "no training steps"
            time.sleep(0.1)
        procs[victim].send_signal(how)
        # Bounded: a hang here is the failure this test exists for (the timeout raises).
        _, err = survivor.communicate(timeout=120)
    finally:
        _end(procs)
    assert survivor.returncode == 2, err[-3000:]
    assert err.count("[FAILURE]") == 1 and "another training process failed" in err, err[-3000:]
    if how == signal.SIGSTOP:
        assert "the coordinator (process 0) has not answered" in err
    assert "[HINT] start every process again with the same command and --resume" in err
    assert "Traceback" not in err
    # JAX's runtime log (its fatal line and stack trace included) goes to a file of the run, not the terminal.
    assert not re.search(r"^[IWEF]\d{4} \d\d:\d\d", err, re.M) and "stack trace" not in err, err[-3000:]
    assert (work / "runs" / name / f"jax_runtime.process_{1 - victim}.log").is_file()


def test_the_coordinator_dying_at_startup_ends_the_other_with_one_line(work: Path) -> None:
    """Process 0 dies once both have joined, before any collective: no reset connection tells the other,
    but JAX's runtime aborts it at once (its coordination service is gone). That ends in our one line and
    status 2 as well, with JAX's fatal log in the run's runtime log, not on the terminal."""
    name = "coordinator-dies-early"
    cfg = _config(
        work, name, steps=100_000, sdc_every=0, export="", mesh={"data": -1, "fsdp": 2, "tensor": 1}
    )
    procs = _start_hosts(work, cfg, "--heartbeat-timeout", "5")
    try:
        deadline = time.monotonic() + TIMEOUT
        while not (work / "runs" / name / "library.log").is_file():  # written once both have joined
            assert time.monotonic() < deadline and all(p.poll() is None for p in procs), "no start"
            time.sleep(0.05)
        procs[0].kill()
        _, err = procs[1].communicate(timeout=120)
    finally:
        _end(procs)
    assert procs[1].returncode == 2, err[-3000:]
    assert err.count("[FAILURE]") == 1 and "another training process failed" in err, err[-3000:]
    assert "[HINT] start every process again with the same command and --resume" in err
    assert not re.search(r"^[IWEF]\d{4} \d\d:\d\d", err, re.M) and "stack trace" not in err, err[-3000:]


def test_jax_runtime_abort_ends_a_host_with_one_line(tmp_path: Path) -> None:
    """JAX's runtime aborts a process (SIGABRT after a fatal log line) when its coordination service
    reports a dead peer, and may do so before our own checks notice: that abort, too, ends in our one
    line naming what the runtime reported, and status 2. The abort is raised here as the runtime does,
    after writing its fatal line where the runtime's log goes."""
    log = tmp_path / "jax_runtime.process_1.log"
    script = (
        "import os\n"
        "from pathlib import Path\n"
        "from pretrain import _hosts\n"
        f"log = Path({str(log)!r})\n"
        "_hosts._native_stderr_to(log)\n"
        "_hosts._catch_runtime_abort('start every process again with the same command and --resume', log)\n"
        "os.write(2, b'F1207 00:12:01.639858   10806 client.h:80] Terminating process because the JAX '\n"
        "         b'distributed service detected fatal errors. This most likely indicates that another '\n"
        "         b'task died. absl::Status: UNAVAILABLE: Failed to send RPC to coordination service. '\n"
        "         b'Either the leader task was preempted\\n*** Check failure stack trace: ***\\n')\n"
        "os.abort()\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", script], cwd=REPO, env=_env(tmp_path), capture_output=True, text=True,
        timeout=TIMEOUT, check=False,
    )
    assert proc.returncode == 2, proc.stderr[-3000:]
    assert proc.stderr.splitlines() == [
        "[FAILURE] another training process failed or stopped responding: JAX's distributed runtime reports "
        f"UNAVAILABLE: Failed to send RPC to coordination service (JAX's log: {log}); this one stops too",
        "[HINT] start every process again with the same command and --resume",
    ]
    assert "stack trace" in log.read_text()


def test_bfloat16_compute_learns_and_resumes_bit_for_bit(work: Path) -> None:
    """Compute in bfloat16, master weights and optimizer state in float32; resuming from a checkpoint
    continues exactly. In this process (no CLI): the CLI path is the same train() the other tests run."""
    import dataclasses
    import shutil

    import jax
    import orbax.checkpoint as ocp

    from pretrain import load_config, train

    cfg = load_config(
        _config(
            work,
            "bf16",
            compute_dtype="bfloat16",
            steps=8,
            checkpoint={"every": 4, "keep": 2},
            sdc_every=0,
            export="",
        )
    )
    first = train(cfg, progress=False)
    m = _metrics(Path(first.metrics))
    losses = [r["loss"] for r in m]
    assert len(losses) == 8 and all(np.isfinite(losses))
    assert losses[-1] < losses[0] - 0.3  # it learns in bfloat16 too
    ckpts = Path(cfg.run_dir) / "checkpoints"
    meta = ocp.PyTreeCheckpointer().metadata(ckpts / "8" / "params").item_metadata.tree
    dtypes = {str(x.dtype) for x in jax.tree.leaves(meta, is_leaf=lambda x: hasattr(x, "dtype"))}
    assert dtypes == {"float32"}  # master weights stay float32
    # An interrupted run: the same run with its last checkpoint gone resumes from step 4.
    again = Path(cfg.run_dir).with_name("bf16-resumed")
    shutil.copytree(cfg.run_dir, again)
    shutil.rmtree(again / "checkpoints" / "8")
    resumed = train(dataclasses.replace(cfg, run_dir=str(again)), resume=True, progress=False)
    assert resumed.resumed_from == 4
    got = _metrics(again / "metrics.jsonl")
    for key in ("loss", "grad_norm", "learning_rate"):
        assert [r[key] for r in got] == [r[key] for r in m], key


def _digest(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def test_damaged_checkpoint_is_reported_and_never_overwritten(
    work: Path, baseline: dict, capsys: pytest.CaptureFixture[str]
) -> None:
    import shutil

    cfg = _config(work, "damaged", steps=12)
    run = work / "runs" / "damaged"
    shutil.copytree(work / "runs" / "base", run)
    ckpts = run / "checkpoints"
    # The optimizer state's largest file, truncated: Orbax would fail in its reader threads (which log their
    # own tracebacks); the seal check refuses it before any of them starts.
    biggest = max(
        (p for p in (ckpts / "10" / "opt_state").rglob("*") if p.is_file()), key=lambda p: p.stat().st_size
    )
    biggest.write_bytes(biggest.read_bytes()[: biggest.stat().st_size // 2])
    before = _digest(ckpts)
    status, err = _cli_in_process(["train", "pretrain", str(cfg)], work, capsys)
    assert status == 2 and "[FAILURE]" in err and "already holds checkpoints (last at step 10)" in err
    proc = _cpagent(["train", "pretrain", str(cfg), "--resume"], work)
    assert proc.returncode == 2, proc.stderr[-2000:]
    assert "[FAILURE] checkpoint at step 10 is damaged" in proc.stderr and str(ckpts / "10") in proc.stderr
    assert str(biggest.relative_to(ckpts / "10")) in proc.stderr and "truncated" in proc.stderr
    assert "[HINT] move" in proc.stderr and "resume from step 9" in proc.stderr
    assert "Traceback" not in proc.stderr and "Error" not in proc.stderr.replace("[FAILURE]", "")
    assert _digest(ckpts) == before  # nothing overwritten or deleted
    # The user's way back: move the damaged step away, as the hint says, and resume from the one before.
    (ckpts / "10").rename(run / "damaged-step-10")
    proc = _cpagent(["train", "pretrain", str(cfg), "--resume", "--json"], work)
    assert proc.returncode == 0, proc.stderr[-3000:]
    result = json.loads(proc.stdout)
    assert result["resumed_from"] == 9 and result["steps"] == 12
    assert [r["step"] for r in _metrics(run / "metrics.jsonl")] == list(range(1, 13))


def test_finetune_with_gold_on_solution_tokens(work: Path, baseline: dict) -> None:
    problems = work / "problems.jsonl"
    rows = []
    for i in range(6):
        rows.append(
            {
                "id": f"toy/{i}",
                "name": f"Toy {i}",
                "statement": f"Print {i} plus the input number.",
                "rating": 800 + 100 * i,
                "tags": ["math"],
                "public_tests": [{"input": "1\n", "output": f"{i + 1}\n"}],
                "correct_solutions": [{"language": "python3", "code": f"print(int(input()) + {i})\n"}],
                "incorrect_solutions": [{"language": "python3", "code": f"print(int(input()) - {i})\n"}],
            }
        )
    problems.write_text("".join(json.dumps(r) + "\n" for r in rows))
    cfg = _config(
        work,
        "sft",
        init_from=baseline["result"]["export"],
        tokenizer="",
        steps=4,
        data={"seq_len": 128, "sources": [{"name": "toy", "problems": [str(problems)]}]},
        objective={"kind": "gold", "gold_warmup_steps": 2},
        sdc_every=0,
    )
    proc = _cpagent(["train", "finetune", str(cfg), "--json"], work)
    assert proc.returncode == 0, proc.stderr[-3000:]
    result = json.loads(proc.stdout)
    m = _metrics(Path(result["metrics"]))
    from policy_model import load_checkpoint

    tok = load_checkpoint(result["export"]).tokenizer
    target_tokens = sorted(
        len(tok.encode(s["code"].rstrip("\n") + "\n```\n", add_eos=True))
        for r in rows
        for s in r["correct_solutions"] + r["incorrect_solutions"]
    )
    # Only solution tokens count (each row's first target token is predicted from the prompt's last).
    assert all(r["tokens"] <= 8 * max(target_tokens) and r["tokens"] >= 8 * min(target_tokens) for r in m)
    assert len(m) == 4 and all(np.isfinite(r["loss"]) for r in m)


@pytest.mark.slow
def test_finetune_scorer_head_reuses_scorer_neural(work: Path, baseline: dict) -> None:
    problems = work / "scorer_problems.jsonl"
    rows = [
        {
            "id": f"toy/{i}",
            "statement": f"Print {i} plus the input number.",
            "correct_solutions": [{"language": "python3", "code": f"print(int(input()) + {i})\n"}],
            "incorrect_solutions": [{"language": "python3", "code": f"print(int(input()) - {i})\n"}],
        }
        for i in range(4)
    ]
    problems.write_text("".join(json.dumps(r) + "\n" for r in rows))
    cfg = _config(
        work,
        "scorer",
        init_from=baseline["result"]["export"],
        tokenizer="",
        batch_size=4,
        data={"seq_len": 64, "sources": [{"name": "toy", "problems": [str(problems)]}]},
        finetune={"task": "scorer", "scorer_epochs": 1},
    )
    proc = _cpagent(["train", "finetune", str(cfg), "--json"], work)
    assert proc.returncode == 0, proc.stderr[-3000:]
    result = json.loads(proc.stdout)
    assert result["task"] == "scorer" and result["examples"] == 8
    from scorer.neural import load_neural_scorer

    scorer = load_neural_scorer(result["scorer"])
    assert scorer.backbone_source_ == baseline["result"]["export"]
