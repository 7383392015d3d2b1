"""The training models and the training migrations describe the same schema."""

import registry_plugins.training.models  # noqa: F401 - registers the tables
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from registry_kernel.db import Base


def _training_only(obj, name, type_, reflected, compare_to):
    table = obj if type_ == "table" else getattr(obj, "table", None)
    return table is None or table.name.startswith("training_")


def test_models_and_migrations_agree(make_app):
    app = make_app(plugins=["training"])
    connection = app.extensions["registry_test_connection"]
    context = MigrationContext.configure(connection, opts={
        "compare_type": True, "include_object": _training_only})
    assert compare_metadata(context, Base.metadata) == []
