"""stipends: initial schema

Revision ID: stipends_0001
Revises:
Create Date: 2026-11-28 14:15:00
"""

import sqlalchemy as sa
from alembic import op

import registry_kernel.db

revision = "stipends_0001"
down_revision = None
branch_labels = ("stipends",)
depends_on = "k0001"

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
When = registry_kernel.db.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "stipends_programs",
        sa.Column("id", BigId, nullable=False),
        sa.Column("organization_id", BigId, nullable=False),
        sa.Column("county", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("funding_year", sa.String(length=16), nullable=False),
        sa.Column("opens_on", sa.Date(), nullable=False),
        sa.Column("closes_on", sa.Date(), nullable=False),
        sa.Column("amount", sa.Numeric(10, 2), nullable=True),
        sa.Column("tiers", sa.JSON(), nullable=False),
        sa.Column("rules", sa.JSON(), nullable=False),
        sa.Column("allow_itin", sa.Boolean(), nullable=False),
        sa.Column("created_by_account_id", BigId, nullable=True),
        sa.Column("created_at", When, nullable=False),
        sa.Column("updated_at", When, nullable=False),
        sa.ForeignKeyConstraint(["organization_id"], ["organizations.id"],
                                name=op.f("fk_stipends_programs_organization_id_organizations")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stipends_programs")),
    )
    op.create_index("ix_stipends_programs_county", "stipends_programs", ["county", "closes_on"])
    op.create_table(
        "stipends_applications",
        sa.Column("id", BigId, nullable=False),
        sa.Column("program_id", BigId, nullable=False),
        sa.Column("participant_id", sa.String(length=36), nullable=False),
        sa.Column("status", sa.String(length=24), nullable=False),
        sa.Column("tier", sa.String(length=40), nullable=True),
        sa.Column("amount", sa.Numeric(10, 2), nullable=False),
        sa.Column("funding_types", sa.JSON(), nullable=False),
        sa.Column("employer_id", BigId, nullable=True),
        sa.Column("role_category", sa.String(length=32), nullable=True),
        sa.Column("tin_kind", sa.String(length=8), nullable=False),
        sa.Column("tin_enc", sa.LargeBinary(), nullable=True),
        sa.Column("tin_index", sa.String(length=64), nullable=True),
        sa.Column("eligibility", sa.JSON(), nullable=False),
        sa.Column("decision_reason", sa.Text(), nullable=True),
        sa.Column("decided_at", When, nullable=True),
        sa.Column("decided_by_account_id", BigId, nullable=True),
        sa.Column("submitted_at", When, nullable=False),
        sa.Column("updated_at", When, nullable=False),
        sa.ForeignKeyConstraint(["program_id"], ["stipends_programs.id"],
                                name=op.f("fk_stipends_applications_program_id_stipends_programs")),
        sa.ForeignKeyConstraint(["employer_id"], ["organizations.id"],
                                name=op.f("fk_stipends_applications_employer_id_organizations")),
        sa.ForeignKeyConstraint(["participant_id"], ["participants.id"], ondelete="CASCADE",
                                name=op.f("fk_stipends_applications_participant_id_participants")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stipends_applications")),
        sa.UniqueConstraint("program_id", "participant_id",
                            name="uq_stipends_applications_program_participant"),
    )
    op.create_index("ix_stipends_applications_participant_id", "stipends_applications",
                    ["participant_id"])
    op.create_index("ix_stipends_applications_program_tin", "stipends_applications",
                    ["program_id", "tin_index"])
    op.create_index("ix_stipends_applications_program_status", "stipends_applications",
                    ["program_id", "status"])
    op.create_table(
        "stipends_notes",
        sa.Column("id", BigId, nullable=False),
        sa.Column("application_id", BigId, nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("author_account_id", BigId, nullable=True),
        sa.Column("created_at", When, nullable=False),
        sa.ForeignKeyConstraint(
            ["application_id"], ["stipends_applications.id"], ondelete="CASCADE",
            name=op.f("fk_stipends_notes_application_id_stipends_applications")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stipends_notes")),
    )
    op.create_index("ix_stipends_notes_application_id", "stipends_notes", ["application_id"])
    op.create_table(
        "stipends_payments",
        sa.Column("id", BigId, nullable=False),
        sa.Column("application_id", BigId, nullable=False),
        sa.Column("amount", sa.Numeric(10, 2), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("paid_on", sa.Date(), nullable=True),
        sa.Column("created_at", When, nullable=False),
        sa.ForeignKeyConstraint(
            ["application_id"], ["stipends_applications.id"], ondelete="CASCADE",
            name=op.f("fk_stipends_payments_application_id_stipends_applications")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stipends_payments")),
        sa.UniqueConstraint("application_id", name=op.f("uq_stipends_payments_application_id")),
    )


def downgrade() -> None:
    op.drop_table("stipends_payments")
    op.drop_index("ix_stipends_notes_application_id", table_name="stipends_notes")
    op.drop_table("stipends_notes")
    op.drop_index("ix_stipends_applications_program_status", table_name="stipends_applications")
    op.drop_index("ix_stipends_applications_program_tin", table_name="stipends_applications")
    op.drop_index("ix_stipends_applications_participant_id", table_name="stipends_applications")
    op.drop_table("stipends_applications")
    op.drop_index("ix_stipends_programs_county", table_name="stipends_programs")
    op.drop_table("stipends_programs")
