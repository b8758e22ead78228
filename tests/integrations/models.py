"""One model per library, as a project declares it; every file field uses ``STORAGES["default"]``, the hybrid."""

from __future__ import annotations

import sorl.thumbnail.models  # noqa: F401  sorl's key-value store, in tests.integrations.apps.SorlThumbnailConfig
from django.db import models
from django_cleanup import cleanup
from easy_thumbnails.fields import ThumbnailerImageField
from imagekit.models import ImageSpecField
from imagekit.processors import ResizeToFill
from sorl.thumbnail import ImageField as SorlImageField
from versatileimagefield.fields import VersatileImageField


class SorlPhoto(models.Model):
    image = SorlImageField(upload_to="sorl")

    def __str__(self) -> str:
        return self.image.name or ""


class EasyPhoto(models.Model):
    image = ThumbnailerImageField(upload_to="easy")

    def __str__(self) -> str:
        return self.image.name or ""


class KitPhoto(models.Model):
    image = models.ImageField(upload_to="kit")
    thumbnail = ImageSpecField(source="image", processors=[ResizeToFill(40, 30)], format="JPEG")

    def __str__(self) -> str:
        return self.image.name or ""


class VersatilePhoto(models.Model):
    image = VersatileImageField(upload_to="versatile")

    def __str__(self) -> str:
        return self.image.name or ""


@cleanup.select
class CleanedDocument(models.Model):
    file = models.FileField(upload_to="cleanup")

    def __str__(self) -> str:
        return self.file.name or ""
