"""The loader writes rows in the unique key's order (code point order of each text column), whatever order the
readers' categories are in: indexes then grow at their ends, and PostgreSQL's unique key build finds them sorted."""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from portal.importers.base import KEY_COLUMNS, key_order
from portal.importers.fingertips import read_fingertips
from portal.importers.generic import read_generic_long


def _frame(rows: list[tuple[str, ...]], *, categorical: bool) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=KEY_COLUMNS)
    if categorical:
        # As the readers give them: categories in order of first appearance, not sorted.
        for column in KEY_COLUMNS:
            frame[column] = pd.Categorical(frame[column], categories=list(dict.fromkeys(frame[column])))
    return frame


def _rows(count: int, seed: int) -> list[tuple[str, ...]]:
    generator = random.Random(seed)
    choices = {
        "indicator_id": ["93356", "41001", "90366", "108"],
        "area_code": ["E92000001", "E08000031", "E06000019", "E12000005"],
        "period": ["2019/20", "2015 - 17", "2020", "S0402 2017"],
        "sex": ["Persons", "Male", "Female"],
        "age": ["All ages", "10+ yrs", "0-9 yrs", "65+ yrs"],
        "category_type": ["", "Ethnic groups", "District & UA deprivation deciles in England (IMD2015)"],
        "category": ["", "Most deprived decile (IMD2015)", "Asian", "White", "Least deprived decile (IMD2015)"],
    }
    unique = {tuple(generator.choice(choices[column]) for column in KEY_COLUMNS) for _ in range(count)}
    ordered = sorted(unique)  # a set's order changes with each process's string hashing: sort it, then shuffle
    generator.shuffle(ordered)
    return ordered


def test_rows_come_in_code_point_key_order_from_categories_in_first_appearance_order() -> None:
    rows = _rows(3_000, seed=17)
    frame = _frame(rows, categorical=True)
    assert list(frame["indicator_id"].cat.categories) != sorted(frame["indicator_id"].cat.categories)

    ordered = [tuple(str(cell) for cell in row) for row in frame.iloc[key_order(frame)].itertuples(index=False)]

    assert ordered == sorted(rows)


def test_plain_text_columns_are_put_in_the_same_order() -> None:
    rows = _rows(2_000, seed=5)
    frame = _frame(rows, categorical=False)

    ordered = [tuple(row) for row in frame.iloc[key_order(frame)].itertuples(index=False)]

    assert ordered == sorted(rows)


SHIPPED = sorted((Path(__file__).resolve().parents[2] / "data" / "fingertips").glob("*.csv"))


@pytest.mark.parametrize("path", SHIPPED, ids=[path.stem for path in SHIPPED])
def test_the_order_a_fingertips_reader_remembers_is_the_key_order_of_the_text_it_returns(path: Path) -> None:
    result = read_fingertips(path)

    assert np.array_equal(result.key_order(), key_order(result.values))


def test_a_generic_reader_remembers_the_same_key_order_as_its_text_gives(tmp_path: Path) -> None:
    rows = [(indicator, area, period) for indicator in ("90366", "108") for area in ("E12000005", "E08000031")
            for period in ("2019/20", "2015 - 17")]  # fmt: skip
    random.Random(3).shuffle(rows)
    path = tmp_path / "local.csv"
    path.write_text("Indicator ID,Area Code,Period,Value\n" + "".join(f"{i},{a},{p},1.5\n" for i, a, p in rows))
    result = read_generic_long(path, {"E12000005", "E08000031"})
    assert result.ok, result.errors

    assert np.array_equal(result.key_order(), key_order(result.values))
    assert list(zip(*(result.values[c].iloc[result.key_order()] for c in KEY_COLUMNS[:3]), strict=True)) == sorted(rows)


def test_values_replaced_after_reading_are_ordered_afresh() -> None:
    result = read_fingertips(SHIPPED[0])
    remembered = result.key_order()

    result.values = result.values.iloc[::-1].reset_index(drop=True)  # e.g. a prepare step's new frame
    assert np.array_equal(result.key_order(), key_order(result.values))
    assert not np.array_equal(result.key_order(), remembered)

    result.values = result.values.iloc[10:]  # e.g. rows filtered out
    assert np.array_equal(result.key_order(), key_order(result.values))
