"""Thin statsd-style facade. In production this forwards to the agent; here it
keeps values in memory and logs them at DEBUG."""
from __future__ import annotations

import logging
import time
from collections import defaultdict
from types import TracebackType

logger = logging.getLogger("metrics")

_timings: dict[str, list[float]] = defaultdict(list)
_counters: dict[str, int] = defaultdict(int)


def timing(name: str, ms: float, tags: dict[str, str] | None = None) -> None:
    _timings[name].append(ms)
    logger.debug("timing %s=%.1fms tags=%s", name, ms, tags or {})


def increment(name: str, value: int = 1, tags: dict[str, str] | None = None) -> None:
    _counters[name] += value
    logger.debug("counter %s+=%d tags=%s", name, value, tags or {})


def snapshot() -> dict[str, object]:
    return {"timings": dict(_timings), "counters": dict(_counters)}


def reset() -> None:
    _timings.clear()
    _counters.clear()


class Timer:
    """with Timer("checkout.inventory_validation"): ..."""

    def __init__(self, name: str, tags: dict[str, str] | None = None) -> None:
        self.name = name
        self.tags = tags
        self._started = 0.0

    def __enter__(self) -> Timer:
        self._started = time.perf_counter()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        elapsed_ms = (time.perf_counter() - self._started) * 1000
        tags = dict(self.tags or {})
        tags["outcome"] = "error" if exc_type else "ok"
        timing(self.name, elapsed_ms, tags)
