"""perf: indicator summaries worked out at import and stored, so pages read them with one query (issue 17).

Revision ID: 0026_indicator_summaries
Revises: 0025_sar_by_email
Create Date: 2026-12-05

The table starts empty: pages compute summaries until the next import or ``flask seed`` (or
``flask indicators refresh-summaries``) fills it.
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0026_indicator_summaries"
down_revision = "0025_sar_by_email"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "indicator_summaries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("indicator_id", sa.String(length=64), nullable=False),
        sa.Column("area_code", sa.String(length=16), nullable=False),
        sa.Column("breakdown", sa.String(length=100), nullable=False),
        sa.Column("topic", sa.String(length=32), nullable=False),
        sa.Column("compared_to_england", sa.String(length=32), nullable=False),
        sa.Column("summary", sa.JSON(), nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["area_code"], ["areas.code"], name=op.f("fk_indicator_summaries_area_code_areas"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["indicator_id"],
            ["indicators.id"],
            name=op.f("fk_indicator_summaries_indicator_id_indicators"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_indicator_summaries")),
        sa.UniqueConstraint("indicator_id", "area_code", "breakdown", name=op.f("uq_indicator_summaries_indicator_id")),
    )
    op.create_index(
        "ix_indicator_summaries_lookup",
        "indicator_summaries",
        ["area_code", "breakdown", "topic", "compared_to_england"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_indicator_summaries_lookup", table_name="indicator_summaries")
    op.drop_table("indicator_summaries")
