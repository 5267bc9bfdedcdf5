"""Hostile input files: every case of issue 17 built into a folder, for the tests that run them.

Each builder writes one broken, malicious or odd input into a new folder under ``root`` and
returns :class:`Built`: the input to give ``xlprofit report`` / ``xlprofit validate`` (a folder
of CSV/Parquet files or an ``.xlsx`` workbook) and what a correct run does with it:

- ``outcome``: ``"report"`` (exit 0, a report whose every XML part parses) or ``"refused"``
  (exit 1, one clear message, no traceback);
- ``message``: a fragment the refusal (or, for a report, the Exceptions sheet) must show;
- ``exceptions``: the ``(table, action)`` pairs the report's exceptions must hold at least;
- ``lines`` and ``net_revenue``: what the reconciliation must find in the input as written (the
  invoice lines, and the sum of their readable net revenue), known here from what was built.

:data:`CASES` maps each case's name to its builder; the names follow the issue's items. The
tables are the small dataset of ``tests/conftest.py`` without a discount rate (so that no
lifetime model is fitted: the cases are about reading and writing, and stay fast). Builders
write only under ``root`` and use fixed data (no randomness).

Besides the failures of the issue, the cases that already held are here too, so that the
corpus guards them: entity-expansion and zip-bomb workbooks, formula injection text and
impossible dates.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from tests.conftest import small_tables

__all__ = ["Built", "CASES", "base_tables", "write_folder", "write_workbook", "NONCHARACTERS"]

#: Text that XML 1.0 cannot hold or that holds nothing visible: non-characters, C0/C1 controls.
NONCHARACTERS = "\ufffe\uffff\U0001fffe\ufdd0\x01\x1f\x7f\x85\x9f"


@dataclass(frozen=True)
class Built:
    """One hostile input: where it is and what a correct run does with it."""

    path: Path
    outcome: str
    message: str = ""
    exceptions: tuple[tuple[str, str], ...] = field(default=())
    lines: int = 8  # the small dataset's invoice lines
    net_revenue: float = 2_800.0  # and their net revenue (2,500 kept, 300 returned)


def base_tables() -> dict[str, pd.DataFrame]:
    """The small dataset as DataFrames (parameters as a name/value table, no discount rate)."""
    tables = small_tables()
    params = {k: v for k, v in tables.pop("parameters").items() if k != "discount_rate"}  # type: ignore[union-attr]
    # Text columns as Python objects: pandas' Arrow strings cannot hold a lone surrogate.
    out = {k: v.astype({c: object for c in v.columns if pd.api.types.is_string_dtype(v[c].dtype)})
           for k, v in tables.items()}  # type: ignore[union-attr]
    out["parameters"] = pd.DataFrame({"name": list(params), "value": [str(v) for v in params.values()]})
    return out


def write_folder(folder: Path, tables: dict[str, pd.DataFrame], fmt: str = "csv") -> Path:
    """Write ``tables`` as ``<table>.csv`` (UTF-8) or ``<table>.parquet`` files into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, frame in tables.items():
        if fmt == "parquet":
            frame.to_parquet(folder / f"{name}.parquet", index=False)
        else:
            frame.to_csv(folder / f"{name}.csv", index=False)
    return folder


def write_workbook(path: Path, tables: dict[str, pd.DataFrame]) -> Path:
    """Write ``tables`` as one sheet each (header in row 1) into the workbook ``path``."""
    import openpyxl

    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, frame in tables.items():
        ws = wb.create_sheet(name)
        ws.append([str(c) for c in frame.columns])
        for row in frame.itertuples(index=False):
            ws.append([None if (isinstance(v, float) and np.isnan(v)) else v for v in row])
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


