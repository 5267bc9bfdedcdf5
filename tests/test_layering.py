"""Imports point one way: the core never imports the Excel or workbook layers."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import xlprofit

PACKAGE = Path(xlprofit.__file__).parent
FORBIDDEN_IN_CORE = {"xlwings", "openpyxl"}
LAYERS_ABOVE_CORE = {"xlprofit.excel", "xlprofit.report", "xlprofit.cli", "xlprofit.io"}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_core_sources_import_neither_xlwings_nor_openpyxl_nor_upper_layers():
    files = sorted((PACKAGE / "core").rglob("*.py"))
    assert len(files) >= 8
    for path in files:
        for name in _imports(path):
            top = name.split(".")[0]
            assert top not in FORBIDDEN_IN_CORE, f"{path.relative_to(PACKAGE)} imports {name}"
            assert not any(name == layer or name.startswith(layer + ".") for layer in LAYERS_ABOVE_CORE), (
                f"{path.relative_to(PACKAGE)} imports {name}")


def test_importing_and_running_the_core_loads_neither():
    code = (
        "import sys\n"
        "from tests.conftest import small_tables\n"
        "from xlprofit.core.dataset import Dataset\n"
        "from xlprofit.core.analysis import analyze\n"
        "analyze(Dataset(**small_tables()))\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('xlwings', 'openpyxl'))\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=PACKAGE.parent)
    assert out.stdout.strip() == ""


def test_only_report_and_io_import_openpyxl_and_only_excel_imports_xlwings():
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE).as_posix()
        names = {n.split(".")[0] for n in _imports(path)}
        if "openpyxl" in names:
            assert rel.startswith("report/") or rel == "io.py", rel
        if "xlwings" in names:
            assert rel.startswith("excel/"), rel
