"""training: initial schema (sponsors, languages, catalog, instructors, events, enrollments)

Revision ID: training_0001
Revises:
Create Date: 2026-11-28
"""

import sqlalchemy as sa
from alembic import op

import registry_kernel.db

revision = "training_0001"
down_revision = None
branch_labels = ("training",)
depends_on = "k0001"

DEFAULT_LANGUAGES = (
    ("en", "English"), ("es", "Español (Spanish)"), ("zh-yue", "粵語 (Cantonese)"),
    ("cmn", "普通话 (Mandarin)"), ("vi", "Tiếng Việt (Vietnamese)"), ("ru", "Русский (Russian)"),
    ("hmn", "Hmoob (Hmong)"), ("fa", "فارسی (Farsi)"), ("ko", "한국어 (Korean)"),
    ("tl", "Tagalog"), ("ar", "العربية (Arabic)"), ("hy", "Հայերեն (Armenian)"),
)


def upgrade() -> None:
    op.create_table('training_languages',
    sa.Column('code', sa.String(length=16), nullable=False),
    sa.Column('label', sa.String(length=100), nullable=False),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.Column('sort_order', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_training_languages'))
    )
    op.create_table('training_trainings',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('organization_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('hours', sa.Numeric(precision=6, scale=2), nullable=False),
    sa.Column('competency_area', sa.String(length=8), nullable=False),
    sa.Column('language', sa.String(length=16), nullable=False),
    sa.Column('level', sa.String(length=40), nullable=True),
    sa.Column('audience', sa.String(length=200), nullable=True),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.Column('created_at', registry_kernel.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', registry_kernel.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('hours > 0', name=op.f('ck_training_trainings_hours_positive')),
    sa.ForeignKeyConstraint(['language'], ['training_languages.code'], name=op.f('fk_training_trainings_language_training_languages')),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_training_trainings_organization_id_organizations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_training_trainings'))
    )
    op.create_index('ix_training_trainings_org_title', 'training_trainings', ['organization_id', 'title'], unique=False)
    op.create_table('training_events',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('training_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('organization_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('search_text', sa.String(length=600), nullable=False),
    sa.Column('language', sa.String(length=16), nullable=False),
    sa.Column('competency_area', sa.String(length=8), nullable=False),
    sa.Column('hours', sa.Numeric(precision=6, scale=2), nullable=False),
    sa.Column('starts_at', registry_kernel.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('ends_at', registry_kernel.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('sessions', sa.JSON(), nullable=True),
    sa.Column('capacity', sa.Integer(), nullable=False),
    sa.Column('seats_taken', sa.Integer(), nullable=False),
    sa.Column('waitlist', sa.Boolean(), nullable=False),
    sa.Column('visibility', sa.String(length=16), nullable=False),
    sa.Column('invite_token', sa.String(length=64), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('address', sa.String(length=300), nullable=True),
    sa.Column('city', sa.String(length=100), nullable=True),
    sa.Column('county', sa.String(length=64), nullable=True),
    sa.Column('zip', sa.String(length=10), nullable=True),
    sa.Column('online_url', sa.String(length=500), nullable=True),
    sa.Column('funding_source', sa.String(length=100), nullable=True),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.Column('instructor_account_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('created_by_account_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('created_at', registry_kernel.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', registry_kernel.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('cancelled_at', registry_kernel.db.UTCDateTime(timezone=True), nullable=True),
    sa.CheckConstraint('capacity > 0', name=op.f('ck_training_events_capacity_positive')),
    sa.CheckConstraint('ends_at > starts_at', name=op.f('ck_training_events_ends_after_start')),
    sa.CheckConstraint('seats_taken >= 0 AND seats_taken <= capacity', name=op.f('ck_training_events_seats_in_range')),
    sa.ForeignKeyConstraint(['created_by_account_id'], ['accounts.id'], name=op.f('fk_training_events_created_by_account_id_accounts')),
    sa.ForeignKeyConstraint(['instructor_account_id'], ['accounts.id'], name=op.f('fk_training_events_instructor_account_id_accounts')),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_training_events_organization_id_organizations')),
    sa.ForeignKeyConstraint(['training_id'], ['training_trainings.id'], name=op.f('fk_training_events_training_id_training_trainings')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_training_events')),
    sa.UniqueConstraint('invite_token', name=op.f('uq_training_events_invite_token'))
    )
    op.create_index('ix_training_events_area_start', 'training_events', ['competency_area', 'starts_at'], unique=False)
    op.create_index('ix_training_events_calendar', 'training_events', ['visibility', 'status', 'starts_at'], unique=False)
    op.create_index('ix_training_events_county_start', 'training_events', ['county', 'starts_at'], unique=False)
    op.create_index(op.f('ix_training_events_instructor_account_id'), 'training_events', ['instructor_account_id'], unique=False)
    op.create_index('ix_training_events_language_start', 'training_events', ['language', 'starts_at'], unique=False)
    op.create_index('ix_training_events_org_start', 'training_events', ['organization_id', 'starts_at'], unique=False)
    op.create_index(op.f('ix_training_events_training_id'), 'training_events', ['training_id'], unique=False)
    op.create_table('training_instructors',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('organization_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('account_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('message', sa.String(length=1000), nullable=True),
    sa.Column('expertise', sa.Text(), nullable=True),
    sa.Column('experience', sa.Text(), nullable=True),
    sa.Column('profile_published', sa.Boolean(), nullable=False),
    sa.Column('requested_at', registry_kernel.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('decided_at', registry_kernel.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('decided_by_account_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_training_instructors_account_id_accounts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['decided_by_account_id'], ['accounts.id'], name=op.f('fk_training_instructors_decided_by_account_id_accounts')),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_training_instructors_organization_id_organizations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_training_instructors')),
    sa.UniqueConstraint('organization_id', 'account_id', name='uq_training_instructors_org_account')
    )
    op.create_index(op.f('ix_training_instructors_account_id'), 'training_instructors', ['account_id'], unique=False)
    op.create_index(op.f('ix_training_instructors_organization_id'), 'training_instructors', ['organization_id'], unique=False)
    op.create_table('training_sponsors',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('organization_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('applied_by_account_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('applied_at', registry_kernel.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('application_note', sa.Text(), nullable=True),
    sa.Column('decided_by_account_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('decided_at', registry_kernel.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('decision_reason', sa.String(length=500), nullable=True),
    sa.Column('contact_email', sa.String(length=254), nullable=True),
    sa.Column('contact_phone', sa.String(length=32), nullable=True),
    sa.Column('website', sa.String(length=300), nullable=True),
    sa.Column('logistics', sa.Text(), nullable=True),
    sa.Column('vendor_number', sa.String(length=32), nullable=True),
    sa.Column('self_withdrawal_allowed', sa.Boolean(), nullable=False),
    sa.Column('withdrawal_window_days', sa.Integer(), nullable=False),
    sa.Column('withdrawal_contact', sa.String(length=300), nullable=True),
    sa.Column('instructors_may_manage_events', sa.Boolean(), nullable=False),
    sa.Column('logo', sa.LargeBinary(), nullable=True),
    sa.Column('logo_mime', sa.String(length=32), nullable=True),
    sa.Column('logo_sha256', sa.String(length=64), nullable=True),
    sa.Column('created_at', registry_kernel.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', registry_kernel.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['applied_by_account_id'], ['accounts.id'], name=op.f('fk_training_sponsors_applied_by_account_id_accounts')),
    sa.ForeignKeyConstraint(['decided_by_account_id'], ['accounts.id'], name=op.f('fk_training_sponsors_decided_by_account_id_accounts')),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_training_sponsors_organization_id_organizations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_training_sponsors')),
    sa.UniqueConstraint('organization_id', name=op.f('uq_training_sponsors_organization_id'))
    )
    op.create_index(op.f('ix_training_sponsors_status'), 'training_sponsors', ['status'], unique=False)
    op.create_table('training_enrollments',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('event_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('participant_id', sa.String(length=36), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('queued_at', registry_kernel.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.Column('enrolled_by_org_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('hours_granted', sa.Numeric(precision=6, scale=2), nullable=True),
    sa.Column('attendance_recorded_at', registry_kernel.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('withdrawn_at', registry_kernel.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', registry_kernel.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', registry_kernel.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['enrolled_by_org_id'], ['organizations.id'], name=op.f('fk_training_enrollments_enrolled_by_org_id_organizations')),
    sa.ForeignKeyConstraint(['event_id'], ['training_events.id'], name=op.f('fk_training_enrollments_event_id_training_events')),
    sa.ForeignKeyConstraint(['participant_id'], ['participants.id'], name=op.f('fk_training_enrollments_participant_id_participants')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_training_enrollments')),
    sa.UniqueConstraint('event_id', 'participant_id', name='uq_training_enrollments_event')
    )
    op.create_index('ix_training_enrollments_participant', 'training_enrollments', ['participant_id', 'status'], unique=False)
    op.create_index('ix_training_enrollments_queue', 'training_enrollments', ['event_id', 'status', 'queued_at', 'id'], unique=False)
    op.create_table('training_saved_events',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('participant_id', sa.String(length=36), nullable=False),
    sa.Column('event_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('created_at', registry_kernel.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['event_id'], ['training_events.id'], name=op.f('fk_training_saved_events_event_id_training_events')),
    sa.ForeignKeyConstraint(['participant_id'], ['participants.id'], name=op.f('fk_training_saved_events_participant_id_participants')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_training_saved_events')),
    sa.UniqueConstraint('participant_id', 'event_id', name='uq_training_saved_events_participant')
    )
    op.create_index(op.f('ix_training_saved_events_event_id'), 'training_saved_events', ['event_id'], unique=False)
    # ### end Alembic commands ###

    languages = sa.table("training_languages", sa.column("code", sa.String),
                         sa.column("label", sa.String), sa.column("is_active", sa.Boolean),
                         sa.column("sort_order", sa.Integer))
    op.bulk_insert(languages, [{"code": code, "label": label, "is_active": True,
                                "sort_order": n} for n, (code, label) in
                               enumerate(DEFAULT_LANGUAGES)])


def downgrade() -> None:
    for table in ("training_saved_events", "training_enrollments", "training_sponsors",
                  "training_instructors", "training_events", "training_trainings",
                  "training_languages"):
        op.drop_table(table)
