"""DuckDB's default working memory comes from the machine, not a fixed 1 GB (issue 19)."""

from __future__ import annotations

import pytest

from xlprofit.engines import duckdb as engine


def test_the_default_is_a_share_of_the_memory_available(monkeypatch):
    monkeypatch.delenv(engine.MEMORY_LIMIT_VARIABLE, raising=False)
    monkeypatch.setattr(engine, "_memory_available", lambda: 24 * 2**30)
    assert engine.default_memory_limit() == f"{int(24 * 1024 * engine.MEMORY_SHARE)}MB"  # 3 GB of 24
    monkeypatch.setattr(engine, "_memory_available", lambda: 4 * 2**30)
    assert engine.default_memory_limit() == "1024MB"  # never below 1 GB
    monkeypatch.setattr(engine, "_memory_available", lambda: None)
    assert engine.default_memory_limit() == "1GB"  # where the machine cannot tell


def test_the_environment_variable_sets_it(monkeypatch, tmp_path):
    monkeypatch.setenv(engine.MEMORY_LIMIT_VARIABLE, "700MB")
    assert engine.default_memory_limit() == "700MB"
    (tmp_path / "t.csv").write_text("date,customer_id,net_revenue\n2024-01-01,A,1\n", encoding="utf-8")
    lines = engine.DuckDBLines(tmp_path / "t.csv")
    try:
        limit = lines.con.execute("SELECT current_setting('memory_limit')").fetchone()[0]
    finally:
        lines.close()
    assert limit == "667.5 MiB", limit  # DuckDB shows 700 MB (10^6 bytes) in MiB


def test_the_memory_available_is_known_here():
    available = engine._memory_available()
    if available is None:
        pytest.skip("no POSIX sysconf")
    assert available > 2**28
