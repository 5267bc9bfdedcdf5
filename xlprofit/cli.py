"""The ``xlprofit`` command.

Exit codes (README, *Exit codes*): 0 ok; 1 bad input or an output that cannot be written (the
message lists the problems); 2 usage errors; 128 + the signal's number when a signal stopped
the run — 130 Ctrl-C (SIGINT), 143 SIGTERM, 129 SIGHUP — and 141 when the reader of the output
went away (a closed pipe, SIGPIPE: ``xlprofit validate … | head``). A stopped run says so in
one line, removes its temporary files and leaves the file it was writing as it was.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import sys
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from types import FrameType
from typing import Any

from xlprofit._version import __version__
from xlprofit.errors import InputError, OutputError, ValidationError, XlprofitError

EXIT_OK, EXIT_INPUT, EXIT_USAGE = 0, 1, 2
#: A run stopped by a signal exits with 128 + its number (the shells' convention: 130 for Ctrl-C).
EXIT_SIGNAL = 128
#: The reader of the output went away (``| head``): 128 + SIGPIPE (13), as ``yes | head`` gives.
EXIT_PIPE = EXIT_SIGNAL + 13
ENGINES = ("auto", "pandas", "duckdb", "spark")


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # usage errors exit 2 with a short hint
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")


def _overrides(pairs: Sequence[str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise argparse.ArgumentTypeError(f"--set takes NAME=VALUE; got {pair!r}")
        out[name.strip()] = value.strip()
    return out


def _load(path: str | None, engine: str = "auto", encoding: str | None = None, delimiter: str | None = None) -> Any:
    import xlprofit

    return xlprofit.load_demo() if path is None else xlprofit.read(path, engine=engine, encoding=encoding,
                                                                   delimiter=delimiter)


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.exists() and b.exists() and os.path.samefile(a, b)
    except OSError:
        return False


def _cmd_report(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    import xlprofit
    from xlprofit.files import check_unchanged
    from xlprofit.report import REPORT_SHEETS, report_sheets
    from xlprofit.report.workbook import check_tables_folder, check_target, table_mode, tables_folder

    out = _xlsx_output(args.output)
    if args.input is not None:
        src = Path(args.input)
        if _same_file(src, out) or (src.is_dir() and out.resolve().parent == src.resolve()
                                    and out.stem in {"customers", "transactions", "activities"}):
            raise OutputError(f"refusing to write the report over the input '{args.input}'")
    check_target(out)  # a folder that cannot be written is found now, not after the analysis
    if args.tables in ("parquet", "csv"):  # "auto" knows only after the analysis whether it writes them
        check_tables_folder(out)
    overrides = _overrides(args.set or [])
    steps = ["read", "analyse", *REPORT_SHEETS, "save"]
    with tqdm(total=len(steps), desc="xlprofit", unit="step", disable=args.quiet or None,
              bar_format="{desc}: {n}/{total} {bar}{postfix}", file=sys.stderr) as bar:
        try:
            bar.set_postfix_str("reading input")
            ds = _load(args.input, args.engine, args.encoding, args.delimiter)
            bar.update()
            bar.set_postfix_str("analysing")
            try:
                result = xlprofit.analyze(ds, products=args.product or None, allow_incomplete=args.allow_incomplete,
                                          progress=lambda stage: bar.set_postfix_str(f"analysing: {stage}"),
                                          **overrides)
            except ValidationError as exc:
                from xlprofit.core.reconciliation import rejected_cost_pools

                if args.allow_incomplete or not len(rejected_cost_pools(ds)):
                    raise
                bar.close()
                print(f"xlprofit: {exc}\n{_INCOMPLETE_HINT}", file=sys.stderr)
                return EXIT_INPUT
            check_unchanged(ds.sources)  # the files an engine read are those whose hashes the report shows
            scenarios = _scenarios(args, ds, result, overrides, bar)
            bar.update()
            # a sheet more for millions of customers, and one for scenarios
            bar.total = len(steps) - len(REPORT_SHEETS) + len(report_sheets(result, scenarios, args.tables))
            bar.refresh()

            def progress(sheet: str) -> None:
                bar.set_postfix_str(f"sheet {sheet}")
                bar.update()

            xlprofit.write_report(result, out, progress=progress, scenarios=scenarios, language=args.language,
                                  tables=args.tables)
            args.written = out
            bar.update()
        except BaseException:
            bar.leave = False  # the message replaces the bar
            raise
    failing = result.reconciliation[~result.reconciliation["holds"]]
    customers = len(result.customers)
    losers = int((result.customers["profit"] < 0).sum())
    mode = table_mode(result, args.tables)
    beside = "" if mode == "workbook" else f" and its tables in {tables_folder(out)}{os.sep} ({mode})"
    print(f"wrote {out}{beside} — {customers:,} customers, {losers:,} unprofitable, "
          f"{len(result.exceptions)} exception(s), "
          f"{len(result.reconciliation) - len(failing)}/{len(result.reconciliation)} checks hold")
    if not result.complete:
        pools = result.excluded_pools
        known = pools.loc[pools["cost_status"] == "known", "cost"].sum()
        unknown = int(pools["cost"].isna().sum())
        print(f"INCOMPLETE: {len(pools)} rejected cost pool row(s) left out, {known:,.2f} of cost excluded"
              + (f" and {unknown} of unreadable cost" if unknown else "") + " (see the Summary's first lines)",
              file=sys.stderr)
    for check in failing["check"]:
        print(f"check fails: {check}", file=sys.stderr)
    return EXIT_OK


def _scenarios(args: argparse.Namespace, ds: Any, result: Any, overrides: dict[str, Any], bar: Any) -> Any:
    """The scenarios of the input's ``scenarios`` table (the demo's without INPUT) run beside the base, or None.

    Every scenario by default; ``--scenario NAME`` (repeatable) only those, ``--scenario none`` none.
    """
    from xlprofit.core.scenarios import parse_scenarios, run_scenarios
    from xlprofit.data import demo_scenarios
    from xlprofit.io import read_scenarios

    wanted = args.scenario or []
    if wanted == ["none"]:
        return None
    table = demo_scenarios() if args.input is None else read_scenarios(args.input, encoding=args.encoding,
                                                                        delimiter=args.delimiter)
    if table is None or not len(table):
        if wanted:
            raise InputError(f"--scenario {wanted[0]}: the input has no scenarios table (a 'scenarios' sheet, "
                             "or scenarios.csv in the folder)")
        return None
    from xlprofit.core.reconciliation import rejected_cost_pools

    if len(rejected_cost_pools(ds)):  # --allow-incomplete: a scenario's copy of the tables would lose them
        print("xlprofit: scenarios not run: cost pool rows were rejected (see the report's first lines); "
              "correct them to compare scenarios", file=sys.stderr)
        return None
    first = int(table.index[0]) if pd_is_integer(table.index[0]) else 2
    changes = parse_scenarios(table.reset_index(drop=True), ds, first_row=first)
    if wanted:
        unknown = [name for name in wanted if name not in changes]
        if unknown:
            raise InputError(f"--scenario {unknown[0]}: no such scenario; the scenarios table holds "
                             + ", ".join(f"'{name}'" for name in changes))
        changes = {name: changes[name] for name in wanted}
    bar.set_postfix_str(f"{len(changes)} scenario(s)")
    return run_scenarios(ds, changes, base=result, products=args.product or None,
                         allow_incomplete=args.allow_incomplete, **overrides)


def pd_is_integer(value: Any) -> bool:
    """Whether ``value`` is a whole number (a row number of a table's index)."""
    import numbers

    return isinstance(value, numbers.Integral)


_INCOMPLETE_HINT = ("xlprofit: correct the rows above, or write the report without them with --allow-incomplete "
                    "(it then says on its first lines what was excluded)")


def _line_problems(ds: Any) -> tuple[list[Any], int]:
    """Problems in the invoice lines (and a usage file) that an engine finds while summing them (none for pandas).

    Returns the problems listed and the number of those found beyond them (the engine lists at
    most :data:`~xlprofit.core.lines.MAX_LISTED_EXCEPTIONS` exceptions and counts the rest).
    """
    from xlprofit.core.lines import FrameLines
    from xlprofit.core.periods import Periods
    from xlprofit.errors import Problem

    if isinstance(ds.lines, FrameLines):  # validated while reading: already in ds.problems
        return [], 0
    params = ds.parameters
    first, last = ds.lines.date_range()
    periods = Periods(pd_timestamp(params.get("period_start", first)), pd_timestamp(params.get("period_end", last)),
                      int(params.get("periods_per_year", 4)))
    customers = ds.customers.set_index("customer_id").index
    _, accounting = ds.lines.summarise(customers, periods, None)
    ex = accounting.exceptions
    listed = ex["action"] != "excluded"
    found = [Problem(str(r.table), int(r.row), r.column, r.value, str(r.reason))
             for r in ex[listed].itertuples(index=False)]
    unlisted = int(accounting.unlisted)
    if ds.lines.holds_usage:  # the usage file is checked by the engine too
        from xlprofit.core.analysis import usage_drivers

        _, usage, total = ds.lines.usage_volumes(periods, usage_drivers(ds.activities), False)
        listed = usage[usage["action"] != "excluded"]  # rejected rows and changed text, as the pandas path lists
        found += [Problem("usage", int(r.row), r.column, r.value, str(r.reason))
                  for r in listed.itertuples(index=False)]
        unlisted += max(0, total - len(usage))
    return found, unlisted


def pd_timestamp(value: Any) -> Any:
    """A pandas Timestamp of a date value."""
    import pandas as pd

    return pd.Timestamp(value)


def _cmd_validate(args: argparse.Namespace) -> int:
    from xlprofit.core.diagnosis import diagnose, known_names
    from xlprofit.core.reading import MAX_PROBLEMS
    from xlprofit.files import check_unchanged

    ds = _load(args.input, args.engine, args.encoding, args.delimiter)
    found, unlisted = _line_problems(ds)
    # Every engine lists the first MAX_PROBLEMS problems and counts the rest (the report lists them all).
    problems = [*ds.problems, *found]
    unlisted += ds.unlisted_problems + max(0, len(problems) - MAX_PROBLEMS)
    problems = problems[:MAX_PROBLEMS]
    check_unchanged(ds.sources)
    total = len(problems) + unlisted
    if not total:
        print(f"{args.input}: no problems — {ds!r}")
        return EXIT_OK
    print(f"{args.input}: {total:,} problem(s)")
    causes = diagnose(problems, known_names(ds))
    for cause in causes:  # what to correct first: each cause once, with the problems it explains
        print(f"  * {cause}")
    if causes:
        if unlisted:
            print(f"  (the causes count the first {len(problems):,} problems; {unlisted:,} more are counted "
                  "in the total)")
        print("  each problem:")
    # One by one in the order of the tables and their rows: the same from every engine.
    order = {table: rank for rank, table in enumerate(("parameters", "fx", "customers", "transactions", "resources",
                                                       "activities", "usage"))}
    problems.sort(key=lambda p: (order.get(p.table, len(order)), p.row if p.row is not None else 0))
    shown = problems if args.limit == 0 else problems[: args.limit]
    for p in shown:
        print(f"  - {p}")
    if len(shown) < len(problems):
        rest = len(problems) - len(shown) + unlisted
        print(f"  … and {rest:,} more (use --limit; --limit 0 lists "
              + ("them all)" if not unlisted else f"the first {len(problems):,}, the report lists them all)"))
    elif unlisted:
        print(f"  … and {unlisted:,} more, counted here and listed on the report's Exceptions sheet")
    from xlprofit.core.reconciliation import rejected_cost_pools

    pools = rejected_cost_pools(ds)
    if len(pools):
        print(f"{len(pools)} cost pool row(s) (resources, activities) rejected: xlprofit report stops on them "
              "unless --allow-incomplete; other rejected rows are left out of the report and listed in it")
    return EXIT_INPUT


def _limit(text: str) -> int:
    """The value of ``validate --limit``: a whole number, 0 for no limit (negative: a usage error)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number; got '{text}'") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 (no limit) or more; got {value}")
    return value


def _xlsx_output(path: str) -> Path:
    out = Path(path)
    if out.suffix.lower() != ".xlsx":
        raise _Usage(f"the workbook must be an .xlsx file; got '{out.name}'")
    return out


def _cmd_template(args: argparse.Namespace) -> int:
    from xlprofit.report.template import write_template

    out = _xlsx_output(args.output)
    write_template(out, language=args.language, runtime=args.runtime)
    args.written = out
    print(f"wrote {out} — the input template ({args.language}, {args.runtime} runtime)")
    return EXIT_OK


def _cmd_demo(args: argparse.Namespace) -> int:
    from xlprofit.report.template import write_demo

    out = _xlsx_output(args.output)
    write_demo(out, language=args.language, runtime=args.runtime)
    args.written = out
    print(f"wrote {out} — the template filled with the demo data ({args.runtime} runtime); "
          f"try: xlprofit report {out} -o report.xlsx")
    return EXIT_OK


class _Usage(Exception):
    """A usage error found after parsing."""


def _cmd_functions(args: argparse.Namespace) -> int:
    from xlprofit.excel.catalogue import render_markdown, render_text

    print(render_markdown() if args.markdown else render_text())
    return EXIT_OK


# The choices of xlprofit.report.template (LANGUAGES, RUNTIMES), spelled out so that parsing does
# not import the workbook writer; tests/test_workbooks.py proves that they agree.
_LANGUAGES = ("en", "nb", "sv", "pl")
# xlprofit.report.workbook.TABLE_MODES and SIDE_TABLES_ABOVE, likewise (tests/test_side_tables.py).
_TABLE_MODES = ("auto", "workbook", "parquet", "csv")
_SIDE_TABLES_ABOVE = 100_000


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``xlprofit`` command."""
    parser = _Parser(prog="xlprofit", description="Customer profitability, cost-to-serve and lifetime value.")
    parser.add_argument("--version", action="version", version=f"xlprofit {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    rep = sub.add_parser("report", help="analyse a workbook or folder and write the report workbook",
                         description="Analyse INPUT (a filled-in template workbook or a folder of CSV/Parquet "
                                     "files; the embedded demo data when omitted) and write the report.")
    rep.add_argument("input", nargs="?", help="workbook (.xlsx) or folder; omit for the demo data")
    rep.add_argument("-o", "--output", required=True, help="report workbook to write (.xlsx)")
    rep.add_argument("--set", action="append", metavar="NAME=VALUE",
                     help="override a parameter, e.g. --set discount_rate=0.12 (repeatable)")
    rep.add_argument("--product", action="append", metavar="PRODUCT_ID",
                     help="analyse only these products' lines (repeatable)")
    rep.add_argument("--allow-incomplete", action="store_true",
                     help="write the report even when cost pools (resource or activity rows) were rejected: "
                          "their cost is left out, the report says so on its first lines and a check fails")
    rep.add_argument("--scenario", action="append", metavar="NAME",
                     help="run only this scenario of the input's scenarios table (repeatable; 'none' for none); "
                          "by default every scenario is run and set beside the base on the Scenarios sheet")
    rep.add_argument("--language", choices=_LANGUAGES, default="en",
                     help="language of the report's sheet names, titles, headings, column headers and texts: "
                          "en, nb (Norwegian), sv (Swedish) or pl (Polish); numbers keep Excel's formats")
    rep.add_argument("--tables", choices=_TABLE_MODES, default="auto",
                     help="where the full per-customer tables go (Customer P&L, cost-to-serve, whale curve, matrix, "
                          "CLV, acquisition, actions, flagged customers): 'workbook' (all in the report), "
                          "'parquet' or 'csv' (one file per table in the folder <report>_tables beside it; the "
                          "sheets keep their summaries and charts), or 'auto' (default): in the workbook up to "
                          f"{_SIDE_TABLES_ABOVE:,} customers, Parquet files above")
    rep.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    rep.add_argument("--engine", choices=ENGINES, default="auto",
                     help="where the invoice lines of a folder input are summed: pandas, duckdb (in-process, "
                          "bounded memory), spark, or auto (duckdb when installed); same results from each")
    rep.set_defaults(func=_cmd_report)

    val = sub.add_parser("validate", help="list every problem in the input tables",
                         description="Read INPUT and list every problem with table, row, column and value, "
                                     "after their causes (a duplicated id, a misspelt name: each told once, with "
                                     "the number of problems it explains). Exit 1 when there is any.")
    val.add_argument("input", help="workbook (.xlsx) or folder")
    val.add_argument("--limit", type=_limit, default=200,
                     help="most problems to print one by one, after their causes (default 200; 0: no limit)")
    val.add_argument("--engine", choices=ENGINES, default="auto",
                     help="where the invoice lines of a folder input are checked (see report --engine)")
    val.set_defaults(func=_cmd_validate)
    for command in (rep, val):  # xlprofit.read's encoding and delimiter, for CSV files that are not detected
        command.add_argument("--encoding", help="encoding of the folder's CSV files, e.g. cp1252 (default: detected: "
                                                "UTF-8, else Windows-1252 or Windows-1250)")
        command.add_argument("--delimiter", help="field delimiter of the folder's CSV files: , ; tab | (default: "
                                                 "detected from the header; with ; numbers have a decimal comma)")

    languages = _LANGUAGES
    runtimes = ("classic", "office")
    runtime_help = ("classic: =XLP_CLV(…) for the classic xlwings add-in (Excel on Windows); office: =XLP.CLV(…) "
                    "for Office.js, i.e. xlwings Lite and xlwings Server (default: classic)")
    tpl = sub.add_parser("template", help="write the empty input workbook (workbook_template.xlsx)",
                         description="Write the template workbook: a Start here sheet, the input Tables, "
                                     "the Parameters sheet and live calculation sheets that call the "
                                     "add-in's functions (XLP_* or XLP.*, by --runtime).")
    tpl.add_argument("-o", "--output", required=True, help="workbook to write (.xlsx)")
    tpl.add_argument("--language", choices=languages, default="en",
                     help="language of titles and instructions (headers stay English snake_case)")
    tpl.add_argument("--runtime", choices=runtimes, default="classic", help=runtime_help)
    tpl.set_defaults(func=_cmd_template)

    demo = sub.add_parser("demo", help="write the template filled with the embedded demo data",
                          description="Write the template workbook filled with the embedded demo data.")
    demo.add_argument("-o", "--output", required=True, help="workbook to write (.xlsx)")
    demo.add_argument("--language", choices=languages, default="en",
                      help="language of titles and instructions (headers stay English snake_case)")
    demo.add_argument("--runtime", choices=runtimes, default="classic", help=runtime_help)
    demo.set_defaults(func=_cmd_demo)

    fun = sub.add_parser("functions", help="list the XLP_* Excel functions with signatures and descriptions",
                         description="Print the catalogue of Excel functions (classic names XLP_…, "
                                     "namespace XLP in Office.js).")
    fun.add_argument("--markdown", action="store_true", help="print the reference as Markdown")
    fun.set_defaults(func=_cmd_functions)
    return parser


@contextlib.contextmanager
def _stop_signals() -> Iterator[list[int]]:
    """While a command runs, Ctrl-C, SIGTERM and SIGHUP raise :class:`KeyboardInterrupt`; yield the signals received.

    The exception unwinds the command, so that the save removes its temporary file; the list
    tells :func:`main` which signal it was, also when a library turned the interrupt into an
    error of its own (DuckDB: "Query interrupted"). Handlers a calling program installed are
    left alone, and signals are only handled in the main thread.

    A signal that lands in a finaliser (a ``__del__`` the garbage collector runs) raises where
    nothing can catch it: Python would print "Exception ignored" and go on. Such an interrupt is
    not printed but delivered again a moment later, to stop the command in ordinary code.
    """
    received: list[int] = []
    again: list[threading.Timer] = []
    hook = sys.unraisablehook

    def stop(signum: int, frame: FrameType | None) -> None:
        received.append(signum)
        raise KeyboardInterrupt

    def unraisable(info: Any) -> None:
        if received and isinstance(info.exc_value, KeyboardInterrupt):
            timer = threading.Timer(0.01, signal.raise_signal, (received[-1],))
            timer.daemon = True
            again.append(timer)
            timer.start()
        else:
            hook(info)

    previous: dict[int, Any] = {}
    if threading.current_thread() is threading.main_thread():
        for name in ("SIGINT", "SIGTERM", "SIGHUP"):
            signum = getattr(signal, name, None)
            if signum is not None and signal.getsignal(signum) in (signal.SIG_DFL, signal.default_int_handler):
                previous[signum] = signal.signal(signum, stop)
        if previous:
            sys.unraisablehook = unraisable
    try:
        yield received
    finally:
        for timer in again:
            timer.cancel()
        if previous:
            sys.unraisablehook = hook
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def _stopped(args: argparse.Namespace | None, received: list[int], exc: BaseException) -> int:
    """Say in one line that a signal stopped the command; return 128 + the signal's number."""
    signum = received[0] if received else int(getattr(exc, "signum", signal.SIGINT))
    what = "interrupted" if signum == signal.SIGINT else f"stopped by {signal.Signals(signum).name}"
    written, output = getattr(args, "written", None), getattr(args, "output", None)
    if written is not None:
        what += f" after writing '{written}'"
    elif output is not None:
        what += f"; nothing written ('{output}' is left as it was)" if Path(output).exists() else "; nothing written"
    print(f"xlprofit: {what}", file=sys.stderr)
    return EXIT_SIGNAL + signum


def _stdout_closed() -> int:
    """The reader of standard output went away (``xlprofit validate … | head``): stop quietly.

    Standard output is pointed at the null device, so that Python's own flush at exit does not
    fail once more ("Exception ignored … BrokenPipeError").
    """
    with contextlib.suppress(OSError, ValueError, AttributeError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    return EXIT_PIPE


def _flush_stdout() -> None:
    """Flush standard output now, so that a closed pipe shows here rather than at the interpreter's exit."""
    if sys.stdout is not None:
        sys.stdout.flush()


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code (see the module's docstring)."""
    # Workbooks from outside are parsed by the standard library through defusedxml, never by lxml.
    if "openpyxl" not in sys.modules:
        os.environ.setdefault("OPENPYXL_LXML", "False")
    parser = build_parser()
    args: argparse.Namespace | None = None
    with _stop_signals() as received:
        try:
            try:
                args = parser.parse_args(argv)
            except SystemExit:  # --help, --version or a usage error: flushed while a closed pipe can be handled
                _flush_stdout()
                raise
            code = int(args.func(args))
            _flush_stdout()
            if received:  # the interrupt was caught on its way (in a finaliser) and the command went on
                raise KeyboardInterrupt
            return code
        except BrokenPipeError:
            return _stdout_closed()
        except KeyboardInterrupt as exc:
            return _stopped(args, received, exc)
        except (_Usage, argparse.ArgumentTypeError, XlprofitError) as exc:
            if received:  # the interrupt came back as another error
                return _stopped(args, received, exc)
            return _failed(parser, exc)
        except Exception as exc:
            if received:  # e.g. DuckDB's "Query interrupted"
                return _stopped(args, received, exc)
            raise


def _failed(parser: argparse.ArgumentParser, exc: Exception) -> int:
    """Print the message of an expected error (usage, bad input, unwritable output); return its exit code."""
    if isinstance(exc, XlprofitError):  # bad input (ValidationError lists every problem) or OutputError
        print(f"xlprofit: {exc}", file=sys.stderr)
        return EXIT_INPUT
    if isinstance(exc, _Usage):
        parser.print_usage(sys.stderr)
    print(f"xlprofit: error: {exc}", file=sys.stderr)
    return EXIT_USAGE


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
