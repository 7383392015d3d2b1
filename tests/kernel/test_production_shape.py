"""Production shape (docs/operations.md): behind a reverse proxy, PostgreSQL connection pooling."""

from __future__ import annotations

import pytest
from test_web_auth import csrf, sign_in, sign_up

from registry_kernel.app import create_app
from registry_kernel.auth import recovery
from registry_kernel.config import ConfigError, load_settings
from registry_kernel.testing import TEST_KEYS, test_settings


def _sign_in_from(client, address, email, password):
    return client.post("/login", data={"csrf_token": csrf(client, "/login"), "email": email,
                                       "password": password},
                       headers={"X-Forwarded-For": address, "X-Forwarded-Proto": "https",
                                "Referer": "https://localhost/login"},
                       environ_base={"REMOTE_ADDR": "10.0.0.2"})  # the proxy's own address


def _block(client, address):
    for n in range(recovery.MAX_FAILURES_PER_ADDRESS):
        assert _sign_in_from(client, address, f"guess{n}@example.org", "wrong").status_code == 401


def test_behind_a_trusted_proxy_limits_count_per_forwarded_client_address(make_app):
    app = make_app(plugins=[], proxy_hops=1)
    client = app.test_client()
    sign_up(client)
    client.post("/logout", data={"csrf_token": csrf(client, "/")})
    _block(client, "203.0.113.7")
    assert _sign_in_from(client, "203.0.113.7", "ana@example.org",
                         "violet tractor umbrella").status_code == 429
    # Another client behind the same proxy is not punished for the first one's guesses.
    other = app.test_client()
    assert _sign_in_from(other, "198.51.100.9", "ana@example.org",
                         "violet tractor umbrella").status_code == 302


def test_without_proxy_hops_forwarded_headers_are_not_trusted(make_app):
    app = make_app(plugins=[])
    client = app.test_client()
    sign_up(client)
    client.post("/logout", data={"csrf_token": csrf(client, "/")})
    _block(client, "203.0.113.7")
    # A forged X-Forwarded-For does not escape the limit: the real peer address is counted.
    assert _sign_in_from(client, "198.51.100.9", "ana@example.org",
                         "violet tractor umbrella").status_code == 429
    # (another real peer address is a different client and is not blocked)
    assert sign_in(app.test_client(), "ana@example.org").status_code == 302


def test_proxy_hops_and_pool_settings_from_toml_and_environment(tmp_path):
    config = tmp_path / "registry.toml"
    config.write_text('[registry]\nproxy_hops = 2\n\n[database]\npool_size = 5\n'
                      'max_overflow = 3\npool_timeout = 7\npool_recycle = 1800\n')
    settings = load_settings({"config_file": str(config)}, env={})
    assert settings.proxy_hops == 2
    assert settings.database_pool == {"pool_size": 5, "max_overflow": 3, "pool_timeout": 7,
                                      "pool_recycle": 1800}
    settings = load_settings({"config_file": str(config)},
                             env={"REGISTRY_DATABASE_POOL_SIZE": "12", "REGISTRY_PROXY_HOPS": "1"})
    assert settings.database_pool["pool_size"] == 12 and settings.proxy_hops == 1
    assert load_settings({}, env={}).database_pool == {}  # the engine's defaults


@pytest.mark.parametrize(("text", "message"), [
    ("[database]\npool_size = 0\n", "pool_size must be at least 1"),
    ("[database]\nmax_overflow = 'many'\n", "max_overflow must be a whole number"),
    ("[database]\npoolsize = 5\n", "unknown settings ['poolsize']"),
    ("[registry]\nproxy_hops = -1\n", "proxy_hops must be at least 0"),
])
def test_bad_pool_or_proxy_settings_are_refused_with_a_clear_message(tmp_path, text, message):
    config = tmp_path / "registry.toml"
    config.write_text(text)
    with pytest.raises(ConfigError, match=message.replace("[", r"\[").replace("]", r"\]")):
        load_settings({"config_file": str(config)}, env={})


def test_the_engine_uses_the_configured_pool(registry_database, tmp_path):
    app = create_app(test_settings(registry_database, tmp_path / "inst", plugins=[],
                                   database_pool={"pool_size": 4, "max_overflow": 2,
                                                  "pool_timeout": 9, "pool_recycle": 600}))
    engine = app.extensions["registry"].engine
    try:
        assert engine.pool.size() == 4
        assert engine.pool._max_overflow == 2  # (no public accessor)
        assert engine.pool._timeout == 9
        assert engine.pool._recycle == 600
        with engine.connect() as connection:  # and it really connects through that pool
            assert connection.exec_driver_sql("SELECT 1").scalar() == 1
    finally:
        engine.dispose()


