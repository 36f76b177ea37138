"""On-disk judgment cache (SQLite, WAL). One row per judgment, committed as soon as it completes, keyed by
sha256(judge model + full messages + decoding parameters): a re-run costs nothing and a killed run resumes with
no judgment lost or made twice."""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
import time
from pathlib import Path


def cache_key(model: str, messages: list[dict], params: dict) -> str:
    blob = json.dumps({"model": model, "messages": messages, "params": params}, sort_keys=True,
                      ensure_ascii=False)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


class JudgmentCache:
    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute("CREATE TABLE IF NOT EXISTS judgments (key TEXT PRIMARY KEY, model TEXT NOT NULL, "
                         "request TEXT NOT NULL, result TEXT NOT NULL, created REAL NOT NULL)")

    def get(self, key: str) -> dict | None:
        with self._lock:
            row = self._db.execute("SELECT result FROM judgments WHERE key = ?", (key,)).fetchone()
        return json.loads(row[0]) if row else None

    def put(self, key: str, model: str, request: dict, result: dict) -> None:
        """Insert once (a second writer of the same key is ignored); autocommit makes each row durable."""
        with self._lock:
            self._db.execute("INSERT OR IGNORE INTO judgments (key, model, request, result, created) "
                             "VALUES (?, ?, ?, ?, ?)", (key, model, json.dumps(request, ensure_ascii=False),
                              json.dumps(result, ensure_ascii=False), time.time()))

    def __len__(self) -> int:
        with self._lock:
            return self._db.execute("SELECT COUNT(*) FROM judgments").fetchone()[0]

    def close(self) -> None:
        with self._lock:
            self._db.close()
