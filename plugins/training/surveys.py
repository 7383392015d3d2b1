"""The anonymous feedback survey, configured per catalog entry.

A sponsor gives each catalog entry its rating questions (each on a scale from 1 to 2..10, with
optional labels for the ends) and a free-comment prompt; an entry never configured asks
:data:`DEFAULT_QUESTIONS`. After attending, a participant answers once. The answer row
(``FeedbackResponse``) holds the event, the ratings by question key, the comment and the day,
and nothing about the person; the receipt that stops a second answer (``FeedbackReceipt``) holds
the enrollment and nothing of the answer. Summaries never break down a group under
:data:`MIN_GROUP` answers.

Plain functions over a session; callers commit.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from registry_kernel import audit
from registry_kernel.db import utcnow

from .i18n import _
from .models import Enrollment, FeedbackReceipt, FeedbackResponse, Training, TrainingEvent
from .services import Conflict, Invalid
from .survey_models import SurveyQuestion, SurveySettings

if TYPE_CHECKING:
    from registry_kernel.auth.actor import Actor

MIN_GROUP = 5  # a summary never breaks down fewer answers than this
MAX_QUESTIONS = 10
MAX_COMMENT = 2000
DEFAULT_COMMENT_PROMPT = "Comments (optional)"


@dataclass(frozen=True)
class Question:
    """A rating question as asked: ``key`` is what answers are stored under."""

    key: str
    text: str
    scale_max: int = 5
    low_label: str | None = None
    high_label: str | None = None


@dataclass(frozen=True)
class Survey:
    training_id: int | None
    questions: tuple[Question, ...]
    comment_prompt: str | None
    configured: bool


DEFAULT_QUESTIONS: tuple[Question, ...] = (
    Question("content", "The content was useful for my work with children.", 5,
             "not at all", "very much"),
    Question("presenter", "The presenter was clear and well prepared.", 5,
             "not at all", "very much"),
    Question("apply", "I will use what I learned.", 5, "not at all", "very much"),
)


def _question(row: SurveyQuestion) -> Question:
    return Question(f"q{row.id}", row.text, row.scale_max, row.low_label, row.high_label)


def survey_for(session: Session, training_id: int | None) -> Survey:
    """The survey a catalog entry asks now (the default set when never configured)."""
    settings = session.get(SurveySettings, training_id) if training_id is not None else None
    if settings is None:
        return Survey(training_id, DEFAULT_QUESTIONS, DEFAULT_COMMENT_PROMPT, False)
    rows = session.scalars(select(SurveyQuestion).where(
        SurveyQuestion.training_id == training_id, SurveyQuestion.is_active.is_(True))
        .order_by(SurveyQuestion.position, SurveyQuestion.id))
    return Survey(training_id, tuple(_question(r) for r in rows), settings.comment_prompt, True)


def question_labels(session: Session, training_ids: Iterable[int]) -> dict[str, Question]:
    """Every question ever asked by these catalog entries (retired ones too), by key, plus the
    defaults: what a stored answer's key means."""
    labels = {q.key: q for q in DEFAULT_QUESTIONS}
    ids = list(set(training_ids))
    if ids:
        for row in session.scalars(select(SurveyQuestion).where(
                SurveyQuestion.training_id.in_(ids)).order_by(
                SurveyQuestion.training_id, SurveyQuestion.position, SurveyQuestion.id)):
            labels[f"q{row.id}"] = _question(row)
    return labels


@dataclass
class QuestionInput:
    text: str
    scale_max: int = 5
    low_label: str | None = None
    high_label: str | None = None


