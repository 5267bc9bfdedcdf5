"""The report in Norwegian, Swedish and Polish: a laid-out sheet's English texts translated by phrase catalogs.

Every sheet is laid out in English; :class:`Words` then replaces each text it recognises — the sheet
name, titles, headings, notes, column headers, chart titles, and the texts the analysis writes into
table cells (check texts, flag reasons, lever texts, formulas) — before the sheet is written. User
data (customer names, segments, activities, …) is never translated, and numbers inside a text are
rewritten in the language's style.

A catalog entry is ``(English, nb, sv, pl)``. An English text without ``{`` must equal the whole
cell text. Otherwise it is a pattern, matched against the whole text, most literal characters first:

- ``{name}`` matches one or more characters other than ``;``, ``(`` and ``)``, and is copied into the
  translation; if it is a number (``1,234.56``, ``−42 %``, ``+18.8%``) it gets a decimal comma and
  a no-break space between thousands;
- ``{n_name}`` matches a number only (where a name of several words stands beside it);
- ``{t_name}`` matches any text whose parentheses pair up, which is translated in turn.

A text matched by no entry is split at ``"; "`` (else at ``", "``) outside parentheses and its parts
translated; a part nothing matches stays English.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from xlprofit.report._layout import SheetLayout, fit_table, unique_headers
from xlprofit.report._phrases_actions import PHRASES as _ACTIONS
from xlprofit.report._phrases_core import PHRASES as _CORE
from xlprofit.report._phrases_sheets import PHRASES as _SHEETS
from xlprofit.report._texts import LANGUAGES, NUMBER_PATTERN, local_number

__all__ = ["USER_COLUMNS", "Words", "catalog", "fields_of"]

#: Table columns holding the user's own data: never translated (in every table, and in the tables named).
USER_COLUMNS = frozenset({"customer_id", "name", "segment", "channel", "region", "product", "product_id", "activity",
                          "resource", "driver", "time_equation", "scenario", "file", "sha256", "table", "column",
                          "period", "acquired_on"})
_USER_COLUMNS_OF = {"Segments": {"value"}, "Exceptions": {"value"}, "Parameters": {"parameter"}}

_FIELD = re.compile(r"\{(\w+)\}")
_LITERAL = r"[^;()]+?"
#: A number field: an English number, e.g. beside a name of several words ("{activity} {n_minutes} min").
_NUMBER_TEXT = re.compile(NUMBER_PATTERN)
#: A translated field: any text whose parentheses pair up (two levels deep at most).
_ANY = r"(?:[^()]|\((?:[^()]|\([^()]*\))*\))+?"
#: Sheet references in a chart's formulas: 'Sheet name'!$A$1 or Sheet!$A$1.
_SHEET_REF = re.compile(r"^(?:'((?:[^']|'')+)'|([^'!]+))!")


def catalog() -> list[tuple[str, str, str, str]]:
    """Every entry of the report's phrase catalogs: (English, nb, sv, pl)."""
    return [*_SHEETS, *_CORE, *_ACTIONS]


def fields_of(text: str) -> list[str]:
    """The ``{field}`` names of a catalog text, in order."""
    return _FIELD.findall(text)


@dataclass(frozen=True)
class _Pattern:
    regex: re.Pattern[str]
    target: str
    literal: int


def _compile(english: str, target: str) -> _Pattern:
    parts = _FIELD.split(english)
    kinds = {"t_": _ANY, "n_": NUMBER_PATTERN}
    regex = "".join(re.escape(p) if i % 2 == 0 else f"(?P<{p}>{kinds.get(p[:2], _LITERAL)})"
                    for i, p in enumerate(parts))
    return _Pattern(re.compile(regex, re.DOTALL), target, sum(len(p) for p in parts[::2]))


def _split_outside(text: str, sep: str) -> list[str]:
    """``text`` split at ``sep`` where no parenthesis is open."""
    parts, depth, start, i = [], 0, 0, 0
    while i < len(text):
        ch = text[i]
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth = max(0, depth - 1)
        elif depth == 0 and text.startswith(sep, i):
            parts.append(text[start:i])
            start = i + len(sep)
            i = start
            continue
        i += 1
    parts.append(text[start:])
    return parts


