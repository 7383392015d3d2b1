"""The embeddable enrollment widget: assets, CORS for registered origins only (the real-browser
test is tests/browser/test_browser_widget.py)."""

from __future__ import annotations

import re

import pytest
from adapters_widget_helpers import sponsor_with_event
from sqlalchemy import func, select

from registry_kernel.testing import Factory, bearer, sign_in_test_client

AGENCY = "https://www.valley-rr.example"
PLUGINS = ["training", "widget"]


def test_script_and_style_are_served(make_app):
    app = make_app(plugins=PLUGINS)
    client = app.test_client()
    js = client.get("/widget/registry-enroll.js")
    assert js.status_code == 200
    assert js.mimetype == "text/javascript"
    source = js.get_data(as_text=True)
    assert "/api/v1/calendar?sponsor=" in source
    assert "/widget/enroll/" in source
    assert "/oauth/authorize?" in source and "code_challenge_method" in source
    assert "innerHTML" not in source  # network data is never parsed as HTML
    assert js.headers["Cross-Origin-Resource-Policy"] == "cross-origin"
    css = client.get("/widget/registry-enroll.css")
    assert css.status_code == 200 and css.mimetype == "text/css"
    assert client.get("/widget/enroll/7").headers["Location"].startswith(
        "/login?next=/training/events/7")
    demo = client.get("/widget/?sponsor=valley-rr")
    assert demo.status_code == 200
    assert b'data-sponsor="valley-rr"' in demo.data


def test_cors_only_for_registered_origins_and_only_on_the_calendar(make_app):
    app = make_app(plugins=PLUGINS, plugin_sections={"widget": {"allowed_origins": [AGENCY]}})
    made = sponsor_with_event(app)
    client = app.test_client()
    ok = client.get("/api/v1/calendar?sponsor=valley-rr", headers={"Origin": AGENCY})
    assert ok.status_code == 200
    assert ok.headers["Access-Control-Allow-Origin"] == AGENCY
    assert "Origin" in ok.headers.get("Vary", "")
    items = ok.get_json()["items"]
    assert [i["event_id"] for i in items] == [made["event_id"]]
    assert items[0]["seats_left"] == 12
    other = client.get("/api/v1/calendar?sponsor=valley-rr",
                       headers={"Origin": "https://evil.example"})
    assert other.status_code == 200
    assert "Access-Control-Allow-Origin" not in other.headers
    elsewhere = client.get("/api/v1/health", headers={"Origin": AGENCY})
    assert "Access-Control-Allow-Origin" not in elsewhere.headers


def test_bad_origin_configuration_is_refused(make_app):
    from registry_kernel.config import ConfigError

    with pytest.raises(ConfigError, match="not an origin"):
        make_app(plugins=PLUGINS, plugin_sections={"widget": {
            "allowed_origins": ["https://agency.example/page"]}})


