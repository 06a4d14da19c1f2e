"""Small helpers shared by the store mixins."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any


def now() -> str:
    """The current time as an ISO-8601 UTC string with seconds (the format of every stored time)."""
    return datetime.now(UTC).replace(microsecond=0).isoformat()


def dumps(value: Any) -> str:
    """JSON for a TEXT column, keeping Korean readable in sqlite3."""
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


def loads(value: str | None, default: Any = None) -> Any:
    """Inverse of :func:`dumps`, tolerant of NULL."""
    return json.loads(value) if value else default
