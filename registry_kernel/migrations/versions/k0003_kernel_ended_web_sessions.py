"""kernel: signed-out web sessions, so a copied session cookie dies with its sign-out

Revision ID: k0003
Revises: k0002
Create Date: 2026-11-28 17:00:00
"""

import sqlalchemy as sa
from alembic import op

import registry_kernel.db

revision = "k0003"
down_revision = "k0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ended_web_sessions",
        sa.Column("nonce", sa.String(length=32), nullable=False),
        sa.Column("ended_at", registry_kernel.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("nonce", name=op.f("pk_ended_web_sessions")),
    )
    with op.batch_alter_table("ended_web_sessions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ended_web_sessions_ended_at"), ["ended_at"],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table("ended_web_sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ended_web_sessions_ended_at"))
    op.drop_table("ended_web_sessions")
