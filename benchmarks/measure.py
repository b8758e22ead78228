"""Counting S3 requests, timing, and printing the table."""

from __future__ import annotations

import gc
import threading
import time
import tracemalloc
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import botocore.httpsession

Counter = Callable[[], int]


class RequestCounter:
    """Count every HTTP request botocore sends, retries included, while installed."""

    def __init__(self) -> None:
        self.sent = 0
        self._lock = threading.Lock()
        self._original: Any = None

    def __call__(self) -> int:
        return self.sent

    @contextmanager
    def installed(self) -> Iterator[RequestCounter]:
        original = self._original = botocore.httpsession.URLLib3Session.send
        counter = self

        def send(session: Any, request: Any) -> Any:
            with counter._lock:
                counter.sent += 1
            return original(session, request)

        botocore.httpsession.URLLib3Session.send = send  # type: ignore[method-assign]
        try:
            yield self
        finally:
            botocore.httpsession.URLLib3Session.send = original  # type: ignore[method-assign]


@dataclass
class Row:
    """One implementation's figures in one scenario."""

    scenario: str
    implementation: str
    ops: int
    requests: int
    seconds: float
    #: The row of the same scenario this one is compared with ("floor"); naive rows are found by role.
    role: str = ""
    peak_bytes: int | None = None
    note: str = ""

    @property
    def per_op(self) -> float:
        return self.seconds / self.ops if self.ops else 0.0


@dataclass
class Scenario:
    name: str
    title: str
    rows: list[Row] = field(default_factory=list)

    def row(self, role: str) -> Row | None:
        return next((row for row in self.rows if row.role == role), None)

    def add(self, implementation: str, ops: int, requests: int, seconds: float, **extra: Any) -> Row:
        row = Row(self.name, implementation, ops, requests, seconds, **extra)
        self.rows.append(row)
        return row


def measure(
    counter: Counter,
    run: Callable[[Any], object],
    *,
    rounds: int = 1,
    setup: Callable[[], Any] | None = None,
) -> tuple[int, float]:
    """Return ``(requests of the first round, best time of all rounds)`` of ``run(setup())``.

    ``setup()`` runs before each round, off the clock: it builds fresh state (a cold cache, a new
    directory tree). Requests are those of one round; every round sends the same number.
    """
    best = float("inf")
    requests: int | None = None
    for _ in range(max(1, rounds)):
        state = setup() if setup is not None else None
        gc.collect()
        before = counter()
        started = time.perf_counter()
        run(state)
        elapsed = time.perf_counter() - started
        if requests is None:
            requests = counter() - before
        best = min(best, elapsed)
    return requests or 0, best


@dataclass
class Contender:
    """One implementation in a side-by-side comparison: ``run(setup())`` for up to ``rounds`` rounds."""

    label: str
    role: str
    run: Callable[[Any], object]
    ops: int
    rounds: int = 1
    setup: Callable[[], Any] | None = None
    note: str = ""


def compare(counter: Counter, scenario: Scenario, contenders: list[Contender]) -> None:
    """Time every contender round by round, taking turns, and add their best rounds to ``scenario``.

    Taking turns spreads the noise of a busy machine over every contender alike.
    """
    results: dict[str, tuple[int, float]] = {}
    for round_number in range(max(contender.rounds for contender in contenders)):
        for contender in contenders:
            if round_number >= contender.rounds:
                continue
            requests, seconds = measure(counter, contender.run, setup=contender.setup)
            previous = results.get(contender.label)
            results[contender.label] = (requests, seconds if previous is None else min(previous[1], seconds))
    for contender in contenders:
        requests, seconds = results[contender.label]
        scenario.add(contender.label, contender.ops, requests, seconds, role=contender.role, note=contender.note)


def sweep(storage: Any, operation: str, names: Sequence[str]) -> Callable[[Any], list[Any]]:
    """Return a round that calls ``storage.<operation>(name)`` for every name."""
    call = getattr(storage, operation)
    return lambda _: [call(name) for name in names]


def peak_memory(run: Callable[[], object]) -> tuple[int, Any]:
    """Return the peak of memory allocated while ``run()`` runs (tracemalloc), and its result."""
    gc.collect()
    tracemalloc.start()
    try:
        result = run()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak, result


def list_size(names: list[str]) -> int:
    """Return the bytes of one list of names: the list itself and every string in it."""
    import sys

    return sys.getsizeof(names) + sum(sys.getsizeof(name) for name in names)


# Printing -------------------------------------------------------------------------------------


def format_time(seconds: float) -> str:
    if seconds >= 1:
        return f"{seconds:.2f} s"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.2f} ms"
    return f"{seconds * 1e6:.1f} µs"


def format_bytes(size: int | None) -> str:
    if size is None:
        return ""
    if size >= 1 << 20:
        return f"{size / (1 << 20):.1f} MiB"
    return f"{size / 1024:.0f} KiB"


def ratio(row: Row, reference: Row | None) -> str:
    if reference is None or reference is row or not reference.per_op or not row.seconds:
        return ""
    return f"{row.per_op / reference.per_op:.2f}×"


def table(scenarios: list[Scenario]) -> str:
    """Render every scenario's rows as one Markdown table."""
    header = (
        "| scenario | implementation | ops | S3 requests | req/op | time/op | × floor | × naive "
        "| peak memory | note |\n"
        "|---|---|--:|--:|--:|--:|--:|--:|--:|---|\n"
    )
    lines = []
    for scenario in scenarios:
        floor, naive = scenario.row("floor"), scenario.row("naive")
        for row in scenario.rows:
            lines.append(
                f"| {scenario.name} | {row.implementation} | {row.ops:,} | {row.requests:,} | "
                f"{row.requests / row.ops if row.ops else 0:.2f} | {format_time(row.per_op)} | "
                f"{ratio(row, floor)} | {ratio(row, naive)} | {format_bytes(row.peak_bytes)} | {row.note} |"
            )
    return header + "\n".join(lines) + "\n"
