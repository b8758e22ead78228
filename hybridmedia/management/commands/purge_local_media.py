"""``manage.py purge_local_media [PREFIX ...]``: empty the write layer, like ``collectstatic --clear``."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.exceptions import SuspiciousFileOperation
from django.core.management.base import CommandError, CommandParser

from hybridmedia.management.base import HybridStorageCommand, format_bytes, plural
from hybridmedia.management.durations import format_duration, parse_duration
from hybridmedia.management.progress import ProgressBar
from hybridmedia.pull import NoCacheLayer, Puller
from hybridmedia.purge import WHITEOUT, Item, LayerPurger, PurgeCount, purger_for
from hybridmedia.redaction import redact_text
from hybridmedia.storage import HybridStorage
from hybridmedia.storage.stores import describe_location

#: Purges of at least this many files and whiteouts draw a progress bar on a terminal.
PROGRESS_THRESHOLD = 1000


class Command(HybridStorageCommand):
    help = (
        "Delete files from the write (top) layer of a HybridStorage and remove its whiteouts, so the "
        "environment shows the lower layers (production) again. Lower layers are never touched."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        self.add_prefixes_argument(parser, "Only purge under these directories (default: everything).")
        parser.add_argument(
            "--noinput",
            "--no-input",
            action="store_false",
            dest="interactive",
            help="Do NOT prompt the user for input of any kind.",
        )
        parser.add_argument(
            "-n",
            "--dry-run",
            action="store_true",
            help="Do everything except modify the write layer.",
        )
        only = parser.add_mutually_exclusive_group()
        only.add_argument(
            "--shadowed-only",
            action="store_true",
            help="Only delete local files that shadow a lower layer's file; keep whiteouts.",
        )
        only.add_argument(
            "--whiteouts-only",
            action="store_true",
            help="Only remove whiteouts (restore deleted lower-layer files); keep local files.",
        )
        parser.add_argument(
            "--older-than",
            type=parse_duration,
            metavar="DURATION",
            help="Only purge files and whiteouts last modified longer ago than DURATION, e.g. 7d, 12h or 1d12h.",
        )
        parser.add_argument(
            "--pulled",
            action="store_true",
            help="Empty the cache layer (the copies media_pull made) instead of the write layer.",
        )

    def set_options(self, **options: Any) -> None:
        self.interactive: bool = options["interactive"]
        self.dry_run: bool = options["dry_run"]
        self.shadowed_only: bool = options["shadowed_only"]
        self.whiteouts_only: bool = options["whiteouts_only"]
        self.older_than: timedelta | None = options["older_than"]
        self.alias: str = options["storage"]

    def handle(self, *args: Any, **options: Any) -> None:
        self.set_options(**options)
        storage = self.get_hybrid(self.alias)
        prefixes = self.check_prefixes(options["prefixes"])
        if options["pulled"]:
            if self.shadowed_only or self.whiteouts_only or self.older_than is not None:
                raise CommandError(
                    "--pulled empties the cache layer: it takes no --shadowed-only, --whiteouts-only or --older-than."
                )
            self.purge_pulled(storage, prefixes)
            return
        purger = self.purger(storage, prefixes)
        # An S3 write layer is described with its endpoint_url, which may carry a login.
        where = redact_text(describe_location(storage.top.storage))
        nothing = f"Nothing to purge in layer {storage.top.name!r} ({where})."
        if self.dry_run:
            found = self.survey(purger)
            self.log(self.summarize_dry_run(found, storage) if found else nothing, 1)
            return
        total = None
        if self.interactive:
            # Count first (each pass reads the layer afresh, one directory at a time), then ask.
            found = purger.survey()
            if not found:
                self.log(nothing, 1)
                return
            self.confirm(found, storage, prefixes, where)
            total = found.items
        result = self.purge(purger, total)
        self.log(self.summarize(result, storage) if result else nothing, 1, self.style.SUCCESS if result else None)

    def purge_pulled(self, storage: HybridStorage, prefixes: list[str]) -> None:
        """Delete the pulled copies (and their records) under ``prefixes`` from the cache layer only."""
        try:
            puller = Puller(storage, log=lambda message: self.log(message, 2))
        except NoCacheLayer as exc:
            raise CommandError(str(exc)) from exc
        where = redact_text(describe_location(puller.cache.storage))
        files, size = puller.purge(prefixes, dry_run=True) if self.dry_run or self.interactive else (0, 0)
        if (self.dry_run or self.interactive) and not files:
            self.log(f"Nothing to purge in the cache layer {puller.cache.name!r} ({where}).", 1)
            if not self.dry_run:
                puller.purge(prefixes)  # records and partial transfers without a copy
            return
        if self.dry_run:
            self.log(
                f"Pretended to delete {plural(files, 'pulled copy', 'pulled copies')}, "
                f"{format_bytes(size)}, from the cache layer {puller.cache.name!r}.",
                1,
            )
            return
        if self.interactive:
            answer = input(
                f"\nYou have requested to empty the cache layer {puller.cache.name!r} of STORAGES[{self.alias!r}], "
                f"at:\n\n    {where}\n\nThis will DELETE {plural(files, 'pulled copy', 'pulled copies')}, "
                f"{format_bytes(size)}. media_pull can copy them again; the write layer and the layers below "
                "are not touched.\nAre you sure you want to do this?\n\nType 'yes' to continue, or 'no' to cancel: "
            )
            if answer != "yes":
                raise CommandError("Purge cancelled.")
        files, size = puller.purge(prefixes)
        self.log(
            f"Deleted {plural(files, 'pulled copy', 'pulled copies')} from the cache layer {puller.cache.name!r}, "
            f"freed {format_bytes(size)}.",
            1,
            self.style.SUCCESS,
        )

    def purger(self, storage: HybridStorage, prefixes: list[str]) -> LayerPurger:
        """Return the purger for these options; split from ``handle()`` so tests and code can call it."""
        try:
            return purger_for(
                storage,
                prefixes,
                files=not self.whiteouts_only,
                whiteouts=not self.shadowed_only,
                shadowed_only=self.shadowed_only,
                older_than=self.older_than,
            )
        except SuspiciousFileOperation as exc:
            raise CommandError(str(exc)) from exc

    def survey(self, purger: LayerPurger) -> PurgeCount:
        """List (at -v 2) and count what a purge would delete, for --dry-run."""
        notice = ["You have activated the --dry-run option so no files will be deleted.\n"]

        def each(item: Item) -> None:
            if notice:
                self.log(notice.pop(), 1)
            self.log(self.describe(item, pretend=True))

        return purger.survey(each)

    def confirm(self, found: PurgeCount, storage: HybridStorage, prefixes: list[str], where: str) -> None:
        scope = "" if prefixes == [""] else f" under {', '.join(map(repr, prefixes))}"
        filters = []
        if self.shadowed_only:
            filters.append("only files that shadow a lower layer's file")
        if self.older_than is not None:
            filters.append(f"only what was last modified more than {format_duration(self.older_than)} ago")
        lower = ", ".join(repr(layer.name) for layer in storage.lower_layers) or "none"
        message = [
            (
                f"\nYou have requested to purge the write layer {storage.top.name!r} of "
                f"STORAGES[{self.alias!r}]{scope}, at:\n\n    {where}\n\n"
            ),
            (
                f"This will DELETE {plural(found.files, 'file')}, {format_bytes(found.bytes)}, and "
                f"remove {plural(found.whiteouts, 'whiteout')}. The whited-out files show again from the lower "
                f"layers, and so does any deleted file a lower layer also holds; the other files are gone from "
                f"this environment (media_shadows lists which files have a lower copy).\n"
            ),
            f"Filters: {'; '.join(filters)}.\n" if filters else "",
            f"The lower layers ({lower}) are not touched.\n",
            "Are you sure you want to do this?\n\nType 'yes' to continue, or 'no' to cancel: ",
        ]
        if input("".join(message)) != "yes":
            raise CommandError("Purge cancelled.")

    def purge(self, purger: LayerPurger, total: int | None = None) -> PurgeCount:
        """Delete what the purger finds and return the counts; ``total`` is the survey's, if one ran.

        A terminal gets a progress bar once the purge reaches ``PROGRESS_THRESHOLD`` items: with a
        percentage after a confirmation (which counted them), a running count with --noinput.
        """
        bar = None
        draw = self.verbosity == 1 and self.stderr.isatty() and (total is None or total >= PROGRESS_THRESHOLD)
        waiting = 0  # items purged before the bar appeared

        def before(item: Item) -> None:
            nonlocal bar, waiting
            if self.verbosity >= 2:
                self.stdout.write(self.describe(item, pretend=False))
            if not draw:
                return
            if bar is not None:
                bar.advance()
                return
            waiting += 1
            if total is not None or waiting >= PROGRESS_THRESHOLD:
                bar = ProgressBar(self.stderr, total, "Purging")
                bar.advance(waiting)

        try:
            return purger.purge(before)
        finally:
            if bar is not None:
                bar.close()

    @staticmethod
    def describe(item: Item, pretend: bool) -> str:
        if item.kind == WHITEOUT:
            return f"{'Pretending to remove' if pretend else 'Removing'} the whiteout of {item.name!r}"
        return f"{'Pretending to delete' if pretend else 'Deleting'} {item.name!r}"

    def summarize_dry_run(self, found: PurgeCount, storage: HybridStorage) -> str:
        return (
            f"Pretended to delete {plural(found.files, 'file')}, {format_bytes(found.bytes)}, and remove "
            f"{plural(found.whiteouts, 'whiteout')} from layer {storage.top.name!r}."
            + (" Use -v 2 to list them." if self.verbosity < 2 else "")
        )

    def summarize(self, result: PurgeCount, storage: HybridStorage) -> str:
        directories = (
            f", removed {plural(result.directories, 'empty directory', 'empty directories')}"
            if result.directories
            else ""
        )
        return (
            f"Deleted {plural(result.files, 'file')} from layer {storage.top.name!r}, freed "
            f"{format_bytes(result.bytes)}, removed {plural(result.whiteouts, 'whiteout')}{directories}."
        )
