"""What the policy is asked: the problem as plain data, and the text each batch's prompt becomes.

AlphaCode conditioned its samples on metadata written into the prompt (a rating, tags, the language)
and drew ratings and tags at random per batch to diversify the samples; AlphaCode 2 also drew a random
temperature per batch. `plan_batches` makes those draws, seeded, so a run can be reproduced.
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

# Display names and Markdown fence tags of the languages the judge runs (sandbox language names).
LANGUAGE_NAMES = {"cpp17": "C++17", "cpp20": "C++20", "c11": "C11", "c99": "C99",
                  "python3": "Python 3", "pypy3": "Python 3 (PyPy)"}
FENCE_TAGS = {"cpp17": "cpp", "cpp20": "cpp", "c11": "c", "c99": "c", "python3": "python", "pypy3": "python"}

# Codeforces' tag vocabulary, for random tag conditioning.
CODEFORCES_TAGS: tuple[str, ...] = (
    "implementation", "math", "greedy", "dp", "data structures", "brute force", "constructive algorithms",
    "graphs", "sortings", "binary search", "dfs and similar", "trees", "strings", "number theory",
    "combinatorics", "two pointers", "bitmasks", "geometry", "dsu", "shortest paths", "probabilities",
    "divide and conquer", "hashing", "games", "interactive", "matrices", "string suffix structures",
    "graph matchings", "flows", "fft", "ternary search", "expression parsing", "meet-in-the-middle",
)


@dataclass(frozen=True, kw_only=True)
class PolicyPrompt:
    """A problem as the policy sees it: plain strings, so this package needs nothing from agent/."""

    statement: str
    name: str = ""
    problem_id: str = ""  # lets a `candidates` file hold programs for many problems
    language: str = "cpp17"
    rating: int | None = None
    tags: tuple[str, ...] = ()
    examples: tuple[tuple[str, str], ...] = ()  # public (input, output) pairs
    time_limit_s: float | None = None
    memory_mb: int | None = None


@dataclass(frozen=True, kw_only=True)
class Conditioning:
    """The metadata one batch's prompt states."""

    language: str
    rating: int | None = None
    tags: tuple[str, ...] = ()


@dataclass(frozen=True, kw_only=True)
class BatchPlan:
    index: int
    size: int
    seed: int
    temperature: float
    conditioning: Conditioning


@dataclass(frozen=True, kw_only=True)
class ConditioningOptions:
    randomize_rating: bool = False  # draw a rating per batch instead of the problem's
    rating_range: tuple[int, int] = (800, 3500)
    randomize_tags: bool = False  # draw tags per batch instead of the problem's
    max_random_tags: int = 3
    tag_pool: tuple[str, ...] = field(default=CODEFORCES_TAGS)


def draw_conditioning(prompt: PolicyPrompt, rng: random.Random, opts: ConditioningOptions) -> Conditioning:
    rating = prompt.rating
    if opts.randomize_rating:
        lo, hi = opts.rating_range
        rating = rng.randrange(lo, hi + 1, 100) if hi >= lo else lo
    tags = tuple(prompt.tags)
    if opts.randomize_tags:
        tags = tuple(rng.sample(opts.tag_pool, rng.randint(1, min(opts.max_random_tags, len(opts.tag_pool)))))
    return Conditioning(language=prompt.language, rating=rating, tags=tags)


def plan_batches(
    prompt: PolicyPrompt, n: int, batch_size: int, *, seed: int, temperatures: Sequence[float],
    conditioning: ConditioningOptions,
) -> Iterator[BatchPlan]:
    """Split n samples into batches, each with its own seed, temperature and conditioning draw."""
    rng = random.Random(seed)
    done, index = 0, 0
    while done < n:
        size = min(batch_size, n - done)
        temp = temperatures[0] if len(temperatures) == 1 else rng.choice(list(temperatures))
        cond = draw_conditioning(prompt, rng, conditioning)
        yield BatchPlan(index=index, size=size, seed=rng.randrange(2**31), temperature=temp, conditioning=cond)
        done += size
        index += 1


def _header(prompt: PolicyPrompt, cond: Conditioning) -> list[str]:
    lines = []
    if prompt.name:
        lines.append(f"PROBLEM: {prompt.name}")
    if cond.rating is not None:
        lines.append(f"RATING: {cond.rating}")
    if cond.tags:
        lines.append(f"TAGS: {', '.join(cond.tags)}")
    lines.append(f"LANGUAGE IS {LANGUAGE_NAMES.get(cond.language, cond.language)}")
    limits = []
    if prompt.time_limit_s is not None:
        limits.append(f"time limit {prompt.time_limit_s:g} s")
    if prompt.memory_mb is not None:
        limits.append(f"memory limit {prompt.memory_mb} MB")
    if limits:
        lines.append("LIMITS: " + ", ".join(limits))
    return lines


def _examples(prompt: PolicyPrompt) -> list[str]:
    out = []
    for i, (inp, outp) in enumerate(prompt.examples, 1):
        out += [f"Example {i} input:", inp.rstrip("\n"), f"Example {i} output:", outp.rstrip("\n"), ""]
    return out


def render_completion_prompt(prompt: PolicyPrompt, cond: Conditioning) -> str:
    """The completion-style prompt: metadata, statement, examples, then an open code fence."""
    fence = FENCE_TAGS.get(cond.language, "")
    parts = _header(prompt, cond) + ["", prompt.statement.strip(), ""] + _examples(prompt)
    parts += ["CORRECT SOLUTION", f"```{fence}", ""]
    return "\n".join(parts)


# A completion prompt ends inside an open fence; the closing fence ends the program.
COMPLETION_STOP: tuple[str, ...] = ("\n```",)


def render_chat_messages(prompt: PolicyPrompt, cond: Conditioning) -> list[dict[str, str]]:
    """Chat-style messages for instruction-tuned models (OpenAI chat completions)."""
    lang = LANGUAGE_NAMES.get(cond.language, cond.language)
    system = ("You are an expert competitive programmer. Solve the problem with a complete program that "
              "reads standard input and writes standard output. Answer with a single Markdown code block.")
    body = _header(prompt, cond) + ["", prompt.statement.strip(), ""] + _examples(prompt)
    body.append(f"Write a correct and efficient solution in {lang}.")
    return [{"role": "system", "content": system}, {"role": "user", "content": "\n".join(body)}]
