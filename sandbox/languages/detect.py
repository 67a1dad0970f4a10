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
