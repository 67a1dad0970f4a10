"""The values programs compare their input against, traced by the compiler (input-to-state correspondence).

Most near misses that pass the examples are off by one at a boundary the program itself names:
`if (n > 10)` where `n >= 10` was meant, a loop that stops one short, a count compared with `k`.
Random values within the statement's bounds hit such a boundary only by chance; the program's own
comparisons say where it is. This is the method of fuzzers (libFuzzer's CMP tracing, Redqueen's
input-to-state correspondence): build a C or C++ candidate a second time with
`-fsanitize-coverage=trace-cmp`, run that build on an input, and collect the operand pairs of its
integer comparisons. Where one operand equals a number of the input, the other operand (and its
neighbours) is a value worth putting in that place; constants the program compares with make a
dictionary for any number of the input. The generator (`StructureGenerator.guided`) turns these into
inputs that still keep the inferred structure and the statement's bounds.

The tracing runtime is appended to the program's source and uses no header, so it survives what
programs do with macros and includes; a program whose traced build fails is simply not traced.
Output goes to stderr at exit, after a marker line; the program's stdout is untouched.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sandbox.backend import Backend
from sandbox.compiler import Compiled
from sandbox.languages import get_language, language_ids, register_language
from sandbox.spec import RunResult

from clustering.execution import InputFiles, Limits, RunCounter, compile_program, run_matrix

TRACED_SUFFIX = "+cmptrace"
MARKER = b"\n#cpagent-cmp"
# -O0 after the language's -O2: an optimizer folds `c >= 65 && c <= 90` into `(unsigned)(c - 65) <= 25`,
# and the constant the program wrote is lost. The traced build only reports; its output is not used.
TRACE_FLAGS = ("-fsanitize-coverage=trace-cmp", "-O0")
#: Languages whose compiler is gcc/g++ and so can trace comparisons.
TRACEABLE = ("c11", "c99", "cpp17", "cpp20")

# The callbacks' types are gcc's (LP64: `unsigned long` is 64 bits).
# Distinct (size, a, b) triples are kept in an open-addressing table and written once, at exit.
# No `int` keyword and no header: `#define int long long` and friends cannot break it.
_RUNTIME = r"""
#define CPAGENT_CMP_SLOTS 4096u
#define CPAGENT_CMP_KEEP 1500u
#define CPAGENT_CMP_SITES 1024u
#define CPAGENT_CMP_PER_SITE 8u
static unsigned long long cpagent_cmp_a[CPAGENT_CMP_SLOTS], cpagent_cmp_b[CPAGENT_CMP_SLOTS];
static unsigned char cpagent_cmp_size[CPAGENT_CMP_SLOTS];
static unsigned cpagent_cmp_count;
static unsigned long cpagent_site_pc[CPAGENT_CMP_SITES];
static unsigned char cpagent_site_n[CPAGENT_CMP_SITES];
/* At most a few distinct pairs per comparison in the code: a loop's `i < n` must not fill the table
   before the comparison that decides the answer, often the program's last, is reached. */
