"""The template workbook (``xlprofit template``) and the demo workbook (``xlprofit demo``).

The template's input sheets are the input format of the whole product: one Excel Table per
input table of the README's *Input tables*, named after it (``Customers``, ``Transactions``, …) on a sheet
of the same name, with the snake_case column headers :func:`xlprofit.read` expects. Those
names and headers stay in English in every language; the titles, instructions and the caption
row above each header are translated. The demo workbook is the same template filled with the
embedded demo data, its what-if scenarios included.

The optional Scenarios sheet after Parameters holds the Excel Table ``Scenarios`` of
:mod:`xlprofit.core.scenarios` (columns :data:`~xlprofit.core.scenarios.SCENARIO_COLUMNS`,
the ``change`` column offering :data:`~xlprofit.core.scenarios.CHANGE_KINDS`) under a short
help text; left empty, the report has no Scenarios sheet.

The live sheets call the add-in's functions on those Tables, in one of two flavours
(:data:`RUNTIMES`), because the two xlwings runtimes name the functions differently:

``classic``
    The classic xlwings add-in (Excel on Windows, VBA wrappers): ``=XLP_CLV(…)``. The table
    functions (``XLP_CUSTOMER_PNL``, ``XLP_ACTIVITY_RATES``, ``XLP_WHALE_CURVE``) return arrays,
    so they are written as dynamic-array formulas that spill in Excel 365
    (:class:`~xlprofit.report._values.SpillFormula`); the scalar functions stay ordinary formulas.
``office``
    Office.js custom functions (xlwings Lite, xlwings Server): ``=XLP.CLV(…)``, the catalogue's
    :attr:`~xlprofit.excel.catalogue.Function.officejs_name`. In the file such a call is stored the
    way Excel itself saves a JavaScript custom function: the prefix ``_xldudf_`` and the name with
    its dot turned into an underscore (``_xldudf_XLP_CLV(…)``), as a dynamic-array formula, scalar
    or not. Excel binds that stored name to ``XLP.CLV`` when the add-in registers its functions;
    a call stored as the bare dotted name (``XLP.CLV(…)``) is taken for an unknown function and
    stays ``#NAME?`` after the add-in loads, until each cell is entered again. Evidence: the
    workbook of OfficeDev/office-js issue 6611, saved by Excel 16.107, holds
    ``<f t="array" ref="A1">_xldudf_CONTOSO_ADD(1,2)</f>`` in a ``cm="1"`` cell for a resolved
    ``=CONTOSO.ADD(1,2)`` and ``CONTOSO.ADD(1,2)`` for the cells that stay ``#NAME?``; Microsoft's
    Excel team on OfficeDev/Excel-Custom-Functions issue 108: JavaScript custom functions are
    saved with the prefix ``_xldudf`` and only that form is looked up as one.

The Start here sheet gives the setup steps of the chosen runtime.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd
from openpyxl import Workbook
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation

from xlprofit.core.scenarios import CHANGE_KINDS, SCENARIO_COLUMNS
from xlprofit.core.schema import PARAMETERS, SCHEMAS, TABLES, Column
from xlprofit.errors import ArgumentError
from xlprofit.excel.catalogue import by_name
from xlprofit.report._layout import SheetLayout, TableSpot, write_layout
from xlprofit.report._spill import add_spill_metadata
from xlprofit.report._styles import Styles
from xlprofit.report._texts import LANGUAGES, caption, meaning, table_text, text
from xlprofit.report._values import Formula, SpillFormula
from xlprofit.report.workbook import atomic_save, check_target

__all__ = ["INPUT_SHEETS", "SCENARIOS_SHEET", "PARAMETER_NAMES", "LIVE_SHEETS", "LANGUAGES", "RUNTIMES",
           "OFFICEJS_PREFIX", "formula_name", "write_template", "write_demo", "template_tables"]

#: Sheet (and Excel Table) name of every input table.
INPUT_SHEETS: dict[str, str] = {t: t.capitalize() for t in TABLES}
#: Sheet (and Excel Table) name of the optional scenarios table, placed after the Parameters sheet.
SCENARIOS_SHEET = "Scenarios"
#: Defined name of every parameter's value cell on the Parameters sheet.
PARAMETER_NAMES: dict[str, str] = {p: "".join(w.capitalize() for w in p.split("_")) for p in PARAMETERS}
#: The calculation sheets that call the XLP_* functions.
LIVE_SHEETS: tuple[str, ...] = ("P&L live", "Rates live", "Whale live", "CLV live")
#: The runtimes a template is written for: how its live sheets name the add-in's functions.
RUNTIMES: dict[str, str] = {
    "classic": "classic xlwings add-in, Excel on Windows: =XLP_CLV(…)",
    "office": "Office.js (xlwings Lite, xlwings Server), Excel on Windows, Mac and the web: =XLP.CLV(…)",
}
#: Prefix of an Office.js custom function's name as Excel stores it in a formula (module docstring).
OFFICEJS_PREFIX = "_xldudf_"

_VALIDATION_ROWS = 20_000
_CHOICES = {"periods_per_year": "1,2,4,12", "acquisition_charge": "in_period,all,none",
            "commission_basis": "collected,net_revenue", "returns": "credit,as_booked"}
_LEVELS = "customer,order,line,product"
_ALL = "[#All]"


def _check_language(language: str) -> None:
    if language not in LANGUAGES:
        raise ArgumentError("language", language, f"one of {', '.join(LANGUAGES)}")


def _check_runtime(runtime: str) -> None:
    if runtime not in RUNTIMES:
        raise ArgumentError("runtime", runtime, f"one of {', '.join(RUNTIMES)}")


def formula_name(function: str, runtime: str) -> str:
    """How a formula of the ``runtime`` template stores a call of the catalogue's ``function``.

    ``formula_name("XLP_CLV", "classic")`` is ``XLP_CLV``; ``formula_name("XLP_CLV", "office")``
    is ``_xldudf_XLP_CLV``, which Excel shows as ``XLP.CLV`` (see the module docstring).

    Raises
    ------
    ArgumentError
        If ``runtime`` is not one of :data:`RUNTIMES`.
    KeyError
        If ``function`` is not in the catalogue (a builder's mistake, not a user's).
    """
    _check_runtime(runtime)
    spec = by_name()[function]
    if runtime == "classic":
        return spec.name
    return OFFICEJS_PREFIX + spec.officejs_name.replace(".", "_")


def _column_style(column: Column) -> str:
    if column.kind == "date":
        return "date"
    if column.kind == "money":
        return "money"
    if column.kind == "rate":
        return "percent"
    if column.kind == "number":
        return "number"
    return "text"


def _validation(column: Column, language: str) -> DataValidation | None:
    """Data validation for an input column (numbers ≥ 0, shares, dates)."""
    if column.kind in ("money", "number"):
        if column.minimum is not None:
            dv = DataValidation(type="decimal", operator="greaterThanOrEqual", formula1="0")
            message = text("validation_number", language)
        else:
            dv = DataValidation(type="decimal", operator="between", formula1="-1E+15", formula2="1E+15")
            message = text("validation_any_number", language)
    elif column.kind == "rate":
        dv = DataValidation(type="decimal", operator="between", formula1="0", formula2="1")
        message = text("validation_rate", language)
    elif column.kind == "date":
        dv = DataValidation(type="date", operator="greaterThan", formula1="1")
        message = text("validation_date", language)
    else:
        return None
    dv.error, dv.errorTitle, dv.showErrorMessage, dv.allow_blank = message, "xlprofit", True, True
    return dv


def _list_validation(source: str, language: str, *, strict: bool) -> DataValidation:
    dv = DataValidation(type="list", formula1=source, allow_blank=True)
    dv.showErrorMessage = True
    dv.errorStyle = "stop" if strict else "warning"
    dv.errorTitle = "xlprofit"
    dv.error = text("validation_choice" if strict else "validation_list", language)
    return dv


def _typed(table: str, frame: pd.DataFrame) -> pd.DataFrame:
    """Input data as a spreadsheet holds it: real dates for date columns, everything else as given."""
    out = frame.copy()
    for column in SCHEMAS.get(table, ()):
        if column.kind == "date" and column.name in out and not pd.api.types.is_datetime64_any_dtype(out[column.name]):
            parsed = pd.to_datetime(out[column.name], errors="coerce", format="ISO8601")
            out[column.name] = parsed.where(parsed.notna(), out[column.name]) if parsed.isna().any() else parsed
    return out


def _input_sheet(table: str, data: pd.DataFrame | None, language: str, taken: set[str],
                 spots: dict[str, TableSpot]) -> SheetLayout:
    schema = SCHEMAS[table]
    columns = [c.name for c in schema]
    frame = pd.DataFrame({c: pd.Series(dtype=object) for c in columns})
    if data is not None:
        extra = [c for c in data.columns if c not in columns]
        frame = _typed(table, data)[[c for c in columns if c in data.columns] + extra]
        frame = frame.reindex(columns=[*columns, *extra])
    lay = SheetLayout(INPUT_SHEETS[table])
    lay.tab_color = "FFC000"
    title, intro = table_text(table, language)
    lay.title(title, intro)
    by_name = {c.name: c for c in schema}
    captions = [caption(c, language, required=by_name[c].required if c in by_name else False)
                for c in frame.columns]
    styles = {c.name: _column_style(c) for c in schema}
    spot = lay.table(frame, INPUT_SHEETS[table], taken, labels={c: c for c in frame.columns}, styles=styles,
                     captions=captions, main=True, max_width=30, style="TableStyleLight9", header_height=18)
    for c in frame.columns:
        lay.fit(spot.col(c), 16)
    spots[table] = spot
    last = max(spot.last_row, spot.first_row + _VALIDATION_ROWS - 1)
    for column in schema:
        letter = _letter(spot.col(column.name))
        rng = f"{letter}{spot.first_row}:{letter}{last}"
        dv = _validation(column, language)
        if dv is not None:
            dv.add(rng)
            lay.validations.append(dv)
    lists = {("usage", "driver"): "DriverNames", ("activities", "resource"): "ResourceNames",
             ("transactions", "customer_id"): "CustomerIds", ("usage", "customer_id"): "CustomerIds"}
    for (t, c), name in lists.items():
        if t == table:
            letter = _letter(spot.col(c))
            dv = _list_validation(f"={name}", language, strict=False)
            dv.add(f"{letter}{spot.first_row}:{letter}{last}")
            lay.validations.append(dv)
    if table == "activities":
        letter = _letter(spot.col("level"))
        dv = _list_validation(f'"{_LEVELS}"', language, strict=True)
        dv.add(f"{letter}{spot.first_row}:{letter}{last}")
        lay.validations.append(dv)
    return lay


def _letter(col: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(col)


def _parameter_value(name: str, value: Any) -> Any:
    kind = PARAMETERS[name][0]
    if value is None or (isinstance(value, float) and pd.isna(value)) or (isinstance(value, str) and not value.strip()):
        return None
    if kind == "date":
        stamp = pd.to_datetime(value, errors="coerce")
        return value if pd.isna(stamp) else stamp.to_pydatetime()
    if kind in ("rate", "number", "periods"):
        number = pd.to_numeric(pd.Series([value]), errors="coerce").iloc[0]
        return value if pd.isna(number) else (int(number) if kind == "periods" else float(number))
    return value


def _parameters_sheet(data: pd.DataFrame | Mapping[str, Any] | None, language: str, taken: set[str],
                      names: list[tuple[str, str]]) -> SheetLayout:
    given: dict[str, Any] = {}
    if isinstance(data, Mapping):
        given = dict(data)
    elif data is not None and len(data.columns) >= 2:
        given = dict(zip(data.iloc[:, 0].astype(str).str.strip(), data.iloc[:, 1], strict=True))
    rows = [(p, _parameter_value(p, given.get(p)), meaning(p, desc, language)) for p, (_, desc) in PARAMETERS.items()]
    frame = pd.DataFrame(rows, columns=["name", "value", "meaning"])
    lay = SheetLayout("Parameters")
    lay.tab_color = "FFC000"
    lay.title(text("parameters_title", language), text("parameters_intro", language))
    value_styles = []
    for p in frame["name"]:
        kind = PARAMETERS[p][0]
        value_styles.append({"date": "input_date", "rate": "input_percent"}.get(kind, "input"))
    spot = lay.table(frame, "Parameters", taken, labels={c: c for c in frame.columns},
                     captions=[caption("name", language), caption("value", language), caption("meaning", language)],
                     cell_styles={"value": value_styles}, styles={"name": "label", "meaning": "note"},
                     main=True, max_width=70, style="TableStyleLight9", header_height=18)
    lay.fit(spot.col("value"), 14)
    lay.fit(spot.col("name"), 22)
    value_col = _letter(spot.col("value"))
    for i, p in enumerate(frame["name"]):
        cell = f"{value_col}{spot.first_row + i}"
        names.append((PARAMETER_NAMES[p], f"Parameters!${value_col}${spot.first_row + i}"))
        kind = PARAMETERS[p][0]
        if p in _CHOICES:
            dv = _list_validation(f'"{_CHOICES[p]}"', language, strict=True)
        elif kind == "rate":
            dv = _validation(Column(p, "rate"), language)
        elif kind == "date":
            dv = _validation(Column(p, "date"), language)
        elif kind == "number":
            dv = _validation(Column(p, "number", minimum=0.0), language)
        else:
            continue
        assert dv is not None
        dv.add(cell)
        lay.validations.append(dv)
    return lay


def _scenario_value(value: Any) -> Any:
    """A scenario's value as a spreadsheet holds it: a number where the text is one, else as given."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    if isinstance(value, str):
        if not value.strip():
            return None
        number = pd.to_numeric(pd.Series([value.strip()]), errors="coerce").iloc[0]
        return float(number) if pd.notna(number) and math.isfinite(number) else value
    return value


