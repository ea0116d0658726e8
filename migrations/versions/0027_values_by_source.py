"""indicators: indicator_values gets source_key; on PostgreSQL the table is list-partitioned by it (issue 17).

An import of a source then builds its rows in a standalone table and swaps it in for the source's partition
(portal/indicators/partition_swap.py), instead of inserting a million rows through foreign-key triggers. PostgreSQL
requires the partition key in every unique key, so the unique key gains source_key on both databases; the loader
checks that a key is held by one source only. SQLite keeps a plain table.

Revision ID: 0027_values_by_source
Revises: 0025_sar_by_email
Create Date: 2026-12-05

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0027_values_by_source"
down_revision = "0026_indicator_summaries"
branch_labels = None
depends_on = None

KEY = ("indicator_id", "area_code", "period", "sex", "age", "category_type", "category")
UNIQUE = "uq_indicator_values_indicator_id"
# The partition of rows with no source (source_key ""), e.g. values written directly rather than imported.
UNSOURCED = "indicator_values_unsourced"


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        _partition_postgresql()
        return
    with op.batch_alter_table("indicator_values") as batch:
        batch.add_column(sa.Column("source_key", sa.String(length=120), nullable=False, server_default=""))
    op.execute(
        "UPDATE indicator_values SET source_key = (SELECT source_key FROM data_imports "
        "WHERE data_imports.id = indicator_values.data_import_id) WHERE data_import_id IS NOT NULL"
    )
    with op.batch_alter_table("indicator_values") as batch:
        batch.drop_constraint(UNIQUE, type_="unique")
        batch.create_unique_constraint(UNIQUE, [*KEY, "source_key"])


def _partition_postgresql() -> None:
    """Rebuild indicator_values as a table partitioned by LIST (source_key), one partition per source."""
    key = ", ".join(KEY)
    op.execute("ALTER TABLE indicator_values ADD COLUMN source_key VARCHAR(120) NOT NULL DEFAULT ''")
    op.execute(
        "UPDATE indicator_values SET source_key = data_imports.source_key FROM data_imports "
        "WHERE data_imports.id = indicator_values.data_import_id"
    )
    op.execute("ALTER TABLE indicator_values RENAME TO indicator_values_plain")
    for name in ("pk_indicator_values", UNIQUE):
        op.execute(f"ALTER TABLE indicator_values_plain RENAME CONSTRAINT {name} TO {name}_plain")
    for name in ("ix_indicator_values_area_indicator", "ix_indicator_values_data_import_id"):
        op.execute(f"ALTER INDEX {name} RENAME TO {name}_plain")
    op.execute("ALTER SEQUENCE indicator_values_id_seq OWNED BY NONE")
    # Columns, NOT NULL and defaults (id keeps its sequence) as they are; keys and indexes as the model names them.
    op.execute(
        "CREATE TABLE indicator_values (LIKE indicator_values_plain INCLUDING DEFAULTS) PARTITION BY LIST (source_key)"
    )
    op.execute("ALTER SEQUENCE indicator_values_id_seq OWNED BY indicator_values.id")
    _keys_and_indexes()
    op.execute(f"CREATE TABLE {UNSOURCED} PARTITION OF indicator_values FOR VALUES IN ('')")
    sources = op.get_bind().execute(
        sa.text(
            "SELECT source_key, max(data_import_id) FROM indicator_values_plain WHERE source_key <> '' "
            "GROUP BY source_key ORDER BY 2"
        )
    )
    for number, (source, import_id) in enumerate(sources.all()):
        # The loader names a partition after the import that filled it.
        partition = f"indicator_values_i{import_id}" if import_id is not None else f"indicator_values_m{number}"
        op.execute(
            sa.text(f"CREATE TABLE {partition} PARTITION OF indicator_values FOR VALUES IN (:source)")
            .bindparams(source=source)
            .compile(dialect=op.get_bind().dialect, compile_kwargs={"literal_binds": True})
            .string
        )
    op.execute(f"INSERT INTO indicator_values SELECT * FROM indicator_values_plain ORDER BY {key}")  # noqa: S608 - key: the constant column list above
    op.execute("DROP TABLE indicator_values_plain")


def _keys_and_indexes() -> None:
    """The model's primary key (with the partition key), unique key, indexes and foreign keys."""
    op.execute("ALTER TABLE indicator_values ADD CONSTRAINT pk_indicator_values PRIMARY KEY (id, source_key)")
    op.execute(f"ALTER TABLE indicator_values ADD CONSTRAINT {UNIQUE} UNIQUE ({', '.join(KEY)}, source_key)")
    op.execute("CREATE INDEX ix_indicator_values_area_indicator ON indicator_values (area_code, indicator_id)")
    op.execute("CREATE INDEX ix_indicator_values_data_import_id ON indicator_values (data_import_id)")
    op.execute(
        "ALTER TABLE indicator_values ADD CONSTRAINT fk_indicator_values_area_code_areas "
        "FOREIGN KEY (area_code) REFERENCES areas (code)"
    )
    op.execute(
        "ALTER TABLE indicator_values ADD CONSTRAINT fk_indicator_values_data_import_id_data_imports "
        "FOREIGN KEY (data_import_id) REFERENCES data_imports (id) ON DELETE SET NULL"
    )
    op.execute(
        "ALTER TABLE indicator_values ADD CONSTRAINT fk_indicator_values_indicator_id_indicators "
        "FOREIGN KEY (indicator_id) REFERENCES indicators (id) ON DELETE CASCADE"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        _unpartition_postgresql()
        return
    with op.batch_alter_table("indicator_values") as batch:
        batch.drop_constraint(UNIQUE, type_="unique")
        batch.create_unique_constraint(UNIQUE, list(KEY))
        batch.drop_column("source_key")


def _unpartition_postgresql() -> None:
    """Back to one plain table (its rows' sources are still in data_imports through data_import_id)."""
    key = ", ".join(KEY)
    op.execute("ALTER TABLE indicator_values RENAME TO indicator_values_partitioned")
    for name in ("pk_indicator_values", UNIQUE):
        op.execute(f"ALTER TABLE indicator_values_partitioned RENAME CONSTRAINT {name} TO {name}_partitioned")
    for name in ("ix_indicator_values_area_indicator", "ix_indicator_values_data_import_id"):
        op.execute(f"ALTER INDEX {name} RENAME TO {name}_partitioned")
    op.execute("ALTER SEQUENCE indicator_values_id_seq OWNED BY NONE")
    op.execute("CREATE TABLE indicator_values (LIKE indicator_values_partitioned INCLUDING DEFAULTS)")
    op.execute("ALTER SEQUENCE indicator_values_id_seq OWNED BY indicator_values.id")
    op.execute("ALTER TABLE indicator_values ADD CONSTRAINT pk_indicator_values PRIMARY KEY (id)")
    op.execute(f"ALTER TABLE indicator_values ADD CONSTRAINT {UNIQUE} UNIQUE ({key})")
    op.execute("CREATE INDEX ix_indicator_values_area_indicator ON indicator_values (area_code, indicator_id)")
    op.execute("CREATE INDEX ix_indicator_values_data_import_id ON indicator_values (data_import_id)")
    for column, target, action in (
        ("area_code", "areas (code)", ""),
        ("data_import_id", "data_imports (id)", " ON DELETE SET NULL"),
        ("indicator_id", "indicators (id)", " ON DELETE CASCADE"),
    ):
        table = target.split(" ")[0]
        op.execute(
            f"ALTER TABLE indicator_values ADD CONSTRAINT fk_indicator_values_{column}_{table} "
            f"FOREIGN KEY ({column}) REFERENCES {target}{action}"
        )
    op.execute(f"INSERT INTO indicator_values SELECT * FROM indicator_values_partitioned ORDER BY {key}")  # noqa: S608 - constant column list
    op.execute("DROP TABLE indicator_values_partitioned")
    op.execute("ALTER TABLE indicator_values DROP COLUMN source_key")
