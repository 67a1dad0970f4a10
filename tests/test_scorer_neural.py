"""The neural scorer: a head on the policy decoder, fine-tuned in JAX, saved and refused by version."""

from __future__ import annotations

import json
import random

import numpy as np
import pytest

from scorer import ScorerError
from scorer.neural import NeuralExample, NeuralScorer, load_neural_scorer


def _examples(n_problems: int, seed: int = 0) -> list[NeuralExample]:
    """Correct programs add, incorrect ones subtract: learnable from the program text alone."""
    rng = random.Random(seed)
    out = []
    for p in range(n_problems):
        statement = f"Print the sum of n numbers (problem {p})."
        for _ in range(2):
            tail = f"/* {rng.randint(0, 10**6)} */"
            out.append(NeuralExample(f"p{p}", statement, f"int main(){{for(i=0;i<n;i++) s += a[i]; {tail}}}", True))
            out.append(NeuralExample(f"p{p}", statement, f"int main(){{for(i=1;i<n;i++) s -= a[i]; {tail}}}", False))
    return out


@pytest.fixture(scope="module")
def trained() -> NeuralScorer:
    data = _examples(30)
    return NeuralScorer(epochs=2, max_len=128, learning_rate=1e-3).fit(data[:80], validation=data[80:])


def test_fine_tuning_learns_to_tell_correct_from_incorrect(trained):
    assert trained.history_[-1]["train_loss"] < trained.history_[0]["train_loss"] or \
        trained.history_[-1]["train_loss"] < 0.1
    unseen = _examples(10, seed=1)
    metrics = trained.evaluate(unseen)
    assert metrics["auc"] > 0.9 and metrics["top1"] == 1.0
    p = trained.predict_proba(unseen)
    assert p.shape == (len(unseen), 2) and np.allclose(p.sum(axis=1), 1)
    assert trained.predict_proba([]).shape == (0, 2)


def test_save_load_round_trip_and_version_refusal(trained, tmp_path):
    path = trained.save(tmp_path / "neural")
    loaded = load_neural_scorer(path)
    probe = _examples(3, seed=2)
    assert np.allclose(loaded.predict_proba(probe), trained.predict_proba(probe), atol=1e-6)
    meta = json.loads((path / "scorer.json").read_text())
    meta["format_version"] += 1
    (path / "scorer.json").write_text(json.dumps(meta))
    with pytest.raises(ScorerError, match="format version") as err:
        load_neural_scorer(path)
    assert "train-scorer" in err.value.hint
    with pytest.raises(ScorerError):
        load_neural_scorer(tmp_path / "nothing-here")


def test_one_class_training_data_is_a_clear_error():
    with pytest.raises(ScorerError, match="correct and incorrect"):
        NeuralScorer(epochs=1).fit([e for e in _examples(3) if e.correct])


def test_backbone_comes_from_a_policy_checkpoint(tmp_path):
    from flax import nnx

    from policy_model import Transformer, flat_params, preset, save_checkpoint, train_code_tokenizer

    data = _examples(4)
    tok = train_code_tokenizer([e.code + e.statement for e in data] * 5, 400)
    policy = Transformer(preset("tiny", vocab_size=tok.vocab_size), rngs=nnx.Rngs(7))
    ckpt = save_checkpoint(tmp_path / "policy", policy, tok)
    scorer = NeuralScorer(checkpoint=str(ckpt), epochs=0, max_len=64).fit(data)
    mine = flat_params(scorer.model_.backbone)
    theirs = flat_params(policy)
    assert set(mine) == set(theirs)
    assert all(np.array_equal(np.asarray(mine[k]), np.asarray(theirs[k])) for k in theirs)
    assert scorer.predict_proba(data).shape == (len(data), 2)
