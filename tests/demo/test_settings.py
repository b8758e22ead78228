"""The demo's settings: safe defaults, the environment, an optional ``.env``, MEDIA_LAYERS via the URL helper.

Each case loads ``demo_project.settings`` in a fresh interpreter, because settings are read once, at
import, from the process environment.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]

DUMP = """
import json
from django.conf import settings
print(json.dumps({
    "DEBUG": settings.DEBUG,
    "SECRET_KEY": settings.SECRET_KEY,
    "ALLOWED_HOSTS": settings.ALLOWED_HOSTS,
    "DATABASE": str(settings.DATABASES["default"]["NAME"]),
    "MEDIA_ROOT": str(settings.MEDIA_ROOT),
    "TIME_ZONE": settings.TIME_ZONE,
    "STORAGES": settings.STORAGES,
}, default=str))
"""


def load_settings(tmp_path: Path, **variables: str) -> dict[str, Any]:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("DEMO_", "DJANGO_"))}
    for name in ("MEDIA_LAYERS", "DATABASE_URL", "MEDIA_ROOT", "SECRET_KEY", "DEBUG", "ALLOWED_HOSTS"):
        env.pop(name, None)
    env.update(DJANGO_SETTINGS_MODULE="demo_project.settings", ENV_FILE=str(tmp_path / "absent.env"))
    env.update(variables)
    result = subprocess.run(
        [sys.executable, "-c", DUMP], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)  # type: ignore[no-any-return]


def test_defaults_need_no_configuration(tmp_path: Path) -> None:
    loaded = load_settings(tmp_path)
    assert loaded["DEBUG"] is True
    assert loaded["ALLOWED_HOSTS"] == ["127.0.0.1", "localhost"]
    assert loaded["DATABASE"] == str(ROOT / "db.sqlite3")
    assert loaded["MEDIA_ROOT"] == str(ROOT / "media")
    assert loaded["TIME_ZONE"] == "UTC"
    storages = loaded["STORAGES"]
    assert storages["default"]["OPTIONS"] == {"layers": ["local", "production"]}
    assert storages["local"]["OPTIONS"] == {"location": str(ROOT / "media"), "base_url": "/media/"}
    assert storages["production"] == {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": "demo-production",
            "location": "",
            "endpoint_url": "http://127.0.0.1:9000",
            "region_name": "us-east-1",
            "addressing_style": "path",
            "querystring_auth": False,
            # The embedded server's dummy keys, never the shell's real AWS credentials.
            "access_key": "demo",
            "secret_key": "demo",
        },
    }


def test_environment_overrides_every_default(tmp_path: Path) -> None:
    loaded = load_settings(
        tmp_path,
        DEBUG="false",
        SECRET_KEY="from-env",
        ALLOWED_HOSTS="demo.example.com",
        DATABASE_URL=f"sqlite:///{tmp_path / 'other.sqlite3'}",
        MEDIA_ROOT=str(tmp_path / "uploads"),
        DEMO_S3_ENDPOINT_URL="http://127.0.0.1:4567",
        DEMO_BUCKET="other-bucket",
    )
    assert (loaded["DEBUG"], loaded["SECRET_KEY"]) == (False, "from-env")
    assert loaded["ALLOWED_HOSTS"] == ["demo.example.com"]
    assert loaded["DATABASE"] == str(tmp_path / "other.sqlite3")
    assert loaded["STORAGES"]["local"]["OPTIONS"]["location"] == str(tmp_path / "uploads")
    production = loaded["STORAGES"]["production"]["OPTIONS"]
    assert (production["bucket_name"], production["endpoint_url"]) == (
        "other-bucket",
        "http://127.0.0.1:4567",
    )


def test_media_layers_and_a_dot_env_file(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text(
        "MEDIA_LAYERS=file:scratch#top,memory://#middle,"
        "s3://acme-prod-media/media?region=eu-west-1&custom_domain=cdn.acme.com\n"
        "MEDIA_ROOT=relative-media\n"
        "SECRET_KEY=from-file\n"
    )
    loaded = load_settings(tmp_path, ENV_FILE=str(env_file), SECRET_KEY="the-environment-wins")
    assert loaded["SECRET_KEY"] == "the-environment-wins"
    assert loaded["MEDIA_ROOT"] == str(ROOT / "relative-media")
    storages = loaded["STORAGES"]
    assert storages["default"]["OPTIONS"] == {"layers": ["top", "middle", "production"]}
    assert storages["top"]["OPTIONS"] == {"location": str(ROOT / "scratch")}
    assert storages["production"]["OPTIONS"] == {
        "bucket_name": "acme-prod-media",
        "location": "media",
        "region_name": "eu-west-1",
        "custom_domain": "cdn.acme.com",
    }


def test_a_bad_layer_url_stops_the_settings_with_its_name(tmp_path: Path) -> None:
    env = {key: value for key, value in os.environ.items() if not key.startswith("DJANGO_")}
    env.update(
        DJANGO_SETTINGS_MODULE="demo_project.settings",
        ENV_FILE=str(tmp_path / "absent.env"),
        MEDIA_LAYERS="file:media,s3://acme-prod-media?regoin=eu-west-1",
    )
    result = subprocess.run(
        [sys.executable, "-c", DUMP], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    assert result.returncode != 0
    assert "LayerURLError" in result.stderr and "unknown option 'regoin'" in result.stderr
