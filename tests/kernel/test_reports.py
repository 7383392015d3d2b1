"""Kernel-served Excel reports defined by plugins through ``report_definitions``."""

import io

from openpyxl import load_workbook
from sqlalchemy import select

from registry_kernel import ReportDefinition, hookimpl
from registry_kernel.models import AuditEvent
from registry_kernel.testing import Factory, bearer


class CountingReports:
    @hookimpl
    def report_definitions(self):
        def build(session, registry, actor, params):
            for n in range(1, 2001):
                yield (n, f"row {n}", str(params["from"]))

        return ReportDefinition(name="numbers", title="Numbers", scope="reports:read",
                                build=build, columns=("n", "label", "from"))


def test_a_plugin_report_downloads_as_xlsx_and_is_audited(make_app):
    factory = Factory(make_app(plugins=[], extra_plugins=(CountingReports(),)))
    org = factory.org()
    token = factory.token(factory.account("sponsor_manager", org=org), "reports:read", org=org)
    client = factory.app.test_client()
    response = client.get("/api/v1/reports/numbers.xlsx?from=2026-01-01&to=2026-12-31",
                          headers=bearer(token))
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == 'attachment; filename="numbers.xlsx"'
    sheet = load_workbook(io.BytesIO(response.data), read_only=True).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("n", "label", "from") and len(rows) == 2001
    assert rows[-1] == (2000, "row 2000", "2026-01-01")
    with factory.registry.sessions() as session:
        assert session.scalar(select(AuditEvent.action).where(
            AuditEvent.resource_id == "numbers")) == "report.export"


def test_unknown_report_bad_dates_and_missing_scope(make_app):
    factory = Factory(make_app(plugins=[], extra_plugins=(CountingReports(),)))
    org = factory.org()
    manager = factory.account("sponsor_manager", org=org)
    client = factory.app.test_client()
    token = factory.token(manager, "reports:read", org=org)
    assert client.get("/api/v1/reports/nope.xlsx", headers=bearer(token)).status_code == 404
    bad = client.get("/api/v1/reports/numbers.xlsx?from=2026-02-01&to=2026-01-01",
                     headers=bearer(token))
    assert bad.status_code == 422
    other = factory.token(manager, "participants:read", org=org)
    assert client.get("/api/v1/reports/numbers.xlsx", headers=bearer(other)).status_code == 403
