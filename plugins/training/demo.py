"""Demo data: a realistic Training Calendar (several sponsors, counties, languages, areas)."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Any

from registry_kernel.auth.actor import SYSTEM
from registry_kernel.organizations import create_organization

from . import services as svc

CATALOG = (
    ("Supporting Dual-Language Learners", "DLD", "en", "3.00",
     "Strategies to support children learning two languages at home and in care."),
    ("Apoyo a niños que aprenden dos idiomas", "DLD", "es", "3.00",
     "Estrategias para apoyar a los niños que aprenden dos idiomas."),
    ("兒童健康與安全 (Health and Safety)", "HSN", "zh-yue", "2.50",
     "以粵語講授的兒童健康、安全與營養課程。"),
    ("Positive Guidance in the Preschool Classroom", "RIG", "en", "2.00",
     "Building relationships and guiding behavior with young children."),
    ("Observación y documentación", "OSAD", "es", "3.00",
     "Cómo observar, documentar y planificar para cada niño."),
    ("Inclusion of Children with Special Needs", "SNI", "en", "4.00",
     "Adapting environments and activities so every child can take part."),
    ("Leadership for Site Supervisors", "LEAD", "en", "6.00",
     "Coaching staff, reflective supervision and program quality."),
    ("Family Engagement That Works", "FCE", "en", "1.50",
     "Partnering with families from many cultures."),
)

OTHER_SPONSORS = (
    ("Central Valley Training Collaborative", "Fresno", "Fresno"),
    ("Southern California ECE Professional Institute", "Los Angeles", "Los Angeles"),
    ("San Diego Quality Preschool Initiative", "San Diego", "San Diego"),
)


def _at(days: int, hour: int, minutes: int = 0) -> datetime:
    day = (datetime.now(UTC) + timedelta(days=days)).astimezone(svc.LOCAL_TZ).date()
    return datetime.combine(day, time(hour, minutes), tzinfo=svc.LOCAL_TZ)


def load(session: Any, registry: Any, demo: Any) -> None:
    sponsor_org = demo.orgs.get("sponsor")
    if sponsor_org is None:
        return
    info = svc.ensure_sponsor_info(session, registry, sponsor_org)
    info.status = "approved"
    info.contact_email = "trainings@demo.registry.test"
    info.contact_phone = "(510) 555-0142"
    info.logistics = "Free parking behind the building. Light snacks provided."
    info.withdrawal_window_days = 2
    info.withdrawal_contact = "(510) 555-0142"
    trainings = [svc.create_training(session, registry, sponsor_org.id, SYSTEM, title=title,
                                     description=desc, hours=hours, competency_area=area,
                                     language=lang)
                 for title, area, lang, hours, desc in CATALOG]
    alameda = [("1200 Broadway", "Oakland", "94612"), ("2150 Shattuck Ave", "Berkeley", "94704"),
               ("39155 Liberty St", "Fremont", "94538"), ("1331 Park St", "Alameda", "94501")]
    events = []
    for n, training in enumerate(trainings):
        for k in range(2):
            starts = _at(7 + n * 3 + k * 14, 18 if k == 0 else 9)
            hours = float(training.hours)
            ends = starts + timedelta(hours=max(hours, 1.5))
            online = (n + k) % 3 == 2
            place = alameda[(n + k) % len(alameda)]
            events.append(svc.create_event(
                session, registry, training, SYSTEM, starts_at=starts, ends_at=ends,
                capacity=(4 if n == 0 and k == 0 else 20 + 5 * (n % 3)),
                waitlist=True, visibility="published",
                location=None if online else svc.Location(place[0], place[1], "Alameda",
                                                          place[2]),
                online_url="https://meet.example.org/ece-" + str(n * 10 + k) if online else None,
                funding_source="CCIP" if n % 2 else "First 5 Alameda"))
    svc.create_event(session, registry, trainings[6], SYSTEM, starts_at=_at(21, 9),
                     ends_at=_at(21, 15), capacity=12, visibility="invite_only",
                     location=svc.Location("1200 Broadway", "Oakland", "Alameda", "94612"))
    participant_account = demo.accounts.get("participant")
    if participant_account is not None:
        participant = participant_account.participant
        for event in (events[2], events[3], events[8]):
            svc.enroll(session, registry, event.id, participant, actor=SYSTEM, source="self",
                       notify=False)
    teacher = demo.accounts.get("teacher")
    if teacher is not None:
        svc.enroll(session, registry, events[4].id, teacher.participant, actor=SYSTEM,
                   notify=False)
    for name, county, city in OTHER_SPONSORS:
        org = create_organization(session, name=name, kind="training_sponsor", county=county,
                                  city=city)
        demo.orgs.setdefault("sponsor_" + county.lower().replace(" ", "_"), org)
        svc.ensure_sponsor_info(session, registry, org)
        for n, (title, area, lang, hours, desc) in enumerate(CATALOG[:5]):
            training = svc.create_training(session, registry, org.id, SYSTEM, title=title,
                                           description=desc, hours=hours,
                                           competency_area=area, language=lang)
            starts = _at(5 + n * 4, 10)
            svc.create_event(session, registry, training, SYSTEM, starts_at=starts,
                             ends_at=starts + timedelta(hours=3), capacity=25,
                             location=svc.Location("100 Main St", city, county, "93721"
                                                   if county == "Fresno" else "90012"
                                                   if county == "Los Angeles" else "92101"))
