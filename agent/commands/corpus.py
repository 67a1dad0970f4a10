"""`cpagent corpus SOURCES... -o DIR`: build a pretraining corpus (filter, deduplicate, decontaminate).

SOURCES are directories of source files, JSONL files (documents with a `text`/`content`/`code` field, or
problem records whose solutions become documents) and parquet files with such a column. The report
(also `DIR/report.json`, and the `--json` output) counts what each filter, the deduplication and the
decontamination removed.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from agent import ui

EPILOG = """examples:
  cpagent corpus .venv/lib/python3.11/site-packages ../shared/cp-data/codeflaws_dev.jsonl -o corpus/ \\
      --decontaminate examples --decontaminate heldout.jsonl
  cpagent corpus src/ data.parquet -o corpus/ --languages python c cpp --json"""


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "corpus",
        help="build a pretraining corpus from source files, JSONL or parquet",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description=__doc__.split("\n\n", 1)[1],
    )
    p.add_argument("sources", nargs="+", help="directories, .jsonl or .parquet files")
    p.add_argument("-o", "--output", required=True, type=Path, help="corpus directory to write")
    p.add_argument(
        "--decontaminate",
        action="append",
        default=[],
        metavar="PATH",
        help="evaluation problems (a problem JSONL file or a directory of problem folders) whose "
        "statements and solutions must not appear in the corpus; repeatable",
    )
    p.add_argument(
        "--ngram", type=int, default=50, help="shared whitespace tokens that count as contamination (50)"
    )
    p.add_argument(
        "--languages", nargs="*", default=[], help="keep only these languages (python, c, cpp, ...)"
    )
    p.add_argument("--no-near-dedup", action="store_true", help="drop exact duplicates only (faster)")
    p.add_argument("--near-threshold", type=float, default=0.85, help="MinHash Jaccard threshold (0.85)")
    p.add_argument("--max-documents", type=int, default=0, help="stop after this many kept documents")
    p.add_argument("--max-line-length", type=int, default=1000, help="drop files with a longer line (1000)")
    p.add_argument("--overwrite", action="store_true", help="replace an existing output directory")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from pretrain import CorpusConfig, DedupConfig, FilterConfig, build_corpus, eval_texts

    config = CorpusConfig(
        filters=FilterConfig(max_line_length=args.max_line_length),
        dedup=DedupConfig(near=not args.no_near_dedup, threshold=args.near_threshold),
        decontam_ngram=args.ngram,
        languages=tuple(args.languages),
        max_documents=args.max_documents,
    )
    if not args.decontaminate and not args.json:
        ui.warning("no --decontaminate given: the corpus is not checked against any evaluation problems")
    report = build_corpus(
        args.sources,
        args.output,
        config=config,
        eval_texts=eval_texts(args.decontaminate),
        overwrite=args.overwrite,
        progress=None if args.json else (lambda n: ui.info(f"read {n} documents")),
    )
    if args.json:
        ui.print_json({"output": str(args.output), **report.to_json()})
        return 0
    ui.info(
        f"read {report.read} documents; filtered {sum(report.filtered.values())} "
        f"({', '.join(f'{k} {v}' for k, v in report.filtered.items() if v) or 'none'}); duplicates "
        f"{report.duplicates['exact']} exact, {report.duplicates['near']} near; decontaminated "
        f"{report.decontaminated} (against {report.eval_texts} evaluation texts)"
    )
    ui.success(
        f"{report.kept} documents ({report.kept_bytes / 1e6:.1f} MB) in {args.output} "
        f"({', '.join(f'{k} {v}' for k, v in sorted(report.by_language.items()))})"
    )
    return 0
