"""Test inputs from the inferred structure: mutations, random within bounds, boundary values.

Mutations follow CodeContests (integer +-1, swapped elements, changed and swapped characters, bit
flips) but keep every count consistent with what it counts and every value inside its domain.
Random and boundary inputs are generated item by item, so later bounds can depend on earlier values
(`1 <= k <= n`). Sizes stay small (`size_cap`) so each run is fast, unless a size test is asked for.
Everything is drawn from one seeded `random.Random`: the same seed gives the same inputs.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from clustering.comparisons import Comparison, characters, dictionary, replacements
from clustering.data import GeneratedInput
from clustering.domains import Domain, repeat_rows, sequences
from clustering.promises import VALUE_PROMISES, holds, keep_value, rows_distinct, value_holds
from clustering.structure import (Array, Choice, CountedArray, Item, Observations, Repeat, Scalars, Structure, Text,
                                  parse)

# Modes of whole-input generation, cycled so every round sees a mix. "extreme" (each value at or
# next to a bound) comes often: overflow and off-by-one bugs need several values at once there.
RANDOM_MODES = ("random", "small-values", "mixed", "log-values", "extreme", "mixed", "pool", "medium")
BOUNDARY_MODES = ("min", "max-values", "extreme", "equal", "sorted", "extreme", "reversed", "max-size")
# "pool": values repeat and relate across the whole input (ties, a value equal to another variable or to
# the sum or difference of two earlier ones, a name given twice, rows of one character): the
# coincidences near misses mishandle, which independent draws almost never make. "medium": counts
# up to `medium_cap`, beyond the fixed-size arrays some programs declare, still fast to run.
POOL_REUSE = 0.55  # share of draws that repeat an earlier value of the input
POOL_RELATE = 0.2  # share of draws that are the sum or difference of two earlier values


@dataclass(frozen=True)
class GeneratorConfig:
    """How big generated inputs may be. `size_cap` bounds every count outside a size test."""

    size_cap: int = 8
    text_cap: int = 12
    size_test_cap: int = 2000  # counts in a "max-size" input (still bounded by the statement)
    medium_cap: int = 40  # counts in a "medium" input (still bounded by the statement)
    # "max-values" inputs put a count (a string's length) at the statement's bound when it is at most this:
    # `char s[100]` for strings of up to 100 letters fails only there, and such inputs still run fast.
    small_max_count: int = 100
    small_max_length: int = 200
    size_tests: bool = False
    # Guided values may go down to 0 where the statement gives no lower bound (see `_guided_range`).
    guided_open_low: bool = True


class StructureGenerator:
    """Renders inputs for one problem from its structure and domains."""

    def __init__(self, structure: Structure, domains: dict[str, Domain], public_inputs: Sequence[str],
                 config: GeneratorConfig = GeneratorConfig()) -> None:
        self.structure = structure
        self.domains = domains
        self.public = [p for p in public_inputs if parse(structure, p) is not None]
        self.config = config
        self.by_statement = {d.statement_name: d for d in domains.values() if d.statement_name}
        self.splitters: list[str] = []  # inputs that split programs (`learn`), bases for mutations
        self.traced: dict[str, list[Comparison]] = {}  # input -> what programs compared on it (`observe`)
        self._constants: list[int] = []  # constants the programs compare with, and their neighbours
        self.guided_made: list[str] = []  # guided inputs made so far (traced in turn by the clustering)
        self._chars: list[str] = []  # characters the programs compare with ('A' in `c >= 65`), and neighbours
        self._drawn: list[float] = []  # this input's numbers so far ("pool" mode)
        self._words: list[str] = []  # this input's words so far ("pool" mode)
        self._char = ""  # this input's one character ("equal" mode)
        self._value_promises = {n: [k for k in d.promises if k in VALUE_PROMISES] for n, d in domains.items()
                                if any(k in VALUE_PROMISES for k in d.promises)}
        # Mutations keep the relative bounds (`u_i <= n`) unless a sample breaks one (then it is misread).
        self._bounds_hold = all(self._within_bounds(structure.items, parse(structure, p), {}) for p in self.public)
        # Words no earlier integer sizes: a mutation may insert or delete a character.
        self._free_texts = {it.name for it in self._all_items(structure.items) if isinstance(it, Text) and not it.length}

    # -- values --------------------------------------------------------------------------
    def _env_set(self, env: dict[str, float], name: str, value: float) -> None:
        env[name] = value
        dom = self.domains.get(name)
        if dom is not None and dom.statement_name:
            env[dom.statement_name] = value

    def _number(self, dom: Domain, env: dict[str, float], mode: str, rng: random.Random) -> float:
        value = self._draw(dom, env, mode, rng)
        kinds = [k for k in dom.promises if k in VALUE_PROMISES]
        if kinds and dom.kind == "int":  # "n is prime", "an even n": the nearest value that keeps it
            lo, hi = dom.range(env, self.by_statement)
            value = keep_value(kinds, int(value), math.ceil(lo), math.floor(hi))
        if mode == "pool":
            self._drawn.append(value)
        return value

    def _pooled(self, lo: float, hi: float, integral: bool, rng: random.Random) -> float | None:
        """An earlier value of this input, or the sum or difference of two, within [lo, hi] (None: a fresh draw)."""
        r = rng.random()
        if r < POOL_REUSE:
            fits = [v for v in self._drawn if lo <= v <= hi and (not integral or v == int(v))]
            return rng.choice(fits) if fits else None
        if r < POOL_REUSE + POOL_RELATE and len(self._drawn) >= 2:
            a, b = rng.sample(self._drawn, 2)
            fits = [v for v in (a + b, abs(a - b)) if lo <= v <= hi and (not integral or v == int(v))]
            return rng.choice(fits) if fits else None
        return None

    def _draw(self, dom: Domain, env: dict[str, float], mode: str, rng: random.Random) -> float:
        lo, hi = dom.range(env, self.by_statement)
        if dom.kind == "int":
            lo, hi = math.ceil(lo), math.floor(hi)
            if hi < lo:
                hi = lo
        if mode == "pool" and not dom.sizes:
            pooled = self._pooled(lo, hi, dom.kind == "int", rng)
            if pooled is not None:
                return pooled
            mode = rng.choice(("random", "small-values", "log-values"))
        if dom.sizes:
            if mode == "medium" and dom.kind == "int":
                top = max(lo, min(hi, self.config.medium_cap))
                return rng.randint(int(min(top, max(lo, self.config.size_cap + 1))), int(top))
            cap = self.config.size_test_cap if mode == "max-size" else self.config.size_cap
            top = max(lo, min(hi, lo + cap if lo > 0 else cap))
            if mode == "min":
                return lo
            if mode == "max-size":
                return top
            if mode == "max-values" and hi <= self.config.small_max_count:
                return hi  # a count at its bound when the bound is small: arrays declared one short overflow
            if mode == "extreme" and dom.kind == "int":  # n = 1 or 2 with values at their bounds: edge cases
                return rng.choice((lo, min(lo + 1, top), top, rng.randint(int(lo), int(top))))
            if mode == "small-values" and dom.kind == "int":
                return rng.randint(int(lo), int(min(top, lo + 2)))
            return rng.randint(int(lo), int(top)) if dom.kind == "int" else rng.uniform(lo, top)
        if mode == "min":
            value = lo
        elif mode in ("max-values", "max-size"):
            value = hi
        elif mode == "extreme":
            value = rng.choice((lo, hi, lo + 1, hi - 1))
        elif mode == "mixed":  # zeros and ones beside ordinary values: "594 0 0 819 304 0"
            value = rng.choice((lo, lo, lo + 1, rng.uniform(lo, hi), rng.uniform(lo, min(hi, lo + 10)), hi))
        elif mode == "small-values":
            value = rng.uniform(lo, min(hi, lo + 3))
        elif mode == "log-values" and hi - lo > 100:
            value = lo + math.exp(rng.uniform(0, math.log(hi - lo + 1))) - 1
        else:
            value = rng.uniform(lo, hi)
        value = min(max(value, lo), hi)
        return round(value) if dom.kind == "int" else round(value, dom.decimals or 2)

    def _format(self, dom: Domain, value: float) -> str:
        if dom.kind == "int":
            return str(int(value))
        return f"{value:.{dom.decimals or 2}f}"

    def _word(self, dom: Domain, rng: random.Random, length: int | None, mode: str) -> str:
        if mode != "pool":
            return self._fresh_word(dom, rng, length, mode)
        same = [w for w in self._words if self._fits_word(dom, w, length)]
        if same and rng.random() < POOL_REUSE:
            return rng.choice(same)  # a name given twice, a row repeated
        if dom.kind != "word" and rng.random() < 0.5:
            word = self._fresh_word(dom, rng, length, "equal")  # a row of one character
        else:
            word = self._fresh_word(dom, rng, length, "random")
        self._words.append(word)
        return word

    @staticmethod
    def _fits_word(dom: Domain, word: str, length: int | None) -> bool:
        """Whether a word drawn for another variable of this input may stand here too."""
        if length is not None and len(word) != length:
            return False
        if dom.pattern:
            return len(word) == len(dom.pattern) and all(c in col for c, col in zip(word, dom.pattern))
        if (dom.kind == "word" or dom.names) and dom.words:
            return word in dom.words
        return dom.len_lo <= len(word) <= dom.len_hi and set(word) <= set(dom.alphabet or "ab")

    def _fresh_word(self, dom: Domain, rng: random.Random, length: int | None, mode: str) -> str:
        if mode == "equal":  # one character throughout the input: a board all black, "aaaa"
            word = self._one_character(dom, rng, length)
            if word:
                return word
        if dom.kind == "word" and dom.pattern and length is None and rng.random() < 0.5:
            return "".join(rng.choice(column) for column in dom.pattern)  # a new card "KD" from "QH", "8D", "AS"
        if (dom.kind == "word" or dom.names) and dom.words and length is None:
            return rng.choice(dom.words)
        if dom.pattern and (length is None or length == len(dom.pattern)):
            return "".join(rng.choice(column) for column in dom.pattern)
        if length is None:
            top = max(dom.len_lo, min(dom.len_hi, self.config.text_cap))
            length = {"min": dom.len_lo, "max-size": min(dom.len_hi, self.config.size_test_cap),
                      "max-values": dom.len_hi if dom.len_hi <= self.config.small_max_length else top,
                      "medium": rng.randint(min(top, dom.len_hi), max(top, min(dom.len_hi, self.config.medium_cap)))
                      }.get(mode, rng.randint(dom.len_lo, top))
        alphabet = dom.alphabet or "ab"
        if mode == "small-values":
            alphabet = alphabet[:2]
        word = "".join(rng.choice(alphabet) for _ in range(length))
        if mode == "sorted":
            return "".join(sorted(word))
        if mode == "reversed":
            return "".join(sorted(word, reverse=True))
        return word

    def _one_character(self, dom: Domain, rng: random.Random, length: int | None) -> str:
        """The input's one character repeated, where this variable allows it at every position ("" if not)."""
        if (dom.kind == "word" or dom.names) and dom.words and not dom.pattern:
            return ""  # categorical words ("alloc", "captain") and names ("May") are taken as seen
        if dom.pattern:
            if length is not None and length != len(dom.pattern):
                return ""
            common = set.intersection(*(set(col) for col in dom.pattern)) if dom.pattern else set()
            length = len(dom.pattern)
        else:
            common = set(dom.alphabet or "ab")
            if length is None:
                length = rng.randint(dom.len_lo, max(dom.len_lo, min(dom.len_hi, self.config.text_cap)))
        if not common or length < 1:
            return ""
        if self._char not in common:
            self._char = rng.choice(sorted(common))
        return self._char * length

    def _sequence(self, dom: Domain, n: int, env: dict[str, float], mode: str, rng: random.Random) -> list[str]:
        if dom.kind == "word":
            return [self._word(dom, rng, None, mode) for _ in range(n)]
        if "permutation" in dom.promises:
            values: list[float] = list(range(dom.perm_base, dom.perm_base + n))
            if mode == "reversed":
                values.reverse()
            elif mode not in ("sorted", "min"):
                rng.shuffle(values)
        elif {"distinct", "increasing", "decreasing"} & set(dom.promises):
            values = self._distinct(dom, n, env, mode, rng)
        else:
            values = [self._number(dom, env, mode, rng) for _ in range(n)]
            if mode == "equal" and values:
                values = [values[0]] * n
        if mode == "sorted" or {"increasing", "nondecreasing"} & set(dom.promises):
            values.sort()
        elif mode == "reversed" or {"decreasing", "nonincreasing"} & set(dom.promises):
            values.sort(reverse=True)
        return [self._format(dom, v) for v in values]

    def _distinct(self, dom: Domain, n: int, env: dict[str, float], mode: str, rng: random.Random) -> list[float]:
        """n distinct values (the statement promises it): near the bounds for boundary modes."""
        lo, hi = dom.range(env, self.by_statement)
        if dom.kind == "int":
            lo, hi = math.ceil(lo), math.floor(hi)
            if mode in ("min", "equal"):
                return [float(v) for v in range(int(lo), int(lo) + n)]
            if mode in ("max-values", "max-size"):
                return [float(v) for v in range(int(hi), int(hi) - n, -1)]
        out: list[float] = []
        seen: set[float] = set()
        for _ in range(20 * n + 20):
            if len(out) >= n:
                break
            v = self._number(dom, env, mode if mode != "equal" else "random", rng)
            if v not in seen:
                seen.add(v)
                out.append(v)
        while len(out) < n:  # a small range: take what is left in order (validity is checked after)
            out.append(out[-1] + 1 if out else lo)
        return out

    def _items(self, items: Sequence[Item], env: dict[str, float], mode: str, rng: random.Random) -> list[str]:
        lines: list[str] = []
        for item in items:
            if isinstance(item, Choice):
                head, body = rng.choice(item.options)
                rest = self._items((body,), dict(env), mode, rng)[0]
                lines.append(f"{head} {rest}".strip())
            elif isinstance(item, Scalars):
                toks = []
                for t in item.tokens:
                    dom = self.domains[t.name]
                    if dom.kind == "word":
                        toks.append(self._word(dom, rng, None, mode))
                        continue
                    value = self._number(dom, env, mode, rng)
                    for _ in range(20):  # `a_i ≠ b_i`: draw again while equal to a value it must differ from
                        if not any(env.get(other) == value for other in dom.differs):
                            break
                        value = self._number(dom, env, "random", rng)
                    self._env_set(env, t.name, value)
                    toks.append(self._format(dom, value))
                lines.append(" ".join(toks))
            elif isinstance(item, Array):
                n = max(0, int(item.length.value(env)))  # type: ignore[arg-type]
                lines.append(" ".join(self._sequence(self.domains[item.name], n, env, mode, rng)))
            elif isinstance(item, CountedArray):
                k = int(self._number(self.domains[item.count], env, mode, rng))
                lines.append(" ".join([str(k)] + self._sequence(self.domains[item.name], k, env, mode, rng)))
            elif isinstance(item, Text):
                length = int(item.length.value(env)) if item.length else None  # type: ignore[arg-type]
                lines.append(self._word(self.domains[item.name], rng, length, mode))
            elif isinstance(item, Repeat):
                count = max(0, int(item.count.value(env)))  # type: ignore[arg-type]
                edges = self._tree(item, env, rng)
                distinct = self._rows_distinct(item)
                seen: set[tuple[str, ...]] = set()
                for k in range(count):
                    body = self._items(item.body, dict(env), mode, rng)
                    for _ in range(30 if distinct else 0):  # "each pair is given once": draw a row not seen yet
                        if tuple(sorted(body[0].split())) not in seen:
                            break
                        body = self._items(item.body, dict(env), "random", rng)
                    seen.add(tuple(sorted(body[0].split())))
                    if edges is not None and k < len(edges):
                        rest = body[0].split()[2:]
                        body[0] = " ".join([str(edges[k][0]), str(edges[k][1])] + rest)
                    lines.extend(body)
        return lines

    def _is_tree(self, item: Repeat) -> bool:
        if item.count.var is None or item.count.offset != -1 or len(item.body) != 1:
            return False
        body = item.body[0]
        if not isinstance(body, Scalars) or len(body.tokens) < 2:
            return False
        count = self.domains.get(item.count.var)
        n_name = count.statement_name if count else None
        for t in body.tokens[:2]:
            dom = self.domains[t.name]
            if t.kind != "int" or dom.lo is None or dom.lo.value != 1:
                return False
            if not any(e.var is not None and e.var == n_name and e.value == 0 for e in dom.his):
                return False
        return True

    def _tree(self, item: Repeat, env: dict[str, float], rng: random.Random) -> list[tuple[int, int]] | None:
        """`n - 1` lines whose first two integers lie in [1, n] are the edges of a tree: draw one.

        Random pairs would almost never form the tree the statement promises, and correct programs
        disagree on invalid inputs; a random labelled tree keeps the input valid.
        """
        if not self._is_tree(item):
            return None
        n = int(env.get(item.count.var or "", 0))
        labels = list(range(1, n + 1))
        rng.shuffle(labels)
        edges = []
        for v in range(1, n):
            u = rng.randrange(v)
            a, b = labels[u], labels[v]
            edges.append((a, b) if rng.random() < 0.5 else (b, a))
        rng.shuffle(edges)
        return edges

    def generate(self, mode: str, rng: random.Random) -> GeneratedInput | None:
        for _ in range(5):
            self._drawn, self._words, self._char = [], [], ""
            text = "\n".join(self._items(self.structure.items, {}, mode, rng)) + "\n"
            if self.keeps_promises(text):
                origin = "boundary" if mode in BOUNDARY_MODES else "random"
                return GeneratedInput(text, origin, mode)
        return None

    def _rows_distinct(self, item: Repeat) -> bool:
        return (len(item.body) == 1 and isinstance(item.body[0], Scalars)
                and any("distinct-rows" in self.domains[t.name].promises for t in item.body[0].tokens))

    def keeps_promises(self, text: str) -> bool:
        """Whether every sequence of `text` keeps what the statement promises of it (distinct, sorted, ...)."""
        if not any(d.promises for d in self.domains.values()):
            return True
        if self._value_promises:
            observed = Observations()
            if parse(self.structure, text, observed) is None:
                return False
            for name, kinds in self._value_promises.items():
                if not all(value_holds(k, v) for k in kinds for v in observed.values.get(name, [])):
                    return False
        for tokens, instances in repeat_rows(self.structure, [text]).items():
            if any("distinct-rows" in self.domains[t].promises for t in tokens):
                if not all(rows_distinct(rows) for rows in instances):
                    return False
        for name, seqs in sequences(self.structure, [text]).items():
            dom = self.domains.get(name)
            if dom is not None and not all(holds(kind, s) for kind in dom.promises for s in seqs):
                return False
        return True

    # -- mutations -----------------------------------------------------------------------
    def _leaves(self, items: Sequence[Item], values: list, out: list) -> None:
        """(item, container, index) for every value a mutation may touch (never a count)."""
        for index, (item, value) in enumerate(zip(items, values)):
            if isinstance(item, Scalars):
                for j, t in enumerate(item.tokens):
                    if not self.domains[t.name].sizes:
                        out.append((t.name, value, j))
            elif isinstance(item, (Array, CountedArray)):
                out.extend((item.name, value, j) for j in range(len(value)))
                if len(value) >= 2:
                    out.append((item.name, value, "swap"))
            elif isinstance(item, Text):
                out.append((item.name, values, index))
            elif isinstance(item, Choice):
                body = dict(item.options)[value[0]]
                out.extend((t.name, value, j + 1) for j, t in enumerate(body.tokens))
            elif isinstance(item, Repeat):
                tree = self._is_tree(item)
                for rep in value:
                    got: list = []
                    self._leaves(item.body, rep, got)
                    # A tree's edges stay as they are: changing one would rarely leave a tree.
                    out.extend(g for g in got if not (tree and g[1] is rep[0] and g[2] in (0, 1)))

    def _mutate_token(self, dom: Domain, token: str, rng: random.Random, env: dict[str, float],
                      free_length: bool = False) -> str:
        if dom.kind == "int":
            lo, hi = dom.range(env, self.by_statement)  # statement bounds (relative ones under this input), else the samples'
            value = min(max(int(token) + rng.choice((-1, 1)), math.ceil(lo)), math.floor(hi))
            return str(value)
        if dom.kind == "float":
            return self._format(dom, float(token) + rng.choice((-1, 1)) * 10 ** -(dom.decimals or 1))
        if dom.kind == "word" and dom.pattern and len(token) == len(dom.pattern) and rng.random() < 0.5:
            i = rng.randrange(len(token))
            return token[:i] + rng.choice(dom.pattern[i]) + token[i + 1:]
        if (dom.kind == "word" or dom.names) and dom.words:
            return rng.choice(dom.words)
        chars = list(token)
        if not chars:
            return token
        if dom.pattern and len(chars) == len(dom.pattern):
            i = rng.randrange(len(chars))
            chars[i] = rng.choice(dom.pattern[i])
            return "".join(chars)
        ops = ["change", "swap", "flip"]
        if free_length and dom.kind == "text":  # a word no count sizes may grow or shrink within its bounds
            ops += ["insert"] * (len(chars) < dom.len_hi) + ["delete"] * (len(chars) > max(dom.len_lo, 1))
        op = rng.choice(ops)
        i = rng.randrange(len(chars))
        if op == "insert":
            chars.insert(i, rng.choice(dom.alphabet or chars))
        elif op == "delete":
            del chars[i]
        elif op == "swap" and len(chars) >= 2:
            j = rng.randrange(len(chars))
            chars[i], chars[j] = chars[j], chars[i]
        elif op == "flip" and set(dom.alphabet) <= set("01"):
            chars[i] = "1" if chars[i] == "0" else "0"
        else:
            chars[i] = rng.choice(dom.alphabet or chars)
        return "".join(chars)

    def learn(self, text: str) -> None:
        """An input that split programs apart: later mutations start from it as often as from a sample.

        Near misses cluster around the same kinds of values (ties, bounds, a special count), so the
        neighbours of an input that caught one program are likelier than a fresh draw to catch another.
        """
        values = parse(self.structure, text)
        if values is not None and self._within_bounds(self.structure.items, values, {}) and self.keeps_promises(text):
            self.splitters.append(text)

    def observe(self, text: str, comparisons: Sequence[Comparison]) -> None:
        """What the programs compared while reading `text` (see `clustering.comparisons`): bases for `guided`."""
        if comparisons and parse(self.structure, text) is not None:
            self.traced[text] = list(comparisons)
            self._constants = sorted(set(self._constants) | set(dictionary(comparisons)))
            self._chars = sorted(set(self._chars) | set(characters(comparisons)))

    def guided(self, rng: random.Random, changes: int = 1) -> GeneratedInput | None:
        """A traced input with numbers moved to a boundary the programs compared them with.

        A number equal to one operand of a comparison takes the other operand or a neighbour of it
        (`n` read as 7 and compared with 10 becomes 9, 10 or 11); now and then any number takes a
        constant of the programs instead. Values stay within their domains and the statement's bounds.
        """
        if not self.traced:
            return None
        base = rng.choice(sorted(self.traced))
        values = parse(self.structure, base)
        if values is None:
            return None
        leaves: list = []
        self._leaves(self.structure.items, values, leaves)
        ints = [(name, container, j) for name, container, j in leaves
                if j != "swap" and self.domains[name].kind == "int" and _is_int(container[j])]
        texts = [(name, container, j) for name, container, j in leaves if j != "swap"
                 and self.domains[name].kind == "text" and self._letters(self.domains[name], container[j])]
        if texts and self._chars and (not ints or rng.random() < 0.35):
            return self._guided_text(rng, base, values, texts)
        if not ints:
            return None
        table = replacements(self.traced[base], (int(c[j]) for _, c, j in ints))
        # A number first, then one of its values: a number compared in a loop has dozens of values, the one
        # compared once at the end (`count >= k`) a few, and it matters as much.
        moves = [(leaf, sorted(table[int(leaf[1][leaf[2]])].elements())) for leaf in ints
                 if int(leaf[1][leaf[2]]) in table]
        made = 0
        for _ in range(4 * changes):
            if made >= changes:
                break
            if moves and (not self._constants or rng.random() < 0.75):
                (name, container, j), values_of = rng.choice(moves)
                value = rng.choice(values_of)
            elif self._constants:
                (name, container, j), value = rng.choice(ints), rng.choice(self._constants)
            else:
                break
            lo, hi = self._guided_range(self.domains[name], self._env_of(values))
            if not lo <= value <= hi or str(value) == container[j]:
                continue
            old = container[j]
            container[j] = str(value)
            if self._breaks_differs(name, container, j):
                container[j] = old
                continue
            made += 1
        if not made or (self._bounds_hold and not self._within_bounds(self.structure.items, values, {})):
            return None
        text = render(self.structure, values)
        if not self.keeps_promises(text):
            return None
        self.guided_made.append(text)
        return GeneratedInput(text, "guided", f"{made} value(s) at a compared boundary")

    def _guided_range(self, dom: Domain, env: dict[str, float]) -> tuple[float, float]:
        """Where a compared value may go: the statement's bounds, and 0 where the statement gives no lower one.

        Without a statement bound the samples' range is a guess: they show ids 1 to 5 where the statement says
        "an arbitrary 32-bit integer" in words, and `x == 0` in a program is the hint that 0 matters. Above the
        samples' largest value a prose rule ("each number is 0 or 1") is likelier, so that side stays closed.
        """
        lo, hi = dom.range(env, self.by_statement)
        if self.config.guided_open_low and not dom.los:
            lo = min(lo, -math.inf if dom.obs_lo < 0 else 0)
        return lo, hi

    def _letters(self, dom: Domain, word: str) -> list[tuple[int, list[str]]]:
        """(position, compared characters allowed there) for each position of a word.

        Names (months, people) only take values seen, as in `_mutate_token`: none of their characters move.
        """
        if dom.names:
            return []
        out = []
        for i, ch in enumerate(word):
            allowed = dom.pattern[i] if dom.pattern and len(dom.pattern) == len(word) else dom.alphabet
            fits = [c for c in self._chars if c in allowed and c != ch] if allowed else []
            if fits:
                out.append((i, fits))
        return out

    def _guided_text(self, rng: random.Random, base: str, values: list, texts: list) -> GeneratedInput | None:
        """A character of a traced input's word replaced by one the programs compare characters with."""
        name, container, j = rng.choice(texts)
        i, fits = rng.choice(self._letters(self.domains[name], container[j]))
        word = container[j]
        container[j] = word[:i] + rng.choice(fits) + word[i + 1:]
        text = render(self.structure, values)
        if text == base or not self.keeps_promises(text):
            return None
        self.guided_made.append(text)
        return GeneratedInput(text, "guided", "a character the programs compare with")

    def mutate(self, rng: random.Random, changes: int = 1) -> GeneratedInput | None:
        if not self.public:
            return None
        learned = bool(self.splitters) and rng.random() < 0.5
        base = rng.choice(self.splitters) if learned else rng.choice(self.public)
        values = parse(self.structure, base)
        assert values is not None
        leaves: list = []
        self._leaves(self.structure.items, values, leaves)
        if not leaves:
            return None
        for _ in range(changes):
            name, container, j = rng.choice(leaves)
            if j == "swap":
                a, b = rng.randrange(len(container)), rng.randrange(len(container))
                container[a], container[b] = container[b], container[a]
            else:
                old = container[j]
                container[j] = self._mutate_token(self.domains[name], container[j], rng, self._env_of(values),
                                                  name in self._free_texts)
                if self._breaks_differs(name, container, j):
                    container[j] = old
        if self._bounds_hold and not self._within_bounds(self.structure.items, values, {}):
            return None  # n - 1 under a pair that must stay <= n: the pair no longer fits
        text = render(self.structure, values)
        if not self.keeps_promises(text):
            return None
        return GeneratedInput(text, "mutation", f"{changes} change(s)" + (" of a splitting input" if learned else ""))

    def _within_bounds(self, items: Sequence[Item], values: list, env: dict[str, float]) -> bool:
        """Whether every number keeps the statement's bounds under the values before it (`u_i <= n`).

        A mutation changes one value within its own bounds, but a later value may be bounded by it.
        Only the statement's bounds count here; the samples' ranges are no promise.
        """
        for item, value in zip(items, values):
            if isinstance(item, Scalars):
                for t, token in zip(item.tokens, value):
                    if not self._fits_bounds(t.name, token, env):
                        return False
                    if t.kind == "int":
                        self._env_set(env, t.name, int(token))
            elif isinstance(item, (Array, CountedArray)):
                if not all(self._fits_bounds(item.name, token, env) for token in value):
                    return False
            elif isinstance(item, Repeat):
                if not all(self._within_bounds(item.body, rep, dict(env)) for rep in value):
                    return False
        return True

    def _fits_bounds(self, name: str, token: str, env: dict[str, float]) -> bool:
        dom = self.domains.get(name)
        if dom is None or dom.kind not in ("int", "float") or not (dom.los or dom.his):
            return True
        try:
            value = float(token)
        except ValueError:
            return True
        los = [v for e in dom.los if (v := e.evaluate(env)) is not None]
        his = [v for e in dom.his if (v := e.evaluate(env)) is not None]
        return all(value >= lo for lo in los) and all(value <= hi for hi in his)

    def _env_of(self, values: list) -> dict[str, float]:
        """Top-level integers of a parsed input by variable and statement name (for relative bounds)."""
        env: dict[str, float] = {}
        for item, value in zip(self.structure.items, values):
            if isinstance(item, Scalars):
                for t, token in zip(item.tokens, value):
                    if t.kind == "int":
                        self._env_set(env, t.name, int(token))
        return env

    def _breaks_differs(self, name: str, container: list, j: int) -> bool:
        """A mutated token now equal to a token of its line it must differ from (`a_i ≠ b_i`)."""
        dom = self.domains[name]
        if not dom.differs:
            return False
        by_statement = {d.statement_name: d for d in self.domains.values() if d.statement_name}
        for other in dom.differs:
            od = by_statement.get(other)
            for k, token in enumerate(container):
                if k != j and od is not None and token == container[j] and self._slot_is(container, k, od.name):
                    return True
        return False

    def _slot_is(self, container: list, k: int, name: str) -> bool:
        for item in self._all_items(self.structure.items):
            if isinstance(item, Scalars) and len(item.tokens) == len(container) and item.tokens[k].name == name:
                return True
        return False

    def _all_items(self, items: Sequence[Item]) -> Iterator[Item]:
        for item in items:
            yield item
            if isinstance(item, Repeat):
                yield from self._all_items(item.body)

    def stream(self, seed: int) -> Iterator[GeneratedInput]:
        """A seeded mix: mutation, random and boundary inputs in turn; ends only when nothing valid comes."""
        rng = random.Random(seed)
        modes = [m for m in BOUNDARY_MODES if m != "max-size" or self.config.size_tests]
        step, misses = 0, 0
        while misses < 200:
            kind = step % 3
            if kind == 0:
                made = None
                if self.traced and (step // 3) % 3 != 2:  # two mutations in three, where programs were traced
                    made = self.guided(rng, changes=1 + (step // 6) % 2)
                if made is None:
                    made = self.mutate(rng, changes=1 + (step // 3) % 3)
            else:
                mode = RANDOM_MODES[(step // 3) % len(RANDOM_MODES)] if kind == 1 else modes[(step // 3) % len(modes)]
                made = self.generate(mode, rng)
            misses = 0 if made is not None else misses + 1
            if made is not None:
                yield made
            step += 1


def render(structure: Structure, values: list) -> str:
    """Text of a value tree produced by `structure.parse` (possibly mutated)."""
    lines: list[str] = []

    def walk(items: Sequence[Item], vals: list) -> None:
        for item, value in zip(items, vals):
            if isinstance(item, Repeat):
                for rep in value:
                    walk(item.body, rep)
            elif isinstance(item, Text):
                lines.append(value)
            elif isinstance(item, CountedArray):
                lines.append(" ".join([str(len(value))] + list(value)))
            else:
                lines.append(" ".join(value))

    walk(structure.items, values)
    return "\n".join(lines) + "\n"


def raw_mutations(public_inputs: Sequence[str], seed: int) -> Iterator[GeneratedInput]:
    """Character-level mutations for inputs no structure fits (free text, odd formats).

    A letter becomes another letter of the same case, a digit another digit, or two neighbouring
    characters of one class swap: the layout, line lengths and token count never change.
    """
    rng = random.Random(seed)
    bases = [p for p in public_inputs if any(c.isalnum() for c in p)]
    if not bases:
        return
    while True:
        chars = list(rng.choice(bases))
        for _ in range(rng.randint(1, 3)):
            spots = [i for i, c in enumerate(chars) if c.isalnum()]
            i = rng.choice(spots)
            c = chars[i]
            if rng.random() < 0.3 and i + 1 < len(chars) and _same_class(c, chars[i + 1]):
                chars[i], chars[i + 1] = chars[i + 1], c
            elif c.isdigit():
                chars[i] = rng.choice("0123456789")
            elif c.islower():
                chars[i] = rng.choice("abcdefghijklmnopqrstuvwxyz")
            elif c.isupper():
                chars[i] = rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
        yield GeneratedInput("".join(chars), "mutation", "characters (no structure)")


def _same_class(a: str, b: str) -> bool:
    return (a.isdigit() and b.isdigit()) or (a.islower() and b.islower()) or (a.isupper() and b.isupper())


def generate_inputs(generator: StructureGenerator | Iterator[GeneratedInput], count: int, seed: int,
                    exclude: set[str] | None = None, max_tries: int = 20) -> list[GeneratedInput]:
    """`count` distinct new inputs from a generator's stream (fewer if it keeps repeating)."""
    return list(iterate_inputs(generator, count, seed, exclude, max_tries))


def iterate_inputs(generator: StructureGenerator | Iterator[GeneratedInput], count: int, seed: int,
                   exclude: set[str] | None = None, max_tries: int = 20) -> Iterator[GeneratedInput]:
    """`generate_inputs` drawn lazily, so what a round learns (`StructureGenerator.learn`) shapes the next."""
    seen = set(exclude or ())
    made, tries = 0, 0
    stream = generator.stream(seed) if isinstance(generator, StructureGenerator) else generator
    for item in stream:
        tries += 1
        if item.text not in seen:
            seen.add(item.text)
            made += 1
            yield item
        if made >= count or tries >= count * max_tries:
            break


def _is_int(token: str) -> bool:
    return token.lstrip("-").isdigit()