__attribute__((no_sanitize_coverage)) static unsigned char *cpagent_cmp_site(unsigned long pc) {
  unsigned i = (unsigned)((pc * 0x9E3779B97F4A7C15ull) >> 54) & (CPAGENT_CMP_SITES - 1u), probes;
  for (probes = 0; probes < 16u; probes++, i = (i + 1u) & (CPAGENT_CMP_SITES - 1u)) {
    if (cpagent_site_pc[i] == pc) return &cpagent_site_n[i];
    if (!cpagent_site_pc[i]) { cpagent_site_pc[i] = pc; return &cpagent_site_n[i]; }
  }
  return 0;
}
__attribute__((no_sanitize_coverage)) static void cpagent_cmp_note(unsigned long long a, unsigned long long b,
                                                                   unsigned char size, unsigned long pc) {
  unsigned long long h = (a * 0x9E3779B97F4A7C15ull) ^ (b * 0xC2B2AE3D27D4EB4Full) ^ size;
  unsigned i = (unsigned)(h >> 40) & (CPAGENT_CMP_SLOTS - 1u), probes = 0;
  unsigned char *seen = cpagent_cmp_site(pc);
  if (cpagent_cmp_count >= CPAGENT_CMP_KEEP || !seen || *seen >= CPAGENT_CMP_PER_SITE) return;
  while (cpagent_cmp_size[i]) {
    if (cpagent_cmp_a[i] == a && cpagent_cmp_b[i] == b && cpagent_cmp_size[i] == size) return;
    i = (i + 1u) & (CPAGENT_CMP_SLOTS - 1u);
    if (++probes > 64u) return;
  }
  cpagent_cmp_a[i] = a; cpagent_cmp_b[i] = b; cpagent_cmp_size[i] = size; cpagent_cmp_count++; ++*seen;
}
__attribute__((no_sanitize_coverage)) static void cpagent_cmp_write(const char *p, unsigned long n) {
#if defined(__x86_64__)
  long r;
  while (n > 0) {
    __asm__ volatile("syscall" : "=a"(r) : "a"(1L), "D"(2L), "S"(p), "d"(n) : "rcx", "r11", "memory");
    if (r <= 0) return;
    p += r; n -= (unsigned long)r;
  }
#else
  (void)p; (void)n;
#endif
}
__attribute__((no_sanitize_coverage)) static char *cpagent_cmp_num(char *out, long long v) {
  char tmp[24]; unsigned k = 0; unsigned long long u = v < 0 ? 0ull - (unsigned long long)v : (unsigned long long)v;
  if (v < 0) *out++ = '-';
  do { tmp[k++] = (char)('0' + u % 10u); u /= 10u; } while (u);
  while (k) *out++ = tmp[--k];
  return out;
}
__attribute__((no_sanitize_coverage)) static long long cpagent_cmp_signed(unsigned long long v, unsigned char size) {
  typedef __typeof__(0x7fffffff) cpagent_i32; /* the type `int` names, without the keyword */
  return size == 8 ? (long long)v : size == 4 ? (long long)(cpagent_i32)v : size == 2 ? (long long)(short)v
       : (long long)(unsigned char)v;
}
__attribute__((no_sanitize_coverage, destructor)) static void cpagent_cmp_dump(void) {
  static char buf[1 << 16];
  char *p = buf; unsigned i;
  const char *m = "\n#cpagent-cmp";
  while (*m) *p++ = *m++;
  for (i = 0; i < CPAGENT_CMP_SLOTS; i++) {
    unsigned char s = cpagent_cmp_size[i];
    long long a, b;
    if (!s) continue;
    if (p - buf > (long)sizeof(buf) - 64) break;
    a = cpagent_cmp_signed(cpagent_cmp_a[i], s & 15);
    b = cpagent_cmp_signed(cpagent_cmp_b[i], s & 15);
    *p++ = ' '; p = cpagent_cmp_num(p, s); *p++ = ':';
    p = cpagent_cmp_num(p, a); *p++ = ':'; p = cpagent_cmp_num(p, b);
  }
  *p++ = '\n';
  cpagent_cmp_write(buf, (unsigned long)(p - buf));
}
#define CPAGENT_CMP(name, type, size, c) \
  __attribute__((no_sanitize_coverage)) void name(type a, type b) { \
    cpagent_cmp_note(a, b, (unsigned char)(size | c), (unsigned long)__builtin_return_address(0)); }
CPAGENT_CMP(__sanitizer_cov_trace_cmp1, unsigned char, 1, 0)
CPAGENT_CMP(__sanitizer_cov_trace_cmp2, unsigned short, 2, 0)
CPAGENT_CMP(__sanitizer_cov_trace_cmp4, unsigned, 4, 0)
CPAGENT_CMP(__sanitizer_cov_trace_cmp8, unsigned long, 8, 0)
CPAGENT_CMP(__sanitizer_cov_trace_const_cmp1, unsigned char, 1, 16)
CPAGENT_CMP(__sanitizer_cov_trace_const_cmp2, unsigned short, 2, 16)
CPAGENT_CMP(__sanitizer_cov_trace_const_cmp4, unsigned, 4, 16)
CPAGENT_CMP(__sanitizer_cov_trace_const_cmp8, unsigned long, 8, 16)
__attribute__((no_sanitize_coverage)) void __sanitizer_cov_trace_cmpf(float a, float b) { (void)a; (void)b; }
__attribute__((no_sanitize_coverage)) void __sanitizer_cov_trace_cmpd(double a, double b) { (void)a; (void)b; }
__attribute__((no_sanitize_coverage)) void __sanitizer_cov_trace_switch(unsigned long v, void *table) {
  const unsigned long *cases = (const unsigned long *)table;
  unsigned long i, n = cases[0], bits = cases[1];
  for (i = 0; i < n && i < 64; i++)
    cpagent_cmp_note(cases[2 + i], v, (unsigned char)((bits / 8) | 16), (unsigned long)__builtin_return_address(0) + i);
}
"""


@dataclass(frozen=True)
class Comparison:
    """One comparison a program made: its operands as signed values of `size` bytes.

    `constant`: the first operand is a constant of the program's text (the compiler says so).
    """

    size: int
    a: int
    b: int
    constant: bool


def traced_language(language: str) -> str | None:
    """The id of `language` built with comparison tracing (registered on first use), or None."""
    if language not in TRACEABLE:
        return None
    traced = language + TRACED_SUFFIX
    if traced not in language_ids():
        base = get_language(language)
        register_language(dataclasses.replace(base, id=traced, name=base.name + " with comparison tracing",
                                              flags=base.flags + TRACE_FLAGS))
    return traced


def traced_source(source: str, language: str) -> str:
    """The program's source with the tracing runtime after it (C linkage for C++)."""
    if language.startswith("cpp"):
        return f'{source}\nextern "C" {{\n{_RUNTIME}\n}}\n'
    return f"{source}\n{_RUNTIME}\n"


