"""The `candidates` backend: programs from a JSONL file (an earlier run, another system).

Each line: {"code": ..., "language": ..., "logprob"?: ..., "num_tokens"?: ..., "problem_id"?: ...,
anything else}. Lines with a `problem_id` are only given for the prompt with that id; other fields
go to the candidate's `meta`.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

from policy_model._policy import Candidate, Policy, SampleOptions
from policy_model._prompt import PolicyPrompt
from policy_model.errors import PolicyError

_KNOWN = {"code", "language", "logprob", "num_tokens", "problem_id"}


class CandidatesPolicy(Policy):
    name = "candidates"

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        if not self.path.is_file():
            raise PolicyError(f"candidates file not found: {self.path}",
                              hint="give a JSONL file with one {\"code\": ..., \"language\": ...} per line")

    def sample(self, prompt: PolicyPrompt, n: int, options: SampleOptions | None = None) -> Iterator[Candidate]:
        given = 0
        skip = options.offset if options is not None else 0  # lines an earlier batch already gave
        with self.path.open(encoding="utf-8") as f:
            for lineno, line in enumerate(f, 1):
                if given >= n:
                    return
                if not line.strip():
                    continue
                try:
                    row = json.loads(line)
                except json.JSONDecodeError as exc:
                    raise PolicyError(f"{self.path}:{lineno}: invalid JSON ({exc.msg})",
                                      hint="each line must be one JSON object") from exc
                if not isinstance(row, dict) or not isinstance(row.get("code"), str):
                    raise PolicyError(f"{self.path}:{lineno}: no \"code\" string",
                                      hint="each line needs {\"code\": ..., \"language\": ...}")
                pid = row.get("problem_id")
                if pid is not None and prompt.problem_id and str(pid) != prompt.problem_id:
                    continue
                if skip > 0:
                    skip -= 1
                    continue
                logprob = row.get("logprob")
                num_tokens = row.get("num_tokens")
                yield Candidate(
                    code=row["code"], language=str(row.get("language") or prompt.language),
                    logprob=float(logprob) if logprob is not None else None,
                    num_tokens=int(num_tokens) if num_tokens is not None else None, backend=self.name,
                    meta={"line": lineno, **{k: v for k, v in row.items() if k not in _KNOWN}},
                )
                given += 1
