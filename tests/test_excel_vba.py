"""The classic add-in's VBA, as xlwings' own generator writes it, would compile (docs/excel.md, *Classic add-in*).

"Import Functions" of the classic xlwings add-in (Windows) calls ``xlwings.import_udfs`` with the
UDF modules and the workbook (``ImportPythonUDFsBase`` in xlwings' ``xlwings.bas``). That function,
``xlwings.udfs.import_udfs``, writes a VBA module ``xlwings_udfs`` with one ``Function`` wrapper
per UDF (``generate_vba_wrapper``), imports it with ``VBProject.VBComponents.Import`` and then
registers the help texts with ``Application.MacroOptions``. A compile error in that module (two
parameters ``t`` and ``T``, say) breaks the functions of the module, not only the faulty one.

Here that very code runs on Linux, in a subprocess: the Windows-only modules it imports are
stubbed, the workbook is a fake that records what xlwings gives it, and the classic decorators
(``xlwings.udfs.xlfunc``/``xlarg``) replace the no-op ones xlwings installs off Windows before
``xlprofit.excel.udfs`` is imported. :func:`vba_problems` then checks the VBA text and the
MacroOptions calls against the rules of VBA and Excel, each rule with its source.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from xlprofit.excel import catalogue

ROOT = Path(__file__).resolve().parents[1]
WORKBOOK = "Book1.xlsm"  # docs/excel.md: the workbook is saved as .xlsm (a .xlam would use ActiveWorkbook)
REAL_MODULE = "xlprofit.excel.udfs"

# --------------------------------------------------------------------------- rules and their sources

#: "A physical line of Visual Basic code can contain up to 1023 characters" (VBA language
#: reference, "Line too long"). xlwings' VBAWriter splits longer lines with " _".
MAX_LINE = 1023
#: "more than 24 consecutive line-continuation characters" is an error (VBA language reference,
#: "Too many line continuations").
MAX_CONTINUATIONS = 24
#: "A procedure can have only 60 arguments" (VBA language reference, "Too many arguments").
MAX_PARAMETERS = 60
#: "Name can't exceed 255 characters in length" (VBA language reference, "Visual Basic naming rules").
MAX_NAME = 255
#: Excel's MacroOptions takes at most 255 characters per description (xlwings itself cuts the
#: function's and every argument's description to 255 before the call).
MAX_DESCRIPTION = 255
#: A VBA name: a letter first, then letters, digits and underscores (MS-VBAL §3.3.5, Latin-identifier).
IDENTIFIER = re.compile(r"[A-Za-z][A-Za-z0-9_]*")

#: Keywords that are not a VBA IDENTIFIER: MS-VBAL §3.3.5.2 "Reserved Identifiers and IDENTIFIER"
#: (statement-keyword, rem-keyword, marker-keyword, operator-identifier, reserved-name,
#: special-form, reserved-type-identifier, literal-identifier, reserved-for-implementation-use,
#: future-reserved). A parameter of that name is a syntax error.
MS_VBAL_RESERVED = frozenset(word.lower() for word in """
    Call Case Close Const Declare DefBool DefByte DefCur DefDate DefDbl DefInt DefLng DefLngLng DefLngPtr
    DefObj DefSng DefStr DefVar Dim Do Else ElseIf End EndIf Enum Erase Event Exit For Friend Function Get
    Global GoSub GoTo If Implements Input Let Lock Loop LSet Next On Open Option Print Private Public Put
    RaiseEvent ReDim Resume Return RSet Seek Select Set Static Stop Sub Type Unlock Wend While With Write
    Rem
    Any As ByRef ByVal Each In New Shared Until WithEvents Optional ParamArray Preserve Spc Tab Then To
    AddressOf And Eqv Imp Is Like Mod Not Or TypeOf Xor
    Abs CBool CByte CCur CDate CDbl CDec CInt CLng CLngLng CLngPtr CSng CStr CVar CVErr Date Debug DoEvents
    Fix Int Len LenB Me PSet Scale Sgn String
    Array Circle InputB LBound UBound
    Boolean Byte Currency Double Integer Long LongLong LongPtr Single Variant
    True False Nothing Empty Null
    Attribute LINEINPUT VB_Base VB_Control VB_Creatable VB_Customizable VB_Description VB_Exposed
    VB_Ext_KEY VB_GlobalNameSpace VB_HelpID VB_Invoke_Func VB_Invoke_Property VB_Invoke_PropertyPut
    VB_Invoke_PropertyPutRef VB_MemberFlags VB_Name VB_PredeclaredId VB_ProcData VB_TemplateDerived
    VB_UserMemId VB_VarDescription VB_VarHelpID VB_VarMemberFlags VB_VarProcData VB_VarUserMemId
    CDecl Decimal DefDec
