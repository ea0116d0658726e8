"""Population segmentation: group small areas (LSOAs) into a few neighbourhood types from standardised features.

The method, in order (each step is a function below, so the method page can state it exactly):

1. **Features** per LSOA (``lsoa_features``): the national deprivation percentile of each of the seven IMD 2019
   domains (100 = the most deprived LSOA in England), three age shares, three tenure shares and the log of the median
   house price. A missing value (a suppressed house price) is filled with the median of the LSOA's ward.
2. **Standardise** (``standardise``): each feature becomes a z-score across the city's LSOAs, capped at ±3 so a
   handful of extreme neighbourhoods (a city-centre block of student flats) cannot dominate, then is weighted by
   1/√(features in its theme), so the three themes (deprivation, age, housing) carry equal weight however many
   features each has.
3. **Cluster** with k-means (scikit-learn), for each candidate number of segments (3 to 7 by default), from a fixed
   random seed with several starts.
4. **Choose k** with the highest mean silhouette width (how much closer each LSOA is to its own segment than to the
   next nearest); a tie goes to the smaller k.
5. **Stability**: re-run the chosen k with other seeds and report the adjusted Rand index against the reported
   segments (1 = identical, 0 = no better than chance).
6. **Describe** each segment (``describe``) from the mean z-scores of its LSOAs: the features that stand out by at
   least half a standard deviation, largest first, in words.

Pure: numpy, pandas and scikit-learn only; no Flask, no database.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from sklearn.cluster import KMeans
from sklearn.metrics import adjusted_rand_score, silhouette_samples, silhouette_score
from threadpoolctl import threadpool_limits

from portal.stats.small_areas import AGE_BANDS, AGE_GROUPS, TENURE_COUNTS, TENURE_GROUPS, values_for_2021

DEFAULT_KS: tuple[int, ...] = (3, 4, 5, 6, 7)
DEFAULT_SEED = 2021
DEFAULT_STARTS = 10
DEFAULT_STABILITY_SEEDS = 20
# A feature "stands out" for a segment when its segment mean is at least this many standard deviations from the
# city's LSOA average.
STANDS_OUT = 0.5
# z-scores are capped at this many standard deviations.
CAP = 3.0
MOST_DOMAINS = 5  # of 7: enough deprivation domains pointing one way to speak of deprivation "on most measures"


@dataclass(frozen=True)
class Feature:
    """One input of the segmentation, with the words for a segment high or low on it."""

    key: str
    label: str
    theme: str
    unit: str  # "%", "percentile" or "£"
    high: str
    low: str


_DOMAIN_WORDS: list[tuple[str, str, str, str]] = [
    ("income", "Income", "high income deprivation", "low income deprivation"),
    ("employment", "Employment", "high employment deprivation", "low employment deprivation"),
    ("education", "Education, skills and training", "low qualifications and skills", "high qualifications and skills"),
    ("health", "Health deprivation and disability", "poorer health", "better health"),
    ("crime", "Crime", "higher crime", "lower crime"),
    (
        "housing_barriers",
        "Barriers to housing and services",
        "high barriers to housing and services",
        "low barriers to housing and services",
    ),
    ("living_environment", "Living environment", "poorer living environment", "better living environment"),
]
FEATURES: list[Feature] = [
    *(
        Feature(
            f"deprivation_{slug}",
            f"{name} deprivation (national percentile, 100 = most deprived)",
            "deprivation",
            "percentile",
            high,
            low,
        )
        for slug, name, high, low in _DOMAIN_WORDS
    ),
    Feature("age_under_15", "Aged 0 to 14 (%)", "age", "%", "more children", "fewer children"),
    Feature("age_15_to_29", "Aged 15 to 29 (%)", "age", "%", "younger", "fewer young adults"),
    Feature("age_65_plus", "Aged 65 and over (%)", "age", "%", "older", "fewer older people"),
    Feature("tenure_owned", "Households owning their home (%)", "housing", "%", "home-owning", "fewer home owners"),
    Feature(
        "tenure_social_rented",
        "Households renting socially (%)",
        "housing",
        "%",
        "social renting",
        "little social renting",
    ),
    Feature(
        "tenure_private_rented",
        "Households renting privately (%)",
        "housing",
        "%",
        "private renting",
        "little private renting",
    ),
    Feature("house_price", "Median house price (£)", "housing", "£", "higher house prices", "lower house prices"),
]
FEATURE_BY_KEY = {f.key: f for f in FEATURES}
FEATURE_KEYS = [f.key for f in FEATURES]
THEMES = ["deprivation", "age", "housing"]


def deprivation_percentile(rank: pd.Series, lsoas_in_england: int) -> pd.Series:
    """A national rank (1 = most deprived of ``lsoas_in_england``) as a percentile where 100 = most deprived."""
    return 100 * (1 - (rank - 1) / lsoas_in_england)


def lsoa_features(
    census: pd.DataFrame, deprivation_ranks: pd.DataFrame, house_price: pd.Series, lsoas_in_england: int
) -> pd.DataFrame:
    """The raw features (columns FEATURE_KEYS) per LSOA from Census counts (AGE_BANDS and TENURE_COUNTS columns),
    IMD ranks (``<domain>_rank`` columns) and median house prices, all indexed by the same LSOA codes."""
    people = census[AGE_BANDS].sum(axis=1)
    households = census[TENURE_COUNTS].sum(axis=1)
    out = pd.DataFrame(index=census.index)
    for slug, *_ in _DOMAIN_WORDS:
        out[f"deprivation_{slug}"] = deprivation_percentile(deprivation_ranks[f"{slug}_rank"], lsoas_in_england)
    for key, group in (("age_under_15", "under_15"), ("age_15_to_29", "15_to_29"), ("age_65_plus", "65_plus")):
        out[key] = census[AGE_GROUPS[group][1]].sum(axis=1) / people * 100
    for key, group in (
        ("tenure_owned", "owned"),
        ("tenure_social_rented", "social_rented"),
        ("tenure_private_rented", "private_rented"),
    ):
        out[key] = census[TENURE_GROUPS[group][1]].sum(axis=1) / households * 100
    out["house_price"] = house_price.reindex(census.index).astype(float)
    return out[FEATURE_KEYS].astype(float)


def features_for_lookup(
    lookup: pd.DataFrame, lsoa2021: pd.DataFrame, lsoa2011: pd.DataFrame, lsoas_in_england: int
) -> tuple[pd.DataFrame, pd.Series]:
    """The features of every 2021 LSOA of the lookup (2011-based values through ``values_for_2021``) and each
    LSOA's ward, for ``segment``."""
    ranks = values_for_2021(lookup, lsoa2011, [f"{slug}_rank" for slug, *_ in _DOMAIN_WORDS])
    prices = values_for_2021(lookup, lsoa2011, ["house_price"])["house_price"]
    census = lsoa2021.reindex(ranks.index)
    wards = lookup[lookup["vintage"] == 2021].set_index("lsoa_code")["ward_code"]
    return lsoa_features(census, ranks, prices, lsoas_in_england), wards


