"""Per-catalog feedback surveys: configuration by the sponsor, anonymous answers, the summary."""

from __future__ import annotations

import io
import re

from conftest import make_sponsor, shift_event, sign_in
from openpyxl import load_workbook

from registry_kernel.db import unit_of_work


def _csrf(html: str) -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


def _attended(sponsor, tf, accounts, training_id=None):
    event = sponsor.event(training_id)
    for account in accounts:
        assert sponsor.enroll(event["id"], account.participant.registry_id).status_code == 201
    shift_event(tf, event["id"], -8)
    response = sponsor.client.post(
        f"/api/v1/events/{event['id']}/attendance", headers=sponsor.headers,
        json={"records": [{"registry_id": a.participant.registry_id, "status": "attended"}
                          for a in accounts]})
    assert response.status_code == 200, response.get_json()
    return event


def _survey_page(tf, account):
    client = tf.app.test_client()
    sign_in(client, account)
    mine = client.get("/training/my").get_data(as_text=True)
    urls = re.findall(r'href="(/training/enrollments/\d+/feedback)"', mine)
    assert len(urls) == 1, "My Training Events invites to the survey"
    return client, urls[0], client.get(urls[0]).get_data(as_text=True)


def _configure(tf, sponsor, training_id, questions, comment_prompt=None, **extra):
    client = tf.app.test_client()
    sign_in(client, sponsor.manager)
    url = f"/training/manage/{sponsor.org.id}/catalog/{training_id}/survey"
    page = client.get(url)
    assert page.status_code == 200
    data = {"csrf_token": _csrf(page.get_data(as_text=True)), **extra}
    for n, (text, scale, low, high) in enumerate(questions):
        data.update({f"q-{n}-text": text, f"q-{n}-scale": str(scale), f"q-{n}-low": low,
                     f"q-{n}-high": high})
    if comment_prompt is not None:
        data.update({"comments": "1", "comment_prompt": comment_prompt})
    return client, url, client.post(url, data=data)


def _feedback_rows(sponsor):
    response = sponsor.client.get("/api/v1/reports/feedback.xlsx", headers=sponsor.headers)
    assert response.status_code == 200, response.get_data(as_text=True)
    sheet = load_workbook(io.BytesIO(response.data), read_only=True).active
    return [list(r) for r in sheet.iter_rows(values_only=True)]


def test_sponsor_configures_questions_and_answers_stay_anonymous(tf):
    from registry_plugins.training.models import FeedbackReceipt, FeedbackResponse

    sponsor = make_sponsor(tf)
    training = sponsor.training(title="Circle Time")
    client, url, saved = _configure(tf, sponsor, training["id"], [
        ("How well did the activities fit infants?", 7, "poorly", "very well"),
        ("Would you recommend this training?", 3, "no", "yes")],
        comment_prompt="What should we change?")
    assert saved.status_code == 302
    listing = client.get(f"/training/manage/{sponsor.org.id}/surveys").get_data(as_text=True)
    assert "Circle Time" in listing and "default questions" not in listing
    accounts = [tf.account() for _ in range(5)]
    event = _attended(sponsor, tf, accounts, training["id"])
    client, url, page = _survey_page(tf, accounts[0])
    assert "How well did the activities fit infants?" in page
    assert "What should we change?" in page and "very well" in page
    keys = re.findall(r'type="radio" name="(q\d+)" value="7"', page)
    assert len(keys) == 1
    fit = keys[0]
    recommend = re.findall(r'type="radio" name="(q\d+)" value="3"', page)
    recommend = next(k for k in recommend if k != fit)
    # out of range: 8 on a 1-7 scale, 4 on a 1-3 scale; nothing is stored
    bad = client.post(url, data={"csrf_token": _csrf(page), fit: "8", recommend: "4"})
    html = bad.get_data(as_text=True)
    assert bad.status_code == 422 and "choose 1 to 7" in html and "choose 1 to 3" in html
    with unit_of_work(tf.registry.sessions) as session:
        assert session.query(FeedbackResponse).count() == 0
    answers = [("7", "3", "More songs"), ("6", "3", "Longer breaks"), ("5", "2", ""),
               ("7", "3", "Add handouts"), ("4", "1", "")]
    for account, (a, b, comment) in zip(accounts, answers, strict=True):
        client, url, page = _survey_page(tf, account)
        ok = client.post(url, data={"csrf_token": _csrf(page), fit: a, recommend: b,
                                    "comment": comment})
        assert ok.status_code == 302, ok.get_data(as_text=True)
        assert "/feedback" not in client.get("/training/my").get_data(as_text=True)
    with unit_of_work(tf.registry.sessions) as session:
        stored = session.query(FeedbackResponse).all()
        assert {c.name for c in FeedbackResponse.__table__.columns} == {
            "id", "event_id", "answers", "comment", "answered_on"}
        assert {c.name for c in FeedbackReceipt.__table__.columns} == {"enrollment_id"}
        assert sorted(r.answers[fit] for r in stored) == [4, 5, 6, 7, 7]
        assert all(r.answered_on.hour == 0 for r in stored)
    rows = _feedback_rows(sponsor)
    assert rows[0] == ["Event ID", "Training", "Date", "Responses", "Question", "Scale",
                       "Answers", "Average", "Distribution", "Comment"]
    by_question = {r[4]: r for r in rows[1:-1] if r[4] != "Comment"}
    first = by_question["How well did the activities fit infants?"]
    assert first[:4] == [event["id"], "Circle Time", first[2], 5]
    assert first[5:9] == ["1-7", 5, 5.8, "1:0 2:0 3:0 4:1 5:1 6:1 7:2"]
    second = by_question["Would you recommend this training?"]
    assert second[5:9] == ["1-3", 5, 2.4, "1:1 2:1 3:3"]
    comments = [r[9] for r in rows[1:-1] if r[4] == "Comment"]
    assert comments == ["Add handouts", "Longer breaks", "More songs"]  # sorted, not in order
    assert rows[-1][:4] == ["Total", None, None, 5]


