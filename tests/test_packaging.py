"""The wheel users install: pure Python, with its data, and importable where only Pyodide's packages exist.

xlwings Lite runs Python in Pyodide and installs a package from a wheel URL through micropip,
which takes a dependency from Pyodide's own builds or as a pure-Python wheel from PyPI. The
wheel is built here from the checkout without network access (``--no-build-isolation``: the
build backend comes from the ``test`` extra).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import zipfile
from email.parser import Parser
from importlib import metadata
from pathlib import Path

import pytest
from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

pytestmark = pytest.mark.slow  # one wheel build and one interpreter start, a few seconds together

REPO = Path(__file__).resolve().parents[1]

#: Native-only dependencies, left out under Pyodide by the marker ``sys_platform != "emscripten"``
#: (xlwings Lite brings its own xlwings; DuckDB and PyArrow serve only the large-ledger engines).
NATIVE_ONLY = frozenset({"xlwings", "duckdb", "pyarrow"})
NATIVE_ONLY_MARKER = 'sys_platform != "emscripten"'

#: Dependencies that Pyodide builds itself: each has a recipe in pyodide/pyodide-recipes
#: (``packages/<name>/meta.yaml``), so micropip installs Pyodide's build and Pyodide resolves
#: their own dependencies. Every other dependency must be pure Python (checked below).
PROVIDED_BY_PYODIDE = frozenset({"numpy", "pandas", "scipy", "tqdm"})

COMPILED_SUFFIXES = (".so", ".pyd", ".dll", ".dylib")

#: Setuptools that reads ``license = "MIT"`` (PEP 639 license expressions, setuptools 77).
SETUPTOOLS_MIN = 77

#: Where Pyodide runs (the values its interpreter reports for the environment markers).
EMSCRIPTEN = {**default_environment(), "sys_platform": "emscripten", "platform_system": "Emscripten",
              "os_name": "posix", "platform_machine": "wasm32", "extra": ""}


def _not_build_output(folder: str, names: list[str]) -> set[str]:
    junk = {".git", "build", "dist", "__pycache__", ".pytest_cache", ".hypothesis", ".ruff_cache", ".benchmarks"}
    return {n for n in names if n in junk or n.startswith(".venv") or n.endswith(".egg-info")}


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    major = int(metadata.version("setuptools").split(".")[0])
    if major < SETUPTOOLS_MIN:
        pytest.fail(f"building the wheel offline needs setuptools>={SETUPTOOLS_MIN} (pip install -e '.[test]'); "
                    f"found {metadata.version('setuptools')}")
    # A copy, so that the build leaves no build/ or egg-info behind in the checkout.
    source = tmp_path_factory.mktemp("source") / "xlprofit"
    shutil.copytree(REPO, source, ignore=_not_build_output)
    out = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", str(source), "--no-deps", "--no-build-isolation", "--no-index",
         "--disable-pip-version-check", "-q", "-w", str(out)],
        check=True, capture_output=True, text=True, timeout=120,
    )
    (built,) = out.glob("xlprofit-*.whl")
    return built


def _read(whl: zipfile.ZipFile, name: str) -> str:
    (path,) = [n for n in whl.namelist() if n.endswith(f".dist-info/{name}")]
    return whl.read(path).decode()


def test_wheel_is_pure_python_and_carries_its_data(wheel):
    assert wheel.name.endswith("-py3-none-any.whl"), wheel.name
    with zipfile.ZipFile(wheel) as whl:
        names = set(whl.namelist())
        tags = Parser().parsestr(_read(whl, "WHEEL"))
    assert tags["Root-Is-Purelib"] == "true"
    assert tags.get_all("Tag") == ["py3-none-any"]
    assert not [n for n in names if n.endswith(COMPILED_SUFFIXES)]
    demo = {f"xlprofit/data/demo/{p.name}" for p in (REPO / "xlprofit" / "data" / "demo").iterdir() if p.is_file()}
    assert demo and demo <= names, sorted(demo - names)
    assert "xlprofit/py.typed" in names
    assert "xlprofit/excel/udfs.py" in names


def _requirements(requires: list[str] | None, environment: dict[str, str]) -> list[Requirement]:
    reqs = [Requirement(r) for r in requires or ()]
    return [r for r in reqs if r.marker is None or r.marker.evaluate(environment)]


def _compiled_files(dist: metadata.Distribution) -> list[str]:
    return [str(f) for f in dist.files or () if str(f).endswith(COMPILED_SUFFIXES)]


def _requires_dist(wheel: Path) -> list[str]:
    with zipfile.ZipFile(wheel) as whl:
        return Parser().parsestr(_read(whl, "METADATA")).get_all("Requires-Dist")


def _pyodide_installs(requires: list[str]) -> tuple[set[str], set[str]]:
    """What micropip installs for the wheel: (Pyodide's builds, pure-Python wheels from PyPI).

    Pyodide's builds end the walk; everything else must be pure Python as installed here (its
    wheel says purelib and its RECORD holds no binary), and its own dependencies are walked.
    """
    pending = [canonicalize_name(r.name) for r in _requirements(requires, EMSCRIPTEN)]
    provided: set[str] = set()
    pure: set[str] = set()
    while pending:
        name = pending.pop()
        if name in PROVIDED_BY_PYODIDE:
            provided.add(name)
            continue
        if name in pure:
            continue
        dist = metadata.distribution(name)
        purelib = Parser().parsestr(dist.read_text("WHEEL") or "")["Root-Is-Purelib"]
        assert purelib == "true" and not _compiled_files(dist), f"{name} is not pure Python; Pyodide cannot install it"
        pure.add(name)
        pending += [canonicalize_name(r.name) for r in _requirements(dist.requires, EMSCRIPTEN)]
    return provided, pure


def test_every_dependency_installs_under_pyodide(wheel):
    requires = _requires_dist(wheel)
    here = {**default_environment(), "extra": ""}
    runtime = {canonicalize_name(r.name): r for r in _requirements(requires, here)}
    for name in NATIVE_ONLY:
        assert name in runtime, f"{name} is no longer a dependency; update NATIVE_ONLY"
        assert str(runtime[name].marker) == NATIVE_ONLY_MARKER, runtime[name]
    provided, pure = _pyodide_installs(requires)
    assert not NATIVE_ONLY & (provided | pure)
    assert provided == PROVIDED_BY_PYODIDE
    assert pure >= {"openpyxl", "et-xmlfile", "defusedxml"}


@pytest.mark.parametrize("doc", ["README.md", "docs/excel.md"])
def test_install_steps_name_the_wheel_and_what_comes_with_it(wheel, doc):
    text = (REPO / doc).read_text(encoding="utf-8")
    assert set(re.findall(r"xlprofit-[\w.+!]+-py3-none-any\.whl", text)) == {wheel.name}
    provided, pure = _pyodide_installs(_requires_dist(wheel))
    unnamed = sorted(n for n in provided | pure | NATIVE_ONLY if n.lower() not in text.lower())
    assert not unnamed, f"{doc} does not say how these come to xlwings Lite: {unnamed}"


# Run in a fresh interpreter (-I: no checkout, no PYTHONPATH, no user site) with the unpacked
# wheel first on sys.path and the native-only packages made unimportable, as under Pyodide.
PYODIDE_LIKE = """
import importlib.abc, json, sys
site, blocked = sys.argv[1], set(sys.argv[2].split(","))