class Words:
    """Translation of the report's English texts into ``language`` (one of :data:`LANGUAGES`)."""

    def __init__(self, language: str) -> None:
        if language not in LANGUAGES:
            raise ValueError(f"unknown language '{language}': use one of {', '.join(LANGUAGES)}")
        self.language = language
        k = list(LANGUAGES).index(language)
        self._exact: dict[str, str] = {}
        patterns: list[_Pattern] = []
        for entry in catalog():
            english, target = entry[0], entry[k]
            if "{" in english:
                patterns.append(_compile(english, target))
            else:
                self._exact[english] = target
        patterns.sort(key=lambda p: -p.literal)
        self._patterns = patterns
        self._seen: dict[str, str] = {}

    @property
    def english(self) -> bool:
        return self.language == "en"

    def __call__(self, text: str) -> str:
        """``text`` in the language; unchanged where no catalog entry matches it."""
        if self.english or not text:
            return text
        done = self._seen.get(text)
        if done is None:
            done = self._seen[text] = self._translate(text)
        return done

    def _translate(self, text: str) -> str:
        return self._match(text)[0]

    def knows(self, text: str) -> bool:
        """Whether the catalogs translate ``text`` and every text inside it (a text they keep in English too)."""
        return self._match(text)[1]

    def _match(self, text: str) -> tuple[str, bool]:
        """``text`` translated, and whether every part of it was matched by an entry."""
        hit = self._exact.get(text)
        if hit is not None:
            return hit, True
        for p in self._patterns:
            m = p.regex.fullmatch(text)
            if m:
                values, known = {}, True
                for k, v in m.groupdict().items():
                    if k.startswith("t_"):
                        values[k], inner = self._match(v)
                        known = known and inner
                    else:
                        values[k] = self.number(v)
                return _FIELD.sub(lambda f, filled=values: filled[f.group(1)], p.target), known
        if _NUMBER_TEXT.fullmatch(text):  # a number alone, e.g. "+44.6%"
            return self.number(text), True
        for sep in ("; ", ", "):
            parts = _split_outside(text, sep)
            if len(parts) > 1:
                done = [self._match(p) for p in parts]
                return sep.join(d[0] for d in done), all(d[1] for d in done)
        return text, False

    def number(self, text: str) -> str:
        """``text`` in the language's style if it is a number (:func:`local_number`)."""
        return local_number(text, self.language)

    def values(self, items: Iterable[Any]) -> list[Any]:
        """``items`` with every text translated."""
        return [self(v) if isinstance(v, str) else v for v in items]

    def layout(self, lay: SheetLayout) -> SheetLayout:
        """Translate the sheet ``lay`` in place (before it is written); return it.

        Its tables' columns are then as wide, and their rows of wrapped text as tall, as their texts need
        at the sheet's final column widths (in English too).
        """
        if self.english:
            for block in lay.blocks:
                if block.kind == "table":
                    fit_table(lay, block.payload)
            return lay
        lay.name = self(lay.name)
        lay.footer = self(lay.footer)
        for block in lay.blocks:
            if block.kind == "line":
                block.payload["values"] = self.values(block.payload["values"])
            elif block.kind == "table":
                self._table(lay, block.payload)
        lay.charts = [(self._chart_maker(make), anchor) for make, anchor in lay.charts]
        return lay

    def _table(self, lay: SheetLayout, payload: dict[str, Any]) -> None:
        payload["headers"] = unique_headers(self.values(payload["headers"]))
        frame: pd.DataFrame = payload["frame"]
        user = USER_COLUMNS | _USER_COLUMNS_OF.get(payload["spot"].name.rstrip("0123456789"), set())
        texts = [c for c in frame.columns if str(c) not in user
                 and (frame[c].dtype == object or pd.api.types.is_string_dtype(frame[c].dtype))]
        if texts:
            frame = frame.copy()
            for c in texts:
                frame[c] = frame[c].astype(object).map(lambda v: self(v) if isinstance(v, str) else v)
            payload["frame"] = frame
        fit_table(lay, payload)

    def _chart_maker(self, make: Callable[[Any], Any]) -> Callable[[Any], Any]:
        def translated(ws: Any) -> Any:
            chart = make(ws)
            for c in [chart, *getattr(chart, "_charts", [])]:
                self._chart(c)
            return chart
        return translated

    def _chart(self, chart: Any) -> None:
        for title in (chart.title, getattr(chart.x_axis, "title", None), getattr(chart.y_axis, "title", None)):
            self._rich(title)
        for series in chart.series:
            if series.tx is not None and series.tx.v:
                series.tx.v = self(series.tx.v)
            for ref in _refs(series):
                ref.f = _SHEET_REF.sub(lambda m: self._sheet_ref(m.group(1) or m.group(2)), ref.f, count=1)

    def _sheet_ref(self, sheet: str) -> str:
        name = self(sheet.replace("''", "'"))
        return "'" + name.replace("'", "''") + "'!"

    def _rich(self, title: Any) -> None:
        if title is None or title.tx is None or title.tx.rich is None:
            return
        for paragraph in title.tx.rich.p:
            for run in paragraph.r or ():
                run.t = self(run.t)


def _refs(series: Any) -> Sequence[Any]:
    """The cell references of a chart series (values, x values, categories, title)."""
    found = []
    for part in (series.val, series.xVal, series.yVal, series.cat, series.tx):
        for kind in ("numRef", "strRef"):
            ref = getattr(part, kind, None) if part is not None else None
            if ref is not None and ref.f:
                found.append(ref)
    return found
