"""Installed versus activated: county-scoped plugins act only where a county switched them on."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from .models import PluginActivation

if TYPE_CHECKING:
    from .runtime import Registry

CALIFORNIA_COUNTIES = (
    "Alameda", "Alpine", "Amador", "Butte", "Calaveras", "Colusa", "Contra Costa", "Del Norte",
    "El Dorado", "Fresno", "Glenn", "Humboldt", "Imperial", "Inyo", "Kern", "Kings", "Lake",
    "Lassen", "Los Angeles", "Madera", "Marin", "Mariposa", "Mendocino", "Merced", "Modoc",
    "Mono", "Monterey", "Napa", "Nevada", "Orange", "Placer", "Plumas", "Riverside",
    "Sacramento", "San Benito", "San Bernardino", "San Diego", "San Francisco", "San Joaquin",
    "San Luis Obispo", "San Mateo", "Santa Barbara", "Santa Clara", "Santa Cruz", "Shasta",
    "Sierra", "Siskiyou", "Solano", "Sonoma", "Stanislaus", "Sutter", "Tehama", "Trinity",
    "Tulare", "Tuolumne", "Ventura", "Yolo", "Yuba",
)


def canonical_county(name: str | None) -> str | None:
    """The county's canonical spelling, or ``None`` if it is not a California county."""
    if name is None:
        return None
    wanted = " ".join(name.split()).casefold().removesuffix(" county")
    for county in CALIFORNIA_COUNTIES:
        if county.casefold() == wanted:
            return county
    return None


def is_active(session: Session, registry: Registry, plugin: str, county: str | None) -> bool:
    if not registry.plugins.is_enabled(plugin):
        return False
    info = registry.plugins.loaded[plugin].info
    if not info.county_scoped:
        return True
    if county is None:
        return False
    return session.scalar(select(PluginActivation.id).where(
        PluginActivation.plugin == plugin, PluginActivation.county == county)) is not None


def activate(session: Session, plugin: str, county: str, account_id: int | None) -> None:
    if session.scalar(select(PluginActivation.id).where(
            PluginActivation.plugin == plugin, PluginActivation.county == county)) is None:
        session.add(PluginActivation(plugin=plugin, county=county,
                                     activated_by_account_id=account_id))


def deactivate(session: Session, plugin: str, county: str) -> None:
    row = session.scalar(select(PluginActivation).where(
        PluginActivation.plugin == plugin, PluginActivation.county == county))
    if row is not None:
        session.delete(row)
