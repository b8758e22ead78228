"""``python -m demo_project``: embedded S3, seed data, migrations, a superuser, then the dev server.

Everything runs in one process so the embedded S3 server lives and dies with the web server.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import sys
from collections.abc import Sequence
from types import FrameType
from typing import TextIO

from demo_project.embedded_s3 import EmbeddedS3

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m demo_project",
        description="Start the hybridmedia demo: a local media folder over an embedded S3 'production'.",
    )
    parser.add_argument(
        "--port",
        type=int,
        default=int(os.environ.get("DEMO_PORT", DEFAULT_PORT)),
        help=f"port of the demo site (default: $DEMO_PORT or {DEFAULT_PORT})",
    )
    parser.add_argument(
        "--host",
        default=os.environ.get("DEMO_HOST", DEFAULT_HOST),
        help=f"address to listen on (default: $DEMO_HOST or {DEFAULT_HOST})",
    )
    parser.add_argument(
        "--production",
        choices=("s3", "http"),
        default=os.environ.get("DEMO_PRODUCTION", "s3"),
        help="how the site reads production: with S3 keys, or over plain HTTP from its public URL, "
        "without any credentials (default: $DEMO_PRODUCTION or s3)",
    )
    parser.add_argument(
        "--username",
        default=os.environ.get("DEMO_ADMIN_USERNAME", "admin"),
        help="admin login (default: admin)",
    )
    parser.add_argument(
        "--password",
        default=os.environ.get("DEMO_ADMIN_PASSWORD", "admin"),
        help="admin password (default: admin)",
    )
    return parser.parse_args(argv)


def port_is_free(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


def prepare(s3: EmbeddedS3, *, username: str, password: str, out: TextIO) -> None:
    """Migrate, seed production and the database, write the shadowing local file, ensure the admin user."""
    from django.conf import settings
    from django.core.management import call_command

    from demo_project.homes import seed
    from hybridmedia import get_hybrid_storage

    call_command("migrate", interactive=False, verbosity=0)
    # The embedded server starts empty in every process: "production" is re-seeded on each start.
    keys = seed.seed_production(s3.create_bucket(settings.DEMO_BUCKET).put)
    created = seed.seed_homes()
    shadow = seed.seed_local_shadow(get_hybrid_storage().top.storage)
    new_user = seed.ensure_superuser(username, password)
    reached = (
        f"read over HTTP from {s3.url}/{settings.DEMO_BUCKET}/, without S3 credentials"
        if settings.DEMO_PRODUCTION == "http"
        else "read with S3 keys"
    )
    out.write(
        f"Embedded S3 'production' at {s3.url}: {len(keys)} photos in bucket {settings.DEMO_BUCKET!r}, "
        f"{reached}.\n"
        f"Database: {created} home(s) created, {len(seed.HOMES) - created} already there.\n"
        f"Local layer {settings.MEDIA_ROOT}: {seed.SHADOWED.key} "
        f"{'written' if shadow else 'already there'} (it shadows the production copy).\n"
        f"Admin user {username!r} {'created' if new_user else 'ready'}.\n"
    )


def _interrupt(signum: int, frame: FrameType | None) -> None:
    # runserver turns KeyboardInterrupt into a clean exit; both signals stop the demo that way.
    raise KeyboardInterrupt


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if not port_is_free(args.host, args.port):
        sys.stderr.write(
            f"Port {args.port} on {args.host} is in use. Stop whatever runs there, or start the demo "
            f"on another port: python -m demo_project --port 8001 (or DEMO_PORT=8001 make demo).\n"
        )
        return 2
    # Explicitly for SIGINT too: a shell starting us in the background makes Python ignore it.
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, _interrupt)
    s3 = EmbeddedS3(DEFAULT_HOST).start()
    try:
        # The settings read the endpoint, so it must be known before Django is set up.
        os.environ["DEMO_S3_ENDPOINT_URL"] = s3.url
        os.environ["DEMO_PRODUCTION"] = args.production
        os.environ["DJANGO_SETTINGS_MODULE"] = "demo_project.settings"
        import django
        from django.core.management import call_command

        django.setup()
        prepare(s3, username=args.username, password=args.password, out=sys.stdout)
        site = f"http://{args.host}:{args.port}/"
        sys.stdout.write(
            f"\n  Demo site:  {site}\n  Admin:      {site}admin/   login {args.username!r} / "
            f"password {args.password!r}\n  Stop with Ctrl-C.\n\n"
        )
        sys.stdout.flush()
        call_command("runserver", f"{args.host}:{args.port}", use_reloader=False)
    except KeyboardInterrupt:
        pass
    finally:
        # runserver ends with sys.exit(0) on Ctrl-C, so this is the one place that always runs.
        s3.stop()
        sys.stdout.write("Stopped the demo site and its embedded S3 server.\n")
    return 0
