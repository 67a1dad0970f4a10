"""The program inside a model's answer: Markdown fences, a language tag, prose around the code.

Models wrap programs in prose ("Here is my solution:"), in fences with or without a language tag,
sometimes in several fences (the solution, then an example run), sometimes in a fence left unclosed
when the token budget ran out. A completion prompt that ends inside an open fence gets the program
first and the closing fence after it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# An opening fence may follow prose on its line ("Sure! ```python"); a closing one may end a code line.
_FENCE = re.compile(r"(`{3,}|~{3,})[ \t]*([\w+#.-]*)[^\n`]*$", re.MULTILINE)
_FAMILIES = {
    "cpp": "cpp", "c++": "cpp", "cc": "cpp", "cxx": "cpp", "cpp17": "cpp", "cpp20": "cpp", "hpp": "cpp",
    "c": "c", "c11": "c", "c99": "c", "h": "c",
    "python": "python", "py": "python", "python3": "python", "py3": "python", "pypy3": "python", "pypy": "python",
}
_DEFAULT_LANGUAGE = {"cpp": "cpp17", "c": "c11", "python": "python3"}
_CODE_START = re.compile(
    r"^\s*(#\s*include|#\s*define|#\s*pragma|import\s|from\s+\S+\s+import|using\s|int\s|long\s|void\s|"
    r"def\s|class\s|struct\s|template\s*<|typedef\s|const\s|static\s|for\s|while\s|if\s|print\(|"
    r"[A-Za-z_][\w.]*\s*(=|\+=|\()|[A-Za-z_][\w:<>, ]*\s+[A-Za-z_]\w*\s*[;=(\[]|//|/\*|#!|@)"
)
_PROSE = re.compile(r"^\s*[A-Z][^;{}=()]*[.:!?]\s*$|^\s*(Here|This|The|Explanation|Note|Output|Example)\b[^;{}]*$")


def language_family(language: str) -> str:
    """"cpp17" -> "cpp", "pypy3" -> "python"; unknown names map to themselves."""
    return _FAMILIES.get(language.lower(), language.lower())


@dataclass(frozen=True)
class Extracted:
    code: str
    language: str | None  # the fence's language (our name) when it had a recognisable tag


def _blocks(text: str) -> list[tuple[str, str, bool]]:
    """Fenced blocks as (tag, body, closed); a fence left open runs to the end of the text."""
    blocks = []
    pos = 0
    while True:
        m = _FENCE.search(text, pos)
        if not m:
            return blocks
        marker, tag = m.group(1), m.group(2)
        start = m.end() + 1
        close = re.compile(rf"{re.escape(marker[0])}{{{len(marker)},}}[ \t]*$", re.MULTILINE)
        c = close.search(text, start)
        if c is None:
            blocks.append((tag, text[start:], False))
            return blocks
        blocks.append((tag, text[start : c.start()], True))
        pos = c.end()


def _strip_prose(text: str) -> str:
    lines = text.split("\n")
    while lines and (not lines[0].strip() or (_PROSE.match(lines[0]) and not _CODE_START.match(lines[0]))
                     or lines[0].strip().lower() in _FAMILIES):
        lines.pop(0)
    while lines and (not lines[-1].strip() or (_PROSE.match(lines[-1]) and not _CODE_START.match(lines[-1]))):
        lines.pop()
    return "\n".join(lines)


def _finish(code: str) -> str:
    code = code.strip("\n")
    return code + "\n" if code else ""


def extract_code(text: str, language: str | None = None, *, open_fence: bool = False) -> Extracted:
    """The program in `text`.

    Args:
      text: the model's output.
      language: the language asked for (our name, e.g. "cpp17"); a block tagged with its family wins.
      open_fence: the prompt ended inside an open fence, so the program comes first, up to a fence line.
    """
    text = text.replace("\r\n", "\n")
    if open_fence:
        m = _FENCE.search(text)
        head = text[: m.start()] if m else text
        if head.strip():
            return Extracted(_finish(head), None)
        text = text[m.end():] if m else text
    blocks = _blocks(text)
    if not blocks:
        return Extracted(_finish(_strip_prose(text)), None)
    want = language_family(language) if language else None

    def rank(block: tuple[str, str, bool]) -> tuple[int, int, int]:
        tag, body, closed = block
        fam = language_family(tag) if tag else ""
        match = 2 if want and fam == want else 1 if not tag else 0
        return match, int(closed), len(body.strip())

    tag, body, _ = max(blocks, key=rank)
    fam = language_family(tag) if tag else ""
    lang = None
    if fam in _DEFAULT_LANGUAGE:
        lang = language if language and language_family(language) == fam else _DEFAULT_LANGUAGE[fam]
    return Extracted(_finish(body), lang)