def _scenarios_sheet(data: pd.DataFrame | None, language: str, taken: set[str]) -> SheetLayout:
    """The Scenarios sheet: help on each kind of change, then the (empty or filled) ``Scenarios`` Table."""
    columns = list(SCENARIO_COLUMNS)
    frame = pd.DataFrame({c: pd.Series(dtype=object) for c in columns})
    if data is not None:
        extra = [c for c in data.columns if c not in columns]
        frame = data.reindex(columns=[*columns, *extra]).astype(object).reset_index(drop=True)
        frame = frame.where(frame.notna(), None)
        for c in ("scenario", "change", "target", "applies_to"):
            frame[c] = [None if isinstance(v, str) and not v.strip() else v for v in frame[c]]
        frame["value"] = [_scenario_value(v) for v in frame["value"]]
    lay = SheetLayout(SCENARIOS_SHEET)
    lay.tab_color = "FFC000"
    lay.title(text("scenarios_title", language), text("scenarios_intro", language))
    for kind in CHANGE_KINDS:
        lay.note(text(f"scenarios_{kind}", language), style="text")
    lay.note(text("scenarios_applies_to", language), style="text")
    lay.note(text("scenarios_unused", language), style="text")
    lay.skip()
    captions = [caption(c, language) + (f": {', '.join(CHANGE_KINDS)}" if c == "change" else "")
                for c in frame.columns]
    spot = lay.table(frame, SCENARIOS_SHEET, taken, labels={c: c for c in frame.columns},
                     styles={c: "text" for c in frame.columns}, captions=captions, max_width=30,
                     style="TableStyleLight9", header_height=18)
    for c in frame.columns:
        lay.fit(spot.col(c), 16)
    lay.fit(spot.col("scenario"), 24)
    lay.fit(spot.col("applies_to"), 22)
    last = max(spot.last_row, spot.first_row + _VALIDATION_ROWS - 1)
    letter = _letter(spot.col("change"))
    dv = _list_validation(f'"{",".join(CHANGE_KINDS)}"', language, strict=True)
    dv.add(f"{letter}{spot.first_row}:{letter}{last}")
    lay.validations.append(dv)
    return lay


