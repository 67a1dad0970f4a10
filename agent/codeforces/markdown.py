"""Codeforces statement HTML → Markdown, on a parsed tree (BeautifulSoup), never on the raw text.

TeX is kept for the model to read: Codeforces writes inline math as `$$$x$$$` and display math as
`$$$$$$x$$$$$$`; we keep them as `$x$` and `$$x$$`. Old statements render formulas as HTML
(`<span class="tex-span">a<sub>i</sub></span>`); those become `$a_{i}$`.
"""

from __future__ import annotations

import re

from bs4 import BeautifulSoup, Comment, NavigableString, Tag

BLOCK_TAGS = {
    "p",
    "div",
    "ul",
    "ol",
    "li",
    "pre",
    "center",
    "table",
    "blockquote",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
}
_SPACES = re.compile(r"[ \t\r\n\f\u00a0]+")


def _classes(tag: Tag) -> list[str]:
    value = tag.get("class") or []
    return value if isinstance(value, list) else str(value).split()


def convert_tex(text: str) -> str:
    """`$$$$$$x$$$$$$` → `$$x$$`, `$$$x$$$` → `$x$` (Codeforces' MathJax delimiters → the usual ones)."""
    return text.replace("$$$$$$", "\x00").replace("$$$", "$").replace("\x00", "$$")


def raw_text(node: Tag) -> str:
    """Text as a <pre> shows it: entities decoded, `<br>` as a line break, comments dropped."""
    parts: list[str] = []
    for item in node.descendants:
        if isinstance(item, Comment):
            continue
        if isinstance(item, NavigableString):
            parts.append(str(item))
        elif isinstance(item, Tag) and item.name == "br":
            parts.append("\n")
    return "".join(parts)


def _tex(node: Tag | NavigableString) -> str:
    if isinstance(node, NavigableString):
        return "" if isinstance(node, Comment) else _SPACES.sub(" ", str(node))
    inner = "".join(_tex(c) for c in node.children)
    if node.name == "sub":
        return f"_{{{inner.strip()}}}"
    if node.name == "sup":
        return f"^{{{inner.strip()}}}"
    return inner


def inline(node: Tag | NavigableString) -> str:
    """One element's text with Markdown emphasis, code, links and images; whitespace collapsed."""
    if isinstance(node, Comment):
        return ""
    if isinstance(node, NavigableString):
        return _SPACES.sub(" ", str(node))
    name = node.name
    if name in ("script", "style"):
        return ""
    if name == "br":
        return "\n"
    classes = _classes(node)
    if "tex-span" in classes:
        return f"${_tex(node).strip()}$"
    if name == "img":
        src = node.get("src") or ""
        return f"![{node.get('alt') or ''}]({src})" if src else ""
    inner = "".join(inline(c) for c in node.children)
    core = inner.strip()
    if not core:
        return inner
    lead = " " if inner[:1].isspace() else ""
    trail = " " if inner[-1:].isspace() else ""
    if name in ("code", "tt") or "tex-font-style-tt" in classes:
        return f"{lead}`{core}`{trail}"
    if name in ("b", "strong") or "tex-font-style-bf" in classes:
        return f"{lead}**{core}**{trail}"
    if name in ("i", "em") or {"tex-font-style-it", "tex-font-style-sl", "tex-font-style-em"} & set(classes):
        return f"{lead}*{core}*{trail}"
    if name == "a" and node.get("href"):
        return f"{lead}[{core}]({node['href']}){trail}"
    if name == "sub":
        return f"_{{{core}}}"
    if name == "sup":
        return f"^{{{core}}}"
    return inner


def _paragraph(parts: list[str]) -> str:
    lines = [line.strip() for line in "".join(parts).split("\n")]
    return "\n".join(line for line in lines if line)


def blocks(node: Tag, skip: set[int] | None = None) -> list[str]:
    """The Markdown blocks (paragraphs, lists, code, tables) of an element's children, in order."""
    out: list[str] = []
    buf: list[str] = []

    def flush() -> None:
        text = _paragraph(buf)
        if text:
            out.append(text)
        buf.clear()

    for child in node.children:
        if skip and id(child) in skip:
            continue
        if isinstance(child, Tag) and child.name in BLOCK_TAGS:
            flush()
            out.extend(_block(child))
        else:
            buf.append(inline(child))
    flush()
    return out


def _block(tag: Tag) -> list[str]:
    name = tag.name
    if name == "pre":
        text = raw_text(tag).strip("\n")
        return [f"```\n{text}\n```"] if text.strip() else []
    if name in ("ul", "ol"):
        items = []
        for n, li in enumerate(tag.find_all("li", recursive=False), 1):
            body = "\n".join(blocks(li)).replace("\n", "\n   ")
            items.append(f"{n}. {body}" if name == "ol" else f"- {body}")
        return ["\n".join(items)] if items else []
    if name == "table":
        return _table(tag)
    if name == "hr":
        return ["---"]
    if name.startswith("h") and name[1:].isdigit():
        text = _paragraph([inline(tag)])
        return [f"#### {text}"] if text else []
    if name == "blockquote":
        return ["> " + b.replace("\n", "\n> ") for b in blocks(tag)]
    return blocks(tag)


def _table(tag: Tag) -> list[str]:
    rows = []
    for tr in tag.find_all("tr"):
        cells = [
            _paragraph([inline(c)]).replace("\n", " ").replace("|", "\\|")
            for c in tr.find_all(["td", "th"], recursive=False)
        ]
        if cells:
            rows.append(cells)
    if not rows:
        return []
    width = max(len(r) for r in rows)
    rows = [r + [""] * (width - len(r)) for r in rows]
    lines = ["| " + " | ".join(rows[0]) + " |", "|" + " --- |" * width]
    lines += ["| " + " | ".join(r) + " |" for r in rows[1:]]
    return ["\n".join(lines)]


def html_to_markdown(html: str) -> str:
    """A fragment of statement HTML → Markdown (used by tests and for one-off fragments)."""
    soup = BeautifulSoup(html, "lxml")
    root = soup.body or soup
    return convert_tex("\n\n".join(blocks(root)))
