"""The command line under faults: interrupts, kills, a full disk, a read-only folder, a closed pipe,
and input files that change while they are read (issue 17, items 6-10).

Each fault is run against the real command in a subprocess, as a user meets it, and every case
asserts the same contract (README, *Exit codes*): the stated exit code, exactly one clear line
on stderr, no "Traceback" and no "Exception ignored", no temporary file left (neither the hidden
``.out-XXXXXXXX.xlsx`` next to the report nor openpyxl's sheet files in the temporary folder)
and the previous report untouched.

The input is the small dataset without a discount rate, so that no lifetime model is fitted
(they are not the point here, and fitting them takes seconds); everything else — reading,
analysing, the report writer, the save — is the real code. Faults are injected in the
subprocess by the bootstrap below: a pause at a chosen point so that a signal arrives there, a
file system that is full after a few bytes, or a folder in which no file may be created (root
ignores permissions, so the folder is made read-only with chmod only where that holds).
"""

from __future__ import annotations

import hashlib
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

import xlprofit
from tests.conftest import small_tables
from xlprofit.cli import EXIT_PIPE, main
from xlprofit.report.workbook import STALE_TEMPORARY_SECONDS, atomic_save, remove_stale_temporaries

posix_only = pytest.mark.skipif(os.name == "nt", reason="POSIX signals")

#: Runs ``xlprofit`` as the console script does (``sys.exit(main())``) after installing the faults
#: the environment asks for. Only test code: the faults stand in for a user and a machine.
BOOT = r"""
import builtins, errno, io, os, sys, time

env = os.environ
marks = env.get("XLP_TEST_MARKS")


def touch(name):
    if marks:
        open(os.path.join(marks, name), "w").close()


def pause(point):
    if env.get("XLP_TEST_PAUSE") == point:
        touch("paused")
        time.sleep(120)  # the test sends its signal now


import xlprofit

real_read = xlprofit.read


def read(*args, **kwargs):
    touch("read")
    return real_read(*args, **kwargs)


xlprofit.read = read
real_analyze = xlprofit.analyze


def analyze(*args, **kwargs):
    touch("analysed")
    pause("analysis")
    return real_analyze(*args, **kwargs)


xlprofit.analyze = analyze

if env.get("XLP_TEST_PAUSE") == "save":  # a pause after the third part of the package is written
    import zipfile

    real_writestr, parts = zipfile.ZipFile.writestr, []

    def writestr(self, *args, **kwargs):
        parts.append(1)
        if len(parts) == 3:
            pause("save")
        return real_writestr(self, *args, **kwargs)

    zipfile.ZipFile.writestr = writestr


def inside(path, folder):
    try:
        return os.path.dirname(os.path.realpath(os.fspath(path))) == folder
    except TypeError:  # a file descriptor
        return False


real_open, real_os_open = io.open, os.open
if env.get("XLP_TEST_FULL"):  # the disk of this folder is full after a few bytes
    full, budget = os.path.realpath(env["XLP_TEST_FULL"]), 2000

    class FullFile(io.FileIO):
        def write(self, data):
            if self.tell() + len(data) > budget:
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
            return super().write(data)

    def open_full(file, mode="r", *args, **kwargs):
        if "b" in mode and any(c in mode for c in "wax+") and inside(file, full):
            raw = FullFile(file, mode)
            return io.BufferedRandom(raw) if "+" in mode else io.BufferedWriter(raw)
        return real_open(file, mode, *args, **kwargs)

    builtins.open = io.open = open_full

if env.get("XLP_TEST_READONLY"):  # no file may be created in this folder
    readonly = os.path.realpath(env["XLP_TEST_READONLY"])

    def refuse(path):
        return PermissionError(errno.EACCES, os.strerror(errno.EACCES), os.fspath(path))

    def os_open_readonly(path, flags, *args, **kwargs):
        if flags & (os.O_CREAT | os.O_WRONLY | os.O_RDWR) and inside(path, readonly):
            raise refuse(path)
        return real_os_open(path, flags, *args, **kwargs)

    def open_readonly(file, mode="r", *args, **kwargs):
        if any(c in mode for c in "wax+") and inside(file, readonly):
            raise refuse(file)
        return real_open(file, mode, *args, **kwargs)

    os.open = os_open_readonly
    builtins.open = io.open = open_readonly

if env.get("XLP_TEST_LIBRARY"):  # the Python API instead of the command: write_report(analyze(read(folder)), out)
    folder, out = sys.argv[1:3]
    xlprofit.write_report(xlprofit.analyze(xlprofit.read(folder, engine="pandas")), out)
    sys.exit(0)

from xlprofit.cli import main

sys.exit(main())
"""

