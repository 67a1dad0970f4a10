"""Tokenize and pack documents into fixed-length rows written as shards.

A shard is two `.npy` arrays of the same shape (rows, seq_len + 1): token ids and a loss mask (1 where
the token is a target the loss counts). Pretraining packs documents end to end, each followed by the
`<|file_separator|>` token (CodeGemma's), so every row is full and every target counts. Fine-tuning
writes one example per row, padded, with the mask on the solution tokens only (`pack_examples`).
`.npy` files are read memory-mapped, so a loader touches only the rows it serves.

A shard set's `manifest.json` records the tokenizer's hash and the row length; a loader refuses a shard
set made with another tokenizer instead of training on the wrong ids.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from pretrain.errors import PretrainError

MANIFEST = "manifest.json"
FORMAT = "cpagent-shards/1"


def tokenizer_digest(model_proto: bytes) -> str:
    return hashlib.sha256(model_proto).hexdigest()[:16]


@dataclass(frozen=True)
class ShardInfo:
    seq_len: int
    rows: int
    tokens: int  # target tokens counted by the loss
    tokenizer: str  # digest of the tokenizer model
    files: tuple[str, ...]  # shard stems, each with .tokens.npy and .mask.npy


class _Writer:
    def __init__(self, out: Path, seq_len: int, rows_per_shard: int) -> None:
        self.out, self.width, self.rows_per_shard = out, seq_len + 1, rows_per_shard
        self.tokens: list[np.ndarray] = []
        self.masks: list[np.ndarray] = []
        self.files: list[str] = []
        self.rows = self.counted = 0

    def add(self, tokens: Sequence[int], mask: Sequence[int]) -> None:
        self.tokens.append(np.asarray(tokens, np.int32))
        self.masks.append(np.asarray(mask, np.uint8))
        self.rows += 1
        self.counted += int(np.asarray(mask[1:]).sum())
        if len(self.tokens) >= self.rows_per_shard:
            self.flush()

    def flush(self) -> None:
        if not self.tokens:
            return
        stem = f"shard-{len(self.files):05d}"
        np.save(self.out / f"{stem}.tokens.npy", np.stack(self.tokens))
        np.save(self.out / f"{stem}.mask.npy", np.stack(self.masks))
        self.files.append(stem)
        self.tokens, self.masks = [], []


def _finish(writer: _Writer, tmp: Path, out: Path, seq_len: int, digest: str, what: str) -> ShardInfo:
    writer.flush()
    if writer.rows == 0:
        raise PretrainError(
            f"no {what} rows: the documents are shorter than one sequence of {seq_len} tokens",
            hint="add documents or lower seq_len",
        )
    info = ShardInfo(seq_len, writer.rows, writer.counted, digest, tuple(writer.files))
    (tmp / MANIFEST).write_text(json.dumps({"format": FORMAT, **info.__dict__}, indent=2) + "\n")
    if out.exists():
        shutil.rmtree(out)
    tmp.rename(out)
    return info


def _tmp_dir(out: Path) -> Path:
    tmp = out.with_name(out.name + f".tmp-{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    return tmp


def pack_documents(
    texts: Iterable[str], tokenizer, seq_len: int, out: str | Path, *, rows_per_shard: int = 4096
) -> ShardInfo:
    """Pretraining rows: documents end to end with a separator; the last partial row is dropped."""
    out = Path(out)
    tmp = _tmp_dir(out)
    try:
        sep = tokenizer.special_id("<|file_separator|>")
        sep = tokenizer.eos_id if sep is None else sep
        writer = _Writer(tmp, seq_len, rows_per_shard)
        buf: list[int] = []
        width = seq_len + 1
        ones = [1] * width
        for text in texts:
            buf.extend(tokenizer.encode(text))
            buf.append(sep)
            while len(buf) >= width:
                writer.add(buf[:width], ones)
                buf = buf[width:]
        return _finish(writer, tmp, out, seq_len, tokenizer_digest(tokenizer.model_proto), "pretraining")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def pack_examples(
    examples: Iterable[tuple[list[int], list[int]]],
    tokenizer,
    seq_len: int,
    out: str | Path,
    *,
    rows_per_shard: int = 4096,
) -> ShardInfo:
    """Fine-tuning rows: one (prompt ids, target ids) example per row, padded; loss on the targets only.

    An example longer than a row keeps its target's start: the prompt is cut from the left (its end,
    next to the solution, matters most), and the target is cut at the row's end.
    """
    out = Path(out)
    tmp = _tmp_dir(out)
    try:
        writer = _Writer(tmp, seq_len, rows_per_shard)
        width = seq_len + 1
        for prompt, target in examples:
            keep_prompt = max(min(len(prompt), width - min(len(target), width // 2)), 1)
            prompt = prompt[len(prompt) - keep_prompt :]
            ids = (prompt + target)[:width]
            mask = ([0] * len(prompt) + [1] * len(target))[:width]
            pad = width - len(ids)
            writer.add(ids + [tokenizer.pad_id] * pad, mask + [0] * pad)
        return _finish(writer, tmp, out, seq_len, tokenizer_digest(tokenizer.model_proto), "fine-tuning")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


class ShardSet:
    """The rows of one shard set, memory-mapped; `rows(idx)` gathers (tokens, mask) for row indices."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        try:
            doc = json.loads((self.path / MANIFEST).read_text())
        except (OSError, json.JSONDecodeError) as exc:
            raise PretrainError(
                f"not a shard set: {self.path} ({exc})",
                hint="pack it again (delete the directory; training packs it from the corpus)",
            ) from exc
        if doc.get("format") != FORMAT:
            raise PretrainError(
                f"{self.path}: unknown shard format {doc.get('format')!r}", hint=f"expected {FORMAT}"
            )
        self.info = ShardInfo(
            doc["seq_len"], doc["rows"], doc["tokens"], doc["tokenizer"], tuple(doc["files"])
        )
        self._tokens = [np.load(self.path / f"{s}.tokens.npy", mmap_mode="r") for s in self.info.files]
        self._masks = [np.load(self.path / f"{s}.mask.npy", mmap_mode="r") for s in self.info.files]
        self._starts = np.cumsum([0] + [len(t) for t in self._tokens])
        if self._starts[-1] != self.info.rows:
            raise PretrainError(
                f"{self.path}: shards hold {self._starts[-1]} rows, manifest says {self.info.rows}",
                hint="the shard set is damaged; delete it and pack again",
            )

    def __len__(self) -> int:
        return self.info.rows

    def rows(self, index: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        shard = np.searchsorted(self._starts, index, side="right") - 1
        tokens = np.stack([self._tokens[s][i - self._starts[s]] for s, i in zip(shard, index)])
        masks = np.stack([self._masks[s][i - self._starts[s]] for s, i in zip(shard, index)])
        return tokens, masks