def fill_missing(features: pd.DataFrame, groups: pd.Series | None = None) -> tuple[pd.DataFrame, list[str]]:
    """Fill each missing value with the median of the LSOA's group (its ward), or of all LSOAs if the group has
    none. Returns the filled frame and the codes of the LSOAs that had a value filled."""
    filled = features.copy()
    missing = features.isna().any(axis=1)
    for column in features.columns:
        gaps = filled[column].isna()
        if not gaps.any():
            continue
        if groups is not None:
            by_group = filled[column].groupby(groups.reindex(filled.index)).transform("median")
            filled.loc[gaps, column] = by_group[gaps]
        filled[column] = filled[column].fillna(filled[column].median())
    return filled, sorted(features.index[missing])


@dataclass(frozen=True)
class Standardised:
    """The clustering matrix and how it was made."""

    matrix: np.ndarray  # LSOAs × features, capped z-scores, theme-weighted
    z: pd.DataFrame  # capped z-scores before weighting, for describing segments
    means: dict[str, float]
    sds: dict[str, float]
    weights: dict[str, float]


def standardise(features: pd.DataFrame) -> Standardised:
    """z-scores across the LSOAs (house price on a log scale first), capped at ±CAP, weighted by
    1/√(features in the theme)."""
    values = features[FEATURE_KEYS].astype(float).copy()
    values["house_price"] = np.log(values["house_price"])
    means = values.mean()
    sds = values.std(ddof=0).replace(0.0, 1.0)
    z = ((values - means) / sds).clip(-CAP, CAP)
    theme_sizes = {theme: sum(1 for f in FEATURES if f.theme == theme) for theme in THEMES}
    weights = {f.key: 1 / math.sqrt(theme_sizes[f.theme]) for f in FEATURES}
    matrix = (z * pd.Series(weights)).to_numpy()
    return Standardised(
        matrix, z, {str(k): float(v) for k, v in means.items()}, {str(k): float(v) for k, v in sds.items()}, weights
    )