OLD_REPORT = b"the report of last month"


def _input_folder(folder: Path) -> Path:
    """The small dataset as CSV files, without a discount rate: analysed in a fraction of a second."""
    folder.mkdir()
    tables = small_tables()
    del tables["parameters"]["discount_rate"]
    for name in ("customers", "transactions", "activities", "resources", "usage"):
        tables[name].to_csv(folder / f"{name}.csv", index=False)
    pd.DataFrame(list(tables["parameters"].items()), columns=["name", "value"]).to_csv(
        folder / "parameters.csv", index=False)
    return folder


class Run:
    """A subprocess of ``xlprofit`` with its own temporary folder and marks."""

    def __init__(self, tmp_path: Path, args: list[str], **env: str) -> None:
        self.temp = tmp_path / "system-temp"  # openpyxl streams each sheet into a file here
        self.marks = tmp_path / "marks"
        self.temp.mkdir()
        self.marks.mkdir()
        environ = {**os.environ, "TMPDIR": str(self.temp), "TEMP": str(self.temp), "TMP": str(self.temp),
                   "XLP_TEST_MARKS": str(self.marks), **env}
        self.proc = subprocess.Popen([sys.executable, "-c", BOOT, *args], stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True, env=environ,
                                     cwd=Path(__file__).resolve().parents[1])

    def wait_for(self, mark: str, timeout: float = 60) -> None:
        end = time.monotonic() + timeout
        while not (self.marks / mark).exists():
            if self.proc.poll() is not None:
                out, err = self.proc.communicate()
                pytest.fail(f"xlprofit ended ({self.proc.returncode}) before '{mark}':\n{out}\n{err}")
            if time.monotonic() > end:
                self.proc.kill()
                pytest.fail(f"xlprofit did not reach '{mark}' in {timeout} s")
            time.sleep(0.05)

    def finish(self, timeout: float = 60) -> tuple[int, str, str]:
        try:
            out, err = self.proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            out, err = self.proc.communicate()
            pytest.fail(f"xlprofit did not end in {timeout} s:\n{err}")
        return self.proc.returncode, out, err

    def marked(self, mark: str) -> bool:
        return (self.marks / mark).exists()


def _one_clear_line(err: str, pattern: str) -> str:
    assert "Traceback" not in err and "Exception ignored" not in err, err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    assert re.fullmatch(pattern, lines[0]), lines[0]
    return lines[0]


def _leftovers(run: Run, folder: Path) -> list[str]:
    """Temporary files left: hidden files next to the report, anything in the temporary folder."""
    return sorted([p.name for p in folder.iterdir() if p.name.startswith(".")] +
                  [p.name for p in run.temp.iterdir()])


# ----------------------------------------------------------------------------------------- 6 and 8


@posix_only
@pytest.mark.parametrize(("signum", "point", "code", "said"), [
    (signal.SIGINT, "analysis", 130, "interrupted"),      # Ctrl-C while analysing
    (signal.SIGINT, "save", 130, "interrupted"),          # Ctrl-C while the package is written
    (signal.SIGTERM, "save", 143, "stopped by SIGTERM"),  # a kill (timeout, shutdown) while saving
])
def test_a_signal_ends_in_one_line_and_leaves_no_temporary_file(tmp_path, signum, point, code, said):
    # Before the fix: Ctrl-C printed a KeyboardInterrupt traceback; SIGTERM during the save killed
    # the process at once and left the hidden .out-XXXXXXXX.xlsx and openpyxl's sheet files.
    folder = _input_folder(tmp_path / "in")
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    out = out_dir / "out.xlsx"
    out.write_bytes(OLD_REPORT)
    run = Run(tmp_path, ["report", str(folder), "-o", str(out), "--engine", "pandas"],
              XLP_TEST_PAUSE=point)
    run.wait_for("paused")
    if point == "save":  # the temporary file exists: the signal really lands in the middle of the save
        assert [p.name for p in out_dir.iterdir() if p.name.startswith(".out-")]
    run.proc.send_signal(signum)
    returncode, stdout, err = run.finish()
    assert returncode == code, err
    _one_clear_line(err, rf"xlprofit: {said}; nothing written \('.*out\.xlsx' is left as it was\)")
    assert stdout == ""
    assert _leftovers(run, out_dir) == []
    assert out.read_bytes() == OLD_REPORT


