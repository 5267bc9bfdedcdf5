"""Diagnosis of the problems found in the input: the causes behind them, each told once with its count.

One mistake in the input shows as many problems: a duplicated customer id that replaced another
customer's id leaves every invoice line and usage row of that other customer without a customer;
a misspelt driver rejects the activity and every usage row that gives the driver under its right
name. :func:`diagnose` groups the problems (:class:`~xlprofit.errors.Problem`) by the cause they
share and words each cause once, with the number of problems it explains, the first rows and,
where a name is unknown, the known name it is closest to ("did you mean 'reminders'?",
:func:`difflib.get_close_matches`). Problems that share no particular cause are grouped by table,
column and reason ("is not a date" on 12,000 rows: one cause).

The function is pure: it reads the problems and the names the data knows (:class:`KnownNames`,
built from a dataset by :func:`known_names`), so that every engine, whose problems are the same,
gets the same causes in the same order.

The problems are recognised by the reasons their readers give them; the reasons are those of
:mod:`xlprofit.core.tables` (the pandas path) and of ``xlprofit.engines._sql`` and
``xlprofit.engines._usage`` (the SQL engines), which word them alike:

- ``duplicate customer_id (first at row 8)`` (customers, resources and activities keys);
- ``is not in the customers table`` (``customer_id`` of transactions and usage);
- ``is not a known driver (built-in: …)`` (activities' ``driver``), ``uses unknown driver(s) a, b``
  (activities' ``time_equation``);
- ``is not used by any activity`` (usage's ``driver``);
- ``is not in the resources table`` (activities' ``resource``);
- ``must be one of customer, order, line, product`` (activities' ``level``).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from xlprofit.core.drivers import BUILTIN_DRIVERS
from xlprofit.core.schema import LEVELS
from xlprofit.errors import Problem, describe_value

__all__ = ["Cause", "KnownNames", "diagnose", "known_names", "SHOWN_ROWS", "MAX_NAMED_IDS"]

#: A cause names at most this many of its rows (then "…").
SHOWN_ROWS = 5
#: Unknown customer ids are told one by one up to this many; more are told as one cause.
MAX_NAMED_IDS = 5

# The reasons of the readers (see the module's docstring).
_DUPLICATE = re.compile(r"^duplicate (customer_id|resource|activity) \(first at row (\d+)\)$")
_UNKNOWN_CUSTOMER = "is not in the customers table"
_UNKNOWN_DRIVER = "is not a known driver"
_UNKNOWN_EQUATION_DRIVERS = re.compile(r"^uses unknown driver\(s\) (.+)$")
_UNUSED_DRIVER = "is not used by any activity"
_UNKNOWN_RESOURCE = "is not in the resources table"
_LEVEL = "must be one of "

_KEY_WORDS = {"customer_id": "customer id", "resource": "resource", "activity": "activity"}
_NUMBER = re.compile(r"-?\d[\d,]*(?:\.\d+)?")


@dataclass(frozen=True)
class KnownNames:
    """The names the data knows, to suggest the closest to a name that is not known.

    Attributes
    ----------
    customer_ids:
        The customer ids of the customers table.
    drivers:
        The drivers that accepted activities use (their ``driver`` and the drivers of their time
        equations); the built-in drivers are known without being listed here.
    resources:
        The names of the accepted resources.
    pools:
        The name of every rejected cost pool row, ``(table, row) -> resource or activity``
        (:attr:`~xlprofit.core.dataset.Dataset.pool_names`).
    """

    customer_ids: frozenset[str] = frozenset()
    drivers: frozenset[str] = frozenset()
    resources: frozenset[str] = frozenset()
    pools: Mapping[tuple[str, int], str] = field(default_factory=dict)


@dataclass(frozen=True)
class Cause:
    """One cause of problems: what to correct, and the problems it explains."""

    message: str
    problems: tuple[Problem, ...]

    @property
    def count(self) -> int:
        """The number of problems the cause explains."""
        return len(self.problems)

    def __str__(self) -> str:
        return f"{self.count:,} problem(s): {self.message}"


def known_names(dataset: Any) -> KnownNames:
    """The names a :class:`~xlprofit.core.dataset.Dataset` knows (the same from every engine)."""
    from xlprofit.core.timeeq import parse_time_equation

    activities = dataset.activities
    drivers = {str(d) for d in activities["driver"].dropna()}
    for text in activities["time_equation"].dropna():
        drivers |= set(parse_time_equation(str(text)).variables)
    return KnownNames(customer_ids=frozenset(str(c) for c in dataset.customers["customer_id"].dropna()),
                      drivers=frozenset(drivers),
                      resources=frozenset(str(r) for r in dataset.resources["resource"].dropna()),
                      pools=dataset.pool_names)


def _closest(name: Any, candidates: Iterable[str], cutoff: float = 0.6) -> str | None:
    """The known name closest to ``name`` (difflib's ratio ≥ ``cutoff``), None when none is, or two tie."""
    if not isinstance(name, str):
        return None
    pool = sorted({c for c in candidates if c != name})
    found = difflib.get_close_matches(name, pool, n=2, cutoff=cutoff)
    if not found:
        return None
    if len(found) == 2:  # two names as close: no suggestion is better than a guess
        ratio = [difflib.SequenceMatcher(None, name, f).ratio() for f in found]
        if ratio[0] == ratio[1]:
            return None
    return found[0]


def _rows(rows: Iterable[int | None]) -> str:
    """``row 3`` or ``rows 3, 22, 41, 60, 77, …`` (sorted, the first :data:`SHOWN_ROWS`)."""
    numbers = sorted({r for r in rows if r is not None})
    if not numbers:
        return ""
    if len(numbers) == 1:
        return f"row {numbers[0]}"
    shown = ", ".join(str(r) for r in numbers[:SHOWN_ROWS])
    return f"rows {shown}" + (", …" if len(numbers) > SHOWN_ROWS else "")


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}" + ("" if n == 1 else "s")


