"""Benchmark compute_results on a realistic worst case: 200 proposals × 15 members × 8 criteria, 1,000 draws.

Run with ``python bench/bench_prioritisation.py``; exits non-zero when the median misses the 200 ms goal.
"""

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

# Run as a plain script from any directory, so the repository root must be importable.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from portal.stats.prioritisation import compute_results

GOAL_SECONDS = 0.200
MEMBERS, PROPOSALS, CRITERIA = 15, 200, 8


def make_scores(seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Return seeded integer 1–5 scores with a few declared conflicts, and integer weights."""
    rng = np.random.default_rng(seed)
    scores = rng.integers(1, 6, size=(MEMBERS, PROPOSALS, CRITERIA)).astype(float)
    # About 2% of member/proposal pairs are declared conflicts, as in a real round.
    scores[rng.random((MEMBERS, PROPOSALS)) < 0.02] = np.nan
    weights = rng.integers(1, 6, size=CRITERIA).astype(float)
    return scores, weights


def main() -> int:
    """Time compute_results and print the median, the minimum and PASS or FAIL against the goal."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--draws", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=2024)
    args = parser.parse_args()

    scores, weights = make_scores(args.seed)
    # The first call pays for lazy imports inside scipy; a page render after start-up would not.
    compute_results(scores, weights, draws=args.draws, seed=args.seed)
    timings = []
    for _ in range(args.repeats):
        start = time.perf_counter()
        compute_results(scores, weights, draws=args.draws, seed=args.seed)
        timings.append(time.perf_counter() - start)

    median = statistics.median(timings)
    verdict = "PASS" if median <= GOAL_SECONDS else "FAIL"
    print(
        f"compute_results {PROPOSALS} proposals × {MEMBERS} members × {CRITERIA} criteria, {args.draws} draws, "
        f"{args.repeats} repeats: median {median * 1000:.1f} ms, min {min(timings) * 1000:.1f} ms "
        f"(goal ≤ {GOAL_SECONDS * 1000:.0f} ms) {verdict}"
    )
    return 0 if verdict == "PASS" else 1


if __name__ == "__main__":
    sys.exit(main())