""".split())
#: Generous: words that begin or structure a statement in the VBA language reference without being
#: in the MS-VBAL list (Error and On Error, Line Input #, Property Get, For … Step, Width #,
#: Declare PtrSafe, the Object type). Avoiding them costs nothing.
STATEMENT_WORDS = frozenset(w.lower() for w in ("Error", "Line", "Property", "Step", "Width", "PtrSafe", "Object"))
RESERVED = MS_VBAL_RESERVED | STATEMENT_WORDS
#: Names the generated wrapper's body uses (``If TypeOf Application.Caller Is Range``,
#: ``XLPy.CallUDF(…, Array(…), ThisWorkbook, …)``, ``= Err.Description``); a parameter of the same
#: name would hide them. The names found in the body itself are added by :func:`body_names`.
BODY_NAMES = frozenset(n.lower() for n in ("Application", "ActiveWorkbook", "ThisWorkbook", "XLPy", "Err", "Range",
                                           "Array"))
#: The last column (XFD) and row of a worksheet (Excel specifications and limits).
MAX_COLUMN, MAX_ROW = 16_384, 1_048_576


def looks_like_cell_reference(name: str) -> bool:
    """Whether Excel would read a name as a cell: ``ABC123``, ``R1C1``, ``R``, ``C`` (see below).

    ECMA-376 (SpreadsheetML formulas, "Names"): a name shall not have the form of a cell
    reference; Excel's help on names: "Names cannot be the same as a cell reference, such as
    Z$100 or R1C1"; Microsoft KB Q111393: C, R, RC and R1C1 are reserved for R1C1 notation.
    """
    a1 = re.fullmatch(r"([A-Za-z]{1,3})([0-9]+)", name)
    if a1:
        column = 0
        for letter in a1[1].upper():
            column = column * 26 + ord(letter) - ord("A") + 1
        if column <= MAX_COLUMN and 1 <= int(a1[2]) <= MAX_ROW:
            return True
    return re.fullmatch(r"[Rr][0-9]*(?:[Cc][0-9]*)?|[Cc][0-9]*", name) is not None


# --------------------------------------------------------------------------- reading the VBA


@dataclass
class Parameter:
    name: str
    optional: bool
    param_array: bool


@dataclass
class Procedure:
    kind: str
    name: str
    line: int
    parameters: list[Parameter]
    problems: list[str] = field(default_factory=list)
    body: list[str] = field(default_factory=list)
    closed: bool = False


DECLARATION = re.compile(
    r"\s*(?:(?:Public|Private|Friend|Static)\s+)*(Function|Sub)\s+(\S+?)\s*\((.*)\)\s*(?:As\s+\w+)?\s*", re.I)
PARAMETER = re.compile(
    r"(Optional\s+)?(?:(?:ByVal|ByRef)\s+)?(ParamArray\s+)?([^\s()]+)(\(\))?(?:\s+As\s+\w+)?(?:\s*=\s*.+)?", re.I)
END = re.compile(r"\s*End\s+(Function|Sub)\s*", re.I)
STRING_LITERAL = re.compile(r'"(?:[^"]|"")*"')


def logical_lines(vba: str) -> list[tuple[int, str, int]]:
    """The module's logical lines: (first physical line number, text, number of continuations)."""
    lines: list[tuple[int, str, int]] = []
    pending: list[str] = []
    start = 0
    for number, physical in enumerate(vba.splitlines(), start=1):
        if not pending:
            start = number
        if physical.endswith(" _"):
            pending.append(physical[:-2])
            continue
        pending.append(physical)
        lines.append((start, " ".join(pending), len(pending) - 1))
        pending = []
    if pending:
        lines.append((start, " ".join(pending), len(pending) - 1))
    return lines


