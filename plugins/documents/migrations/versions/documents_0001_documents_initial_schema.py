"""documents: initial schema

Revision ID: documents_0001
Revises: 
Create Date: 2026-11-28 12:31:56.134814
"""

from alembic import op
import sqlalchemy as sa
import registry_kernel.db


revision = 'documents_0001'
down_revision = None
branch_labels = ('documents',)
depends_on = 'k0002'


def upgrade() -> None:
    op.create_table('documents_documents',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('participant_id', sa.String(length=36), nullable=False),
    sa.Column('type', sa.String(length=32), nullable=False),
    sa.Column('level', sa.String(length=64), nullable=True),
    sa.Column('number', sa.String(length=64), nullable=True),
    sa.Column('issued_on', sa.Date(), nullable=True),
    sa.Column('expires_on', sa.Date(), nullable=True),
    sa.Column('blob', sa.String(length=64), nullable=False),
    sa.Column('media_type', sa.String(length=64), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('meta_enc', sa.LargeBinary(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('hidden_from_employers', sa.Boolean(), nullable=False),
    sa.Column('uploaded_at', registry_kernel.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('uploaded_by_account_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('claimed_by_account_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('claimed_at', registry_kernel.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('decided_at', registry_kernel.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('decided_by_account_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('reject_reason', sa.String(length=500), nullable=True),
    sa.ForeignKeyConstraint(['participant_id'], ['participants.id'], name=op.f('fk_documents_documents_participant_id_participants')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_documents_documents'))
    )
    with op.batch_alter_table('documents_documents', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_documents_documents_participant_id'), ['participant_id'], unique=False)
        batch_op.create_index('ix_documents_documents_queue', ['status', 'uploaded_at'], unique=False)

    op.create_table('documents_report_issues',
    sa.Column('code', sa.String(length=16), nullable=False),
    sa.Column('participant_id', sa.String(length=36), nullable=False),
    sa.Column('registry_id', sa.String(length=10), nullable=False),
    sa.Column('issued_at', registry_kernel.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('digest', sa.String(length=64), nullable=False),
    sa.Column('summary', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['participant_id'], ['participants.id'], name=op.f('fk_documents_report_issues_participant_id_participants')),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_documents_report_issues'))
    )
    with op.batch_alter_table('documents_report_issues', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_documents_report_issues_participant_id'), ['participant_id'], unique=False)

    op.create_table('documents_courses',
    sa.Column('institution', sa.String(length=200), nullable=False),
    sa.Column('course_number', sa.String(length=40), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('units', sa.Numeric(precision=6, scale=2), nullable=False),
    sa.Column('unit_system', sa.String(length=10), nullable=False),
    sa.Column('grade', sa.String(length=4), nullable=False),
    sa.Column('completed_on', sa.Date(), nullable=False),
    sa.Column('category', sa.String(length=4), nullable=False),
    sa.Column('ge_area', sa.String(length=32), nullable=True),
    sa.Column('core_area', sa.String(length=40), nullable=True),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('participant_id', sa.String(length=36), nullable=False),
    sa.Column('document_id', sa.String(length=36), nullable=True),
    sa.Column('verified_at', registry_kernel.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('verified_by_account_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.ForeignKeyConstraint(['document_id'], ['documents_documents.id'], name=op.f('fk_documents_courses_document_id_documents_documents'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['participant_id'], ['participants.id'], name=op.f('fk_documents_courses_participant_id_participants')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_documents_courses'))
    )
    with op.batch_alter_table('documents_courses', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_documents_courses_document_id'), ['document_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_documents_courses_institution'), ['institution'], unique=False)
        batch_op.create_index(batch_op.f('ix_documents_courses_participant_id'), ['participant_id'], unique=False)

    op.create_table('documents_degrees',
    sa.Column('level', sa.String(length=16), nullable=False),
    sa.Column('major', sa.String(length=200), nullable=False),
    sa.Column('ece_related', sa.Boolean(), nullable=False),
    sa.Column('institution', sa.String(length=200), nullable=False),
    sa.Column('accredited', sa.Boolean(), nullable=False),
    sa.Column('conferred_on', sa.Date(), nullable=False),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('participant_id', sa.String(length=36), nullable=False),
    sa.Column('document_id', sa.String(length=36), nullable=True),
    sa.Column('verified_at', registry_kernel.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('verified_by_account_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.ForeignKeyConstraint(['document_id'], ['documents_documents.id'], name=op.f('fk_documents_degrees_document_id_documents_documents'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['participant_id'], ['participants.id'], name=op.f('fk_documents_degrees_participant_id_participants')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_documents_degrees'))
    )
    with op.batch_alter_table('documents_degrees', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_documents_degrees_document_id'), ['document_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_documents_degrees_participant_id'), ['participant_id'], unique=False)

    op.create_table('documents_permits',
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('level', sa.String(length=64), nullable=True),
    sa.Column('title', sa.String(length=200), nullable=True),
    sa.Column('number', sa.String(length=64), nullable=True),
    sa.Column('issued_on', sa.Date(), nullable=True),
    sa.Column('expires_on', sa.Date(), nullable=True),
    sa.Column('school_age_emphasis', sa.Boolean(), nullable=False),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('participant_id', sa.String(length=36), nullable=False),
    sa.Column('document_id', sa.String(length=36), nullable=True),
    sa.Column('verified_at', registry_kernel.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('verified_by_account_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.ForeignKeyConstraint(['document_id'], ['documents_documents.id'], name=op.f('fk_documents_permits_document_id_documents_documents'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['participant_id'], ['participants.id'], name=op.f('fk_documents_permits_participant_id_participants')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_documents_permits'))
    )
    with op.batch_alter_table('documents_permits', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_documents_permits_document_id'), ['document_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_documents_permits_participant_id'), ['participant_id'], unique=False)

    op.create_table('documents_training',
    sa.Column('sponsor', sa.String(length=200), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('completed_on', sa.Date(), nullable=False),
    sa.Column('hours', sa.Numeric(precision=7, scale=2), nullable=False),
    sa.Column('competency_area', sa.String(length=8), nullable=True),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('participant_id', sa.String(length=36), nullable=False),
    sa.Column('document_id', sa.String(length=36), nullable=True),
    sa.Column('verified_at', registry_kernel.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('verified_by_account_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.ForeignKeyConstraint(['document_id'], ['documents_documents.id'], name=op.f('fk_documents_training_document_id_documents_documents'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['participant_id'], ['participants.id'], name=op.f('fk_documents_training_participant_id_participants')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_documents_training'))
    )
    with op.batch_alter_table('documents_training', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_documents_training_document_id'), ['document_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_documents_training_participant_id'), ['participant_id'], unique=False)

    # ### end Alembic commands ###


def downgrade() -> None:
    op.drop_table('documents_training')
    with op.batch_alter_table('documents_permits', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_documents_permits_participant_id'))
        batch_op.drop_index(batch_op.f('ix_documents_permits_document_id'))

    op.drop_table('documents_permits')
    with op.batch_alter_table('documents_degrees', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_documents_degrees_participant_id'))
        batch_op.drop_index(batch_op.f('ix_documents_degrees_document_id'))

    op.drop_table('documents_degrees')
    with op.batch_alter_table('documents_courses', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_documents_courses_participant_id'))
        batch_op.drop_index(batch_op.f('ix_documents_courses_institution'))
        batch_op.drop_index(batch_op.f('ix_documents_courses_document_id'))

    op.drop_table('documents_courses')
    with op.batch_alter_table('documents_report_issues', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_documents_report_issues_participant_id'))

    op.drop_table('documents_report_issues')
    with op.batch_alter_table('documents_documents', schema=None) as batch_op:
        batch_op.drop_index('ix_documents_documents_queue')
        batch_op.drop_index(batch_op.f('ix_documents_documents_participant_id'))