def test_the_command_catches_ctrl_c_from_its_first_moment():
    # Before: importing the command imported xlprofit's API with pandas, SciPy and the analysis
    # (1.5 s) before main() could take over Ctrl-C, and a Ctrl-C then ended in a traceback. The
    # command's module now loads in milliseconds; every heavy import happens inside main().
    heavy = ("pandas", "numpy", "scipy", "openpyxl", "duckdb", "xlprofit.core.analysis", "xlprofit.io")
    code = f"import sys, xlprofit.cli; print([m for m in {heavy!r} if m in sys.modules])"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


@posix_only
def test_a_signal_caught_in_a_finaliser_still_stops_the_command(monkeypatch, capsys):
    # A signal whose handler runs inside a __del__ raises where nothing can catch it: Python printed
    # "Exception ignored … KeyboardInterrupt" and the command went on to exit 0 (seen once in a
    # series of kills at the end of a save: in tqdm.__del__).
    import xlprofit.cli as cli

    class Finalised:
        def __del__(self) -> None:
            signal.raise_signal(signal.SIGTERM)  # the handler runs here, in the finaliser

    def command(args) -> int:
        Finalised()
        for _ in range(200):  # ordinary work, where the signal must arrive again
            time.sleep(0.01)
        return 0

    monkeypatch.setattr(cli, "_cmd_functions", command)
    assert main(["functions"]) == 143
    assert capsys.readouterr().err == "xlprofit: stopped by SIGTERM\n"


@posix_only
def test_sigterm_while_the_python_api_saves_removes_the_temporary_file(tmp_path):
    # write_report in a program that left SIGTERM at its default: the program still ends by the
    # signal (as before), but the save removes its temporary file first.
    folder = _input_folder(tmp_path / "in")
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    out = out_dir / "out.xlsx"
    out.write_bytes(OLD_REPORT)
    run = Run(tmp_path, [str(folder), str(out)], XLP_TEST_LIBRARY="1", XLP_TEST_PAUSE="save")
    run.wait_for("paused")
    run.proc.send_signal(signal.SIGTERM)
    returncode, stdout, err = run.finish()
    assert returncode == -signal.SIGTERM, err
    assert err == ""
    assert _leftovers(run, out_dir) == []
    assert out.read_bytes() == OLD_REPORT


# ----------------------------------------------------------------------------------------------- 7


def test_a_full_disk_is_one_message_and_the_old_report_stays(tmp_path):
    # Before the fix: the right message, then "Exception ignored in: <function ZipFile.__del__>"
    # (the failed archive finalised later) and the sheets' "I/O operation on closed file".
    folder = _input_folder(tmp_path / "in")
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    out = out_dir / "out.xlsx"
    out.write_bytes(OLD_REPORT)
    run = Run(tmp_path, ["report", str(folder), "-o", str(out), "--engine", "pandas"],
              XLP_TEST_FULL=str(out_dir))
    returncode, stdout, err = run.finish()
    assert returncode == 1, err
    _one_clear_line(err, r"xlprofit: cannot write '.*out\.xlsx': No space left on device; it is left as it was")
    assert _leftovers(run, out_dir) == []
    assert out.read_bytes() == OLD_REPORT


