"""small areas: the LSOA to ward lookup, LSOA and comparator facts, and population segmentation runs with history.

Revision ID: 0013_reports_small_areas
Revises: 0012_security_hardening
Create Date: 2026-12-05

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0013_reports_small_areas"
down_revision = "0012_security_hardening"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "small_area_loads",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("checksum", sa.String(length=64), nullable=False),
        sa.Column("lad_code", sa.String(length=16), nullable=False),
        sa.Column("files", sa.JSON(), nullable=False),
        sa.Column("coverage", sa.JSON(), nullable=False),
        sa.Column("loaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_small_area_loads")),
    )
    with op.batch_alter_table("small_area_loads") as batch:
        batch.create_index(batch.f("ix_small_area_loads_checksum"), ["checksum"], unique=False)

    op.create_table(
        "lsoa_ward_lookup",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("vintage", sa.Integer(), nullable=False),
        sa.Column("lsoa_code", sa.String(length=16), nullable=False),
        sa.Column("lsoa_name", sa.String(length=200), nullable=False),
        sa.Column("ward_code", sa.String(length=16), nullable=False),
        sa.Column("ward_name", sa.String(length=200), nullable=False),
        sa.Column("method", sa.String(length=32), nullable=False),
        sa.Column("overlap_share", sa.Float(), nullable=False),
        sa.Column("parent_lsoa11_code", sa.String(length=16), nullable=False),
        sa.Column("ons_ward_code", sa.String(length=16), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lsoa_ward_lookup")),
        sa.UniqueConstraint("vintage", "lsoa_code", name=op.f("uq_lsoa_ward_lookup_vintage")),
    )
    with op.batch_alter_table("lsoa_ward_lookup") as batch:
        batch.create_index(batch.f("ix_lsoa_ward_lookup_ward_code"), ["ward_code"], unique=False)

    op.create_table(
        "small_area_facts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("level", sa.String(length=16), nullable=False),
        sa.Column("area_code", sa.String(length=16), nullable=False),
        sa.Column("measure", sa.String(length=64), nullable=False),
        sa.Column("value", sa.Float(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_small_area_facts")),
        sa.UniqueConstraint("level", "area_code", "measure", name=op.f("uq_small_area_facts_level")),
    )
    with op.batch_alter_table("small_area_facts") as batch:
        batch.create_index("ix_small_area_facts_level", ["level"], unique=False)

    op.create_table(
        "segmentation_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("data_checksum", sa.String(length=64), nullable=False),
        sa.Column("lad_code", sa.String(length=16), nullable=False),
        sa.Column("seed", sa.Integer(), nullable=False),
        sa.Column("starts", sa.Integer(), nullable=False),
        sa.Column("stability_seeds", sa.Integer(), nullable=False),
        sa.Column("k", sa.Integer(), nullable=False),
        sa.Column("candidates", sa.JSON(), nullable=False),
        sa.Column("features", sa.JSON(), nullable=False),
        sa.Column("filled", sa.JSON(), nullable=False),
        sa.Column("lsoa_count", sa.Integer(), nullable=False),
        sa.Column("population", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_segmentation_runs")),
    )
    with op.batch_alter_table("segmentation_runs") as batch:
        batch.create_index(batch.f("ix_segmentation_runs_data_checksum"), ["data_checksum"], unique=False)

    op.create_table(
        "segments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("description", sa.String(length=400), nullable=False),
        sa.Column("lsoa_count", sa.Integer(), nullable=False),
        sa.Column("population", sa.Float(), nullable=False),
        sa.Column("profile", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"], ["segmentation_runs.id"], name=op.f("fk_segments_run_id_segmentation_runs"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_segments")),
        sa.UniqueConstraint("run_id", "number", name=op.f("uq_segments_run_id")),
    )
    with op.batch_alter_table("segments") as batch:
        batch.create_index(batch.f("ix_segments_run_id"), ["run_id"], unique=False)

    op.create_table(
        "segment_members",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("segment_id", sa.Integer(), nullable=False),
        sa.Column("lsoa_code", sa.String(length=16), nullable=False),
        sa.Column("distance", sa.Float(), nullable=False),
        sa.Column("silhouette", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["segmentation_runs.id"],
            name=op.f("fk_segment_members_run_id_segmentation_runs"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["segment_id"], ["segments.id"], name=op.f("fk_segment_members_segment_id_segments"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_segment_members")),
        sa.UniqueConstraint("run_id", "lsoa_code", name=op.f("uq_segment_members_run_id")),
    )
    with op.batch_alter_table("segment_members") as batch:
        batch.create_index(batch.f("ix_segment_members_run_id"), ["run_id"], unique=False)
        batch.create_index(batch.f("ix_segment_members_segment_id"), ["segment_id"], unique=False)


def downgrade() -> None:
    op.drop_table("segment_members")
    op.drop_table("segments")
    op.drop_table("segmentation_runs")
    op.drop_table("small_area_facts")
    op.drop_table("lsoa_ward_lookup")
    op.drop_table("small_area_loads")
