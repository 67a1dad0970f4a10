"""Fine-tuning examples from problem files: (prompt, target) token pairs with AlphaCode's conditioning.

The prompt is exactly what the sampler will be given (`policy_model.render_completion_prompt`): the
problem's rating, tags and language, the statement and examples, then "CORRECT SOLUTION" and an open
code fence. Rejected programs are kept as well, under "INCORRECT SOLUTION" (AlphaCode's value
conditioning): the model learns from them what not to write, and sampling asks for correct ones.
The target is the program, the closing fence and `<eos>`; the loss counts target tokens only.

Problems are read with a small JSONL reader of our own (the fields of `cpagent`'s problem JSONL and of
CodeContests-style records), so this package needs nothing from `agent/`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from policy_model import Conditioning, PolicyPrompt, render_completion_prompt
from pretrain.errors import PretrainError

# Dataset language names -> the judge's language names that the prompt states.
LANGUAGES = {
    "c": "c99",
    "c99": "c99",
    "c11": "c11",
    "cpp": "cpp17",
    "c++": "cpp17",
    "cpp17": "cpp17",
    "cpp20": "cpp20",
    "python": "python3",
    "python3": "python3",
    "pypy3": "pypy3",
}


@dataclass(frozen=True)
class Solution:
    code: str
    language: str  # judge name (c99, cpp17, python3, ...)
    correct: bool


@dataclass(frozen=True)
class ProblemRecord:
    problem_id: str
    name: str
    statement: str
    rating: int | None
    tags: tuple[str, ...]
    examples: tuple[tuple[str, str], ...]
    tests: tuple[str, ...]  # every test input known (public first)
    time_limit_s: float | None
    memory_mb: int | None
    solutions: tuple[Solution, ...]

    def prompt(self, language: str, statement: str | None = None) -> PolicyPrompt:
        return PolicyPrompt(
            statement=self.statement if statement is None else statement,
            name=self.name,
            problem_id=self.problem_id,
            language=language,
            rating=self.rating,
            tags=self.tags,
            examples=self.examples,
            time_limit_s=self.time_limit_s,
            memory_mb=self.memory_mb,
        )


def _solutions(rec: dict, key: str, correct: bool) -> Iterator[Solution]:
    for sol in rec.get(key) or []:
        if isinstance(sol, dict) and isinstance(sol.get("code"), str):
            lang = LANGUAGES.get(str(sol.get("language", "")).lower())
            if lang:
                yield Solution(sol["code"], lang, correct)


def read_problems(path: str | Path) -> Iterator[ProblemRecord]:
    path = Path(path)
    if not path.is_file():
        raise PretrainError(f"problem file not found: {path}", hint="give a problem JSONL file")
    with path.open(encoding="utf-8") as fh:
        for number, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                rec = json.loads(line)
            except json.JSONDecodeError as exc:
                raise PretrainError(f"{path}:{number}: not JSON", hint="give a problem JSONL file") from exc
            public = [t for t in rec.get("public_tests") or [] if isinstance(t, dict)]
            hidden = [t for t in rec.get("hidden_tests") or [] if isinstance(t, dict)]
            yield ProblemRecord(
                problem_id=str(rec.get("id") or number),
                name=str(rec.get("name") or ""),
                statement=str(rec.get("statement") or rec.get("description") or ""),
                rating=rec.get("rating") if isinstance(rec.get("rating"), int) else None,
                tags=tuple(str(t) for t in rec.get("tags") or ()),
                examples=tuple((str(t.get("input", "")), str(t.get("output", ""))) for t in public),
                tests=tuple(str(t.get("input", "")) for t in public + hidden),
                time_limit_s=rec.get("time_limit_s"),
                memory_mb=rec.get("memory_mb"),
                solutions=(
                    *_solutions(rec, "correct_solutions", True),
                    *_solutions(rec, "solutions", True),
                    *_solutions(rec, "incorrect_solutions", False),
                ),
            )


def solve_prompt(problem: ProblemRecord, language: str, correct: bool = True) -> str:
    text = render_completion_prompt(
        problem.prompt(language), Conditioning(language=language, rating=problem.rating, tags=problem.tags)
    )
    return text if correct else text.replace("\nCORRECT SOLUTION\n", "\nINCORRECT SOLUTION\n")


def _target(code: str) -> str:
    return code.rstrip("\n") + "\n```\n"


def solve_examples(
    problems: Iterable[ProblemRecord], *, include_incorrect: bool = True
) -> Iterator[tuple[str, str]]:
    """(prompt text, target text) for every solution; the target ends with the closing fence."""
    for p in problems:
        for s in p.solutions:
            if s.correct or include_incorrect:
                yield solve_prompt(p, s.language, s.correct), _target(s.code)


def generator_program(inputs: list[str]) -> str:
    """A Python program printing one of `inputs` chosen by its seed (the generator task's target)."""
    listing = ",\n    ".join(repr(i) for i in inputs)
    return (
        "import sys\n\nINPUTS = [\n    " + listing + ",\n]\n\n"
        "args = sys.argv[1:] or sys.stdin.read().split()[:1] or ['0']\n"
        "seed = int(args[0])\nsys.stdout.write(INPUTS[seed % len(INPUTS)])\n"
    )


def generator_examples(
    problems: Iterable[ProblemRecord], template: str, *, max_input_chars: int = 300, per_problem: int = 4
) -> Iterator[tuple[str, str]]:
    """(prompt, target) pairs teaching the test-input generator task that clustering asks the policy for.

    The prompt is the generator request (`template` with `{statement}`, clustering's own text passed in by
    the command layer) rendered as the sampler renders it for Python; the target is a program that writes
    the problem's known small, valid test inputs chosen by seed: it teaches the input format and the
    constraints from real inputs.
    """
    if "{statement}" not in template:
        raise PretrainError(
            "the generator prompt template has no {statement} field",
            hint="set finetune.generator_prompt or leave it empty for the default",
        )
    for p in problems:
        inputs = list(dict.fromkeys(t for t in p.tests if 0 < len(t) <= max_input_chars))[:per_problem]
        if inputs:
            prompt = p.prompt("python3", statement=template.format(statement=p.statement))
            text = render_completion_prompt(prompt, Conditioning(language="python3"))
            yield text, _target(generator_program(inputs))


def encode_examples(
    pairs: Iterable[tuple[str, str]], tokenizer, statement_tokens: int
) -> Iterator[tuple[list[int], list[int]]]:
    for prompt, target in pairs:
        ids = tokenizer.encode(prompt, add_bos=True)
        yield ids[-statement_tokens:], tokenizer.encode(target, add_eos=True)
