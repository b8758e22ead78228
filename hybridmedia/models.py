"""An unmanaged model whose only job is to give the media browser its admin entry and permissions."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class MediaFile(models.Model):
    """A file of the hybrid storage as the admin sees it; never stored in the database.

    ``view_mediafile`` lets a user browse the media; ``delete_mediafile`` lets them delete local
    copies and restore whited-out files.
    """

    name = models.CharField(_("name"), max_length=1024, primary_key=True)

    class Meta:
        managed = False
        # No table: the admin views read the storage, never the database.
        db_table = "hybridmedia_mediafile_unmanaged"
        default_permissions = ("view", "delete")
        verbose_name = _("media file")
        verbose_name_plural = _("media files")

    def __str__(self) -> str:
        return self.name