def procedures(vba: str) -> list[Procedure]:
    """Every Function and Sub of the module, its parameters as declared and its body."""
    found: list[Procedure] = []
    current: Procedure | None = None
    for number, text, _ in logical_lines(vba):
        declaration = DECLARATION.fullmatch(text)
        if declaration:
            if current is not None and not current.closed:
                current.problems.append(f"{current.name}: no 'End {current.kind}' before line {number}")
            kind, name, arguments = declaration.groups()
            current = Procedure(kind, name, number, [])
            for raw in (a.strip() for a in arguments.split(",")) if arguments.strip() else []:
                match = PARAMETER.fullmatch(raw)
                if match is None:
                    current.problems.append(f"{name} (line {number}): cannot read the parameter {raw!r}")
                    continue
                optional, param_array, parameter, _ = match.groups()
                current.parameters.append(Parameter(parameter, bool(optional), bool(param_array)))
            found.append(current)
        elif current is not None and not current.closed:
            end = END.fullmatch(text)
            if end:
                current.closed = True
                if end[1].lower() != current.kind.lower():
                    current.problems.append(f"{current.name}: 'End {end[1]}' closes a {current.kind}")
            else:
                current.body.append(text)
    if current is not None and not current.closed:
        current.problems.append(f"{current.name}: no 'End {current.kind}' at the end of the module")
    return found


def body_names(procedure: Procedure) -> set[str]:
    """Names (lower case) the body looks up itself: not after a dot, not in strings, not keywords."""
    names: set[str] = set()
    for text in procedure.body:
        if text.lstrip().startswith("#"):
            continue  # conditional compilation: its constants live apart from variables
        code = STRING_LITERAL.sub('""', text).split("'", 1)[0]
        names.update(m.lower() for m in re.findall(r"(?<![.\w])[A-Za-z][A-Za-z0-9_]*", code))
    return names - MS_VBAL_RESERVED - {p.name.lower() for p in procedure.parameters}


# --------------------------------------------------------------------------- the validator