def test_cors_for_the_oauth_enrollment_flow_only_for_registered_origins(make_app):
    """What the widget calls from the agency's page (token, revoke, /me, enroll) answers CORS
    to registered origins only, with the methods and headers the widget needs and never with
    credentials (cookies)."""
    app = make_app(plugins=PLUGINS, plugin_sections={"widget": {"allowed_origins": [AGENCY]}})
    made = sponsor_with_event(app)
    client = app.test_client()
    enrollments = f"/api/v1/events/{made['event_id']}/enrollments"
    preflights = [("/api/v1/me", "GET", "authorization"),
                  (enrollments, "POST", "authorization,content-type")]
    for path, method, headers in preflights:
        ok = client.options(path, headers={
            "Origin": AGENCY, "Access-Control-Request-Method": method,
            "Access-Control-Request-Headers": headers})
        assert ok.status_code == 200, path
        assert ok.headers["Access-Control-Allow-Origin"] == AGENCY
        assert method in ok.headers["Access-Control-Allow-Methods"]
        assert "Authorization" in ok.headers["Access-Control-Allow-Headers"]
        assert "Access-Control-Allow-Credentials" not in ok.headers
        refused = client.options(path, headers={
            "Origin": "https://evil.example", "Access-Control-Request-Method": method})
        assert "Access-Control-Allow-Origin" not in refused.headers
    # the list of an event's enrollments (staff data) is not opened to any site
    listing = client.options(enrollments, headers={"Origin": AGENCY,
                                                   "Access-Control-Request-Method": "GET"})
    assert "Access-Control-Allow-Origin" not in listing.headers
    for path in ("/oauth/token", "/oauth/revoke"):
        answer = client.post(path, data={"grant_type": "authorization_code", "code": "x",
                                         "client_id": "nobody", "token": "x"},
                             headers={"Origin": AGENCY})
        assert answer.headers["Access-Control-Allow-Origin"] == AGENCY, path
        other = client.post(path, data={"grant_type": "authorization_code", "code": "x",
                                        "client_id": "nobody", "token": "x"},
                            headers={"Origin": "https://evil.example"})
        assert "Access-Control-Allow-Origin" not in other.headers
    assert "Access-Control-Allow-Origin" not in client.get(
        "/api/v1/webhooks", headers={"Origin": AGENCY}).headers