def _rewrite_parts(path: Path, change: Callable[[str, bytes], bytes]) -> None:
    """Rewrite every part of the zip package ``path`` through ``change(name, data)``."""
    with zipfile.ZipFile(path) as zf:
        parts = [(info, zf.read(info)) for info in zf.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for info, data in parts:
            zf.writestr(info.filename, change(info.filename, data))


def _sheet_part(path: Path, title: str) -> str:
    """The part name of the sheet ``title`` (openpyxl numbers them in order)."""
    import openpyxl

    wb = openpyxl.load_workbook(path, read_only=True)
    try:
        return f"xl/worksheets/sheet{wb.sheetnames.index(title) + 1}.xml"
    finally:
        wb.close()


# ----------------------------------------------------------------------------- item 1: XML non-characters


def nonchar_csv(root: Path) -> Built:
    """Non-characters and control characters in customer texts and product ids of a CSV folder."""
    t = base_tables()
    t["customers"]["name"] = t["customers"]["name"].astype(object)
    t["customers"].loc[0, "name"] = "Alpha \ufffe AS\uffff"
    t["customers"].loc[1, "segment"] = "Ret\x01ail\U0001fffe"
    t["customers"].loc[2, "region"] = "No\ufdd0rth\x85"
    t["transactions"].loc[0, "product_id"] = "P1\uffff"
    return Built(write_folder(root / "nonchar_csv", t), "report", "text changed",
                 (("customers", "text changed"), ("transactions", "text changed")))


def nonchar_parquet(root: Path) -> Built:
    """The same texts in Parquet files (Arrow strings are UTF-8: non-characters pass through)."""
    t = base_tables()
    t["customers"].loc[0, "name"] = "Alpha \ufffe AS\uffff"
    t["customers"].loc[1, "segment"] = "Retail\uffff"
    t["transactions"].loc[0, "product_id"] = "P1\ufffe"
    t["transactions"]["customer_id"] = t["transactions"]["customer_id"].astype(object)
    return Built(write_folder(root / "nonchar_parquet", t, "parquet"), "report", "text changed",
                 (("customers", "text changed"), ("transactions", "text changed")))


def nonchar_api_tables() -> dict[str, pd.DataFrame]:
    """Tables for the Python API with a lone surrogate and non-characters (no file can hold them)."""
    t = base_tables()
    t["customers"].loc[0, "name"] = "Alpha \ud800 AS"
    t["customers"].loc[1, "channel"] = "Web\uffff"
    t["activities"].loc[2, "activity"] = "Sales\ufffe visits"
    return t


# ----------------------------------------------------------------------------- item 2: RFC 4180 fields


def quoted_newline_csv(root: Path) -> Built:
    """Quoted line breaks (LF, CRLF and a bare CR) inside fields of transactions.csv and usage.csv (RFC 4180)."""
    t = base_tables()
    t["transactions"].loc[1, "order_id"] = "o1\nsecond line"
    t["transactions"].loc[3, "product_id"] = "P1\r\nX"
    t["transactions"].loc[4, "product_id"] = "P2\rY"
    t["transactions"]["note"] = ["a", "b\nc", "d", "e\r\nf", "g\rh", "", "i", "j"]
    folder = write_folder(root / "quoted_newline_csv", {k: v for k, v in t.items() if k != "transactions"})
    # Excel's line ends (CRLF): every field holding CR or LF is quoted.
    t["transactions"].to_csv(folder / "transactions.csv", index=False, lineterminator="\r\n")
    (folder / "usage.csv").write_text(
        'customer_id,driver,quantity,period,note\nA,visits,2,2024Q1,"first\nvisit"\n'
        'B,visits,3,,x\nB,visits,1,2024-05,"call\rback"\n', encoding="utf-8", newline="")
    return Built(folder, "report")


# ----------------------------------------------------------------------------- item 3: bad input, clear messages


def malformed_sheet_xml(root: Path) -> Built:
    """A workbook whose transactions sheet XML is broken inside the rows (the zip is valid)."""
    path = write_workbook(root / "malformed_sheet_xml.xlsx", base_tables())
    part = _sheet_part(path, "transactions")

    def change(name: str, data: bytes) -> bytes:
        if name != part:
            return data
        return re.sub(rb'(<row r="4")', rb'<row r="3"><c r="A3" t="inlineStr"><is><t>x</is></c>\1', data, count=1)

    _rewrite_parts(path, change)
    return Built(path, "refused", "transactions")


def _code_page_csv(root: Path, case: str, names: list[str], codec: str) -> Built:
    """customers.csv with ``names`` saved in the Windows code page ``codec`` (Excel's "CSV" there)."""
    t = base_tables()
    t["customers"]["name"] = names
    folder = write_folder(root / case, t)
    text = (folder / "customers.csv").read_text(encoding="utf-8")
    (folder / "customers.csv").write_bytes(text.encode(codec))
    return Built(folder, "report", "")


def latin1_csv(root: Path) -> Built:
    """customers.csv saved as Windows-1252 (Excel's "CSV" on a Western Windows), with Nordic letters."""
    return _code_page_csv(root, "latin1_csv", ["Ærø Øl AS", "Malmö Åkeri AB", "Gamma Señor €"], "cp1252")


def cp1250_csv(root: Path) -> Built:
    """customers.csv saved as Windows-1250 (Excel's "CSV" on a Polish Windows)."""
    return _code_page_csv(root, "cp1250_csv", ["Łódź Spółka z o.o.", "Żółw Śląski", "Gęś Kraków"], "cp1250")


def empty_transactions(root: Path) -> Built:
    """A transactions.csv of 0 bytes."""
    folder = write_folder(root / "empty_transactions", base_tables())
    (folder / "transactions.csv").write_bytes(b"")
    return Built(folder, "refused", "required column 'date' is missing")


def wrong_width_rows(root: Path) -> Built:
    """Rows with a field too many or two too few (RFC 4180: all as wide as the header), in transactions and usage.

    The usage file also has a driver name holding U+FFFF (a usage row read by the engine, not by pandas).
    """
    t = base_tables()
    t["usage"].loc[2, "driver"] = "visits\uffff"
    folder = write_folder(root / "wrong_width_rows", t)
    lines = (folder / "transactions.csv").read_text(encoding="utf-8").splitlines()
    lines[2] = lines[2] + ",extra"
    lines[5] = ",".join(lines[5].split(",")[:-2])
    (folder / "transactions.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    with open(folder / "usage.csv", "a", encoding="utf-8") as fh:
        fh.write("A,visits,1,2024Q2,,surplus\n")
    # Both rows are read as lines; the short one has no net revenue left, the long one's is not read.
    return Built(folder, "report", "fields", (("transactions", "rejected"), ("usage", "rejected")),
                 net_revenue=2_800.0 - float(t["transactions"]["net_revenue"].iloc[[1, 4]].sum()))


def semicolon_decimal_comma(root: Path) -> Built:
    """What Excel writes as "CSV" in Nordic and Polish locales: ';' between fields, ',' in numbers."""
    t = base_tables()
    folder = root / "semicolon_decimal_comma"
    folder.mkdir(parents=True, exist_ok=True)
    for name, frame in t.items():
        frame = frame.copy()
        for col in frame.columns:
            if pd.api.types.is_float_dtype(frame[col]):
                frame[col] = [None if np.isnan(v) else f"{v:.3f}".replace(".", ",") for v in frame[col]]
        if name == "transactions":
            frame["date"] = pd.to_datetime(frame["date"]).dt.strftime("%d.%m.%Y")
            frame["net_revenue"] = [f"{v:.2f}".replace(".", ",") for v in frame["net_revenue"]]
        frame.to_csv(folder / f"{name}.csv", index=False, sep=";", encoding="cp1252")
    return Built(folder, "report", "")


# ----------------------------------------------------------------------------- item 4: every line bad


def header_only_transactions(root: Path) -> Built:
    """transactions.csv holds its header and no line."""
    t = base_tables()
    t["transactions"] = t["transactions"].iloc[0:0]
    return Built(write_folder(root / "header_only_transactions", t), "refused", "has no usable rows")


def integer_customer_ids(root: Path) -> Built:
    """Parquet invoice lines whose customer ids are integers the customers table does not hold."""
    t = base_tables()
    t["transactions"]["customer_id"] = np.arange(1001, 1001 + len(t["transactions"]), dtype="int64")
    return Built(write_folder(root / "integer_customer_ids", t, "parquet"), "refused", "has no usable rows")


def list_net_revenue(root: Path) -> Built:
    """Parquet invoice lines whose net_revenue is a list of numbers."""
    t = base_tables()
    t["transactions"]["net_revenue"] = [[float(v)] for v in t["transactions"]["net_revenue"]]
    t["transactions"] = t["transactions"].drop(columns=["gross_revenue", "discount"])
    return Built(write_folder(root / "list_net_revenue", t, "parquet"), "refused", "has no usable rows")


def bool_net_revenue(root: Path) -> Built:
    """Parquet invoice lines whose net_revenue is TRUE/FALSE."""
    t = base_tables()
    t["transactions"]["net_revenue"] = np.arange(len(t["transactions"])) % 2 == 0
    t["transactions"] = t["transactions"].drop(columns=["gross_revenue", "discount"])
    return Built(write_folder(root / "bool_net_revenue", t, "parquet"), "refused", "has no usable rows")


def many_bad_lines(root: Path, bad: int = 12_000) -> Built:
    """``bad`` unreadable lines (more than the 10,000 the DuckDB engine once listed) beside the good ones."""
    t = base_tables()
    lines = t["transactions"]
    extra = pd.DataFrame({"date": ["not a date"] * bad, "customer_id": ["A"] * bad,
                          "net_revenue": np.arange(bad, dtype="float64")})
    t["transactions"] = pd.concat([lines, extra], ignore_index=True)
    return Built(write_folder(root / "many_bad_lines", t), "report", "", (("transactions", "rejected"),),
                 lines=len(t["transactions"]), net_revenue=float(t["transactions"]["net_revenue"].sum()))


# ----------------------------------------------------------------------------- item 5: a workbook lying about its size


def lying_dimension(root: Path, lines: int = 4_000) -> Built:
    """A workbook whose sheets declare ``<dimension ref="A1:XFD1048576">`` over a few thousand real rows."""
    t = base_tables()
    reps = -(-lines // len(t["transactions"]))
    t["transactions"] = pd.concat([t["transactions"]] * reps, ignore_index=True).iloc[:lines]
    path = write_workbook(root / "lying_dimension.xlsx", t)
    _rewrite_parts(path, lambda name, data: re.sub(rb'<dimension ref="[^"]*"\s*/>', b'<dimension ref="A1:XFD1048576"/>',
                                                   data) if name.startswith("xl/worksheets/") else data)
    return Built(path, "report", lines=lines, net_revenue=float(t["transactions"]["net_revenue"].sum()))


# ----------------------------------------------------------------------------- item 11: very long text


EMOJI = "\U0001f600"


def emoji_segment(root: Path, count: int = 10_000) -> Built:
    """``count`` emoji in one customer's segment (a label of the Segments chart) and name."""
    t = base_tables()
    t["customers"].loc[0, "segment"] = EMOJI * count
    t["customers"].loc[1, "name"] = EMOJI * count
    return Built(write_folder(root / "emoji_segment", t), "report", "text shortened",
                 (("customers", "text shortened"),))


# ----------------------------------------------------------------------------- cases that already held


def entity_expansion(root: Path) -> Built:
    """A workbook whose sheet declares nested entities (billion laughs)."""
    path = write_workbook(root / "entity_expansion.xlsx", base_tables())
    part = _sheet_part(path, "customers")
    bomb = (b'<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">'
            + b"".join(b'<!ENTITY lol%d "%s">' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10)
                       for i in range(1, 10))
            + b"]>\n")

    def change(name: str, data: bytes) -> bytes:
        if name != part:
            return data
        body = re.sub(rb"^<\?xml[^>]*\?>\s*", b"", data)
        return bomb + body.replace(b"<t>Alpha AS</t>", b"<t>&lol9;</t>")

    _rewrite_parts(path, change)
    return Built(path, "refused", "DOCTYPE")


def zip_bomb(root: Path) -> Built:
    """A workbook with a part that unpacks to 20 MB from a few kB."""
    path = write_workbook(root / "zip_bomb.xlsx", base_tables())
    with zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("xl/media/padding.bin", b"\0" * 20_000_000)
    return Built(path, "refused", "zip bomb")


#: Cell texts that a spreadsheet would run as formulas if they were written as such.
INJECTIONS = ("=HYPERLINK(\"http://x.invalid\",\"click\")", "+cmd|' /C calc'!A0", "-2+3", "@SUM(1+1)",
              "=1+1", "#N/A", "=" + "A" * 40)


def formula_injection(root: Path) -> Built:
    """Formula-like text in names, segments, ids and activity names."""
    t = base_tables()
    t["customers"]["name"] = list(INJECTIONS[:3])
    t["customers"]["segment"] = list(INJECTIONS[3:6])
    t["transactions"]["product_id"] = t["transactions"]["product_id"].astype(object)
    t["transactions"].loc[0, "product_id"] = INJECTIONS[0]
    return Built(write_folder(root / "formula_injection", t), "report")


def impossible_dates(root: Path) -> Built:
    """Dates that no calendar holds: 30 February, 31 April, month 13, serial 0, year 99999."""
    t = base_tables()
    t["transactions"]["date"] = t["transactions"]["date"].astype(object)
    for i, bad in enumerate(["2024-02-30", "31.04.2024", "2024-13-01", "0", "99999-01-01"]):
        t["transactions"].loc[i, "date"] = bad
    return Built(write_folder(root / "impossible_dates", t), "report", "", (("transactions", "rejected"),))


#: Every case by name: the builder writes it under the folder given and returns it.
CASES: dict[str, Callable[[Path], Built]] = {
    "nonchar_csv": nonchar_csv,
    "nonchar_parquet": nonchar_parquet,
    "quoted_newline_csv": quoted_newline_csv,
    "malformed_sheet_xml": malformed_sheet_xml,
    "latin1_csv": latin1_csv,
    "cp1250_csv": cp1250_csv,
    "empty_transactions": empty_transactions,
    "wrong_width_rows": wrong_width_rows,
    "semicolon_decimal_comma": semicolon_decimal_comma,
    "header_only_transactions": header_only_transactions,
    "integer_customer_ids": integer_customer_ids,
    "list_net_revenue": list_net_revenue,
    "bool_net_revenue": bool_net_revenue,
    "many_bad_lines": many_bad_lines,
    "lying_dimension": lying_dimension,
    "emoji_segment": emoji_segment,
    "entity_expansion": entity_expansion,
    "zip_bomb": zip_bomb,
    "formula_injection": formula_injection,
    "impossible_dates": impossible_dates,
}


def xml_parts_parse(path: Path) -> list[str]:
    """The XML parts of the package ``path`` that do not parse (empty: every part is well-formed)."""
    from xml.etree import ElementTree

    bad = []
    with zipfile.ZipFile(path) as zf:
        for name in zf.namelist():
            if name.endswith((".xml", ".rels", ".vml")):
                try:
                    ElementTree.parse(io.BytesIO(zf.read(name)))
                except ElementTree.ParseError as exc:
                    bad.append(f"{name}: {exc}")
    return bad
