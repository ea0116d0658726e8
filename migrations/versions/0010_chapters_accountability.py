"""chapters: recommendations are addressed to organisations (each optionally for a named person), an organisation
responds through one of its commissioners, and each recommendation names the indicators it aims to move with their
values when it was first answered.

- rec_organisations gains person_id (the named person);
- rec_responses gains organisation_id (the organisation the response answers for), unique per recommendation;
- rec_indicators is new;
- rec_commissioners goes: each addressed commissioner becomes their organisation's link, naming them. A commissioner
  with no organisation is put in an organisation called "Organisation not recorded", which an administrator can
  change on the user's page; their responses answer for it.

SQLite cannot add a NOT NULL reference column, and rebuilding rec_responses would cascade-delete its progress
updates (foreign keys are on inside the migration's transaction), so rec_responses.organisation_id is added with a
plain ALTER TABLE and allows NULL; every row is filled here and the application always sets it.

Revision ID: 0010_chapters_accountability
Revises: 0009_invitation_delivery
Create Date: 2026-12-05

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0010_chapters_accountability"
down_revision = "0009_invitation_delivery"
branch_labels = None
depends_on = None

UNRECORDED_ORGANISATION = "Organisation not recorded"
RESPONSE_ORGANISATION_INDEX = "uq_rec_responses_recommendation_organisation"


def _sqlite() -> bool:
    return op.get_bind().dialect.name == "sqlite"


def _move_commissioner_links(bind: sa.engine.Connection) -> None:
    """Each addressed commissioner becomes their organisation's link, naming them; responses get the organisation."""
    without = (
        bind.execute(
            sa.text(
                "SELECT DISTINCT u.id FROM users u WHERE u.organisation_id IS NULL AND ("
                " u.id IN (SELECT user_id FROM rec_commissioners) OR u.id IN (SELECT commissioner_id FROM rec_responses))"
            )
        )
        .scalars()
        .all()
    )
    if without:
        found = bind.execute(
            sa.text("SELECT id FROM organisations WHERE name = :name"), {"name": UNRECORDED_ORGANISATION}
        ).scalar()
        if found is None:
            bind.execute(
                sa.text(
                    "INSERT INTO organisations (name, sector, verified, created_at)"
                    " VALUES (:name, 'other', :no, CURRENT_TIMESTAMP)"
                ),
                {"name": UNRECORDED_ORGANISATION, "no": False},
            )
            found = bind.execute(
                sa.text("SELECT id FROM organisations WHERE name = :name"), {"name": UNRECORDED_ORGANISATION}
            ).scalar()
        for user_id in without:
            bind.execute(
                sa.text("UPDATE users SET organisation_id = :org WHERE id = :user"), {"org": found, "user": user_id}
            )

    links = bind.execute(
        sa.text(
            "SELECT rc.recommendation_id, rc.user_id, rc.notified_at, u.organisation_id"
            " FROM rec_commissioners rc JOIN users u ON u.id = rc.user_id ORDER BY rc.id"
        )
    ).all()
    for recommendation_id, user_id, notified_at, organisation_id in links:
        existing = bind.execute(
            sa.text(
                "SELECT id, person_id FROM rec_organisations WHERE recommendation_id = :rec AND organisation_id = :org"
            ),
            {"rec": recommendation_id, "org": organisation_id},
        ).first()
        if existing is None:
            bind.execute(
                sa.text(
                    "INSERT INTO rec_organisations (recommendation_id, organisation_id, person_id, notified_at)"
                    " VALUES (:rec, :org, :person, :notified)"
                ),
                {"rec": recommendation_id, "org": organisation_id, "person": user_id, "notified": notified_at},
            )
        elif existing[1] is None:
            bind.execute(
                sa.text("UPDATE rec_organisations SET person_id = :person WHERE id = :id"),
                {"person": user_id, "id": existing[0]},
            )

    bind.execute(
        sa.text(
            "UPDATE rec_responses SET organisation_id ="
            " (SELECT organisation_id FROM users WHERE users.id = rec_responses.commissioner_id)"
        )
    )
    twice = bind.execute(
        sa.text(
            "SELECT recommendation_id, organisation_id FROM rec_responses"
            " GROUP BY recommendation_id, organisation_id HAVING COUNT(*) > 1"
        )
    ).all()
    if twice:
        raise RuntimeError(
            "Two commissioners of one organisation have both responded to the same recommendation "
            f"(recommendation, organisation): {[tuple(row) for row in twice]}. An organisation now answers once: "
            "remove the extra responses, then upgrade again."
        )


