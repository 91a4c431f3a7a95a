"""A real memory leak, for the high-memory drill only (runbook section 2).

The router exists only when DRILL_MEMORY_LEAK=enabled (main.py); production never
sets it. Each POST keeps `mb` more MiB alive for the life of the process, the way a
cache that never evicts does: the bytes are written, so they are resident and charged
to the container's memory cgroup, and only the kernel's OOM killer (or a restart)
gives them back.
"""
from __future__ import annotations

import threading

from fastapi import APIRouter, Query

router = APIRouter()
_kept: list[bytes] = []
_lock = threading.Lock()


@router.post("/drill/leak", tags=["drill"])
def leak(mb: int = Query(1, ge=1, le=64)):
    chunk = b"\x5a" * (mb * 1024 * 1024)
    with _lock:
        _kept.append(chunk)
        held = sum(len(c) for c in _kept)
    return {"leaked_mib": mb, "held_mib": held // (1024 * 1024)}
