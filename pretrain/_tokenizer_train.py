"""Train the code tokenizer on a sample of a corpus (Gemini: "a large sample of the training corpus").

The sample is drawn deterministically (every k-th document, then a byte budget), so the same corpus
gives the same tokenizer.
"""

from __future__ import annotations

from pathlib import Path

from policy_model import Tokenizer, train_code_tokenizer
from pretrain._corpus import read_documents
from pretrain.errors import PretrainError


def train_tokenizer_on_corpus(
    corpus: str | Path,
    vocab_size: int,
    *,
    max_bytes: int = 20 << 20,
    model_type: str = "bpe",
    max_doc_bytes: int = 64 << 10,
) -> Tokenizer:
    docs = list(read_documents(corpus))
    total = sum(len(d["text"]) for d in docs)
    stride = max(1, int(total // max_bytes) + 1)
    texts, used = [], 0
    for d in docs[::stride]:
        text = d["text"][:max_doc_bytes]
        texts.append(text)
        used += len(text)
        if used >= max_bytes:
            break
    if not texts:
        raise PretrainError(
            f"{corpus} holds no documents", hint="build it with: cpagent corpus SOURCES -o DIR"
        )
    from policy_model import PolicyError

    try:
        return train_code_tokenizer(texts, vocab_size, model_type=model_type)
    except PolicyError as exc:
        raise PretrainError(exc.message, hint=exc.hint) from exc
