"""QRIS rule sets: loading and checking rule files, county overrides, and scoring as plain
functions over a person's verified facts (no database here).

A rule file (TOML, see ``rules/statewide.toml``) lists, per element, point levels; a level holds
options (any one suffices) whose conditions must all hold, plus professional-development hours
in the PD year. A county file ``extends = "statewide"`` and replaces levels by their points or
adds new ones; the merged set is checked like a full one. Bad files are rejected with the file,
line and reason (:class:`RuleFileError`).

Levels are read cumulatively by default (``[rule_set] levels = "cumulative"``): a level counts
only when every lower level is met too, as the QCC matrix is scored in blocks. ``"highest"``
gives the highest level met whatever lies below it.
"""

from __future__ import annotations

import math
import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from decimal import Decimal
from pathlib import Path
from typing import Any

from registry_kernel.config import ConfigError

HERE = Path(__file__).parent
STATEWIDE_FILE = HERE / "rules" / "statewide.toml"

DEGREE_RANK = {"AA": 1, "AS": 1, "BA": 2, "BS": 2, "MA": 3, "MS": 3, "PhD": 4, "EdD": 4}
DEGREE_LABEL = {1: "AA/AS", 2: "BA/BS", 3: "master's", 4: "doctorate"}
CREDENTIAL_KINDS = ("cda", "administrative_services_credential", "teaching_credential", "other")
SITE_KINDS = ("center", "fcc")
ORG_SITE_KIND = {"employer_center": "center", "employer_fcc": "fcc"}
AGGREGATES = ("minimum", "average", "maximum")
CORE_COURSES = ("child_growth", "child_family_community", "curriculum")
TWO = Decimal("0.01")
LEVEL_MODES = ("cumulative", "highest")

_RULE_SET_KEYS = {"name", "county", "version", "extends", "pd_year_months", "levels", "notes"}
_ELEMENT_KEYS = {"title", "site_kinds", "roles", "aggregate", "levels", "notes"}
_LEVEL_KEYS = {"points", "label", "pd_hours_per_year", "options", "notes"}
_OPTION_KEYS = {"id", "description", "site_kinds", "ece_units", "ge_units", "total_units",
                "core_courses", "admin_units", "admin_supervision_units", "degree", "degree_ece",
                "permit", "credential", "experience_months", "notes"}
_NUMBER_KEYS = ("ece_units", "ge_units", "total_units", "admin_units", "admin_supervision_units",
                "experience_months")


# --- errors with file and line ----------------------------------------------------------------

class RuleFileError(ConfigError):
    """A rule file is invalid: ``file:line: reason``."""

    def __init__(self, source: str, line: int | None, reason: str) -> None:
        self.source, self.line, self.reason = source, line, reason
        super().__init__(f"{source}:{line or 1}: {reason}")


def _norm_header(text: str) -> str:
    return text.strip().replace(" ", "").replace('"', "").replace("'", "")


def line_of(text: str, path: Iterable[str | int]) -> int:
    """Best-effort 1-based line of ``path`` (e.g. ``["elements", "3", "levels", 1, "points"]``)
    in TOML ``text``."""
    lines = text.splitlines()
    parts = list(path)
    start, end, prefix = 0, len(lines), []
    i = 0
    while i < len(parts):
        part = str(parts[i])
        if i + 1 < len(parts) and isinstance(parts[i + 1], int):
            header = "[[" + ".".join([*prefix, part]) + "]]"
            hits = [n for n in range(start, end) if _norm_header(lines[n]) == header]
            index = parts[i + 1]
            if index < len(hits):
                start = hits[index]
                end = hits[index + 1] if index + 1 < len(hits) else end
            prefix.append(part)
            i += 2
            continue
        if i == len(parts) - 1:
            pattern = re.compile(r'^\s*"?' + re.escape(part) + r'"?\s*=')
            for n in range(start, end):
                if pattern.match(lines[n]):
                    return n + 1
            header = "[" + ".".join([*prefix, part]) + "]"
            for n in range(start, end):
                if _norm_header(lines[n]) in (header, "[" + header + "]"):
                    return n + 1
            return start + 1
        prefix.append(part)
        header = "[" + ".".join(prefix) + "]"
        for n in range(start, end):
            if _norm_header(lines[n]) == header:
                start = n
                break
        i += 1
    return start + 1


