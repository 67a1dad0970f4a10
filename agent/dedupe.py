"""A candidate's identity: the hash of its normalized source and language.

Two samples that differ only in whitespace or comments behave identically, so they are one candidate with a
count. Normalization respects string literals (a `//` inside a string is not a comment).
"""

from __future__ import annotations

import hashlib
import io
import re
import tokenize

_C_TOKEN = re.compile(
    r"""//[^\n]*|/\*.*?\*/|"(?:\\.|[^"\\\n])*"|'(?:\\.|[^'\\\n])*'|\s+|.""",
    re.DOTALL,
)


def _normalize_c_like(source: str) -> str:
    """Drop comments, collapse whitespace runs to one space (one newline after preprocessor lines)."""
    out: list[str] = []
    for match in _C_TOKEN.finditer(source):
        tok = match.group(0)
        if tok.startswith("//") or tok.startswith("/*"):
            out.append(" ")
        elif tok.isspace():
            out.append("\n" if "\n" in tok else " ")
        else:
            out.append(tok)
    text = "".join(out)
    lines = [" ".join(line.split()) for line in text.split("\n")]
    # Newlines matter only to end preprocessor directives; join everything else.
    result: list[str] = []
    for line in lines:
        if not line:
            continue
        if line.startswith("#") or (result and result[-1].startswith("#")):
            result.append(line)
        elif result and not result[-1].startswith("#"):
            result[-1] += " " + line
        else:
            result.append(line)
    return "\n".join(result)


def _normalize_python(source: str) -> str:
    """Drop comments and blank lines, re-space tokens; indentation is meaning in Python, so it stays."""
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(source).readline))
    except (tokenize.TokenError, IndentationError, SyntaxError):
        return "\n".join(line.rstrip() for line in source.splitlines() if line.strip())
    # The two-tuple form of untokenize re-spaces every line canonically, so `a+b` and `a + b` agree.
    kept = [(t.type, t.string) for t in tokens if t.type not in (tokenize.COMMENT, tokenize.NL)]
    try:
        text = tokenize.untokenize(kept)
    except ValueError:
        return "\n".join(line.rstrip() for line in source.splitlines() if line.strip())
    return "\n".join(line.rstrip() for line in text.splitlines() if line.strip())


def normalize_source(source: str, language: str) -> str:
    if language.startswith(("python", "pypy")):
        return _normalize_python(source)
    if language.startswith(("c", "cpp")):
        return _normalize_c_like(source)
    return "\n".join(line.rstrip() for line in source.strip().splitlines())


def language_family(language: str) -> str:
    """Dialects that run the same program alike share an identity family (c11/c99 stay apart: they differ)."""
    return {"pypy3": "python3"}.get(language, language)


def candidate_id(source: str, language: str) -> str:
    digest = hashlib.sha256(f"{language}\0{normalize_source(source, language)}".encode()).hexdigest()
    return digest[:16]
