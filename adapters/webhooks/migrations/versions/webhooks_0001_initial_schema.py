"""webhooks: initial schema (endpoints, deliveries)

Revision ID: webhooks_0001
Revises:
Create Date: 2026-11-28
"""

import sqlalchemy as sa
from alembic import op

import registry_kernel.db

revision = "webhooks_0001"
down_revision = None
branch_labels = ("webhooks",)
depends_on = "k0001"

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "webhooks_endpoints",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("organization_id", BigId, nullable=False),
        sa.Column("url", sa.String(length=2000), nullable=False),
        sa.Column("events", sa.JSON(), nullable=False),
        sa.Column("description", sa.String(length=200), nullable=True),
        sa.Column("secret_kek_id", sa.String(length=32), nullable=False),
        sa.Column("secret_wrapped", sa.LargeBinary(), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("created_by_account_id", BigId, nullable=True),
        sa.Column("created_at", registry_kernel.db.UTCDateTime(), nullable=False),
        sa.Column("deleted_at", registry_kernel.db.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["organization_id"], ["organizations.id"],
                                name=op.f("fk_webhooks_endpoints_organization_id_organizations")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhooks_endpoints")),
    )
    op.create_index(op.f("ix_webhooks_endpoints_organization_id"), "webhooks_endpoints",
                    ["organization_id"], unique=False)
    op.create_index(op.f("ix_webhooks_endpoints_is_active"), "webhooks_endpoints",
                    ["is_active"], unique=False)
    op.create_table(
        "webhooks_deliveries",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("endpoint_id", sa.String(length=36), nullable=False),
        sa.Column("event_id", sa.String(length=64), nullable=False),
        sa.Column("event_type", sa.String(length=100), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_attempt_at", registry_kernel.db.UTCDateTime(), nullable=True),
        sa.Column("last_status_code", sa.Integer(), nullable=True),
        sa.Column("last_response", sa.Text(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("delivered_at", registry_kernel.db.UTCDateTime(), nullable=True),
        sa.Column("created_at", registry_kernel.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["endpoint_id"], ["webhooks_endpoints.id"],
                                name=op.f("fk_webhooks_deliveries_endpoint_id_webhooks_endpoints")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhooks_deliveries")),
        sa.UniqueConstraint("endpoint_id", "event_id",
                            name=op.f("uq_webhooks_deliveries_endpoint_id")),
    )
    op.create_index(op.f("ix_webhooks_deliveries_endpoint_id"), "webhooks_deliveries",
                    ["endpoint_id"], unique=False)
    op.create_index(op.f("ix_webhooks_deliveries_created_at"), "webhooks_deliveries",
                    ["created_at"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_webhooks_deliveries_created_at"), table_name="webhooks_deliveries")
    op.drop_index(op.f("ix_webhooks_deliveries_endpoint_id"), table_name="webhooks_deliveries")
    op.drop_table("webhooks_deliveries")
    op.drop_index(op.f("ix_webhooks_endpoints_is_active"), table_name="webhooks_endpoints")
    op.drop_index(op.f("ix_webhooks_endpoints_organization_id"), table_name="webhooks_endpoints")
    op.drop_table("webhooks_endpoints")
