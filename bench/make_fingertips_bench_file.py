"""Generate a large Fingertips-format CSV for import benchmarks by repeating the real rows of the shipped exports.

Usage: ``python bench/make_fingertips_bench_file.py OUT.csv [--rows 1000000]``

Every row comes from one of the three real exports in data/fingertips/, unchanged except for the period: each
repetition gets a synthetic period label ("S0001 2015") and sortable period so that the duplicate-key check still
passes. The output is a benchmark input only; it is never shipped as data.
"""

import argparse
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
EXPORTS = [
    ROOT / "data/fingertips/fingertips_suicide_west_midlands_countyua.csv",
    ROOT / "data/fingertips/fingertips_cyp_mental_health_west_midlands_countyua.csv",
    ROOT / "data/fingertips/fingertips_campylobacter_93356_countyua_2015-2017.csv",
]
NATIVE_HEADER = [
    "Indicator ID", "Indicator Name", "Parent Code", "Parent Name", "Area Code", "Area Name", "Area Type", "Sex",
    "Age", "Category Type", "Category", "Time period", "Value", "Lower CI 95.0 limit", "Upper CI 95.0 limit",
    "Lower CI 99.8 limit", "Upper CI 99.8 limit", "Count", "Denominator", "Value note", "Recent Trend",
    "Compared to England value or percentiles", "Compared to Region value or percentiles", "Time period Sortable",
    "New data", "Compared to goal",
]  # fmt: skip


def real_rows() -> pd.DataFrame:
    """All rows of the three exports as text, under the native 26-column header."""
    frames = []
    for path in EXPORTS:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, na_filter=False)
        # The underscore exports have the same 26 columns in the same order, so positional renaming is exact.
        frame.columns = NATIVE_HEADER
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


def build(rows: int) -> pd.DataFrame:
    """Repeat the real rows with distinct synthetic periods until there are `rows` rows."""
    base = real_rows()
    repeats = -(-rows // len(base))
    frames = []
    for k in range(repeats):
        copy = base.copy()
        copy["Time period"] = f"S{k:04d} " + copy["Time period"]
        # Sortable periods are yyyy0000; adding k keeps them integers and distinct per repetition.
        copy["Time period Sortable"] = (copy["Time period Sortable"].astype(int) + k).astype(str)
        frames.append(copy)
    return pd.concat(frames, ignore_index=True).iloc[:rows]


def main() -> None:
    """Parse arguments and write the file with CRLF line endings, like a real Fingertips download."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args()
    frame = build(args.rows)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(args.out, index=False, lineterminator="\r\n")
    print(f"Wrote {len(frame):,} rows to {args.out}")


if __name__ == "__main__":
    main()