def vba_problems(vba: str, macro_options: list[dict], docs: dict[str, dict] | None = None,
                 workbook: str = WORKBOOK) -> list[str]:
    """Everything that would stop the VBA module from compiling or MacroOptions from succeeding.

    Parameters
    ----------
    vba:
        The module text, as ``VBComponents.Import`` is given it.
    macro_options:
        The ``Application.MacroOptions`` calls, each a dict of its named arguments.
    docs:
        The help texts before xlwings cuts them to 255 characters: function name to
        ``{"description": …, "arguments": [{"name": …, "doc": …}, …]}``.
    workbook:
        The workbook's name, which the MacroOptions calls qualify the functions with.

    Returns
    -------
    list of str
        One line per problem, naming the function, the line and the rule.
    """
    problems: list[str] = []
    if not vba.isascii():
        # VBComponents.Import reads the file in the system's ANSI code page; xlwings writes it in
        # Python's locale encoding. ASCII reads the same in both.
        problems.append("the module has non-ASCII characters")
    for number, physical in enumerate(vba.splitlines(), start=1):
        if len(physical) > MAX_LINE:
            problems.append(f"line {number} has {len(physical)} characters; VBA allows {MAX_LINE}")
        if physical.endswith(" _") and STRING_LITERAL.sub("", physical).count('"') % 2:
            problems.append(f"line {number}: a line continuation inside a string literal")
    for number, _, continuations in logical_lines(vba):
        if continuations > MAX_CONTINUATIONS:
            problems.append(f"line {number}: {continuations} line continuations; VBA allows {MAX_CONTINUATIONS}")

    found = procedures(vba)
    if not found:
        problems.append("the module declares no Function")
    seen: dict[str, str] = {}
    for procedure in found:
        name, where = procedure.name, f"{procedure.name} (line {procedure.line})"
        problems.extend(procedure.problems)
        if not IDENTIFIER.fullmatch(name) or len(name) > MAX_NAME:
            problems.append(f"{where}: {name!r} is not a VBA name")
        if name.lower() in RESERVED:
            problems.append(f"{where}: the function name {name!r} is a VBA keyword")
        if looks_like_cell_reference(name):
            problems.append(f"{where}: Excel reads {name!r} as a cell reference, not as a function")
        if name.lower() in seen:
            problems.append(f"{where}: {seen[name.lower()]!r} and {name!r} are the same name to VBA "
                            "(Ambiguous name detected)")
        seen.setdefault(name.lower(), name)
        parameters = procedure.parameters
        if len(parameters) > MAX_PARAMETERS:
            problems.append(f"{where}: {len(parameters)} parameters; VBA allows {MAX_PARAMETERS} (Too many arguments)")
        declared: dict[str, str] = {}
        used = BODY_NAMES | body_names(procedure)
        for position, parameter in enumerate(parameters):
            p = parameter.name
            if not IDENTIFIER.fullmatch(p) or len(p) > MAX_NAME:
                problems.append(f"{where}: parameter {p!r} is not a VBA name (a letter first, then letters, "
                                f"digits or '_', at most {MAX_NAME} characters)")
            if p.lower() in RESERVED:
                problems.append(f"{where}: parameter {p!r} is a VBA keyword")
            if p.lower() in declared:
                problems.append(f"{where}: parameters {declared[p.lower()]!r} and {p!r} are the same name to VBA, "
                                "which ignores case (Duplicate declaration in current scope)")
            declared.setdefault(p.lower(), p)
            if p.lower() == name.lower():
                problems.append(f"{where}: parameter {p!r} has the function's own name, which holds its result")
            elif p.lower() in used:
                problems.append(f"{where}: parameter {p!r} hides a name the generated body uses")
            if parameter.param_array and (parameter.optional or position != len(parameters) - 1):
                problems.append(f"{where}: ParamArray {p!r} must be the last parameter and not Optional")
            # VBA language reference, Function statement: after an Optional argument, "all subsequent
            # arguments in arglist must also be optional".
            if position and parameters[position - 1].optional and not (parameter.optional or parameter.param_array):
                problems.append(f"{where}: required parameter {p!r} follows an Optional one")

    functions = {p.name.lower(): p for p in found if p.kind.lower() == "function"}
    registered: dict[str, int] = {}
    for call in macro_options:
        macro = str(call.get("Macro"))
        prefix = f"'{workbook}'!"
        name = macro.removeprefix(prefix)
        if not macro.startswith(prefix) or name.lower() not in functions:
            problems.append(f"MacroOptions names {macro!r}, which is not a function of the module")
            continue
        registered[name.lower()] = registered.get(name.lower(), 0) + 1
        procedure = functions[name.lower()]
        description = call.get("Description")
        if not isinstance(description, str) or not description.strip():
            problems.append(f"{name}: MacroOptions gets no Description")
        elif len(description) > MAX_DESCRIPTION:
            problems.append(f"{name}: Description has {len(description)} characters; MacroOptions takes "
                            f"{MAX_DESCRIPTION}")
        category = call.get("Category")
        if not (isinstance(category, str) and 0 < len(category.strip()) and len(category) <= MAX_DESCRIPTION
                or isinstance(category, int) and 1 <= category <= 14):
            problems.append(f"{name}: MacroOptions gets no usable Category ({category!r})")
        texts = call.get("ArgumentDescriptions")
        if not procedure.parameters:
            if texts:
                problems.append(f"{name}: ArgumentDescriptions for a function without parameters")
        elif not isinstance(texts, list) or len(texts) != len(procedure.parameters):
            problems.append(f"{name}: {0 if not isinstance(texts, list) else len(texts)} ArgumentDescriptions "
                            f"for {len(procedure.parameters)} parameters")
        else:
            for parameter, text in zip(procedure.parameters, texts, strict=True):
                if not isinstance(text, str) or not text.strip():
                    problems.append(f"{name}: parameter {parameter.name!r} has no description")
                elif len(text) > MAX_DESCRIPTION:
                    problems.append(f"{name}: the description of {parameter.name!r} has {len(text)} characters; "
                                    f"MacroOptions takes {MAX_DESCRIPTION}")
    for key, procedure in functions.items():
        if registered.get(key, 0) != 1:
            problems.append(f"{procedure.name}: {registered.get(key, 0)} MacroOptions calls; one expected")

    for name, doc in (docs or {}).items():
        if len(doc["description"]) > MAX_DESCRIPTION:
            problems.append(f"{name}: the description has {len(doc['description'])} characters; xlwings cuts it to "
                            f"{MAX_DESCRIPTION} for MacroOptions")
        for argument in doc["arguments"]:
            if len(argument["doc"]) > MAX_DESCRIPTION:
                problems.append(f"{name}: the description of {argument['name']!r} has {len(argument['doc'])} "
                                f"characters; xlwings cuts it to {MAX_DESCRIPTION} for MacroOptions")
    return problems


