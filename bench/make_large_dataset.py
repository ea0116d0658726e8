"""Build issue 17's large benchmark dataset on top of a seeded database (``flask seed``), at full or 1/10 size.

    python bench/make_large_dataset.py [--scale 1.0|0.1] [--database URL]

At ``--scale 1`` it adds:

- 1,000,000 indicator values over 300 indicators and every English upper-tier local authority (and England), each
  value resampled from the real rows of one of the shipped Fingertips exports (value, confidence limits, count,
  denominator drawn together from one real row). They go in through the portal's own importer, as an analyst's
  upload would. The indicators are named "Synthetic bench indicator NNN ..." and their source says the values are
  not real data, so they are never shown as real;
- 10,000 example proposals (copies of the seeded example proposals' text) with 50,000 supports from 2,000 bench
  users;
- one closed, published example prioritisation round of 200 of those topics × 15 members × 8 criteria, every score
  filled in (the seeded examples' scoring model);
- 50 example surveys (the seeded stakeholder survey's questions) × 2,000 example responses each;
- 500 example evidence briefings (copies of the seeded example briefings).

Every count is multiplied by ``--scale`` (0.1 gives 1/10 of everything) except a round's 15 members and 8 criteria.
All demo content carries the portal's ``is_example`` flag, so every page tags it "Example". Rows go in with
executemany (Core inserts in batches), so full size builds in a few minutes.

Without ``--database`` it copies the seeded SQLite database in instance/bench/ (built by bench_pages.py) to
instance/bench-<scale>/portal.sqlite3 once and prints its URL; an existing one is reused.
"""

from __future__ import annotations

import argparse
import math
import os
import sqlite3
import subprocess
import sys
import time
import uuid
from collections.abc import Iterable, Iterator, Sequence
from contextlib import closing
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from make_fingertips_bench_file import NATIVE_HEADER, real_rows  # noqa: E402

FULL = {
    "values": 1_000_000,
    "indicators": 300,
    "proposals": 10_000,
    "supports": 50_000,
    "users": 2_000,
    "topics": 200,
    "surveys": 50,
    "responses": 2_000,
    "briefings": 500,
}
MEMBERS = 15
CRITERIA = 8
FIRST_INDICATOR_ID = 990_001  # far above every real Fingertips indicator id
SYNTHETIC_SOURCE = (
    "Synthetic benchmark data, not real: values resampled from real Fingertips exports by "
    "bench/make_large_dataset.py to measure the portal at scale. Do not use them."
)
SOURCE_KEY = "bench-synthetic"
BATCH = 10_000
LOOKUP = ROOT / "data/lookups/ons_ltla_utla_apr2023_lookup_ew.csv"


def counts(scale: float) -> dict[str, int]:
    """The full-size counts times ``scale`` (at least one of each)."""
    return {name: max(1, round(value * scale)) for name, value in FULL.items()}


def english_upper_tier() -> list[tuple[str, str]]:
    """(code, name) of every English upper-tier local authority, from the ONS lookup shipped in data/."""
    frame = pd.read_csv(LOOKUP, dtype=str, encoding="utf-8-sig")
    frame = frame[frame["UTLA23CD"].str.startswith("E")].drop_duplicates("UTLA23CD").sort_values("UTLA23CD")
    return list(zip(frame["UTLA23CD"], frame["UTLA23NM"], strict=True))


