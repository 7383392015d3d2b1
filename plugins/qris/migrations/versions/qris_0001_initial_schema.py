"""qris: initial schema

Revision ID: qris_0001
Revises:
Create Date: 2026-11-28 13:20:00
"""

import sqlalchemy as sa
from alembic import op

import registry_kernel.db

revision = "qris_0001"
down_revision = None
branch_labels = ("qris",)
depends_on = "k0001"

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "qris_scores",
        sa.Column("id", BigId, nullable=False),
        sa.Column("organization_id", BigId, nullable=False),
        sa.Column("element", sa.Integer(), nullable=False),
        sa.Column("points", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=24), nullable=False),
        sa.Column("rule_set_county", sa.String(length=64), nullable=False),
        sa.Column("rule_set_version", sa.String(length=64), nullable=False),
        sa.Column("decided_by", sa.String(length=120), nullable=True),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("trigger", sa.String(length=40), nullable=False),
        sa.Column("computed_at", registry_kernel.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["organization_id"], ["organizations.id"],
                                name=op.f("fk_qris_scores_organization_id_organizations")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_qris_scores")),
    )
    op.create_index("ix_qris_scores_site", "qris_scores",
                    ["organization_id", "element", "id"], unique=False)
    op.create_table(
        "qris_lead_teacher_corrections",
        sa.Column("id", BigId, nullable=False),
        sa.Column("organization_id", BigId, nullable=False),
        sa.Column("participant_id", sa.String(length=36), nullable=False),
        sa.Column("counts", sa.Boolean(), nullable=False),
        sa.Column("classroom", sa.String(length=100), nullable=True),
        sa.Column("set_by_account_id", BigId, nullable=True),
        sa.Column("set_at", registry_kernel.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"], ["organizations.id"],
            name=op.f("fk_qris_lead_teacher_corrections_organization_id_organizations")),
        sa.ForeignKeyConstraint(
            ["participant_id"], ["participants.id"], ondelete="CASCADE",
            name=op.f("fk_qris_lead_teacher_corrections_participant_id_participants")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_qris_lead_teacher_corrections")),
        sa.UniqueConstraint("organization_id", "participant_id",
                            name="uq_qris_lead_teacher_corrections_org_participant"),
    )
    op.create_index(op.f("ix_qris_lead_teacher_corrections_organization_id"),
                    "qris_lead_teacher_corrections", ["organization_id"], unique=False)
    op.create_index(op.f("ix_qris_lead_teacher_corrections_participant_id"),
                    "qris_lead_teacher_corrections", ["participant_id"], unique=False)
    op.create_table(
        "qris_validation_dates",
        sa.Column("id", BigId, nullable=False),
        sa.Column("organization_id", BigId, nullable=False),
        sa.Column("validated_on", sa.Date(), nullable=False),
        sa.Column("recorded_by_account_id", BigId, nullable=True),
        sa.Column("created_at", registry_kernel.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"], ["organizations.id"],
            name=op.f("fk_qris_validation_dates_organization_id_organizations")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_qris_validation_dates")),
        sa.UniqueConstraint("organization_id", "validated_on",
                            name="uq_qris_validation_dates_org_day"),
    )
    op.create_index(op.f("ix_qris_validation_dates_organization_id"), "qris_validation_dates",
                    ["organization_id"], unique=False)
    op.create_table(
        "qris_county_rules",
        sa.Column("id", BigId, nullable=False),
        sa.Column("county", sa.String(length=64), nullable=False),
        sa.Column("version", sa.String(length=64), nullable=False),
        sa.Column("source_text", sa.Text(), nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("uploaded_by_account_id", BigId, nullable=True),
        sa.Column("uploaded_at", registry_kernel.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_qris_county_rules")),
        sa.UniqueConstraint("county", name=op.f("uq_qris_county_rules_county")),
    )


def downgrade() -> None:
    op.drop_table("qris_county_rules")
    op.drop_index(op.f("ix_qris_validation_dates_organization_id"),
                  table_name="qris_validation_dates")
    op.drop_table("qris_validation_dates")
    op.drop_index(op.f("ix_qris_lead_teacher_corrections_participant_id"),
                  table_name="qris_lead_teacher_corrections")
    op.drop_index(op.f("ix_qris_lead_teacher_corrections_organization_id"),
                  table_name="qris_lead_teacher_corrections")
    op.drop_table("qris_lead_teacher_corrections")
    op.drop_index("ix_qris_scores_site", table_name="qris_scores")
    op.drop_table("qris_scores")
