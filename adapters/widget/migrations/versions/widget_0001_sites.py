"""widget: agency pages registered by their organization (origin, page, public OAuth client)

Revision ID: widget_0001
Revises:
Create Date: 2026-11-28
"""

import sqlalchemy as sa
from alembic import op

import registry_kernel.db

revision = "widget_0001"
down_revision = None
branch_labels = ("widget",)
depends_on = "k0001"

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "widget_sites",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organization_id", BigId, nullable=False),
        sa.Column("page_url", sa.String(length=2000), nullable=False),
        sa.Column("origin", sa.String(length=300), nullable=False),
        sa.Column("client_id", sa.String(length=64), nullable=False),
        sa.Column("created_by_account_id", BigId, nullable=True),
        sa.Column("created_at", registry_kernel.db.UTCDateTime(), nullable=False),
        sa.Column("removed_at", registry_kernel.db.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["organization_id"], ["organizations.id"],
                                name=op.f("fk_widget_sites_organization_id_organizations")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_widget_sites")),
    )
    op.create_index(op.f("ix_widget_sites_organization_id"), "widget_sites",
                    ["organization_id"], unique=False)
    op.create_index(op.f("ix_widget_sites_origin"), "widget_sites", ["origin"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_widget_sites_origin"), table_name="widget_sites")
    op.drop_index(op.f("ix_widget_sites_organization_id"), table_name="widget_sites")
    op.drop_table("widget_sites")
