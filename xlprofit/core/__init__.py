"""The computational core: numpy, pandas and scipy only.

Nothing in this package imports xlwings or openpyxl; a test proves it.
"""
