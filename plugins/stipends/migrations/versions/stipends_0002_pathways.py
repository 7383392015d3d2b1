"""stipends: pathways (professional development plans of stipend recipients)

Revision ID: stipends_0002
Revises: stipends_0001
Create Date: 2026-11-28 15:30:00
"""

import sqlalchemy as sa
from alembic import op

import registry_kernel.db

revision = "stipends_0002"
down_revision = "stipends_0001"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
When = registry_kernel.db.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "stipends_pathways",
        sa.Column("id", BigId, nullable=False),
        sa.Column("application_id", BigId, nullable=False),
        sa.Column("participant_id", sa.String(length=36), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("target_date", sa.Date(), nullable=True),
        sa.Column("review_reason", sa.Text(), nullable=True),
        sa.Column("created_by_account_id", BigId, nullable=True),
        sa.Column("reviewed_by_account_id", BigId, nullable=True),
        sa.Column("reviewed_at", When, nullable=True),
        sa.Column("created_at", When, nullable=False),
        sa.Column("updated_at", When, nullable=False),
        sa.ForeignKeyConstraint(
            ["application_id"], ["stipends_applications.id"], ondelete="CASCADE",
            name=op.f("fk_stipends_pathways_application_id_stipends_applications")),
        sa.ForeignKeyConstraint(["participant_id"], ["participants.id"], ondelete="CASCADE",
                                name=op.f("fk_stipends_pathways_participant_id_participants")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stipends_pathways")),
        sa.UniqueConstraint("application_id", name=op.f("uq_stipends_pathways_application_id")),
    )
    op.create_index("ix_stipends_pathways_participant_id", "stipends_pathways",
                    ["participant_id"])
    op.create_table(
        "stipends_pathway_goals",
        sa.Column("id", BigId, nullable=False),
        sa.Column("pathway_id", BigId, nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("permit_level", sa.String(length=32), nullable=True),
        sa.Column("area", sa.String(length=40), nullable=True),
        sa.Column("amount", sa.Numeric(8, 2), nullable=True),
        sa.Column("since", sa.Date(), nullable=True),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("steps", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["pathway_id"], ["stipends_pathways.id"], ondelete="CASCADE",
            name=op.f("fk_stipends_pathway_goals_pathway_id_stipends_pathways")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stipends_pathway_goals")),
    )
    op.create_index("ix_stipends_pathway_goals_pathway_id", "stipends_pathway_goals",
                    ["pathway_id"])


def downgrade() -> None:
    op.drop_index("ix_stipends_pathway_goals_pathway_id", table_name="stipends_pathway_goals")
    op.drop_table("stipends_pathway_goals")
    op.drop_index("ix_stipends_pathways_participant_id", table_name="stipends_pathways")
    op.drop_table("stipends_pathways")
