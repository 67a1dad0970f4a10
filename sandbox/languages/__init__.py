"""Languages as registered plugins: one small module per family (c, cpp, python), each with a self-test.

get_language("cpp17")        the plugin, or SandboxError listing the ids
available_languages()        ids whose toolchain is installed here
language_ids()               every registered id
"""

from __future__ import annotations

from sandbox.errors import SandboxError
from sandbox.languages import c, cpp, python
from sandbox.languages.base import Language, Toolchain
from sandbox.languages.detect import extension_for_language, language_for_path

_REGISTRY: dict[str, Language] = {}


def register_language(language: Language) -> None:
    """Add a plugin (a later registration of the same id replaces the earlier one)."""
    _REGISTRY[language.id] = language


for _module in (c, cpp, python):
    for _lang in _module.LANGUAGES:
        register_language(_lang)


def language_ids() -> list[str]:
    return list(_REGISTRY)


def get_language(lang_id: str) -> Language:
    try:
        return _REGISTRY[lang_id]
    except KeyError:
        raise SandboxError(
            f"unknown language {lang_id!r}", hint=f"use --lang with one of: {', '.join(_REGISTRY)}"
        ) from None


def available_languages() -> list[str]:
    """Ids whose compiler or interpreter is installed on this machine."""
    return [lang_id for lang_id, lang in _REGISTRY.items() if lang.available()]


__all__ = [
    "Language",
    "Toolchain",
    "available_languages",
    "extension_for_language",
    "get_language",
    "language_for_path",
    "language_ids",
    "register_language",
]
