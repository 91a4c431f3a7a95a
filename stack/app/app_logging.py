"""JSON log lines to stdout and to $LOG_DIR/app.log (shipped by Promtail to Loki).

LOG_FORMAT=text switches to plain `time LEVEL [logger] message` lines, the
stdlib's usual shape (Promtail's json stage cannot read them; runbook 9.5b).

Each line carries timestamp, level, logger, message, and, for requests, route,
method, status and duration_ms. `levelname` repeats `level` for log pipelines
that read the stdlib name. Known secret values are redacted from every line.
"""
from __future__ import annotations

import logging
import logging.handlers
import os
import sys
from datetime import datetime, timezone

from pythonjsonlogger import jsonlogger

_REDACTED = "[REDACTED]"
_secrets: list[str] = []


def register_secrets(values) -> None:
    for value in values:
        if value and len(value) >= 4 and value not in _secrets:
            _secrets.append(value)
    _secrets.sort(key=len, reverse=True)


def redact(text: str) -> str:
    for value in _secrets:
        if value in text:
            text = text.replace(value, _REDACTED)
    return text


class JsonFormatter(jsonlogger.JsonFormatter):
    def add_fields(self, log_record, record, message_dict):
        log_record["timestamp"] = datetime.fromtimestamp(record.created, tz=timezone.utc).isoformat(
            timespec="milliseconds"
        )
        log_record["level"] = record.levelname
        log_record["levelname"] = record.levelname
        log_record["logger"] = record.name
        super().add_fields(log_record, record, message_dict)
        log_record.setdefault("service", "fastapi-app")
        log_record.pop("color_message", None)  # uvicorn's ANSI-coloured duplicate
        if "exc_info" in log_record:
            log_record["exception"] = log_record.pop("exc_info")

    def jsonify_log_record(self, log_record):
        return redact(super().jsonify_log_record(log_record))


class TextFormatter(logging.Formatter):
    def format(self, record):
        return redact(super().format(record))


_configured = False


def setup_logging(log_dir: str, level: str = "INFO", secrets=(), fmt: str = "json") -> str | None:
    """Configure the root logger once; return the log file path or None."""
    global _configured
    register_secrets(secrets)
    if _configured:
        return None
    _configured = True

    # A full or read-only disk must never take the app down: a failed write to
    # the file handler is dropped silently (stdout still has the line).
    logging.raiseExceptions = False

    formatter = (
        TextFormatter("%(asctime)s %(levelname)s [%(name)s] %(message)s")
        if fmt == "text"
        else JsonFormatter("%(message)s", json_ensure_ascii=False)
    )
    root = logging.getLogger()
    root.handlers.clear()
    root.setLevel(getattr(logging, level, logging.INFO))

    stdout = logging.StreamHandler(sys.stdout)
    stdout.setFormatter(formatter)
    root.addHandler(stdout)

    log_path = None
    file_problem = None
    try:
        os.makedirs(log_dir, exist_ok=True)
        path = os.path.join(log_dir, "app.log")
        # WatchedFileHandler reopens the file after logrotate moves or removes it.
        file_handler = logging.handlers.WatchedFileHandler(path, encoding="utf-8")
        file_handler.setFormatter(formatter)
        root.addHandler(file_handler)
        log_path = path
    except OSError as exc:
        file_problem = f"{type(exc).__name__}: {exc}"

    # uvicorn's own loggers go through the same JSON handlers.
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        lg = logging.getLogger(name)
        lg.handlers.clear()
        lg.propagate = True
    for name in ("botocore", "boto3", "urllib3", "s3transfer", "httpx", "httpcore"):
        logging.getLogger(name).setLevel(logging.WARNING)

    if file_problem:
        logging.getLogger("app").warning(
            "log file unavailable, logging to stdout only",
            extra={"log_dir": log_dir, "error": file_problem},
        )
    return log_path