#: The Start here sheet's setup section per runtime (keys of :mod:`._texts`): the numbered steps
#: (a key ending in ``b`` continues the step above it), then the notes below them.
_SETUP: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "classic": (("classic_1", "classic_1b", "classic_2", "classic_3", "classic_3b", "classic_4", "classic_5"),
                ("classic_names", "classic_errors", "classic_other")),
    "office": (("office_1", "office_2", "office_2b", "office_3", "office_3b", "office_4"),
               ("office_names", "office_server", "office_other")),
}
#: File type the workbook is saved as before it is validated: the classic add-in keeps VBA in it.
_SAVED_AS = {"classic": ".xlsm", "office": ".xlsx"}


def _start_sheet(language: str, runtime: str) -> SheetLayout:
    lay = SheetLayout("Start here")
    lay.tab_color = "1F3864"
    lay.title(text("workbook_title", language), text("workbook_subtitle", language))
    steps, notes = _SETUP[runtime]
    ext = _SAVED_AS[runtime]
    report = ("report_1", "report_2") + (("report_python",) if runtime == "office" else ())
    for heading, paragraphs in (("what_heading", [("what_1", "what_2", f"what_3_{runtime}")]),
                                (f"install_heading_{runtime}", [steps, notes]),
                                ("report_heading", [report])):
        lay.heading(text(heading, language))
        for keys in paragraphs:
            for key in keys:
                lay.note(text(key, language, ext=ext) if key.startswith("report_") else text(key, language),
                         style="text")
            lay.skip()
    lay.heading(text("sheets_heading", language))
    for table in TABLES:
        title, intro = table_text(table, language) if table != "parameters" else (
            text("parameters_title", language), text("parameters_intro", language))
        lay.line([INPUT_SHEETS[table], f"{title}: {intro}"], ["label", "text"])
        if table == "parameters":
            lay.line([SCENARIOS_SHEET, f"{text('scenarios_title', language)}: {text('scenarios_intro', language)}"],
                     ["label", "text"])
    for sheet, key in zip(LIVE_SHEETS, ("pnl_live", "rates_live", "whale_live", "clv_live"), strict=True):
        lay.line([sheet, text(key, language)], ["label", "text"])
    lay.widths[1] = 16
    lay.widths[2] = 100
    return lay


