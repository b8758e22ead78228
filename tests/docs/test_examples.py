"""Every code example in the README and docs/ is exercised, so the docs cannot drift from the code."""

from __future__ import annotations

import re
import shlex
from pathlib import Path
from typing import Any

import pytest
from django.contrib import admin
from django.contrib.admin import sites
from django.core.management import load_command_class
from django.test import override_settings

from hybridmedia.admin import MediaFileAdmin
from hybridmedia.conf import storages_from_urls
from hybridmedia.models import MediaFile
from hybridmedia.storage import HybridStorage

ROOT = Path(__file__).resolve().parents[2]
DOCUMENTS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
FENCE = re.compile(r"^```(\w*)\n(.*?)^```", re.MULTILINE | re.DOTALL)
COMMANDS = ("media_origin", "media_shadows", "purge_local_media", "media_pull")


def blocks(document: Path, *languages: str) -> list[str]:
    return [body for language, body in FENCE.findall(document.read_text()) if language in languages]


def all_blocks(*languages: str) -> list[tuple[str, str]]:
    return [(document.name, body) for document in DOCUMENTS for body in blocks(document, *languages)]


def validate_storages(storages: dict[str, Any]) -> None:
    """Build every hybrid of a STORAGES setting and its layers, as Django would on first use."""
    hybrids = [alias for alias, config in storages.items() if config["BACKEND"] == "hybridmedia.storage.HybridStorage"]
    assert hybrids, "the example configures no HybridStorage"
    with override_settings(STORAGES=storages):
        for alias in hybrids:
            hybrid = HybridStorage(**storages[alias].get("OPTIONS", {}))
            assert hybrid.layers[0].writable and not any(layer.writable for layer in hybrid.layers[1:])


@pytest.mark.parametrize(("document", "body"), all_blocks("python"))
def test_python_examples_compile(document: str, body: str) -> None:
    compile(body, document, "exec")


#: ``NAME=value`` or ``export NAME='value'`` in a shell block.
ENVIRONMENT_LINE = re.compile(r"^(?:export )?([A-Z_]+)=(?:'([^']*)'|(\S+))$", re.MULTILINE)


def environment(body: str) -> list[tuple[str, str]]:
    return [(name, quoted or plain) for name, quoted, plain in ENVIRONMENT_LINE.findall(body)]


@pytest.mark.parametrize("document", [d for d in DOCUMENTS if blocks(d, "python")], ids=lambda d: d.name)
def test_python_examples_run(document: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Run a document's python blocks in order, as one settings or admin module would.

    A python block sees the ``NAME=value`` lines of the ``sh`` blocks before it, or, for a variable
    not set yet, the first value the document gives it (a settings example may precede its .env).
    """
    for body in reversed(blocks(document, "sh")):
        for name, value in environment(body):
            monkeypatch.setenv(name, value)
    site = admin.AdminSite()
    site.register(MediaFile, MediaFileAdmin)
    monkeypatch.setattr(sites, "site", site)
    monkeypatch.setattr(admin, "site", site)
    namespace: dict[str, Any] = {
        "__name__": "demo_project.homes.docs_example",
        "__package__": "demo_project.homes",
        "BASE_DIR": tmp_path,
        # What django-admin startproject's settings.py defines before the README's block.
        "INSTALLED_APPS": ["django.contrib.admin", "django.contrib.auth", "django.contrib.contenttypes"],
        "urlpatterns": [],  # and its urls.py
        "MEDIA_ROOT": tmp_path / "media",
        "MEDIA_URL": "/media/",
    }
    for language, body in FENCE.findall(document.read_text()):
        if language == "sh":
            for name, value in environment(body):
                monkeypatch.setenv(name, value)
        if language != "python":
            continue
        code = compile(body, document.name, "exec")
        try:
            expression = compile(body, document.name, "eval")
        except SyntaxError:
            exec(code, namespace)  # noqa: S102 - our own documentation
            if "STORAGES" in namespace:
                validate_storages(namespace["STORAGES"])
        else:
            # A bare value documents what the block before it produced.
            assert eval(expression, namespace) == namespace["STORAGES"]  # noqa: S307
    for model_admin in site._registry.values():
        assert model_admin.check() == [], model_admin


@pytest.mark.parametrize(
    "layers",
    sorted(
        {value for _, body in all_blocks("sh") for value in re.findall(r"^MEDIA_LAYERS=(\S+)$", body, re.MULTILINE)}
    ),
)
def test_every_documented_media_layers_value_builds(layers: str) -> None:
    environ = {
        f"{prefix}_AWS_{part}": "example"
        for prefix in ("PROD", "STAGING")
        for part in ("ACCESS_KEY_ID", "SECRET_ACCESS_KEY")
    }
    validate_storages(storages_from_urls(layers, base_dir=Path("/srv/app"), environ=environ))


def command_lines() -> list[str]:
    lines = []
    for _, body in all_blocks("", "sh", "text", "console"):
        for line in body.splitlines():
            line = line.strip().removeprefix("$ ")
            if re.match(r"(python )?manage\.py (" + "|".join(COMMANDS) + r")\b", line):
                lines.append(line)
    return lines


@pytest.mark.parametrize("line", command_lines())
def test_documented_command_lines_parse(line: str) -> None:
    words = shlex.split(line.replace("[", " ").replace("]", " ").replace("|", " ").replace("...", " "))
    words = words[words.index("manage.py") + 1 :]
    command = load_command_class("hybridmedia", words[0])
    parser = command.create_parser("manage.py", words[0])
    if line != line.replace("[", ""):  # a synopsis: every option it names must exist
        known = {option for action in parser._actions for option in action.option_strings}
        assert {word for word in words if word.startswith("-")} <= known
    else:
        parser.parse_args(words[1:])


def test_command_lines_were_found() -> None:
    assert {line.split()[1 if line.startswith("manage.py") else 2] for line in command_lines()} >= set(COMMANDS)


@pytest.mark.parametrize(
    "target", sorted({t for _, b in all_blocks("sh") for t in re.findall(r"^make (\w+)", b, re.M)})
)
def test_documented_make_targets_exist(target: str) -> None:
    assert re.search(rf"^{target}:", (ROOT / "Makefile").read_text(), re.MULTILINE)