def catalogue_problems(vba: str) -> list[str]:
    """Differences between the module's functions and the catalogue: names, parameters, optional ones."""
    problems: list[str] = []
    found = {p.name: p for p in procedures(vba)}
    specs = catalogue.by_name()
    for name in sorted(set(specs) - set(found)):
        problems.append(f"{name}: in the catalogue, not in the VBA")
    for name in sorted(set(found) - set(specs)):
        problems.append(f"{name}: in the VBA, not in the catalogue")
    for name in sorted(set(found) & set(specs)):
        declared = [(p.name, p.optional) for p in found[name].parameters]
        expected = [(a.name, a.optional) for a in specs[name].arguments]
        if declared != expected:
            problems.append(f"{name}: the VBA declares {declared}; the catalogue lists {expected} (name, optional)")
    return problems


# --------------------------------------------------------------------------- xlwings' generator, in a subprocess

GENERATE = r'''
import contextlib, json, os, sys, types

request = json.load(sys.stdin)
sys.path.insert(0, request["path"])


class ComError(Exception):
    """pywintypes.com_error: what a failing COM call raises."""


def stub(name, **attributes):
    module = types.ModuleType(name)
    module.__dict__.update(attributes)
    sys.modules[name] = module
    return module


# What xlwings.udfs touches of pywin32 at import and in import_udfs/get_udf_module:
# com_executor = ThreadPoolExecutor(initializer=pythoncom.CoInitialize); except pywintypes.com_error;
# Dispatch(xl_workbook) and xlwings._xlwindows.Book(...) for the embedded-code check.
stub("pythoncom", CoInitialize=lambda: None)
stub("pywintypes", com_error=ComError)
stub("win32com", client=stub("win32com.client", Dispatch=lambda obj: obj))

import xlwings  # noqa: E402
import xlwings.udfs as classic  # noqa: E402


class SheetImpl:
    name = "Sheet1"


class BookImpl:  # xlwings._xlwindows.Book: get_udf_module looks for sheets named *.py
    def __init__(self, xl):
        self.xl = xl
        self.sheets = [SheetImpl()]


xlwings._xlwindows = stub("xlwings._xlwindows", Book=BookImpl)
# The decorators of the classic add-in, as xlwings/__init__.py binds them on Windows.
xlwings.func, xlwings.arg, xlwings.ret, xlwings.sub = classic.xlfunc, classic.xlarg, classic.xlret, classic.xlsub

from xlprofit.excel import _boundary  # noqa: E402

MACRO_OPTIONS = ("Macro", "Description", "HasMenu", "MenuText", "HasShortcutKey", "ShortcutKey", "Category",
                 "StatusBar", "HelpContextID", "HelpFile", "ArgumentDescriptions")


class Components:
    def __init__(self):
        self.imported, self.removed = [], 0

    def __call__(self, name):  # a workbook without an xlwings_udfs module yet
        raise ComError(-2147352565, "Subscript out of range", None, None)

    def Remove(self, component):
        self.removed += 1

    def Import(self, path):
        with open(path) as f:  # the encoding xlwings wrote it in
            self.imported.append(f.read())


class Application:
    Version = "16.0"

    def __init__(self):
        self.macro_options, self.runs = [], []

    def MacroOptions(self, *args, **kwargs):
        self.macro_options.append({**dict(zip(MACRO_OPTIONS, args)), **kwargs})

    def Run(self, *args):
        self.runs.append(list(args))


class Project:
    def __init__(self):
        self.VBComponents = Components()


class Workbook:
    def __init__(self, name):
        self.Name = name
        self.FullName = "C:\\Users\\analyst\\Documents\\" + name
        self.VBProject = Project()
        self.Application = Application()


out = {"on_server": xlwings.on_server, "officejs": _boundary.officejs(), "pro": xlwings.__pro__, "modules": {}}
for module_name in request["modules"]:
    workbook = Workbook(request["workbook"])
    with contextlib.redirect_stdout(sys.stderr):  # import_udfs prints "Imported functions …"
        classic.import_udfs(module_name, workbook)
    module = sys.modules[module_name]
    docs = {}
    for attribute in dir(module):
        info = getattr(getattr(module, attribute), "__xlfunc__", None)
        if info is not None:
            docs[info["name"]] = {"description": info["ret"]["doc"], "category": info["category"],
                                  "arguments": [{"name": a["name"], "doc": a["doc"]} for a in info["args"]]}
    components = workbook.VBProject.VBComponents
    out["modules"][module_name] = {"vba": components.imported, "removed": components.removed,
                                   "runs": workbook.Application.runs,
                                   "macro_options": workbook.Application.macro_options, "docs": docs}
json.dump(out, sys.stdout)
'''

