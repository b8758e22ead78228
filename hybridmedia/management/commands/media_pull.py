"""``manage.py media_pull [PREFIX ...]``: copy production files into the hybrid's cache layer."""

from __future__ import annotations

import re
import sys
import time
from collections.abc import Iterator
from typing import Any

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist, FieldError, SuspiciousFileOperation, ValidationError
from django.core.management.base import CommandError, CommandParser
from django.db import models

from hybridmedia.describe import JSON_VERSION
from hybridmedia.management.base import HybridStorageCommand, format_bytes, plural
from hybridmedia.pull import NoCacheLayer, Puller, PullSummary
from hybridmedia.storage import HybridStorage
from hybridmedia.storage.names import validate_name

_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kmgt]?i?b?)?\s*$", re.IGNORECASE)
_UNITS = {"": 1, "b": 1, "k": 1000, "m": 1000**2, "g": 1000**3, "t": 1000**4}


def parse_size(value: str) -> int:
    """Parse ``500k``, ``20MB``, ``1.5GiB`` or a plain number of bytes."""
    match = _SIZE.match(value)
    if match is None:
        raise ValueError(f"{value!r} is not a size; write e.g. 500k, 20MB or 1GiB.")
    number, unit = float(match.group(1)), (match.group(2) or "").lower()
    base = 1024 if "i" in unit else 1000
    factor = base ** "bkmgt".index(unit[0]) if unit else 1
    return int(number * factor)


