"""The Education & Training Report: JSON, PDF, grade threshold, unit conversion, hours from other
plugins, and the public verification code."""

from __future__ import annotations

from decimal import Decimal

from documents_helpers import COURSE, bearer, make_world, pdf_text
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from registry_plugins.documents import services as svc

from registry_kernel import clock
from registry_kernel.extension import ReportSection
from registry_kernel.hookspecs import hookimpl


def _report(world):
    response = world.client().get("/api/v1/me/education-report", headers=bearer(world.token))
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_empty_report_has_all_sections_and_zero_totals(world):
    report = _report(world)
    assert report["degrees"] == [] and report["courses"] == []
    assert report["permits"] == [] and report["training"] == []
    assert report["totals"] == {"ece_units": "0.00", "ge_units": "0.00",
                                "training_hours": "0.00"}
    assert report["registry_id"] == world.participant.participant.registry_id


def test_quarter_units_count_two_thirds_of_a_semester_unit(world):
    document_id = world.upload().get_json()["id"]
    response = world.verify(document_id, {"courses": [
        {**COURSE, "units": "4", "unit_system": "quarter"},
        {**COURSE, "course_number": "CD 2", "units": "4.5", "unit_system": "quarter"},
        {**COURSE, "course_number": "CD 3", "units": "3", "unit_system": "semester"},
        {**COURSE, "course_number": "ENGL 1", "units": "5", "unit_system": "quarter",
         "category": "ge", "core_area": None}]})
    assert response.status_code == 200, response.get_json()
    report = _report(world)
    by_number = {c["course_number"]: c for c in report["courses"]}
    assert by_number["CHDEV 50"]["semester_units"] == "2.67"
    assert by_number["CD 2"]["semester_units"] == "3.00"
    assert by_number["CD 3"]["semester_units"] == "3.00"
    assert by_number["ENGL 1"]["semester_units"] == "3.33"
    assert report["totals"]["ece_units"] == "8.67"
    assert report["totals"]["ge_units"] == "3.33"


def test_only_c_minus_or_better_and_pass_credit_appear(world):
    document_id = world.upload().get_json()["id"]
    grades = {"A": "ece", "C-": "ece", "D+": "ece", "D": "ge", "F": "ge", "P": "ge",
              "CR": "ece", "NP": "ece", "W": "ge"}
    world.verify(document_id, {"courses": [
        {**COURSE, "course_number": f"X {grade}", "grade": grade, "category": category,
         "core_area": None} for grade, category in grades.items()]})
    report = _report(world)
    shown = {c["grade"] for c in report["courses"]}
    assert shown == {"A", "C-", "P", "CR"}
    assert report["totals"]["ece_units"] == "9.00"  # A, C-, CR
    assert report["totals"]["ge_units"] == "3.00"  # P
    # D and F are stored: the stricter permit threshold (C) still sees the A, P and CR courses
    with world.registry.sessions() as session:
        education = svc.verified_education(session, world.participant.participant_id)
    assert education.ece_units == Decimal("6.00") and education.ge_units == Decimal("3.00")


def test_grade_threshold_is_a_setting(make_app):
    world = make_world(make_app, grade_threshold_report="B")
    document_id = world.upload().get_json()["id"]
    world.verify(document_id, {"courses": [
        {**COURSE, "course_number": "A1", "grade": "B"},
        {**COURSE, "course_number": "A2", "grade": "C+"}]})
    assert [c["course_number"] for c in _report(world)["courses"]] == ["A1"]


class TrainingPlugin:
    """Stands in for the training plugin: attended events through the report hook."""

    @hookimpl
    def education_report_sections(self, session, registry, participant):
        return [
            ReportSection(key="training", title="Training attended", order=40, data=[
                {"title": "Positive Guidance", "hours": "3", "completed_on": "2024-02-03",
                 "sponsor": "East Bay Institute", "competency_area": "RIG"}]),
            ReportSection(key="coaching", title="Coaching", order=50, data={"sessions": 2},
                          columns=["Coach", "Sessions"], rows=[["A. Coach", "2"]]),
        ]


