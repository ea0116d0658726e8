"""Text helpers every feature needs: URL slugs."""

from __future__ import annotations

import re
import unicodedata

DEFAULT_SLUG_LENGTH = 100


def slugify(text: str, *, fallback: str = "item", max_length: int = DEFAULT_SLUG_LENGTH) -> str:
    """A readable URL part: ``Food insecurity: families`` → ``food-insecurity-families`` (ASCII, at most max_length)."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:max_length].rstrip("-") or fallback
