"""``manage.py media_origin NAME [NAME ...]``: which layer serves a name, like ``findstatic``."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandError, CommandParser

from hybridmedia.describe import JSON_VERSION, CopyFacts, NameReport, describe_names
from hybridmedia.management.base import HybridStorageCommand, format_bytes
from hybridmedia.redaction import redact_url
from hybridmedia.storage import HybridStorage
from hybridmedia.urlmap import looks_like_url, name_from_url, url_prefixes


class Command(HybridStorageCommand):
    help = (
        "Show the layer of a HybridStorage that serves each NAME, every other layer that holds it, "
        "and whether it is shadowed or whited out. A NAME may also be a URL a layer produced."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        parser.add_argument("names", nargs="+", metavar="NAME", help="A storage name, or a URL of one.")
        parser.add_argument(
            "--first",
            action="store_false",
            dest="all",
            help="Only show the layer that serves each name.",
        )
        parser.add_argument(
            "--json",
            action="store_true",
            help="Print one JSON document describing every name (see docs/commands.md).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        alias = options["storage"]
        storage = self.get_hybrid(alias)
        # Every NAME is checked before any layer is asked about any of them.
        queries = [(query, self.resolve(storage, query)) for query in options["names"]]
        reports = self.find(storage, queries, details=options["json"] or self.verbosity >= 2)
        if options["json"]:
            self.write_json(
                {
                    "version": JSON_VERSION,
                    "storage": alias,
                    "layers": [layer.name for layer in storage.layers],
                    "names": [report.as_json(first=not options["all"]) for report in reports],
                }
            )
        else:
            for report in reports:
                if report.found:
                    self.show(report, storage, first=not options["all"])
        missing = [report for report in reports if not report.found]
        for report in missing:
            self.report_missing(report, storage)
        if missing:
            self.exit_with_status(1)

    def resolve(self, storage: HybridStorage, query: str) -> str:
        """Return the storage name ``query`` means: itself, or the name behind a layer's URL."""
        if looks_like_url(query):
            mapped = name_from_url(storage, query)
            if mapped is not None:
                name, layer = mapped
                self.log(
                    f"Mapped the URL {query!r} of layer {layer.name!r} to the name {name!r}.",
                    level=3,
                )
                return self.check_name(name)
            if "://" in query:
                raise CommandError(
                    f"{query!r} is not a URL any layer of the hybrid produces; their URLs start with "
                    f"{', '.join(repr(redact_url(prefix)) for prefix in url_prefixes(storage))}. "
                    f"Give the storage name instead."
                )
        return self.check_name(query)

    def find(self, storage: HybridStorage, queries: list[tuple[str, str]], details: bool) -> list[NameReport]:
        """Describe every ``(query, name)``; split from ``handle()`` so tests and code can call it."""
        return describe_names(storage, queries, details=details)

    def show(self, report: NameReport, storage: HybridStorage, first: bool) -> None:
        copies = [copy for copy in report.copies if not first or copy.layer == report.origin]
        if self.verbosity == 0:
            for copy in copies:
                self.stdout.write(copy.layer.name)
            return
        source = f" (from the URL {report.query!r})" if report.query != report.name else ""
        if first and report.origin is None:
            holders = ", ".join(repr(copy.layer.name) for copy in report.copies)
            self.stdout.write(
                f"No layer serves {report.name!r}{source}: it is WHITED OUT (deleted in "
                f"{storage.top.name!r}) but still held by {holders}.",
                self.style.WARNING,
            )
        else:
            self.stdout.write(f"Found {report.name!r}{source} here:")
            width = max(len(copy.layer.name) for copy in copies)
            for copy in copies:
                self.stdout.write(f"  {copy.layer.name:<{width}}  {self.mark(report, copy, storage)}")
                if self.verbosity >= 2:
                    self.stdout.write(f"  {'':<{width}}    {self.facts(copy)}")
        if self.verbosity >= 2:
            self.stdout.write(self.searched(storage))

    def mark(self, report: NameReport, copy: CopyFacts, storage: HybridStorage) -> str:
        if copy.layer == report.origin:
            if report.pulled:
                source = repr(report.pulled_from) if report.pulled_from else "an unknown layer"
                if report.stale:
                    return self.style.WARNING(f"serves it: pulled from {source}, STALE: the source has changed")
                return self.style.SUCCESS(f"serves it: pulled from {source}")
            if report.shadowed:
                return self.style.WARNING("serves it; SHADOWED: it hides the copies below")
            return self.style.SUCCESS("serves it")
        if report.whited_out:
            return self.style.WARNING(f"WHITED OUT: deleted in {storage.top.name!r}, hidden from the hybrid")
        assert report.origin is not None
        return f"hidden by the copy in {report.origin.name!r}"

    @staticmethod
    def facts(copy: CopyFacts) -> str:
        size = format_bytes(copy.size) if copy.size is not None else "size unknown"
        modified = (
            f"modified {copy.modified.isoformat(timespec='seconds')}" if copy.modified else "modified time unknown"
        )
        url = f"url {copy.url}" if copy.url else "no url"
        return f"{size}, {modified}, {url}"

    @staticmethod
    def searched(storage: HybridStorage) -> str:
        layers = "\n  ".join(
            f"{layer.name} ({'writable' if layer.writable else 'read-only'})" for layer in storage.layers
        )
        return f"Looking in the following layers:\n  {layers}"

    def report_missing(self, report: NameReport, storage: HybridStorage) -> None:
        if self.verbosity < 1:
            return
        source = f" (from the URL {report.query!r})" if report.query != report.name else ""
        message = f"No layer holds {report.name!r}{source}."
        if self.verbosity >= 2:
            message += "\n" + self.searched(storage)
        self.stderr.write(message)
