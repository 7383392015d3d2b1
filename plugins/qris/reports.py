"""QRIS exports (Excel, through the kernel's ``/api/v1/reports/<name>.xlsx`` and the links on
``/qris/``): the sites' element scores, and the file a county QRIS data system takes (one row
per program, element and person scored, with the program's and the person's points). Columns
are machine names and only ever added at the end, so a data system's import keeps working.
Registry IDs only, no names."""

from __future__ import annotations

from typing import Any

from registry_kernel.extension import ReportDefinition

from . import services as svc

SITE_COLUMNS = ("site_slug", "site_name", "license_number", "county", "site_kind",
                "rule_set_county", "rule_set_version", "element_3_points", "element_3_status",
                "element_7_points", "element_7_status", "missing")
PARTICIPANT_COLUMNS = ("site_slug", "license_number", "county", "element", "site_points",
                       "registry_id", "role_category", "participant_points", "rule_option",
                       "rule_set_county", "rule_set_version", "missing", "site_name",
                       "site_kind", "site_status", "participant_status", "pd_year_from",
                       "pd_year_to", "pd_hours", "ece_units", "ge_units", "classroom",
                       "computed_on")


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
    """The file a county QRIS data system takes: one row per program and element for each
    person scored (a program with nobody to score still gets a row, with no Registry ID), with
    the program's and the person's points, the rule set and version, and the verified totals
    behind them. Registry IDs only, no names."""
    today = svc.local_today(registry).isoformat()
    for row in svc.summary_rows(session, registry, _sites(session, registry, actor)):
        site = row["site"]
        for number, element in sorted(row["elements"].items()):
            common = (site["slug"], site["license_number"], site["county"], number,
                      element["points"])
            window = element["pd_year"]
            people = element["evidence"] or [None]
            for person in people:
                if person is None:
                    yield (*common, None, None, None, None, row["rule_set"]["county"],
                           row["rule_set"]["version"], _missing_text(element), site["name"],
                           site["kind"], element["status"], None, window["from"],
                           window["to"], None, None, None, None, today)
                    continue
                totals = person["totals"]
                yield (*common, person["registry_id"], person["role_category"],
                       person["points"], (person["rule"] or {}).get("option"),
                       row["rule_set"]["county"], row["rule_set"]["version"],
                       ", ".join(person["missing"]), site["name"], site["kind"],
                       element["status"], person["status"], window["from"], window["to"],
                       totals["pd_hours"], totals["ece_units"], totals["ge_units"],
                       person["classroom"], today)


def definitions() -> list[ReportDefinition]:
    return [
        ReportDefinition(name="qris-sites", title="QRIS element scores", scope="qris:read",
                         build=site_rows, columns=SITE_COLUMNS),
        ReportDefinition(name="qris-participants", title="QRIS participants",
                         scope="qris:read", build=participant_rows, columns=PARTICIPANT_COLUMNS),
    ]