def parse_trace(stderr: bytes) -> list[Comparison]:
    """The comparisons a traced run wrote after its marker (none when the run did not reach exit)."""
    at = stderr.rfind(MARKER)
    if at < 0:
        return []
    out: list[Comparison] = []
    for field in stderr[at + len(MARKER):].split(b"\n", 1)[0].split():
        parts = field.split(b":")
        if len(parts) != 3:
            continue
        try:
            kind, a, b = int(parts[0]), int(parts[1]), int(parts[2])
        except ValueError:
            continue
        out.append(Comparison(kind & 15, a, b, bool(kind & 16)))
    return out


def traces(results: Iterable[RunResult]) -> list[Comparison]:
    """Every comparison of the runs that exited (a crash or a time-out leaves no trace)."""
    seen: set[Comparison] = set()
    for r in results:
        seen.update(parse_trace(r.stderr))
    return sorted(seen, key=lambda c: (c.size, c.a, c.b, c.constant))


def replacements(comparisons: Sequence[Comparison], values: Iterable[int]) -> dict[int, Counter[int]]:
    """For each number of an input, the values worth trying in its place, with weights.

    Where one operand of a comparison equals the number, the other operand (weight 2: an off-by-one
    program and its correct twin compare with constants one apart, and one of the two constants is the
    value that tells them apart) and its two neighbours (weight 1). Characters (one-byte comparisons)
    are left to the text generators.
    """
    present = set(values)
    out: dict[int, Counter[int]] = {}
    for c in comparisons:
        if c.size == 1:
            continue
        for mine, other in ((c.a, c.b), (c.b, c.a)):
            if mine in present:
                out.setdefault(mine, Counter()).update({other: 2, other - 1: 1, other + 1: 1})
    for v, targets in out.items():
        del targets[v]
    return {v: t for v, t in out.items() if t}


def dictionary(comparisons: Sequence[Comparison]) -> list[int]:
    """The constants programs compare with (and their neighbours), for any number of an input."""
    values: set[int] = set()
    for c in comparisons:
        if c.constant and c.size != 1:
            values.update((c.a - 1, c.a, c.a + 1))
    return sorted(values)


def characters(comparisons: Sequence[Comparison]) -> list[str]:
    """Printable characters programs compare with (`c >= 'A'`, `s[i] == '?'`) and their neighbours."""
    out: set[str] = set()
    for c in comparisons:
        if c.constant:
            out.update(chr(v) for v in (c.a - 1, c.a, c.a + 1) if 33 <= v <= 126)
    return sorted(out)


class ComparisonTracer:
    """Traced builds of a few programs, run on the inputs worth tracing (the samples, inputs that split).

    Builds are made on first use and cached like any compile; a build that fails (the runtime does not
    fit the program) leaves that program untraced. Each input is traced once.
    """

    def __init__(self, backend: Backend, limits: Limits, files: InputFiles, cache: object = None,
                 counter: RunCounter | None = None) -> None:
        self.backend = backend
        self.limits = limits
        self.files = files
        self.cache = cache
        self.counter = counter
        self._builds: dict[str, Compiled | None] = {}
        self._done: set[str] = set()

    def build(self, key: str, source: str, language: str) -> Compiled | None:
        if key not in self._builds:
            traced = traced_language(language)
            built = None
            if traced is not None:
                built = compile_program(self.backend, traced_source(source, language), traced, self.cache)
                if self.counter is not None:
                    self.counter.compiles += 1
            self._builds[key] = built if built is not None and built.ok else None
        return self._builds[key]

    def trace(self, programs: Sequence[tuple[str, str, str]], texts: Sequence[str]) -> dict[str, list[Comparison]]:
        """{input: comparisons} for the `texts` not traced yet, over `programs` as (key, source, language)."""
        todo = [t for t in dict.fromkeys(texts) if t not in self._done]
        builds = [b for key, source, language in programs if (b := self.build(key, source, language)) is not None]
        if not todo or not builds:
            return {}
        self._done.update(todo)
        pairs = [("trace-" + hashlib.sha256(t.encode()).hexdigest()[:16], t) for t in todo]
        matrix = run_matrix(self.backend, builds, pairs, self.limits, self.files, self.counter)
        return {text: traces(row[j] for row in matrix) for j, text in enumerate(todo)}
