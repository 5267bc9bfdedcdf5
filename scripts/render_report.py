"""Render a workbook's printed pages to PNG images so that a person can look at them.

    python scripts/render_report.py report.xlsx                 # pages in report-pages/
    python scripts/render_report.py report.xlsx -o pages --dpi 60 --first 1 --last 12
    python scripts/render_report.py --demo -o pages             # write the demo report first

Headless LibreOffice recalculates the workbook and prints it to PDF with each sheet's print
setup (landscape, fit to width, repeated header rows); ``pdftoppm`` (poppler-utils) turns the
PDF pages into PNG files ``page-01.png``, ``page-02.png``, …. A private LibreOffice profile is
created in a temporary folder, so the script runs next to an open LibreOffice or another run.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

#: LibreOffice settings: recalculate formulas of OOXML and ODF files on load (0 = always, 1 = never, 2 = ask).
RECALC_ALWAYS = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema"
 xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse">
<value>0</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="ODFRecalcMode" oor:op="fuse">
<value>0</value></prop></item>
</oor:items>
"""


def make_profile(folder: Path) -> str:
    """Create a LibreOffice user profile in ``folder`` that always recalculates; return its URL."""
    user = folder / "user"
    user.mkdir(parents=True, exist_ok=True)
    (user / "registrymodifications.xcu").write_text(RECALC_ALWAYS, encoding="utf-8")
    return folder.resolve().as_uri()


def convert(soffice: str, profile_url: str, files: list[Path], target: str, out_dir: Path,
            timeout_s: float = 300) -> list[Path]:
    """Convert ``files`` with one headless LibreOffice run; return the converted files.

    ``target`` is a LibreOffice filter spec such as ``pdf`` or ``xlsx:Calc MS Excel 2007 XML``.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    cmd = [soffice, f"-env:UserInstallation={profile_url}", "--headless", "--norestore", "--nolockcheck",
           "--convert-to", target, "--outdir", str(out_dir), *[str(f) for f in files]]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout_s, check=False)
    suffix = "." + target.split(":")[0]
    outputs = [out_dir / (f.stem + suffix) for f in files]
    missing = [o for o in outputs if not o.exists()]
    if done.returncode != 0 or missing:
        raise RuntimeError(f"LibreOffice could not convert {', '.join(o.name for o in missing) or 'the files'} "
                           f"(exit {done.returncode}): {done.stderr.strip() or done.stdout.strip()}")
    return outputs


def render(workbook: Path, out_dir: Path, *, dpi: int = 70, first: int | None = None, last: int | None = None,
           timeout_s: float = 300) -> list[Path]:
    """Print ``workbook`` to PDF in headless LibreOffice and render its pages to PNG files in ``out_dir``."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    pdftoppm = shutil.which("pdftoppm")
    if not soffice or not pdftoppm:
        raise RuntimeError("needs LibreOffice (soffice) and pdftoppm (poppler-utils) on the PATH")
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="xlprofit-render-") as tmp:
        profile = make_profile(Path(tmp) / "profile")
        (pdf,) = convert(soffice, profile, [workbook], "pdf", Path(tmp))
        for old in out_dir.glob("page-*.png"):
            old.unlink()
        cmd = [pdftoppm, "-png", "-r", str(dpi)]
        if first:
            cmd += ["-f", str(first)]
        if last:
            cmd += ["-l", str(last)]
        subprocess.run([*cmd, str(pdf), str(out_dir / "page")], check=True, timeout=timeout_s,
                       capture_output=True)
        shutil.copy(pdf, out_dir / (workbook.stem + ".pdf"))
    return sorted(out_dir.glob("page-*.png"))


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit code."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("workbook", nargs="?", type=Path, help="the .xlsx file to render")
    parser.add_argument("--demo", action="store_true", help="write the report of the demo data and render it")
    parser.add_argument("-o", "--output", type=Path, help="folder for the PNG pages (default: WORKBOOK-pages)")
    parser.add_argument("--dpi", type=int, default=70)
    parser.add_argument("--first", type=int, help="first page to render")
    parser.add_argument("--last", type=int, help="last page to render")
    args = parser.parse_args(argv)
    if args.demo:
        import xlprofit

        out = args.output or Path("demo-report-pages")
        out.mkdir(parents=True, exist_ok=True)
        args.workbook = out / "demo-report.xlsx"
        xlprofit.write_report(xlprofit.analyze(xlprofit.load_demo()), args.workbook)
    if args.workbook is None:
        parser.error("give a workbook or --demo")
    out_dir = args.output or args.workbook.with_name(args.workbook.stem + "-pages")
    pages = render(args.workbook, out_dir, dpi=args.dpi, first=args.first, last=args.last)
    print(f"{len(pages)} page(s) in {out_dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
