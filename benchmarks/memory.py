"""Where a large analysis spends its time and memory: a timeline of the stages with the RSS of each.

    python benchmarks/memory.py /tmp/ledger20m                     # analyze only
    python benchmarks/memory.py /tmp/ledger20m -o /tmp/report.xlsx # and write the report
    python benchmarks/memory.py /tmp/ledger2m --depth 3            # coarser stages

A thread samples, every 50 ms, the process' resident memory (``/proc/self/statm``) and the
xlprofit functions on the main thread's stack. Consecutive samples in the same functions (the
outermost ``--depth`` of them) form a stage; each stage that lasts at least a second or grows
the memory by at least 256 MiB is printed with its start, duration and the memory at its start,
its peak and its end. Linux only (``/proc``). ``benchmarks/scale.py`` writes the ledgers.
"""

from __future__ import annotations

import argparse
import os
import sys
import threading
import time
from pathlib import Path

_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


def _rss() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * _PAGE


def _stack(thread: int, depth: int) -> str:
    """The outermost ``depth`` xlprofit functions on the stack of ``thread``."""
    frame = sys._current_frames().get(thread)
    names = []
    while frame is not None:
        code = frame.f_code
        if "xlprofit" in code.co_filename and "site-packages" not in code.co_filename:
            names.append(f"{Path(code.co_filename).stem}.{code.co_name}")
        frame = frame.f_back
    return " > ".join(reversed(names[-depth:] if len(names) > depth else names)) or "-"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", type=Path, help="a ledger folder (benchmarks/scale.py --folder)")
    parser.add_argument("-o", "--output", type=Path, help="also write the report workbook here")
    parser.add_argument("--depth", type=int, default=4, help="functions of the stack that name a stage")
    args = parser.parse_args()

    import xlprofit
    from xlprofit.engines import read_folder

    main_thread = threading.get_ident()
    samples: list[tuple[float, int, str]] = []
    done = threading.Event()

    def sample() -> None:
        start = time.perf_counter()
        while not done.is_set():
            samples.append((time.perf_counter() - start, _rss(), _stack(main_thread, args.depth)))
            time.sleep(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    t0 = time.perf_counter()
    result = xlprofit.analyze(read_folder(args.folder, engine="duckdb"))
    analysed = time.perf_counter() - t0
    if args.output is not None:
        from xlprofit.report import write_report

        write_report(result, args.output)
    done.set()
    sampler.join()
    print(f"read and analyze {analysed:.1f} s; in all {time.perf_counter() - t0:.1f} s; "
          f"peak RSS {max(r for _, r, _ in samples) / 2**30:.2f} GiB")
    stages: list[list] = []  # [name, start, end, rss at start, peak, rss at end]
    for at, rss, name in samples:
        if stages and stages[-1][0] == name:
            stages[-1][2], stages[-1][4], stages[-1][5] = at, max(stages[-1][4], rss), rss
        else:
            stages.append([name, at, at, rss, rss, rss])
    for name, start, end, first, peak, last in stages:
        if end - start >= 1.0 or peak - first >= 2**28:
            print(f"{start:7.1f} s {end - start:6.1f} s  RSS {first / 2**30:5.2f} → peak {peak / 2**30:5.2f} → "
                  f"{last / 2**30:5.2f} GiB  {name}")


if __name__ == "__main__":
    main()