def _by_table(problems: Sequence[Problem], what: str = "row") -> str:
    """``70 transactions rows (rows 3505, …) and 7 usage rows (rows 12, …)``."""
    tables: dict[str, list[Problem]] = {}
    for p in problems:
        tables.setdefault(p.table, []).append(p)
    parts = [f"{_plural(len(ps), f'{table} {what}')} ({_rows(p.row for p in ps)})"
             for table, ps in sorted(tables.items(), key=lambda item: (-len(item[1]), item[0]))]
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def _quoted(value: Any) -> str:
    return describe_value(str(value) if value is not None else "")


def diagnose(problems: Sequence[Problem], names: KnownNames | None = None) -> list[Cause]:
    """The causes behind ``problems``: root causes first, then groups of one reason, largest first.

    A problem is explained by one cause at most. A cause that explains a single problem is
    returned only when it says more than the problem does (a duplicate's other row, a name to
    correct); the problems of no cause are left to be told one by one.

    Parameters
    ----------
    problems:
        The problems found in the input, in any order: the causes do not depend on it.
    names:
        The names the data knows (:func:`known_names`), for the suggestions.

    Returns
    -------
    list of Cause
        Ordered: causes of a particular mistake (duplicates, unknown names), most problems
        first; then the groups of problems with one reason in one column, most problems first.
    """
    names = names or KnownNames()
    used: set[int] = set()  # positions of the problems a cause explains
    roots: list[Cause] = []

    def take(positions: Iterable[int]) -> tuple[Problem, ...]:
        chosen = sorted(set(positions) - used, key=lambda i: _order(problems[i]))
        used.update(chosen)
        return tuple(problems[i] for i in chosen)

    def positions(test: Any) -> list[int]:
        return [i for i, p in enumerate(problems) if i not in used and test(p)]

    # Customer ids that other tables name but the customers table lacks, by id.
    unknown_ids: dict[str, list[int]] = {}
    for i in positions(lambda p: p.reason == _UNKNOWN_CUSTOMER and p.column == "customer_id"):
        unknown_ids.setdefault(str(problems[i].value), []).append(i)

    # Duplicated keys, by table and key.
    duplicates: dict[tuple[str, str, str], list[int]] = {}
    firsts: dict[tuple[str, str, str], int] = {}
    for i in positions(lambda p: p.row is not None and _DUPLICATE.match(p.reason)):
        p = problems[i]
        key, first = _DUPLICATE.match(p.reason).groups()  # type: ignore[union-attr]
        group = (p.table, key, str(p.value))
        duplicates.setdefault(group, []).append(i)
        firsts[group] = int(first)
    customer_dups = [g for g in duplicates if g[0] == "customers"]
    # One duplicated customer row and one customer id missing: most likely the row was meant for that id.
    linked = (len(customer_dups) == 1 and len(duplicates[customer_dups[0]]) == 1 and len(unknown_ids) == 1)
    for group in sorted(duplicates):
        table, key, value = group
        rows = sorted(int(problems[i].row) for i in duplicates[group])  # type: ignore[arg-type]
        all_rows = [firsts[group], *rows]
        message = (f"{_KEY_WORDS[key]} {_quoted(value)} appears {len(all_rows)} times in {table} "
                   f"({_rows(all_rows)}): only row {firsts[group]} is used, "
                   f"{'row' if len(rows) == 1 else 'rows'} {', '.join(map(str, rows))} "
                   f"{'is' if len(rows) == 1 else 'are'} left out")
        extra: list[int] = []
        if linked and table == "customers":
            (missing, refs), = unknown_ids.items()
            message += (f"; no customer has id {_quoted(missing)}, which "
                        f"{_by_table([problems[i] for i in refs])} name — is row {rows[0]} meant to be "
                        f"{_quoted(missing)}? Those rows are left out until a customer has that id")
            extra = refs
        roots.append(Cause(message, take([*duplicates[group], *extra])))
    if linked:
        unknown_ids = {}

    # Unknown customer ids: one cause each, or one for them all when there are many.
    if len(unknown_ids) > MAX_NAMED_IDS:
        refs = [i for ids in unknown_ids.values() for i in ids]
        biggest = sorted(unknown_ids.items(), key=lambda item: (-len(item[1]), item[0]))[:3]
        examples = ", ".join(f"{_quoted(k)} ({_plural(len(v), 'row')})" for k, v in biggest)
        roots.append(Cause(f"{len(unknown_ids):,} customer ids are not in the customers table, e.g. {examples}: "
                           f"{_by_table([problems[i] for i in refs])} name them and are left out — "
                           "is the customers table complete?", take(refs)))
    else:
        for missing, refs in sorted(unknown_ids.items()):
            # Ids are close to one another by design (C0118, C0119): suggest only a very close one.
            guess = _closest(missing, names.customer_ids, cutoff=0.85)
            hint = f" — did you mean {_quoted(guess)}?" if guess else ""
            roots.append(Cause(f"customer id {_quoted(missing)} is not in the customers table{hint}: "
                               f"{_by_table([problems[i] for i in refs])} name it and are left out", take(refs)))

    # Drivers: an activity's driver that is not known, usage rows whose driver no activity uses.
    unused: dict[str, list[int]] = {}
    for i in positions(lambda p: p.table == "usage" and p.column == "driver" and p.reason == _UNUSED_DRIVER):
        unused.setdefault(str(problems[i].value), []).append(i)
    unknown_drivers: dict[str, list[int]] = {}
    for i in positions(lambda p: p.table == "activities" and p.column == "driver"
                       and p.reason.startswith(_UNKNOWN_DRIVER)):
        unknown_drivers.setdefault(str(problems[i].value), []).append(i)
    for i in positions(lambda p: p.table == "activities" and p.column == "time_equation"
                       and _UNKNOWN_EQUATION_DRIVERS.match(p.reason)):
        listed = _UNKNOWN_EQUATION_DRIVERS.match(problems[i].reason).group(1)  # type: ignore[union-attr]
        for name in listed.split(", "):
            unknown_drivers.setdefault(name, []).append(i)
    for driver in sorted(unknown_drivers):
        refs = [i for i in unknown_drivers[driver] if i not in used]
        if not refs:
            continue
        activity = _activity_rows([problems[i] for i in refs], names)
        partner = _closest(driver, unused)
        if partner is not None:
            # The activity and the usage rows spell one driver two ways: neither is used.
            gives = unused.pop(partner)
            roots.append(Cause(
                f"driver {_quoted(driver)} of {activity} is not a known driver, and "
                f"{_by_table([problems[i] for i in gives])} give {_quoted(partner)}, which no activity uses — did "
                f"you mean {_quoted(partner)}? The activity and these rows are left out until both spell the "
                "driver alike", take([*refs, *gives])))
            continue
        guess = _closest(driver, {*BUILTIN_DRIVERS, *names.drivers})
        hint = (f" — did you mean {_quoted(guess)}?" if guess else
                f" (built-in drivers: {', '.join(BUILTIN_DRIVERS)}; any other needs usage rows)")
        if guess or len(refs) > 1:
            roots.append(Cause(f"driver {_quoted(driver)} of {activity} is not a known driver{hint}", take(refs)))
    for driver in sorted(unused):
        guess = _closest(driver, {*names.drivers} - set(BUILTIN_DRIVERS))
        hint = f" — did you mean {_quoted(guess)}?" if guess else ""
        given = [problems[i] for i in unused[driver]]
        roots.append(Cause(f"driver {_quoted(driver)} is used by no accepted activity{hint}: "
                           f"{_by_table(given)} give it and are left out", take(unused[driver])))

    # Resources an activity names that are not (or no longer) in the resources table.
    unknown_resources: dict[str, list[int]] = {}
    for i in positions(lambda p: p.table == "activities" and p.column == "resource" and p.reason == _UNKNOWN_RESOURCE):
        unknown_resources.setdefault(str(problems[i].value), []).append(i)
    rejected_resources = {name: row for (table, row), name in names.pools.items() if table == "resources"}
    for resource in sorted(unknown_resources):
        refs = unknown_resources[resource]
        activity = _activity_rows([problems[i] for i in refs], names)
        row = rejected_resources.get(resource)
        if row is not None:  # the resources row was rejected: its activities follow
            own = positions(lambda p, row=row: p.table == "resources" and p.row == row)
            why = "; ".join(sorted({f"{p.column}: {p.reason}" if p.column else p.reason
                                    for p in (problems[i] for i in own)}))
            roots.append(Cause(f"resource {_quoted(resource)} (resources row {row}) is rejected ({why}), so "
                               f"{activity} that {'uses' if len(refs) == 1 else 'use'} it "
                               f"{'is' if len(refs) == 1 else 'are'} rejected too", take([*own, *refs])))
            continue
        guess = _closest(resource, names.resources)
        if guess or len(refs) > 1:
            hint = f" — did you mean {_quoted(guess)}?" if guess else ""
            roots.append(Cause(f"resource {_quoted(resource)} of {activity} is not in the resources table{hint}",
                               take(refs)))

    # Levels: one of a few words.
    for i in positions(lambda p: p.table == "activities" and p.column == "level" and p.reason.startswith(_LEVEL)):
        guess = _closest(problems[i].value, LEVELS)
        if guess:
            roots.append(Cause(f"level {_quoted(problems[i].value)} of {_activity_rows([problems[i]], names)} must "
                               f"be one of {', '.join(LEVELS)} — did you mean {_quoted(guess)}?", take([i])))

    # The rest: one group per table, column and reason (numbers aside).
    groups: dict[tuple[str, str, str], list[int]] = {}
    for i in positions(lambda p: p.row is not None):
        p = problems[i]
        groups.setdefault((p.table, p.column or "", _NUMBER.sub("…", p.reason)), []).append(i)
    rest: list[Cause] = []
    for (table, column, template), refs in groups.items():
        if len(refs) < 2:
            continue
        reasons = {problems[i].reason for i in refs}
        reason = reasons.pop() if len(reasons) == 1 else template
        where = f"table '{table}'" + (f", column '{column}'" if column else "")
        rest.append(Cause(f"{where}: {reason} — {_plural(len(refs), 'row')} "
                          f"({_rows(problems[i].row for i in refs)})", take(refs)))

    def rank(cause: Cause) -> tuple[int, str]:
        return -cause.count, cause.message

    return sorted(roots, key=rank) + sorted(rest, key=rank)


def _activity_rows(problems: Sequence[Problem], names: KnownNames) -> str:
    """``activity 'Credit & collection' (activities row 11)``, or ``3 activities (rows 4, 7, 9)``."""
    rows = sorted({int(p.row) for p in problems if p.row is not None})
    if len(rows) == 1:
        name = names.pools.get(("activities", rows[0]))
        return (f"activity {_quoted(name)} (activities row {rows[0]})" if name else f"activities row {rows[0]}")
    return f"{len(rows)} activities ({_rows(rows)})"


def _order(p: Problem) -> tuple[str, int, str, str]:
    return (p.table, p.row if p.row is not None else -1, p.column or "", p.reason)