# --- the rule set ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Option:
    id: str
    description: str
    site_kinds: tuple[str, ...] | None = None
    ece_units: Decimal = Decimal(0)
    ge_units: Decimal = Decimal(0)
    total_units: Decimal = Decimal(0)
    core_courses: bool = False
    admin_units: Decimal = Decimal(0)
    admin_supervision_units: Decimal = Decimal(0)
    degree: str | None = None
    degree_ece: bool = False
    permit: str | None = None
    credential: str | None = None
    experience_months: Decimal = Decimal(0)

    def applies_to(self, site_kind: str) -> bool:
        return self.site_kinds is None or site_kind in self.site_kinds


@dataclass(frozen=True)
class Level:
    points: int
    label: str
    options: tuple[Option, ...]
    pd_hours_per_year: Decimal = Decimal(0)


@dataclass(frozen=True)
class Element:
    number: int
    title: str
    site_kinds: tuple[str, ...]
    roles: dict[str, tuple[str, ...]]
    aggregate: str
    levels: tuple[Level, ...]  # lowest first


@dataclass(frozen=True)
class RuleSet:
    name: str
    county: str
    version: str
    source: str
    permit_order: tuple[str, ...]
    permit_equivalents: dict[str, str]
    elements: dict[int, Element]
    pd_year_months: int = 12
    levels: str = "cumulative"  # how levels combine: LEVEL_MODES

    def permit_rank(self, level: str | None) -> int:
        if level is None:
            return -1
        level = self.permit_equivalents.get(level, level)
        return self.permit_order.index(level) if level in self.permit_order else -1

    def describe(self) -> dict[str, str]:
        return {"county": self.county, "version": self.version, "name": self.name,
                "levels": self.levels}

    def with_aggregate(self, element: int, aggregate: str) -> RuleSet:
        elements = dict(self.elements)
        elements[element] = replace(elements[element], aggregate=aggregate)
        return replace(self, elements=elements)


def _dec(value: Any) -> Decimal:
    return Decimal(str(value))


class _Checker:
    def __init__(self, source: str, text: str) -> None:
        self.source, self.text = source, text

    def fail(self, path: list[str | int], reason: str) -> RuleFileError:
        return RuleFileError(self.source, line_of(self.text, path) if self.text else None, reason)

    def keys(self, table: Any, allowed: set[str], path: list[str | int]) -> None:
        if not isinstance(table, dict):
            raise self.fail(path, f"{'.'.join(map(str, path)) or 'the file'} must be a table")
        for key in table:
            if key not in allowed:
                raise self.fail([*path, key], f"unknown field {key!r} (allowed: "
                                              f"{', '.join(sorted(allowed))})")


def _option(check: _Checker, raw: Any, path: list[str | int], permits: set[str]) -> Option:
    check.keys(raw, _OPTION_KEYS, path)
    if not isinstance(raw.get("id"), str) or not raw["id"]:
        raise check.fail([*path, "id"], "every option needs an id")
    values: dict[str, Any] = {"id": raw["id"], "description": str(raw.get("description",
                                                                          raw["id"]))}
    for key in _NUMBER_KEYS:
        if key in raw:
            if isinstance(raw[key], bool) or not isinstance(raw[key], int | float) \
                    or raw[key] < 0:
                raise check.fail([*path, key], f"{key} must be a number of at least 0")
            values[key] = _dec(raw[key])
    for key in ("core_courses", "degree_ece"):
        if key in raw:
            if not isinstance(raw[key], bool):
                raise check.fail([*path, key], f"{key} must be true or false")
            values[key] = raw[key]
    if "degree" in raw:
        if raw["degree"] not in DEGREE_RANK:
            raise check.fail([*path, "degree"], f"unknown degree level {raw['degree']!r} "
                                                f"(known: {', '.join(DEGREE_RANK)})")
        values["degree"] = raw["degree"]
    if values.get("degree_ece") and not values.get("degree"):
        raise check.fail([*path, "degree_ece"], "degree_ece needs a degree level")
    if "permit" in raw:
        if raw["permit"] not in permits:
            raise check.fail([*path, "permit"], f"unknown permit level {raw['permit']!r} "
                                                f"(known: {', '.join(sorted(permits))})")
        values["permit"] = raw["permit"]
    if "credential" in raw:
        if raw["credential"] not in CREDENTIAL_KINDS:
            raise check.fail([*path, "credential"], f"unknown credential {raw['credential']!r}")
        values["credential"] = raw["credential"]
    if "site_kinds" in raw:
        kinds = raw["site_kinds"]
        if not isinstance(kinds, list) or not kinds or any(k not in SITE_KINDS for k in kinds):
            raise check.fail([*path, "site_kinds"], "site_kinds must list center and/or fcc")
        values["site_kinds"] = tuple(kinds)
    option = Option(**values)
    if option == Option(id=option.id, description=option.description,
                        site_kinds=option.site_kinds):
        raise check.fail([*path, "id"], f"option {option.id!r} has no condition")
    return option