def _kmeans(matrix: np.ndarray, k: int, seed: int, starts: int) -> np.ndarray:
    # One thread: for a few hundred rows, OpenMP's start-up costs far more than the work (8 times slower on 2 cores).
    with threadpool_limits(1):
        return KMeans(n_clusters=k, n_init=starts, random_state=seed).fit_predict(matrix)


def _canonical(labels: np.ndarray, codes: Sequence[str]) -> np.ndarray:
    """Number segments 1..k by size (largest first), ties by the first LSOA code, so the same partition always gets
    the same numbers whatever order k-means found it in."""
    order = sorted(set(labels.tolist()), key=lambda c: (-int((labels == c).sum()), min(np.asarray(codes)[labels == c])))
    mapping = {old: new for new, old in enumerate(order, start=1)}
    return np.array([mapping[label] for label in labels.tolist()])


@dataclass(frozen=True)
class Candidate:
    """One number of segments tried: its silhouette and its stability across seeds."""

    k: int
    silhouette: float
    mean_ari: float
    min_ari: float


@dataclass
class SegmentProfile:
    """One segment: its LSOAs, mean raw and z values per feature, and its description."""

    number: int
    codes: list[str]
    mean: dict[str, float]
    z: dict[str, float]
    description: str = ""


@dataclass
class Segmentation:
    """The result: the chosen k, every candidate, the labels, segment profiles and each LSOA's typicality."""

    k: int
    seed: int
    starts: int
    stability_seeds: int
    candidates: list[Candidate]
    labels: pd.Series  # LSOA code → segment number (1..k)
    distance: pd.Series  # LSOA code → distance to its segment's centre (weighted z units)
    silhouette: pd.Series  # LSOA code → its own silhouette width
    segments: list[SegmentProfile]
    city_mean: dict[str, float]
    weights: dict[str, float]
    filled: list[str] = field(default_factory=list)

    @property
    def chosen(self) -> Candidate:
        """The candidate that was chosen."""
        return next(c for c in self.candidates if c.k == self.k)


def segment(
    features: pd.DataFrame,
    *,
    ks: Sequence[int] = DEFAULT_KS,
    seed: int = DEFAULT_SEED,
    starts: int = DEFAULT_STARTS,
    stability_seeds: int = DEFAULT_STABILITY_SEEDS,
    groups: pd.Series | None = None,
) -> Segmentation:
    """Segment the LSOAs (rows of ``features``, columns FEATURE_KEYS) as the module docstring describes."""
    if len(features) <= max(ks):
        raise ValueError(f"{len(features)} areas are too few for up to {max(ks)} segments")
    filled, filled_codes = fill_missing(features, groups)
    filled = filled.sort_index()
    codes = list(filled.index)
    prepared = standardise(filled)
    candidates, labelled = [], {}
    for k in ks:
        labels = _canonical(_kmeans(prepared.matrix, k, seed, starts), codes)
        aris = [
            adjusted_rand_score(labels, _kmeans(prepared.matrix, k, seed + 1 + s, starts))
            for s in range(stability_seeds)
        ]
        score = float(silhouette_score(prepared.matrix, labels))
        candidates.append(
            Candidate(k, score, float(np.mean(aris)) if aris else 1.0, float(np.min(aris)) if aris else 1.0)
        )
        labelled[k] = labels
    best = max(candidates, key=lambda c: (round(c.silhouette, 12), -c.k))
    labels = labelled[best.k]
    centres = np.vstack([prepared.matrix[labels == n].mean(axis=0) for n in range(1, best.k + 1)])
    distance = np.linalg.norm(prepared.matrix - centres[labels - 1], axis=1)
    segments = []
    for number in range(1, best.k + 1):
        members = labels == number
        segments.append(
            SegmentProfile(
                number=number,
                codes=[c for c, m in zip(codes, members, strict=True) if m],
                mean=filled[members].mean().to_dict(),
                z=prepared.z[members].mean().to_dict(),
            )
        )
    for profile, text in zip(segments, describe_segments([s.z for s in segments]), strict=True):
        profile.description = text
    return Segmentation(
        k=best.k,
        seed=seed,
        starts=starts,
        stability_seeds=stability_seeds,
        candidates=candidates,
        labels=pd.Series(labels, index=codes, name="segment"),
        distance=pd.Series(distance, index=codes, name="distance"),
        silhouette=pd.Series(silhouette_samples(prepared.matrix, labels), index=codes, name="silhouette"),
        segments=segments,
        city_mean={str(k): float(v) for k, v in filled.mean().items()},
        weights=prepared.weights,
        filled=filled_codes,
    )


