"""The shipped data folder: checksums as documented, and indicator_metadata.csv consistent with the importers."""

from __future__ import annotations

import hashlib
import re

import pandas as pd
import pytest

from portal.importers import FORMATS, detect_format
from portal.importers.base import INDICATOR_COLUMNS, POLARITIES, TOPICS, VALUE_TYPES
from portal.importers.fingertips import infer_polarity, read_fingertips
from portal.importers.frames import load_indicator_metadata
from tests.importers import DATA, FINGERTIPS_EXPORTS, NEW_EXPORTS

PROVENANCE = (DATA / "PROVENANCE.md").read_text(encoding="utf-8")
CHECKSUMS = dict(
    (path, digest) for digest, path in re.findall(r"^([0-9a-f]{64})  (\S+)$", PROVENANCE, flags=re.MULTILINE)
)
SHIPPED = sorted(
    str(p.relative_to(DATA))
    for p in DATA.rglob("*")
    if p.is_file() and p.name not in {"PROVENANCE.md", "indicator_metadata.csv"}
)


def test_every_shipped_file_is_documented_with_its_checksum() -> None:
    assert sorted(CHECKSUMS) == SHIPPED
    assert len(SHIPPED) == 32


@pytest.mark.parametrize("name", SHIPPED)
def test_checksum(name: str) -> None:
    assert hashlib.sha256((DATA / name).read_bytes()).hexdigest() == CHECKSUMS[name]


def test_indicator_metadata_columns_and_choices() -> None:
    metadata = load_indicator_metadata()
    assert metadata is not None
    assert list(metadata.columns) == [*INDICATOR_COLUMNS, "comparison_confidence"]
    assert metadata["indicator_id"].is_unique
    assert set(metadata["value_type"]) <= VALUE_TYPES
    assert set(metadata["polarity"]) <= POLARITIES
    assert set(metadata["topic"]) <= TOPICS
    assert (metadata[["name", "definition", "source", "publisher", "licence"]] != "").all().all()
    assert metadata["multiplier"].notna().all()
    assert set(metadata["comparison_confidence"].dropna()) <= {0.95, 0.998}


def test_indicator_metadata_lists_exactly_the_indicators_the_importers_produce() -> None:
    metadata = load_indicator_metadata()
    assert metadata is not None
    produced: set[str] = set()
    for path in sorted(DATA.rglob("*.*")):
        name = detect_format(path)
        if name is not None:
            produced |= set(FORMATS[name](path).values["indicator_id"])
    assert produced == set(metadata["indicator_id"])


def test_fingertips_polarity_matches_the_export_words() -> None:
    metadata = load_indicator_metadata()
    assert metadata is not None
    values = pd.concat([read_fingertips(p).values for p in [*FINGERTIPS_EXPORTS, *NEW_EXPORTS]], ignore_index=True)
    inferred = infer_polarity(values)
    recorded = metadata.set_index("indicator_id")["polarity"]
    for indicator_id in set(values["indicator_id"]):
        assert recorded[indicator_id] == inferred.get(indicator_id, "no_judgement"), indicator_id
