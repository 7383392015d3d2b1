"""Fixtures for the jobs plugin's tests: an app with profile + jobs (+ documents where the test
needs verified education), a test-only sign-in route and helpers that go through public APIs."""

from __future__ import annotations

import pytest
from jobs_helpers import TestLogin

from registry_kernel.testing import Factory

PLUGINS = ["profile", "jobs"]


@pytest.fixture
def app(make_app):
    return make_app(plugins=PLUGINS, extra_plugins=(TestLogin(),))


@pytest.fixture
def jf(app) -> Factory:
    return Factory(app)


@pytest.fixture
def center(jf):
    return jf.org(kind="employer_center", name="Sunshine Learning Center",
                  license_number="010203040", city="Oakland")


@pytest.fixture
def admin(jf, center):
    return jf.account("program_admin", org=center, first_name="Pat", last_name="Gomez")


@pytest.fixture
def admin_token(jf, admin, center):
    return jf.token(admin, "jobs:write", org=center)


@pytest.fixture
def docs_app(make_app):
    """profile, documents and jobs: staff qualifications come from verified documents."""
    return make_app(plugins=["profile", "documents", "jobs"], extra_plugins=(TestLogin(),))