def _live_sheets(language: str, runtime: str) -> list[SheetLayout]:
    t, a, u, r, c, p = (f"{INPUT_SHEETS[x]}{_ALL}" for x in ("transactions", "activities", "usage", "resources",
                                                            "customers", "parameters"))

    def call(function: str, *args: str) -> str:
        return f"{formula_name(function, runtime)}({','.join(args)})"

    # Excel saves every call of an Office.js custom function as a dynamic-array formula, one value or many.
    scalar = SpillFormula if runtime == "office" else Formula
    note = text(f"live_note_{runtime}", language, stored=formula_name("XLP_CLV", runtime).removesuffix("CLV"))
    pnl = SheetLayout(LIVE_SHEETS[0])
    pnl.title(text("pnl_live", language), note)
    pnl_cell = f"A{pnl.next_row}"
    pnl.line([SpillFormula("=" + call("XLP_CUSTOMER_PNL", t, a, u, r, c, p))], ["text"])
    rates = SheetLayout(LIVE_SHEETS[1])
    rates.title(text("rates_live", language), note)
    rates.line([SpillFormula("=" + call("XLP_ACTIVITY_RATES", a, r, t, u, c, p))], ["text"])
    spill = f"_xlfn.ANCHORARRAY('{LIVE_SHEETS[0]}'!{pnl_cell})"

    def column(name: str) -> str:
        return f'_xlfn.DROP(INDEX({spill},0,MATCH("{name}",INDEX({spill},1,0),0)),1)'

    whale = SheetLayout(LIVE_SHEETS[2])
    whale.title(text("whale_live", language), note)
    whale.line([text("whale_peak", language), SpillFormula("=" + call("XLP_WHALE_PEAK", column("profit")))],
               ["label", "percent"])
    whale.skip()
    whale.line([SpillFormula("=" + call("XLP_WHALE_CURVE", column("profit"), column("customer_id")))], ["text"])
    whale.widths[1] = 48
    clv = SheetLayout(LIVE_SHEETS[3])
    clv.title(text("clv_live", language), note)
    clv.note(text("clv_intro", language))
    clv.skip()
    clv.line([text("segment", language), text("margin", language), text("retention", language),
              text("clv", language)], ["header"] * 4, height=30)
    examples = (("Key accounts", 12000.0, 0.92), ("Wholesale", 3500.0, 0.85), ("Retail", 900.0, 0.75))
    for name, margin, retention in examples:
        row = clv.next_row
        clv.line([name, margin, retention, scalar("=" + call("XLP_CLV", "DiscountRate", f"B{row}", f"C{row}"))],
                 ["input", "input", "input_percent", "money"])
    clv.skip()
    clv.line([text("credit_cost", language), None, None,
              scalar("=" + call("XLP_CREDIT_COST", "100000", "PaymentDays", "CostOfCapital"))],
             ["label", "", "", "money"])
    for col, width in ((1, 24), (2, 18), (3, 18), (4, 16)):
        clv.widths[col] = width
    return [pnl, rates, whale, clv]


