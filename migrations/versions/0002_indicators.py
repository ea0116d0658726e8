"""key dataset: areas, comparators, indicators, values, imports

Revision ID: 0002_indicators
Revises: 0001_foundation
Create Date: 2026-11-28 14:57:02.529866

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0002_indicators"
down_revision = "0001_foundation"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "areas",
        sa.Column("code", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("area_type", sa.String(length=16), nullable=False),
        sa.Column("parent_code", sa.String(length=16), nullable=True),
        sa.Column("boundary", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(["parent_code"], ["areas.code"], name=op.f("fk_areas_parent_code_areas")),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_areas")),
    )
    with op.batch_alter_table("areas", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_areas_area_type"), ["area_type"], unique=False)
        batch_op.create_index(batch_op.f("ix_areas_parent_code"), ["parent_code"], unique=False)

    op.create_table(
        "comparator_groups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_comparator_groups")),
        sa.UniqueConstraint("slug", name=op.f("uq_comparator_groups_slug")),
    )
    op.create_table(
        "comparator_group_members",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("area_code", sa.String(length=16), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["area_code"], ["areas.code"], name=op.f("fk_comparator_group_members_area_code_areas")
        ),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["comparator_groups.id"],
            name=op.f("fk_comparator_group_members_group_id_comparator_groups"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_comparator_group_members")),
        sa.UniqueConstraint("group_id", "area_code", name=op.f("uq_comparator_group_members_group_id")),
    )
    op.create_table(
        "data_imports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source_key", sa.String(length=120), nullable=False),
        sa.Column("format", sa.String(length=32), nullable=False),
        sa.Column("file_name", sa.String(length=255), nullable=False),
        sa.Column("checksum_sha256", sa.String(length=64), nullable=False),
        sa.Column("row_count", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("progress_done", sa.Integer(), nullable=False),
        sa.Column("progress_total", sa.Integer(), nullable=False),
        sa.Column("error_report", sa.JSON(), nullable=True),
        sa.Column("imported_by_id", sa.Integer(), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["imported_by_id"], ["users.id"], name=op.f("fk_data_imports_imported_by_id_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_data_imports")),
    )
    with op.batch_alter_table("data_imports", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_data_imports_source_key"), ["source_key"], unique=False)

    op.create_table(
        "indicators",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=400), nullable=False),
        sa.Column("definition", sa.Text(), nullable=False),
        sa.Column("unit", sa.String(length=64), nullable=False),
        sa.Column("value_type", sa.String(length=32), nullable=False),
        sa.Column("multiplier", sa.Float(), nullable=False),
        sa.Column("polarity", sa.String(length=16), nullable=False),
        sa.Column("topic", sa.String(length=32), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("publisher", sa.String(length=200), nullable=False),
        sa.Column("licence", sa.String(length=200), nullable=False),
        sa.Column("comparison_confidence", sa.Float(), nullable=False),
        sa.Column("data_import_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["data_import_id"],
            ["data_imports.id"],
            name=op.f("fk_indicators_data_import_id_data_imports"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_indicators")),
    )
    with op.batch_alter_table("indicators", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_indicators_topic"), ["topic"], unique=False)

    op.create_table(
        "indicator_values",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("indicator_id", sa.String(length=64), nullable=False),
        sa.Column("area_code", sa.String(length=16), nullable=False),
        sa.Column("period", sa.String(length=32), nullable=False),
        sa.Column("period_sortable", sa.Integer(), nullable=False),
        sa.Column("sex", sa.String(length=16), nullable=False),
        sa.Column("age", sa.String(length=32), nullable=False),
        sa.Column("category_type", sa.String(length=120), nullable=False),
        sa.Column("category", sa.String(length=120), nullable=False),
        sa.Column("value", sa.Float(), nullable=True),
        sa.Column("lower_ci95", sa.Float(), nullable=True),
        sa.Column("upper_ci95", sa.Float(), nullable=True),
        sa.Column("lower_ci998", sa.Float(), nullable=True),
        sa.Column("upper_ci998", sa.Float(), nullable=True),
        sa.Column("count", sa.Float(), nullable=True),
        sa.Column("denominator", sa.Float(), nullable=True),
        sa.Column("value_note", sa.Text(), nullable=False),
        sa.Column("suppressed", sa.Boolean(), nullable=False),
        sa.Column("derived", sa.Boolean(), nullable=False),
        sa.Column("source_compared_to_england", sa.String(length=32), nullable=False),
        sa.Column("source_compared_to_region", sa.String(length=32), nullable=False),
        sa.Column("source_recent_trend", sa.String(length=64), nullable=False),
        sa.Column("data_import_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["area_code"], ["areas.code"], name=op.f("fk_indicator_values_area_code_areas")),
        sa.ForeignKeyConstraint(
            ["data_import_id"],
            ["data_imports.id"],
            name=op.f("fk_indicator_values_data_import_id_data_imports"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["indicator_id"],
            ["indicators.id"],
            name=op.f("fk_indicator_values_indicator_id_indicators"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_indicator_values")),
        sa.UniqueConstraint(
            "indicator_id",
            "area_code",
            "period",
            "sex",
            "age",
            "category_type",
            "category",
            name=op.f("uq_indicator_values_indicator_id"),
        ),
    )
    with op.batch_alter_table("indicator_values", schema=None) as batch_op:
        batch_op.create_index("ix_indicator_values_area_indicator", ["area_code", "indicator_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_indicator_values_data_import_id"), ["data_import_id"], unique=False)


def downgrade():
    with op.batch_alter_table("indicator_values", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_indicator_values_data_import_id"))
        batch_op.drop_index("ix_indicator_values_area_indicator")

    op.drop_table("indicator_values")
    with op.batch_alter_table("indicators", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_indicators_topic"))

    op.drop_table("indicators")
    with op.batch_alter_table("data_imports", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_data_imports_source_key"))

    op.drop_table("data_imports")
    op.drop_table("comparator_group_members")
    op.drop_table("comparator_groups")
    with op.batch_alter_table("areas", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_areas_parent_code"))
        batch_op.drop_index(batch_op.f("ix_areas_area_type"))

    op.drop_table("areas")
