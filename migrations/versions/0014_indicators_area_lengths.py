"""key dataset: every Fingertips area type kept with the publisher's label; value text columns long enough for the
published data (issue 13 item 4: a 38-character ONS period label did not fit indicator_values.period varchar(32));
indicators first loaded from a file are drafts until reviewed, with a note of what was inferred.

Revision ID: 0014_indicators_area_lengths
Revises: 0013_reports_small_areas
Create Date: 2026-12-05

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0014_indicators_area_lengths"
down_revision = "0013_reports_small_areas"
branch_labels = None
depends_on = None

# column: (old length, new length). On SQLite the batch copies indicator_values (no table references it); areas only
# gains a column, which SQLite adds in place, so the tables that reference areas are never rebuilt.
VALUE_LENGTHS = {
    "period": (32, 64),
    "sex": (16, 32),
    "age": (32, 64),
    "category_type": (120, 255),
    "category": (120, 255),
    "source_compared_to_england": (32, 64),
    "source_compared_to_region": (32, 64),
    "source_recent_trend": (64, 120),
}


def upgrade() -> None:
    with op.batch_alter_table("areas") as batch:
        batch.add_column(sa.Column("area_type_label", sa.String(length=120), server_default="", nullable=False))
    with op.batch_alter_table("indicators") as batch:
        # Every indicator loaded so far was reviewed through data/indicator_metadata.csv: published.
        batch.add_column(sa.Column("status", sa.String(length=16), server_default="published", nullable=False))
        batch.add_column(sa.Column("inferred_note", sa.Text(), server_default="", nullable=False))
    op.create_index(op.f("ix_indicators_status"), "indicators", ["status"], unique=False)

    with op.batch_alter_table("indicator_values") as batch:
        for column, (old, new) in VALUE_LENGTHS.items():
            batch.alter_column(
                column, existing_type=sa.String(length=old), type_=sa.String(length=new), existing_nullable=False
            )


def downgrade() -> None:
    with op.batch_alter_table("indicator_values") as batch:
        for column, (old, new) in VALUE_LENGTHS.items():
            batch.alter_column(
                column, existing_type=sa.String(length=new), type_=sa.String(length=old), existing_nullable=False
            )
    op.drop_index(op.f("ix_indicators_status"), table_name="indicators")
    # Plain DROP COLUMN (SQLite 3.35+ and PostgreSQL): a batch rebuild of indicators or areas would drop and re-create
    # tables that others reference, and SQLite would cascade the drop to every indicator value.
    for table, column in (("indicators", "inferred_note"), ("indicators", "status"), ("areas", "area_type_label")):
        op.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
