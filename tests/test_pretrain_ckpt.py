"""Checkpoint seals: every kind of damage to a saved step is found before Orbax reads it, in this thread.

In-process and fast: real Orbax saves of small arrays, no training."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest

from pretrain import PretrainError
from pretrain._integrity import SEAL, check_seal, check_structure, write_seal


@pytest.fixture
def saved(tmp_path: Path) -> Path:
    """A real training checkpoint (steps 1 and 2) written by TrainCheckpoints, asynchronously."""
    import jax.numpy as jnp

    from pretrain._ckpt import TrainCheckpoints

    ckpts = TrainCheckpoints(tmp_path / "checkpoints", keep=3, async_save=True)
    params = {"w": jnp.arange(4096, dtype=jnp.float32).reshape(64, 64), "b": {"n": jnp.ones(7)}}
    opt = {"mu": jnp.full((64, 64), 0.5), "count": jnp.int32(3)}
    for step in (1, 2):
        ckpts.save(step, params, opt, {"step": step}, {"model": "tiny"}, {"loss": 1.5})
    ckpts.close()
    return tmp_path / "checkpoints"


def _largest(step_dir: Path) -> Path:
    files = (p for p in step_dir.rglob("*") if p.is_file() and p.name != SEAL)
    return max(files, key=lambda p: p.stat().st_size)


def test_every_saved_step_is_sealed_and_intact(saved: Path) -> None:
    for step in ("1", "2"):
        seal = json.loads((saved / step / SEAL).read_text())
        names = set(seal["files"])
        assert any(n.startswith("params/") for n in names) and any(n.startswith("opt_state/") for n in names)
        assert {"loader/metadata", "config/metadata", "extra/metadata"} <= names
        assert check_seal(saved / step) is None
    assert not list(saved.glob("*.orbax-checkpoint-tmp*"))  # the seal went in before the commit rename


def test_truncated_flipped_missing_and_unreadable_seal_are_found(saved: Path) -> None:
    step = saved / "2"
    target = _largest(step)
    rel = str(target.relative_to(step))
    data = target.read_bytes()

    target.write_bytes(data[: len(data) // 2])
    damage = check_seal(step)
    assert damage is not None and damage.path == rel and "truncated" in damage.problem

    target.write_bytes(data[:10] + bytes([data[10] ^ 0x01]) + data[11:])  # same size, one bit
    damage = check_seal(step)
    assert damage is not None and damage.path == rel and "corrupted" in damage.problem

    target.unlink()
    damage = check_seal(step)
    assert damage is not None and damage.path == rel and damage.problem == "missing"

    target.write_bytes(data)
    assert check_seal(step) is None
    (step / SEAL).write_text((step / SEAL).read_text()[:40])
    damage = check_seal(step)
    assert damage is not None and damage.path == SEAL


def test_unsealed_steps_get_the_structural_check(tmp_path: Path) -> None:
    step = tmp_path / "5"
    (step / "loader").mkdir(parents=True)
    (step / "loader" / "metadata").write_text('{"step": 5}')
    (step / "_CHECKPOINT_METADATA").write_text("{}")
    assert check_seal(step) is None  # no seal: structure only, and it is fine
    (step / "loader" / "metadata").write_text('{"step": ')
    damage = check_seal(step)
    assert damage is not None and damage.path == "loader/metadata" and "JSON" in damage.problem
    (step / "loader" / "metadata").write_text('{"step": 5}')
    (step / "loader" / "d").write_bytes(b"")
    assert check_structure(step) is not None
    write_seal(step)
    assert check_seal(step) is None


def test_a_damaged_step_is_refused_before_any_orbax_reader_starts(saved: Path) -> None:
    import jax.numpy as jnp

    from pretrain._ckpt import TrainCheckpoints

    target = _largest(saved / "2")
    target.write_bytes(target.read_bytes()[:-1])
    before = {p: p.read_bytes() for p in saved.rglob("*") if p.is_file()}
    ckpts = TrainCheckpoints(saved, keep=3, async_save=True)
    threads = set(threading.enumerate())
    params = {"w": jnp.zeros((64, 64)), "b": {"n": jnp.zeros(7)}}
    opt = {"mu": jnp.zeros((64, 64)), "count": jnp.int32(0)}
    with pytest.raises(PretrainError) as info:
        ckpts.restore(2, params, opt)
    assert "checkpoint at step 2 is damaged" in info.value.message
    assert str(target.relative_to(saved / "2")) in info.value.message
    assert "resume from step 1" in info.value.hint and "nothing was overwritten" in info.value.hint
    with pytest.raises(PretrainError, match="step 2 is damaged"):
        ckpts.read_config(2)
    assert not [t for t in set(threading.enumerate()) - threads if "orbax" in type(t).__module__]
    # The step before is intact and restores; nothing on disk changed.
    p, o, loader, extra = ckpts.restore(1, params, opt)
    assert float(p["w"][1, 0]) == 64.0 and loader == {"step": 1} and extra == {"loss": 1.5}
    ckpts.close()
    assert {p: p.read_bytes() for p in saved.rglob("*") if p.is_file()} == before


def test_an_existing_step_is_never_replaced(saved: Path) -> None:
    import jax.numpy as jnp

    from pretrain._ckpt import TrainCheckpoints

    ckpts = TrainCheckpoints(saved, keep=3, async_save=False)
    with pytest.raises(PretrainError, match="already exists"):
        ckpts.save(2, {"w": jnp.zeros(3)}, {"c": jnp.int32(0)}, {}, {}, {})
    ckpts.save(3, {"w": jnp.zeros(3)}, {"c": jnp.int32(0)}, {}, {}, {})  # synchronous: sealed on return
    assert check_seal(saved / "3") is None and (saved / "3" / SEAL).is_file()
    ckpts.close()