def test_enrollment_through_the_public_client_with_pkce(make_app):
    """The widget's calls, made by hand: consent -> code -> token (PKCE) -> /me -> enroll ->
    revoke. A participant's token enrolls only its holder; the revoked token stops working."""
    import base64
    import hashlib
    from urllib.parse import parse_qs, urlsplit

    from registry_kernel.oauth import create_client

    app = make_app(plugins=PLUGINS, plugin_sections={"widget": {"allowed_origins": [AGENCY]}})
    made = sponsor_with_event(app, capacity=1)
    factory = Factory(app)
    registry = app.extensions["registry"]
    with registry.sessions() as session:
        client_id, secret = create_client(
            session, registry, organization_id=made["sponsor"].id, name="Valley website",
            scopes=["me", "enrollments:write"], redirect_uris=[AGENCY + "/trainings"],
            public=True)
        session.commit()
    assert secret is None
    person = factory.account(email="lupe@example.org")
    other = factory.participant()
    browser = sign_in_test_client(app.test_client(), person)
    verifier = "v" * 64
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()
                                         ).decode().rstrip("=")
    query = {"response_type": "code", "client_id": client_id,
             "redirect_uri": AGENCY + "/trainings", "scope": "me enrollments:write",
             "state": "s1", "code_challenge": challenge, "code_challenge_method": "S256"}
    consent = browser.get("/oauth/authorize", query_string=query)
    assert consent.status_code == 200
    csrf = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', consent.get_data(as_text=True)
                     ).group(1)
    back = browser.post("/oauth/authorize", query_string=query,
                        data={"csrf_token": csrf, "approve": "1"})
    location = urlsplit(back.headers["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == AGENCY + "/trainings"
    code = parse_qs(location.query)["code"][0]
    assert parse_qs(location.query)["state"] == ["s1"]

    site = app.test_client()  # the agency page: no registry cookie
    wrong = site.post("/oauth/token", headers={"Origin": AGENCY}, data={
        "grant_type": "authorization_code", "code": code, "client_id": client_id,
        "redirect_uri": AGENCY + "/trainings", "code_verifier": "w" * 64})
    assert wrong.status_code == 400  # a wrong verifier; and the code is now spent
    consent = browser.get("/oauth/authorize", query_string=query)
    csrf = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', consent.get_data(as_text=True)
                     ).group(1)
    back = browser.post("/oauth/authorize", query_string=query,
                        data={"csrf_token": csrf, "approve": "1"})
    code = parse_qs(urlsplit(back.headers["Location"]).query)["code"][0]
    token = site.post("/oauth/token", headers={"Origin": AGENCY}, data={
        "grant_type": "authorization_code", "code": code, "client_id": client_id,
        "redirect_uri": AGENCY + "/trainings", "code_verifier": verifier})
    assert token.status_code == 200, token.get_json()
    assert token.headers["Access-Control-Allow-Origin"] == AGENCY
    access = token.get_json()["access_token"]
    me = site.get("/api/v1/me", headers={**bearer(access), "Origin": AGENCY})
    assert me.headers["Access-Control-Allow-Origin"] == AGENCY
    registry_id = me.get_json()["registry_id"]
    path = f"/api/v1/events/{made['event_id']}/enrollments"
    # someone else's Registry ID: the token acts for its holder only
    assert site.post(path, headers=bearer(access), json={"registry_id": other.registry_id}
                     ).status_code == 404
    enrolled = site.post(path, headers={**bearer(access), "Origin": AGENCY},
                         json={"registry_id": registry_id})
    assert enrolled.status_code == 201
    assert enrolled.get_json()["status"] == "enrolled"
    assert enrolled.headers["Access-Control-Allow-Origin"] == AGENCY
    again = site.post(path, headers=bearer(access), json={"registry_id": registry_id})
    assert again.status_code == 409 and again.get_json()["reason"] == "already_enrolled"
    assert site.post("/oauth/revoke", data={"token": access, "client_id": client_id},
                     headers={"Origin": AGENCY}).status_code == 200
    assert site.get("/api/v1/me", headers=bearer(access)).status_code == 401


def test_create_a_profile_keeps_the_way_back(make_app):
    """The sign-in page's Create a Profile link carries ``next``, so a visitor sent by an
    agency's site comes back to the consent page; a foreign ``next`` is ignored."""
    app = make_app(plugins=PLUGINS)
    client = app.test_client()
    target = "/oauth/authorize?client_id=x&state=y"
    login = client.get("/login", query_string={"next": target}).get_data(as_text=True)
    assert 'href="/signup?next=/oauth/authorize?client_id%3Dx%26state%3Dy"' in login
    form = client.get("/signup", query_string={"next": target}).get_data(as_text=True)
    assert 'action="/signup?next=/oauth/authorize?client_id%3Dx%26state%3Dy"' in form
    csrf = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', form).group(1)
    created = client.post("/signup", query_string={"next": target}, data={
        "csrf_token": csrf, "first_name": "Lupe", "last_name": "Garcia",
        "email": "lupe@example.org", "password": "a long enough passphrase 7",
        "password_confirm": "a long enough passphrase 7", "birth_date": "1990-05-01",
        "county": "Alameda", "preferred_language": "en"})
    assert created.status_code == 302
    assert created.headers["Location"] == target
    elsewhere = app.test_client()
    form = elsewhere.get("/signup").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', form).group(1)
    created = elsewhere.post("/signup", query_string={"next": "https://evil.example/"}, data={
        "csrf_token": csrf, "first_name": "Bo", "last_name": "Li", "email": "bo@example.org",
        "password": "a long enough passphrase 7",
        "password_confirm": "a long enough passphrase 7", "birth_date": "1991-05-01",
        "county": "Alameda", "preferred_language": "en"})
    assert created.status_code == 302
    assert "evil" not in created.headers["Location"]


def _signed_in(app, account):
    return sign_in_test_client(app.test_client(), account)


def _csrf(client, path="/widget/sites"):
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"',
                     client.get(path).get_data(as_text=True)).group(1)


