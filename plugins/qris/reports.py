"""QRIS exports (Excel, through the kernel's ``/api/v1/reports/<name>.xlsx``): the sites'
element scores, and the file a county QRIS data system takes (one row per participant scored,
with their site's and their own element points). Registry IDs only, no names."""

from __future__ import annotations

from typing import Any

from registry_kernel.extension import ReportDefinition

from . import services as svc

SITE_COLUMNS = ("site_slug", "site_name", "license_number", "county", "site_kind",
                "rule_set_county", "rule_set_version", "element_3_points", "element_3_status",
                "element_7_points", "element_7_status", "missing")
PARTICIPANT_COLUMNS = ("site_slug", "license_number", "county", "element", "site_points",
                       "registry_id", "role_category", "participant_points", "rule_option",
                       "rule_set_county", "rule_set_version", "missing")


def _sites(session: Any, registry: Any, actor: Any) -> list[Any]:
    return svc.visible_sites(session, registry, actor)


def _missing_text(element: dict[str, Any] | None) -> str:
    if not element:
        return ""
    return "; ".join(f"{m.get('registry_id') or 'site'}: {', '.join(m['items'])}"
                     for m in element["missing"])


def site_rows(session: Any, registry: Any, actor: Any, params: dict[str, Any]) -> Any:
    for row in svc.summary_rows(session, registry, _sites(session, registry, actor)):
        site, elements = row["site"], row["elements"]
        e3, e7 = elements.get(3), elements.get(7)
        yield (site["slug"], site["name"], site["license_number"], site["county"], site["kind"],
               row["rule_set"]["county"], row["rule_set"]["version"],
               e3["points"] if e3 else None, e3["status"] if e3 else "not_scored",
               e7["points"] if e7 else None, e7["status"] if e7 else "not_scored",
               "; ".join(filter(None, (_missing_text(e3), _missing_text(e7)))))


def participant_rows(session: Any, registry: Any, actor: Any, params: dict[str, Any]) -> Any:
    for row in svc.summary_rows(session, registry, _sites(session, registry, actor)):
        site = row["site"]
        for number, element in sorted(row["elements"].items()):
            for person in element["evidence"]:
                yield (site["slug"], site["license_number"], site["county"], number,
                       element["points"], person["registry_id"], person["role_category"],
                       person["points"], (person["rule"] or {}).get("option"),
                       row["rule_set"]["county"], row["rule_set"]["version"],
                       ", ".join(person["missing"]))


def definitions() -> list[ReportDefinition]:
    return [
        ReportDefinition(name="qris-sites", title="QRIS element scores", scope="qris:read",
                         build=site_rows, columns=SITE_COLUMNS),
        ReportDefinition(name="qris-participants", title="QRIS participants",
                         scope="qris:read", build=participant_rows, columns=PARTICIPANT_COLUMNS),
    ]
