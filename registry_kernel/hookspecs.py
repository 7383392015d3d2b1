"""Hook specifications: everything a plugin can add to the registry.

Rules for every hook:

* Hooks are called with keyword arguments; an implementation may accept fewer arguments than the
  spec (pluggy), so new arguments can be added without breaking plugins.
* Unless marked *firstresult*, every implementation is called and the non-``None`` results are
  collected in a list; never rely on the order plugins run in.
* A ``@hookimpl`` whose name matches no spec is a start-up error.

``docs/hooks.md`` documents each hook with an example; a meta-test keeps the two in step.
"""

from __future__ import annotations

from typing import Any

import pluggy

hookspec = pluggy.HookspecMarker("registry")
hookimpl = pluggy.HookimplMarker("registry")


# --- start-up --------------------------------------------------------------------------------

@hookspec
def migration_location() -> Any:
    """Return a ``MigrationLocation(branch, path)`` for the plugin's alembic branch.

    Called by ``registry db upgrade`` and the test database builder. The first revision of the
    branch must ``depends_on`` the kernel's head revision it needs. Not firstresult.
    """


@hookspec
def registry_startup(app: Any, registry: Any) -> None:
    """Called once when an app is created, after every plugin is registered and validated.

    Use it to read your validated config (``registry.plugin_config(name)``) or add Jinja
    helpers. Return nothing. Not firstresult.
    """


@hookspec
def cli_commands(cli: Any) -> None:
    """Add click commands or groups to the ``registry`` command group ``cli``.

    Called when the CLI starts, with the enabled plugins only. Return nothing.
    """


# --- web and API -----------------------------------------------------------------------------

@hookspec
def blueprints() -> Any:
    """Return a Flask ``Blueprint`` (or a list of them) to register on the app.

    UI blueprints carry their own ``templates/<plugin>/``; API blueprints use
    ``url_prefix="/api/v1"`` and the :func:`registry_kernel.api.api_route` decorator so their
    paths appear in the OpenAPI document. Called once per app. Not firstresult.
    """


@hookspec
def quick_links(actor: Any, participant: Any) -> Any:
    """Return a ``QuickLink`` or a list of them for the participant's home page.

    ``actor`` is the signed-in :class:`registry_kernel.auth.actor.Actor`; return nothing to
    show no link (e.g. a feature off in the participant's county). Not firstresult.
    """


@hookspec
def attention_items(session: Any, actor: Any, participant: Any) -> Any:
    """Return ``AttentionItem``s (or a list) for the home page's "needs attention" box.

    Examples: a permit expiring soon, a rejected document, employment awaiting confirmation.
    Not firstresult.
    """


@hookspec
def nav_links(actor: Any) -> Any:
    """Return ``(label, endpoint)`` pairs (or a list) for the top navigation of the signed-in UI,
    e.g. a sponsor's Training Module or the staff verification queue. Not firstresult."""


# --- security --------------------------------------------------------------------------------

@hookspec
def permissions() -> Any:
    """Return ``Permission``s (or a list) the plugin checks with ``actor.can(name, org_id)``.

    Permissions are declared once, here; views and API handlers only ask. Not firstresult.
    """


@hookspec
def oauth_scopes() -> Any:
    """Return ``Scope``s (or a list) that the plugin's API routes require. Not firstresult."""


@hookspec
def participant_visible_to_org(session: Any, participant_id: str, organization_id: int) -> Any:
    """Return ``True`` if the organization has a relationship with the participant.

    A relationship (confirmed employment, an enrollment) lets an organization's clients read
    the participant through ``GET /api/v1/participants/{registry_id}``. Return ``None`` when
    you know of none. Any ``True`` grants access. Not firstresult.
    """


# --- data ------------------------------------------------------------------------------------

@hookspec
def demo_data(session: Any, registry: Any, demo: Any) -> None:
    """Add realistic demo records. ``demo`` holds what earlier plugins created (``demo.orgs``,
    ``demo.accounts`` keyed by name) and is shared across plugins, kernel first, then plugins
    in dependency order. Return nothing."""


@hookspec
def education_report_sections(session: Any, registry: Any, participant: Any) -> Any:
    """Return ``ReportSection``s (or a list) for the participant's Education & Training Report.

    Called by the documents plugin for the PDF and JSON report. Not firstresult.
    """


