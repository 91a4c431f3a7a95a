"""Reference FastAPI application of the runbook (container `fastapi-app`).

Documents: object in S3/MinIO, row in PostgreSQL, entry in Meilisearch.
Contact form: row in PostgreSQL, notification email through SES.
Health: GET /health (alias /api/health) with per-component status.
Metrics: Prometheus on METRICS_PORT (9091), started by the startup hook.
Logs: JSON lines on stdout and in $LOG_DIR/app.log.

The app starts and serves /health whatever its dependencies are doing: nothing
connects at import or startup; the schema is created by a background retry loop
(and lazily by the first request that needs it); every dependency failure is an
HTTP 503 naming the component, never a crash.
"""
from __future__ import annotations

import asyncio
import concurrent.futures
import hashlib
import json
import logging
import os
import re
import threading
import time
import unicodedata
import uuid
from typing import Optional
from urllib.parse import quote

from fastapi import FastAPI, File, Form, HTTPException, Query, Request, UploadFile
from fastapi.responses import JSONResponse, Response
from prometheus_client import start_http_server
from pydantic import BaseModel, validator
from starlette.routing import Match

import metrics
from app_logging import redact, setup_logging
from database_service_postgres import PostgreSQLService
from email_service_ses import SESEmailService
from errors import DependencyUnavailable, EmailError, ObjectNotFound, PoolExhausted, short_reason
from search_service_meilisearch import MeilisearchService, SearchTaskPending
from settings import load_settings

APP_VERSION = "1.0.0"

settings = load_settings()
LOG_FILE = setup_logging(settings.log_dir, settings.log_level, secrets=settings.secret_values(), fmt=settings.log_format)
log = logging.getLogger("app")

db = PostgreSQLService(settings)
storage = None
email = None
search = MeilisearchService(settings)


def _storage():
    # boto3 clients are created on first use so that import stays cheap.
    global storage
    if storage is None:
        from storage_service_s3 import S3StorageService

        storage = S3StorageService(settings)
    return storage


def _email():
    global email
    if email is None:
        email = SESEmailService(settings)
    return email


app = FastAPI(
    title="pretamane fastapi-app",
    version=APP_VERSION,
    description="Reference application of the runbook drills (documents, search, contact).",
)

_stop = threading.Event()


# --------------------------------------------------------------------------- request middleware

QUIET_ROUTES = {"/health", "/api/health"}


def _route_template(scope) -> str:
    route = scope.get("route")
    path = getattr(route, "path", None)
    if path:
        return path
    for candidate in app.router.routes:
        try:
            match, _ = candidate.matches(scope)
        except Exception:  # noqa: BLE001
            continue
        if match == Match.FULL:
            return getattr(candidate, "path", "unmatched")
    return "unmatched"


class RequestMetricsMiddleware:
    """Pure ASGI middleware: latency histogram, request counter, one JSON log line per request.

    It also turns an unhandled exception into a JSON 500 (logged once, here).
    """

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        state = {"status": 500, "started": False}

        async def send_wrapper(message):
            if message["type"] == "http.response.start":
                state["status"] = message["status"]
                state["started"] = True
            await send(message)

        metrics.http_requests_in_progress.inc()
        error = None
        try:
            await self.app(scope, receive, send_wrapper)
        except Exception as exc:  # noqa: BLE001
            error = exc
            state["status"] = 500
            if not state["started"]:
                body = json.dumps({"detail": "internal server error"}).encode()
                await send({"type": "http.response.start", "status": 500,
                            "headers": [(b"content-type", b"application/json"),
                                        (b"content-length", str(len(body)).encode())]})
                await send({"type": "http.response.body", "body": body})
        finally:
            metrics.http_requests_in_progress.dec()
            duration = time.perf_counter() - start
            route = _route_template(scope)
            method = scope.get("method", "")
            status = str(state["status"])
            metrics.http_request_duration_seconds.labels(route, method, status).observe(duration)
            metrics.http_requests_total.labels(route, method, status).inc()
            extra = {
                "route": route,
                "path": scope.get("path"),
                "method": method,
                "status": state["status"],
                "duration_ms": round(duration * 1000, 2),
                "client": (scope.get("client") or [None])[0],
            }
            if error is not None:
                log.error("request failed with an unhandled exception", extra=extra,
                          exc_info=(type(error), error, error.__traceback__))
            elif route in QUIET_ROUTES and state["status"] < 400:
                log.debug("request completed", extra=extra)
            else:
                level = logging.WARNING if state["status"] >= 500 else logging.INFO
                log.log(level, "request completed", extra=extra)


