"""Which language a source file is, from its name (and, for ambiguous cases, its content)."""

from __future__ import annotations

from pathlib import Path

EXTENSION_LANGUAGE = {
    ".c": "c11",
    ".cpp": "cpp17",
    ".cc": "cpp17",
    ".cxx": "cpp17",
    ".c++": "cpp17",
    ".py": "python3",
}

LANGUAGE_EXTENSION = {
    "c11": ".c",
    "c99": ".c",
    "cpp17": ".cpp",
    "cpp20": ".cpp",
    "python3": ".py",
    "pypy3": ".py",
}


def language_for_path(path: str | Path) -> str | None:
    """The default language id for a file name, or None when the extension is unknown."""
    return EXTENSION_LANGUAGE.get(Path(path).suffix.lower())


def extension_for_language(language: str) -> str:
    return LANGUAGE_EXTENSION.get(language, ".txt")


def language_for_source(path: str | Path, text: str) -> str | None:
    """The language id from the name, refined by the content where the name misleads: a `.c` file that
    is really C++ (a common mislabel in datasets), a Python file whose shebang asks for PyPy."""
    lang = language_for_path(path)
    head = text[:4096]
    if lang in ("c11", "c99") and _looks_like_cpp(head):
        return "cpp17"
    if lang == "python3" and head.startswith("#!") and "pypy" in head.splitlines()[0]:
        return "pypy3"
    return lang


def _looks_like_cpp(head: str) -> bool:
    markers = (
        "#include <bits/stdc++.h>",
        "#include <iostream>",
        "using namespace std",
        "std::",
        "#include <vector>",
        "#include <algorithm>",
        "template <",
        "template<",
    )
    return any(m in head for m in markers)
