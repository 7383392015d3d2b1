"""Print a ``bench/run.py`` result file as the Markdown table used in docs/performance.md.

    python bench/summarize.py bench/results/sqlite.json
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

LABELS = {"bare_flask": "bare Flask endpoint", "health": "health (kernel, no database work)",
          "calendar": "calendar search with filters", "home": "participant home page",
          "report_pdf": "Education & Training Report PDF",
          "enroll_contention": "enrollment under contention"}


def table(results: dict) -> str:
    lines = ["| scenario | requests | errors | p50 ms | p95 ms | p99 ms | req/s | ratio to bare "
             "Flask | server CPU ms/request | load avg (1 min) before/after | target p95 |",
             "|---|---|---|---|---|---|---|---|---|---|---|"]
    for name, s in results["scenarios"].items():
        target = s.get("target_p95_ms")
        verdict = "" if target is None else (
            f"< {target} ms: {'met' if s['meets_target'] else '**missed**'}")
        if name == "enroll_contention" and "enrolled" in s:
            verdict += (f"; {s['enrolled']} enrolled of {s['capacity']} seats, "
                        f"{'**overbooked**' if s['overbooked'] else 'no overbooking'}, "
                        f"statuses {s['statuses']}")
        load = s.get("load_average_1min", ["?", "?"])
        lines.append(f"| {LABELS.get(name, name)} | {s['requests']} | {s['errors']} | "
                     f"{s['p50_ms']} | {s['p95_ms']} | {s['p99_ms']} | {s['throughput_rps']} | "
                     f"{s.get('ratio_to_bare_flask', '')} | {s.get('server_cpu_ms_per_request', '')} | "
                     f"{load[0]} / {load[1]} | {verdict} |")
    extra = [f"`registry db upgrade` (at head, process start included): "
             f"{results.get('db_upgrade_s')} s"]
    if "backup" in results:
        b = results["backup"]
        extra.append(f"pg_dump -Fc: {b['pg_dump_s']} s ({b['dump_bytes'] / 1e6:.1f} MB); "
                     f"pg_restore -j 2: {b['pg_restore_s']} s")
    return "\n".join(lines) + "\n\n" + "\n".join(f"* {line}" for line in extra)


if __name__ == "__main__":
    print(table(json.loads(Path(sys.argv[1]).read_text())))