def _phrases(z: Mapping[str, float], threshold: float) -> list[tuple[float, str, str]]:
    """(strength, theme, words) for every feature, or group of deprivation domains, that stands out."""
    out: list[tuple[float, str, str]] = []
    domains = [f for f in FEATURES if f.theme == "deprivation"]
    for sign, word in ((1, "high"), (-1, "low")):
        pointing = [f for f in domains if sign * z.get(f.key, 0.0) >= threshold]
        if len(pointing) >= MOST_DOMAINS:
            strongest = max(pointing, key=lambda f: abs(z[f.key]))
            domain_name = strongest.label.split(" deprivation")[0].lower()
            words = f"{word} deprivation on most measures, especially {domain_name}"
            out.append((abs(z[strongest.key]), "deprivation", words))
            domains = [f for f in domains if f not in pointing]
    for feature in FEATURES:
        if feature.theme == "deprivation" and feature not in domains:
            continue
        value = z.get(feature.key, 0.0)
        if abs(value) >= threshold:
            out.append((abs(value), feature.theme, feature.high if value > 0 else feature.low))
    out.sort(key=lambda item: -item[0])
    return out


def describe(z: Mapping[str, float], *, threshold: float = STANDS_OUT, most: int = 3) -> str:
    """A plain-English description from a segment's mean z-scores, e.g. "younger, private renting, high income
    deprivation": the features that stand out (by at least ``threshold`` standard deviations), the strongest of each
    theme first so one theme does not crowd out the others, then the next strongest, up to ``most``, listed from the
    largest difference to the smallest."""
    phrases = _phrases(z, threshold)
    chosen: list[tuple[float, str, str]] = []
    for phrase in phrases:
        if phrase[1] not in {theme for _, theme, _ in chosen}:
            chosen.append(phrase)
    chosen += [p for p in phrases if p not in chosen]
    picked = sorted(chosen[:most], key=lambda item: -item[0])
    return ", ".join(words for _, _, words in picked) if picked else "close to the city average on every measure"


def describe_segments(profiles: Sequence[Mapping[str, float]], *, most: int = 3) -> list[str]:
    """A description per segment, adding further standing-out features where two would otherwise read the same."""
    limits = [most] * len(profiles)
    texts = [describe(z, most=most) for z in profiles]
    for _ in range(len(FEATURES)):
        duplicated = [i for i, t in enumerate(texts) if texts.count(t) > 1]
        if not duplicated:
            break
        for i in duplicated:
            limits[i] += 1
            texts[i] = describe(profiles[i], most=limits[i])
    seen: dict[str, int] = {}
    for i, text in enumerate(texts):
        seen[text] = seen.get(text, 0) + 1
        if texts.count(text) > 1:
            texts[i] = f"{text} (group {seen[text]})"
    return texts


def typical_members(result: Segmentation, number: int, count: int = 5) -> list[str]:
    """The LSOAs most typical of a segment: those closest to its centre."""
    members = result.distance[result.labels == number].sort_values(kind="stable")
    return list(members.index[:count])