def indicator_file(path: Path, n_values: int, n_indicators: int, rng: np.random.Generator) -> dict[str, str]:
    """Write the synthetic Fingertips file; return {synthetic indicator id: the real indicator it resamples}."""
    real = real_rows()
    real = real[real["Value"] != ""]
    groups = [frame for _, frame in real.groupby(["Indicator ID", "Sex", "Age"], sort=True) if len(frame) >= 10]
    areas = [("E92000001", "England", "England", "", "")] + [
        (code, name, "Counties & UAs (from Apr 2023)", "E92000001", "England") for code, name in english_upper_tier()
    ]
    per_indicator = [n_values // n_indicators + (1 if k < n_values % n_indicators else 0) for k in range(n_indicators)]
    n_periods = math.ceil(max(per_indicator) / len(areas))
    # Latest period first, so an indicator with fewer values loses its oldest periods, not its newest.
    years = list(range(2024, 2024 - n_periods, -1))
    cells = [(year, area) for year in years for area in areas]
    frames = []
    templates: dict[str, str] = {}
    for k, size in enumerate(per_indicator):
        group = groups[k % len(groups)]
        sample = group.iloc[rng.integers(0, len(group), size=size)].reset_index(drop=True)
        indicator_id = str(FIRST_INDICATOR_ID + k)
        templates[indicator_id] = str(group["Indicator ID"].iloc[0])
        chosen = cells[:size]
        sample["Indicator ID"] = indicator_id
        sample["Indicator Name"] = (
            f"Synthetic bench indicator {k + 1:03d} (not real data; resampled from "
            f"{group['Indicator Name'].iloc[0]}, {group['Sex'].iloc[0]}, {group['Age'].iloc[0]})"
        )[:400]
        sample["Area Code"] = [area[0] for _, area in chosen]
        sample["Area Name"] = [area[1] for _, area in chosen]
        sample["Area Type"] = [area[2] for _, area in chosen]
        sample["Parent Code"] = [area[3] for _, area in chosen]
        sample["Parent Name"] = [area[4] for _, area in chosen]
        sample["Time period"] = [str(year) for year, _ in chosen]
        sample["Time period Sortable"] = [str(year * 10000) for year, _ in chosen]
        sample["Category Type"] = ""
        sample["Category"] = ""
        for column in ("Value note", "Recent Trend", "Compared to England value or percentiles",
                       "Compared to Region value or percentiles", "New data", "Compared to goal"):  # fmt: skip
            sample[column] = ""
        frames.append(sample[NATIVE_HEADER])
    pd.concat(frames, ignore_index=True).to_csv(path, index=False, lineterminator="\r\n")
    return templates


def batched(rows: Iterable[dict[str, Any]], size: int = BATCH) -> Iterator[list[dict[str, Any]]]:
    batch: list[dict[str, Any]] = []
    for row in rows:
        batch.append(row)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def insert_rows(table: Any, rows: Iterable[dict[str, Any]]) -> int:
    """executemany in batches through the session (so the page cache's data version moves on commit)."""
    from sqlalchemy import insert

    from portal.extensions import db

    total = 0
    for batch in batched(rows):
        db.session.execute(insert(table), batch)
        total += len(batch)
    return total


def next_id(table: Any) -> int:
    from sqlalchemy import func, select

    from portal.extensions import db

    return int(db.session.scalar(select(func.coalesce(func.max(table.c.id), 0))) or 0) + 1


def advance_sequence(table: Any) -> None:
    """On PostgreSQL, move the id sequence past ids given explicitly."""
    from sqlalchemy import text

    from portal.extensions import db

    if db.engine.dialect.name == "postgresql":
        name = table.name
        db.session.execute(
            text(f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), (SELECT MAX(id) FROM {name}))")  # noqa: S608
        )


def add_indicators(folder: Path, size: dict[str, int], rng: np.random.Generator) -> None:
    from sqlalchemy import select, update

    from portal.extensions import db
    from portal.indicators.file_import import import_file
    from portal.models import Indicator

    path = folder / f"synthetic-indicators-{size['values']}.csv"
    started = time.monotonic()
    templates = indicator_file(path, size["values"], size["indicators"], rng)
    print(f"  wrote {path.name} in {time.monotonic() - started:.0f} s", flush=True)
    started = time.monotonic()
    outcome = import_file(path, "fingertips", source_key=SOURCE_KEY)
    if not outcome.ok:
        raise SystemExit(f"import failed: {outcome.errors[:5]}")
    print(f"  imported {size['values']:,} values in {time.monotonic() - started:.0f} s", flush=True)
    polarity = dict(db.session.execute(select(Indicator.id, Indicator.polarity)).all())
    for synthetic, real in templates.items():
        db.session.execute(
            update(Indicator)
            .where(Indicator.id == synthetic)
            .values(
                status="published",
                source=SYNTHETIC_SOURCE,
                publisher="Benchmark generator (synthetic, not real data)",
                definition=SYNTHETIC_SOURCE,
                polarity=polarity.get(real) or "no_judgement",
                inferred_note="",
            )
        )
    db.session.commit()