def test_other_plugins_contribute_training_and_sections(make_app):
    world = make_world(make_app)
    world.registry.plugins.register(TrainingPlugin())
    document_id = world.upload(type="training_certificate").get_json()["id"]
    world.verify(document_id, {"training": [
        {"sponsor": "R&R", "title": "CPR", "completed_on": "2023-01-10", "hours": "8",
         "competency_area": "HSN"}]})
    report = _report(world)
    assert [t["title"] for t in report["training"]] == ["CPR", "Positive Guidance"]
    assert report["training"][1]["source"] == "training"
    assert report["totals"]["training_hours"] == "11.00"
    assert [s["key"] for s in report["sections"]] == ["coaching"]
    pdf = world.client().get("/api/v1/me/education-report.pdf", headers=bearer(world.token))
    text = pdf_text(pdf.data)
    assert "Positive Guidance" in text and "Coaching" in text and "11.00" in text


def test_pdf_report_shows_records_totals_and_a_checkable_code(world):
    document_id = world.upload().get_json()["id"]
    world.verify(document_id, {
        "courses": [COURSE, {**COURSE, "course_number": "MATH 1", "title": "Statistics",
                             "grade": "D", "category": "ge", "core_area": None}],
        "permits": [{"level": "teacher", "number": "CDP-777", "issued_on": "2022-01-01",
                     "expires_on": "2027-01-01"}]})
    response = world.client().get("/api/v1/me/education-report.pdf",
                                  headers=bearer(world.token))
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF")
    assert response.headers["Content-Disposition"].startswith("attachment;")
    text = pdf_text(response.data)
    registry_id = world.participant.participant.registry_id
    assert "Education & Training Report" in text
    assert registry_id in text
    assert "Child Growth and Development" in text and "CHDEV 50" in text
    assert "Statistics" not in text  # a D is stored but never shown
    assert "CDP-777" in text and "Teacher" in text
    assert "3.00" in text
    code = text.split("Verification code: ")[1].split()[0]
    assert svc.normalize_code(code) == code

    public = world.app.test_client()
    check = public.get(f"/api/v1/report-verifications/{code.lower().replace('-', '')}")
    assert check.status_code == 200
    body = check.get_json()
    assert body["valid"] is True and body["registry_id"] == registry_id
    assert body["totals"]["ece_units"] == "3.00"
    assert "first_name" not in body and "name" not in body
    page = public.get(f"/reports/verify/{code}")
    assert page.status_code == 200 and registry_id.encode() in page.data
    first_name = world.participant.participant  # the page never shows the name
    with world.registry.sessions() as session:
        from registry_kernel.participants import personal_data

        name = personal_data(session, world.registry, session.merge(first_name)).first_name
    assert name.encode() not in page.data
    assert public.get("/api/v1/report-verifications/AAAA-BBBB-CCCC").status_code == 404
    assert public.get("/reports/verify/nonsense").status_code == 404


def test_json_report_matches_the_pdf_data(world):
    document_id = world.upload().get_json()["id"]
    world.verify(document_id, {"degrees": [
        {"level": "BA", "major": "Psychology", "institution": "CSU East Bay",
         "conferred_on": "2015-06-01"}]})
    report = _report(world)
    assert report["degrees"][0]["major"] == "Psychology"
    text = pdf_text(world.client().get("/api/v1/me/education-report.pdf",
                                       headers=bearer(world.token)).data)
    assert "Psychology" in text and "CSU East Bay" in text


