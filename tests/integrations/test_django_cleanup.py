"""django-cleanup: the files of deleted rows and replaced files are deleted through the hybrid."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.files.base import ContentFile

from hybridmedia.storage import HybridStorage
from tests.integrations.helpers import top_files
from tests.integrations.models import CleanedDocument
from tests.s3 import Bucket

pytestmark = pytest.mark.django_db

ORIGINAL = "cleanup/report.pdf"


@pytest.fixture
def document(media: HybridStorage, production: Bucket) -> CleanedDocument:
    """A row that names a production file, as in a copy of production's database."""
    production.put(ORIGINAL, b"%PDF production")
    return CleanedDocument.objects.create(file=ORIGINAL)


def test_deleting_a_row_whites_out_its_production_file(
    document: CleanedDocument, media: HybridStorage, local: Path, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        document.delete()

    assert len(callbacks) == 1  # django-cleanup deletes after the transaction commits
    assert list(media.whiteouts()) == [ORIGINAL]
    assert not media.exists(ORIGINAL)
    assert top_files(local) == set()


def test_deleting_a_row_deletes_its_local_file(
    media: HybridStorage, local: Path, django_capture_on_commit_callbacks: Any
) -> None:
    document = CleanedDocument.objects.create(file=ContentFile(b"local", name="new.pdf"))
    assert top_files(local) == {"cleanup/new.pdf"}

    with django_capture_on_commit_callbacks(execute=True):
        document.delete()

    assert top_files(local) == set()
    assert list(media.whiteouts()) == []


def test_replacing_a_production_file_whites_it_out_and_keeps_the_new_one_local(
    document: CleanedDocument, media: HybridStorage, local: Path, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        document.file = ContentFile(b"%PDF new", name="report.pdf")
        document.save()

    # The new upload gets another name (production still holds report.pdf when it is saved); then
    # django-cleanup deletes the old name, which whites out production's copy.
    assert document.file.name != ORIGINAL
    assert top_files(local) == {document.file.name}
    assert list(media.whiteouts()) == [ORIGINAL]
    assert media.open(document.file.name).read() == b"%PDF new"


def test_replacing_a_local_file_deletes_it(
    media: HybridStorage, local: Path, django_capture_on_commit_callbacks: Any
) -> None:
    document = CleanedDocument.objects.create(file=ContentFile(b"one", name="draft.pdf"))

    with django_capture_on_commit_callbacks(execute=True):
        document.file = ContentFile(b"two", name="draft.pdf")
        document.save()

    assert top_files(local) == {document.file.name}
    assert media.open(document.file.name).read() == b"two"
    assert list(media.whiteouts()) == []