def _element(check: _Checker, key: str, raw: Any, permits: set[str]) -> Element:
    path: list[str | int] = ["elements", key]
    check.keys(raw, _ELEMENT_KEYS, path)
    if not key.isdigit() or not 1 <= int(key) <= 7:
        raise check.fail(path, f"element {key!r}: QRIS elements are numbered 1 to 7")
    kinds = raw.get("site_kinds", list(SITE_KINDS))
    if not isinstance(kinds, list) or not kinds or any(k not in SITE_KINDS for k in kinds):
        raise check.fail([*path, "site_kinds"], "site_kinds must list center and/or fcc")
    roles_raw = raw.get("roles", {})
    if not isinstance(roles_raw, dict):
        raise check.fail([*path, "roles"], "roles must map a site kind to role categories")
    roles: dict[str, tuple[str, ...]] = {}
    for kind in kinds:
        listed = roles_raw.get(kind)
        if not isinstance(listed, list) or not listed or \
                not all(isinstance(r, str) for r in listed):
            raise check.fail([*path, "roles"], f"roles.{kind} must list role categories")
        roles[kind] = tuple(listed)
    aggregate = raw.get("aggregate", "minimum")
    if aggregate not in AGGREGATES:
        raise check.fail([*path, "aggregate"], f"aggregate must be one of {', '.join(AGGREGATES)}")
    levels_raw = raw.get("levels")
    if not isinstance(levels_raw, list) or not levels_raw:
        raise check.fail(path, f"element {key} has no levels")
    levels: list[Level] = []
    seen: dict[int, int] = {}
    for index, level_raw in enumerate(levels_raw):
        lpath: list[str | int] = [*path, "levels", index]
        check.keys(level_raw, _LEVEL_KEYS, lpath)
        points = level_raw.get("points")
        if isinstance(points, bool) or not isinstance(points, int) or not 1 <= points <= 5:
            raise check.fail([*lpath, "points"], "points must be a whole number from 1 to 5")
        if points in seen:
            raise check.fail([*lpath, "points"], f"overlapping levels: two levels of element "
                                                 f"{key} give {points} points")
        seen[points] = index
        hours = level_raw.get("pd_hours_per_year", 0)
        if isinstance(hours, bool) or not isinstance(hours, int | float) or hours < 0:
            raise check.fail([*lpath, "pd_hours_per_year"], "pd_hours_per_year must be >= 0")
        options_raw = level_raw.get("options")
        if not isinstance(options_raw, list) or not options_raw:
            raise check.fail([*lpath, "points"], f"unreachable level: element {key} level "
                                                 f"{points} has no options")
        options = tuple(_option(check, o, [*lpath, "options", i], permits)
                        for i, o in enumerate(options_raw))
        ids = [o.id for o in options]
        if len(set(ids)) != len(ids):
            raise check.fail([*lpath, "options", 0, "id"], "option ids repeat within a level")
        for kind in kinds:
            if not any(o.applies_to(kind) for o in options):
                raise check.fail([*lpath, "points"], f"unreachable level: element {key} level "
                                                     f"{points} has no option for {kind} sites")
        levels.append(Level(points=points, label=str(level_raw.get("label", f"{points} points")),
                            options=options, pd_hours_per_year=_dec(hours)))
    levels.sort(key=lambda level: level.points)
    expected = list(range(1, len(levels) + 1))
    if [level.points for level in levels] != expected:
        gap = next(p for p in expected if p not in seen)
        above = min(p for p in seen if p > gap)
        raise check.fail([*path, "levels", seen[above], "points"],
                         f"unreachable level: element {key} level {above} has no level {gap} "
                         "below it")
    return Element(number=int(key), title=str(raw.get("title", f"Element {key}")),
                   site_kinds=tuple(kinds), roles=roles, aggregate=aggregate,
                   levels=tuple(levels))


