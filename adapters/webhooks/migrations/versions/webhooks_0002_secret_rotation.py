"""webhooks: signing-secret rotation (the previous secret signs too until the overlap ends)

Revision ID: webhooks_0002
Revises: webhooks_0001
Create Date: 2026-11-28
"""

import sqlalchemy as sa
from alembic import op

import registry_kernel.db

revision = "webhooks_0002"
down_revision = "webhooks_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("webhooks_endpoints") as batch:
        batch.add_column(sa.Column("previous_secret_kek_id", sa.String(length=32),
                                   nullable=True))
        batch.add_column(sa.Column("previous_secret_wrapped", sa.LargeBinary(), nullable=True))
        batch.add_column(sa.Column("previous_secret_expires_at",
                                   registry_kernel.db.UTCDateTime(), nullable=True))
        batch.add_column(sa.Column("secret_rotated_at", registry_kernel.db.UTCDateTime(),
                                   nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("webhooks_endpoints") as batch:
        batch.drop_column("secret_rotated_at")
        batch.drop_column("previous_secret_expires_at")
        batch.drop_column("previous_secret_wrapped")
        batch.drop_column("previous_secret_kek_id")