app.add_middleware(RequestMetricsMiddleware)


@app.exception_handler(DependencyUnavailable)
async def dependency_unavailable_handler(request: Request, exc: DependencyUnavailable):
    detail = redact(exc.detail)
    log.warning(detail, extra={"component": exc.component, "path": request.url.path,
                               "pool_exhausted": isinstance(exc, PoolExhausted)})
    return JSONResponse(status_code=503, content={"detail": detail})


# --------------------------------------------------------------------------- health

class HealthChecker:
    """Runs the component checks concurrently with a deadline.

    A check still running from an earlier call (a hung dependency) is awaited
    again rather than started twice, so a stuck dependency pins at most one
    thread per component.
    """

    def __init__(self, timeout: float):
        self.timeout = timeout
        self._executor = concurrent.futures.ThreadPoolExecutor(max_workers=8, thread_name_prefix="health")
        self._inflight: dict[str, concurrent.futures.Future] = {}
        self._lock = threading.Lock()
        self._last_status: dict[str, str] = {}

    def _checks(self):
        return {
            "database": self._check_database,
            "storage": lambda: _storage().check(),
            "search": self._check_search,
            "email": lambda: _email().check(),
        }

    def _check_database(self):
        try:
            db.ping(pool_timeout=min(1.5, self.timeout))
        except PoolExhausted as exc:
            return {"status": "degraded", "error": exc.reason,
                    "pool": {"size": db.pool.size, "in_use": db.pool.in_use}}
        return {"pool": {"size": db.pool.size, "in_use": db.pool.in_use, "idle": db.pool.idle},
                "schema_ready": db.schema_ready}

    def _check_search(self):
        body = search.health(timeout=self.timeout)
        return {"meilisearch_status": body.get("status")}

    @staticmethod
    def _timed(fn):
        start = time.perf_counter()
        try:
            result = dict(fn() or {})
            status = result.pop("status", "healthy")
            out = {"status": status}
        except DependencyUnavailable as exc:
            result, out = {}, {"status": "unhealthy", "error": redact(exc.reason)}
        except Exception as exc:  # noqa: BLE001
            result, out = {}, {"status": "unhealthy", "error": redact(f"{type(exc).__name__}: {short_reason(exc)}")}
        out["latency_ms"] = round((time.perf_counter() - start) * 1000, 2)
        out.update(result)
        if "error" in out:
            out["error"] = redact(str(out["error"]))
        return out

    def _submit_all(self) -> dict[str, concurrent.futures.Future]:
        futures = {}
        with self._lock:
            for name, fn in self._checks().items():
                pending = self._inflight.get(name)
                if pending is not None and not pending.done():
                    futures[name] = pending
                else:
                    fut = self._executor.submit(self._timed, fn)
                    self._inflight[name] = fut
                    futures[name] = fut
        return futures

    def _collect(self, futures) -> dict:
        components = {}
        for name, fut in futures.items():
            if fut.done():
                components[name] = fut.result()
            else:
                components[name] = {"status": "unhealthy",
                                     "error": f"check timed out after {self.timeout:g}s",
                                     "latency_ms": round(self.timeout * 1000, 2)}
        return components

    def summarize(self, components: dict) -> tuple[str, int]:
        """database unhealthy -> unhealthy/503; anything else not healthy -> degraded/200."""
        if components["database"]["status"] == "unhealthy":
            overall = "unhealthy"
        elif any(c["status"] != "healthy" for c in components.values()):
            overall = "degraded"
        else:
            overall = "healthy"
        self._record(components)
        return overall, (503 if overall == "unhealthy" else 200)

    def _record(self, components: dict):
        for name, comp in components.items():
            metrics.dependency_up.labels(name).set(0 if comp["status"] == "unhealthy" else 1)
            previous = self._last_status.get(name)
            if previous != comp["status"]:
                self._last_status[name] = comp["status"]
                if previous is not None or comp["status"] != "healthy":
                    level = logging.INFO if comp["status"] == "healthy" else logging.WARNING
                    log.log(level, f"{name} is {comp['status']}",
                            extra={"component": name, "previous_status": previous,
                                   "component_status": comp["status"], "error": comp.get("error")})

    async def run_async(self) -> dict:
        futures = self._submit_all()
        wrapped = [asyncio.wrap_future(f) for f in futures.values()]
        await asyncio.wait(wrapped, timeout=self.timeout)
        return self._collect(futures)

    def run_blocking(self) -> dict:
        futures = self._submit_all()
        concurrent.futures.wait(list(futures.values()), timeout=self.timeout)
        return self._collect(futures)

    def shutdown(self):
        self._executor.shutdown(wait=False, cancel_futures=True)


