"""Durations such as ``7d`` or ``1d12h`` for command-line options like ``--older-than``."""

from __future__ import annotations

import argparse
import re
from datetime import timedelta

UNITS = {"w": "weeks", "d": "days", "h": "hours", "m": "minutes", "s": "seconds"}
_PART = re.compile(r"(\d+)([wdhms])")
_WHOLE = re.compile(r"(?:\d+[wdhms])+")


def parse_duration(text: str) -> timedelta:
    """Return the ``timedelta`` that ``text`` (``7d``, ``12h``, ``1d12h``, ``90m``, ``2w``) spells."""
    compact = text.strip().lower().replace(" ", "")
    if not _WHOLE.fullmatch(compact):
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a duration. Write a whole number followed by a unit "
            f"(w weeks, d days, h hours, m minutes, s seconds), e.g. 7d, 12h or 1d12h."
        )
    amounts: dict[str, int] = {}
    for number, unit in _PART.findall(compact):
        amounts[UNITS[unit]] = amounts.get(UNITS[unit], 0) + int(number)
    try:
        return timedelta(**amounts)
    except OverflowError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is too long a duration; the longest is {timedelta.max.days:,} days."
        ) from None


def format_duration(duration: timedelta) -> str:
    """Return ``duration`` in the compact form ``parse_duration()`` reads, e.g. ``1d12h``."""
    seconds = int(duration.total_seconds())
    if seconds == 0:
        return "0s"
    parts = []
    for unit, size in (("w", 604800), ("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        count, seconds = divmod(seconds, size)
        if count:
            parts.append(f"{count}{unit}")
    return "".join(parts)
