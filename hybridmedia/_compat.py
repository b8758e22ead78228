"""Differences between the supported Django versions, in one place."""

from __future__ import annotations

import django

#: Django 6.0 renders the admin's breadcrumbs as a list and moved the change list filter into
#: ``.changelist-form-container``; the browser's templates follow whichever version runs.
ADMIN_BREADCRUMBS_AS_LIST = django.VERSION >= (6, 0)
ADMIN_FILTERS_IN_FORM_CONTAINER = django.VERSION >= (6, 0)
