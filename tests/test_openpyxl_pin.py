"""The installed openpyxl is one the report writer was checked against.

``xlprofit/report/_openpyxl_private.py`` subclasses openpyxl's private write-only worksheet and
uses a few other private names (listed in its docstring). They may change in any openpyxl
release, so the module states the versions it was checked against (``VALIDATED_OPENPYXL``),
pyproject.toml pins the same range, and these tests fail, with what to do, when the installed
openpyxl is outside it.
"""

from __future__ import annotations

import tomllib
from importlib.metadata import version
from pathlib import Path

from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.version import Version

from xlprofit.report._openpyxl_private import VALIDATED_OPENPYXL

ROOT = Path(__file__).resolve().parents[1]


def _pinned() -> SpecifierSet:
    """The openpyxl requirement of pyproject.toml's dependencies."""
    dependencies = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["dependencies"]
    found = [Requirement(d) for d in dependencies if Requirement(d).name.lower() == "openpyxl"]
    assert len(found) == 1, f"pyproject.toml should list openpyxl once among its dependencies; found {found}"
    return found[0].specifier


def test_pyproject_pins_the_validated_openpyxl_range():
    pinned = _pinned()
    assert any(s.operator in ("<", "<=", "==", "~=") for s in pinned), (
        f"pyproject.toml requires openpyxl{pinned} without an upper bound, but "
        "xlprofit/report/_openpyxl_private.py relies on openpyxl's private API; pin the range it was "
        f"checked against ({VALIDATED_OPENPYXL})")
    assert pinned == SpecifierSet(VALIDATED_OPENPYXL), (
        f"pyproject.toml requires openpyxl{pinned}, but xlprofit/report/_openpyxl_private.py was checked "
        f"against openpyxl{VALIDATED_OPENPYXL} (VALIDATED_OPENPYXL); make the two agree, after checking "
        "the module against every version the pin admits")


def test_installed_openpyxl_is_in_the_validated_range():
    installed = Version(version("openpyxl"))
    assert installed in SpecifierSet(VALIDATED_OPENPYXL), (
        f"openpyxl {installed} is installed, but xlprofit/report/_openpyxl_private.py (a subclass of "
        f"openpyxl.worksheet._write_only.WriteOnlyWorksheet) was checked against openpyxl{VALIDATED_OPENPYXL} "
        "only. Install a version in that range (pip install 'openpyxl" + VALIDATED_OPENPYXL + "'), or check "
        "the module against this version (its docstring lists the private names it uses; run "
        "tests/test_workbooks.py and tests/test_spill.py) and then widen VALIDATED_OPENPYXL and "
        "pyproject.toml's pin together")