def test_a_read_only_folder_is_refused_before_the_analysis(tmp_path):
    # Before the fix: the folder was tried only once the analysis was done, and the message was
    # followed by 13 "Exception ignored … I/O operation on closed file" (the sheets' streams).
    folder = _input_folder(tmp_path / "in")
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    out = out_dir / "out.xlsx"
    out.write_bytes(OLD_REPORT)
    out_dir.chmod(0o555)
    try:
        # root (and some CI containers) write in read-only folders: refuse the writes in the subprocess instead
        env = {} if not os.access(out_dir, os.W_OK) else {"XLP_TEST_READONLY": str(out_dir)}
        run = Run(tmp_path, ["report", str(folder), "-o", str(out), "--engine", "pandas"], **env)
        returncode, stdout, err = run.finish()
    finally:
        out_dir.chmod(0o755)
    assert returncode == 1, err
    _one_clear_line(err, r"xlprofit: cannot write '.*out\.xlsx': no file can be created in folder '.*out' "
                         r"\(Permission denied\)")
    assert not run.marked("read") and not run.marked("analysed")
    assert _leftovers(run, out_dir) == []
    assert out.read_bytes() == OLD_REPORT


# ----------------------------------------------------------------------------------------------- 8


def test_the_save_is_flushed_to_disk_before_the_rename(tmp_path, monkeypatch):
    # Before the fix there was no fsync: a power cut after the rename could leave an empty report.
    calls: list[str] = []
    real_fsync, real_replace = os.fsync, os.replace
    monkeypatch.setattr(os, "fsync", lambda fd: (calls.append("fsync"), real_fsync(fd))[1])
    monkeypatch.setattr(os, "replace", lambda a, b: (calls.append("replace"), real_replace(a, b))[1])
    target = tmp_path / "r.xlsx"
    atomic_save(lambda p: p.write_bytes(b"new"), target)
    assert target.read_bytes() == b"new"
    assert calls[:2] == ["fsync", "replace"]  # the file's data, then the rename
    if os.name != "nt":
        assert calls[2:] == ["fsync"]  # then the folder's entry


def test_a_killed_saves_leftover_is_removed_by_the_next_save(tmp_path):
    # SIGKILL cannot be handled: the next save of the same file removes what it left, once stale.
    old = time.time() - STALE_TEMPORARY_SECONDS - 60
    stale = tmp_path / ".r-ab3_k9zq.xlsx"
    fresh = tmp_path / ".r-zz9_00aa.xlsx"  # another save may be running right now: kept
    others = [tmp_path / ".r-ab3_k9zq.xlsx.bak", tmp_path / ".report-ab3_k9zq.xlsx", tmp_path / "r-ab3_k9zq.xlsx",
              tmp_path / ".r-AB3_K9ZQ.xlsx", tmp_path / ".r-ab3_k9z.xlsx"]  # not our pattern: kept
    for path in [stale, fresh, *others]:
        path.write_bytes(b"partial")
        if path is not fresh:
            os.utime(path, (old, old))
    (tmp_path / ".r-0000_dir.xlsx").mkdir()  # not a file: kept
    os.utime(tmp_path / ".r-0000_dir.xlsx", (old, old))
    atomic_save(lambda p: p.write_bytes(b"new"), tmp_path / "r.xlsx")
    assert not stale.exists()
    assert fresh.exists() and all(p.exists() for p in others) and (tmp_path / ".r-0000_dir.xlsx").is_dir()
    assert remove_stale_temporaries(tmp_path / "r.xlsx") == []
    assert (tmp_path / "r.xlsx").read_bytes() == b"new"


# ---------------------------------------------------------------------------------------------- 10


@posix_only
def test_a_closed_pipe_stops_validate_quietly(tmp_path):
    # `xlprofit validate … | head`: before the fix, "Exception ignored … BrokenPipeError" and exit 120.
    folder = _input_folder(tmp_path / "in")
    tx = pd.read_csv(folder / "transactions.csv", dtype=str)
    tx.loc[0, "net_revenue"] = "lots"  # a problem to list
    tx.to_csv(folder / "transactions.csv", index=False)
    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader has gone before the first line is written
    try:
        proc = subprocess.run([sys.executable, "-c", BOOT, "validate", str(folder), "--engine", "pandas"],
                              stdout=write_end, stderr=subprocess.PIPE, text=True, timeout=120)
    finally:
        os.close(write_end)
    assert proc.returncode == EXIT_PIPE == 141, proc.stderr
    assert proc.stderr == ""


