"""Meilisearch access over its HTTP API with httpx (Debian has no meilisearch client).

`MeilisearchService()` takes no arguments and reads MEILISEARCH_URL,
MEILI_MASTER_KEY and MEILI_INDEX, so the runbook can re-index by hand
(section 6 step 5):

    search = MeilisearchService()
    for doc in PostgreSQLService().get_all_documents():
        search.index_document(doc)

Writes are asynchronous in Meilisearch (they return a task); `wait=True` polls
the task until it succeeds, fails, or the timeout passes.
"""
from __future__ import annotations

import logging
import time
from datetime import datetime

import httpx

from errors import DependencyUnavailable, short_reason
from settings import Settings, load_settings

log = logging.getLogger("app.search")

INDEXED_FIELDS = ("id", "title", "filename", "content_type", "size", "sha256", "created_at")


class SearchTaskPending(DependencyUnavailable):
    """The task was accepted but had not finished when we stopped waiting."""

    def __init__(self, task_uid, status, waited: float):
        super().__init__("search", f"task {task_uid} still {status} after {waited:g}s")
        self.task_uid = task_uid


def to_index_document(doc: dict) -> dict:
    """Map a document row (or an API dict) to what the index stores."""
    out = {}
    for key in INDEXED_FIELDS:
        value = doc.get(key)
        if isinstance(value, datetime):
            value = value.isoformat()
        elif value is not None and key == "id":
            value = str(value)
        out[key] = value
    content = doc.get("content")
    if content is None:
        content = doc.get("content_text")
    out["content"] = content or ""
    return out


class MeilisearchService:
    def __init__(self, settings: Settings | None = None):
        self.settings = settings or load_settings()
        s = self.settings
        self.url = s.meilisearch_url
        self.index = s.meili_index
        headers = {"Content-Type": "application/json"}
        if s.meili_master_key:
            headers["Authorization"] = f"Bearer {s.meili_master_key}"
        self._client = httpx.Client(
            base_url=self.url, headers=headers, timeout=httpx.Timeout(10.0, connect=2.0)
        )

    # ------------------------------------------------------------------ http

    def _request(self, method: str, path: str, *, ok_404: bool = False, timeout=None, **kwargs):
        try:
            if timeout is not None:
                kwargs["timeout"] = timeout
            resp = self._client.request(method, path, **kwargs)
        except httpx.HTTPError as exc:
            raise DependencyUnavailable(
                "search", f"{type(exc).__name__} talking to {self.url}: {short_reason(exc)}"
            ) from None
        if resp.status_code == 404 and ok_404:
            return resp
        if resp.status_code in (401, 403):
            raise DependencyUnavailable("search", f"HTTP {resp.status_code}: {self._error_message(resp)}")
        if resp.status_code >= 400:
            raise DependencyUnavailable("search", f"HTTP {resp.status_code}: {self._error_message(resp)}")
        return resp

    @staticmethod
    def _error_message(resp) -> str:
        try:
            body = resp.json()
            return str(body.get("message") or body.get("code") or body)[:300]
        except ValueError:
            return resp.text[:300] or resp.reason_phrase

    @staticmethod
    def _task_uid(body: dict):
        for key in ("taskUid", "uid", "updateId"):
            if key in body:
                return body[key]
        return None

    def wait_for_task(self, task_uid, timeout: float | None = None) -> dict:
        if task_uid is None:
            return {"status": "succeeded"}
        if timeout is None:
            timeout = self.settings.meili_task_timeout_seconds
        deadline = time.monotonic() + timeout
        delay = 0.02
        while True:
            task = self._request("GET", f"/tasks/{task_uid}").json()
            status = task.get("status")
            if status == "succeeded":
                return task
            if status in ("failed", "canceled"):
                error = task.get("error") or {}
                raise DependencyUnavailable(
                    "search", f"task {task_uid} {status}: {error.get('message') or error.get('code') or status}"
                )
            if time.monotonic() >= deadline:
                raise SearchTaskPending(task_uid, status, timeout)
            time.sleep(delay)
            delay = min(delay * 2, 0.5)

    # ---------------------------------------------------------------- public

    def health(self, timeout: float = 2.0) -> dict:
        body = self._request("GET", "/health", timeout=timeout).json()
        if body.get("status") != "available":
            raise DependencyUnavailable("search", f"status {body.get('status')!r}")
        return body

    def ensure_index(self) -> None:
        resp = self._request("GET", f"/indexes/{self.index}", ok_404=True)
        if resp.status_code != 404:
            return
        body = self._request("POST", "/indexes", json={"uid": self.index, "primaryKey": "id"}).json()
        try:
            self.wait_for_task(self._task_uid(body))
        except DependencyUnavailable as exc:
            if "already exists" not in exc.reason:
                raise

    def index_documents(self, docs, wait: bool = False, timeout: float | None = None) -> dict:
        payload = [to_index_document(d) for d in docs]
        body = self._request(
            "POST", f"/indexes/{self.index}/documents", params={"primaryKey": "id"}, json=payload
        ).json()
        if wait:
            return self.wait_for_task(self._task_uid(body), timeout=timeout)
        return body

    def index_document(self, doc: dict, wait: bool = False, timeout: float | None = None) -> dict:
        """Add or replace one document (a row from PostgreSQLService or an API dict)."""
        return self.index_documents([doc], wait=wait, timeout=timeout)

    def delete_all_documents(self, wait: bool = True) -> None:
        resp = self._request("DELETE", f"/indexes/{self.index}/documents", ok_404=True)
        if resp.status_code == 404:
            return
        if wait:
            self.wait_for_task(self._task_uid(resp.json()))

    def reindex(self, docs: list[dict], batch_size: int = 500) -> int:
        """Replace the whole index content with `docs`; waits for every task."""
        self.ensure_index()
        self.delete_all_documents(wait=True)
        for start in range(0, len(docs), batch_size):
            self.index_documents(docs[start:start + batch_size], wait=True)
        return len(docs)

    def search(self, query: str, limit: int = 20, offset: int = 0) -> dict:
        resp = self._request(
            "POST", f"/indexes/{self.index}/search",
            json={"q": query, "limit": limit, "offset": offset}, ok_404=True,
        )
        if resp.status_code == 404:
            # No index yet: nothing was ever indexed (or it was deleted).
            return {"hits": [], "query": query, "estimatedTotalHits": 0, "limit": limit, "offset": offset,
                    "processingTimeMs": 0, "indexExists": False}
        return resp.json()

    def stats(self) -> dict:
        resp = self._request("GET", f"/indexes/{self.index}/stats", ok_404=True)
        if resp.status_code == 404:
            return {"numberOfDocuments": 0, "indexExists": False}
        return resp.json()

    def close(self) -> None:
        self._client.close()