@hookspec
def report_definitions() -> Any:
    """Return ``ReportDefinition``s (or a list) for ``/api/v1/reports/<name>.xlsx`` and for
    background runs (``POST /api/v1/reports/<name>/runs``, built by a worker as the same actor,
    in their language: ``build`` must not rely on a web request; give a ``check`` so bad
    parameters are a 422 when the run is asked for). Not firstresult."""


@hookspec
def participant_export(session: Any, registry: Any, participant: Any) -> Any:
    """Return ``(section_name, json_ready_data)`` with this plugin's part of a participant's
    whole-record export (their right to take their record elsewhere). Not firstresult."""


@hookspec
def participant_erased(session: Any, registry: Any, participant_id: str) -> None:
    """The participant's data key was destroyed: delete or anonymize the plugin's personal rows
    in the same transaction (anonymous aggregates such as hours may stay). Not firstresult."""


@hookspec
def participants_merged(session: Any, registry: Any, survivor_id: str, merged_id: str) -> None:
    """Two profiles of one person were merged: move the plugin's rows from ``merged_id`` to
    ``survivor_id`` in the same transaction (re-seal encrypted values under the survivor's data
    key with ``registry.vault``; the merged profile's key is destroyed afterwards).
    Not firstresult."""


@hookspec
def rewrap_keys(session: Any, registry: Any) -> Any:
    """The master key was rotated (``registry keys rotate``): re-wrap, under the primary master
    key, every key this plugin wrapped itself with ``registry.vault.keyring`` (participants' data
    keys are the kernel's), commit, and return ``{what: how many were re-wrapped}``. Touch only
    keys whose master key id is not the primary, so a second run does nothing. Not firstresult."""


@hookspec
def workforce_facts(session: Any, registry: Any, participant_ids: Any, today: Any) -> Any:
    """Return ``{participant_id: {fact: value}}`` for many participants at once (bulk reads
    for anonymous workforce statistics). Facts: ``"education"`` (``permits``: dicts with
    ``kind``, ``level``, ``current``, ``expires_on``; ``degrees``: dicts with ``level``,
    ``accredited``; ``ece_units``: verified ECE semester units) and ``"training"`` (dicts with
    ``completed_on``, ``hours``, ``competency_area``). A plugin implementing it must report
    here every training its ``education_report_sections`` contributes: it is not asked for
    those sections as well. Not firstresult."""


# --- training, for other plugins --------------------------------------------------------------

@hookspec(firstresult=True)
def training_offerings(session: Any, registry: Any, limit: int) -> Any:
    """Return up to ``limit`` upcoming, published ``TrainingOffering``s, soonest first, that a
    program may enroll its staff in; ``None`` when no plugin offers trainings. *firstresult*."""


@hookspec(firstresult=True)
def enroll_in_training(session: Any, registry: Any, event_id: int, participant: Any,
                       actor: Any, source: str) -> Any:
    """Enroll ``participant`` in training event ``event_id`` on the trainings plugin's rules
    (a seat, else the waitlist) and return an ``EnrollmentOutcome``; raise
    ``EnrollmentRefused`` to refuse (the caller rolls back). ``source`` says who asked (e.g.
    ``"staff"`` for a program administrator). ``None`` when no plugin runs trainings.
    *firstresult*."""


# --- events and background work -------------------------------------------------------------

@hookspec
def event_types() -> Any:
    """Return the names (or a list) of domain events this plugin emits, e.g.
    ``"enrollment.created"``. Webhook subscriptions may only name declared events."""


@hookspec
def domain_event(session: Any, registry: Any, event: Any) -> None:
    """An ``Event`` was emitted. Called inside the emitting transaction, so outbox rows written
    here commit (or roll back) with the change. Must not do I/O. Not firstresult."""


@hookspec
def domain_event_committed(registry: Any, event: Any) -> None:
    """An ``Event``'s transaction committed. For in-process reactions that may fail without
    harm (caches, metrics). Durable work belongs in ``domain_event`` + the outbox."""


@hookspec
def outbox_handlers() -> Any:
    """Return ``{kind: handler}`` for outbox messages this plugin delivers.

    ``handler(registry, message)`` runs outside any transaction, may do I/O, and raises to ask
    for a retry with backoff. Delivery is at least once; ``message.message_id`` is stable.
    """
