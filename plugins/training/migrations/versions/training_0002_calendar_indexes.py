"""training: covering calendar indexes and the keyword index

Revision ID: training_0002
Revises: training_0001
Create Date: 2026-11-28
"""

import re

import sqlalchemy as sa
from alembic import op

import registry_kernel.db

revision = "training_0002"
down_revision = "training_0001"
branch_labels = None
depends_on = None

OLD = {"ix_training_events_county_start": ["county", "starts_at"],
       "ix_training_events_language_start": ["language", "starts_at"],
       "ix_training_events_area_start": ["competency_area", "starts_at"],
       "ix_training_events_org_start": ["organization_id", "starts_at"]}
WORD_BATCH = 10_000
FILTERS = ("county", "language", "competency_area", "organization_id")
NEW = {"ix_training_events_cal_county": "county",
       "ix_training_events_cal_language": "language",
       "ix_training_events_cal_area": "competency_area",
       "ix_training_events_cal_org": "organization_id"}


def _tokens(text: str) -> list[str]:
    """The plugin's ``tokens_of`` as of this revision: prefixes of 3 to 8 letters."""
    tokens: dict[str, None] = {}
    for word in dict.fromkeys(re.findall(r"\w+", text.casefold())):
        if len(word) < 3:
            tokens[word] = None
        for n in range(3, min(len(word), 8) + 1):
            tokens[word[:n]] = None
    return list(tokens)


def upgrade() -> None:
    for name in OLD:
        op.drop_index(name, table_name="training_events")
    op.drop_index("ix_training_events_calendar", table_name="training_events")
    op.create_index("ix_training_events_calendar", "training_events",
                    ["visibility", "status", "starts_at", "id"])
    for name, column in NEW.items():
        others = [c for c in FILTERS if c != column]
        op.create_index(name, "training_events",
                        [column, "visibility", "status", "starts_at", *others])
    op.create_table(
        "training_event_words",
        sa.Column("word", sa.String(length=40).with_variant(sa.String(length=40, collation="C"),
                                                            "postgresql"), nullable=False),
        sa.Column("event_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
                  nullable=False),
        sa.Column("listed", sa.Boolean(), nullable=False),
        sa.Column("starts_at", registry_kernel.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["event_id"], ["training_events.id"],
                                name=op.f("fk_training_event_words_event_id_training_events"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("word", "event_id", name=op.f("pk_training_event_words")),
    )
    bind = op.get_bind()
    events = sa.table("training_events", sa.column("id"), sa.column("search_text"),
                      sa.column("visibility"), sa.column("status"),
                      sa.column("starts_at", registry_kernel.db.UTCDateTime()))
    words = sa.table("training_event_words", sa.column("word"), sa.column("event_id"),
                     sa.column("listed"),
                     sa.column("starts_at", registry_kernel.db.UTCDateTime()))
    # the keyword rows are written a batch at a time (memory stays flat: a statewide calendar
    # has over a million of them), and the indexes built once they are all in
    rows: list[dict[str, object]] = []
    for event in bind.execute(sa.select(events).order_by(events.c.id)).yield_per(5000):
        found = _tokens(event.search_text or "")
        listed = event.visibility == "published" and event.status == "scheduled"
        rows += [{"word": w, "event_id": event.id, "listed": listed,
                  "starts_at": event.starts_at} for w in found]
        if len(rows) >= WORD_BATCH:
            op.bulk_insert(words, rows)
            rows = []
    if rows:
        op.bulk_insert(words, rows)
    op.create_index("ix_training_event_words_event", "training_event_words",
                    ["event_id", "word"])
    op.create_index("ix_training_event_words_search", "training_event_words",
                    ["word", "listed", "starts_at", "event_id"])


def downgrade() -> None:
    op.drop_table("training_event_words")
    for name in NEW:
        op.drop_index(name, table_name="training_events")
    op.drop_index("ix_training_events_calendar", table_name="training_events")
    op.create_index("ix_training_events_calendar", "training_events",
                    ["visibility", "status", "starts_at"])
    for name, columns in OLD.items():
        op.create_index(name, "training_events", columns)
