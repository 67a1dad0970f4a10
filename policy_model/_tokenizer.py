"""SentencePiece tokenizer: our code tokenizer (trained here) or a user's Gemma `tokenizer.model`.

A code tokenizer must give back exactly the program it was given, or a sampled program would not be the
program the model wrote. So training uses byte fallback (no unknown characters), identity normalization,
no dummy prefix, no whitespace collapsing, whitespace-only pieces (indentation), split digits, and newline
and tab as pieces. SentencePiece turns spaces into U+2581 "▁" internally; a literal "▁" in the text is
encoded as its UTF-8 byte pieces so that it survives the round trip too.

Special tokens are looked up by name (`<eos>`, `<end_of_turn>`, ...), never by hard-coded ids, so the
same code reads our tokenizer and Gemma's.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from pathlib import Path

import sentencepiece as spm

from policy_model.errors import PolicyError

# Gemma's names for the four reserved pieces; our tokenizer uses the same names and ids (0..3).
PAD, EOS, BOS, UNK = "<pad>", "<eos>", "<bos>", "<unk>"
# Control tokens our prompts and corpora use; Gemma/CodeGemma names where they have one. Control tokens
# are never produced by encoding text, so a program that contains "<end_of_turn>" stays plain text.
CONTROL_TOKENS: tuple[str, ...] = (
    "<start_of_turn>",  # chat turns (Gemma instruction-tuned format)
    "<end_of_turn>",
    "<|file_separator|>",  # between documents in a pretraining corpus (CodeGemma)
    "<|fim_prefix|>",  # fill-in-the-middle (CodeGemma)
    "<|fim_middle|>",
    "<|fim_suffix|>",
)
# Tokens that end a sample when present in the vocabulary.
STOP_TOKENS: tuple[str, ...] = (EOS, "<end_of_turn>", "<|file_separator|>")
_META = "\u2581"


class Tokenizer:
    """A SentencePiece model with our encode/decode rules and special tokens found by name."""

    def __init__(self, model_proto: bytes) -> None:
        self._sp = spm.SentencePieceProcessor()
        try:
            self._sp.LoadFromSerializedProto(model_proto)
        except Exception as exc:  # sentencepiece raises RuntimeError/OSError with C++ text
            raise PolicyError("not a SentencePiece model", hint="give a tokenizer.model file") from exc
        self.model_proto = bytes(model_proto)
        self._meta_bytes = self._byte_ids(_META)

    @classmethod
    def load(cls, path: str | Path) -> "Tokenizer":
        path = Path(path)
        if not path.is_file():
            raise PolicyError(f"tokenizer not found: {path}", hint="give the path of a tokenizer.model file")
        return cls(path.read_bytes())

    def save(self, path: str | Path) -> None:
        Path(path).write_bytes(self.model_proto)

    # --- vocabulary -------------------------------------------------------------------------------
    @property
    def vocab_size(self) -> int:
        return self._sp.get_piece_size()

    def special_id(self, name: str) -> int | None:
        """The id of piece `name`, or None when this vocabulary has no such piece."""
        i = self._sp.piece_to_id(name)
        return None if i == self._sp.unk_id() and name != self._sp.id_to_piece(i) else i

    def _required(self, name: str) -> int:
        i = self.special_id(name)
        if i is None:
            raise PolicyError(f"tokenizer has no {name} token", hint="use a Gemma tokenizer or one from train_code_tokenizer")
        return i

    @property
    def pad_id(self) -> int:
        return self._required(PAD)

    @property
    def eos_id(self) -> int:
        return self._required(EOS)

    @property
    def bos_id(self) -> int:
        return self._required(BOS)

    @property
    def stop_ids(self) -> tuple[int, ...]:
        """Ids that end a sample: `<eos>` and, where present, `<end_of_turn>` and `<|file_separator|>`."""
        return tuple(i for i in (self.special_id(n) for n in STOP_TOKENS) if i is not None)

    def id_to_piece(self, i: int) -> str:
        return self._sp.id_to_piece(i)

    def _byte_ids(self, text: str) -> list[int] | None:
        ids = [self._sp.piece_to_id(f"<0x{b:02X}>") for b in text.encode()]
        return None if any(self._sp.is_unknown(i) for i in ids) else ids

    # --- text ---------------------------------------------------------------------------------------
    def encode(self, text: str, *, add_bos: bool = False, add_eos: bool = False) -> list[int]:
        if _META in text and self._meta_bytes is not None:
            ids: list[int] = []
            for k, part in enumerate(text.split(_META)):
                if k:
                    ids.extend(self._meta_bytes)
                if part:
                    ids.extend(self._sp.encode(part))
        else:
            ids = list(self._sp.encode(text))
        return ([self.bos_id] if add_bos else []) + ids + ([self.eos_id] if add_eos else [])

    def decode(self, ids: Sequence[int]) -> str:
        """Text of `ids`; control tokens (pad, bos, eos, turns) are dropped."""
        return self._sp.decode([int(i) for i in ids])


def train_code_tokenizer(
    texts: Iterable[str],
    vocab_size: int,
    *,
    model_type: str = "bpe",
    control_tokens: Sequence[str] = CONTROL_TOKENS,
    num_threads: int = 2,
) -> Tokenizer:
    """Train a SentencePiece model on source code that round-trips every program exactly.

    Args:
      texts: documents (whole programs); each may span many lines.
      vocab_size: the number of pieces, including 256 byte pieces and the special tokens.
      model_type: "bpe" or "unigram".
      control_tokens: extra named tokens that encoding never produces.
    """
    buf = io.BytesIO()
    try:
        spm.SentencePieceTrainer.train(
            sentence_iterator=iter(texts),
            model_writer=buf,
            vocab_size=vocab_size,
            model_type=model_type,
            byte_fallback=True,
            character_coverage=1.0,
            normalization_rule_name="identity",
            add_dummy_prefix=False,
            remove_extra_whitespaces=False,
            allow_whitespace_only_pieces=True,
            split_digits=True,
            user_defined_symbols=["\n", "\t"],
            control_symbols=list(control_tokens),
            pad_id=0, eos_id=1, bos_id=2, unk_id=3,
            pad_piece=PAD, eos_piece=EOS, bos_piece=BOS, unk_piece=UNK,
            max_sentence_length=1 << 20,
            hard_vocab_limit=False,
            num_threads=num_threads,
            minloglevel=2,
        )
    except RuntimeError as exc:
        raise PolicyError(f"tokenizer training failed: {exc}",
                          hint="give more text or a smaller vocab_size") from exc
    return Tokenizer(buf.getvalue())