def add_users(size: dict[str, int]) -> list[int]:
    """Bench users nobody can sign in as (one random password's hash), the first MEMBERS of them steering members."""
    import secrets

    from portal.auth.passwords import hash_password
    from portal.clock import london_now
    from portal.models import User, UserRole

    users = User.__table__
    first = next_id(users)
    password_hash = hash_password(secrets.token_urlsafe(24))
    now = london_now()
    ids = list(range(first, first + max(size["users"], MEMBERS)))
    insert_rows(
        users,
        (
            {
                "id": user_id,
                "email": f"bench-user-{user_id}@example.invalid",
                "password_hash": password_hash,
                "display_name": f"Example bench user {user_id}",
                "confirmed_at": now,
                "session_token": secrets.token_hex(16),
            }
            for user_id in ids
        ),
    )
    advance_sequence(users)
    insert_rows(UserRole.__table__, ({"user_id": user_id, "role": "steering"} for user_id in ids[:MEMBERS]))
    return ids


def add_proposals(size: dict[str, int], user_ids: Sequence[int], rng: np.random.Generator) -> list[int]:
    """Example proposals copied from the seeded ones, published, with supports spread over the bench users."""
    from sqlalchemy import select

    from portal.extensions import db
    from portal.models import Proposal, ProposalStatusEvent, ProposalSupport

    table = Proposal.__table__
    fields = ("title", "need", "population_groups", "age_groups", "evidence_of_need", "decisions_informed")
    seeded = [dict(row._mapping) for row in db.session.execute(select(*(table.c[f] for f in fields)))]
    first = next_id(table)
    now = pd.Timestamp.now(tz="UTC").to_pydatetime()
    ids = list(range(first, first + size["proposals"]))
    pairs = rng.choice(len(ids) * len(user_ids), size=min(size["supports"], len(ids) * len(user_ids)), replace=False)
    proposal_index, user_index = np.divmod(pairs, len(user_ids))
    support_counts = np.bincount(proposal_index, minlength=len(ids))
    rows = []
    for n, proposal_id in enumerate(ids):
        template = seeded[n % len(seeded)]
        created = now - timedelta(days=int(rng.integers(1, 700)))
        rows.append(
            {
                **template,
                "id": proposal_id,
                "title": f"{template['title']} (bench example {n + 1})"[:200],
                "reference": f"BENCH-{n + 1:06d}",
                "proposer_type": "public",
                "proposer_name": "",
                "status": "published",
                "published_at": created + timedelta(days=3),
                "is_example": True,
                "support_count": int(support_counts[n]),
                "created_at": created,
                "updated_at": created + timedelta(days=3),
            }
        )
    insert_rows(table, rows)
    advance_sequence(table)
    insert_rows(
        ProposalStatusEvent.__table__,
        (
            {
                "proposal_id": row["id"],
                "from_status": "submitted",
                "to_status": "published",
                "public_answer": "Example: published for comment (synthetic bench content).",
                "occurred_at": row["published_at"],
            }
            for row in rows
        ),
    )
    insert_rows(
        ProposalSupport.__table__,
        (
            {"proposal_id": ids[int(p)], "user_id": user_ids[int(u)], "created_at": now}
            for p, u in zip(proposal_index, user_index, strict=True)
        ),
    )
    db.session.commit()
    return ids