def test_staff_register_their_page_which_gets_cors_and_a_client(make_app):
    """An organization registers its own page: CORS for its origin, a public OAuth client
    whose only redirect is that page, and the snippet to paste. Removing the page ends both."""
    from registry_kernel.models import OAuthClient

    app = make_app(plugins=PLUGINS)
    made = sponsor_with_event(app)
    factory = Factory(app)
    manager = factory.account(role="sponsor_manager", org=made["sponsor"])
    client = _signed_in(app, manager)
    page = "https://www.valley-rr.example/trainings"
    assert "No pages registered yet." in client.get("/widget/sites").get_data(as_text=True)
    before = app.test_client().get("/api/v1/calendar", headers={"Origin": AGENCY})
    assert "Access-Control-Allow-Origin" not in before.headers

    assert client.post("/widget/sites", data={"page_url": page}).status_code == 400  # no CSRF
    for bad, message in (("javascript:alert(1)", "starting with https://"),
                         ("http://www.valley-rr.example/t", "starting with https://"),
                         ("https://user:pw@www.valley-rr.example/t", "starting with https://"),
                         (page + "?a=1", "without a ? part"), ("", "starting with https://")):
        answer = client.post("/widget/sites", data={"csrf_token": _csrf(client),
                                                    "page_url": bad})
        assert answer.status_code == 422, bad
        assert message in answer.get_data(as_text=True), bad
    with app.extensions["registry"].sessions() as session:
        assert session.scalar(select(func.count()).select_from(OAuthClient)) == 1  # nothing made

    done = client.post("/widget/sites", data={"csrf_token": _csrf(client), "page_url": page})
    assert done.status_code == 302
    html = client.get("/widget/sites").get_data(as_text=True)
    client_id = re.search(r'data-client-id="([^"]+)"', html).group(1)
    assert 'data-sponsor="valley-rr"' in html and page in html
    with app.extensions["registry"].sessions() as session:
        row = session.scalar(select(OAuthClient).where(OAuthClient.client_id == client_id))
        assert row.redirect_uris == [page]
        assert row.client_secret_hash is None  # public: PKCE only
        assert sorted(row.scopes.split()) == ["enrollments:write", "me"]
        assert row.organization_id == made["sponsor"].id
    ok = app.test_client().get("/api/v1/calendar", headers={"Origin": AGENCY})
    assert ok.headers["Access-Control-Allow-Origin"] == AGENCY
    again = client.post("/widget/sites", data={"csrf_token": _csrf(client), "page_url": page})
    assert again.status_code == 422
    assert "already registered" in again.get_data(as_text=True)

    # another organization's staff cannot see or remove it
    other = _signed_in(app, factory.account(role="program_admin",
                                            org=factory.org(name="Other R&R")))
    assert page not in other.get("/widget/sites").get_data(as_text=True)
    remove = re.search(r'action="(/widget/sites/\d+/remove[^"]*)"', html).group(1)
    remove = remove.replace("&amp;", "&")
    assert other.post(remove.split("?")[0], data={"csrf_token": _csrf(other)}
                      ).status_code == 404

    assert client.post(remove, data={"csrf_token": _csrf(client)}).status_code == 302
    gone = app.test_client().get("/api/v1/calendar", headers={"Origin": AGENCY})
    assert "Access-Control-Allow-Origin" not in gone.headers
    with app.extensions["registry"].sessions() as session:
        row = session.scalar(select(OAuthClient).where(OAuthClient.client_id == client_id))
        assert row.revoked_at is not None


def test_only_organization_staff_open_the_sites_page(make_app):
    app = make_app(plugins=PLUGINS)
    factory = Factory(app)
    assert app.test_client().get("/widget/sites").status_code == 302  # sign in first
    participant = _signed_in(app, factory.account())
    assert participant.get("/widget/sites").status_code == 403


def test_production_pages_must_be_https(make_app):
    app = make_app(plugins=PLUGINS)
    app.extensions["registry"].settings.production = True
    factory = Factory(app)
    org = factory.org(kind="training_sponsor", name="Valley R&R", slug="valley-rr")
    client = _signed_in(app, factory.account(role="sponsor_manager", org=org))
    answer = client.post("/widget/sites", data={"csrf_token": _csrf(client),
                                                "page_url": "http://127.0.0.1:8080/"})
    assert answer.status_code == 422
    assert "must use https" in answer.get_data(as_text=True)
