"""Errors shared by the service modules.

`DependencyUnavailable` is what every service raises when the component it talks
to cannot serve the request; the app answers it with HTTP 503 and
`{"detail": "<component> unavailable: <reason>"}`.
"""
from __future__ import annotations


def short_reason(exc: BaseException, limit: int = 300) -> str:
    """One readable line out of an exception (libpq messages span lines)."""
    text = " ".join(str(exc).split())
    if not text:
        text = type(exc).__name__
    if len(text) > limit:
        text = text[: limit - 3] + "..."
    return text


class DependencyUnavailable(Exception):
    def __init__(self, component: str, reason: str):
        super().__init__(f"{component} unavailable: {reason}")
        self.component = component
        self.reason = reason

    @property
    def detail(self) -> str:
        return f"{self.component} unavailable: {self.reason}"


class PoolExhausted(DependencyUnavailable):
    """No connection became free in the pool within the wait bound."""

    def __init__(self, size: int, waited: float):
        super().__init__(
            "database",
            f"database pool exhausted ({size}/{size} connections in use, waited {waited:g}s)",
        )


class ObjectNotFound(Exception):
    """The bucket exists but the object does not."""


class EmailError(Exception):
    """SES refused or could not be reached; `reason` is safe to log."""

    def __init__(self, reason: str, kind: str = "error"):
        super().__init__(reason)
        self.reason = reason
        self.kind = kind