def build_rule_set(data: dict[str, Any], *, source: str, text: str = "") -> RuleSet:
    """Check a complete (already merged) rule set and build it."""
    check = _Checker(source, text)
    check.keys(data, {"rule_set", "permits", "elements"}, [])
    head = data.get("rule_set", {})
    check.keys(head, _RULE_SET_KEYS, ["rule_set"])
    for key in ("county", "version"):
        if not isinstance(head.get(key), str) or not head[key].strip():
            raise check.fail(["rule_set", key], f"rule_set.{key} is required")
    months = head.get("pd_year_months", 12)
    if isinstance(months, bool) or not isinstance(months, int) or not 1 <= months <= 36:
        raise check.fail(["rule_set", "pd_year_months"], "pd_year_months must be 1 to 36")
    mode = head.get("levels", "cumulative")
    if mode not in LEVEL_MODES:
        raise check.fail(["rule_set", "levels"], f"unknown levels mode {mode!r} (known: "
                                                 f"{', '.join(LEVEL_MODES)})")
    permits_raw = data.get("permits", {})
    check.keys(permits_raw, {"order", "equivalents", "notes"}, ["permits"])
    order = permits_raw.get("order")
    if not isinstance(order, list) or not order or not all(isinstance(p, str) for p in order):
        raise check.fail(["permits", "order"], "permits.order must list the permit levels")
    equivalents = permits_raw.get("equivalents", {})
    if not isinstance(equivalents, dict):
        raise check.fail(["permits", "equivalents"], "permits.equivalents must be a table")
    for name, target in equivalents.items():
        if target not in order:
            raise check.fail(["permits", "equivalents", name],
                             f"unknown permit level {target!r} for {name!r}")
    known = set(order) | set(equivalents)
    elements_raw = data.get("elements")
    if not isinstance(elements_raw, dict) or not elements_raw:
        raise check.fail(["elements"], "the rule set has no elements")
    elements = {int(k) if k.isdigit() else 0: _element(check, k, v, known)
                for k, v in elements_raw.items()}
    return RuleSet(name=str(head.get("name", head["county"])), county=head["county"].strip(),
                   version=head["version"].strip(), source=source, permit_order=tuple(order),
                   permit_equivalents=dict(equivalents), elements=elements,
                   pd_year_months=months, levels=mode)


