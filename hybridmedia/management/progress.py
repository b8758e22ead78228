"""A one-line progress bar for long command runs, drawn on a terminal stream."""

from __future__ import annotations

import time

from django.core.management.base import OutputWrapper


def _plain(text: str) -> str:
    return text


class ProgressBar:
    """Redraw ``label [####------]  40%  4,000/10,000`` in place, at most every ``interval`` seconds.

    With ``total=None`` (unknown), it draws a running count instead: ``label  4,000 done``.
    """

    def __init__(
        self,
        out: OutputWrapper,
        total: int | None,
        label: str,
        width: int = 30,
        interval: float = 0.1,
    ) -> None:
        self.out = out
        self.total = None if total is None else max(total, 1)
        self.label = label
        self.width = width
        self.interval = interval
        self.done = 0
        self._drawn_at = 0.0

    def advance(self, count: int = 1) -> None:
        self.done += count
        now = time.monotonic()
        if now - self._drawn_at >= self.interval:
            self._drawn_at = now
            self._draw()

    def close(self) -> None:
        if self.total is not None:
            self.done = min(self.done, self.total)
        self._draw()
        self.out.write("", style_func=_plain)

    def _draw(self) -> None:
        if self.total is None:
            self.out.write(f"\r{self.label}  {self.done:,} done", style_func=_plain, ending="")
            self.out.flush()
            return
        filled = self.width * self.done // self.total
        bar = "#" * filled + "-" * (self.width - filled)
        percent = 100 * self.done // self.total
        self.out.write(
            f"\r{self.label} [{bar}] {percent:3d}%  {self.done:,}/{self.total:,}",
            style_func=_plain,
            ending="",
        )
        self.out.flush()
