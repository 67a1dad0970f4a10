"""Shards, the resumable mixture loader, fine-tuning examples, configs, partitioning rules, SDC replay."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from policy_model.testing import tiny_tokenizer
from pretrain import (
    MixtureLoader,
    ShardSet,
    SourceSpec,
    config_from_dict,
    load_config,
    mixture_weights,
    pack_documents,
    pack_examples,
    read_problems,
    replay_check,
    solve_examples,
)
from pretrain._config import MeshConfig
from pretrain._sdc import compare_trees
from pretrain._sft import encode_examples, generator_examples
from pretrain._sharding import mesh_shape, spec_for
from pretrain.errors import PretrainError, SDCError

DOCS = [f"def f{i}(x):\n    return x * {i} + {i * i}\n" * (1 + i % 3) for i in range(60)]


@pytest.fixture(scope="module")
def tok():
    return tiny_tokenizer()


def test_pack_documents_rows_are_the_token_stream(tok, tmp_path: Path) -> None:
    info = pack_documents(DOCS, tok, 16, tmp_path / "s", rows_per_shard=7)
    shards = ShardSet(tmp_path / "s")
    assert len(shards) == info.rows and len(info.files) == -(-info.rows // 7)
    tokens, mask = shards.rows(np.arange(len(shards)))
    assert tokens.shape == (info.rows, 17) and mask.all()
    sep = tok.special_id("<|file_separator|>")
    stream = [t for d in DOCS for t in tok.encode(d) + [sep]]
    assert tokens.reshape(-1).tolist() == stream[: info.rows * 17]


def test_pack_examples_masks_the_solution_only(tok, tmp_path: Path) -> None:
    prompt, target = (
        tok.encode("PROBLEM: x\nCORRECT SOLUTION\n```c\n"),
        tok.encode("int main(){}\n```\n", add_eos=True),
    )
    pack_examples([(prompt, target)], tok, 64, tmp_path / "e")
    tokens, mask = ShardSet(tmp_path / "e").rows(np.array([0]))
    n = len(prompt) + len(target)
    assert tokens[0, :n].tolist() == prompt + target and (tokens[0, n:] == tok.pad_id).all()
    assert mask[0].tolist() == [0] * len(prompt) + [1] * len(target) + [0] * (65 - n)


def test_loader_is_deterministic_and_resumes_from_its_state(tok, tmp_path: Path) -> None:
    pack_documents(DOCS, tok, 8, tmp_path / "a")
    pack_documents(DOCS[::-1], tok, 8, tmp_path / "b")
    sets = [ShardSet(tmp_path / "a"), ShardSet(tmp_path / "b")]
    specs = [
        SourceSpec(name="a", weight=1.0, final_weight=0.0),
        SourceSpec(name="b", weight=0.0, final_weight=1.0),
    ]

    def make() -> MixtureLoader:
        return MixtureLoader(sets, specs, batch_size=4, total_steps=40, seed=3)

    full = make()
    batches = [full.next_batch()[0] for _ in range(40)]
    resumed = make()
    for _ in range(17):
        resumed.next_batch()
    state = json.loads(json.dumps(resumed.get_state()))  # as saved in a checkpoint
    again = make()
    again.set_state(state)
    for step in range(17, 40):
        assert np.array_equal(again.next_batch()[0], batches[step])
    with pytest.raises(PretrainError, match=r"loader state names sources \[.a.\], config has"):
        make().set_state({"step": 0, "cursors": {"a": [0, 0]}})


def test_mixture_schedule_raises_the_domain_share_towards_the_end() -> None:
    specs = [
        SourceSpec(name="web", weight=3.0, final_weight=1.0, ramp_start=0.5),
        SourceSpec(name="code", weight=1.0),
    ]
    assert mixture_weights(specs, 0, 100).tolist() == [0.75, 0.25]
    assert mixture_weights(specs, 50, 100).tolist() == [0.75, 0.25]
    assert mixture_weights(specs, 100, 100).tolist() == [0.5, 0.5]
    with pytest.raises(PretrainError):
        mixture_weights([SourceSpec(name="x", weight=0.0)], 0, 10)


def _problems(tmp_path: Path) -> Path:
    path = tmp_path / "problems.jsonl"
    path.write_text(
        json.dumps(
            {
                "id": "t/1",
                "name": "A. Add",
                "statement": "Print a+b.",
                "rating": 800,
                "tags": ["math"],
                "public_tests": [{"input": "1 2\n", "output": "3\n"}],
                "hidden_tests": [{"input": "5 6\n", "output": "11\n"}],
                "correct_solutions": [{"language": "c", "code": "int main(){return 0;}\n"}],
                "incorrect_solutions": [{"language": "c", "code": "int main(){return 1;}\n"}],
            }
        )
        + "\n"
    )
    return path


def test_sft_examples_carry_alphacode_metadata(tmp_path: Path) -> None:
    problems = list(read_problems(_problems(tmp_path)))
    pairs = list(solve_examples(problems))
    assert len(pairs) == 2
    (good_prompt, good_target), (bad_prompt, _) = pairs
    assert "RATING: 800" in good_prompt and "TAGS: math" in good_prompt and "LANGUAGE IS C99" in good_prompt
    assert good_prompt.endswith("CORRECT SOLUTION\n```c\n") and "Example 1 input:\n1 2" in good_prompt
    assert "\nINCORRECT SOLUTION\n" in bad_prompt
    assert good_target == "int main(){return 0;}\n```\n"
    assert len(list(solve_examples(problems, include_incorrect=False))) == 1


def test_generator_examples_write_valid_known_inputs(tmp_path: Path) -> None:
    problems = list(read_problems(_problems(tmp_path)))
    ((prompt, target),) = generator_examples(problems, "{statement}\n\nWrite a generator.")
    assert "Print a+b.\n\nWrite a generator." in prompt and "LANGUAGE IS Python 3" in prompt
    program = target.removesuffix("```\n")
    import subprocess
    import sys

    outs = {
        subprocess.run(
            [sys.executable, "-c", program, str(s)], check=False, capture_output=True, text=True
        ).stdout
        for s in range(4)
    }
    assert outs == {"1 2\n", "5 6\n"}


def test_encode_examples_cuts_long_prompts_from_the_left(tok) -> None:
    ((prompt, target),) = encode_examples([("x = 1\n" * 200, "print(1)\n")], tok, 10)
    assert len(prompt) == 10 and target[-1] == tok.eos_id


def test_config_reading(tmp_path: Path) -> None:
    cfg_file = tmp_path / "c.yaml"
    cfg_file.write_text(
        "run_dir: run\ntokenizer: t.model\ndata:\n  sources: [{name: a, corpus: corp}]\n"
        "optim: {accum_steps: 2}\nbatch_size: 4\n"
    )
    cfg = load_config(cfg_file)
    assert cfg.run_dir == str(tmp_path / "run") and cfg.data.sources[0].corpus == str(tmp_path / "corp")
    assert cfg.optim.accum_steps == 2 and cfg.to_json()["data"]["sources"][0]["name"] == "a"
    with pytest.raises(PretrainError, match="unknown keys warmup_step"):
        config_from_dict({"optim": {"warmup_step": 3}, "data": {"sources": [{"name": "a"}]}})
    with pytest.raises(PretrainError, match="not a multiple of accum_steps"):
        config_from_dict({"batch_size": 5, "optim": {"accum_steps": 2}, "data": {"sources": [{"name": "a"}]}})


def test_mesh_and_partition_rules_refuse_what_does_not_fit() -> None:
    assert mesh_shape(MeshConfig(data=-1, fsdp=2, tensor=1), 8) == (4, 2, 1)
    with pytest.raises(PretrainError, match="does not fit 4 devices"):
        mesh_shape(MeshConfig(data=-1, tensor=3), 4)
    with pytest.raises(PretrainError, match="needs 6 devices"):
        mesh_shape(MeshConfig(data=2, tensor=3), 4)
    mesh = SimpleNamespace(shape={"data": 1, "fsdp": 2, "tensor": 4})
    assert tuple(spec_for("layers/0/attn/qkv", (64, 96), mesh)) == ("fsdp", "tensor")
    assert tuple(spec_for("layers/0/pre_ffw_norm/scale", (64,), mesh)) == ()
    with pytest.raises(PretrainError, match=r"embedding \(390, 64\).*'tensor' axis \(4 devices\)"):
        spec_for("embedding", (390, 64), mesh)


def test_sdc_replay_detects_a_differing_result() -> None:
    calls = []

    def flaky(x):
        calls.append(1)
        return {"w": x + (1e-7 if len(calls) == 2 else 0.0)}

    with pytest.raises(SDCError, match="step 7") as info:
        replay_check(flaky, (np.ones(3, np.float32),), 7)
    assert info.value.report["mismatches"][0]["leaf"] == "['w']"
    assert replay_check(lambda x: {"w": x * 2}, (np.ones(3, np.float32),), 1)["w"].tolist() == [2, 2, 2]
    assert compare_trees({"a": np.zeros(2)}, {"a": np.zeros(2)}) == []
