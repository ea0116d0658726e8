"""The choices on the question pages: Wolverhampton's wards and the key dataset's indicators, with their names for
"Check your answers"."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import exists, select

from portal.extensions import db
from portal.indicators.services import list_indicators, ward_areas
from portal.models import Area, Indicator
from portal.proposals.vocabulary import clean_text


def ward_choices() -> list[tuple[str, str]]:
    """Wolverhampton's wards as (code, name), by name (every stored ward when none is filed under the home area)."""
    wards = list(ward_areas())
    if not wards:
        rows = db.session.execute(select(Area.code, Area.name).where(Area.area_type == "ward")).all()
        wards = [(code, name) for code, name in rows]
    return sorted(wards, key=lambda pair: pair[1])


def ward_names(codes: Iterable[str]) -> dict[str, str]:
    """Ward names by code."""
    wanted = [c for c in codes if c]
    if not wanted:
        return {}
    return {code: name for code, name in db.session.execute(select(Area.code, Area.name).where(Area.code.in_(wanted)))}


def indicator_options(
    query: str = "", selected: Iterable[str] = (), limit: int = 20
) -> tuple[list[Indicator], list[Indicator]]:
    """(selected indicators, other indicators matching ``query``) for the optional indicator picker."""
    chosen = set(selected)
    everything = list_indicators()
    picked = [i for i in everything if i.id in chosen]
    words = clean_text(query, single_line=True).lower().split()
    others = [i for i in everything if i.id not in chosen and all(w in f"{i.name} {i.topic}".lower() for w in words)]
    return picked, others[:limit]


def has_indicators() -> bool:
    """Whether the key dataset has any indicators to link to."""
    return bool(db.session.scalar(select(exists().where(Indicator.id.is_not(None)))))


def indicator_names(ids: Iterable[str]) -> dict[str, str]:
    """Indicator names by id."""
    wanted = [i for i in ids if i]
    if not wanted:
        return {}
    rows = db.session.execute(select(Indicator.id, Indicator.name).where(Indicator.id.in_(wanted)))
    return {indicator_id: name for indicator_id, name in rows}
