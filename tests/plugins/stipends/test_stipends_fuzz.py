"""Property-based tests of the stipends API from its OpenAPI document: no generated request to
a stipends path makes a server error, with a county administrator's token (stipends:admin,
reports:read and me) over a program with an approved application and a plan."""

from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, given, settings


def test_no_generated_stipends_request_makes_a_server_error(world):
    program = world.program()
    person = world.person()
    application = world.apply(person, program["id"], tier="pd21").get_json()
    world.admin("post", f"/api/v1/stipends/applications/{application['id']}/decision",
                json={"decision": "approve", "reason": "ok"})
    world.admin("post", f"/api/v1/stipends/applications/{application['id']}/pathway",
                json={"title": "Plan", "goals": [{"kind": "training_hours", "amount": "21"}]})
    token = world.factory.token(world.county_admin, "stipends:admin reports:read me")
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", world.app)
    headers = {"Authorization": f"Bearer {token}"}
    failures: list[tuple[str, str, str]] = []
    operations = [result.ok() for result in schema.get_all_operations()]
    operations = [op for op in operations if "stipend" in op.path]
    assert len(operations) >= 20
    for operation in operations:
        _fuzz(operation, headers, failures)
    assert failures == []


def _fuzz(operation, headers, failures):
    @given(case=operation.as_strategy())
    @settings(max_examples=15, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    def check(case):
        response = case.call(headers=headers)
        if response.status_code >= 500:
            failures.append((operation.method, operation.path, response.text[:300]))

    check()
