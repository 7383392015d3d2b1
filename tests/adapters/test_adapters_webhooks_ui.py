"""The organization staff's Webhooks page: add an endpoint (secret shown once), see deliveries
with their last answer, redeliver, delete; CSRF and organization scoping."""

from __future__ import annotations

import re

from adapters_http_receiver import signatures

from registry_kernel.testing import Factory, bearer, sign_in_test_client


def sign_in(client, account) -> None:
    sign_in_test_client(client, account)


def csrf(client) -> str:
    html = client.get("/webhooks/").get_data(as_text=True)
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


def test_staff_page_add_deliveries_redeliver_delete(make_app, receiver, due):
    app = make_app(plugins=["webhooks"], plugin_sections={"webhooks": {"max_attempts": 1}})
    factory = Factory(app)
    org = factory.org(name="Valley R&R")
    admin = factory.account(role="program_admin", org=org)
    client = app.test_client()
    sign_in(client, admin)

    page = client.get("/webhooks/")
    assert page.status_code == 200
    assert "No endpoints yet" in page.get_data(as_text=True)

    refused = client.post("/webhooks/", data={"url": receiver.url, "events": [
        "participant.created"]})  # no CSRF token
    assert refused.status_code in (400, 200)
    assert "whsec_" not in refused.get_data(as_text=True)

    bad = client.post("/webhooks/", data={"csrf_token": csrf(client), "url": "ftp://x",
                                          "events": ["participant.created"]})
    html = bad.get_data(as_text=True)
    assert "must be https" in html
    assert 'value="ftp://x"' in html  # what was typed is kept

    added = client.post("/webhooks/", data={"csrf_token": csrf(client), "url": receiver.url,
                                            "events": ["participant.created"]})
    html = added.get_data(as_text=True)
    secret = re.search(r"whsec_[A-Za-z0-9+/=]+", html).group(0)
    assert secret
    assert secret not in client.get("/webhooks/").get_data(as_text=True)  # shown once

    receiver.responder = lambda r: (500, {"error": "busy"})
    token = factory.client_token(org, "participants:write")
    assert client.post("/api/v1/participants", headers=bearer(token), json={
        "first_name": "Ana", "last_name": "Reyes", "email": "ana@example.org"}
    ).status_code == 201
    assert app.extensions["registry"].outbox.drain().failed == 1
    html = client.get("/webhooks/").get_data(as_text=True)
    assert "failed" in html and "HTTP 500" in html and "busy" in html
    action = re.search(r'action="(/webhooks/deliveries/[^"]+/redeliver[^"]*)"', html).group(1)

    receiver.responder = lambda r: (200, {})
    again = client.post(action.replace("&amp;", "&"), data={"csrf_token": csrf(client)})
    assert again.status_code == 302
    assert app.extensions["registry"].outbox.drain().delivered == 1
    assert len({r.headers["webhook-id"] for r in receiver.requests}) == 1
    assert "delivered" in client.get("/webhooks/").get_data(as_text=True)

    # another organization's staff see none of it
    other_admin = factory.account(role="program_admin", org=factory.org(name="Other"))
    other = app.test_client()
    sign_in(other, other_admin)
    assert receiver.url not in other.get("/webhooks/").get_data(as_text=True)
    assert other.get(f"/webhooks/?org={org.id}").status_code == 404

    delete = re.search(r'action="(/webhooks/[0-9a-f-]{36}/delete[^"]*)"', html).group(1)
    gone = client.post(delete.replace("&amp;", "&"), data={"csrf_token": csrf(client)})
    assert gone.status_code == 302
    assert "No endpoints yet" in client.get("/webhooks/").get_data(as_text=True)


def test_participants_cannot_open_the_page(make_app):
    app = make_app(plugins=["webhooks"])
    factory = Factory(app)
    person = factory.account()
    client = app.test_client()
    assert client.get("/webhooks/").status_code == 302  # to sign in
    sign_in(client, person)
    assert client.get("/webhooks/").status_code == 403


