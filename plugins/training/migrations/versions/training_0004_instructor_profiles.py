"""training: Instructor Profiles (one per account, texts sealed with the person's data key)

The per-sponsor ``expertise``, ``experience`` and ``profile_published`` columns of
``training_instructors`` were never used; the profile is the person's, whatever the sponsors.

Revision ID: training_0004
Revises: training_0003
Create Date: 2026-11-28
"""

import sqlalchemy as sa
from alembic import op

import registry_kernel.db

revision = "training_0004"
down_revision = "training_0003"
branch_labels = None
depends_on = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "training_instructor_profiles",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("account_id", BIG_ID, nullable=False),
        sa.Column("participant_id", sa.String(length=36), nullable=False),
        sa.Column("display_name_enc", sa.LargeBinary(), nullable=True),
        sa.Column("expertise_enc", sa.LargeBinary(), nullable=True),
        sa.Column("experience_enc", sa.LargeBinary(), nullable=True),
        sa.Column("bio_enc", sa.LargeBinary(), nullable=True),
        sa.Column("languages", sa.JSON(), nullable=False),
        sa.Column("published", sa.Boolean(), nullable=False),
        sa.Column("published_at", registry_kernel.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", registry_kernel.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", registry_kernel.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"],
                                name=op.f("fk_training_instructor_profiles_account_id_accounts"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(
            ["participant_id"], ["participants.id"],
            name=op.f("fk_training_instructor_profiles_participant_id_participants")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_training_instructor_profiles")),
        sa.UniqueConstraint("account_id",
                            name=op.f("uq_training_instructor_profiles_account_id")),
    )
    op.create_index(op.f("ix_training_instructor_profiles_participant_id"),
                    "training_instructor_profiles", ["participant_id"])
    with op.batch_alter_table("training_instructors") as batch:
        batch.drop_column("expertise")
        batch.drop_column("experience")
        batch.drop_column("profile_published")


def downgrade() -> None:
    with op.batch_alter_table("training_instructors") as batch:
        batch.add_column(sa.Column("profile_published", sa.Boolean(), nullable=False,
                                   server_default=sa.false()))
        batch.add_column(sa.Column("experience", sa.Text(), nullable=True))
        batch.add_column(sa.Column("expertise", sa.Text(), nullable=True))
    op.drop_index(op.f("ix_training_instructor_profiles_participant_id"),
                  table_name="training_instructor_profiles")
    op.drop_table("training_instructor_profiles")
