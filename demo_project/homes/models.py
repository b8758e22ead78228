"""The demo's one model: a home with a photo, like a listing site's page full of images."""

from __future__ import annotations

from django.db import models
from django.utils import timezone


class Home(models.Model):
    name = models.CharField(max_length=120)
    city = models.CharField(max_length=80)
    # Stored through the default storage, i.e. the hybrid: uploads land in the local layer.
    photo = models.ImageField(upload_to="homes/uploads/", max_length=255)
    created = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ("-created", "name")

    def __str__(self) -> str:
        return f"{self.name}, {self.city}"
