"""Dynamic-array (spill) metadata: what makes Excel 365 spill an array formula of a saved package.

A formula that returns an array to spill (:class:`~xlprofit.report._values.SpillFormula`) is
stored the way Excel 365 saves a dynamic-array formula: an array formula anchored at its own
cell (``<f t="array" ref="A5">``) whose ``<c>`` element carries ``cm="1"``: the (1-based)
cell-metadata record of the part ``xl/metadata.xml`` that gives the cell the dynamic-array
property ``XLDAPR`` (ECMA-376 Part 1, 18.3.1.4 and 18.9; the ``dynamicArrayProperties``
extension of [MS-XLSX]). openpyxl writes neither the attribute nor the part, so
:func:`add_spill_metadata` adds them to the saved package. Without them Excel 365 opens the
formula as a legacy one, ``=@XLP_…``, and shows a single value.
"""

from __future__ import annotations

import contextlib
import os
import posixpath
import re
import shutil
import tempfile
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Collection
from pathlib import Path

__all__ = ["METADATA_CONTENT_TYPE", "METADATA_PART", "METADATA_REL_TYPE", "add_spill_metadata"]

_MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
#: Relationship type and content type of the metadata part (ECMA-376 Part 1, 12.3.10).
METADATA_REL_TYPE = f"{_REL_NS}/sheetMetadata"
METADATA_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheetMetadata+xml"
METADATA_PART = "xl/metadata.xml"

#: One metadata type (XLDAPR), one future-metadata block with the dynamic-array property and one
#: cell-metadata record pointing at it: the record a spilling cell's ``cm="1"`` refers to.
_METADATA_XML = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    f'<metadata xmlns="{_MAIN_NS}" '
    'xmlns:xda="http://schemas.microsoft.com/office/spreadsheetml/2017/dynamicarray">'
    '<metadataTypes count="1"><metadataType name="XLDAPR" minSupportedVersion="120000" copy="1" '
    'pasteAll="1" pasteValues="1" merge="1" splitFirst="1" rowColShift="1" clearFormats="1" '
    'clearComments="1" assign="1" coerce="1" cellMeta="1"/></metadataTypes>'
    '<futureMetadata name="XLDAPR" count="1"><bk><extLst>'
    '<ext uri="{bdbb8cdc-fa1e-496e-a857-3c3f30c029c3}">'
    '<xda:dynamicArrayProperties fDynamic="1" fCollapsed="0"/></ext></extLst></bk></futureMetadata>'
    '<cellMetadata count="1"><bk><rc t="1" v="0"/></bk></cellMetadata>'
    '</metadata>'
).encode()

#: The start tag of a cell whose first child is an array formula (attribute values hold no ``>``).
_ARRAY_CELL = re.compile(rb'<c\b([^>]*)>(?=\s*<f\b[^>]*\bt="array")')


def _sheet_parts(zin: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name -> worksheet part (``xl/worksheets/sheet3.xml``) of a workbook package."""
    rels = ET.fromstring(zin.read("xl/_rels/workbook.xml.rels"))
    targets = {r.get("Id"): r.get("Target", "") for r in rels.iter(f"{{{_PKG_REL_NS}}}Relationship")}
    parts: dict[str, str] = {}
    for sheet in ET.fromstring(zin.read("xl/workbook.xml")).iter(f"{{{_MAIN_NS}}}sheet"):
        target = targets[sheet.get(f"{{{_REL_NS}}}id")]
        part = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join("xl", target))
        parts[sheet.get("name", "")] = part
    return parts


def _mark_array_cells(xml: bytes, sheet: str) -> bytes:
    """Add ``cm="1"`` to every cell of ``xml`` that holds an array formula."""
    def mark(match: re.Match[bytes]) -> bytes:
        attributes = match.group(1).rstrip(b"/")
        if b" cm=" in attributes:
            return match.group(0)
        return b"<c" + attributes + b' cm="1">'

    marked, n = _ARRAY_CELL.subn(mark, xml)
    if n == 0:
        raise ValueError(f"sheet '{sheet}' holds no array formula to mark as spilling")
    return marked


def _register_metadata(content_types: bytes, rels: bytes) -> tuple[bytes, bytes]:
    """``[Content_Types].xml`` and ``workbook.xml.rels`` with the metadata part registered once."""
    if b"/xl/metadata.xml" not in content_types:
        override = f'<Override PartName="/{METADATA_PART}" ContentType="{METADATA_CONTENT_TYPE}"/>'
        content_types = content_types.replace(b"</Types>", override.encode() + b"</Types>", 1)
    if METADATA_REL_TYPE.encode() not in rels:
        ids = {int(m) for m in re.findall(rb'Id="rId(\d+)"', rels)}
        rel = f'<Relationship Id="rId{max(ids, default=0) + 1}" Type="{METADATA_REL_TYPE}" Target="metadata.xml"/>'
        rels = rels.replace(b"</Relationships>", rel.encode() + b"</Relationships>", 1)
    return content_types, rels


def add_spill_metadata(path: str | os.PathLike[str], sheets: Collection[str]) -> None:
    """Make the array formulas of ``sheets`` in the saved workbook ``path`` dynamic-array formulas.

    Adds the part ``xl/metadata.xml`` (registered in ``[Content_Types].xml`` and the workbook's
    relationships) and ``cm="1"`` on every cell of those sheets that holds an array formula,
    which :func:`~xlprofit.report._openpyxl_private.set_value` writes for
    :class:`~xlprofit.report._values.SpillFormula` only. The package is rewritten part by part
    through a temporary file next to it, so a large data sheet is never held in memory; the
    other parts are copied unchanged.

    Parameters
    ----------
    path:
        An ``.xlsx`` package written by openpyxl; rewritten in place.
    sheets:
        Names of the sheets holding spill formulas. Nothing is changed when empty.

    Raises
    ------
    ValueError
        If a sheet is not in the workbook or holds no array formula.
    """
    if not sheets:
        return
    source = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{source.stem}-", suffix=".xlsx", dir=source.parent)
    os.close(fd)
    try:
        with zipfile.ZipFile(source) as zin, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zout:
            parts = _sheet_parts(zin)
            missing = sorted(set(sheets) - set(parts))
            if missing:
                raise ValueError(f"no sheet named {', '.join(repr(m) for m in missing)} in '{source}'")
            targets = {parts[s]: s for s in sheets}
            content_types, rels = _register_metadata(zin.read("[Content_Types].xml"),
                                                     zin.read("xl/_rels/workbook.xml.rels"))
            changed = {"[Content_Types].xml": content_types, "xl/_rels/workbook.xml.rels": rels}
            for info in zin.infolist():
                if info.filename == METADATA_PART:
                    continue  # written anew below
                out = zipfile.ZipInfo(info.filename, info.date_time)
                out.compress_type = zipfile.ZIP_DEFLATED
                if info.filename in targets:
                    zout.writestr(out, _mark_array_cells(zin.read(info), targets[info.filename]))
                elif info.filename in changed:
                    zout.writestr(out, changed[info.filename])
                else:
                    with zin.open(info) as src, zout.open(out, "w") as dst:
                        shutil.copyfileobj(src, dst, 1 << 20)
            meta = zipfile.ZipInfo(METADATA_PART, zin.getinfo("xl/workbook.xml").date_time)
            meta.compress_type = zipfile.ZIP_DEFLATED
            zout.writestr(meta, _METADATA_XML)
        os.replace(tmp, source)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
