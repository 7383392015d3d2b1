

def test_catalog_event_enroll(sponsor, tf):
    event = sponsor.event()
    person = tf.participant()
    response = sponsor.enroll(event["id"], person.registry_id)
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["status"] == "enrolled"
    cal = sponsor.client.get("/api/v1/calendar")
    assert cal.status_code == 200, cal.get_json()
    assert cal.get_json()["items"][0]["seats_left"] == 9
