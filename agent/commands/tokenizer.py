"""`cpagent tokenizer train DIR -o FILE`: train the SentencePiece code tokenizer on a corpus.

The tokenizer round-trips every program exactly (byte fallback, no normalization; see
policy_model's tokenizer) and knows the control tokens our prompts and packed corpora use.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from agent import ui

EPILOG = """examples:
  cpagent tokenizer train corpus/ -o tokenizer.model --vocab-size 8000
  cpagent tokenizer train corpus/ -o tiny.model --vocab-size 512 --json"""


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "tokenizer",
        help="train a code tokenizer on a corpus",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = p.add_subparsers(dest="tokenizer_command", metavar="ACTION")
    t = sub.add_parser(
        "train",
        help="train a SentencePiece tokenizer on a corpus directory",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    t.add_argument("corpus", type=Path, help="a directory written by cpagent corpus")
    t.add_argument("-o", "--output", required=True, type=Path, help="tokenizer.model file to write")
    t.add_argument(
        "--vocab-size", type=int, default=8000, help="pieces, with 256 byte pieces and specials (8000)"
    )
    t.add_argument("--model-type", choices=("bpe", "unigram"), default="bpe")
    t.add_argument("--sample-mb", type=float, default=20.0, help="MB of the corpus to train on (20)")
    t.add_argument("--overwrite", action="store_true", help="replace an existing output file")
    t.add_argument("--json", action="store_true", help="print {output, vocab_size, ...} as JSON")
    t.set_defaults(handler=run)
    p.set_defaults(handler=lambda args: (p.print_help(), 2)[1])


def run(args: argparse.Namespace) -> int:
    from pretrain import PretrainError, read_documents, train_tokenizer_on_corpus

    if args.output.exists() and not args.overwrite:
        raise PretrainError(f"{args.output} exists", hint="choose another -o file or pass --overwrite")
    if args.vocab_size < 300:
        raise PretrainError(
            f"--vocab-size {args.vocab_size} is too small",
            hint="the vocabulary holds 256 byte pieces and the special tokens: use 300 or more",
        )
    tok = train_tokenizer_on_corpus(
        args.corpus, args.vocab_size, max_bytes=int(args.sample_mb * 1e6), model_type=args.model_type
    )
    args.output.parent.mkdir(parents=True, exist_ok=True)
    tok.save(args.output)
    # Tokens per byte on a slice of the corpus: how well the vocabulary compresses code.
    sample = [d["text"] for _, d in zip(range(200), read_documents(args.corpus))]
    n_bytes = sum(len(t.encode()) for t in sample)
    n_tokens = sum(len(tok.encode(t)) for t in sample)
    roundtrip = all(tok.decode(tok.encode(t)) == t for t in sample)
    result = {
        "output": str(args.output),
        "vocab_size": tok.vocab_size,
        "bytes_per_token": n_bytes / max(n_tokens, 1),
        "roundtrip_exact": roundtrip,
    }
    if args.json:
        ui.print_json(result)
    else:
        ui.success(
            f"{tok.vocab_size} pieces in {args.output}; {result['bytes_per_token']:.2f} bytes per token; "
            f"round trip {'exact' if roundtrip else 'NOT exact'} on {len(sample)} documents"
        )
    return 0
