"""``flask --app wsgi small-areas load|segment``: load the small-area files and (re-)segment the neighbourhoods."""

from __future__ import annotations

import click

from portal.segments import bp
from portal.small_areas.loading import load_small_areas
from portal.small_areas.segmenting import run_segmentation
from portal.stats.segmentation import DEFAULT_SEED, DEFAULT_STABILITY_SEEDS, DEFAULT_STARTS


@bp.cli.command("load")
@click.option("--force", is_flag=True, help="Reload even when the files have not changed.")
def load_command(force: bool) -> None:
    """Load the LSOA → ward lookup and the LSOA census, deprivation and house price facts."""
    load, changed = load_small_areas(force=force)
    coverage = load.coverage
    click.echo(
        f"{'Loaded' if changed else 'Unchanged'}: load {load.id}, {coverage.get('lsoas_2021')} LSOAs (2021) and "
        f"{coverage.get('lsoas_2011')} (2011) in {coverage.get('wards_2021')} wards; checksum {load.checksum[:12]}"
    )


@bp.cli.command("segment")
@click.option("--seed", default=DEFAULT_SEED, show_default=True, help="Random seed for k-means.")
@click.option("--starts", default=DEFAULT_STARTS, show_default=True, help="k-means starts per run.")
@click.option("--stability-seeds", default=DEFAULT_STABILITY_SEEDS, show_default=True, help="Seeds compared.")
@click.option("--force", is_flag=True, help="Add a new run even when the data and settings are unchanged.")
def segment_command(seed: int, starts: int, stability_seeds: int, force: bool) -> None:
    """Segment the neighbourhoods into a new run; earlier runs are kept as history."""
    run, added = run_segmentation(seed=seed, starts=starts, stability_seeds=stability_seeds, force=force)
    if run is None:
        raise click.ClickException("No small-area data is loaded: run `flask small-areas load` first.")
    chosen = next(c for c in run.candidates if c["k"] == run.k)
    click.echo(
        f"{'New' if added else 'Unchanged'} run {run.id}: {run.k} segments (silhouette {chosen['silhouette']:.3f}, "
        f"mean adjusted Rand index across {run.stability_seeds} seeds {chosen['mean_ari']:.3f})"
    )
    for group in run.segments:
        click.echo(f"  {group.number}. {group.description} ({group.lsoa_count} LSOAs, {group.population:,.0f} people)")
