"""Segmentation runs: segment the loaded LSOAs, store the result as a new run (history is kept), read runs back."""

from __future__ import annotations

from sqlalchemy import select

from portal.extensions import db
from portal.models import Segment, SegmentationRun, SegmentMember
from portal.small_areas.loading import current_frames
from portal.stats.segmentation import (
    DEFAULT_SEED,
    DEFAULT_STABILITY_SEEDS,
    DEFAULT_STARTS,
    FEATURES,
    features_for_lookup,
    segment,
)


def latest_run() -> SegmentationRun | None:
    """The current segmentation: the latest run, or None before the first."""
    return db.session.scalar(select(SegmentationRun).order_by(SegmentationRun.id.desc()).limit(1))


def list_runs() -> list[SegmentationRun]:
    """Every run, newest first."""
    return list(db.session.scalars(select(SegmentationRun).order_by(SegmentationRun.id.desc())))


def get_segment(segment_id: int) -> Segment | None:
    """A segment of any run (old runs stay readable)."""
    return db.session.get(Segment, segment_id)


def run_segmentation(
    *,
    seed: int = DEFAULT_SEED,
    starts: int = DEFAULT_STARTS,
    stability_seeds: int = DEFAULT_STABILITY_SEEDS,
    force: bool = False,
) -> tuple[SegmentationRun | None, bool]:
    """Segment the loaded LSOAs and store a new run. When the latest run already used the same data and settings
    nothing is done unless ``force``. Returns (the current run, whether a run was added); (None, False) when no
    small-area data is loaded."""
    frames = current_frames()
    if frames is None:
        return None, False
    latest = latest_run()
    same = latest is not None and (latest.data_checksum, latest.seed, latest.starts, latest.stability_seeds) == (
        frames.checksum,
        seed,
        starts,
        stability_seeds,
    )
    if same and not force:
        return latest, False
    lsoas_in_england = int(frames.england["lsoas_in_england"] or 0)
    features, wards = features_for_lookup(frames.lookup, frames.lsoa2021, frames.lsoa2011, lsoas_in_england)
    result = segment(features, seed=seed, starts=starts, stability_seeds=stability_seeds, groups=wards)
    people = frames.lsoa2021["total"]
    run = SegmentationRun(
        data_checksum=frames.checksum,
        lad_code=frames.lad_code,
        seed=seed,
        starts=starts,
        stability_seeds=stability_seeds,
        k=result.k,
        candidates=[
            {"k": c.k, "silhouette": c.silhouette, "mean_ari": c.mean_ari, "min_ari": c.min_ari}
            for c in result.candidates
        ],
        features=[
            {
                "key": f.key,
                "label": f.label,
                "theme": f.theme,
                "unit": f.unit,
                "weight": result.weights[f.key],
                "city_mean": result.city_mean[f.key],
            }
            for f in FEATURES
        ],
        filled=result.filled,
        lsoa_count=len(result.labels),
        population=float(people.reindex(result.labels.index).sum()),
    )
    try:
        db.session.add(run)
        for profile in result.segments:
            group = Segment(
                number=profile.number,
                description=profile.description,
                lsoa_count=len(profile.codes),
                population=float(people.reindex(profile.codes).sum()),
                profile={key: {"mean": profile.mean[key], "z": profile.z[key]} for key in profile.mean},
            )
            run.segments.append(group)
            group.members.extend(
                SegmentMember(
                    lsoa_code=code,
                    distance=float(result.distance[code]),
                    silhouette=float(result.silhouette[code]),
                    run=run,
                )
                for code in profile.codes
            )
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return run, True


def seed() -> str:
    """``flask seed`` step: load the shipped small-area files and segment them, each only when something changed."""
    from portal.small_areas.loading import load_small_areas

    load, loaded = load_small_areas()
    run, segmented = run_segmentation()
    state = "updated" if loaded or segmented else "unchanged"
    lookup = load.coverage
    segments = f"segmentation run {run.id}: {run.k} segments" if run is not None else "no segmentation"
    return (
        f"{state}: {lookup.get('lsoas_2021', 0)} LSOAs (2021) and {lookup.get('lsoas_2011', 0)} (2011) in "
        f"{lookup.get('wards_2021', 0)} wards; {segments}"
    )
