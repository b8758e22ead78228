"""The demo's seed data: production photos, the rows that point at them, one shadowing local file.

Like an environment freshly loaded from a production database dump: the rows exist, the photos
live in the production bucket, and the local media folder starts (almost) empty. Every function
is idempotent, so starting the demo again creates nothing twice.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.core.files.storage import Storage
from django.db import transaction
from django.utils import timezone

from demo_project.homes.models import Home
from demo_project.homes.photos import DemoHome, render_photo

# (name, city, key under homes/, size, wall, roof, sky): varied colours, sizes, names and formats.
_CATALOGUE = [
    ("Canal House", "Amsterdam", "amsterdam/canal-house.jpg", (800, 600), "#b5523b", "#4a2c2a", "#6fa8dc"),
    (
        "Blue Door Cottage",
        "Lisbon",
        "lisbon/blue-door-cottage.jpg",
        (640, 480),
        "#f3e9d2",
        "#c0392b",
        "#8ecae6",
    ),
    ("Harbour Loft", "Hamburg", "hamburg/harbour-loft.jpg", (960, 640), "#7f8c8d", "#2c3e50", "#9bb7d4"),
    (
        "Olive Grove Villa",
        "Florence",
        "florence/olive-grove-villa.jpg",
        (720, 540),
        "#e7c27d",
        "#a0522d",
        "#87ceeb",
    ),
    ("Fjord Cabin", "Bergen", "bergen/fjord-cabin.jpg", (600, 600), "#8b1e1e", "#2f2f2f", "#a9c9e8"),
    ("Garden Flat", "London", "london/garden-flat.png", (640, 480), "#c9b79c", "#5b4636", "#b0c4de"),
    (
        "Vineyard Farmhouse",
        "Bordeaux",
        "bordeaux/vineyard-farmhouse.jpg",
        (880, 600),
        "#ead7b7",
        "#8e3b2e",
        "#7fb3d5",
    ),
    (
        "Sunny Bungalow",
        "Valencia",
        "valencia/sunny-bungalow.jpg",
        (800, 533),
        "#fff4d6",
        "#e67e22",
        "#5dade2",
    ),
    (
        "Old Town Apartment",
        "Prague",
        "prague/old-town-apartment.jpg",
        (700, 700),
        "#f0b27a",
        "#7b241c",
        "#aed6f1",
    ),
    ("Lake House", "Annecy", "annecy/lake-house.jpg", (1024, 640), "#d5dbdb", "#34495e", "#85c1e9"),
    (
        "Forest Retreat",
        "Black Forest",
        "black-forest/forest-retreat.jpg",
        (640, 427),
        "#6e4b3a",
        "#1e3d2f",
        "#a3c4bc",
    ),
    ("Beach Hut", "Brighton", "brighton/beach-hut.png", (560, 420), "#f7dc6f", "#2874a6", "#76d7ea"),
    (
        "Courtyard House",
        "Seville",
        "seville/courtyard-house.jpg",
        (800, 600),
        "#fdfefe",
        "#cb4335",
        "#5499c7",
    ),
    (
        "Townhouse No. 12",
        "Copenhagen",
        "copenhagen/townhouse-12.jpg",
        (720, 480),
        "#f5b041",
        "#6c3483",
        "#a9cce3",
    ),
    (
        "Mountain Chalet",
        "Zermatt",
        "zermatt/mountain-chalet.jpg",
        (900, 600),
        "#a04000",
        "#4d5656",
        "#d6eaf8",
    ),
    ("Riverside Mill", "Ghent", "ghent/riverside-mill.jpg", (640, 640), "#ab9b84", "#5d4037", "#90a4ae"),
    ("Terrace House", "Porto", "porto/terrace-house.jpg", (600, 800), "#48c9b0", "#935116", "#85c1e9"),
    (
        "Windmill Cottage",
        "Zaanse Schans",
        "zaanse-schans/windmill-cottage.jpg",
        (800, 500),
        "#27ae60",
        "#1b2631",
        "#aed6f1",
    ),
    ("Stone Barn", "Cotswolds", "cotswolds/stone-barn.jpg", (760, 570), "#d4ac6e", "#6e2c00", "#bcd4e6"),
    (
        "Glass Pavilion",
        "Rotterdam",
        "rotterdam/glass-pavilion.png",
        (960, 540),
        "#d6eaf8",
        "#17202a",
        "#5dade2",
    ),
    ("Pink Villa", "Nice", "nice/pink-villa.jpg", (700, 525), "#f1948a", "#a93226", "#3498db"),
    (
        "Lighthouse Keeper's House",
        "Galway",
        "galway/lighthouse-keepers-house.jpg",
        (820, 615),
        "#fbfcfc",
        "#922b21",
        "#7fb3d5",
    ),
    ("Art Deco Flat", "Brussels", "brussels/art-deco-flat.jpg", (640, 480), "#c39bd3", "#1a5276", "#a9cce3"),
    ("Island Cottage", "Visby", "visby/island-cottage.jpg", (780, 520), "#e74c3c", "#212f3d", "#85c1e9"),
]

HOMES: tuple[DemoHome, ...] = tuple(
    DemoHome(name=name, city=city, key=f"homes/{key}", size=size, wall=wall, roof=roof, sky=sky)
    for name, city, key, size, wall, roof, sky in _CATALOGUE
)
#: The production photo that the demo's local layer shadows from the first start.
SHADOWED = HOMES[0]
SHADOW_BANNER = "LOCAL EDIT - this copy shadows production"


def seed_production(put: Callable[[str, bytes], object]) -> list[str]:
    """Upload every home photo with ``put(key, data)``; return the keys."""
    for home in HOMES:
        put(home.key, render_photo(home))
    return [home.key for home in HOMES]


@transaction.atomic  # All rows or none, and one commit instead of two dozen.
def seed_homes() -> int:
    """Create the rows of the homes not yet in the database; return how many were created."""
    now = timezone.now()
    created = 0
    for position, home in enumerate(HOMES):
        _, was_created = Home.objects.get_or_create(
            name=home.name,
            city=home.city,
            # Spread over the past weeks, like real listings, in a stable order.
            defaults={"photo": home.key, "created": now - timedelta(days=position * 2, hours=position)},
        )
        created += was_created
    return created


def seed_local_shadow(local: Storage) -> bool:
    """Write the local copy of ``SHADOWED`` into the top layer unless it is there; return whether written."""
    if local.exists(SHADOWED.key):
        return False
    saved = local.save(SHADOWED.key, ContentFile(render_photo(SHADOWED, banner=SHADOW_BANNER)))
    if saved != SHADOWED.key:  # A different name would be a new file, not a shadow.
        raise RuntimeError(f"The local layer stored the shadow as {saved!r}, not {SHADOWED.key!r}.")
    return True


def ensure_superuser(username: str, password: str) -> bool:
    """Make sure ``username`` can log in to the admin with ``password``; return whether it was created."""
    user_model: Any = get_user_model()  # A custom user model may lack is_staff in its type.
    user, created = user_model._default_manager.get_or_create(
        **{user_model.USERNAME_FIELD: username},
        defaults={"is_staff": True, "is_superuser": True, "email": f"{username}@example.com"},
    )
    # Keep the printed login true even if someone changed the password in an earlier session.
    if created or not user.check_password(password) or not (user.is_staff and user.is_superuser):
        user.set_password(password)
        user.is_staff = user.is_superuser = user.is_active = True
        user.save()
    return created
