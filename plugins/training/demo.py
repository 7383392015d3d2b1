"""Demo data: a realistic Training Calendar: nine sponsors in nine counties, every competency
area, eleven languages, weekly series, invite-only events and an instructor with a profile."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Any

from registry_kernel import clock
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

# More catalog entries for the other sponsors, so every competency area and many of the
# registry's languages are on the calendar.
MORE_CATALOG = (
    ("Hỗ trợ trẻ song ngữ (Dual-Language Learners)", "DLD", "vi", "2.00",
     "Chiến lược hỗ trợ trẻ học hai ngôn ngữ, giảng dạy bằng tiếng Việt."),
    ("幼兒發展入門 (Child Development Basics)", "CDL", "cmn", "3.00",
     "以普通话讲授的幼儿发展基础课程。"),
    ("Culturally Responsive Classrooms", "CDE", "en", "2.50",
     "Equity, identity and belonging in early learning settings."),
    ("Learning Environments for Toddlers", "LEC", "en", "3.00",
     "Arranging space, materials and routines for toddlers."),
    ("Professional Ethics in ECE", "PROF", "en", "2.00",
     "The NAEYC Code of Ethical Conduct applied to everyday dilemmas."),
    ("Budgeting and Enrollment for Program Directors", "ADM", "en", "4.00",
     "Fiscal planning, enrollment and staffing for center directors."),
    ("아이들의 건강과 영양 (Health and Nutrition)", "HSN", "ko", "2.00",
     "한국어로 진행되는 영유아 건강과 영양 교육."),
    ("Pakikipag-ugnayan sa Pamilya (Family Engagement)", "FCE", "tl", "1.50",
     "Pakikipagtulungan sa mga pamilya, sa wikang Tagalog."),
    ("Kev Saib Xyuas Me Nyuam (Observation)", "OSAD", "hmn", "2.00",
     "Kev saib thiab sau tseg txog me nyuam txoj kev loj hlob, qhia ua lus Hmoob."),
    ("Развитие речи у детей (Language Development)", "CDL", "ru", "2.00",
     "Развитие речи у детей раннего возраста, на русском языке."),
)

# (name, county, city, zip, catalog entries, series?): each also schedules a multi-session
# series and an invite-only event for its own staff.
OTHER_SPONSORS = (
    ("Central Valley Training Collaborative", "Fresno", "Fresno", "93721",
     (0, 1, 2, 3, 4, 14)),
    ("Southern California ECE Professional Institute", "Los Angeles", "Los Angeles", "90012",
     (0, 1, 3, 4, 9, 11, 13)),
    ("San Diego Quality Preschool Initiative", "San Diego", "San Diego", "92101",
     (0, 3, 4, 10, 11, 15)),
    ("Sacramento Early Learning Network", "Sacramento", "Sacramento", "95814",
     (5, 6, 8, 12, 17)),
    ("Silicon Valley Child Care Training Center", "Santa Clara", "San José", "95113",
     (2, 7, 9, 10, 13)),
    ("San Francisco Early Educators Academy", "San Francisco", "San Francisco", "94103",
     (2, 7, 10, 11, 12, 16)),
    ("Inland Empire ECE Partnership", "Riverside", "Riverside", "92501", (1, 4, 8, 12, 15)),
    ("Kern Family Child Care Training Project", "Kern", "Bakersfield", "93301",
     (1, 3, 7, 16, 17)),
)

SERIES_TITLE = "Infant/Toddler Caregiving Series (4 weeks)"


def _at(days: int, hour: int, minutes: int = 0) -> datetime:
    day = (datetime.now(UTC) + timedelta(days=days)).astimezone(clock.current_zone()).date()
    return datetime.combine(day, time(hour, minutes), tzinfo=clock.current_zone())


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
    series = svc.create_training(
        session, registry, sponsor_org.id, SYSTEM, title=SERIES_TITLE, hours="12.00",
        competency_area="CDL", language="en",
        description="Four Saturday mornings on responsive caregiving for infants and toddlers.")
    svc.create_event(session, registry, series, SYSTEM, capacity=24,
                     sessions=[(_at(12 + 7 * w, 9), _at(12 + 7 * w, 12)) for w in range(4)],
                     location=svc.Location("2150 Shattuck Ave", "Berkeley", "Alameda",
                                           "94704"), funding_source="CCIP")
    _demo_instructor(session, registry, demo, sponsor_org, trainings)
    catalog = CATALOG + MORE_CATALOG
    for s_n, (name, county, city, zip_code, entries) in enumerate(OTHER_SPONSORS):
        org = create_organization(session, name=name, kind="training_sponsor", county=county,
                                  city=city)
        demo.orgs.setdefault("sponsor_" + county.lower().replace(" ", "_"), org)
        info = svc.ensure_sponsor_info(session, registry, org)
        info.withdrawal_window_days = s_n % 3
        info.self_withdrawal_allowed = s_n != 4
        info.withdrawal_contact = f"({559 + s_n}) 555-01{10 + s_n}"
        place = svc.Location("100 Main St", city, county, zip_code)
        for n, index in enumerate(entries):
            title, area, lang, hours, desc = catalog[index]
            training = svc.create_training(session, registry, org.id, SYSTEM, title=title,
                                           description=desc, hours=hours,
                                           competency_area=area, language=lang)
            starts = _at(4 + (n * 5 + s_n * 2) % 40, 9 + (n % 3) * 4)
            length = timedelta(hours=max(float(hours), 1.5))
            online = (n + s_n) % 4 == 3
            where = {"location": None if online else place,
                     "online_url": (f"https://meet.example.org/{org.slug}-{n}"
                                    if online else None)}
            if n == 1:  # a weekly series of three evenings
                svc.create_event(session, registry, training, SYSTEM, capacity=20,
                                 sessions=[(starts + timedelta(days=7 * w),
                                            starts + timedelta(days=7 * w) + length / 3)
                                           for w in range(3)], **where)
            else:
                svc.create_event(session, registry, training, SYSTEM, starts_at=starts,
                                 ends_at=starts + length, capacity=15 + 5 * (n % 4),
                                 waitlist=n % 5 != 4, funding_source=(
                                     "First 5" if n % 2 else "CDE Quality"), **where)
            if n == 0:  # and one for a partner program only, by invitation
                svc.create_event(session, registry, training, SYSTEM, capacity=10,
                                 visibility="invite_only",
                                 starts_at=starts + timedelta(days=10),
                                 ends_at=starts + timedelta(days=10) + length,
                                 location=place)


def _demo_instructor(session: Any, registry: Any, demo: Any, org: Any,
                     trainings: list[Any]) -> None:
    """An approved instructor of the demo sponsor with a published Instructor Profile, who
    leads two events."""
    from registry_kernel.accounts import create_account, grant_role
    from registry_kernel.demo import DEMO_PASSWORD

    from . import instructor_profiles as profiles
    from .models import Instructor

    email = "instructor@demo.registry.test"
    account = create_account(session, registry, email=email, password=DEMO_PASSWORD,
                             first_name="Lucía", last_name="Ortega", verified=True,
                             preferred_language="es", county="Alameda")
    demo.accounts["instructor"] = account
    demo.logins["instructor"] = email
    session.add(Instructor(organization_id=org.id, account_id=account.id, status="approved",
                           message="Bilingual trainer", decided_at=svc.now_utc()))
    session.flush()
    grant_role(session, account, "instructor", org, actor=SYSTEM)
    profiles.save(session, registry, account, SYSTEM, {
        "display_name": "Lucía Ortega",
        "expertise": "Dual-language development; observation and documentation",
        "experience": "Preschool lead teacher for 12 years; trainer since 2018.",
        "bio": "Lucía coaches teachers across Alameda County in English and Spanish.",
        "languages": ["es", "en"]})
    profiles.set_published(session, account, SYSTEM, True)
    for training, days in ((trainings[1], 9), (trainings[4], 16)):
        starts = _at(days, 18)
        svc.create_event(session, registry, training, SYSTEM, starts_at=starts,
                         ends_at=starts + timedelta(hours=3), capacity=20,
                         location=svc.Location("1331 Park St", "Alameda", "Alameda", "94501"),
                         instructor_account_id=account.id)
