"""The run store: one SQLite database (WAL mode) per run directory.

Every pipeline stage writes its results here before the next stage reads them, so a run killed at any
moment (even `kill -9`) resumes where it stopped: a stage asks the store what is already done and does only
the rest. Writes are committed per batch; SQLite's WAL journal keeps the database consistent across crashes.
"""

from __future__ import annotations

import errno
import json
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from agent.errors import CpagentError, DiskFullError

SCHEMA_VERSION = 1
DB_NAME = "run.sqlite"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS problems (
    problem_id TEXT PRIMARY KEY, identity TEXT NOT NULL, name TEXT, position INTEGER,
    done INTEGER NOT NULL DEFAULT 0, result TEXT, updated REAL);
CREATE TABLE IF NOT EXISTS samples (
    problem_id TEXT NOT NULL, sample_index INTEGER NOT NULL, candidate_id TEXT NOT NULL,
    PRIMARY KEY (problem_id, sample_index));
CREATE TABLE IF NOT EXISTS candidates (
    problem_id TEXT NOT NULL, candidate_id TEXT NOT NULL, language TEXT NOT NULL, code TEXT NOT NULL,
    logprob REAL, num_tokens INTEGER, count INTEGER NOT NULL DEFAULT 1, label TEXT, meta TEXT,
    first_index INTEGER, PRIMARY KEY (problem_id, candidate_id));
CREATE TABLE IF NOT EXISTS compiles (
    problem_id TEXT NOT NULL, candidate_id TEXT NOT NULL, status TEXT NOT NULL, message TEXT,
    warnings TEXT, compile_s REAL, PRIMARY KEY (problem_id, candidate_id));
CREATE TABLE IF NOT EXISTS public_verdicts (
    problem_id TEXT NOT NULL, candidate_id TEXT NOT NULL, verdict TEXT NOT NULL, detail TEXT,
    PRIMARY KEY (problem_id, candidate_id));
CREATE TABLE IF NOT EXISTS hidden_verdicts (
    problem_id TEXT NOT NULL, candidate_id TEXT NOT NULL, verdict TEXT NOT NULL, detail TEXT,
    PRIMARY KEY (problem_id, candidate_id));
CREATE TABLE IF NOT EXISTS blobs (
    problem_id TEXT NOT NULL, kind TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (problem_id, kind));
CREATE TABLE IF NOT EXISTS stages (
    problem_id TEXT NOT NULL, stage TEXT NOT NULL, count INTEGER, seconds REAL, done INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (problem_id, stage));