def configure_survey(session: Session, training: Training, questions: list[QuestionInput],
                     comment_prompt: str | None, *, actor: Actor | None) -> Survey:
    """Set a catalog entry's questions. A question kept with the same wording and scale keeps
    its key (earlier answers stay comparable); a changed or dropped one is retired; its answers
    keep their label. Raises :class:`Invalid` naming each bad question; nothing changes then."""
    errors: dict[str, str] = {}
    clean: list[QuestionInput] = []
    for n, q in enumerate(questions):
        text = (q.text or "").strip()
        if not text:
            continue
        if len(text) > 300:
            errors[f"questions.{n}.text"] = _("at most 300 characters")
        if not isinstance(q.scale_max, int) or not 2 <= q.scale_max <= 10:
            errors[f"questions.{n}.scale_max"] = _("a scale goes from 1 to 2..10")
        for name in ("low_label", "high_label"):
            value = (getattr(q, name) or "").strip()
            if len(value) > 60:
                errors[f"questions.{n}.{name}"] = _("at most 60 characters")
        clean.append(QuestionInput(text, q.scale_max, (q.low_label or "").strip() or None,
                                   (q.high_label or "").strip() or None))
    if not clean and not errors:
        errors["questions"] = _("ask at least one rating question")
    if len(clean) > MAX_QUESTIONS:
        errors["questions"] = _("at most %(n)s questions", n=MAX_QUESTIONS)
    texts = [q.text.casefold() for q in clean]
    if len(set(texts)) != len(texts):
        errors["questions"] = _("each question may be asked once")
    prompt = (comment_prompt or "").strip() or None
    if prompt and len(prompt) > 300:
        errors["comment_prompt"] = _("at most 300 characters")
    if errors:
        raise Invalid(_("the survey is not valid; nothing was changed"), errors)
    settings = session.get(SurveySettings, training.id)
    if settings is None:
        settings = SurveySettings(training_id=training.id)
        session.add(settings)
    settings.comment_prompt = prompt
    settings.updated_by_account_id = actor.account_id if actor else None
    settings.updated_at = utcnow()
    active = list(session.scalars(select(SurveyQuestion).where(
        SurveyQuestion.training_id == training.id, SurveyQuestion.is_active.is_(True))))
    by_meaning = {(r.text, r.scale_max): r for r in active}
    kept: set[int] = set()
    for position, q in enumerate(clean):
        row = by_meaning.get((q.text, q.scale_max))
        if row is None:
            row = SurveyQuestion(training_id=training.id, text=q.text, scale_max=q.scale_max,
                                 is_active=True)
            session.add(row)
        row.low_label, row.high_label, row.position = q.low_label, q.high_label, position
        if row.id is not None:
            kept.add(row.id)
    for row in active:
        if row.id not in kept:
            row.is_active = False
    session.flush()
    audit.record(session, actor=actor, action="training.survey.configure",
                 resource_type="training", resource_id=training.id,
                 fields=[f"{len(clean)} questions"])
    return survey_for(session, training.id)


def reset_survey(session: Session, training: Training, *, actor: Actor | None) -> Survey:
    """Back to the default questions (configured ones are retired, their answers kept)."""
    for row in session.scalars(select(SurveyQuestion).where(
            SurveyQuestion.training_id == training.id, SurveyQuestion.is_active.is_(True))):
        row.is_active = False
    settings = session.get(SurveySettings, training.id)
    if settings is not None:
        session.delete(settings)
    session.flush()
    audit.record(session, actor=actor, action="training.survey.reset",
                 resource_type="training", resource_id=training.id)
    return survey_for(session, training.id)


# --- answering -------------------------------------------------------------------------------

def pending(session: Session, enrollment: Enrollment) -> bool:
    """Whether this attended enrollment may still answer."""
    return enrollment.status == "attended" and session.get(
        FeedbackReceipt, enrollment.id) is None


def survey_of_enrollment(session: Session, enrollment: Enrollment) -> Survey:
    return survey_for(session, enrollment.event.training_id)