def test_the_documented_production_config_loads(registry_database, tmp_path):
    """The TOML example in docs/operations.md is valid and means what the page says."""
    import re
    from pathlib import Path

    page = (Path(__file__).resolve().parents[2] / "docs" / "operations.md").read_text()
    config = tmp_path / "registry.toml"
    config.write_text(re.search(r"```toml\n(.*?)```", page, re.S).group(1))
    env = {"REGISTRY_CONFIG": str(config), "REGISTRY_DATABASE_URL": registry_database,
           "REGISTRY_INSTANCE_PATH": str(tmp_path / "inst"),
           "REGISTRY_SECRET_KEY": TEST_KEYS["secret_key"],
           "REGISTRY_MASTER_KEY": TEST_KEYS["master_key"],
           "REGISTRY_INDEX_KEY": TEST_KEYS["index_key"]}
    settings = load_settings({}, env=env)
    assert settings.production and settings.proxy_hops == 1
    assert settings.drain_outbox_in_process is False
    assert settings.database_pool == {"pool_size": 5, "max_overflow": 5, "pool_timeout": 10,
                                      "pool_recycle": 1800}
    app = create_app(settings=settings)  # plugin sections validate, production keys accepted
    registry = app.extensions["registry"]
    try:
        assert registry.engine.pool.size() == 5
        documents = registry.plugin_config("documents")
        assert documents.storage_path == "/srv/registry/files"
        assert documents.report_cache_entries == 256
    finally:
        registry.engine.dispose()
    without_keys = {k: v for k, v in env.items() if k != "REGISTRY_MASTER_KEY"}
    with pytest.raises(ConfigError, match="REGISTRY_MASTER_KEY"):
        create_app(settings=load_settings({}, env=without_keys))


def test_several_app_servers_share_only_the_database_keys_and_file_storage(fresh_database, tmp_path):
    """Two app servers (separate apps and instance folders; same database, keys and file
    storage, as behind a load balancer): a session started on one is valid on the other, and a
    file uploaded through one is listed and served by the other."""
    from registry_kernel.testing import Factory

    url = fresh_database(plugins=["profile", "documents"])
    shared = {"documents": {"storage_path": str(tmp_path / "shared-files")}}  # e.g. NFS
    servers = [create_app(test_settings(url, tmp_path / f"server{n}",
                                        plugins=["profile", "documents"],
                                        plugin_sections=shared))
               for n in (1, 2)]
    try:
        factory = Factory(servers[0])
        account = factory.account("participant", password="violet tractor umbrella",
                                  email="ana@example.org")
        first = servers[0].test_client()
        response = _sign_in_from(first, "203.0.113.7", "ana@example.org",
                                 "violet tractor umbrella")
        assert response.status_code == 302
        cookie = first.get_cookie("registry")
        assert cookie is not None
        second = servers[1].test_client()
        second.set_cookie(cookie.key, cookie.value)
        home = second.get("/")
        assert home.status_code == 200
        assert account.participant.registry_id[:3] in home.get_data(as_text=True)
        # A document uploaded through the first server is listed by the second at once.
        import io

        from registry_plugins.documents.demo import sample_pdf

        from registry_kernel.testing import bearer

        token = factory.token(account, "me")
        upload = servers[0].test_client().post(
            "/api/v1/me/documents", headers=bearer(token), content_type="multipart/form-data",
            data={"type": "transcript",
                  "file": (io.BytesIO(sample_pdf("T", ["x"])), "t.pdf", "application/pdf")})
        assert upload.status_code == 201, upload.get_json()
        listed = servers[1].test_client().get("/api/v1/me/documents", headers=bearer(token))
        assert listed.status_code == 200
        assert upload.get_json()["id"] in listed.get_data(as_text=True)
        download = servers[1].test_client().get(
            f"/api/v1/me/documents/{upload.get_json()['id']}/file", headers=bearer(token))
        assert download.status_code == 200 and download.data.startswith(b"%PDF")
    finally:
        for app in servers:
            app.extensions["registry"].engine.dispose()
