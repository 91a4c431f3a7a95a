"""Prometheus metrics of the app, served on METRICS_PORT (9091) by main.py.

Label `route` is the route template (`/api/documents/{document_id}`), never the
raw path, so the series count stays bounded; unknown paths are `unmatched`.
"""
from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

LATENCY_BUCKETS = (
    0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75,
    1.0, 1.5, 2.0, 2.5, 5.0, 7.5, 10.0,
)

http_request_duration_seconds = Histogram(
    "http_request_duration_seconds",
    "HTTP request duration in seconds, by route template, method and status.",
    ["route", "method", "status"],
    buckets=LATENCY_BUCKETS,
)
http_requests_total = Counter(
    "http_requests_total",
    "HTTP requests answered, by route template, method and status.",
    ["route", "method", "status"],
)
http_requests_in_progress = Gauge(
    "http_requests_in_progress",
    "HTTP requests being served right now.",
)

# Connection pool (runbook section 10a: active_database_connections == 10/10).
active_database_connections = Gauge(
    "active_database_connections",
    "PostgreSQL connections currently checked out of the pool.",
)
database_pool_size = Gauge(
    "database_pool_size",
    "Maximum number of PostgreSQL connections in the pool.",
)
database_pool_idle_connections = Gauge(
    "database_pool_idle_connections",
    "Open PostgreSQL connections waiting in the pool.",
)
database_pool_exhausted_total = Counter(
    "database_pool_exhausted_total",
    "Requests that gave up waiting for a pooled PostgreSQL connection.",
)
database_connection_errors_total = Counter(
    "database_connection_errors_total",
    "PostgreSQL connection attempts or queries that failed at the connection level.",
)

# Business counters.
documents_uploaded_total = Counter(
    "documents_uploaded_total",
    "Documents stored (object in the bucket and row in the database).",
)
contact_submissions_total = Counter(
    "contact_submissions_total",
    "Contact-form messages stored in the database.",
)
emails_sent_total = Counter(
    "emails_sent_total",
    "Contact-form emails accepted by SES.",
)
email_failures_total = Counter(
    "email_failures_total",
    "Contact-form emails that SES refused or could not be reached for.",
)
email_resends_total = Counter(
    "email_resends_total",
    "Contact-form emails sent by the resend loop after an earlier attempt failed.",
)
search_queries_total = Counter(
    "search_queries_total",
    "Search queries received on /api/search.",
)
search_index_failures_total = Counter(
    "search_index_failures_total",
    "Documents stored but not indexed in Meilisearch (repair: POST /admin/reindex).",
)

# Dependency status as seen by the health checks (1 up, 0 down).
dependency_up = Gauge(
    "dependency_up",
    "Whether a dependency passed its last health check (1) or not (0).",
    ["component"],
)
