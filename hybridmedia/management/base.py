"""What every hybridmedia command shares: ``--storage``, ``log()``, name checks and JSON output."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterable
from typing import Any, NoReturn

from django.core.checks import Tags
from django.core.exceptions import ImproperlyConfigured, SuspiciousFileOperation
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.template.defaultfilters import filesizeformat

from hybridmedia import get_hybrid_storage
from hybridmedia.conf import app_settings
from hybridmedia.exceptions import LayerUnavailable
from hybridmedia.installed import require_installed_app
from hybridmedia.purge import normalize_prefixes
from hybridmedia.redaction import describe_error, redact_text
from hybridmedia.storage import HybridStorage
from hybridmedia.storage.availability import is_unreachable
from hybridmedia.storage.cache import bypass_cache
from hybridmedia.storage.names import validate_name


def format_bytes(count: int) -> str:
    """Return ``count`` as exact bytes plus a human size: ``1,234,567 bytes (1.2 MB)``."""
    unit = "byte" if count == 1 else "bytes"
    if count < 1024:
        return f"{count:,} {unit}"
    return f"{count:,} {unit} ({filesizeformat(count).replace(chr(160), ' ')})"


def plural(count: int, singular: str, plural_form: str | None = None) -> str:
    return f"{count:,} {singular if count == 1 else (plural_form or singular + 's')}"


require_installed_app("hybridmedia's management helpers")


class HybridStorageCommand(BaseCommand):
    """Base for commands that inspect or purge the ``HybridStorage`` named by ``--storage``."""

    # Configuration errors of a hybrid are reported by the checks tagged "files" (hybridmedia.E0xx).
    requires_system_checks: tuple[str, ...] | list[str] = (Tags.files,)
    verbosity = 1

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--storage",
            default=app_settings.STORAGE_ALIAS,  # read when the command runs, so settings apply
            metavar="ALIAS",
            help="The settings.STORAGES alias of the HybridStorage to use "
            "(default: settings.HYBRIDMEDIA_STORAGE_ALIAS, which defaults to 'default').",
        )

    def execute(self, *args: Any, **options: Any) -> Any:
        self.verbosity = options.get("verbosity", 1)
        # Commands report what the layers hold now, never what a shared origin cache remembers;
        # their fresh answers still refresh that cache.
        with bypass_cache():
            try:
                return super().execute(*args, **options)
            except LayerUnavailable as exc:
                # One line and exit status 1, like any CommandError: an outage is not a crash.
                raise CommandError(redact_text(str(exc))) from exc
            except Exception as exc:
                # A backend's own error may quote a credential: print it masked, as one line, rather
                # than as a traceback; so is a store that cannot be reached (the write layer's too).
                message = describe_error(exc)
                if is_unreachable(exc):
                    raise CommandError(f"A layer cannot be reached: {message}") from exc
                if message == f"{type(exc).__name__}: {exc}":
                    raise
                raise CommandError(message) from exc

    def log(self, msg: str, level: int = 2, style: Callable[[str], str] | None = None) -> None:
        """Write ``msg`` to stdout when ``--verbosity`` is at least ``level``."""
        if self.verbosity >= level:
            self.stdout.write(msg, style)

    def get_hybrid(self, alias: str) -> HybridStorage:
        """Return the hybrid configured as ``STORAGES[alias]``, its layers built, or a ``CommandError``."""
        try:
            storage = get_hybrid_storage(alias)
            storage.layers  # noqa: B018 - build the layers now so a bad configuration fails here.
        except ImproperlyConfigured as exc:
            # A backend's own configuration error may quote its options (an endpoint with a login).
            raise CommandError(f"Cannot use --storage {alias!r}: {redact_text(str(exc))}") from exc
        return storage

    @staticmethod
    def check_name(name: str) -> str:
        """Return ``name`` if it is a safe storage name, else raise a ``CommandError`` saying why."""
        try:
            return validate_name(name)
        except SuspiciousFileOperation as exc:
            absolute = " It is an absolute path;" if name.startswith(("/", "\\")) else ""
            raise CommandError(
                f"Refusing the name {name!r}: {str(exc).rstrip('.')}.{absolute} Give a path relative to the storage's "
                f"root, such as 'homes/42.jpg', or a URL that one of its layers produced."
            ) from exc

    @staticmethod
    def add_prefixes_argument(parser: CommandParser, help: str) -> None:  # noqa: A002 - argparse's name
        """Add the positional ``PREFIX ...`` directories that ``check_prefixes()`` validates."""
        parser.add_argument("prefixes", nargs="*", metavar="PREFIX", help=help)

    @staticmethod
    def check_prefixes(prefixes: Iterable[str]) -> list[str]:
        """Return the validated, de-duplicated ``prefixes`` (``[""]`` for all), or a ``CommandError``."""
        try:
            return normalize_prefixes(prefixes)
        except SuspiciousFileOperation as exc:
            raise CommandError(
                f"Refusing the prefix: {str(exc).rstrip('.')}. Give relative directories such as 'homes'."
            ) from exc

    def write_json(self, document: dict[str, Any]) -> None:
        self.stdout.write(json.dumps(document, indent=2, ensure_ascii=False))

    def exit_with_status(self, status: int) -> NoReturn:
        # Like `makemigrations --check`: a status for scripts and CI, not an error traceback.
        self.stdout.flush()
        sys.exit(status)
