"""`build_corpus`: read sources, filter, deduplicate, decontaminate, write the kept documents and a report.

Output directory:
  documents.jsonl   one {"text", "language", "source", "origin"} per kept document, in input order
  report.json       counts per source and language, per filter reason, duplicates, decontamination hits
The directory is written under a temporary name and renamed at the end, so an interrupted build never
leaves a half corpus that looks whole.
"""

from __future__ import annotations

import json
import os
import shutil
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from pretrain._decontam import Decontaminator, EvalText
from pretrain._dedup import DedupConfig, Deduplicator
from pretrain._filters import REASONS, FilterConfig, rejection
from pretrain._readers import read_source
from pretrain.errors import PretrainError

DOCUMENTS = "documents.jsonl"
REPORT = "report.json"


@dataclass(frozen=True, kw_only=True)
class CorpusConfig:
    filters: FilterConfig = field(default_factory=FilterConfig)
    dedup: DedupConfig = field(default_factory=DedupConfig)
    decontam_ngram: int = 50  # whitespace tokens shared with an evaluation text that remove a document
    languages: tuple[str, ...] = ()  # keep only these languages; empty keeps every known language
    max_documents: int = 0  # stop after this many kept documents (0: no limit)


@dataclass(frozen=True)
class CorpusReport:
    read: int
    kept: int
    kept_bytes: int
    filtered: dict[str, int]
    duplicates: dict[str, int]
    decontaminated: int
    decontaminated_examples: list[dict[str, str]]
    eval_texts: int
    by_source: dict[str, int]
    by_language: dict[str, int]
    config: dict[str, Any]

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def build_corpus(
    sources: Sequence[str],
    out: str | Path,
    *,
    config: CorpusConfig = CorpusConfig(),
    eval_texts: Iterable[EvalText] = (),
    overwrite: bool = False,
    progress: Callable[[int], None] | None = None,
) -> CorpusReport:
    """Build a corpus directory from `sources`; raises PretrainError when nothing usable is found."""
    out = Path(out)
    if out.exists() and not overwrite:
        raise PretrainError(
            f"corpus directory exists: {out}", hint="choose a new -o directory or pass --overwrite"
        )
    tmp = out.with_name(out.name + f".tmp-{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    decon = Decontaminator(eval_texts, n=config.decontam_ngram)
    dedup = Deduplicator(config.dedup)
    filtered: Counter[str] = Counter({r: 0 for r in REASONS})
    dups: Counter[str] = Counter({"exact": 0, "near": 0})
    by_source: Counter[str] = Counter()
    by_language: Counter[str] = Counter()
    removed: list[dict[str, str]] = []
    read = kept = kept_bytes = decontaminated = 0
    wanted = set(config.languages)
    try:
        with (tmp / DOCUMENTS).open("w", encoding="utf-8") as fh:
            for source in sources:
                for doc in read_source(source):
                    read += 1
                    if progress and read % 500 == 0:
                        progress(read)
                    if wanted and doc.language not in wanted:
                        filtered["language"] += 1
                        continue
                    reason = rejection(doc, config.filters)
                    if reason:
                        filtered[reason] += 1
                        continue
                    assert doc.text is not None
                    hit = decon.match(doc.text)
                    if hit:
                        decontaminated += 1
                        if len(removed) < 50:
                            removed.append({"document": f"{doc.source}:{doc.origin}", "matched": hit})
                        continue
                    dup = dedup.check(doc.text)
                    if dup:
                        dups[dup] += 1
                        continue
                    fh.write(
                        json.dumps(
                            {
                                "text": doc.text,
                                "language": doc.language,
                                "source": doc.source,
                                "origin": doc.origin,
                            }
                        )
                        + "\n"
                    )
                    kept += 1
                    kept_bytes += doc.size
                    by_source[doc.source] += 1
                    by_language[doc.language] += 1
                    if config.max_documents and kept >= config.max_documents:
                        break
                if config.max_documents and kept >= config.max_documents:
                    break
        if kept == 0:
            raise PretrainError(
                f"no usable documents in {', '.join(sources)} (read {read}; filtered "
                f"{sum(filtered.values())}, duplicates {sum(dups.values())}, "
                f"decontaminated {decontaminated})",
                hint="give directories of source files (.py, .c, .cpp, ...), JSONL, or parquet with a text "
                "column",
            )
        report = CorpusReport(
            read=read,
            kept=kept,
            kept_bytes=kept_bytes,
            filtered=dict(filtered),
            duplicates=dict(dups),
            decontaminated=decontaminated,
            decontaminated_examples=removed,
            eval_texts=decon.num_texts,
            by_source=dict(by_source),
            by_language=dict(by_language),
            config={"sources": list(sources), **asdict(config)},
        )
        (tmp / REPORT).write_text(json.dumps(report.to_json(), indent=2) + "\n")
        if out.exists():
            shutil.rmtree(out)
        tmp.rename(out)
        return report
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def read_documents(corpus: str | Path, languages: Sequence[str] = ()) -> Iterable[dict[str, Any]]:
    """The kept documents of a corpus directory, in order."""
    path = Path(corpus) / DOCUMENTS
    if not path.is_file():
        raise PretrainError(
            f"not a corpus directory (no {DOCUMENTS}): {corpus}",
            hint="build one with: cpagent corpus SOURCES... -o DIR",
        )
    wanted = set(languages)
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            rec = json.loads(line)
            if not wanted or rec["language"] in wanted:
                yield rec
