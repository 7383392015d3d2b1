"""Numbers no database column can hold are a 404 (path) or a 422 (body, query), never a crash."""

from flask import Blueprint

from registry_kernel import hookimpl
from registry_kernel.api import ApiModel, api_route


class Item(ApiModel):
    count: int


bp = Blueprint("limits_test", __name__, url_prefix="/api/v1")


@api_route(bp, "/limits/<int:item_id>", methods=["POST"], public=True, body=Item)
def echo(item_id, body):
    return {"item_id": item_id, "count": body.count}


class LimitsPlugin:
    @hookimpl
    def blueprints(self):
        return bp


def test_huge_numbers_are_refused_cleanly(make_app):
    client = make_app(plugins=[], extra_plugins=(LimitsPlugin(),)).test_client()
    assert client.post("/api/v1/limits/7", json={"count": 3}).get_json() == {"item_id": 7, "count": 3}
    assert client.post(f"/api/v1/limits/{2**70}", json={"count": 3}).status_code == 404
    response = client.post("/api/v1/limits/7", json={"count": 2**70})
    assert response.status_code == 422
    assert response.get_json()["errors"] == {"count": "number is out of range"}


def test_nul_characters_are_refused_before_reaching_the_database(make_app):
    client = make_app(plugins=[], extra_plugins=(LimitsPlugin(),)).test_client()
    refused = client.get("/api/v1/health?x=a%00b")
    assert refused.status_code == 400 and "NUL" in refused.get_json()["detail"]
    response = client.post("/api/v1/limits/7", json={"count": 1, "name": "a\x00b"})
    assert response.status_code == 422  # unknown field, and would be refused anyway
    assert client.get("/login?next=%00").status_code == 400
    assert client.get("/login?next=/").status_code == 200


def test_control_characters_are_refused_but_line_breaks_pass(make_app):
    client = make_app(plugins=[], extra_plugins=(LimitsPlugin(),)).test_client()
    assert client.get("/login?next=%01").status_code == 400
    assert client.get("/login?next=/%0A").status_code != 400
