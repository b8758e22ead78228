"""The test matrix: every supported Python x Django pair found on this machine.

Run ``nox`` (all pairs), ``nox -l`` (list them) or ``nox -s "tests-3.12(django='6.1')"`` (one).
"""

from __future__ import annotations

import os
import shutil
import subprocess

import nox

nox.options.reuse_existing_virtualenvs = True

# pyenv's shims only run the versions that are active: make every installed one runnable.
if shutil.which("pyenv") and "PYENV_VERSION" not in os.environ:
    versions = subprocess.run(["pyenv", "versions", "--bare"], capture_output=True, text=True).stdout.split()
    os.environ["PYENV_VERSION"] = ":".join(v for v in versions if v.count(".") == 2 and v[0] == "3")

MATRIX = [("3.11", "5.2"), ("3.12", "6.0"), ("3.12", "6.1"), ("3.13", "6.0"), ("3.13", "6.1")]
DJANGO = {"5.2": "Django>=5.2,<5.3", "6.0": "Django>=6.0,<6.1", "6.1": "Django>=6.1,<6.2"}


@nox.session
@nox.parametrize(("python", "django"), MATRIX)
def tests(session: nox.Session, django: str) -> None:
    """Run the whole suite with DeprecationWarnings as errors."""
    session.install("-e", ".[test]", DJANGO[django])
    session.run("bash", "scripts/system-deps", external=True)
    session.run("python", "-m", "pytest", "-W", "error::DeprecationWarning", *session.posargs)


@nox.session(python="3.11")
def lint(session: nox.Session) -> None:
    """ruff (lint and format) and mypy."""
    session.install("-e", ".[dev]")
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")
    session.run("mypy")
