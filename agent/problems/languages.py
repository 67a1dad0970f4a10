"""Language names as datasets and judges spell them, mapped to our language ids.

Our ids are those of the sandbox (`c11`, `c99`, `cpp17`, `python3`, ...). A dataset's name for a
language is not always precise: codeflaws says "C" and compiles with `gcc -std=c99`, so its C is c99.
"""

from __future__ import annotations

# Lower-cased dataset / judge spellings → our language id.
LANGUAGE_ALIASES: dict[str, str] = {
    "c": "c99",  # codeflaws: gcc -std=c99 -O2 -lm (its README)
    "c99": "c99",
    "c11": "c11",
    "gnu c": "c11",
    "gnu c11": "c11",
    "c++": "cpp17",
    "cpp": "cpp17",
    "cpp17": "cpp17",
    "c++17": "cpp17",
    "gnu c++17": "cpp17",
    "cpp20": "cpp20",
    "c++20": "cpp20",
    "gnu c++20": "cpp20",
    "python": "python3",
    "python3": "python3",
    "python 3": "python3",
    "py3": "python3",
    "pypy3": "pypy3",
    "pypy 3": "pypy3",
    "python2": "python2",
    "python 2": "python2",
    "java": "java",
}


def language_id(name: str) -> str | None:
    """Our id for a dataset's language name, or None when we do not know it."""
    return LANGUAGE_ALIASES.get(name.strip().lower())


# Extensions for languages the sandbox does not run (yet): datasets still carry their programs.
_EXTRA_EXTENSIONS = {
    "python2": ".py", "pypy2": ".py", "java": ".java", "kotlin": ".kt", "go": ".go", "rust": ".rs",
}


def file_extension(language: str) -> str:
    """The file extension for a language id: the sandbox's own, else the usual one, else .txt."""
    from sandbox.languages.detect import extension_for_language

    ext = extension_for_language(language)
    return _EXTRA_EXTENSIONS.get(language, ext) if ext == ".txt" else ext