# ----------------------------------------------------------------------------------------------- 9


def _replace_after(monkeypatch, module, name: str, path: Path, content: bytes) -> None:
    """Make ``module.name`` (a parser) replace ``path`` with ``content`` once it has parsed it."""
    real = getattr(module, name)

    def parse_then_replace(*args, **kwargs):
        result = real(*args, **kwargs)
        if path.exists() and path.read_bytes() != content:
            fresh = path.with_name(path.name + ".new")
            fresh.write_bytes(content)
            os.replace(fresh, path)  # how programs save: a new file renamed over the old
        return result

    monkeypatch.setattr(module, name, parse_then_replace)


def test_the_hash_of_a_csv_is_of_the_bytes_parsed(tmp_path, monkeypatch):
    # Before the fix the file was hashed after it was parsed: the hash named the replacement.
    folder = _input_folder(tmp_path / "in")
    read = (folder / "customers.csv").read_bytes()
    other = read.replace(b"Alpha AS", b"Omega AS")
    _replace_after(monkeypatch, pd, "read_csv", folder / "customers.csv", other)
    tables, _, sources = xlprofit.io.read_tables(folder)
    assert "Alpha AS" in set(tables["customers"]["name"])
    source = next(s for s in sources if s.table == "customers")
    assert source.sha256 == hashlib.sha256(read).hexdigest() != hashlib.sha256(other).hexdigest()


def test_the_hash_of_a_workbook_is_of_the_bytes_parsed(tmp_path, monkeypatch):
    book = tmp_path / "input.xlsx"
    wb = openpyxl.Workbook()
    wb.active.title = "customers"
    wb.active.append(["customer_id", "name"])
    wb.active.append(["A", "Alpha AS"])
    wb.save(book)
    read = book.read_bytes()
    wb["customers"]["B2"] = "Omega AS"
    wb.save(tmp_path / "other.xlsx")
    other = (tmp_path / "other.xlsx").read_bytes()
    _replace_after(monkeypatch, openpyxl, "load_workbook", book, other)
    tables, _, sources = xlprofit.io.read_tables(book)
    assert list(tables["customers"]["name"]) == ["Alpha AS"]
    assert sources[0].sha256 == hashlib.sha256(read).hexdigest() != hashlib.sha256(other).hexdigest()


@pytest.mark.parametrize("command", ["validate", "report"])
def test_a_file_changed_while_the_engine_reads_it_is_an_error(tmp_path, monkeypatch, capsys, command):
    # DuckDB reads transactions.csv and usage.csv during the work, after they were hashed: before
    # the fix a file rewritten in between gave a report whose hash named other data, exit 0.
    pytest.importorskip("duckdb")
    import xlprofit.cli as cli

    folder = _input_folder(tmp_path / "in")
    target = folder / "transactions.csv"

    def rewrite() -> None:
        tx = pd.read_csv(target, dtype=str)
        tx.loc[0, "net_revenue"] = "91"
        tx.to_csv(target, index=False)  # rewritten in place, as an export that is still running does

    if command == "validate":
        real = cli._line_problems
        monkeypatch.setattr(cli, "_line_problems", lambda ds: (rewrite(), real(ds))[1])
    else:
        real_analyze = xlprofit.analyze
        monkeypatch.setattr(xlprofit, "analyze", lambda ds, **kw: (rewrite(), real_analyze(ds, **kw))[1])
    out = tmp_path / "r.xlsx"
    args = [command, str(folder), "--engine", "duckdb"] + (["-o", str(out), "-q"] if command == "report" else [])
    assert main(args) == 1
    err = capsys.readouterr().err
    assert f"the file '{target}' changed while it was read" in err
    assert not out.exists()


def test_an_unchanged_folder_keeps_its_hashes(tmp_path):
    pytest.importorskip("duckdb")
    from xlprofit.files import check_unchanged

    folder = _input_folder(tmp_path / "in")
    ds = xlprofit.read(folder, engine="duckdb")
    hashes = {Path(s.path).name: s.sha256 for s in ds.sources}
    assert hashes == {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.iterdir()}
    check_unchanged(ds.sources)  # nothing changed: no error