def add_round(size: dict[str, int], proposal_ids: Sequence[int], member_ids: Sequence[int]) -> int:
    """A closed, published example round: every member scores every topic on every criterion."""
    from sqlalchemy import select, update

    from portal.clock import london_today
    from portal.extensions import db
    from portal.models import (
        CriteriaSet,
        Criterion,
        PrioritisationRound,
        Proposal,
        ProposalStatusEvent,
        RoundMember,
        RoundProposal,
        Score,
    )
    from portal.prioritisation.examples import _example_scores
    from portal.prioritisation.published import store_ranking

    criteria_set = db.session.scalars(select(CriteriaSet).order_by(CriteriaSet.version.desc())).first()
    criteria = list(db.session.scalars(select(Criterion.id).where(Criterion.criteria_set_id == criteria_set.id)))
    if len(criteria) != CRITERIA:
        raise SystemExit(f"the seeded criteria set has {len(criteria)} criteria, not {CRITERIA}")
    now = pd.Timestamp.now(tz="UTC").to_pydatetime()
    today = london_today()
    round_ = PrioritisationRound(
        title=f"Example: bench round of {size['topics']} topics (synthetic scores)",
        description="Synthetic benchmark content: made-up scores, to measure the portal at scale.",
        deadline=today - timedelta(days=30),
        chair_id=member_ids[0],
        top_k=10,
        criteria_set_id=criteria_set.id,
        is_example=True,
        status="closed",
        closed_at=now - timedelta(days=25),
        closed_by_id=member_ids[0],
        summary_published_at=now - timedelta(days=20),
        summary_published_by_id=member_ids[0],
    )
    db.session.add(round_)
    db.session.flush()
    topics = list(proposal_ids[: size["topics"]])
    decisions = ["prioritised" if p < len(topics) // 5 else "deferred" if p % 3 else "not_prioritised"
                 for p in range(len(topics))]  # fmt: skip
    latent = [{"prioritised": 4.0, "deferred": 3.0, "not_prioritised": 2.3}[d] for d in decisions]
    insert_rows(RoundMember.__table__, ({"round_id": round_.id, "user_id": m, "added_at": now} for m in member_ids))
    insert_rows(
        RoundProposal.__table__,
        (
            {
                "round_id": round_.id,
                "proposal_id": proposal_id,
                "position": position,
                "decision": decision,
                "decision_reason": f"Example: the steering group recorded this topic as {decision.replace('_', ' ')}.",
                "decided_at": round_.closed_at,
                "decided_by_id": member_ids[0],
            }
            for position, (proposal_id, decision) in enumerate(zip(topics, decisions, strict=True), start=1)
        ),
    )
    for decision in set(decisions):
        chosen = [p for p, d in zip(topics, decisions, strict=True) if d == decision]
        db.session.execute(update(Proposal).where(Proposal.id.in_(chosen)).values(status=decision))
        insert_rows(
            ProposalStatusEvent.__table__,
            (
                {
                    "proposal_id": p,
                    "from_status": "published",
                    "to_status": decision,
                    "public_answer": f"Example: {decision.replace('_', ' ')} by the steering group (bench content).",
                    "occurred_at": round_.closed_at,
                }
                for p in chosen
            ),
        )
    values = _example_scores(latent, len(member_ids), len(criteria), seed=17)
    insert_rows(
        Score.__table__,
        (
            {
                "round_id": round_.id,
                "proposal_id": topics[p],
                "user_id": member_ids[m],
                "criterion_id": criteria[c],
                "value": int(values[m, p, c]),
                "comment": "",
                "created_at": now,
                "updated_at": now,
            }
            for m in range(len(member_ids))
            for p in range(len(topics))
            for c in range(len(criteria))
        ),
    )
    # Published, so its ranking is stored as publishing stores it (prioritisation.published).
    store_ranking(round_)
    db.session.commit()
    return round_.id


def add_surveys(size: dict[str, int], rng_seed: int) -> list[int]:
    """Example surveys with the seeded stakeholder survey's questions and made-up responses, results published."""
    import random

    from portal.clock import london_today
    from portal.extensions import db
    from portal.models import SurveyResponse
    from portal.surveys.examples import _build_priorities_survey, _example_answers

    rng = random.Random(rng_seed)
    today = london_today()
    sectors = ["nhs_provider", "vcs", "council", "housing", "police", ""]
    ids = []
    for n in range(size["surveys"]):
        survey = _build_priorities_survey(today)
        survey.title = f"Example: bench survey {n + 1} (synthetic responses)"
        db.session.flush()
        ids.append(survey.id)
        insert_rows(
            SurveyResponse.__table__,
            (
                {
                    "id": uuid.UUID(int=rng.getrandbits(128)).hex,
                    "survey_id": survey.id,
                    "sector": rng.choice(sectors),
                    "submitted_on": today - timedelta(days=rng.randint(0, 29)),
                    "answers": _example_answers(survey, rng),
                    "is_example": True,
                }
                for _ in range(size["responses"])
            ),
        )
        db.session.commit()
    return ids


