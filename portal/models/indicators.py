"""The key dataset: areas, comparator groups, indicators, their values, and versioned imports."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.models.base import Model, UTCDateTime, utcnow

# Area types, from the widest to the smallest (the importers' AREA_TYPE_ORDER; a test keeps the two in step). Fingertips
# publishes data for every one of them; "other" keeps an area of a type not listed.
AREA_TYPES = (
    "country", "nhs_region", "region", "phe_centre", "combined_auth", "icb", "stp", "county_ua", "district",
    "ccg", "sub_icb", "pcn", "msoa", "ward", "gp", "lsoa", "ons_group", "other",
)  # fmt: skip


class Area(Model):
    """A geography: England, a region, a local authority, an NHS area (ICB, sub-ICB, PCN, GP practice), a ward, an
    MSOA or LSOA, or any other area a publisher gives data for."""

    __tablename__ = "areas"

    code: Mapped[str] = mapped_column(String(16), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    area_type: Mapped[str] = mapped_column(String(16), index=True)  # one of AREA_TYPES
    # The publisher's own name for the type, as written (e.g. "County & UA (4/21-3/23)", "GPs"); "" when not given.
    area_type_label: Mapped[str] = mapped_column(String(120), default="", server_default="")
    parent_code: Mapped[str | None] = mapped_column(ForeignKey("areas.code"), nullable=True, index=True)
    # Boundary rings as [[[lon, lat], ...], ...] for wards and LSOAs (drawn with Bokeh patches, no tiles).
    boundary: Mapped[list | None] = mapped_column(JSON, nullable=True)

    parent: Mapped[Area | None] = relationship(remote_side=[code])


class ComparatorGroup(Model):
    """A named set of areas the home area is compared with (such as its statistical neighbours)."""

    __tablename__ = "comparator_groups"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    source: Mapped[str] = mapped_column(Text, default="")

    members: Mapped[list[ComparatorGroupMember]] = relationship(
        back_populates="group", cascade="all, delete-orphan", order_by="ComparatorGroupMember.position"
    )


class ComparatorGroupMember(Model):
    """One area in a comparator group, in the group's order (closest neighbour first)."""

    __tablename__ = "comparator_group_members"
    __table_args__ = (UniqueConstraint("group_id", "area_code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("comparator_groups.id", ondelete="CASCADE"))
    area_code: Mapped[str] = mapped_column(ForeignKey("areas.code"))
    position: Mapped[int] = mapped_column(Integer, default=0)

    group: Mapped[ComparatorGroup] = relationship(back_populates="members")
    area: Mapped[Area] = relationship()


class DataImport(Model):
    """One import of one source file: who, when, which file, its checksum and row count."""

    __tablename__ = "data_imports"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source_key: Mapped[str] = mapped_column(String(120), index=True)  # re-importing a source replaces its rows
    format: Mapped[str] = mapped_column(String(32))
    file_name: Mapped[str] = mapped_column(String(255))
    checksum_sha256: Mapped[str] = mapped_column(String(64))
    row_count: Mapped[int] = mapped_column(Integer, default=0)
    # pending, reading, loading (in progress); complete, failed; replaced (by a later import of the same source).
    status: Mapped[str] = mapped_column(String(16), default="pending")
    progress_done: Mapped[int] = mapped_column(Integer, default=0)
    progress_total: Mapped[int] = mapped_column(Integer, default=0)
    # {"total": n, "groups": [{"kind", "count", "problems": [{"row", "column", "message"}, …]}]} (a plain list of
    # problems in imports recorded before problems were grouped by kind).
    error_report: Mapped[dict | list | None] = mapped_column(JSON, nullable=True)
    imported_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), nullable=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class Indicator(Model):
    """A health or social care indicator and its metadata."""

    __tablename__ = "indicators"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # Fingertips ids as strings, others as slugs
    name: Mapped[str] = mapped_column(String(400))
    definition: Mapped[str] = mapped_column(Text, default="")
    unit: Mapped[str] = mapped_column(String(64), default="")
    value_type: Mapped[str] = mapped_column(String(32), default="proportion")
    multiplier: Mapped[float] = mapped_column(Float, default=1.0)
    polarity: Mapped[str] = mapped_column(String(16), default="no_judgement")
    topic: Mapped[str] = mapped_column(String(32), default="health", index=True)
    source: Mapped[str] = mapped_column(Text, default="")
    publisher: Mapped[str] = mapped_column(String(200), default="")
    licence: Mapped[str] = mapped_column(String(200), default="")
    comparison_confidence: Mapped[float] = mapped_column(Float, default=0.95)
    # "draft" for an indicator first loaded from a file the portal had no metadata for: only analysts see it (as a
    # preview) until one confirms its metadata and publishes it; "published" otherwise.
    status: Mapped[str] = mapped_column(String(16), default="published", server_default="published", index=True)
    # How the importer inferred a draft's value type, unit and polarity, for the analyst who reviews it.
    inferred_note: Mapped[str] = mapped_column(Text, default="", server_default="")
    data_import_id: Mapped[int | None] = mapped_column(
        ForeignKey("data_imports.id", ondelete="SET NULL"), nullable=True
    )


class IndicatorSummaryRecord(Model):
    """An indicator's summary for one area and breakdown (latest value, comparisons, trend, verdict), worked out when
    its data or metadata change, in the same transaction, so pages read it instead of computing it (issue 17)."""

    __tablename__ = "indicator_summaries"
    __table_args__ = (
        UniqueConstraint("indicator_id", "area_code", "breakdown"),
        Index("ix_indicator_summaries_lookup", "area_code", "breakdown", "topic", "compared_to_england"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    indicator_id: Mapped[str] = mapped_column(ForeignKey("indicators.id", ondelete="CASCADE"))
    area_code: Mapped[str] = mapped_column(ForeignKey("areas.code", ondelete="CASCADE"))
    # "" for the headline sex and age (the only one stored so far); room for "sex|age" selections.
    breakdown: Mapped[str] = mapped_column(String(100), default="")
    topic: Mapped[str] = mapped_column(String(32))
    compared_to_england: Mapped[str] = mapped_column(String(32))
    # portal.indicators.stored_summaries' JSON form of an IndicatorSummary.
    summary: Mapped[dict] = mapped_column(JSON)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class IndicatorValue(Model):
    """One value of an indicator for one area, period and breakdown.

    On PostgreSQL the table is list-partitioned by ``source_key`` (migration 0027): each source's rows are one
    partition, which an import replaces whole (``portal.indicators.partition_swap``). PostgreSQL requires the
    partition key in every unique key, so the key below ends with ``source_key``; that one key belongs to one source
    only is checked by the loader, which holds the import lock (SQLite's write lock, a PostgreSQL advisory lock)."""

    __tablename__ = "indicator_values"
    __table_args__ = (
        UniqueConstraint(
            "indicator_id", "area_code", "period", "sex", "age", "category_type", "category", "source_key"
        ),
        Index("ix_indicator_values_area_indicator", "area_code", "indicator_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    indicator_id: Mapped[str] = mapped_column(ForeignKey("indicators.id", ondelete="CASCADE"))
    area_code: Mapped[str] = mapped_column(ForeignKey("areas.code"))
    # Text lengths fit the published data (the importers' TEXT_LIMITS; a test keeps the two in step), e.g. ONS
    # period labels such as "Year ending September 2019 (provisional)".
    period: Mapped[str] = mapped_column(String(64))
    period_sortable: Mapped[int] = mapped_column(Integer)
    sex: Mapped[str] = mapped_column(String(32), default="Persons")
    age: Mapped[str] = mapped_column(String(64), default="All ages")
    category_type: Mapped[str] = mapped_column(String(255), default="")
    category: Mapped[str] = mapped_column(String(255), default="")
    value: Mapped[float | None] = mapped_column(Float, nullable=True)
    lower_ci95: Mapped[float | None] = mapped_column(Float, nullable=True)
    upper_ci95: Mapped[float | None] = mapped_column(Float, nullable=True)
    lower_ci998: Mapped[float | None] = mapped_column(Float, nullable=True)
    upper_ci998: Mapped[float | None] = mapped_column(Float, nullable=True)
    count: Mapped[float | None] = mapped_column(Float, nullable=True)
    denominator: Mapped[float | None] = mapped_column(Float, nullable=True)
    value_note: Mapped[str] = mapped_column(Text, default="")
    suppressed: Mapped[bool] = mapped_column(Boolean, default=False)
    derived: Mapped[bool] = mapped_column(Boolean, default=False)
    source_compared_to_england: Mapped[str] = mapped_column(String(64), default="")
    source_compared_to_region: Mapped[str] = mapped_column(String(64), default="")
    source_recent_trend: Mapped[str] = mapped_column(String(120), default="")
    data_import_id: Mapped[int | None] = mapped_column(
        ForeignKey("data_imports.id", ondelete="SET NULL"), nullable=True, index=True
    )
    # The DataImport.source_key of the import that loaded the row ("" for rows not loaded from a file): re-importing a
    # source replaces exactly these rows. The partition key on PostgreSQL.
    source_key: Mapped[str] = mapped_column(String(120), default="", server_default="")

    indicator: Mapped[Indicator] = relationship()
    area: Mapped[Area] = relationship()
