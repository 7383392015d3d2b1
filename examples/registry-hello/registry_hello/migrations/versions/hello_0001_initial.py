"""hello: initial schema

Revision ID: hello_0001
Revises:
Create Date: 2026-11-28
"""

import sqlalchemy as sa
from alembic import op

revision = "hello_0001"
down_revision = None
branch_labels = ("hello",)
depends_on = "k0001"


def upgrade() -> None:
    op.create_table(
        "hello_greetings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("participant_id", sa.String(length=36), nullable=False),
        sa.Column("message", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(["participant_id"], ["participants.id"],
                                name=op.f("fk_hello_greetings_participant_id_participants")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hello_greetings")),
    )


def downgrade() -> None:
    op.drop_table("hello_greetings")