def add_briefings(size: dict[str, int]) -> None:
    """Published example briefings copied from the seeded ones (with their topics and sources)."""
    from sqlalchemy import select

    from portal.extensions import db
    from portal.models import EvidenceBriefing, EvidenceBriefingTopic, EvidenceSource

    table = EvidenceBriefing.__table__
    seeded = [dict(row._mapping) for row in db.session.execute(select(table).where(table.c.is_example.is_(True)))]
    topics = [dict(row._mapping) for row in db.session.execute(select(EvidenceBriefingTopic.__table__))]
    sources = [dict(row._mapping) for row in db.session.execute(select(EvidenceSource.__table__))]
    first = next_id(table)
    briefings, topic_rows, source_rows = [], [], []
    for n in range(size["briefings"]):
        template = seeded[n % len(seeded)]
        briefing_id = first + n
        briefings.append(
            {
                **template,
                "id": briefing_id,
                "slug": f"bench-example-{n + 1}",
                "title": f"{template['title']} (bench example {n + 1})"[:200],
                "status": "published",
                "is_example": True,
                "author_id": None,
            }
        )
        topic_rows += [
            {"briefing_id": briefing_id, "topic": t["topic"]} for t in topics if t["briefing_id"] == template["id"]
        ]
        source_rows += [
            {**{k: v for k, v in s.items() if k != "id"}, "briefing_id": briefing_id}
            for s in sources
            if s["briefing_id"] == template["id"]
        ]
    insert_rows(table, briefings)
    advance_sequence(table)
    insert_rows(EvidenceBriefingTopic.__table__, topic_rows)
    insert_rows(EvidenceSource.__table__, source_rows)
    db.session.commit()


def build(database: str, scale: float, folder: Path) -> None:
    """Add everything to ``database`` (already migrated and seeded)."""
    os.environ.update({"DATABASE_URL": database, "PORTAL_ENV": "development"})
    from portal import create_app
    from portal.extensions import db

    size = counts(scale)
    rng = np.random.default_rng(17)
    app = create_app()
    with app.app_context():
        started = time.monotonic()
        print("Adding indicator values...", flush=True)
        add_indicators(folder, size, rng)
        print("Adding users, proposals and supports...", flush=True)
        users = add_users(size)
        proposals = add_proposals(size, users, rng)
        print("Adding a prioritisation round...", flush=True)
        add_round(size, proposals, users[:MEMBERS])
        print("Adding surveys and responses...", flush=True)
        add_surveys(size, 17)
        print("Adding evidence briefings...", flush=True)
        add_briefings(size)
        print(f"Built scale {scale:g} in {time.monotonic() - started:.0f} s: {size}", flush=True)
        db.session.remove()
        if db.engine.dialect.name == "sqlite":
            # Everything into the main file: the caller renames it, and a write-ahead log left behind is lost.
            with db.engine.connect() as connection:
                connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
                connection.exec_driver_sql("PRAGMA journal_mode=DELETE")
        db.engine.dispose()


def seeded_sqlite() -> Path:
    """instance/bench/portal.sqlite3, built by bench_pages.py's seeded_database() when missing."""
    from bench_pages import seeded_database

    return Path(seeded_database().removeprefix("sqlite:///"))


def cached_database(scale: float) -> str:
    """instance/bench-<scale>/portal.sqlite3: the seeded database plus this dataset, built once."""
    folder = ROOT / "instance" / f"bench-{scale:g}"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "portal.sqlite3"
    if not path.exists():
        building = folder / "building.sqlite3"
        building.unlink(missing_ok=True)
        # SQLite's backup API, not a file copy: the seeded database's last commits may still be in its WAL file.
        with closing(sqlite3.connect(seeded_sqlite())) as source, closing(sqlite3.connect(building)) as target:
            source.backup(target)
        # A fresh interpreter, so the app factory and its engine see this database only.
        command = [sys.executable, __file__, "--scale", f"{scale:g}", "--database", f"sqlite:///{building}"]
        subprocess.run(command, check=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
        building.rename(path)
    else:
        from bench_pages import upgrade_database

        # Built by an earlier run: new migrations' columns start empty (delete the folder to build it afresh).
        upgrade_database(f"sqlite:///{path}")
    return f"sqlite:///{path}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, default=1.0, help="1 for full size, 0.1 for 1/10 (default 1)")
    parser.add_argument("--database", help="add to this seeded database instead of the cached copy in instance/")
    args = parser.parse_args()
    if args.database:
        folder = ROOT / "instance" / f"bench-{args.scale:g}"
        folder.mkdir(parents=True, exist_ok=True)
        build(args.database, args.scale, folder)
    else:
        print(cached_database(args.scale))


if __name__ == "__main__":
    main()