def test_staff_rotate_the_secret_and_end_the_overlap(make_app, receiver):
    app = make_app(plugins=["webhooks"])
    factory = Factory(app)
    org = factory.org(name="Valley R&R")
    admin = factory.account(role="program_admin", org=org)
    client = app.test_client()
    sign_in(client, admin)
    html = client.post("/webhooks/", data={"csrf_token": csrf(client), "url": receiver.url,
                                           "events": ["participant.created"]}
                       ).get_data(as_text=True)
    old = re.search(r"whsec_[A-Za-z0-9+/=]+", html).group(0)
    rotate = re.search(r'action="(/webhooks/[0-9a-f-]{36}/rotate[^"]*)"', html).group(1)
    rotate = rotate.replace("&amp;", "&")

    assert client.post(rotate, data={"overlap_hours": "24"}).status_code == 400  # no CSRF
    bad = client.post(rotate, data={"csrf_token": csrf(client), "overlap_hours": "5"})
    assert bad.status_code == 422
    assert "Choose how long the old secret keeps working" in bad.get_data(as_text=True)
    assert "whsec_" not in bad.get_data(as_text=True)

    done = client.post(rotate, data={"csrf_token": csrf(client), "overlap_hours": "24"})
    assert done.status_code == 200
    assert done.headers["Cache-Control"] == "no-store"
    html = done.get_data(as_text=True)
    new = re.search(r"whsec_[A-Za-z0-9+/=]+", html).group(0)
    assert new != old
    assert "Rotation in progress" in html
    page = client.get("/webhooks/").get_data(as_text=True)
    assert new not in page  # shown once
    assert "Rotation in progress" in page

    token = factory.client_token(org, "participants:write")
    assert client.post("/api/v1/participants", headers=bearer(token), json={
        "first_name": "Ana", "last_name": "Reyes", "email": "ana@example.org"}
    ).status_code == 201
    app.extensions["registry"].outbox.drain()
    assert len(signatures(receiver.requests[-1].headers)) == 2

    drop = re.search(r'action="(/webhooks/[0-9a-f-]{36}/drop-previous[^"]*)"', page).group(1)
    assert client.post(drop.replace("&amp;", "&"), data={"csrf_token": csrf(client)}
                       ).status_code == 302
    page = client.get("/webhooks/").get_data(as_text=True)
    assert "Rotation in progress" not in page
    assert client.post("/api/v1/participants", headers=bearer(token), json={
        "first_name": "Bo", "last_name": "Li", "email": "bo@example.org"}).status_code == 201
    app.extensions["registry"].outbox.drain()
    assert len(signatures(receiver.requests[-1].headers)) == 1

    # another organization's staff cannot rotate it
    other = app.test_client()
    sign_in(other, factory.account(role="program_admin", org=factory.org(name="Other")))
    html = other.get("/webhooks/").get_data(as_text=True)
    token_other = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)
    endpoint_path = rotate.split("?")[0]
    assert other.post(endpoint_path, data={"csrf_token": token_other, "overlap_hours": "0"}
                      ).status_code == 404



def submission(html: str, form_action: str = "/webhooks/?") -> str:
    """The one-time submission token of the form posting to ``form_action``."""
    form = re.search(r'action="' + re.escape(form_action) + r'[^"]*"[^>]*>(.*?)</form>', html,
                     re.S).group(1)
    return re.search(r'name="submission" value="([^"]+)"', form).group(1)


def endpoints(app, org) -> list:
    from registry_adapters.webhooks import services as svc

    with app.extensions["registry"].sessions() as session:
        return svc.endpoints_of(session, org.id)


def test_a_reload_of_the_answer_does_not_add_or_rotate_twice(make_app, receiver):
    """The page that shows a new secret answers the POST itself (the secret is never put in a
    redirect or the session), so the browser may send the same form again on reload: that is
    refused with a message, nothing changes twice and no secret is shown again."""
    from registry_adapters.webhooks import services as svc

    app = make_app(plugins=["webhooks"])
    factory = Factory(app)
    org = factory.org(name="Valley R&R")
    client = app.test_client()
    sign_in(client, factory.account(role="program_admin", org=org))
    page = client.get("/webhooks/").get_data(as_text=True)
    form = {"csrf_token": csrf(client), "submission": submission(page), "url": receiver.url,
            "events": ["participant.created"]}
    first = client.post("/webhooks/", data=form)
    answer = first.get_data(as_text=True)
    assert first.status_code == 200 and "whsec_" in answer
    again = client.post("/webhooks/", data=form)  # the reload
    html = again.get_data(as_text=True)
    assert again.status_code == 409
    assert "already sent" in html and "whsec_" not in html
    assert len(endpoints(app, org)) == 1

    rotate = re.search(r'action="(/webhooks/[0-9a-f-]{36}/rotate[^"]*)"', answer).group(1)
    rotation = {"csrf_token": csrf(client), "overlap_hours": "24",
                "submission": submission(answer, rotate)}
    rotated = client.post(rotate.replace("&amp;", "&"), data=rotation)
    assert rotated.status_code == 200
    shown = re.search(r"whsec_[A-Za-z0-9+/=]+", rotated.get_data(as_text=True)).group(0)
    repeated = client.post(rotate.replace("&amp;", "&"), data=rotation)
    assert repeated.status_code == 409 and "whsec_" not in repeated.get_data(as_text=True)
    (endpoint,) = endpoints(app, org)  # the secret shown is still the one that signs
    assert svc.open_secret(app.extensions["registry"], endpoint) == svc.secret_bytes(shown)

    # a fresh page is a new form: adding a second endpoint on purpose still works
    page = client.get("/webhooks/").get_data(as_text=True)
    second = client.post("/webhooks/", data={**form, "submission": submission(page)})
    assert second.status_code == 200 and len(endpoints(app, org)) == 2
