"""The calendar's sponsor filter and iCalendar filters, and the Training Sponsor Contact Manager
listed as the contact on the sponsor's trainings."""

from __future__ import annotations

import pytest
from conftest import make_sponsor

from registry_kernel.testing import Factory


@pytest.fixture
def ui(make_app):
    return Factory(make_app(plugins=["training"]))


def test_calendar_page_filters_by_sponsor_from_a_list(ui):
    first = make_sponsor(ui, name="Delta Trainers")
    second = make_sponsor(ui, name="Alpha Academy")
    first.event(first.training(title="Delta Course")["id"])
    second.event(second.training(title="Alpha Course")["id"])
    make_sponsor(ui, name="Quiet Sponsor")  # nothing on the calendar: not offered
    client = ui.app.test_client()
    page = client.get("/training/calendar").get_data(as_text=True)
    options = page[page.index('id="sponsor"'):page.index("</select>", page.index('id="sponsor"'))]
    assert options.index("Alpha Academy") < options.index("Delta Trainers")
    assert "Quiet Sponsor" not in options
    only = client.get(f"/training/calendar?sponsor={second.org.slug}").get_data(as_text=True)
    assert "Alpha Course" in only and "Delta Course" not in only
    assert f'value="{second.org.slug}" selected' in only


def test_icalendar_feed_takes_the_pages_city_and_date_filters(ui):
    sponsor = make_sponsor(ui)
    sponsor.event(starts_at="2031-05-01T09:00:00-07:00", ends_at="2031-05-01T12:00:00-07:00")
    sponsor.event(starts_at="2031-06-01T09:00:00-07:00", ends_at="2031-06-01T12:00:00-07:00",
                  location={"address": "1 Main", "city": "Fremont", "county": "Alameda",
                            "zip": "94538"})
    client = ui.app.test_client()
    by_city = client.get("/training/calendar.ics?city=Fremont").get_data(as_text=True)
    assert by_city.count("BEGIN:VEVENT") == 1 and "Fremont" in by_city
    by_date = client.get("/training/calendar.ics?from=2031-04-30&to=2031-05-02").get_data(
        as_text=True)
    assert by_date.count("BEGIN:VEVENT") == 1 and "DTSTART:20310501T160000Z" in by_date


def test_contact_manager_is_listed_on_the_sponsors_trainings(ui):
    sponsor = make_sponsor(ui)
    event = sponsor.event()
    client = ui.app.test_client()
    page = client.get(f"/training/events/{event['id']}").get_data(as_text=True)
    assert "Questions? Contact the sponsor" not in page  # nobody and nothing to list yet
    ui.account("sponsor_manager", org=sponsor.org, first_name="Extra", last_name="Manager")
    ui.account("sponsor_contact_manager", org=sponsor.org, first_name="Rosa",
               last_name="Delgado")
    page = client.get(f"/training/events/{event['id']}").get_data(as_text=True)
    assert "Questions? Contact the sponsor: Rosa Delgado" in page
    assert "Extra Manager" not in page
