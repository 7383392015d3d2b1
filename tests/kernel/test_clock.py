"""The registry's calendar: "today" is the date where the registry's people are (its
``timezone`` setting), not the server's, at the hours when the two differ."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine

from registry_kernel import clock
from registry_kernel.config import ConfigError, load_settings
from registry_kernel.testing import bearer, local_evening


def test_in_a_california_evening_today_is_californias_date(make_app):
    evening = local_evening()  # 7:30 PM in California: already tomorrow in UTC
    la = make_app(plugins=[]).extensions["registry"]
    tokyo_app = make_app(plugins=[], timezone="Asia/Tokyo")
    with time_machine.travel(evening.astimezone(UTC), tick=False):
        utc_date = evening.astimezone(UTC).date()
        assert utc_date == evening.date() + timedelta(days=1)
        assert clock.local_today(la) == evening.date()
        assert clock.local_today(tokyo_app.extensions["registry"]) == utc_date
        assert clock.today() == evening.date()  # no app: the default zone
        with tokyo_app.app_context():
            assert clock.today() == utc_date
            assert str(clock.current_zone()) == "Asia/Tokyo"


def test_an_unknown_time_zone_stops_start_up_with_a_clear_message(tmp_path, monkeypatch):
    config = tmp_path / "registry.toml"
    config.write_text('[registry]\ntimezone = "America/Los_Angles"\n')
    monkeypatch.setenv("REGISTRY_CONFIG", str(config))
    with pytest.raises(ConfigError, match="America/Los_Angles.*not a known time zone"):
        load_settings({"instance_path": str(tmp_path)})


def test_a_birth_date_of_californias_today_is_accepted_and_its_tomorrow_refused(factory):
    org = factory.org()
    staff = factory.account("sponsor_manager", org=org)
    token = factory.token(staff, "participants:write", org=org)
    client = factory.app.test_client()
    evening = local_evening()
    with time_machine.travel(evening.astimezone(UTC), tick=True):
        tomorrow = client.post("/api/v1/participants", headers=bearer(token), json={
            "first_name": "Ana", "last_name": "Ruiz", "email": "ana@example.org",
            "birth_date": (evening.date() + timedelta(days=1)).isoformat()})
        assert tomorrow.status_code == 422
        assert "birth_date" in tomorrow.get_json()["errors"]
        today = client.post("/api/v1/participants", headers=bearer(token), json={
            "first_name": "Ana", "last_name": "Ruiz", "email": "ana@example.org",
            "birth_date": evening.date().isoformat()})
        assert today.status_code == 201, today.get_json()


def test_pages_date_a_stored_utc_time_by_the_registrys_day(make_app):
    """The ``local_date`` filter: 02:30 UTC on the 29th is the evening of the 28th in
    California, and still the 29th for a registry in Tokyo."""
    stored = "2026-11-29T02:30:00+00:00"
    la_app, tokyo_app = make_app(plugins=[]), make_app(plugins=[], timezone="Asia/Tokyo")
    for app, shown in ((la_app, "2026-11-28"), (tokyo_app, "2026-11-29")):
        with app.app_context():
            render = app.jinja_env.from_string("{{ when|local_date }}").render
            assert render(when=stored) == shown
            assert render(when=datetime.fromisoformat(stored)) == shown
            assert render(when=date(2026, 11, 29)) == "2026-11-29"
            assert render(when=None) == ""
