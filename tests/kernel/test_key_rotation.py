"""`registry keys rotate` re-wraps every key under the new master key, so the old one can be
retired: participants' data keys, and the keys plugins wrapped themselves (report runs, webhook
signing secrets, workforce snapshots). A registry that holds only the new key then still opens
all of them."""

from __future__ import annotations

import json
from typing import Any

from click.testing import CliRunner

from registry_kernel import hookimpl
from registry_kernel.app import create_app
from registry_kernel.cli import cli
from registry_kernel.crypto import generate_key_text
from registry_kernel.db import unit_of_work
from registry_kernel.extension import ReportDefinition
from registry_kernel.testing import TEST_KEYS, Factory, bearer, test_settings

PLUGINS = ["profile", "workforce_data", "webhooks"]


class PeopleReport:
    @hookimpl
    def report_definitions(self):
        return [ReportDefinition(name="people", title="People", scope="reports:read",
                                 build=lambda session, registry, actor, params: [(1, "Ana")],
                                 columns=("n", "name"))]


def rotate(app: Any) -> dict[str, Any]:
    result = CliRunner().invoke(cli, ["keys", "rotate"], obj={"app": app})
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def secrets_of(app: Any, endpoint_id: str) -> list[bytes]:
    from registry_adapters.webhooks.models import WebhookEndpoint
    from registry_adapters.webhooks.services import signing_keys

    registry = app.extensions["registry"]
    with registry.sessions() as session:
        return signing_keys(registry, session.get(WebhookEndpoint, endpoint_id))


def statistics_open(app: Any) -> bool:
    from registry_plugins.workforce_data.snapshot import latest

    registry = app.extensions["registry"]
    with registry.sessions() as session:
        return latest(session, registry) is not None


def test_rotation_rewraps_every_key_and_the_old_key_can_be_retired(fresh_database, tmp_path):
    from registry_adapters.webhooks.services import create_endpoint, rotate_secret
    from registry_plugins.workforce_data.snapshot import refresh

    url = fresh_database(plugins=PLUGINS)
    new_key = generate_key_text()
    apps = [create_app(test_settings(url, tmp_path / "old", plugins=PLUGINS),
                       extra_plugins=(PeopleReport(),))]
    factory = Factory(apps[0])
    registry = factory.registry
    org = factory.org()
    staff = factory.account("sponsor_manager", org=org)
    token = factory.token(staff, "reports:read", org=org)
    client = apps[0].test_client()
    run = client.post("/api/v1/reports/people/runs", headers=bearer(token),
                      json={"county": "Alameda"}).get_json()
    registry.outbox.drain()
    workbook = client.get(f"/api/v1/report-runs/{run['id']}.xlsx", headers=bearer(token)).data
    with unit_of_work(registry.sessions) as session:
        endpoint, _secret = create_endpoint(session, registry, organization_id=org.id,
                                            url="https://crm.example.org/hooks",
                                            events=["participant.created"])
        rotate_secret(session, registry, endpoint, overlap_hours=24)  # two secrets sign now
        endpoint_id = endpoint.id
    secrets = secrets_of(apps[0], endpoint_id)
    assert len(secrets) == 2
    refresh(registry)
    try:
        apps.append(create_app(test_settings(url, tmp_path / "rotated", plugins=PLUGINS,
                                             master_key=f"k9:{new_key},{TEST_KEYS['master_key']}"),
                               extra_plugins=(PeopleReport(),)))
        first = rotate(apps[1])
        assert first["primary"] == "k9" and first["rewrapped"] >= 1
        assert first["other_keys"] == {"report_runs": 1, "webhook_secrets": 2,
                                       "workforce_snapshots": 1}
        again = rotate(apps[1])
        assert again["rewrapped"] == 0 and set(again["other_keys"].values()) == {0}

        apps.append(create_app(test_settings(url, tmp_path / "retired", plugins=PLUGINS,
                                             master_key=f"k9:{new_key}"),
                               extra_plugins=(PeopleReport(),)))
        retired = apps[2]
        download = retired.test_client().get(f"/api/v1/report-runs/{run['id']}.xlsx",
                                             headers=bearer(token))
        assert download.status_code == 200 and download.data == workbook
        assert secrets_of(retired, endpoint_id) == secrets
        assert statistics_open(retired)
        me = retired.test_client().get("/api/v1/me", headers=bearer(
            Factory(retired).token(staff, "me")))
        assert me.status_code == 200, me.get_json()
    finally:
        for app in apps:
            app.extensions["registry"].engine.dispose()