#: The signature XLP_BGNBD_EXPECTED had before it was fixed: ``t`` and ``T`` are one name to VBA.
OLD_SIGNATURE = '''
import xlwings as xw


@xw.func(category="xlprofit")
@xw.arg("t", doc="Length of the forecast window, in the time unit of recency and T; at least 0.")
def XLP_BGNBD_EXPECTED(model, t, frequency=None, recency=None, T=None):
    """Expected repeat purchases in the next t periods under a fitted BG/NBD model."""
'''

#: One planted fault per function, and two functions without one.
FAULTS = '''
import xlwings as xw


@xw.func
def XLP_DAYS_SINCE(customer, date):
    """Days since the customer's last order."""


@xw.func
@xw.arg("amount", doc="The amount. " + "Blank: the total of the whole period, whatever it covers. " * 5)
def XLP_LONG_HELP(amount):
    """A function whose argument help is too long."""


def XLP_LONG_DESCRIPTION(amount):
    pass


XLP_LONG_DESCRIPTION.__doc__ = "A description that goes on. " + "And on. " * 40
XLP_LONG_DESCRIPTION = xw.func(XLP_LONG_DESCRIPTION)


@xw.func
def XLP_CALLER(application, value):
    """A parameter that hides Application."""


@xw.func
def XLP_SELF(XLP_SELF):
    """A parameter named as its function."""


@xw.func
def ABC123(value):
    """A function Excel reads as cell ABC123."""


@xw.func
def XLP_TWICE(value):
    """Once."""


@xw.func
def xlp_twice(value):
    """Twice, to VBA."""


exec("def XLP_MANY(" + ", ".join(f"a{i}" for i in range(61)) + "):\\n    \\"\\"\\"61 parameters.\\"\\"\\"")
XLP_MANY = xw.func(XLP_MANY)


exec("def XLP_LONG_NAMES(" + ", ".join(f"p{i}_" + "x" * 200 for i in range(8)) + "):\\n    \\"\\"\\"Long.\\"\\"\\"")
XLP_LONG_NAMES = xw.func(XLP_LONG_NAMES)


@xw.func
@xw.arg("rate", doc="A rate per period.")
def XLP_FINE(rate, amount=None):
    """Nothing wrong here."""
'''


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> dict:
    """Run xlwings' import_udfs on the real module and two throwaway ones, in one subprocess."""
    folder = tmp_path_factory.mktemp("udf_modules")
    (folder / "old_bgnbd_signature.py").write_text(OLD_SIGNATURE, encoding="utf-8")
    (folder / "vba_faults.py").write_text(FAULTS, encoding="utf-8")
    request = {"workbook": WORKBOOK, "path": str(folder),
               "modules": [REAL_MODULE, "old_bgnbd_signature", "vba_faults"]}
    # Another test module sets XLWINGS_ON_SERVER=true (Office.js decorators) and a PRO licence key
    # in this process; the classic add-in runs without either (docs/excel.md: no licence needed).
    # (With a key, import_udfs also reads the workbook's xlwings.conf sheet; the fake has none.)
    env = {k: v for k, v in os.environ.items() if k not in ("XLWINGS_ON_SERVER", "XLWINGS_LICENSE_KEY")}
    done = subprocess.run([sys.executable, "-c", GENERATE], input=json.dumps(request), capture_output=True,
                          text=True, cwd=ROOT, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def module_problems(module: dict) -> list[str]:
    (vba,) = module["vba"]
    return vba_problems(vba, module["macro_options"], module["docs"])


# --------------------------------------------------------------------------- tests


def test_the_classic_generator_ran_as_import_functions_runs_it(generated):
    assert generated["on_server"] is False and generated["officejs"] is False
    for name, module in generated["modules"].items():
        assert len(module["vba"]) == 1, name  # one VBComponents.Import of one file
        assert module["runs"] == [], name  # not the ImportXlwingsUdfsModule fallback
        assert module["vba"][0].startswith('Attribute VB_Name = "xlwings_udfs"'), name


def test_the_vba_of_xlprofit_excel_udfs_would_compile_and_matches_the_catalogue(generated):
    module = generated["modules"][REAL_MODULE]
    problems = module_problems(module) + catalogue_problems(module["vba"][0])
    assert not problems, "\n".join(problems)


def test_the_vba_declares_the_clv_model_functions_as_their_signatures(generated):
    # The Pareto/NBD and BG/BB functions (issue 20) and the BG/NBD fit's optional weights, as the
    # generator declares them: one wrapper each, optional arguments Optional, no name twice.
    (vba,) = generated["modules"][REAL_MODULE]["vba"]
    declared = {p.name: p for p in procedures(vba)}
    expected = {
        "XLP_BGNBD_FIT": "frequency, recency, T, Optional weights",
        "XLP_PNBD_FIT": "frequency, recency, T, Optional weights",
        "XLP_PNBD_EXPECTED": "model, window, Optional frequency, Optional recency, Optional T",
        "XLP_PNBD_ALIVE": "model, frequency, recency, T",
        "XLP_BGBB_FIT": "frequency, recency, periods, Optional weights",
        "XLP_BGBB_EXPECTED": "model, periods_ahead, Optional frequency, Optional recency, Optional periods",
        "XLP_BGBB_ALIVE": "model, frequency, recency, periods",
        "XLP_BGBB_DERT": "model, discount_rate, frequency, recency, periods",
    }
    for name, parameters in expected.items():
        assert f"Function {name}({parameters})" in vba, name
        names = [p.name.lower() for p in declared[name].parameters]
        assert len(names) == len(set(names)), name
        arguments = ", ".join(p.name for p in declared[name].parameters)
        assert f'XLPy.CallUDF("{REAL_MODULE}", "{name}", Array({arguments}), ThisWorkbook, Application.Caller)' \
            in vba, name


def test_the_validator_finds_the_t_and_T_of_the_old_signature(generated):
    module = generated["modules"]["old_bgnbd_signature"]
    assert "Function XLP_BGNBD_EXPECTED(model, t, Optional frequency, Optional recency, Optional T)" in module["vba"][0]
    problems = module_problems(module)
    assert len(problems) == 1, problems
    assert problems[0].startswith("XLP_BGNBD_EXPECTED (line ")
    assert "parameters 't' and 'T' are the same name to VBA" in problems[0]
    assert "Duplicate declaration in current scope" in problems[0]


@pytest.mark.parametrize(("function", "expected"), [
    ("XLP_DAYS_SINCE", "parameter 'date' is a VBA keyword"),
    ("XLP_LONG_HELP", "the description of 'amount' has 302 characters; xlwings cuts it to 255"),
    ("XLP_LONG_DESCRIPTION", "the description has 348 characters; xlwings cuts it to 255"),
    ("XLP_CALLER", "parameter 'application' hides a name the generated body uses"),
    ("XLP_SELF", "parameter 'XLP_SELF' has the function's own name"),
    ("ABC123", "Excel reads 'ABC123' as a cell reference"),
    ("xlp_twice", "'XLP_TWICE' and 'xlp_twice' are the same name to VBA"),
    ("XLP_MANY", "61 parameters; VBA allows 60"),
])
def test_the_validator_finds_each_planted_fault(generated, function, expected):
    problems = module_problems(generated["modules"]["vba_faults"])
    mine = [p for p in problems if p.split(" ", 1)[0].rstrip(":") == function]
    assert any(expected in p for p in mine), "\n".join(problems)


def test_the_validator_passes_sound_functions_and_lines_xlwings_split(generated):
    module = generated["modules"]["vba_faults"]
    (vba,) = module["vba"]
    assert any(line.endswith(" _") for line in vba.splitlines())  # XLP_LONG_NAMES' lines were split
    assert max(len(line) for line in vba.splitlines()) <= MAX_LINE
    problems = module_problems(module)
    assert not [p for p in problems if p.startswith(("XLP_FINE", "XLP_LONG_NAMES", "line "))], problems
    (long_names,) = [p for p in procedures(vba) if p.name == "XLP_LONG_NAMES"]
    assert [p.name for p in long_names.parameters] == [f"p{i}_" + "x" * 200 for i in range(8)]


@pytest.mark.parametrize(("vba", "expected"), [
    # Rules that xlwings' generator cannot break from a Python signature, on hand-written VBA.
    ("Function F(Optional a, b)\nEnd Function", "required parameter 'b' follows an Optional one"),
    ("Function F(ParamArray a(), b)\nEnd Function", "ParamArray 'a' must be the last parameter"),
    ("Function F(a)\n    F = \"" + "x" * 1100 + "\"\nEnd Function", "line 2 has 1110 characters"),
    ("Function F(a, _\nb" + ", _\nc" * 25 + ")\nEnd Function", "26 line continuations"),
    ('Function F(a)\n    F = "a _\nb"\nEnd Function', "line continuation inside a string literal"),
    ("Function F(a)\n", "F: no 'End Function'"),
    ("Function F(1a)\nEnd Function", "parameter '1a' is not a VBA name"),
    ("Function R1C1(a)\nEnd Function", "Excel reads 'R1C1' as a cell reference"),
    ("Function F(a\u00e6)\nEnd Function", "non-ASCII"),
])
def test_the_validator_reads_hand_written_vba(vba, expected):
    name = re.match(r"Function (\w+)", vba)[1]
    calls = [{"Macro": f"'{WORKBOOK}'!{name}", "Description": "d", "Category": "c",
              "ArgumentDescriptions": ["x"] * 40}]
    problems = vba_problems(vba, calls)
    assert any(expected in p for p in problems), problems


def test_macro_options_register_every_catalogue_function_with_the_catalogue_help(generated):
    calls = generated["modules"][REAL_MODULE]["macro_options"]
    by_macro = {call["Macro"]: call for call in calls}
    specs = catalogue.by_name()
    assert len(by_macro) == len(calls)
    assert set(by_macro) == {f"'{WORKBOOK}'!{name}" for name in specs}
    for name, spec in specs.items():
        call = by_macro[f"'{WORKBOOK}'!{name}"]
        assert call["Description"] == spec.description, name
        assert call["ArgumentDescriptions"] == [a.help for a in spec.arguments], name
        # docs/excel.md, "Import Functions": the functions appear under the category xlprofit.
        assert call["Category"] == "xlprofit", name