def upgrade() -> None:
    with op.batch_alter_table("rec_organisations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("person_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_rec_organisations_person_id_users"), "users", ["person_id"], ["id"], ondelete="SET NULL"
        )

    op.create_table(
        "rec_indicators",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("recommendation_id", sa.Integer(), nullable=False),
        sa.Column("indicator_id", sa.String(length=64), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("baseline_period", sa.String(length=64), nullable=False),
        sa.Column("baseline_sex", sa.String(length=32), nullable=False),
        sa.Column("baseline_age", sa.String(length=64), nullable=False),
        sa.Column("baseline_value", sa.Float(), nullable=True),
        sa.Column("baseline_lower", sa.Float(), nullable=True),
        sa.Column("baseline_upper", sa.Float(), nullable=True),
        sa.Column("baseline_text", sa.String(length=64), nullable=False),
        sa.Column("baseline_recorded_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["indicator_id"],
            ["indicators.id"],
            name=op.f("fk_rec_indicators_indicator_id_indicators"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["recommendation_id"],
            ["recommendations.id"],
            name=op.f("fk_rec_indicators_recommendation_id_recommendations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rec_indicators")),
        sa.UniqueConstraint("recommendation_id", "indicator_id", name=op.f("uq_rec_indicators_recommendation_id")),
    )
    with op.batch_alter_table("rec_indicators", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_rec_indicators_recommendation_id"), ["recommendation_id"], unique=False)

    if _sqlite():
        op.execute("ALTER TABLE rec_responses ADD COLUMN organisation_id INTEGER REFERENCES organisations (id)")
    else:
        op.add_column("rec_responses", sa.Column("organisation_id", sa.Integer(), nullable=True))
        op.create_foreign_key(
            op.f("fk_rec_responses_organisation_id_organisations"),
            "rec_responses",
            "organisations",
            ["organisation_id"],
            ["id"],
        )

    _move_commissioner_links(op.get_bind())
    op.create_index(RESPONSE_ORGANISATION_INDEX, "rec_responses", ["recommendation_id", "organisation_id"], unique=True)

    with op.batch_alter_table("rec_commissioners", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_rec_commissioners_user_id"))
        batch_op.drop_index(batch_op.f("ix_rec_commissioners_recommendation_id"))
    op.drop_table("rec_commissioners")


def downgrade() -> None:
    op.create_table(
        "rec_commissioners",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("recommendation_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("notified_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["recommendation_id"],
            ["recommendations.id"],
            name=op.f("fk_rec_commissioners_recommendation_id_recommendations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_rec_commissioners_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rec_commissioners")),
        sa.UniqueConstraint("recommendation_id", "user_id", name=op.f("uq_rec_commissioners_recommendation_id")),
    )
    with op.batch_alter_table("rec_commissioners", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_rec_commissioners_recommendation_id"), ["recommendation_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_rec_commissioners_user_id"), ["user_id"], unique=False)
    # Named people and the commissioners who responded become addressed commissioners again.
    op.execute(
        "INSERT INTO rec_commissioners (recommendation_id, user_id, notified_at)"
        " SELECT recommendation_id, person_id, notified_at FROM rec_organisations WHERE person_id IS NOT NULL"
    )
    op.execute(
        "INSERT INTO rec_commissioners (recommendation_id, user_id, notified_at)"
        " SELECT DISTINCT r.recommendation_id, r.commissioner_id, CURRENT_TIMESTAMP FROM rec_responses r"
        " WHERE NOT EXISTS (SELECT 1 FROM rec_commissioners c"
        " WHERE c.recommendation_id = r.recommendation_id AND c.user_id = r.commissioner_id)"
    )

    op.drop_index(RESPONSE_ORGANISATION_INDEX, table_name="rec_responses")
    if _sqlite():
        op.execute("ALTER TABLE rec_responses DROP COLUMN organisation_id")
    else:
        op.drop_constraint(op.f("fk_rec_responses_organisation_id_organisations"), "rec_responses", type_="foreignkey")
        op.drop_column("rec_responses", "organisation_id")

    with op.batch_alter_table("rec_indicators", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_rec_indicators_recommendation_id"))
    op.drop_table("rec_indicators")

    with op.batch_alter_table("rec_organisations", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_rec_organisations_person_id_users"), type_="foreignkey")
        batch_op.drop_column("person_id")
