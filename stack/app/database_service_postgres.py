"""PostgreSQL access for the reference app: a bounded connection pool and the
documents / contact_messages tables.

`PostgreSQLService()` takes no arguments and reads POSTGRES_* and DB_POOL_* from
the environment, so the runbook can use it by hand (section 6 step 5):

    from database_service_postgres import PostgreSQLService
    docs = PostgreSQLService().get_all_documents()

Constructing the service never connects; connections are opened on demand. The
pool holds at most DB_POOL_SIZE connections (10); a caller that finds them all
checked out waits up to DB_POOL_TIMEOUT_SECONDS and then gets `PoolExhausted`
(HTTP 503 "database unavailable: database pool exhausted ..."). A connection
that fails at the connection level is discarded, together with the idle ones
(a restarted server kills them all), and replaced by a fresh one on demand.
"""
from __future__ import annotations

import collections
import logging
import threading
import time
import uuid
from contextlib import contextmanager
from datetime import datetime

import psycopg2
import psycopg2.errors
import psycopg2.extensions
import psycopg2.extras

import metrics
from errors import DependencyUnavailable, PoolExhausted, short_reason
from settings import Settings, load_settings

log = logging.getLogger("app.database")

SCHEMA_SQL = """
CREATE TABLE IF NOT EXISTS documents (
    id           UUID PRIMARY KEY,
    title        TEXT NOT NULL,
    filename     TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size         BIGINT NOT NULL,
    sha256       CHAR(64) NOT NULL,
    object_key   TEXT NOT NULL UNIQUE,
    content_text TEXT,
    created_at   TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS documents_created_at_idx ON documents (created_at);
CREATE TABLE IF NOT EXISTS contact_messages (
    id             UUID PRIMARY KEY,
    name           TEXT NOT NULL,
    email          TEXT NOT NULL,
    message        TEXT NOT NULL,
    email_status   TEXT NOT NULL DEFAULT 'pending',
    email_error    TEXT,
    ses_message_id TEXT,
    created_at     TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS contact_messages_created_at_idx ON contact_messages (created_at);
"""
# Serialises concurrent schema creation (the app and a `docker exec` session).
SCHEMA_LOCK_KEY = 727_274_001

DOCUMENT_COLUMNS = "id, title, filename, content_type, size, sha256, object_key, content_text, created_at"
DOCUMENT_LIST_COLUMNS = "id, title, filename, content_type, size, sha256, object_key, created_at"

_CONNECTION_ERRORS = (psycopg2.OperationalError, psycopg2.InterfaceError)


def _jsonable(row) -> dict:
    out = {}
    for key, value in dict(row).items():
        if isinstance(value, datetime):
            value = value.isoformat()
        elif isinstance(value, uuid.UUID):
            value = str(value)
        out[key] = value
    return out


class ConnectionPool:
    """At most `size` connections, a bounded wait, broken ones discarded."""

    def __init__(self, connect_kwargs: dict, size: int, timeout: float, track_metrics: bool = True):
        self._connect_kwargs = connect_kwargs
        self.size = size
        self.timeout = timeout
        self._slots = threading.BoundedSemaphore(size)
        self._idle: collections.deque = collections.deque()
        self._lock = threading.Lock()
        self._in_use = 0
        self._track = track_metrics
        if track_metrics:
            metrics.database_pool_size.set(size)

    @property
    def in_use(self) -> int:
        return self._in_use

    @property
    def idle(self) -> int:
        return len(self._idle)

    def _update_gauges(self):
        if self._track:
            metrics.database_pool_idle_connections.set(len(self._idle))

    def getconn(self, timeout: float | None = None):
        """Return (connection, fresh). Raises PoolExhausted or DependencyUnavailable."""
        wait = self.timeout if timeout is None else timeout
        if not self._slots.acquire(timeout=wait):
            if self._track:
                metrics.database_pool_exhausted_total.inc()
            raise PoolExhausted(self.size, wait)
        try:
            conn = None
            with self._lock:
                while self._idle and conn is None:
                    candidate = self._idle.pop()
                    if candidate.closed:
                        continue
                    conn = candidate
                self._update_gauges()
            fresh = conn is None
            if fresh:
                try:
                    conn = psycopg2.connect(**self._connect_kwargs)
                except _CONNECTION_ERRORS as exc:
                    if self._track:
                        metrics.database_connection_errors_total.inc()
                    raise DependencyUnavailable("database", short_reason(exc)) from None
        except BaseException:
            self._slots.release()
            raise
        with self._lock:
            self._in_use += 1
        if self._track:
            metrics.active_database_connections.inc()
        return conn, fresh

    def putconn(self, conn, discard: bool = False):
        try:
            if not discard and not conn.closed:
                try:
                    if conn.info.transaction_status != psycopg2.extensions.TRANSACTION_STATUS_IDLE:
                        conn.rollback()
                except _CONNECTION_ERRORS:
                    discard = True
            if discard or conn.closed:
                self._close_quietly(conn)
            else:
                with self._lock:
                    self._idle.append(conn)
                    self._update_gauges()
        finally:
            with self._lock:
                self._in_use -= 1
            if self._track:
                metrics.active_database_connections.dec()
            self._slots.release()

    def discard_idle(self):
        with self._lock:
            stale = list(self._idle)
            self._idle.clear()
            self._update_gauges()
        for conn in stale:
            self._close_quietly(conn)

    def close_all(self):
        self.discard_idle()

    @staticmethod
    def _close_quietly(conn):
        try:
            conn.close()
        except Exception:  # noqa: BLE001 - closing a dead connection may fail any way
            pass


