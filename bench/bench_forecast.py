"""Backtest the indicator projections on every series in data/ with at least 8 values (issue 16).

The interval calibration is rebuilt from all but the last 3 values of every series; each series' last 3 values are
then projected from the values before them. The script prints the coverage of the stated 80% and 95% intervals and
the mean absolute error against a naive (repeat the latest value) forecast, by horizon and by kind of series, and
checks the goals: 80% intervals cover 76–84% and 95% intervals 92–98%, overall and at each horizon 1–3.

It also checks that portal/stats/forecast_calibration_table.py (the pools the portal uses, built from every value)
is what the shipped data give; ``--write`` rewrites it. Exit code 0 when every goal passes and the table is current.

    .venv/bin/python bench/bench_forecast.py [--write] [--earlier]
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from portal.importers import FORMATS, detect_format, load_indicator_metadata  # noqa: E402
from portal.stats.forecast import CalibrationPool, period_span, shipped_pools  # noqa: E402
from portal.stats.forecast_calibration import (  # noqa: E402
    HOLDOUT,
    MIN_TESTED_POINTS,
    Backtest,
    BacktestSeries,
    HeldOutPoint,
    backtest,
    coverage,
    mae_ratio,
)
from portal.stats.forecast_calibration import shipped_pools as pools_to_ship  # noqa: E402

DATA = ROOT / "data"
TABLE = ROOT / "portal" / "stats" / "forecast_calibration_table.py"
SERIES_KEY = ["indicator_id", "area_code", "sex", "age", "category_type", "category"]
GOALS = {"80%": (0.76, 0.84), "95%": (0.92, 0.98)}


def load_series(min_points: int = 3) -> list[BacktestSeries]:
    """Every series (indicator × area × sex × age × category) in the shipped data files, oldest value first."""
    values, indicators = [], []
    for path in sorted(DATA.rglob("*")):
        if path.suffix not in {".csv", ".xlsx"} or path.name == "indicator_metadata.csv":
            continue
        name = detect_format(path)
        if name is None:
            continue  # lookups, not values
        result = FORMATS[name](path)
        values.append(result.values)
        indicators.append(result.indicators)
    frame = pd.concat(values, ignore_index=True)
    frame = frame[frame["value"].notna() & ~frame["suppressed"]]
    frame = frame[frame.groupby(SERIES_KEY)["value"].transform("size") >= min_points]
    # The portal's indicator metadata (what the seeded database holds) first, then what the reader said.
    types = pd.concat(indicators).drop_duplicates("indicator_id").set_index("indicator_id")["value_type"].to_dict()
    metadata = load_indicator_metadata()
    if metadata is not None:
        types |= {k: v for k, v in metadata.set_index("indicator_id")["value_type"].to_dict().items() if v}
    series = []
    for key, rows in frame.sort_values(["period_sortable", "period"]).groupby(SERIES_KEY, sort=True):
        if rows["period_sortable"].duplicated().any():
            continue
        t = (rows["period_sortable"].to_numpy() // 10000).astype(float)
        if np.any(np.diff(t) <= 0):
            continue
        series.append(
            BacktestSeries(
                name=" ".join(str(k) for k in key if k),
                t=t,
                y=rows["value"].to_numpy(dtype=float),
                value_type=str(types.get(key[0], "")),
                span=float(period_span(str(rows["period"].iloc[-1]))),
            )
        )
    return series


def _pct(share: float) -> str:
    return "  n/a" if math.isnan(share) else f"{100 * share:5.1f}"


def _table(title: str, groups: dict[str, list[HeldOutPoint]]) -> None:
    print(f"\n{title}")
    print(
        f"{'':34} {'points':>7} {'80% h1':>7} {'h2':>6} {'h3':>6} {'all':>6}  {'95% h1':>7} {'h2':>6} {'h3':>6} "
        f"{'all':>6}  {'MAE/naive h1':>12} {'h2':>6} {'h3':>6} {'all':>6}"
    )
    for name, points in groups.items():
        by_h = [[p for p in points if p.horizon == h] for h in (1, 2, 3)]
        c80 = [coverage(b)[0] for b in by_h] + [coverage(points)[0]]
        c95 = [coverage(b)[1] for b in by_h] + [coverage(points)[1]]
        ratios = [mae_ratio(b) for b in by_h] + [mae_ratio(points)]
        print(
            f"{name:34} {len(points):7,} {_pct(c80[0]):>7} {_pct(c80[1]):>6} {_pct(c80[2]):>6} {_pct(c80[3]):>6}  "
            f"{_pct(c95[0]):>7} {_pct(c95[1]):>6} {_pct(c95[2]):>6} {_pct(c95[3]):>6}  "
            + " ".join(f"{r:{12 if i == 0 else 6}.3f}" for i, r in enumerate(ratios))
        )


def _grouped(points: Sequence[HeldOutPoint], key: Callable[[HeldOutPoint], str]) -> dict[str, list[HeldOutPoint]]:
    groups: dict[str, list[HeldOutPoint]] = defaultdict(list)
    for point in points:
        groups[key(point)].append(point)
    return dict(sorted(groups.items()))


def report(test: Backtest, series_count: int) -> bool:
    """Print the tables; True when every coverage goal passes."""
    points = test.points["kind"]
    tested = len({p.series for p in points})
    print(
        f"{series_count:,} series in data/ with at least {MIN_TESTED_POINTS} values; {tested:,} tested on their last "
        f"{HOLDOUT} values ({len(points):,} points), calibrated on the values before them only."
    )
    _table(
        "Coverage (%) of the stated intervals and MAE against naive, each series with its own kind's pool",
        {"every series": points, **_grouped(points, lambda p: p.kind)},
    )
    wider = {}
    for level in ("periods", "all"):
        for pool, pool_points in _grouped(test.points[level], lambda p: p.pool).items():
            wider[f"pool: {pool}"] = pool_points
    _table("The same test with the wider pools (used for kinds of series not in the shipped data)", wider)
    models = Counter(p.model for p in points if p.horizon == 1)
    print("\nModel chosen by rolling-origin cross-validation:", ", ".join(f"{m} {n:,}" for m, n in models.items()))
    print("Pools (built without the held-out values):")
    for pool in test.pools.values():
        print(
            f"  {pool.name:24} gamma {pool.gamma:.2f}  q80 {pool.q80:.2f}  q95 {pool.q95:.2f}  "
            f"{pool.scores:,} scores from {pool.series:,} series"
        )
    ok = True
    print("\nGoals (every series, own kind's pool):")
    for label, index in (("80%", 0), ("95%", 1)):
        low, high = GOALS[label]
        for h in (None, 1, 2, 3):
            chosen = [p for p in points if h is None or p.horizon == h]
            share = coverage(chosen)[index]
            passed = low <= share <= high
            ok &= passed
            where = "all horizons" if h is None else f"horizon {h}"
            print(
                f"  {label} intervals, {where:12}: {_pct(share)}% (goal {100 * low:.0f}–{100 * high:.0f}%) "
                f"{'PASS' if passed else 'FAIL'}"
            )
    return ok


def write_table(pools: dict[str, CalibrationPool]) -> None:
    """Write the pools as a Python module (no package data needed)."""
    lines = [
        '"""Forecast interval calibration built by bench/bench_forecast.py --write from data/: do not edit by hand."""',
        "",
        "from typing import Any",
        "",
        "POOLS: dict[str, dict[str, Any]] = {",
    ]
    for name, pool in pools.items():
        lines.append(f"    {name!r}: {{".replace("'", '"'))
        for key, value in pool.__dict__.items():
            if key == "name":
                continue
            shown = f'"{value}"' if isinstance(value, str) else repr(value)
            lines.append(f'        "{key}": {shown},')
        lines.append("    },")
    lines.append("}")
    TABLE.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _same(a: dict[str, CalibrationPool], b: dict[str, CalibrationPool]) -> bool:
    if a.keys() != b.keys():
        return False
    for name in a:
        for key, value in a[name].__dict__.items():
            other = b[name].__dict__[key]
            if isinstance(value, float) and isinstance(other, float):
                if not math.isclose(value, other, rel_tol=1e-9, abs_tol=1e-12):
                    return False
            elif value != other:
                return False
    return True


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="rewrite portal/stats/forecast_calibration_table.py")
    parser.add_argument("--earlier", action="store_true", help="also test at the two origins before the last")
    args = parser.parse_args()
    started = time.perf_counter()
    series = load_series()
    tested = [s for s in series if s.y.size >= MIN_TESTED_POINTS]
    test = backtest(tested)
    ok = report(test, len(tested))
    pools = pools_to_ship(tested, test)
    if args.write:
        write_table(pools)
        print(f"\nWrote {TABLE.relative_to(ROOT)}")
    else:
        current = _same(shipped_pools(), pools)
        ok &= current
        print(f"\nShipped calibration table {'is up to date' if current else 'is OUT OF DATE: run with --write'}")
    if args.earlier:
        for cut in (1, 2):
            shorter = [BacktestSeries(s.name, s.t[:-cut], s.y[:-cut], s.value_type, s.span) for s in tested]
            earlier = backtest([s for s in shorter if s.y.size >= MIN_TESTED_POINTS])
            print(
                f"\nFor information: the same test {cut} period(s) earlier (not a goal; shocks common to every area, "
                "such as 2020, move coverage from one origin to the next)"
            )
            pts = earlier.points["kind"]
            _table("", {"every series": pts, **_grouped(pts, lambda p: p.kind)})
    print(f"\n{'PASS' if ok else 'FAIL'} in {time.perf_counter() - started:.0f} s")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
