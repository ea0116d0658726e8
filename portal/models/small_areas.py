"""Small areas: the LSOA → ward lookup, LSOA and comparator facts, and population segmentation runs (kept as
history: re-running adds a run, and the latest is the current one)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Float, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.models.base import Model, UTCDateTime, utcnow

# Levels of SmallAreaFact rows.
FACT_LEVELS = ("lsoa2021", "lsoa2011", "city", "england")


class SmallAreaLoad(Model):
    """One load of the small-area files: their checksums and the lookup's coverage."""

    __tablename__ = "small_area_loads"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    checksum: Mapped[str] = mapped_column(String(64), index=True)
    lad_code: Mapped[str] = mapped_column(String(16))
    files: Mapped[dict] = mapped_column(JSON)  # path under data/ → sha256
    coverage: Mapped[dict] = mapped_column(JSON)
    loaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class LsoaWard(Model):
    """One LSOA's best-fit ward (see data/PROVENANCE.md for the method)."""

    __tablename__ = "lsoa_ward_lookup"
    __table_args__ = (UniqueConstraint("vintage", "lsoa_code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    vintage: Mapped[int] = mapped_column(Integer)  # 2011 or 2021 LSOA codes
    lsoa_code: Mapped[str] = mapped_column(String(16))
    lsoa_name: Mapped[str] = mapped_column(String(200))
    ward_code: Mapped[str] = mapped_column(String(16), index=True)
    ward_name: Mapped[str] = mapped_column(String(200))
    method: Mapped[str] = mapped_column(String(32))
    overlap_share: Mapped[float] = mapped_column(Float)
    parent_lsoa11_code: Mapped[str] = mapped_column(String(16), default="")
    ons_ward_code: Mapped[str] = mapped_column(String(16), default="")


class SmallAreaFact(Model):
    """One number about an LSOA, the city or England: a census count, an IMD decile or rank, a house price, or a
    comparator's total."""

    __tablename__ = "small_area_facts"
    __table_args__ = (
        UniqueConstraint("level", "area_code", "measure"),
        Index("ix_small_area_facts_level", "level"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    level: Mapped[str] = mapped_column(String(16))  # one of FACT_LEVELS
    area_code: Mapped[str] = mapped_column(String(16))
    measure: Mapped[str] = mapped_column(String(64))
    value: Mapped[float | None] = mapped_column(Float, nullable=True)  # None: suppressed at source


class SegmentationRun(Model):
    """One segmentation of the home area's LSOAs, with how it was made and how it scored."""

    __tablename__ = "segmentation_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    data_checksum: Mapped[str] = mapped_column(String(64), index=True)
    lad_code: Mapped[str] = mapped_column(String(16))
    seed: Mapped[int] = mapped_column(Integer)
    starts: Mapped[int] = mapped_column(Integer)
    stability_seeds: Mapped[int] = mapped_column(Integer)
    k: Mapped[int] = mapped_column(Integer)
    candidates: Mapped[list] = mapped_column(JSON)  # [{k, silhouette, mean_ari, min_ari}]
    features: Mapped[list] = mapped_column(JSON)  # [{key, label, theme, unit, weight, city_mean}]
    filled: Mapped[list] = mapped_column(JSON)  # LSOA codes with a value filled from their ward
    lsoa_count: Mapped[int] = mapped_column(Integer)
    population: Mapped[float] = mapped_column(Float)

    segments: Mapped[list[Segment]] = relationship(
        back_populates="run", cascade="all, delete-orphan", order_by="Segment.number"
    )


class Segment(Model):
    """One neighbourhood type of a run."""

    __tablename__ = "segments"
    __table_args__ = (UniqueConstraint("run_id", "number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("segmentation_runs.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    description: Mapped[str] = mapped_column(String(400))
    lsoa_count: Mapped[int] = mapped_column(Integer)
    population: Mapped[float] = mapped_column(Float)
    profile: Mapped[dict] = mapped_column(JSON)  # feature key → {"mean": segment mean, "z": mean z-score}

    run: Mapped[SegmentationRun] = relationship(back_populates="segments")
    members: Mapped[list[SegmentMember]] = relationship(
        back_populates="segment", cascade="all, delete-orphan", order_by="SegmentMember.distance"
    )


class SegmentMember(Model):
    """One LSOA's segment in a run, and how typical of it the LSOA is."""

    __tablename__ = "segment_members"
    __table_args__ = (UniqueConstraint("run_id", "lsoa_code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("segmentation_runs.id", ondelete="CASCADE"), index=True)
    segment_id: Mapped[int] = mapped_column(ForeignKey("segments.id", ondelete="CASCADE"), index=True)
    lsoa_code: Mapped[str] = mapped_column(String(16))
    distance: Mapped[float] = mapped_column(Float)  # to the segment's centre: smaller is more typical
    silhouette: Mapped[float] = mapped_column(Float)

    segment: Mapped[Segment] = relationship(back_populates="members")
    run: Mapped[SegmentationRun] = relationship()
