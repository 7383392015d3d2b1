"""Downloads: every published table (already suppressed) as CSV or Excel, with a data dictionary.

Nothing here sees raw counts: it formats :class:`services.Table` cells and wage rows that were
suppressed upstream."""

from __future__ import annotations

import csv
import io
from typing import Any

from openpyxl import Workbook

from . import services as svc

COLUMNS = ("table", "county", "group", "count", "suppressed", "wage_q1", "wage_median", "wage_q3")

DICTIONARY = (
    ("table", "What the row counts: workforce_by_county, workforce_by_role_category, "
              "workforce_by_language, workforce_by_permit_level, total_<grouping> (the "
              "population total of that table), or hourly_wage_by_role_category."),
    ("county", "The county filter applied (blank: statewide)."),
    ("group", "The group: a California county, a role category (profile employment categories: "
              "assistant, teacher, ...), a permit level (highest current verified Child "
              "Development Permit; 'none' if no current permit), or a language code. 'unknown': "
              "not recorded."),
    ("count", "Number of participants in the group. Blank when suppressed."),
    ("suppressed", "true when the group is smaller than the minimum cell size, or was hidden as "
                   "well so a small group cannot be worked out from the other numbers and the "
                   "total."),
    ("wage_q1", "First quartile of current hourly wages reported on confirmed current jobs "
                "(US dollars); only for groups of at least the minimum cell size."),
    ("wage_median", "Median current hourly wage (US dollars)."),
    ("wage_q3", "Third quartile of current hourly wages (US dollars)."),
    ("population", "Active participants who have not opted out of research use. Role categories "
                   "and wages come from employment confirmed by the employer and not ended. "
                   "One current job per person (the latest started)."),
)


def rows(tables: list[svc.Table], wages: list[dict[str, Any]], county: str | None
         ) -> list[tuple[Any, ...]]:
    out: list[tuple[Any, ...]] = []
    where = county or ""
    for table in tables:
        for item in table.items():
            out.append((f"workforce_by_{table.by}", where, item["group"], item["count"],
                        item["suppressed"], None, None, None))
        out.append((f"total_{table.by}", where, "all", table.total, table.total is None,
                    None, None, None))
    for wage in wages:
        out.append(("hourly_wage_by_role_category", where, wage["group"], wage["count"],
                    wage["suppressed"], wage["q1"], wage["median"], wage["q3"]))
    return out


def to_csv(data: list[tuple[Any, ...]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(COLUMNS)
    for row in data:
        writer.writerow(["" if v is None else ("true" if v is True else "false" if v is False
                                               else v) for v in row])
    return buffer.getvalue()


def dictionary_csv() -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(("column", "meaning"))
    writer.writerows(DICTIONARY)
    return buffer.getvalue()


def to_xlsx(data: list[tuple[Any, ...]], min_cell_size: int) -> bytes:
    book = Workbook(write_only=True)
    sheet = book.create_sheet("Workforce data")
    sheet.append(list(COLUMNS))
    for row in data:
        sheet.append([float(v) if isinstance(v, str) and k >= 5 else v
                      for k, v in enumerate(row)])
    dictionary = book.create_sheet("Data dictionary")
    dictionary.append(["column", "meaning"])
    for row in DICTIONARY:
        dictionary.append(list(row))
    dictionary.append(["min_cell_size", f"Groups under {min_cell_size} people are suppressed."])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