health_checker = HealthChecker(settings.health_check_timeout_seconds)


@app.api_route("/health", methods=["GET", "HEAD"], tags=["health"])
@app.api_route("/api/health", methods=["GET", "HEAD"], tags=["health"])
async def health():
    """Per-component health. 503 only when the database is down (the app can do
    nothing useful without it); a down storage, search or email makes it
    "degraded" with 200."""
    components = await health_checker.run_async()
    overall, code = health_checker.summarize(components)
    return JSONResponse(
        status_code=code,
        content={"status": overall, "service": "fastapi-app", "version": APP_VERSION,
                 "components": components},
        headers={"Cache-Control": "no-store"},
    )


@app.get("/", tags=["meta"])
async def root():
    return {"service": "fastapi-app", "version": APP_VERSION, "health": "/health", "docs": "/docs"}


# --------------------------------------------------------------------------- documents

_TEXTUAL_TYPES = ("application/json", "application/xml", "application/x-yaml", "application/yaml",
                  "application/javascript", "application/x-ndjson", "application/csv")


def _clean_filename(name: str | None) -> str:
    name = (name or "").replace("\\", "/").split("/")[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip()
    name = re.sub(r"\s+", " ", name)
    if name in ("", ".", ".."):
        name = "upload.bin"
    return name[:200]


def _extract_text(data: bytes, content_type: str) -> Optional[str]:
    """Text content to index: only for text-ish files that are valid UTF-8."""
    base = content_type.split(";")[0].strip().lower()
    textual = base.startswith("text/") or base in _TEXTUAL_TYPES or base.endswith("+json") or base.endswith("+xml")
    if not textual and base not in ("application/octet-stream", ""):
        return None
    if b"\x00" in data[:8192]:
        return None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if text.startswith("\ufeff"):
        text = text[1:]
    return text[: settings.max_indexed_text_chars]


def _read_upload(file: UploadFile) -> bytes:
    limit = settings.max_upload_bytes
    data = file.file.read(limit + 1)
    if len(data) > limit:
        raise HTTPException(status_code=413, detail=f"file larger than {limit} bytes")
    return data


def _public_document(row: dict) -> dict:
    return {k: v for k, v in row.items() if k != "content_text"}


@app.post("/api/documents", status_code=201, tags=["documents"])
def upload_document(file: UploadFile = File(...), title: Optional[str] = Form(None)):
    """Store a document: object in the bucket, row in PostgreSQL, entry in the index.

    Storage or database down -> 503 naming it, nothing kept (an object already
    written is deleted again). Search down -> the document is still stored
    (201, "indexed": false); POST /admin/reindex repairs the index later.
    """
    data = _read_upload(file)
    doc_id = str(uuid.uuid4())
    filename = _clean_filename(file.filename)
    content_type = (file.content_type or "application/octet-stream").strip() or "application/octet-stream"
    doc = {
        "id": doc_id,
        "title": (title or "").strip()[:500] or filename,
        "filename": filename,
        "content_type": content_type,
        "size": len(data),
        "sha256": hashlib.sha256(data).hexdigest(),
        "object_key": f"documents/{doc_id}/{filename}",
        "content_text": _extract_text(data, content_type),
    }
    s3 = _storage()
    s3.put_object(doc["object_key"], data, content_type)
    try:
        row = db.insert_document(doc)
    except Exception:
        try:
            s3.delete_object(doc["object_key"])
        except Exception as cleanup_exc:  # noqa: BLE001
            log.error("could not remove object after failed database insert",
                      extra={"object_key": doc["object_key"], "error": short_reason(cleanup_exc)})
        raise
    metrics.documents_uploaded_total.inc()

    indexed: bool | str = True
    try:
        search.index_document(row, wait=settings.upload_index_wait_seconds > 0,
                              timeout=settings.upload_index_wait_seconds)
    except SearchTaskPending:
        indexed = "pending"
    except DependencyUnavailable as exc:
        indexed = False
        metrics.search_index_failures_total.inc()
        log.error("document stored but not indexed; run POST /admin/reindex after search recovers",
                  extra={"component": "search", "document_id": doc_id, "error": redact(exc.reason)})
    log.info("document uploaded", extra={"document_id": doc_id, "size": doc["size"],
                                         "content_type": content_type, "indexed": indexed})
    body = _public_document(row)
    body["indexed"] = indexed
    return JSONResponse(status_code=201, content=body, headers={"Location": f"/api/documents/{doc_id}"})


@app.get("/api/documents", tags=["documents"])
def list_documents(limit: int = Query(100, ge=1, le=1000), offset: int = Query(0, ge=0)):
    docs, total = db.list_documents(limit=limit, offset=offset)
    return {"documents": docs, "total": total, "limit": limit, "offset": offset}


@app.get("/api/documents/{document_id}", tags=["documents"])
def download_document(document_id: str):
    """The stored bytes, with the content type given at upload."""
    try:
        doc_uuid = str(uuid.UUID(document_id))
    except ValueError:
        raise HTTPException(status_code=404, detail="document not found") from None
    row = db.get_document(doc_uuid)
    if row is None:
        raise HTTPException(status_code=404, detail="document not found")
    try:
        data, _ = _storage().get_object(row["object_key"])
    except ObjectNotFound:
        log.error("document row exists but its object is missing from storage",
                  extra={"component": "storage", "document_id": doc_uuid, "object_key": row["object_key"]})
        raise HTTPException(status_code=404, detail="document object not found in storage") from None
    digest = hashlib.sha256(data).hexdigest()
    if digest != row["sha256"].strip():
        log.error("document object does not match its recorded sha256",
                  extra={"component": "storage", "document_id": doc_uuid,
                         "expected_sha256": row["sha256"], "actual_sha256": digest})
    disposition = f"attachment; filename*=UTF-8''{quote(row['filename'])}"
    return Response(
        content=data,
        headers={"content-type": row["content_type"], "content-disposition": disposition,
                 "x-content-sha256": digest, "etag": f'"{digest}"'},
    )


# --------------------------------------------------------------------------- search

@app.get("/api/search", tags=["search"])
def search_documents(q: str = Query("", max_length=512), limit: int = Query(20, ge=1, le=1000),
                     offset: int = Query(0, ge=0)):
    metrics.search_queries_total.inc()
    result = search.search(q, limit=limit, offset=offset)
    hits = result.get("hits", [])
    return {
        "query": q,
        "hits": hits,
        "count": len(hits),
        "estimatedTotalHits": result.get("estimatedTotalHits", result.get("nbHits", len(hits))),
        "processingTimeMs": result.get("processingTimeMs"),
        "limit": limit,
        "offset": offset,
    }


# --------------------------------------------------------------------------- contact

_EMAIL_RE = re.compile(r"^[^@\s<>\"]+@[^@\s<>\"]+\.[^@\s<>\"]+$")


class ContactIn(BaseModel):
    name: str
    email: str
    message: str

    @validator("name")
    def _name(cls, v):  # noqa: N805
        v = " ".join(v.split())
        if not v or len(v) > 200:
            raise ValueError("name must be 1-200 characters")
        return v

    @validator("email")
    def _email(cls, v):  # noqa: N805
        v = v.strip()
        if len(v) > 320 or not _EMAIL_RE.match(v):
            raise ValueError("not a valid email address")
        return v

    @validator("message")
    def _message(cls, v):  # noqa: N805
        v = v.strip()
        if not v or len(v) > 10000:
            raise ValueError("message must be 1-10000 characters")
        return v


@app.post("/api/contact", status_code=201, tags=["contact"])
def contact(payload: ContactIn):
    """Store the message, then email it through SES.

    201: stored and emailed. 202: stored, but SES failed (the message is kept
    with email_status "failed" and sent again by the resend loop once SES
    works; the client must not resubmit). 503: database down, nothing stored
    and nothing sent.
    """
    row = db.insert_contact_message(payload.name, payload.email, payload.message)
    metrics.contact_submissions_total.inc()
    contact_id = row["id"]
    try:
        message_id = _email().send_contact_email(contact_id, payload.name, payload.email, payload.message)
    except EmailError as exc:
        metrics.email_failures_total.inc()
        reason = redact(exc.reason)
        log.error(f"email notification failed: {reason}",
                  extra={"component": "email", "contact_id": contact_id, "error_kind": exc.kind})
        _record_email_status(contact_id, "failed", reason, None)
        return JSONResponse(status_code=202, content={
            "id": contact_id, "stored": True,
            "email": {"status": "failed", "error": reason, "resend": "queued"}})
    metrics.emails_sent_total.inc()
    log.info("email notification sent through SES",
             extra={"component": "email", "contact_id": contact_id, "ses_message_id": message_id})
    _record_email_status(contact_id, "sent", None, message_id)
    return JSONResponse(status_code=201, content={
        "id": contact_id, "stored": True, "email": {"status": "sent", "message_id": message_id}})


def _record_email_status(contact_id, status, error, message_id):
    try:
        db.update_contact_email_status(contact_id, status, error, message_id)
    except DependencyUnavailable as exc:
        log.warning("could not record email status", extra={"contact_id": contact_id, "error": exc.reason})


# --------------------------------------------------------------------------- admin

@app.post("/admin/reindex", tags=["admin"])
@app.post("/api/admin/reindex", tags=["admin"])
def reindex():
    """Rebuild the search index from the database: delete every indexed
    document, add every row, wait for Meilisearch to finish."""
    started = time.perf_counter()
    docs = db.get_all_documents()
    count = search.reindex(docs)
    duration = round(time.perf_counter() - started, 3)
    log.info("search index rebuilt from the database", extra={"component": "search", "reindexed": count,
                                                             "duration_s": duration})
    return {"reindexed": count, "index": settings.meili_index, "duration_seconds": duration}


@app.get("/admin/stats", tags=["admin"])
@app.get("/api/admin/stats", tags=["admin"])
def stats():
    """Counts per store, for integrity checks (index count vs database rows)."""
    out = {}

    def attempt(name, fn):
        try:
            out[name] = fn()
        except DependencyUnavailable as exc:
            out[name] = {"error": redact(exc.detail)}

    attempt("database", lambda: {"documents": db.count_documents(),
                                 "contact_messages": db.count_contact_messages()})
    attempt("search", lambda: {"documents": search.stats().get("numberOfDocuments", 0),
                               "index": settings.meili_index})
    attempt("storage", lambda: {"objects": _storage().count_objects("documents/"),
                                "bucket": settings.s3_bucket})
    return out


# --------------------------------------------------------------------------- lifecycle

def _schema_loop():
    delay = 1.0
    while not _stop.is_set():
        try:
            db.ensure_schema()
            return
        except DependencyUnavailable as exc:
            log.warning(f"database schema not ready, retrying in {delay:g}s",
                        extra={"component": "database", "error": redact(exc.reason)})
        except Exception as exc:  # noqa: BLE001
            log.error(f"database schema creation failed, retrying in {delay:g}s",
                      extra={"component": "database", "error": redact(short_reason(exc))})
        _stop.wait(delay)
        delay = min(delay * 2, 15.0)


def _email_resend_loop(interval: float):
    """A contact message whose email failed is kept with email_status 'failed' and
    sent again here once SES works, so a submission made during an SES outage is not
    lost. A batch stops at the first failure (SES is still down)."""
    while not _stop.wait(interval):
        try:
            due = db.contact_messages_to_resend()
        except DependencyUnavailable:
            continue  # the database is down; the health checks already say so
        for row in due:
            try:
                message_id = _email().send_contact_email(row["id"], row["name"], row["email"], row["message"])
            except EmailError as exc:
                log.warning(f"email resend failed, will retry in {interval:g}s: {redact(exc.reason)}",
                            extra={"component": "email", "contact_id": row["id"], "error_kind": exc.kind,
                                   "waiting": len(due)})
                break
            except Exception as exc:  # noqa: BLE001
                log.error("email resend failed", extra={"component": "email", "contact_id": row["id"],
                                                        "error": redact(short_reason(exc))})
                break
            metrics.emails_sent_total.inc()
            metrics.email_resends_total.inc()
            log.info("email notification sent through SES on resend",
                     extra={"component": "email", "contact_id": row["id"], "ses_message_id": message_id})
            _record_email_status(row["id"], "sent", None, message_id)


def _monitor_loop(interval: float):
    """Keeps dependency_up fresh and logs component transitions even when
    nobody calls /health."""
    while not _stop.wait(interval):
        try:
            health_checker.summarize(health_checker.run_blocking())
        except Exception as exc:  # noqa: BLE001
            log.error("background health check failed", extra={"error": short_reason(exc)})


# Drill-only: the high-memory drill's leak (drill_leak.py). Absent unless enabled.
if os.environ.get("DRILL_MEMORY_LEAK") == "enabled":
    import drill_leak

    app.include_router(drill_leak.router)


@app.on_event("startup")
def on_startup():
    metrics.database_pool_size.set(settings.db_pool_size)
    try:
        start_http_server(settings.metrics_port, addr="0.0.0.0")
    except OSError as exc:
        log.error("metrics server could not start", extra={"port": settings.metrics_port, "error": str(exc)})
    threading.Thread(target=_schema_loop, name="schema", daemon=True).start()
    # Build the boto3 clients off the request path (it takes a few hundred ms).
    threading.Thread(target=lambda: (_storage(), _email()), name="clients", daemon=True).start()
    if settings.email_retry_interval_seconds > 0:
        threading.Thread(target=_email_resend_loop, args=(settings.email_retry_interval_seconds,),
                         name="email-resend", daemon=True).start()
    if settings.health_monitor_interval_seconds > 0:
        threading.Thread(target=_monitor_loop, args=(settings.health_monitor_interval_seconds,),
                         name="health-monitor", daemon=True).start()
    log.info("fastapi-app started", extra={"version": APP_VERSION, "log_file": LOG_FILE,
                                           "pid": os.getpid(), "config": settings.public_summary()})


@app.on_event("shutdown")
def on_shutdown():
    _stop.set()
    health_checker.shutdown()
    db.close()
    search.close()
    log.info("fastapi-app stopped")