class Command(HybridStorageCommand):
    help = (
        "Copy files of the layers below the hybrid's cache layer (production) into the cache layer, so "
        "they are served locally and offline. Only the cache layer is written; production never is."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        self.add_prefixes_argument(
            parser, "Pull the files under these directories (default: everything, unless --model is given)."
        )
        parser.add_argument(
            "--model",
            metavar="APP_LABEL.MODEL[.FIELD]",
            help="Pull the files that this model's rows reference (every FileField, or only FIELD).",
        )
        parser.add_argument(
            "--filter",
            action="append",
            default=[],
            dest="filters",
            metavar="LOOKUP=VALUE",
            help='Only the rows matching this queryset filter, e.g. "city=Amsterdam" (repeatable; all must match).',
        )
        parser.add_argument(
            "--latest",
            type=int,
            metavar="N",
            help="Only the N most recent rows (by the model's Meta.get_latest_by, else the primary key).",
        )
        parser.add_argument(
            "--max-size",
            type=self._size,
            metavar="SIZE",
            help="Skip files larger than SIZE (e.g. 20MB).",
        )
        parser.add_argument(
            "--exclude",
            action="append",
            default=[],
            metavar="PATTERN",
            help='Skip names matching this shell pattern, e.g. "*.mp4" (repeatable).',
        )
        parser.add_argument(
            "-n",
            "--dry-run",
            action="store_true",
            help="Do everything except copy: count the files and bytes a pull would fetch.",
        )
        parser.add_argument("--jobs", type=int, default=4, metavar="N", help="Concurrent transfers (default: 4).")
        parser.add_argument(
            "--refresh",
            action="store_true",
            help="Re-validate pulled copies against their source (size and ETag) and fetch only what changed.",
        )
        parser.add_argument("--cache-layer", metavar="LAYER", help="The cache layer to pull into (default: the first).")
        parser.add_argument("--json", action="store_true", help="Print the summary as JSON.")
        parser.add_argument(
            "--noinput",
            "--no-input",
            action="store_false",
            dest="interactive",
            help="Do NOT prompt the user for input of any kind (media_pull never asks; accepted for scripts).",
        )

    @staticmethod
    def _size(value: str) -> int:
        try:
            return parse_size(value)
        except ValueError as exc:
            from argparse import ArgumentTypeError

            raise ArgumentTypeError(str(exc)) from exc

    def handle(self, *args: Any, **options: Any) -> None:
        if options["jobs"] < 1:
            raise CommandError(f"--jobs must be at least 1, got {options['jobs']}.")
        if options["latest"] is not None and options["latest"] < 1:
            raise CommandError(f"--latest must be at least 1, got {options['latest']}.")
        if (options["filters"] or options["latest"]) and not options["model"]:
            raise CommandError("--filter and --latest choose rows of a model: give --model too.")
        if options["model"] and options["prefixes"]:
            raise CommandError("Give either PREFIXes or --model, not both.")
        storage = self.get_hybrid(options["storage"])
        self.json = options["json"]
        puller = self.puller(storage, options)
        if options["model"]:
            candidates = puller.named(self.model_names(options["model"], options["filters"], options["latest"]))
        else:
            candidates = puller.under(self.check_prefixes(options["prefixes"]))
        summary = puller.run(candidates)
        self.finish_progress()
        self.report(summary, puller)
        if summary.failed:
            self.exit_with_status(1)

    def puller(self, storage: HybridStorage, options: dict[str, Any]) -> Puller:
        """Build the service; split from ``handle()`` so tests and code can call it."""
        self.progress_drawn = False
        self.started = time.monotonic()
        show_progress = not self.json and self.verbosity == 1 and self.stdout.isatty()
        try:
            return Puller(
                storage,
                cache=options["cache_layer"],
                max_size=options["max_size"],
                exclude=options["exclude"],
                refresh=options["refresh"],
                dry_run=options["dry_run"],
                jobs=options["jobs"],
                progress=self.draw_progress if show_progress else None,
                log=(lambda message: self.log(message, level=2)) if not self.json else None,
            )
        except NoCacheLayer as exc:
            raise CommandError(str(exc)) from exc

    def model_names(self, spec: str, filters: list[str], latest: int | None) -> Iterator[str]:
        """Yield the file names the rows of ``app_label.Model[.field]`` reference, filtered; streamed."""
        parts = spec.split(".")
        if len(parts) not in (2, 3):
            raise CommandError(f"--model {spec!r}: write it as app_label.Model or app_label.Model.field.")
        try:
            model = apps.get_model(parts[0], parts[1])
        except LookupError as exc:
            raise CommandError(f"--model {spec!r}: {exc}") from exc
        fields = [field for field in model._meta.get_fields() if isinstance(field, models.FileField)]
        if len(parts) == 3:
            try:
                chosen = model._meta.get_field(parts[2])
            except FieldDoesNotExist as exc:
                raise CommandError(f"--model {spec!r}: {model.__name__} has no field {parts[2]!r}.") from exc
            if not isinstance(chosen, models.FileField):
                raise CommandError(f"--model {spec!r}: {parts[2]!r} is not a FileField or ImageField.")
            fields = [chosen]
        if not fields:
            raise CommandError(f"--model {spec!r}: {model.__name__} has no FileField or ImageField.")
        queryset = model._default_manager.all()
        for item in filters:
            lookup, sep, value = item.partition("=")
            if not sep or not lookup.strip():
                raise CommandError(f'--filter {item!r}: write it as LOOKUP=VALUE, e.g. "city=Amsterdam".')
            try:
                queryset = queryset.filter(**{lookup.strip(): value})
            except (FieldError, ValueError, ValidationError) as exc:
                raise CommandError(f"--filter {item!r}: {exc}") from exc
        if latest is not None:
            queryset = queryset.order_by(*_newest_first(model))[:latest]
        names = queryset.values_list(*(field.attname for field in fields))
        try:
            for row in names.iterator(chunk_size=2000):
                for name in row:
                    if name:
                        yield self.checked(name)
        except (FieldError, ValueError, ValidationError) as exc:
            raise CommandError(f"--filter: {exc}") from exc

    def checked(self, name: str) -> str:
        try:
            return validate_name(name)
        except SuspiciousFileOperation as exc:
            raise CommandError(f"A row references the unsafe name {name!r}: {exc}") from exc

    def draw_progress(self, summary: PullSummary) -> None:
        now = time.monotonic()
        if self.progress_drawn and now - getattr(self, "drawn_at", 0.0) < 0.1:
            return
        self.drawn_at = now
        self.progress_drawn = True
        rate = summary.pulled_bytes / max(now - self.started, 1e-9)
        self.stdout.write(
            f"\rPulled {plural(summary.pulled, 'file')}, {format_bytes(summary.pulled_bytes)} "
            f"at {format_bytes(int(rate))}/s",
            ending="",
        )
        self.stdout.flush()

    def finish_progress(self) -> None:
        if getattr(self, "progress_drawn", False):
            self.stdout.write("")

    def report(self, summary: PullSummary, puller: Puller) -> None:
        if self.json:
            self.write_json(
                {
                    "version": JSON_VERSION,
                    "cache_layer": puller.cache.name,
                    "sources": [layer.name for layer in puller.sources],
                    **summary.as_json(),
                }
            )
            return
        for name, error in summary.failed:
            self.stderr.write(f"Could not pull {name!r}: {error}")
        if self.verbosity < 1:
            return
        verb = "Would pull" if summary.dry_run else "Pulled"
        line = (
            f"{verb} {plural(summary.pulled, 'file')} ({format_bytes(summary.pulled_bytes)}) into {puller.cache.name!r}"
        )
        if not summary.dry_run and summary.seconds > 0:
            line += f" in {summary.seconds:.1f} s"
        skipped = [
            plural(summary.up_to_date, "file") + " already pulled" if summary.up_to_date else "",
            f"{summary.excluded:,} excluded" if summary.excluded else "",
            f"{summary.too_large:,} larger than --max-size" if summary.too_large else "",
            f"{summary.missing:,} missing from every layer below" if summary.missing else "",
            f"{summary.failed.__len__():,} failed" if summary.failed else "",
        ]
        details = ", ".join(part for part in skipped if part)
        self.stdout.write(
            line + (f"; {details}." if details else "."), self.style.SUCCESS if not summary.failed else None
        )


if __name__ == "__main__":  # pragma: no cover
    sys.exit("Run it through manage.py: python manage.py media_pull --help")


def _newest_first(model: Any) -> list[str]:
    """The ordering that puts a model's most recent rows first: ``Meta.get_latest_by`` reversed, else ``-pk``."""
    latest_by = model._meta.get_latest_by
    if not latest_by:
        return ["-pk"]
    fields = [latest_by] if isinstance(latest_by, str) else list(latest_by)
    return [field[1:] if field.startswith("-") else f"-{field}" for field in fields]