def check_answers(survey: Survey, answers: dict[str, Any], comment: str | None
                  ) -> tuple[dict[str, int], str | None]:
    """Ratings as integers within each question's scale; raises :class:`Invalid` naming each
    question out of range (or unanswered) and answers to questions the survey does not ask."""
    errors: dict[str, str] = {}
    clean: dict[str, int] = {}
    asked = {q.key for q in survey.questions}
    for q in survey.questions:
        raw = answers.get(q.key)
        try:
            value = int(str(raw).strip()) if raw is not None and str(raw).strip() else None
        except ValueError:
            value = None
        if value is None or not 1 <= value <= q.scale_max:
            errors[q.key] = _("choose 1 to %(n)s", n=q.scale_max)
            continue
        clean[q.key] = value
    for key in answers:
        if key.startswith("q") and key[1:].isdigit() and key not in asked:
            errors[key] = _("this survey does not ask that question")
    text = (comment or "").strip() or None
    if text and survey.comment_prompt is None:
        errors["comment"] = _("this survey takes no comment")
    elif text and len(text) > MAX_COMMENT:
        errors["comment"] = _("at most %(n)s characters", n=MAX_COMMENT)
    if errors:
        raise Invalid(_("some answers are not valid; nothing was saved"), errors)
    return clean, text


def answer(session: Session, enrollment: Enrollment, answers: dict[str, Any],
           comment: str | None) -> None:
    """Store an anonymous answer and the receipt that stops a second one."""
    if enrollment.status != "attended":
        raise Conflict(_("only people who attended can answer the survey"))
    if session.get(FeedbackReceipt, enrollment.id) is not None:
        raise Conflict(_("you already answered this survey"))
    clean, text = check_answers(survey_of_enrollment(session, enrollment), answers, comment)
    day = utcnow().replace(hour=0, minute=0, second=0, microsecond=0)
    session.add(FeedbackResponse(id=str(uuid.uuid4()), event_id=enrollment.event_id,
                                 answers=clean, comment=text, answered_on=day))
    session.add(FeedbackReceipt(enrollment_id=enrollment.id))
    session.flush()


# --- summaries -------------------------------------------------------------------------------

@dataclass
class EventSummary:
    event_id: int
    training_id: int
    title: str
    starts_at: Any
    responses: int
    # key -> (count, sum, histogram by rating); empty when the group is too small
    ratings: dict[str, tuple[int, int, dict[int, int]]]
    comments: list[str]

    @property
    def broken_down(self) -> bool:
        return self.responses >= MIN_GROUP


def summarize(session: Session, events: list[tuple[int, int, str, Any]]) -> list[EventSummary]:
    """Per event (``(id, training_id, title, starts_at)``): the number of answers and, when at
    least :data:`MIN_GROUP`, each question's count, sum and histogram, and the comments sorted
    (so their order says nothing about who wrote which)."""
    result = []
    for event_id, training_id, title, starts_at in events:
        ratings: dict[str, list[Any]] = defaultdict(lambda: [0, 0, defaultdict(int)])
        comments: list[str] = []
        count = 0
        for answers, comment in session.execute(
                select(FeedbackResponse.answers, FeedbackResponse.comment)
                .where(FeedbackResponse.event_id == event_id)):
            count += 1
            for key, value in (answers or {}).items():
                cell = ratings[key]
                cell[0] += 1
                cell[1] += int(value)
                cell[2][int(value)] += 1
            if comment:
                comments.append(comment)
        summary = EventSummary(event_id, training_id, title, starts_at, count, {}, [])
        if count >= MIN_GROUP:
            summary.ratings = {k: (c, s, dict(h)) for k, (c, s, h) in ratings.items()}
            summary.comments = sorted(comments, key=str.casefold)
        result.append(summary)
    return result


def event_rows(session: Session, query: Any) -> list[tuple[int, int, str, Any]]:
    """``(id, training_id, title, starts_at)`` of the events ``query`` selects that have
    answers (``query`` selects ``TrainingEvent`` columns already scoped by the caller)."""
    return [tuple(r) for r in session.execute(query.where(
        select(FeedbackResponse.id).where(FeedbackResponse.event_id == TrainingEvent.id)
        .exists()))]
