"""Text helpers every feature needs: URL slugs, and the first free one among those taken."""

from __future__ import annotations

import re
import unicodedata

DEFAULT_SLUG_LENGTH = 100


def slugify(text: str, *, fallback: str = "item", max_length: int = DEFAULT_SLUG_LENGTH) -> str:
    """A readable URL part: ``Food insecurity: families`` → ``food-insecurity-families`` (ASCII, at most max_length)."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:max_length].rstrip("-") or fallback


def first_free_slug(base: str, taken: set[str]) -> str:
    """``base`` when it is free, else the first free ``base-N`` (from 2). ``taken`` holds the slugs already in use
    that equal ``base`` or start with ``base-``."""
    if base not in taken:
        return base
    number = 2
    while f"{base}-{number}" in taken:
        number += 1
    return f"{base}-{number}"
