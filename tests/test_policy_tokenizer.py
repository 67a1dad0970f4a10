"""The code tokenizer gives back exactly the program it was given; special tokens are found by name."""

from __future__ import annotations

import io
import json

import pytest
import sentencepiece as spm

from policy_model import PolicyError, Tokenizer, train_code_tokenizer
from policy_model.testing import tiny_tokenizer

HARD_TEXTS = [
    "int main() {\n    return 0;\n}\n",
    "\tif (x)\t\ty = 1;  \n\n\n   \n",
    "  leading and trailing spaces  ",
    "a\u2581b \u2581\u2581 c\u2581",  # SentencePiece's own whitespace marker, literally in the text
    "unicode: 日本語 — ünïcødé 😀\r\nwindows line\r\n",
    "x = 1234567890\n",
    "s = '<eos>' + \"<end_of_turn>\" + '<pad>'\n",  # special-token names in code stay plain text
    "",
]


@pytest.fixture(scope="module")
def tok() -> Tokenizer:
    return tiny_tokenizer()


@pytest.mark.parametrize("text", HARD_TEXTS)
def test_round_trip_exact(tok: Tokenizer, text: str) -> None:
    assert tok.decode(tok.encode(text)) == text


def test_special_tokens_by_name_with_gemma_ids(tok: Tokenizer) -> None:
    assert (tok.pad_id, tok.eos_id, tok.bos_id) == (0, 1, 2)
    assert tok.special_id("<end_of_turn>") is not None
    assert tok.special_id("<no such token>") is None
    assert set(tok.stop_ids) >= {tok.eos_id, tok.special_id("<end_of_turn>")}
    # encoding text never produces control tokens
    ids = tok.encode("<eos><end_of_turn><|file_separator|>")
    assert not set(ids) & {tok.eos_id, tok.bos_id, tok.pad_id, *tok.stop_ids}


def test_code_pieces(tok: Tokenizer) -> None:
    pieces = [tok.id_to_piece(i) for i in tok.encode("x = 9876\n\tif\n        y")]
    assert "\n" in pieces and "\t" in pieces
    assert [p for p in pieces if any(c.isdigit() for c in p)] == ["9", "8", "7", "6"]  # digits split
    assert any(set(p) == {"\u2581"} and len(p) >= 2 for p in pieces)  # whitespace-only piece (indentation)
    assert tok.encode("abc", add_bos=True, add_eos=True)[0] == tok.bos_id
    assert tok.encode("abc", add_bos=True, add_eos=True)[-1] == tok.eos_id


def test_bytes_fallback_for_unseen_characters(tok: Tokenizer) -> None:
    text = "ꙮ𝔘𝔫𝔦𝔠𝔬𝔡𝔢"
    ids = tok.encode(text)
    assert tok.decode(ids) == text
    assert any(tok.id_to_piece(i).startswith("<0x") for i in ids)


def test_save_and_load(tmp_path, tok: Tokenizer) -> None:
    tok.save(tmp_path / "tokenizer.model")
    again = Tokenizer.load(tmp_path / "tokenizer.model")
    assert again.encode("int main") == tok.encode("int main")
    with pytest.raises(PolicyError):
        Tokenizer.load(tmp_path / "missing.model")
    (tmp_path / "junk.model").write_bytes(b"not a model")
    with pytest.raises(PolicyError):
        Tokenizer.load(tmp_path / "junk.model")


def test_user_tokenizer_with_other_ids_found_by_name(tmp_path) -> None:
    """A Gemma-like model whose special ids differ from ours: names, not ids, decide."""
    buf = io.BytesIO()
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(["hello world, this is text"] * 50), model_writer=buf, vocab_size=60,
        pad_id=3, eos_id=0, bos_id=1, unk_id=2, pad_piece="<pad>", eos_piece="<eos>", bos_piece="<bos>",
        unk_piece="<unk>", control_symbols=["<start_of_turn>", "<end_of_turn>"], minloglevel=2,
        hard_vocab_limit=False,
    )
    (tmp_path / "tokenizer.model").write_bytes(buf.getvalue())
    tok = Tokenizer.load(tmp_path / "tokenizer.model")
    assert (tok.pad_id, tok.eos_id, tok.bos_id) == (3, 0, 1)
    assert tok.stop_ids == (0, tok.special_id("<end_of_turn>"))


def test_round_trips_real_programs(cp_data) -> None:
    """Train on some real accepted C programs, round-trip every Python and C program of the data."""
    programs = []
    for name in ("codeflaws_dev.jsonl", "codecontests_cf_python.jsonl"):
        with (cp_data / name).open() as f:
            for line in f:
                row = json.loads(line)
                programs += [s["code"] for s in row["correct_solutions"] + row.get("incorrect_solutions", [])]
    tok = train_code_tokenizer(programs[:400], 1000)
    bad = [p for p in programs if tok.decode(tok.encode(p)) != p]
    assert len(programs) > 1000 and bad == []