def template_tables(data: Mapping[str, Any] | None = None, *, language: str = "en",
                    runtime: str = "classic") -> Workbook:
    """Build the template workbook in memory (write-only; save it once).

    The live sheets' table functions are array formulas; :func:`write_template` also adds the
    package metadata that makes them spill in Excel 365, which ``Workbook.save`` alone does not.

    Parameters
    ----------
    data:
        Optional input tables (``customers``, ``transactions``, …, and ``scenarios``) to fill
        the Tables with; ``parameters`` may be a ``name, value`` table or a mapping.
    language:
        ``en``, ``nb``, ``sv`` or ``pl``: the language of titles, instructions and captions.
    runtime:
        ``classic`` (``=XLP_CLV(…)``, the classic xlwings add-in) or ``office`` (``=XLP.CLV(…)``,
        xlwings Lite and xlwings Server): how the live sheets name the functions, and which setup
        steps the Start here sheet gives.

    Raises
    ------
    ArgumentError
        If ``language`` or ``runtime`` is not one of those.
    """
    return _build(data, language, runtime)[0]


def _build(data: Mapping[str, Any] | None, language: str, runtime: str) -> tuple[Workbook, list[str]]:
    """The template workbook and the names of its sheets that hold spill formulas."""
    _check_language(language)
    _check_runtime(runtime)
    data = dict(data or {})
    wb = Workbook(write_only=True)
    styles = Styles(wb)
    taken: set[str] = set()
    spots: dict[str, TableSpot] = {}
    names: list[tuple[str, str]] = []
    layouts = [_start_sheet(language, runtime)]
    for table in TABLES:
        if table == "parameters":
            layouts.append(_parameters_sheet(data.get("parameters"), language, taken, names))
            layouts.append(_scenarios_sheet(data.get("scenarios"), language, taken))
        else:
            layouts.append(_input_sheet(table, data.get(table), language, taken, spots))
    layouts.extend(_live_sheets(language, runtime))
    for name, table, column in (("DriverNames", "activities", "driver"), ("ResourceNames", "resources", "resource"),
                                ("CustomerIds", "customers", "customer_id")):
        spot = spots[table]
        letter = _letter(spot.col(column))
        last = max(spot.last_row, spot.first_row + _VALIDATION_ROWS - 1)
        names.append((name, f"{INPUT_SHEETS[table]}!${letter}${spot.first_row}:${letter}${last}"))
    for name, ref in names:
        wb.defined_names[name] = DefinedName(name, attr_text=ref)
    for layout in layouts:
        write_layout(wb, layout, styles)
    from xlprofit._version import __version__

    wb.properties.creator = f"xlprofit {__version__}"
    wb.properties.title = text("workbook_title", language)
    wb.properties.language = language
    return wb, [layout.name for layout in layouts if layout.spills]


