"""Downloads: every table the dashboard shows for a filter, as CSV or Excel, with a data
dictionary. Nothing here sees people: it formats what :func:`services.statistics_for` computed
from the released population."""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from typing import Any

from openpyxl import Workbook

COLUMNS = ("table", "filters", "group", "measure", "value", "suppressed")

TABLES = (
    ("workforce_by_<dimension>", "People per group of one dimension (county, role_category, "
     "program_type, years_in_field, permit_level, degree, ece_units, language). Group "
     "'combined': people counted in the total whose value of this dimension was combined to "
     "keep every group at least the minimum size; group 'all': the total."),
    ("hourly_wage_by_role_category", "Quartiles of current hourly wages (US dollars) reported "
     "on confirmed current jobs, per role category; only roles with at least the minimum "
     "number of people reporting a wage."),
    ("pd_hours_by_competency_area", "Professional-development hours completed in the past 12 "
     "months (verified certificates and attended registry trainings) per California ECE "
     "competency area: total hours and hours per person (everyone in the filter counts)."),
    ("permits_by_level", "People per highest current Child Development Permit level, and how "
     "many of them hold that permit expiring within 12 months."),
    ("turnover_by_role_category", "Per role category: people with a confirmed job in the past "
     "12 months, how many left a job (an employment end date in the past 12 months), and the "
     "rate among those whose leaving was not combined."),
)

DICTIONARY = (
    ("table", "Which table the row belongs to (see the tables below)."),
    ("filters", "The filters applied, as dimension=value separated by '; ' (blank: the whole "
                "state, everyone)."),
    ("group", "The group: a California county; a role category (assistant, teacher, ...; "
              "'none': no confirmed job in the past 12 months); a program type (center, "
              "family_child_care, not_listed: an employer not in the registry, none); years in "
              "the ECE field (self-reported first year, else the first confirmed job; a "
              "declined answer is unknown: under_3, 3_5, 6_10, 11_20, 21_plus, unknown); a "
              "permit level (highest current verified Child Development Permit; 'none'); a "
              "degree (highest verified: associate, bachelor, graduate, none); verified ECE "
              "semester units (0, under_12, 12_23, 24_plus); a language code; a competency "
              "area code (CDL, CDE, RIG, FCE, DLD, OSAD, SNI, LEC, HSN, LEAD, PROF, ADM, "
              "other)."),
    ("measure", "What the value is: people, combined, hours, hours_per_person, wage_q1, "
                "wage_median, wage_q3, held, expiring_12_months, expiring_combined, employed, "
                "left_job, left_combined, turnover_rate."),
    ("value", "The number. Blank when suppressed."),
    ("suppressed", "true when the figure is not published: fewer than the minimum cell size "
                   "(or none) of the released people show this group. Suppressed groups are "
                   "never recoverable from the other figures of any table, for any filter."),
    ("population", "Active participants who have not opted out of research use. Before any "
                   "figure is computed, people whose combination of county, role, program type, "
                   "permit level, years, language, education, permit expiry and turnover is "
                   "rarer than the minimum have their rarest details combined ('combined' "
                   "groups); anyone still in a group under the minimum is left out. Every "
                   "figure counts released people only."),
)


def rows(stats: dict[str, Any], filters: dict[str, str]) -> list[tuple[Any, ...]]:
    """One row per published figure, long format."""
    where = "; ".join(f"{k}={v}" for k, v in sorted(filters.items()))
    out: list[tuple[Any, ...]] = []

    def add(table: str, group: str, measure: str, value: Any, suppressed: bool) -> None:
        out.append((table, where, group, measure, None if suppressed else value, suppressed))

    for table in stats["tables"]:
        name = f"workforce_by_{table.by}"
        for item in table.items():
            add(name, item["group"], "people", item["count"], item["suppressed"])
        add(name, "combined", "people", table.combined, False)
        add(name, "all", "people", table.total, table.total is None)
    for wage in stats["wages"]:
        for measure in ("q1", "median", "q3"):
            add("hourly_wage_by_role_category", wage["group"], f"wage_{measure}",
                wage[measure], wage["suppressed"])
    for item in stats["pd_hours"]["items"]:
        add("pd_hours_by_competency_area", item["group"], "hours", item["hours"],
            item["suppressed"])
        add("pd_hours_by_competency_area", item["group"], "hours_per_person",
            item["per_person"], item["suppressed"])
    for item in stats["permits"] or []:
        add("permits_by_level", item["group"], "held", item["held"], item["suppressed"])
        add("permits_by_level", item["group"], "expiring_12_months", item["expiring"],
            item["expiring"] is None)
        add("permits_by_level", item["group"], "expiring_combined", item["expiring_combined"],
            item["suppressed"])
    for item in stats["turnover"]:
        add("turnover_by_role_category", item["group"], "employed", item["employed"],
            item["suppressed"])
        add("turnover_by_role_category", item["group"], "left_job", item["left"],
            item["left"] is None)
        add("turnover_by_role_category", item["group"], "left_combined", item["left_combined"],
            item["suppressed"])
        add("turnover_by_role_category", item["group"], "turnover_rate", item["rate"],
            item["rate"] is None)
    return out


def _text(value: Any) -> str:
    if value is None:
        return ""
    if value is True or value is False:
        return "true" if value else "false"
    return str(value)


def to_csv(data: list[tuple[Any, ...]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(COLUMNS)
    for row in data:
        writer.writerow([_text(v) for v in row])
    return buffer.getvalue()


def dictionary_rows(min_cell_size: int) -> list[tuple[str, str]]:
    return [*DICTIONARY, *TABLES,
            ("min_cell_size", f"Groups of fewer than {min_cell_size} people are suppressed.")]


def dictionary_csv(min_cell_size: int) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(("column", "meaning"))
    writer.writerows(dictionary_rows(min_cell_size))
    return buffer.getvalue()


def to_xlsx(data: list[tuple[Any, ...]], min_cell_size: int) -> bytes:
    """Excel (write-only): the figures, numbers as numbers, and the data dictionary."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet("Workforce data")
    sheet.append(list(COLUMNS))
    for row in data:
        value = row[4]
        if isinstance(value, str):
            value = float(Decimal(value))
        sheet.append([*row[:4], value, row[5]])
    dictionary = book.create_sheet("Data dictionary")
    dictionary.append(["column", "meaning"])
    for entry in dictionary_rows(min_cell_size):
        dictionary.append(list(entry))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