"""


@dataclass(frozen=True)
class StoredCandidate:
    candidate_id: str
    language: str
    code: str
    logprob: float | None
    num_tokens: int | None
    count: int
    label: str | None
    meta: dict[str, Any]
    first_index: int


def _is_disk_full(exc: sqlite3.Error) -> bool:
    code = getattr(exc, "sqlite_errorcode", None)
    return code == sqlite3.SQLITE_FULL or "disk is full" in str(exc)


class RunStore:
    """Thread-safe access to a run's database. One connection, guarded by a lock: writes are small."""

    def __init__(self, run_dir: str | Path) -> None:
        self.run_dir = Path(run_dir)
        try:
            self.run_dir.mkdir(parents=True, exist_ok=True)
            self.path = self.run_dir / DB_NAME
            self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None, timeout=30)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.executescript(_SCHEMA)
        except sqlite3.DatabaseError as exc:
            if _is_disk_full(exc):
                raise DiskFullError(str(self.run_dir)) from None
            raise CpagentError(f"{self.run_dir}: cannot open the run database ({exc})",
                               hint="choose another -o directory, or remove a corrupt run") from None
        except OSError as exc:
            if exc.errno in (errno.ENOSPC, errno.EDQUOT):
                raise DiskFullError(str(self.run_dir)) from None
            raise CpagentError(f"{self.run_dir}: cannot create the run directory ({exc.strerror})",
                               hint="check the path and free disk space") from None
        self._lock = threading.RLock()
        version = self.get_meta("schema_version")
        if version is None:
            self.set_meta("schema_version", SCHEMA_VERSION)
        elif int(version) != SCHEMA_VERSION:
            raise CpagentError(f"{self.path}: written by another cpagent version (schema {version})",
                               hint="start a new run directory")

    # -- plumbing ----------------------------------------------------------------------------
    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One atomic write: on any failure (a full disk included) nothing of it lands and all earlier ones stay."""
        with self._lock:
            try:
                self._db.execute("BEGIN IMMEDIATE")
                try:
                    yield self._db
                except BaseException:
                    if self._db.in_transaction:
                        self._db.execute("ROLLBACK")
                    raise
                else:
                    self._db.execute("COMMIT")
            except sqlite3.OperationalError as exc:
                if _is_disk_full(exc):
                    if self._db.in_transaction:
                        try:
                            self._db.execute("ROLLBACK")
                        except sqlite3.Error:
                            pass  # SQLite rolls a failed commit back itself
                    raise DiskFullError(str(self.run_dir)) from None
                raise

    def _query(self, sql: str, args: Iterable[Any] = ()) -> list[tuple[Any, ...]]:
        with self._lock:
            return list(self._db.execute(sql, tuple(args)))

    def close(self) -> None:
        with self._lock:
            self._db.close()

    # -- meta --------------------------------------------------------------------------------
    def set_meta(self, key: str, value: Any) -> None:
        with self.transaction() as db:
            db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, json.dumps(value)))

    def get_meta(self, key: str) -> Any:
        rows = self._query("SELECT value FROM meta WHERE key = ?", (key,))
        return json.loads(rows[0][0]) if rows else None

    # -- problems ----------------------------------------------------------------------------
    def add_problem(self, problem_id: str, identity: str, name: str, position: int) -> None:
        rows = self._query("SELECT identity FROM problems WHERE problem_id = ?", (problem_id,))
        if rows and rows[0][0] != identity:
            raise CpagentError(f"problem {problem_id} changed since this run started",
                               hint="start a new run directory (-o) for the changed problem set")
        if not rows:
            with self.transaction() as db:
                db.execute("INSERT INTO problems (problem_id, identity, name, position, updated) VALUES (?,?,?,?,?)",
                           (problem_id, identity, name, position, time.time()))

    def finish_problem(self, problem_id: str, result: dict[str, Any]) -> None:
        with self.transaction() as db:
            db.execute("UPDATE problems SET done = 1, result = ?, updated = ? WHERE problem_id = ?",
                       (json.dumps(result), time.time(), problem_id))

    def forget_selection(self) -> int:
        """Drop every problem's scores, selection and result, keeping samples, verdicts and clusters: a changed
        scorer or selection strategy is then applied by resuming, without running a single program again."""
        with self.transaction() as db:
            db.execute("DELETE FROM blobs WHERE kind IN ('scores', 'selection')")
            db.execute("DELETE FROM stages WHERE stage IN ('score', 'select')")
            return db.execute("UPDATE problems SET done = 0, result = NULL WHERE done = 1").rowcount

    def problem_result(self, problem_id: str) -> dict[str, Any] | None:
        rows = self._query("SELECT result FROM problems WHERE problem_id = ? AND done = 1", (problem_id,))
        return json.loads(rows[0][0]) if rows else None

    def problem_ids(self) -> list[str]:
        return [r[0] for r in self._query("SELECT problem_id FROM problems ORDER BY position")]

    # -- samples and candidates --------------------------------------------------------------
    def num_samples(self, problem_id: str) -> int:
        return int(self._query("SELECT COUNT(*) FROM samples WHERE problem_id = ?", (problem_id,))[0][0])

    def add_samples(self, problem_id: str, rows: list[tuple[int, str, dict[str, Any]]]) -> None:
        """Record samples `(sample_index, candidate_id, candidate fields)`; duplicates raise the count."""
        with self.transaction() as db:
            for index, cid, fields in rows:
                cur = db.execute("INSERT OR IGNORE INTO samples VALUES (?, ?, ?)", (problem_id, index, cid))
                if cur.rowcount == 0:
                    continue  # already recorded before a restart
                updated = db.execute("UPDATE candidates SET count = count + 1 WHERE problem_id = ? AND candidate_id = ?",
                                     (problem_id, cid))
                if updated.rowcount == 0:
                    db.execute(
                        "INSERT INTO candidates VALUES (?,?,?,?,?,?,1,?,?,?)",
                        (problem_id, cid, fields["language"], fields["code"], fields.get("logprob"),
                         fields.get("num_tokens"), fields.get("label"), json.dumps(fields.get("meta") or {}), index),
                    )

    def candidates(self, problem_id: str) -> list[StoredCandidate]:
        rows = self._query(
            "SELECT candidate_id, language, code, logprob, num_tokens, count, label, meta, first_index "
            "FROM candidates WHERE problem_id = ? ORDER BY first_index", (problem_id,))
        return [StoredCandidate(r[0], r[1], r[2], r[3], r[4], r[5], r[6], json.loads(r[7] or "{}"), r[8]) for r in rows]

    def sample_candidate_ids(self, problem_id: str) -> list[str]:
        """The candidate id of every sample in sampling order (with repeats), for n@k bootstraps."""
        return [r[0] for r in self._query(
            "SELECT candidate_id FROM samples WHERE problem_id = ? ORDER BY sample_index", (problem_id,))]

    # -- per-candidate stage results ---------------------------------------------------------
    _TABLES = {"compiles", "public_verdicts", "hidden_verdicts"}

    def done_ids(self, table: str, problem_id: str) -> set[str]:
        assert table in self._TABLES
        return {r[0] for r in self._query(f"SELECT candidate_id FROM {table} WHERE problem_id = ?", (problem_id,))}

    def put_compile(self, problem_id: str, cid: str, status: str, message: str, warnings: str, seconds: float) -> None:
        with self.transaction() as db:
            db.execute("INSERT OR REPLACE INTO compiles VALUES (?,?,?,?,?,?)",
                       (problem_id, cid, status, message, warnings, seconds))

    def compiles(self, problem_id: str) -> dict[str, tuple[str, str, str, float]]:
        return {r[0]: (r[1], r[2], r[3], r[4]) for r in self._query(
            "SELECT candidate_id, status, message, warnings, compile_s FROM compiles WHERE problem_id = ?", (problem_id,))}

    def put_verdict(self, table: str, problem_id: str, cid: str, verdict: str, detail: dict[str, Any]) -> None:
        assert table in ("public_verdicts", "hidden_verdicts")
        with self.transaction() as db:
            db.execute(f"INSERT OR REPLACE INTO {table} VALUES (?,?,?,?)", (problem_id, cid, verdict, json.dumps(detail)))

    def verdicts(self, table: str, problem_id: str) -> dict[str, tuple[str, dict[str, Any]]]:
        assert table in ("public_verdicts", "hidden_verdicts")
        return {r[0]: (r[1], json.loads(r[2] or "{}")) for r in self._query(
            f"SELECT candidate_id, verdict, detail FROM {table} WHERE problem_id = ?", (problem_id,))}

    # -- whole-problem stage outputs (inputs, clusters, scores, selection) --------------------
    def put_blob(self, problem_id: str, kind: str, value: Any) -> None:
        with self.transaction() as db:
            db.execute("INSERT OR REPLACE INTO blobs VALUES (?,?,?)", (problem_id, kind, json.dumps(value)))

    def get_blob(self, problem_id: str, kind: str) -> Any:
        rows = self._query("SELECT value FROM blobs WHERE problem_id = ? AND kind = ?", (problem_id, kind))
        return json.loads(rows[0][0]) if rows else None

    # -- stage accounting --------------------------------------------------------------------
    def record_stage(self, problem_id: str, stage: str, count: int, seconds: float, done: bool = True) -> None:
        with self.transaction() as db:
            db.execute("INSERT OR REPLACE INTO stages VALUES (?,?,?,?,?)", (problem_id, stage, count, seconds, int(done)))

    def stage(self, problem_id: str, stage: str) -> tuple[int, float, bool] | None:
        rows = self._query("SELECT count, seconds, done FROM stages WHERE problem_id = ? AND stage = ?",
                           (problem_id, stage))
        return (rows[0][0], rows[0][1], bool(rows[0][2])) if rows else None

    def stages(self, problem_id: str) -> dict[str, dict[str, Any]]:
        return {r[0]: {"count": r[1], "seconds": r[2], "done": bool(r[3])} for r in self._query(
            "SELECT stage, count, seconds, done FROM stages WHERE problem_id = ?", (problem_id,))}
