"""jobs: a saved job search keeps the required permit filter too

Revision ID: jobs_0002
Revises: jobs_0001
Create Date: 2026-11-28
"""

import sqlalchemy as sa
from alembic import op

revision = "jobs_0002"
down_revision = "jobs_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("jobs_saved_searches") as batch:
        batch.add_column(sa.Column("required_permit", sa.String(length=32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("jobs_saved_searches") as batch:
        batch.drop_column("required_permit")
