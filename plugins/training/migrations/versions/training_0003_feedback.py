"""training: anonymous feedback surveys

Revision ID: training_0003
Revises: training_0002
Create Date: 2026-11-28
"""

import sqlalchemy as sa
from alembic import op

import registry_kernel.db

revision = "training_0003"
down_revision = "training_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "training_feedback_responses",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("event_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
                  nullable=False),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("answered_on", registry_kernel.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["event_id"], ["training_events.id"],
                                name=op.f("fk_training_feedback_responses_event_id_training_events")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_training_feedback_responses")),
    )
    op.create_index(op.f("ix_training_feedback_responses_event_id"),
                    "training_feedback_responses", ["event_id"])
    op.create_table(
        "training_feedback_done",
        sa.Column("enrollment_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
                  nullable=False),
        sa.ForeignKeyConstraint(["enrollment_id"], ["training_enrollments.id"],
                                name=op.f("fk_training_feedback_done_enrollment_id_training_enrollments"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("enrollment_id", name=op.f("pk_training_feedback_done")),
    )


def downgrade() -> None:
    op.drop_table("training_feedback_done")
    op.drop_table("training_feedback_responses")
