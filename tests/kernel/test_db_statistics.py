"""Planner statistics: ``registry worker`` analyzes a SQLite database once a day (SQLite keeps
no statistics by itself); ``registry db analyze`` does it on demand, on either database."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
import time_machine
from click.testing import CliRunner
from sqlalchemy import text

from registry_kernel.app import create_app
from registry_kernel.cli import cli
from registry_kernel.db_statistics import analyze_if_due, marker_path
from registry_kernel.testing import test_settings


@pytest.fixture
def committed_app(fresh_database, tmp_path):
    app = create_app(test_settings(fresh_database(plugins=[]), tmp_path / "inst", plugins=[]))
    yield app
    app.extensions["registry"].engine.dispose()


def statistics_rows(registry) -> int:
    with registry.engine.connect() as connection:
        exists = connection.scalar(text(
            "SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'"))
        return connection.scalar(text("SELECT count(*) FROM sqlite_stat1")) if exists else 0


def test_the_worker_analyzes_sqlite_once_a_day(committed_app):
    registry = committed_app.extensions["registry"]
    if marker_path(registry) is None:
        pytest.skip("PostgreSQL's autovacuum keeps its own statistics")
    assert statistics_rows(registry) == 0  # a new SQLite database has none
    result = CliRunner().invoke(cli, ["worker", "--once"], obj={"app": committed_app})
    assert result.exit_code == 0, result.output
    assert "planner statistics refreshed" in result.stderr
    assert statistics_rows(registry) > 0
    marker = marker_path(registry)
    assert marker.exists()
    again = CliRunner().invoke(cli, ["worker", "--once"], obj={"app": committed_app})
    assert "planner statistics" not in again.stderr  # not due again the same day
    with time_machine.travel(timedelta(hours=23)):
        assert analyze_if_due(registry) is None
    with time_machine.travel(timedelta(hours=25)):
        assert analyze_if_due(registry) is not None


def test_db_analyze_on_demand(committed_app):
    result = CliRunner().invoke(cli, ["db", "analyze"], obj={"app": committed_app})
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out["analyzed"] is True and out["seconds"] >= 0
    registry = committed_app.extensions["registry"]
    if marker_path(registry) is not None:
        assert statistics_rows(registry) > 0 and marker_path(registry).exists()
