"""Configuration of the reference application, read from the environment.

Every module reads its settings through `load_settings()`, so the services keep
their no-argument constructors (the runbook instantiates them by hand inside the
container, section 6 step 5). Secrets are kept out of `repr()` and out of logs.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field, fields


def _env(name: str, default: str = "") -> str:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    return value.strip()


def _env_int(name: str, default: int) -> int:
    try:
        return int(_env(name, str(default)))
    except ValueError:
        return default


def _env_float(name: str, default: float) -> float:
    try:
        return float(_env(name, str(default)))
    except ValueError:
        return default


def _secret():
    return field(default="", repr=False, metadata={"secret": True})


@dataclass(frozen=True)
class Settings:
    # PostgreSQL
    postgres_host: str = "postgresql"
    postgres_port: int = 5432
    postgres_db: str = "pretamane"
    postgres_user: str = "pretamane"
    postgres_password: str = _secret()
    db_pool_size: int = 10
    db_pool_timeout_seconds: float = 5.0
    db_connect_timeout_seconds: int = 3
    db_statement_timeout_ms: int = 30000
    # S3 (MinIO)
    s3_endpoint_url: str = "http://minio:9000"
    s3_access_key: str = _secret()
    s3_secret_key: str = _secret()
    s3_bucket: str = "pretamane-data"
    s3_region: str = "us-east-1"
    # Meilisearch
    meilisearch_url: str = "http://meilisearch:7700"
    meili_master_key: str = _secret()
    meili_index: str = "documents"
    meili_task_timeout_seconds: float = 30.0
    upload_index_wait_seconds: float = 2.0
    # SES
    ses_endpoint_url: str = ""
    aws_region: str = "us-east-1"
    aws_access_key_id: str = _secret()
    aws_secret_access_key: str = _secret()
    ses_from: str = "noreply@example.com"
    contact_to: str = "team@example.com"
    # Runtime
    log_dir: str = "/mnt/logs"
    log_level: str = "INFO"
    log_format: str = "json"
    metrics_port: int = 9091
    health_check_timeout_seconds: float = 2.0
    health_monitor_interval_seconds: float = 15.0
    email_retry_interval_seconds: float = 15.0
    max_upload_bytes: int = 50 * 1024 * 1024
    max_indexed_text_chars: int = 100_000

    def secret_values(self) -> list[str]:
        """Values that must never appear in a log line or an HTTP answer."""
        out = []
        for f in fields(self):
            if f.metadata.get("secret"):
                value = getattr(self, f.name)
                if value and len(value) >= 4:
                    out.append(value)
        return out

    def public_summary(self) -> dict:
        """Configuration without secrets (secrets shown only as set/unset)."""
        out = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if f.metadata.get("secret"):
                out[f.name] = "set" if value else "unset"
            else:
                out[f.name] = value
        return out


def load_settings() -> Settings:
    return Settings(
        postgres_host=_env("POSTGRES_HOST", "postgresql"),
        postgres_port=_env_int("POSTGRES_PORT", 5432),
        postgres_db=_env("POSTGRES_DB", "pretamane"),
        postgres_user=_env("POSTGRES_USER", "pretamane"),
        postgres_password=_env("POSTGRES_PASSWORD", ""),
        db_pool_size=max(1, _env_int("DB_POOL_SIZE", 10)),
        db_pool_timeout_seconds=max(0.0, _env_float("DB_POOL_TIMEOUT_SECONDS", 5.0)),
        db_connect_timeout_seconds=max(2, _env_int("DB_CONNECT_TIMEOUT_SECONDS", 3)),
        db_statement_timeout_ms=max(0, _env_int("DB_STATEMENT_TIMEOUT_MS", 30000)),
        s3_endpoint_url=_env("S3_ENDPOINT_URL", "http://minio:9000"),
        s3_access_key=_env("S3_ACCESS_KEY", ""),
        s3_secret_key=_env("S3_SECRET_KEY", ""),
        s3_bucket=_env("S3_BUCKET", "pretamane-data"),
        s3_region=_env("S3_REGION", "us-east-1"),
        meilisearch_url=_env("MEILISEARCH_URL", "http://meilisearch:7700").rstrip("/"),
        meili_master_key=_env("MEILI_MASTER_KEY", ""),
        meili_index=_env("MEILI_INDEX", "documents"),
        meili_task_timeout_seconds=max(1.0, _env_float("MEILI_TASK_TIMEOUT_SECONDS", 30.0)),
        upload_index_wait_seconds=max(0.0, _env_float("UPLOAD_INDEX_WAIT_SECONDS", 2.0)),
        ses_endpoint_url=_env("SES_ENDPOINT_URL", ""),
        aws_region=_env("AWS_REGION", _env("AWS_DEFAULT_REGION", "us-east-1")),
        aws_access_key_id=_env("AWS_ACCESS_KEY_ID", ""),
        aws_secret_access_key=_env("AWS_SECRET_ACCESS_KEY", ""),
        ses_from=_env("SES_FROM", "noreply@example.com"),
        contact_to=_env("CONTACT_TO", "team@example.com"),
        log_dir=_env("LOG_DIR", "/mnt/logs"),
        log_level=_env("LOG_LEVEL", "INFO").upper(),
        log_format=_env("LOG_FORMAT", "json").lower(),
        metrics_port=_env_int("METRICS_PORT", 9091),
        health_check_timeout_seconds=max(0.5, _env_float("HEALTH_CHECK_TIMEOUT_SECONDS", 2.0)),
        health_monitor_interval_seconds=max(0.0, _env_float("HEALTH_MONITOR_INTERVAL_SECONDS", 15.0)),
        email_retry_interval_seconds=max(0.0, _env_float("EMAIL_RETRY_INTERVAL_SECONDS", 15.0)),
        max_upload_bytes=max(1, _env_int("MAX_UPLOAD_BYTES", 50 * 1024 * 1024)),
        max_indexed_text_chars=max(0, _env_int("MAX_INDEXED_TEXT_CHARS", 100_000)),
    )
