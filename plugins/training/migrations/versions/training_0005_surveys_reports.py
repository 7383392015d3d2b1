"""training: per-catalog survey questions, Direct Service Profile codes

Revision ID: training_0005
Revises: training_0004
Create Date: 2026-11-28
"""

import sqlalchemy as sa
from alembic import op

import registry_kernel.db

revision = "training_0005"
down_revision = "training_0004"
branch_labels = None
depends_on = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "training_surveys",
        sa.Column("training_id", BIG_ID, nullable=False),
        sa.Column("comment_prompt", sa.String(length=300), nullable=True),
        sa.Column("updated_at", registry_kernel.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_by_account_id", BIG_ID, nullable=True),
        sa.ForeignKeyConstraint(["training_id"], ["training_trainings.id"],
                                name=op.f("fk_training_surveys_training_id_training_trainings"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["updated_by_account_id"], ["accounts.id"],
                                name=op.f("fk_training_surveys_updated_by_account_id_accounts")),
        sa.PrimaryKeyConstraint("training_id", name=op.f("pk_training_surveys")),
    )
    op.create_table(
        "training_survey_questions",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("training_id", BIG_ID, nullable=False),
        sa.Column("text", sa.String(length=300), nullable=False),
        sa.Column("scale_max", sa.Integer(), nullable=False),
        sa.Column("low_label", sa.String(length=60), nullable=True),
        sa.Column("high_label", sa.String(length=60), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("created_at", registry_kernel.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("scale_max >= 2 AND scale_max <= 10",
                           name=op.f("ck_training_survey_questions_scale_in_range")),
        sa.ForeignKeyConstraint(
            ["training_id"], ["training_trainings.id"],
            name=op.f("fk_training_survey_questions_training_id_training_trainings"),
            ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_training_survey_questions")),
    )
    op.create_index("ix_training_survey_questions_training", "training_survey_questions",
                    ["training_id", "is_active", "position"])
    op.create_table(
        "training_dsp_settings",
        sa.Column("organization_id", BIG_ID, nullable=False),
        sa.Column("county", sa.String(length=64), nullable=True),
        sa.Column("program", sa.String(length=16), nullable=False),
        sa.Column("delivery_type", sa.Integer(), nullable=False),
        sa.Column("funding", sa.Integer(), nullable=False),
        sa.Column("updated_at", registry_kernel.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"], ["organizations.id"],
            name=op.f("fk_training_dsp_settings_organization_id_organizations")),
        sa.PrimaryKeyConstraint("organization_id", name=op.f("pk_training_dsp_settings")),
    )
    op.create_table(
        "training_dsp_catalog",
        sa.Column("training_id", BIG_ID, nullable=False),
        sa.Column("program", sa.String(length=16), nullable=True),
        sa.Column("delivery_type", sa.Integer(), nullable=True),
        sa.Column("funding", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["training_id"], ["training_trainings.id"],
            name=op.f("fk_training_dsp_catalog_training_id_training_trainings"),
            ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("training_id", name=op.f("pk_training_dsp_catalog")),
    )


def downgrade() -> None:
    op.drop_table("training_dsp_catalog")
    op.drop_table("training_dsp_settings")
    op.drop_index("ix_training_survey_questions_training", "training_survey_questions")
    op.drop_table("training_survey_questions")
    op.drop_table("training_surveys")
