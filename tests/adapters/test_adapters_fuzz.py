"""Property-based tests of the adapters' API operations (from the OpenAPI document): no 500s,
for a registry staff token and for an organization's client token."""

from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, given, settings

from registry_kernel.testing import Factory, bearer

PLUGINS = ["training", "webhooks", "crm", "rest_crm", "csv_crm", "csv_exchange", "widget"]
PREFIXES = ("/api/v1/webhooks", "/api/v1/csv")


def test_no_generated_request_to_an_adapter_makes_a_server_error(make_app):
    app = make_app(plugins=PLUGINS)
    factory = Factory(app)
    org = factory.org(name="Fuzzed agency")
    staff = factory.account("registry_staff")
    tokens = [factory.token(staff, "webhooks:write participants:write participants:read"),
              factory.client_token(org, "webhooks:write participants:write participants:read")]
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operations = [r.ok() for r in schema.get_all_operations()]
    operations = [op for op in operations if op.path.startswith(PREFIXES)]
    assert len(operations) >= 13
    failures: list[tuple[str, str, int, str]] = []
    for token in tokens:
        for operation in operations:
            _fuzz(operation, token, failures)
    assert failures == []


def _fuzz(operation, token, failures):
    @given(case=operation.as_strategy())
    @settings(max_examples=15, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    def check(case):
        response = case.call(headers=bearer(token))
        if response.status_code >= 500:
            failures.append((operation.method, operation.path, response.status_code,
                             response.text[:300]))

    check()