def test_default_questions_and_small_groups(tf):
    sponsor = make_sponsor(tf)
    accounts = [tf.account() for _ in range(4)]
    _attended(sponsor, tf, accounts)
    client, url, page = _survey_page(tf, accounts[0])
    spanish = client.get(url, query_string={"lang": "es"}).get_data(as_text=True)
    assert "El contenido fue útil para mi trabajo con niños." in spanish
    chinese = client.get(url, query_string={"lang": "zh-Hant"}).get_data(as_text=True)
    assert "您的回答是匿名的" in chinese
    client.get(url, query_string={"lang": "en"})
    for account in accounts:
        client, url, page = _survey_page(tf, account)
        assert "The content was useful for my work with children." in page
        assert client.post(url, data={"csrf_token": _csrf(page), "content": "5",
                                      "presenter": "5", "apply": "1",
                                      "comment": "Only me"}).status_code == 302
    rows = _feedback_rows(sponsor)
    assert len(rows) == 3  # header, one counted-only row, total
    assert rows[1][3] == 4 and "not broken down" in rows[1][4]
    assert not any("Only me" in str(cell) for row in rows for cell in row)


def test_changing_a_question_retires_it_and_bad_configuration_changes_nothing(tf):
    from registry_plugins.training.survey_models import SurveyQuestion

    sponsor = make_sponsor(tf)
    training = sponsor.training()
    _configure(tf, sponsor, training["id"], [("Useful?", 5, "", ""), ("Clear?", 5, "", "")])
    with unit_of_work(tf.registry.sessions) as session:
        before = {q.text: q.id for q in session.query(SurveyQuestion)}
    client, url, response = _configure(tf, sponsor, training["id"],
                                       [("Useful?", 5, "", ""), ("Clear enough?", 4, "", "")])
    assert response.status_code == 302
    with unit_of_work(tf.registry.sessions) as session:
        rows = {q.text: (q.id, q.is_active) for q in session.query(SurveyQuestion)}
    assert rows["Useful?"] == (before["Useful?"], True)  # kept: earlier answers comparable
    assert rows["Clear?"] == (before["Clear?"], False) and rows["Clear enough?"][1]
    for questions, message in ((
            [("Useful?", 11, "", "")], "a scale goes from 1 to 2..10"),
            ([("", 5, "", "")], "ask at least one rating question"),
            ([("Same", 5, "", ""), ("same", 5, "", "")], "each question may be asked once")):
        client, url, bad = _configure(tf, sponsor, training["id"], questions)
        assert bad.status_code == 422 and message in bad.get_data(as_text=True)
    with unit_of_work(tf.registry.sessions) as session:
        assert {q.text for q in session.query(SurveyQuestion).filter_by(is_active=True)} == {
            "Useful?", "Clear enough?"}
    # back to the defaults
    page = client.get(url).get_data(as_text=True)
    assert client.post(url, data={"csrf_token": _csrf(page), "action": "reset"}).status_code \
        == 302
    assert "The content was useful" in client.get(url).get_data(as_text=True)
    # another sponsor's staff cannot open it
    other = make_sponsor(tf)
    stranger = tf.app.test_client()
    sign_in(stranger, other.manager)
    assert stranger.get(url).status_code == 404


def test_survey_api(tf):
    sponsor = make_sponsor(tf)
    training = sponsor.training()
    url = f"/api/v1/trainings/{training['id']}/survey"
    default = sponsor.client.get(url, headers=sponsor.headers)
    assert default.status_code == 200
    body = default.get_json()
    assert body["configured"] is False and [q["key"] for q in body["questions"]] == [
        "content", "presenter", "apply"]
    saved = sponsor.client.put(url, headers=sponsor.headers, json={
        "questions": [{"text": "Useful?", "scale_max": 4, "low_label": "no",
                       "high_label": "very"}], "comment_prompt": None})
    assert saved.status_code == 200, saved.get_json()
    body = saved.get_json()
    assert body["configured"] and body["comment_prompt"] is None
    assert body["questions"][0]["scale_max"] == 4 and body["questions"][0]["key"].startswith("q")
    again = sponsor.client.put(url, headers=sponsor.headers, json={
        "questions": [{"text": "Useful?", "scale_max": 4}, {"text": "New?"}]}).get_json()
    assert again["questions"][0]["key"] == body["questions"][0]["key"]  # same question
    for bad in ({"questions": []}, {"questions": [{"text": "x", "scale_max": 11}]},
                {"questions": [{"text": "A"}, {"text": "a"}]}):
        response = sponsor.client.put(url, headers=sponsor.headers, json=bad)
        assert response.status_code == 422
        assert response.headers["Content-Type"].startswith("application/problem+json")
    assert len(sponsor.client.get(url, headers=sponsor.headers).get_json()["questions"]) == 2
    other = make_sponsor(tf)
    assert other.client.get(url, headers=other.headers).status_code == 404
    assert other.client.put(url, headers=other.headers,
                            json={"questions": [{"text": "Mine?"}]}).status_code == 404
