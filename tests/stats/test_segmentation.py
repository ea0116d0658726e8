"""Segmentation: reproducible with a fixed seed, k chosen by silhouette, stability reported, words from numbers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import adjusted_rand_score, silhouette_score

from portal.importers.small_areas import read_home_small_areas
from portal.stats.segmentation import (
    FEATURE_BY_KEY,
    FEATURE_KEYS,
    FEATURES,
    STANDS_OUT,
    deprivation_percentile,
    describe,
    describe_segments,
    features_for_lookup,
    fill_missing,
    segment,
    standardise,
    typical_members,
)
from tests.importers import WOLVERHAMPTON

QUICK = {"stability_seeds": 3, "starts": 4}


@pytest.fixture(scope="module")
def home_features() -> tuple[pd.DataFrame, pd.Series]:
    data = read_home_small_areas(WOLVERHAMPTON)
    return features_for_lookup(data.lookup, data.lsoa2021, data.lsoa2011, data.lsoas_in_england)


@pytest.fixture(scope="module")
def result(home_features):
    features, wards = home_features
    return segment(features, groups=wards, **QUICK)


def _blobs(sizes: list[int], seed: int = 0) -> pd.DataFrame:
    """Areas in well-separated groups: each group shifts every feature by a different amount."""
    rng = np.random.default_rng(seed)
    rows, codes = [], []
    for group, size in enumerate(sizes):
        centre = np.array([(group * 7 + i * 3) % 11 for i in range(len(FEATURES))], dtype=float) * 10 + 100
        rows.append(centre + rng.normal(scale=1.0, size=(size, len(FEATURES))))
        codes += [f"L{group}{n:03d}" for n in range(size)]
    return pd.DataFrame(np.vstack(rows), index=codes, columns=FEATURE_KEYS)


def test_features_cover_every_lsoa_with_the_expected_ranges(home_features) -> None:
    features, wards = home_features
    assert len(features) == 161 and set(wards.index) == set(features.index)
    assert features.drop(columns="house_price").notna().all().all()
    assert features["house_price"].isna().sum() == 6  # ONS suppressed these medians
    shares = features[[k for k in FEATURE_KEYS if FEATURE_BY_KEY[k].unit in {"%", "percentile"}]]
    assert ((shares >= 0) & (shares <= 100)).all().all()
    assert deprivation_percentile(pd.Series([1.0]), 32844).iloc[0] == 100


def test_missing_values_take_the_ward_median() -> None:
    frame = pd.DataFrame({"house_price": [100.0, 300.0, None, 1000.0]}, index=["a", "b", "c", "d"])
    filled, codes = fill_missing(frame, pd.Series({"a": "W1", "b": "W1", "c": "W1", "d": "W2"}))
    assert filled.loc["c", "house_price"] == 200.0
    assert codes == ["c"]


def test_reproducible_with_a_fixed_seed(home_features, result) -> None:
    features, wards = home_features
    again = segment(features, groups=wards, **QUICK)
    pd.testing.assert_series_equal(result.labels, again.labels)
    assert result.candidates == again.candidates
    assert [s.description for s in result.segments] == [s.description for s in again.segments]
    # Row order does not matter either.
    shuffled = segment(features.sample(frac=1, random_state=3), groups=wards, **QUICK)
    pd.testing.assert_series_equal(result.labels, shuffled.labels)


def test_k_is_the_candidate_with_the_highest_silhouette(home_features, result) -> None:
    features, wards = home_features
    assert result.k == max(result.candidates, key=lambda c: c.silhouette).k
    assert 3 <= result.k <= 7
    filled, _ = fill_missing(features, wards)
    matrix = standardise(filled.sort_index()).matrix
    assert result.chosen.silhouette == pytest.approx(silhouette_score(matrix, result.labels.to_numpy()))
    for candidate in result.candidates:
        assert -1 <= candidate.silhouette <= 1 and candidate.min_ari <= candidate.mean_ari <= 1


def test_segments_are_numbered_by_size_and_cover_every_lsoa_once(result) -> None:
    sizes = [len(s.codes) for s in result.segments]
    assert sizes == sorted(sizes, reverse=True)
    assert sum(sizes) == 161 and len({c for s in result.segments for c in s.codes}) == 161
    for s in result.segments:
        assert set(result.labels[result.labels == s.number].index) == set(s.codes)
        typical = typical_members(result, s.number, 3)
        assert result.distance[typical[0]] == result.distance[s.codes].min()


def test_well_separated_groups_are_found_and_stable() -> None:
    data = _blobs([30, 20, 12])
    found = segment(data, ks=(2, 3, 4, 5), stability_seeds=5, starts=4)
    assert found.k == 3
    truth = [int(code[1]) for code in found.labels.index]
    assert adjusted_rand_score(truth, found.labels) == 1.0
    assert found.chosen.min_ari == 1.0
    assert [len(s.codes) for s in found.segments] == [30, 20, 12]


def test_a_different_seed_is_recorded_and_compared(home_features) -> None:
    features, wards = home_features
    other = segment(features, groups=wards, seed=99, **QUICK)
    assert other.seed == 99
    assert all(0 <= c.mean_ari <= 1 for c in other.candidates)


def test_description_words_come_from_the_numbers() -> None:
    z = dict.fromkeys(FEATURE_KEYS, 0.0) | {
        "age_15_to_29": 1.2,
        "tenure_private_rented": 0.9,
        "deprivation_income": 0.7,
    }
    assert describe(z) == "younger, private renting, high income deprivation"
    flipped = {k: -v for k, v in z.items()}
    assert describe(flipped) == "fewer young adults, little private renting, low income deprivation"
    # Below the threshold nothing stands out.
    quiet = {k: v * (STANDS_OUT - 0.01) / 1.2 for k, v in z.items()}
    assert describe(quiet) == "close to the city average on every measure"


def test_each_theme_gets_a_say_before_a_second_phrase_from_one_theme() -> None:
    z = dict.fromkeys(FEATURE_KEYS, 0.0) | {
        "tenure_social_rented": 2.0,
        "tenure_owned": -1.9,
        "age_under_15": 0.8,
        **{f.key: 0.7 for f in FEATURES if f.theme == "deprivation"},
    }
    assert describe(z) == "social renting, more children, high deprivation on most measures, especially income"
    # With room for a fourth phrase the second housing one comes in, in its place by strength.
    assert describe(z, most=4) == (
        "social renting, fewer home owners, more children, high deprivation on most measures, especially income"
    )


def test_identical_descriptions_are_told_apart_by_further_features() -> None:
    base = dict.fromkeys(FEATURE_KEYS, 0.0) | {"age_65_plus": 1.5, "tenure_owned": 1.4, "deprivation_crime": -1.3}
    one = base | {"house_price": 0.9}
    two = base | {"house_price": -0.9}
    first, second = describe_segments([one, two])
    assert first != second
    assert first.endswith("higher house prices") and second.endswith("lower house prices")


def test_every_real_description_matches_its_segment_profile(result) -> None:
    for s in result.segments:
        phrases = s.description.split(", ")
        for feature in FEATURES:
            if feature.high in phrases:
                assert s.z[feature.key] >= STANDS_OUT, (s.number, feature.key)
            if feature.low in phrases:
                assert s.z[feature.key] <= -STANDS_OUT, (s.number, feature.key)
    assert len({s.description for s in result.segments}) == result.k
