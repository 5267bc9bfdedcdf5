"""Numbers written as text, read the way the workbook's culture writes them.

Office.js tells xlwings the culture of the workbook (``culture_info_name``: ``"nb-NO"``,
``"de-DE"`` …) with every custom-function call. Under a culture, a text number is read with
that culture's decimal mark: ``"1.234"`` is 1234 under ``de-DE`` or ``nb-NO`` and 1.234 under
``en-US``; ``"1,234"`` the other way round. The decimal and grouping symbols and the group
sizes come from the Unicode CLDR through Babel. Besides the culture's own grouping symbol,
the other mark of the two (``.`` where the decimal mark is ``,``, and ``,`` where it is
``.``) and spaces (never a decimal mark anywhere) are read as grouping, as ledgers of those countries write them
(``1.234.567,89`` in a Norwegian or Polish export); groups must then have the culture's
sizes, so that a typo such as ``"1.23"`` under ``de-DE`` is refused rather than read as 123.

Without a culture (classic COM sends none), the culture-free rule of
:func:`xlprofit.core.parsing.parse_number_text` applies: only unambiguous text is read.

The culture of the call being answered is found in xlwings' own call: custom functions
receive their arguments only, so :func:`culture_of_call` reads ``culture_info_name`` from the
request that ``xlwings.server.custom_functions_call`` is answering (xlwings Lite and the
reference xlwings Server app call it). An xlwings Server app of one's own may also set the
culture explicitly with :func:`culture`.
"""

from __future__ import annotations

import contextlib
import contextvars
import re
import sys
from collections.abc import Iterator
from functools import lru_cache

from xlprofit.core.parsing import parse_number_text

__all__ = ["CultureSymbols", "culture", "culture_of_call", "current_culture", "read_number"]

_CULTURE: contextvars.ContextVar[str | None] = contextvars.ContextVar("xlprofit_culture", default=None)
_SPACES = " \u00a0\u202f\u2009"
_BODY = re.compile(r"\d[\d.,'’" + _SPACES + r"]*\d|\d")
#: How many frames up from the function xlwings' call is looked for.
_FRAMES_SEARCHED = 12


class CultureSymbols:
    """The number symbols of one culture: decimal mark, grouping marks and group sizes."""

    def __init__(self, name: str, decimal: str, group: str, sizes: tuple[int, int], example: str) -> None:
        self.name = name
        self.decimal = decimal
        groups = {group, "," if decimal == "." else ".", *_SPACES}
        if group in "'’":
            groups.update("'’")
        groups.discard(decimal)
        self.groups = frozenset(groups)
        self.primary, self.secondary = sizes
        self.example = example


@lru_cache(maxsize=64)
def symbols(name: str) -> CultureSymbols | None:
    """The symbols of a culture name such as ``"nb-NO"``; ``None`` when Babel does not know it."""
    try:
        from babel import Locale, UnknownLocaleError
    except ImportError:  # Babel is a dependency; without it text numbers are read culture-free
        return None
    try:
        locale = Locale.parse(name.replace("-", "_"))
    except (ValueError, TypeError, UnknownLocaleError):
        return None
    decimal = locale.number_symbols.get("latn", locale.number_symbols).get("decimal", ".")
    group = locale.number_symbols.get("latn", locale.number_symbols).get("group", ",")
    pattern = locale.decimal_formats.get(None)
    sizes = tuple(pattern.grouping) if pattern is not None else (3, 3)
    shown = " " if group.isspace() else group
    example = f"1{shown}234{shown}567{decimal}89"
    return CultureSymbols(name, decimal, group, (int(sizes[0]), int(sizes[1])), example)


def _grouped(whole: str, marks: frozenset[str], info: CultureSymbols) -> str | None:
    """The digits of an integer part with grouping marks, or ``None`` when the groups are wrong."""
    used = {c for c in whole if not c.isdigit()}
    if not used:
        return whole
    if not used <= marks or len(used) > 1 and not used <= set(_SPACES):
        return None
    parts = re.split("[" + re.escape("".join(used)) + "]", whole)
    if not parts[0] or len(parts[0]) > (info.primary if len(parts) == 2 else info.secondary):
        return None
    if len(parts[-1]) != info.primary or any(len(p) != info.secondary for p in parts[1:-1]):
        return None
    return "".join(parts)


def read_number(text: str, culture_name: str | None) -> tuple[float | None, str | None]:
    """Read a text number by a culture; ``(value, None)`` or ``(None, reason)``.

    Without a culture, or for one Babel does not know, the culture-free rule applies.
    """
    info = symbols(culture_name) if culture_name else None
    if info is None:
        return parse_number_text(text)
    found = _BODY.search(text)
    if found is None:
        return parse_number_text(text)
    body = found.group()
    whole, mark, fraction = body.partition(info.decimal)
    if mark and not fraction.isdigit():
        return None, f"is not a number as {info.name} writes them (like {info.example})"
    digits = _grouped(whole.strip(_SPACES), info.groups, info)
    if digits is None:
        return None, f"is not a number as {info.name} writes them (like {info.example})"
    canonical = text[: found.start()] + digits + ("." + fraction if mark else "") + text[found.end():]
    return parse_number_text(canonical)


def current_culture() -> str | None:
    """The culture set for this call, if any."""
    return _CULTURE.get()


@contextlib.contextmanager
def culture(name: str | None) -> Iterator[None]:
    """Read text numbers by the culture ``name`` (``"nb-NO"``) within the block."""
    token = _CULTURE.set(name or None)
    try:
        yield
    finally:
        _CULTURE.reset(token)


def culture_of_call() -> str | None:
    """The culture set with :func:`culture`, else the one of the xlwings call being answered."""
    chosen = _CULTURE.get()
    if chosen:
        return chosen
    frame = sys._getframe(1)
    for _ in range(_FRAMES_SEARCHED):
        if frame is None:
            break
        if frame.f_code.co_name == "custom_functions_call" and frame.f_globals.get("__name__", "").startswith(
            "xlwings"
        ):
            data = frame.f_locals.get("data")
            name = data.get("culture_info_name") if isinstance(data, dict) else None
            return name if isinstance(name, str) and name.strip() else None
        frame = frame.f_back
    return None
