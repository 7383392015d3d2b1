"""workforce_data: sealed release snapshots

Revision ID: workforce_data_0001
Revises:
Create Date: 2026-11-28 16:30:00
"""

import sqlalchemy as sa
from alembic import op

import registry_kernel.db

revision = "workforce_data_0001"
down_revision = None
branch_labels = ("workforce_data",)
depends_on = "k0001"

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "workforce_snapshots",
        sa.Column("id", BigId, nullable=False),
        sa.Column("created_at", registry_kernel.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("settings", sa.String(length=64), nullable=False),
        sa.Column("kek_id", sa.String(length=32), nullable=False),
        sa.Column("wrapped_key", sa.LargeBinary(), nullable=False),
        sa.Column("payload", sa.LargeBinary(), nullable=False),
        sa.Column("build_ms", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_workforce_snapshots")),
    )


def downgrade() -> None:
    op.drop_table("workforce_snapshots")