GRADES = st.sampled_from([*svc.LETTER_GRADES, *svc.PASS_GRADES, *svc.OTHER_GRADES])
COURSES = st.lists(st.tuples(
    GRADES, st.decimals(min_value=Decimal("0.5"), max_value=Decimal("12"), places=1),
    st.sampled_from(["semester", "quarter"]), st.sampled_from(["ece", "ge"])),
    min_size=0, max_size=12)


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(courses=COURSES)
def test_property_no_grade_below_c_minus_and_totals_are_sums(world, courses):
    participant = world.factory.participant()
    with world.registry.sessions() as session:
        from registry_kernel.auth.actor import actor_for_account
        from registry_kernel.models import Account, Participant

        staff = actor_for_account(session, session.get(Account, world.staff.id),
                                  permission_roles=world.registry.permission_roles)
        person = session.get(Participant, participant.id)
        document = svc.upload_document(session, world.registry, person,
                                       data=__import__("documents_helpers").pdf_bytes(),
                                       filename="t.pdf", type_="transcript")
        svc.verify_document(session, world.registry, document, svc.VerificationIn(courses=[
            svc.CourseIn(institution="College", course_number=f"C{i}", title="Course",
                         units=units, unit_system=system, grade=grade,
                         completed_on="2020-01-01", category=category)
            for i, (grade, units, system, category) in enumerate(courses)]), actor=staff)
        report = svc.build_report(session, world.registry, person)
        session.rollback()
    shown = report["courses"]
    below = {"D+", "D", "D-", "F", "NP", "NC", "W", "I", "IP"}
    assert not any(c["grade"] in below for c in shown)
    expected = [c for c in courses if c[0] not in below]
    assert len(shown) == len(expected)
    for category, key in (("ece", "ece_units"), ("ge", "ge_units")):
        total = sum((Decimal(c["semester_units"]) for c in shown if c["category"] == category),
                    Decimal("0.00"))
        assert Decimal(report["totals"][key]) == total


def test_permit_renewal_progress_and_levels_met(world):
    from datetime import timedelta

    issued = clock.today() - timedelta(days=365 * 4)
    expires = issued.replace(year=issued.year + 5)
    document_id = world.upload().get_json()["id"]
    courses = [{**COURSE, "course_number": f"CD {i}", "core_area": area, "units": "4"}
               for i, area in enumerate(["child_growth", "child_family_community", "curriculum"])]
    world.verify(document_id, {
        "courses": courses,
        "permits": [{"level": "associate_teacher", "number": "CDP-5", "issued_on": str(issued),
                     "expires_on": str(expires)}],
        "training": [{"sponsor": "S", "title": "Inside", "completed_on": str(issued + timedelta(days=10)),
                      "hours": "40"},
                     {"sponsor": "S", "title": "Before", "completed_on": str(issued - timedelta(days=10)),
                      "hours": "30"}]})
    guidance = _report(world)["permit_guidance"]
    renewal = guidance["renewal"]
    assert renewal["level"] == "associate_teacher" and renewal["hours"] == "40.00"
    assert renewal["remaining_hours"] == "65.00" and renewal["note"]
    met = {level["level"]: level for level in guidance["levels"]}
    assert met["assistant"]["meets_education"] and met["associate_teacher"]["meets_education"]
    assert not met["teacher"]["meets_education"]
    assert "12.00 more ECE/CD units" in met["teacher"]["missing"]
    assert "16.00 more general education units" in met["teacher"]["missing"]
    assert any("degree" in m for m in met["program_director"]["missing"])
    with world.registry.sessions() as session:
        from registry_kernel.models import Participant

        person = session.get(Participant, world.participant.participant_id)
        items = world.registry.plugins.collect("attention_items", session=session,
                                               actor=None, participant=person)
    assert any("40.00 of 105" in str(item.message) for item in items)


def test_core_course_needs_three_semester_units(world):
    document_id = world.upload().get_json()["id"]
    world.verify(document_id, {"courses": [
        {**COURSE, "course_number": "A", "core_area": "child_growth", "units": "3",
         "unit_system": "quarter"},  # 2.00 semester units: not enough for a core course
        {**COURSE, "course_number": "B", "core_area": "child_family_community", "units": "4",
         "unit_system": "quarter"},  # 4 quarter units are enough (2.67 semester units)
        {**COURSE, "course_number": "C", "core_area": "curriculum", "units": "3"},
        {**COURSE, "course_number": "D", "core_area": None, "units": "4.33"}]})
    levels = {lv["level"]: lv for lv in _report(world)["permit_guidance"]["levels"]}
    assert not levels["associate_teacher"]["meets_education"]
    assert levels["associate_teacher"]["missing"] == ["core course: child growth (3 units)"]
