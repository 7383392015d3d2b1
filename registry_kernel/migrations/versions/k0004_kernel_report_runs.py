"""kernel: reports built in the background (report_runs)

Revision ID: k0004
Revises: k0003
Create Date: 2026-11-29 01:00:00
"""

import sqlalchemy as sa
from alembic import op

import registry_kernel.db

revision = "k0004"
down_revision = "k0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "report_runs",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=True),
        sa.Column("token_id", sa.Integer(), nullable=True),
        sa.Column("client_id", sa.String(length=64), nullable=True),
        sa.Column("via", sa.String(length=16), nullable=False),
        sa.Column("language", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=True),
        sa.Column("error", sa.String(length=500), nullable=True),
        sa.Column("content_kek_id", sa.String(length=32), nullable=True),
        sa.Column("content_key", sa.LargeBinary(), nullable=True),
        sa.Column("content", sa.LargeBinary(), nullable=True),
        sa.Column("created_at", registry_kernel.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("finished_at", registry_kernel.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("expires_at", registry_kernel.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"],
                                name=op.f("fk_report_runs_account_id_accounts"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["token_id"], ["oauth_tokens.id"],
                                name=op.f("fk_report_runs_token_id_oauth_tokens"),
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_runs")),
    )
    with op.batch_alter_table("report_runs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_report_runs_account_id"), ["account_id"],
                              unique=False)
        batch_op.create_index(batch_op.f("ix_report_runs_client_id"), ["client_id"],
                              unique=False)
        batch_op.create_index(batch_op.f("ix_report_runs_expires_at"), ["expires_at"],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table("report_runs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_report_runs_expires_at"))
        batch_op.drop_index(batch_op.f("ix_report_runs_client_id"))
        batch_op.drop_index(batch_op.f("ix_report_runs_account_id"))
    op.drop_table("report_runs")
