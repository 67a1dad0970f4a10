"""The `cpagent` command: one module per subcommand, each with `add_parser` and `run`.

`main(argv)` is callable from tests. Errors a user can meet end in one `[FAILURE]` line and a
`[HINT]` line, exit status 2, never a traceback.
"""

from __future__ import annotations

import argparse
import errno
import importlib
import sys
from collections.abc import Sequence

from agent import ui
from agent.errors import CpagentError, DiskFullError

# Subcommand modules under agent/commands, in the order `--help` lists them.
COMMANDS: tuple[str, ...] = (
    "run",
    "test",
    "doctor",
    "fetch",
    "show",
    "listen",
    "solve",
    "eval",
    "clusters",
    "contest",
    "serve",
    "train_scorer",
    "corpus",
    "tokenizer",
    "train",
)


def _user_errors() -> tuple[type[BaseException], ...]:
    """Every package's user-facing error base, so the CLI can end any of them cleanly."""
    errors: list[type[BaseException]] = [CpagentError]
    for module, name in (
        ("sandbox.errors", "SandboxError"),
        ("policy_model.errors", "PolicyError"),
        ("clustering.errors", "ClusteringError"),
        ("scorer.errors", "ScorerError"),
        ("pretrain.errors", "PretrainError"),
    ):
        try:
            errors.append(getattr(importlib.import_module(module), name))
        except (ImportError, AttributeError):
            continue
    return tuple(errors)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="cpagent",
        description="Sample, judge, cluster and select programs for competitive-programming problems.",
        epilog="examples:\n  cpagent doctor\n  cpagent test solution.cpp examples/two-sums\n"
        "  cpagent eval examples --policy dataset",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        try:
            module = importlib.import_module(f"agent.commands.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"agent.commands.{name}":
                continue  # not built yet
            raise
        module.add_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(list(argv) if argv is not None else None)
    if not getattr(args, "handler", None):
        parser.print_help(sys.stderr)
        return 2
    user_errors = _user_errors()
    try:
        return int(args.handler(args) or 0)
    except KeyboardInterrupt:
        ui.failure("interrupted")
        ui.hint("run the same command again to resume where it stopped")
        return 130
    except user_errors as exc:  # type: ignore[misc]
        return _fail(exc)
    except OSError as exc:
        if exc.errno not in (errno.ENOSPC, errno.EDQUOT):
            raise
        return _fail(DiskFullError(str(exc.filename or "the output directory")))


def _fail(exc: BaseException) -> int:
    ui.failure(getattr(exc, "message", str(exc)))
    hint = getattr(exc, "hint", "")
    if hint:
        ui.hint(hint)
    return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
