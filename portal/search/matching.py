"""Matching search words against text columns, ranked: PostgreSQL full text where the database is PostgreSQL, and a
fallback for SQLite (development, tests and small installs).

PostgreSQL stems English words ("smoking" finds "smokers" and "smoke-free") and ranks with ``ts_rank`` over
weighted columns. The SQLite fallback matches each word's light stem at the start of a word (GLOB) and ranks by the
weight of the columns it is found in. Both need every word to match somewhere. Whatever is typed is reduced to plain
word tokens first, so no query syntax reaches either engine.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, ColumnExpressionArgument, Float, and_, case, func, literal, literal_column, or_

from portal.extensions import db

MAX_WORDS = 8
# Words too common to narrow a search (PostgreSQL drops its own list as well).
STOPWORDS = frozenset(
    {
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "by",
        "for",
        "from",
        "has",
        "have",
        "in",
        "into",
        "is",
        "it",
        "its",
        "of",
        "on",
        "or",
        "our",
        "that",
        "the",
        "their",
        "this",
        "to",
        "was",
        "were",
        "what",
        "when",
        "where",
        "which",
        "who",
        "why",
        "will",
        "with",
    }
)
WEIGHTS = {"A": 8, "B": 4, "C": 2, "D": 1}
POSTGRES_CONFIG = "'english'::regconfig"
_SUFFIXES = ("ies", "ing", "ers", "ed", "es", "er", "s")


def search_words(query: str) -> list[str]:
    """The distinct word tokens of a query, lower-cased, without stop words (letters and digits only)."""
    words = [w for w in re.findall(r"[^\W_]+", (query or "").lower()) if w not in STOPWORDS]
    return list(dict.fromkeys(words))[:MAX_WORDS]


def light_stem(word: str) -> str:
    """A word's likely stem, for prefix matching without a stemmer: smoking, smokers, smoked and smoke → smok."""
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            return word[: -len(suffix)]
    if word.endswith("e") and len(word) >= 5:
        return word[:-1]
    return word


@dataclass(frozen=True)
class TextMatch:
    """A WHERE condition (every word matches) and a rank (higher is better) for a select()."""

    condition: ColumnElement[bool]
    rank: ColumnElement[float]


Field = tuple[ColumnExpressionArgument[str | None], str]  # a text column or expression and its weight, "A" to "D"


def text_match(fields: Sequence[Field], words: list[str]) -> TextMatch:
    """Match ``words`` against the weighted ``fields`` with the session database's best method."""
    if not words:
        raise ValueError("there are no words to match")
    if db.session.get_bind().dialect.name == "postgresql":
        return _postgres_match(fields, words)
    return _fallback_match(fields, words)


def _postgres_match(fields: Sequence[Field], words: list[str]) -> TextMatch:
    config: ColumnElement[Any] = literal_column(POSTGRES_CONFIG)
    parts: list[ColumnElement[Any]] = [
        func.setweight(func.to_tsvector(config, func.coalesce(column, "")), literal_column(f"'{weight}'"))
        for column, weight in fields
    ]
    document = parts[0]
    for part in parts[1:]:
        document = document.op("||")(part)
    query = func.to_tsquery(config, " & ".join(f"{word}:*" for word in words))
    return TextMatch(document.op("@@")(query), func.ts_rank(document, query, type_=Float))


def _starts_a_word(column: ColumnExpressionArgument[str | None], stem: str) -> ColumnElement[bool]:
    """SQLite GLOB: ``stem`` at the start of the text or just after any character that is not a letter or digit."""
    text = func.lower(func.coalesce(column, ""))
    return or_(text.op("GLOB")(f"{stem}*"), text.op("GLOB")(f"*[^a-z0-9]{stem}*"))


def _fallback_match(fields: Sequence[Field], words: list[str]) -> TextMatch:
    per_word = []
    rank: ColumnElement[float] = literal(0.0, Float)
    for word in words:
        # Stems hold only letters and digits, so they carry no GLOB wildcards.
        hits = [(_starts_a_word(column, light_stem(word)), WEIGHTS[weight]) for column, weight in fields]
        per_word.append(or_(*(hit for hit, _ in hits)))
        for hit, weight in hits:
            rank = rank + case((hit, literal(float(weight), Float)), else_=literal(0.0, Float))
    return TextMatch(and_(*per_word), rank)