class PostgreSQLService:
    def __init__(self, settings: Settings | None = None, track_metrics: bool = True):
        self.settings = settings or load_settings()
        s = self.settings
        options = f"-c statement_timeout={s.db_statement_timeout_ms}" if s.db_statement_timeout_ms else None
        connect_kwargs = dict(
            host=s.postgres_host,
            port=s.postgres_port,
            dbname=s.postgres_db,
            user=s.postgres_user,
            password=s.postgres_password or None,
            connect_timeout=s.db_connect_timeout_seconds,
            application_name="fastapi-app",
            keepalives=1,
            keepalives_idle=10,
            keepalives_interval=3,
            keepalives_count=3,
        )
        if options:
            connect_kwargs["options"] = options
        self.pool = ConnectionPool(
            connect_kwargs, s.db_pool_size, s.db_pool_timeout_seconds, track_metrics=track_metrics
        )
        self._schema_ready = False
        self._schema_lock = threading.Lock()

    # ------------------------------------------------------------------ core

    @property
    def schema_ready(self) -> bool:
        return self._schema_ready

    def _run(self, fn, *, pool_timeout: float | None = None, ensure_schema: bool = True):
        """Run fn(cursor) in one transaction and commit; map failures to DependencyUnavailable.

        A connection that turns out dead right after coming out of the idle
        pool (the server restarted since) is retried once on a fresh one.
        """
        if ensure_schema and not self._schema_ready:
            self.ensure_schema(pool_timeout=pool_timeout)
        attempt = 0
        while True:
            attempt += 1
            conn, fresh = self.pool.getconn(timeout=pool_timeout)
            discard = False
            try:
                with conn.cursor(cursor_factory=psycopg2.extras.RealDictCursor) as cur:
                    result = fn(cur)
                conn.commit()
                return result
            except psycopg2.errors.UndefinedTable:
                # Tables vanished (data directory replaced): recreate them once.
                self._schema_ready = False
                if attempt == 1 and ensure_schema:
                    self.pool.putconn(conn)
                    conn = None
                    self.ensure_schema(pool_timeout=pool_timeout)
                    continue
                raise
            except _CONNECTION_ERRORS as exc:
                metrics.database_connection_errors_total.inc()
                broken = bool(conn.closed)
                if broken:
                    discard = True
                    self.pool.discard_idle()
                    if not fresh and attempt == 1:
                        log.warning(
                            "pooled database connection was dead; retrying on a new one",
                            extra={"component": "database", "error": short_reason(exc)},
                        )
                        continue
                raise DependencyUnavailable("database", short_reason(exc)) from None
            finally:
                if conn is not None:
                    self.pool.putconn(conn, discard=discard)

    def ensure_schema(self, pool_timeout: float | None = None) -> None:
        with self._schema_lock:
            if self._schema_ready:
                return

            def create(cur):
                cur.execute("SELECT pg_advisory_xact_lock(%s)", (SCHEMA_LOCK_KEY,))
                cur.execute(SCHEMA_SQL)

            self._run(create, pool_timeout=pool_timeout, ensure_schema=False)
            self._schema_ready = True
            log.info("database schema ready", extra={"component": "database"})

    def ping(self, pool_timeout: float | None = None) -> None:
        """SELECT 1 through the pool (used by /health)."""

        def select_one(cur):
            cur.execute("SELECT 1")
            cur.fetchone()

        self._run(select_one, pool_timeout=pool_timeout, ensure_schema=False)

    def close(self) -> None:
        self.pool.close_all()

    # ------------------------------------------------------------- documents

    def insert_document(self, doc: dict) -> dict:
        def insert(cur):
            cur.execute(
                f"""INSERT INTO documents (id, title, filename, content_type, size, sha256, object_key, content_text)
                    VALUES (%(id)s, %(title)s, %(filename)s, %(content_type)s, %(size)s, %(sha256)s,
                            %(object_key)s, %(content_text)s)
                    RETURNING {DOCUMENT_COLUMNS}""",
                doc,
            )
            return _jsonable(cur.fetchone())

        return self._run(insert)

    def get_document(self, document_id: str) -> dict | None:
        def select(cur):
            cur.execute(f"SELECT {DOCUMENT_COLUMNS} FROM documents WHERE id = %s", (document_id,))
            row = cur.fetchone()
            return _jsonable(row) if row else None

        return self._run(select)

    def list_documents(self, limit: int = 100, offset: int = 0) -> tuple[list[dict], int]:
        def select(cur):
            cur.execute("SELECT count(*) AS n FROM documents")
            total = cur.fetchone()["n"]
            cur.execute(
                f"SELECT {DOCUMENT_LIST_COLUMNS} FROM documents ORDER BY created_at DESC, id LIMIT %s OFFSET %s",
                (limit, offset),
            )
            return [_jsonable(r) for r in cur.fetchall()], total

        return self._run(select)

    def get_all_documents(self) -> list[dict]:
        """Every document row, oldest first, as JSON-ready dicts (with content_text)."""

        def select(cur):
            cur.execute(f"SELECT {DOCUMENT_COLUMNS} FROM documents ORDER BY created_at, id")
            return [_jsonable(r) for r in cur.fetchall()]

        return self._run(select)

    def count_documents(self) -> int:
        def count(cur):
            cur.execute("SELECT count(*) AS n FROM documents")
            return cur.fetchone()["n"]

        return self._run(count)

    # ------------------------------------------------------ contact messages

    def insert_contact_message(self, name: str, email: str, message: str) -> dict:
        row = {"id": str(uuid.uuid4()), "name": name, "email": email, "message": message}

        def insert(cur):
            cur.execute(
                """INSERT INTO contact_messages (id, name, email, message)
                   VALUES (%(id)s, %(name)s, %(email)s, %(message)s)
                   RETURNING id, name, email, email_status, created_at""",
                row,
            )
            return _jsonable(cur.fetchone())

        return self._run(insert)

    def update_contact_email_status(self, contact_id: str, status: str, error: str | None = None,
                                    ses_message_id: str | None = None) -> None:
        def update(cur):
            cur.execute(
                """UPDATE contact_messages SET email_status = %s, email_error = %s, ses_message_id = %s
                   WHERE id = %s""",
                (status, error, ses_message_id, contact_id),
            )

        self._run(update)

    def contact_messages_to_resend(self, limit: int = 20, pending_after_seconds: int = 120,
                                   max_age_hours: int = 24) -> list[dict]:
        """Messages whose email failed (or is still 'pending' long after its request
        should have finished: the process died mid-send), oldest first, from the last
        `max_age_hours`; the resend loop in main.py sends them."""

        def select(cur):
            cur.execute(
                """SELECT id, name, email, message FROM contact_messages
                   WHERE (email_status = 'failed'
                          OR (email_status = 'pending' AND created_at < now() - make_interval(secs => %s)))
                     AND created_at > now() - make_interval(hours => %s)
                   ORDER BY created_at LIMIT %s""",
                (pending_after_seconds, max_age_hours, limit),
            )
            return [_jsonable(r) for r in cur.fetchall()]

        return self._run(select)

    def count_contact_messages(self) -> int:
        def count(cur):
            cur.execute("SELECT count(*) AS n FROM contact_messages")
            return cur.fetchone()["n"]

        return self._run(count)