def write_template(path: str | os.PathLike[str], *, language: str = "en",
                   data: Mapping[str, Any] | None = None, runtime: str = "classic") -> None:
    """Write the template workbook (empty input Tables unless ``data`` is given) atomically.

    Parameters
    ----------
    path:
        The ``.xlsx`` file to write.
    language:
        ``en``, ``nb``, ``sv`` or ``pl``.
    data:
        Input tables to fill the template with (see :func:`template_tables`).
    runtime:
        ``classic`` or ``office`` (see :func:`template_tables`).

    Raises
    ------
    ArgumentError
        If ``language`` or ``runtime`` is not one of those; nothing is written.
    """
    _check_language(language)
    _check_runtime(runtime)
    check_target(path)
    wb, spill_sheets = _build(data, language, runtime)

    def save(target: Path) -> None:
        wb.save(target)
        add_spill_metadata(target, spill_sheets)

    atomic_save(save, path, workbook=wb)


def write_demo(path: str | os.PathLike[str], *, language: str = "en", runtime: str = "classic") -> None:
    """Write the template filled with the embedded demo data and its scenarios (``xlprofit demo``).

    ``language`` and ``runtime`` are those of :func:`write_template`.
    """
    _check_language(language)
    _check_runtime(runtime)
    from xlprofit.data import demo_scenarios, demo_tables

    write_template(path, language=language, data={**demo_tables(), "scenarios": demo_scenarios()}, runtime=runtime)