def parse_toml(text: str, source: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        match = re.search(r"line (\d+)", str(exc))
        raise RuleFileError(source, int(match.group(1)) if match else None,
                            f"not valid TOML: {exc}") from exc


def merge_override(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """A county file on top of the statewide data: ``rule_set`` keys replace, ``permits``
    keys replace, element keys replace, and levels replace by points or are added."""
    merged: dict[str, Any] = {
        "rule_set": {**{k: v for k, v in base.get("rule_set", {}).items() if k != "name"},
                     **override.get("rule_set", {})},
        "permits": {**base.get("permits", {}), **override.get("permits", {})},
        "elements": {k: dict(v) for k, v in base.get("elements", {}).items()},
    }
    merged["rule_set"].pop("extends", None)
    for key, element in override.get("elements", {}).items():
        if not isinstance(element, dict):
            merged["elements"][key] = element
            continue
        target = merged["elements"].setdefault(key, {})
        levels = list(target.get("levels", []))
        for name, value in element.items():
            if name != "levels":
                target[name] = value
        for level in element.get("levels", []) if isinstance(element.get("levels"), list) else []:
            points = level.get("points") if isinstance(level, dict) else None
            replaced = False
            for i, existing in enumerate(levels):
                if existing.get("points") == points:
                    levels[i], replaced = level, True
                    break
            if not replaced:
                levels.append(level)
        if "levels" in element and not isinstance(element["levels"], list):
            target["levels"] = element["levels"]
        else:
            target["levels"] = levels
    for key in override:
        if key not in merged:
            merged[key] = override[key]
    return merged


def load_statewide(path: Path | None = None) -> tuple[RuleSet, dict[str, Any]]:
    path = path or STATEWIDE_FILE
    text = path.read_text(encoding="utf-8")
    data = parse_toml(text, str(path))
    return build_rule_set(data, source=str(path), text=text), data


def load_county_text(text: str, source: str, statewide: dict[str, Any],
                     county: str | None = None) -> RuleSet:
    """A county file (``extends = "statewide"``) or a complete one, checked with file and
    line. ``county``, when given, must match the file's ``rule_set.county``."""
    data = parse_toml(text, source)
    check = _Checker(source, text)
    check.keys(data, {"rule_set", "permits", "elements"}, [])
    head = data.get("rule_set", {})
    check.keys(head, _RULE_SET_KEYS, ["rule_set"])
    extends = head.get("extends")
    if extends not in (None, "statewide"):
        raise check.fail(["rule_set", "extends"], "extends must be \"statewide\"")
    if county is not None and head.get("county") != county:
        raise check.fail(["rule_set", "county"],
                         f"rule_set.county must be {county!r}, not {head.get('county')!r}")
    # Check the override's own levels first, so the line points into the county file.
    permits = {**statewide.get("permits", {}), **data.get("permits", {})}
    known = set(permits.get("order") or []) | set(permits.get("equivalents") or {})
    for key, element in (data.get("elements") or {}).items():
        if not isinstance(element, dict):
            continue
        check.keys(element, _ELEMENT_KEYS, ["elements", key])
        seen: set[Any] = set()
        for i, level in enumerate(element.get("levels") or []):
            lpath: list[str | int] = ["elements", key, "levels", i]
            check.keys(level, _LEVEL_KEYS, lpath)
            if level.get("points") in seen:
                raise check.fail([*lpath, "points"], f"overlapping levels: two levels of "
                                                     f"element {key} give {level['points']} points")
            seen.add(level.get("points"))
            for j, option in enumerate(level.get("options") or []):
                _option(check, option, [*lpath, "options", j], known)
    merged = merge_override(statewide, data) if extends == "statewide" else data
    return build_rule_set(merged, source=source, text=text)


# --- facts and scoring ----------------------------------------------------------------------

@dataclass
class Facts:
    """What verified records prove about one person (units in semester units)."""

    ece_units: Decimal = Decimal(0)
    ge_units: Decimal = Decimal(0)
    core_areas_met: frozenset[str] = frozenset()
    admin_units: Decimal = Decimal(0)
    supervision_units: Decimal = Decimal(0)
    degrees: tuple[tuple[str, bool], ...] = ()  # (level, ece_related), accredited only
    permits: tuple[str, ...] = ()  # current CD permit levels
    credentials: tuple[str, ...] = ()  # current credential kinds
    experience_months: Decimal = Decimal(0)
    pd_hours: Decimal = Decimal(0)  # in the PD year

    def has_any(self) -> bool:
        return bool(self.ece_units or self.ge_units or self.degrees or self.permits
                    or self.credentials)


def _units(value: Decimal) -> str:
    return str(value.quantize(TWO))


def option_missing(rules: RuleSet, option: Option, facts: Facts) -> list[str]:
    """What the person lacks for ``option`` (empty: met)."""
    missing: list[str] = []
    checks = (("ece_units", facts.ece_units, "ECE units"), ("ge_units", facts.ge_units,
              "GE units"), ("total_units", facts.ece_units + facts.ge_units, "units in all"),
              ("admin_units", facts.admin_units, "administration units"),
              ("admin_supervision_units", facts.admin_units + facts.supervision_units,
               "administration/supervision units"))
    for key, have, label in checks:
        need: Decimal = getattr(option, key)
        if have < need:
            missing.append(f"{_units(need - have)} more {label}")
    if option.core_courses:
        for area in CORE_COURSES:
            if area not in facts.core_areas_met:
                missing.append(f"core course: {area.replace('_', ' ')}")
    if option.degree:
        need_rank = DEGREE_RANK[option.degree]
        ok = any(DEGREE_RANK.get(level, 0) >= need_rank and (ece or not option.degree_ece)
                 for level, ece in facts.degrees)
        if not ok:
            missing.append(f"{DEGREE_LABEL[need_rank]} degree"
                           + (" in ECE or a closely related field" if option.degree_ece else "")
                           + " or higher")
    if option.permit:
        need_rank = rules.permit_rank(option.permit)
        if not any(rules.permit_rank(p) >= need_rank for p in facts.permits):
            missing.append(f"{option.permit.replace('_', ' ').title()} Permit or higher")
    if option.credential and option.credential not in facts.credentials:
        missing.append(option.credential.replace("_", " ").title()
                       if option.credential != "cda" else "CDA credential")
    if facts.experience_months < option.experience_months:
        months = math.ceil(option.experience_months - facts.experience_months)
        missing.append(f"{months} more months of confirmed experience")
    return missing


def level_missing(rules: RuleSet, level: Level, facts: Facts, site_kind: str
                  ) -> tuple[Option | None, list[str]]:
    """The best option of ``level`` for the person: (the option met, []) or (closest, missing)."""
    best: tuple[Option | None, list[str]] = (None, ["no option for this kind of site"])
    pd_short: list[str] = []
    if facts.pd_hours < level.pd_hours_per_year:
        pd_short = [f"{_units(level.pd_hours_per_year - facts.pd_hours)} more professional "
                    "development hours in the PD year"]
    for option in level.options:
        if not option.applies_to(site_kind):
            continue
        missing = option_missing(rules, option, facts) + pd_short
        if best[0] is None or len(missing) < len(best[1]):
            best = (option, missing)
        if not missing:
            break
    return best


@dataclass
class PersonScore:
    points: int | None
    level: Level | None
    option: Option | None
    missing: list[str] = field(default_factory=list)  # for the next level
    next_points: int | None = None


def score_person(rules: RuleSet, element: Element, facts: Facts, site_kind: str) -> PersonScore:
    """The person's points (``None`` below level 1) and what the next point needs.

    Cumulative rules (the default): the highest level L such that every level 1..L is met; what
    is missing is the first unmet level's. ``"highest"``: the highest level met, whatever lies
    below it; what is missing is the level above it."""
    met: tuple[Level, Option] | None = None
    blocked: tuple[Level, list[str]] | None = None  # the first unmet level
    for level in element.levels:
        option, missing = level_missing(rules, level, facts, site_kind)
        if option is not None and not missing:
            if blocked is None or rules.levels == "highest":
                met = (level, option)
        elif blocked is None:
            blocked = (level, missing)
    points = met[0].points if met else None
    if rules.levels == "highest":
        nxt = next((lv for lv in element.levels if lv.points == (points or 0) + 1), None)
        missing = level_missing(rules, nxt, facts, site_kind)[1] if nxt is not None else []
    else:
        nxt, missing = blocked if blocked is not None else (None, [])
    return PersonScore(points=points, level=met[0] if met else None,
                       option=met[1] if met else None, missing=missing,
                       next_points=nxt.points if nxt is not None else None)


def aggregate(element: Element, scores: list[int | None]) -> int | None:
    """The site's points from its people's (``None`` when any person or nobody is scored)."""
    values = [s for s in scores if s is not None]
    if element.aggregate == "maximum":
        return max(values) if values else None
    if not scores or len(values) != len(scores):
        return None
    if element.aggregate == "average":
        return math.floor(sum(values) / len(values))
    return min(values)