class NotInPyodide(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] in blocked:
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None

sys.meta_path.insert(0, NotInPyodide())
sys.path.insert(0, site)

import xlprofit
import xlprofit.excel.udfs as udfs
from xlprofit.excel.catalogue import by_name

clv = udfs.XLP_CLV(0.1, 100, 0.8)
result = xlprofit.analyze(xlprofit.load_demo())
print(json.dumps({
    "clv": clv,
    "missing": sorted(set(by_name()) - set(udfs.__all__)),
    "customers": len(result.customers),
    "checks_hold": bool(result.checks_hold),
    "outside": sorted(m.__name__ for m in list(sys.modules.values())
                      if m.__name__.partition(".")[0] == "xlprofit"
                      and not (getattr(m, "__file__", None) or "").startswith(site)),
    "native": sorted(m for m in sys.modules if m.partition(".")[0] in blocked),
    "path": sys.path,
}))
"""


def test_wheel_works_without_the_native_only_packages(wheel, tmp_path):
    site = tmp_path / "site"
    with zipfile.ZipFile(wheel) as whl:
        whl.extractall(site)
    done = subprocess.run(
        [sys.executable, "-I", "-c", PYODIDE_LIKE, str(site), ",".join(sorted(NATIVE_ONLY))],
        cwd=tmp_path, capture_output=True, text=True, timeout=120,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    got = json.loads(done.stdout.strip().splitlines()[-1])
    assert REPO not in {Path(p).resolve() for p in got["path"] if p}
    assert got["outside"] == []  # every xlprofit module came from the wheel
    assert got["native"] == []
    assert got["missing"] == []
    # Retention formula m·r/(1 + i − r) (Gupta & Lehmann 2003, "Customers as Assets"):
    # 100 · 0.8 / (1 + 0.1 − 0.8) = 800/3; a handful of float operations, hence rel=1e-12.
    assert got["clv"] == pytest.approx(800 / 3, rel=1e-12)
    assert got["customers"] == 300  # the demo distributor's 300 customers
    assert got["checks_hold"]
