"""stipends: another payment route (through the employer's payroll, no taxpayer ID)

Revision ID: stipends_0003
Revises: stipends_0002
Create Date: 2026-11-28 15:50:00
"""

import sqlalchemy as sa
from alembic import op

revision = "stipends_0003"
down_revision = "stipends_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("stipends_programs", sa.Column("allow_payroll", sa.Boolean(), nullable=False,
                                                 server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table("stipends_programs") as batch:
        batch.drop_column("allow_payroll")
