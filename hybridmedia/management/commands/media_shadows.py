"""``manage.py media_shadows [PREFIX ...]``: top-layer files that hide a lower layer's copy."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandParser

from hybridmedia.describe import JSON_VERSION, Comparison, CopyFacts, Shadow, StalePull, find_shadows, find_stale_pulled
from hybridmedia.management.base import HybridStorageCommand, format_bytes, plural
from hybridmedia.storage import HybridStorage


class Command(HybridStorageCommand):
    help = (
        "List every file of the write (top) layer that shadows a lower layer's file, with both "
        "sizes and modified times and whether the contents differ. Exits with status 1 if any exists."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        self.add_prefixes_argument(parser, "Only look under these directories (default: everywhere).")
        parser.add_argument(
            "--json",
            action="store_true",
            help="Print one JSON document describing every shadow (see docs/commands.md).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        alias = options["storage"]
        storage = self.get_hybrid(alias)
        prefixes = self.check_prefixes(options["prefixes"])
        shadows = self.find(storage, prefixes)
        # Pulled copies (a cache layer's) are never shadows; the stale ones are listed apart.
        has_cache = any(layer.cache for layer in storage.layers)
        stale = self.find_stale(storage, prefixes) if has_cache else []
        if options["json"]:
            self.write_json(
                {
                    "version": JSON_VERSION,
                    "storage": alias,
                    "top": storage.top.name,
                    "prefixes": prefixes,
                    "count": len(shadows),
                    "shadows": [shadow.as_json() for shadow in shadows],
                    **({"stale_pulled": [item.as_json() for item in stale]} if has_cache else {}),
                }
            )
        else:
            for shadow in shadows:
                self.show(shadow)
            self.summarize(shadows, storage)
            self.show_stale(stale)
        if shadows:
            self.exit_with_status(1)

    def find(self, storage: HybridStorage, prefixes: list[str]) -> list[Shadow]:
        """Return the shadows under ``prefixes``; split from ``handle()`` so tests and code can call it."""
        return sorted(find_shadows(storage, prefixes), key=lambda shadow: shadow.name)

    def find_stale(self, storage: HybridStorage, prefixes: list[str]) -> list[StalePull]:
        """Return the stale pulled copies under ``prefixes`` (their source changed since the pull)."""
        return sorted(find_stale_pulled(storage, prefixes), key=lambda item: item.name)

    def show_stale(self, stale: list[StalePull]) -> None:
        if not stale:
            return
        if self.verbosity == 0:
            for item in stale:
                self.stdout.write(item.name)
            return
        self.stdout.write(
            f"\n{plural(len(stale), 'pulled copy', 'pulled copies')} no longer "
            f"{'matches its' if len(stale) == 1 else 'match their'} source (media_pull --refresh fetches them again):",
            self.style.WARNING,
        )
        for item in stale:
            source = repr(item.pulled_from) if item.pulled_from else "an unknown layer"
            self.stdout.write(f"  {item.name}  (in {item.cache.name!r}, pulled from {source})")

    def show(self, shadow: Shadow) -> None:
        if self.verbosity == 0:
            self.stdout.write(shadow.name)
            return
        verdict = {
            True: "contents differ",
            False: "same contents",
            None: "contents not compared",
        }[shadow.differs]
        self.stdout.write(
            f"{shadow.name}  ({verdict})",
            self.style.WARNING if shadow.differs else None,
        )
        width = max(len(copy.layer.name) for copy in (shadow.top, *(item.copy for item in shadow.lower)))
        self.stdout.write(f"  {shadow.top.layer.name:<{width}}  {self.facts(shadow.top)}")
        for item in shadow.lower:
            self.stdout.write(f"  {item.copy.layer.name:<{width}}  {self.facts(item.copy)}  {self.verdict(item)}")

    def facts(self, copy: CopyFacts) -> str:
        size = format_bytes(copy.size) if copy.size is not None else "size unknown"
        modified = copy.modified.isoformat(timespec="seconds") if copy.modified else "modified time unknown"
        text = f"{size}, modified {modified}"
        if self.verbosity >= 2 and copy.url:
            text += f", url {copy.url}"
        return text

    def verdict(self, item: Comparison) -> str:
        if item.differs is None:
            return "not compared (too large to read, or unreadable)"
        if item.differs:
            return self.style.WARNING(f"differs (by {item.compared_by})")
        return f"same (by {item.compared_by})"

    def summarize(self, shadows: list[Shadow], storage: HybridStorage) -> None:
        if not shadows:
            self.log(
                f"No file in layer {storage.top.name!r} shadows a lower layer.",
                1,
                self.style.SUCCESS,
            )
            return
        differing = sum(1 for shadow in shadows if shadow.differs)
        self.log(
            f"\n{plural(len(shadows), 'file')} in layer {storage.top.name!r} "
            f"{'shadows' if len(shadows) == 1 else 'shadow'} a lower layer"
            f" ({differing:,} with different contents).",
            1,
            self.style.WARNING,
        )
