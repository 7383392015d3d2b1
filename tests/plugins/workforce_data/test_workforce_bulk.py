"""The ``workforce_facts`` bulk reads give the same facts as the per-person services they
replace (documents: ``verified_education``; training: its Education & Training Report section),
over a varied random population (the benchmark's generator: jobs, wages, courses of every grade
in semester and quarter units, degrees, permits, certificates, attended trainings)."""

from __future__ import annotations

import importlib.util
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from registry_kernel import clock
from registry_kernel.testing import Factory

PLUGINS = ["profile", "documents", "training", "workforce_data"]
BENCH = Path(__file__).resolve().parents[3] / "bench" / "workforce_bench.py"


def _bench() -> Any:
    spec = importlib.util.spec_from_file_location("workforce_bench", BENCH)
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


@pytest.fixture(scope="module")
def bench() -> Any:
    return _bench()


@pytest.fixture
def population(make_app, bench):
    factory = Factory(make_app(plugins=PLUGINS))
    ids = bench.populate(factory.registry, 45, seed=11)
    return factory.registry, ids


def test_documents_bulk_facts_are_verified_education(population):
    from registry_plugins.documents.services import verified_education
    from registry_plugins.documents.workforce_facts import education_facts

    registry, ids = population
    today = clock.today()
    threshold = registry.settings.grade_threshold_permit
    with registry.sessions() as session:
        bulk = education_facts(session, ids, grade_threshold=threshold, today=today)
        with_records = 0
        for pid in ids:
            one = verified_education(session, pid, grade_threshold=threshold, today=today)
            facts = bulk.get(pid)
            if not (one.permits or one.degrees or one.courses or one.training):
                assert facts is None
                continue
            with_records += 1
            education = facts["education"]
            assert education["ece_units"] == one.ece_units
            assert education["permits"] == [
                {k: p[k] for k in ("kind", "level", "current", "expires_on")}
                for p in one.permits]
            assert education["degrees"] == [{"level": d["level"], "accredited": d["accredited"]}
                                            for d in one.degrees]
            assert facts["training"] == [
                {k: t[k] for k in ("completed_on", "hours", "competency_area")}
                for t in one.training]
    assert with_records >= 20  # the population really exercises the comparison


def test_training_bulk_facts_are_its_report_section(population):
    from registry_plugins.training.services import attended_trainings
    from registry_plugins.training.workforce_facts import attended_hours

    registry, ids = population
    with registry.sessions() as session:
        bulk = attended_hours(session, ids)
        attended = 0
        for pid in ids:
            one = [{k: t[k] for k in ("completed_on", "hours", "competency_area")}
                   for t in attended_trainings(session, pid)]
            assert bulk.get(pid, []) == one
            attended += bool(one)
    assert attended >= 10


def test_the_hook_merges_every_plugin_and_gather_uses_it(population):
    """Through the kernel hook: both plugins answer; gather's per-person facts agree with the
    per-person services (PD hours summed from both sources)."""
    from registry_plugins.documents.services import verified_education
    from registry_plugins.profile.services import local_today
    from registry_plugins.training.services import attended_trainings
    from registry_plugins.workforce_data import services as svc

    registry, ids = population
    today = local_today(registry)
    with registry.sessions() as session:
        merged = svc.bulk_facts(session, registry, ids, today)
        assert svc._sections_caller(registry) is None  # training answers in bulk
        people = dict(zip(svc.population(session), svc.gather(session, registry, today),
                          strict=True))
        for pid in ids:
            one = verified_education(session, pid,
                                     grade_threshold=registry.settings.grade_threshold_permit,
                                     today=today)
            items = one.training + attended_trainings(session, pid)
            assert len(merged.get(pid, {}).get("training", [])) == len(items)
            year_ago = date.fromordinal(today.toordinal() - 365)
            expected: dict[str, Decimal] = {}
            for item in items:
                day = date.fromisoformat(item["completed_on"])
                if year_ago < day <= today:
                    area = item["competency_area"] if item["competency_area"] in \
                        svc.COMPETENCY_AREAS else "other"
                    expected[area] = expected.get(area, Decimal(0)) + Decimal(item["hours"])
            assert people[pid].pd_hours == expected
