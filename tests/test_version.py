"""The version is said once: the installed package's metadata reports ``xlprofit.__version__``."""

from __future__ import annotations

from importlib import metadata

import xlprofit


def test_metadata_version_is_the_package_version():
    installed = metadata.version("xlprofit")
    assert installed == xlprofit.__version__, (
        f"the installed metadata says {installed}, the package {xlprofit.__version__}: reinstall (pip install -e .)")
