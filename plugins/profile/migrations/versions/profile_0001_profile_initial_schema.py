"""profile: initial schema

Revision ID: profile_0001
Revises: 
Create Date: 2026-11-28 12:31:16.421418
"""

from alembic import op
import sqlalchemy as sa
import registry_kernel.db


revision = 'profile_0001'
down_revision = None
branch_labels = ('profile',)
depends_on = 'k0001'


def upgrade() -> None:
    op.create_table('profile_details',
    sa.Column('participant_id', sa.String(length=36), nullable=False),
    sa.Column('experience_enc', sa.LargeBinary(), nullable=True),
    sa.Column('education_enc', sa.LargeBinary(), nullable=True),
    sa.Column('demographics_enc', sa.LargeBinary(), nullable=True),
    sa.Column('resume_summary_enc', sa.LargeBinary(), nullable=True),
    sa.Column('created_at', registry_kernel.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', registry_kernel.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['participant_id'], ['participants.id'], name=op.f('fk_profile_details_participant_id_participants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('participant_id', name=op.f('pk_profile_details'))
    )

    op.create_table('profile_email_changes',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('participant_id', sa.String(length=36), nullable=False),
    sa.Column('new_email_enc', sa.LargeBinary(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('expires_at', registry_kernel.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('used_at', registry_kernel.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', registry_kernel.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['participant_id'], ['participants.id'], name=op.f('fk_profile_email_changes_participant_id_participants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_profile_email_changes')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_profile_email_changes_token_hash'))
    )
    with op.batch_alter_table('profile_email_changes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_profile_email_changes_participant_id'), ['participant_id'], unique=False)

    op.create_table('profile_employments',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('participant_id', sa.String(length=36), nullable=False),
    sa.Column('employer_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('employer_name', sa.String(length=200), nullable=True),
    sa.Column('position', sa.String(length=100), nullable=False),
    sa.Column('role_category', sa.String(length=32), nullable=False),
    sa.Column('start_date', sa.Date(), nullable=False),
    sa.Column('end_date', sa.Date(), nullable=True),
    sa.Column('hours_per_week', sa.Numeric(precision=5, scale=2), nullable=True),
    sa.Column('hourly_wage_enc', sa.LargeBinary(), nullable=True),
    sa.Column('age_groups', sa.JSON(), nullable=False),
    sa.Column('responsibilities_enc', sa.LargeBinary(), nullable=True),
    sa.Column('include_in_resume', sa.Boolean(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('confirmed_at', registry_kernel.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('confirmed_by_account_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('created_at', registry_kernel.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', registry_kernel.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['employer_id'], ['organizations.id'], name=op.f('fk_profile_employments_employer_id_organizations')),
    sa.ForeignKeyConstraint(['participant_id'], ['participants.id'], name=op.f('fk_profile_employments_participant_id_participants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_profile_employments'))
    )
    with op.batch_alter_table('profile_employments', schema=None) as batch_op:
        batch_op.create_index('ix_profile_employments_employer_status', ['employer_id', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_profile_employments_participant_id'), ['participant_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('profile_employments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_profile_employments_participant_id'))
        batch_op.drop_index('ix_profile_employments_employer_status')

    op.drop_table('profile_employments')
    with op.batch_alter_table('profile_email_changes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_profile_email_changes_participant_id'))

    op.drop_table('profile_email_changes')
    op.drop_table('profile_details')
