"""Corpus readers: directories of source files, JSONL and parquet, all yielding `Document`s.

A document's language comes from its file extension, and from its content where the extension says
nothing (a shebang, `#include`, `def`/`import` lines), because corpora of scripts often have none.
Readers never decode with replacement: undecodable bytes are kept as `None` text so that the
non-UTF-8 filter can count them instead of the reader hiding them.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from pretrain.errors import PretrainError

EXTENSIONS: dict[str, str] = {
    ".py": "python",
    ".pyi": "python",
    ".c": "c",
    ".h": "c",
    ".cc": "cpp",
    ".cpp": "cpp",
    ".cxx": "cpp",
    ".hpp": "cpp",
    ".hh": "cpp",
    ".java": "java",
    ".js": "javascript",
    ".ts": "typescript",
    ".go": "go",
    ".rs": "rust",
    ".rb": "ruby",
    ".sh": "shell",
    ".kt": "kotlin",
    ".cs": "csharp",
    ".pl": "perl",
}
# Names the JSONL and parquet readers look for, in order, for the text and language of a record.
TEXT_FIELDS = ("text", "content", "code")
LANGUAGE_FIELDS = ("language", "lang")
# Dataset language names (problem files) mapped to the corpus' names.
_LANGUAGE_ALIASES = {
    "c11": "c",
    "c99": "c",
    "gnu c": "c",
    "cpp17": "cpp",
    "cpp20": "cpp",
    "c++": "cpp",
    "python3": "python",
    "pypy3": "python",
    "python2": "python",
    "py": "python",
}
_SOLUTION_FIELDS = ("correct_solutions", "incorrect_solutions", "solutions")
_SKIP_DIRS = {".git", "__pycache__", ".hg", ".svn", "node_modules", ".tox", ".mypy_cache"}


@dataclass(frozen=True)
class Document:
    """One document of a corpus. `text` is None when the bytes were not UTF-8."""

    text: str | None
    source: str  # the SOURCES argument it came from
    origin: str  # file path (and line or row) inside the source
    language: str  # "python", "c", "cpp", ... or "unknown"
    size: int  # bytes


def normalize_language(name: str) -> str:
    name = name.strip().lower()
    return _LANGUAGE_ALIASES.get(name, name)


def detect_language(path: str, text: str | None) -> str:
    """Language from the extension, else from the content's first lines."""
    ext = Path(path).suffix.lower()
    if ext in EXTENSIONS:
        return EXTENSIONS[ext]
    if not text:
        return "unknown"
    head = text[:2000]
    first = head.split("\n", 1)[0]
    if first.startswith("#!"):
        if "python" in first:
            return "python"
        if re.search(r"\b(ba|z|da)?sh\b", first):
            return "shell"
    if re.search(r"^\s*#include\s*[<\"]", head, re.MULTILINE):
        return "cpp" if re.search(r"\b(std::|using namespace|template\s*<|iostream)", head) else "c"
    if re.search(r"^(def |class \w+.*:|import \w|from \w+ import )", head, re.MULTILINE):
        return "python"
    return "unknown"


def _decode(data: bytes) -> str | None:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None


def read_directory(root: Path, source: str, *, max_bytes: int = 4 << 20) -> Iterator[Document]:
    """Every regular file under `root` (sorted, symlinks not followed) whose language is known."""
    for path in sorted(p for p in root.rglob("*") if not (_SKIP_DIRS & set(p.parts))):
        if path.is_symlink() or not path.is_file():
            continue
        ext = path.suffix.lower()
        if ext not in EXTENSIONS and ext != "":
            continue  # data, images, compiled files: not source
        size = path.stat().st_size
        data = path.read_bytes() if size <= max_bytes else path.read_bytes()[:max_bytes]
        text = _decode(data)
        language = detect_language(str(path), text)
        if language == "unknown":
            continue
        yield Document(text, source, str(path.relative_to(root)), language, size)


def _records_to_documents(record: dict, source: str, origin: str) -> Iterator[Document]:
    """A problem record (its accepted and rejected solutions) or a plain record (a text field)."""
    if any(isinstance(record.get(k), list) for k in _SOLUTION_FIELDS):
        for key in _SOLUTION_FIELDS:
            for k, sol in enumerate(record.get(key) or []):
                if isinstance(sol, dict) and isinstance(sol.get("code"), str):
                    lang = normalize_language(str(sol.get("language", ""))) or detect_language(
                        "", sol["code"]
                    )
                    yield Document(
                        sol["code"], source, f"{origin}/{key}/{k}", lang, len(sol["code"].encode())
                    )
        return
    for field in TEXT_FIELDS:
        if isinstance(record.get(field), str):
            text = record[field]
            lang = next((record[f] for f in LANGUAGE_FIELDS if isinstance(record.get(f), str)), "")
            path = str(record.get("path", ""))
            language = normalize_language(lang) if lang else detect_language(path, text)
            yield Document(text, source, origin, language, len(text.encode("utf-8", "surrogatepass")))
            return


def read_jsonl(path: Path, source: str) -> Iterator[Document]:
    """JSONL of documents (`text`/`content`/`code`) or of problems (their solutions become documents)."""
    with path.open("rb") as fh:
        for number, raw in enumerate(fh, 1):
            if not raw.strip():
                continue
            text = _decode(raw)
            if text is None:
                yield Document(None, source, f"{path.name}:{number}", "unknown", len(raw))
                continue
            try:
                record = json.loads(text)
            except json.JSONDecodeError as exc:
                raise PretrainError(
                    f"{path}:{number}: not JSON ({exc.msg})",
                    hint="each line of a JSONL corpus must be one JSON object",
                ) from exc
            if isinstance(record, dict):
                yield from _records_to_documents(record, source, f"{path.name}:{number}")


def read_parquet(path: Path, source: str) -> Iterator[Document]:
    """Parquet with a text column (`text`/`content`/`code`), read in record batches."""
    import pyarrow.parquet as pq

    try:
        pf = pq.ParquetFile(path)
    except Exception as exc:
        raise PretrainError(f"{path}: not a readable parquet file ({exc})", hint="check the file") from exc
    names = set(pf.schema_arrow.names)
    column = next((f for f in TEXT_FIELDS if f in names), None)
    if column is None:
        raise PretrainError(
            f"{path}: no text column (looked for {', '.join(TEXT_FIELDS)})",
            hint=f"name the column holding the documents one of: {', '.join(TEXT_FIELDS)}",
        )
    cols = [column] + [f for f in (*LANGUAGE_FIELDS, "path") if f in names]
    row = 0
    for batch in pf.iter_batches(columns=cols, batch_size=1024):
        for record in batch.to_pylist():
            row += 1
            yield from _records_to_documents(record, source, f"{path.name}#{row}")


def read_source(spec: str) -> Iterator[Document]:
    """Dispatch on what `spec` names: a directory, a .jsonl/.json or .parquet file, or one source file."""
    path = Path(spec)
    if path.is_dir():
        yield from read_directory(path, spec)
    elif not path.exists():
        raise PretrainError(
            f"corpus source not found: {spec}", hint="give directories, .jsonl or .parquet files"
        )
    elif path.suffix in (".jsonl", ".json"):
        yield from read_jsonl(path, spec)
    elif path.suffix == ".parquet":
        yield from read_parquet(path, spec)
    else:
        data = path.read_bytes()
        text = _decode(data)
        yield Document(text, spec, path.name, detect_language(str(path), text), len(data))
