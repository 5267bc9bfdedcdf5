"""Report and template workbooks (the only writer of workbooks)."""

from xlprofit.report.workbook import REPORT_SHEETS, report_sheets, write_report

__all__ = ["REPORT_SHEETS", "report_sheets", "write_report"]
