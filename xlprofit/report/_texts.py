"""Labels and instructions of the template workbook in English, Norwegian, Swedish and Polish.

The texts of the report (:func:`report_text`) come in the same four languages.

Only the words around the input tables are translated. Sheet names, Table names, column
headers and parameter names stay in English snake_case in every language: they are the input
format that :func:`xlprofit.read` and the ``XLP_*`` functions rely on. The setup steps of the
Start here sheet come in one version per runtime (keys ``classic_…`` and ``office_…``); commands,
module names and the xlwings ribbon's own words (UDF Modules, Import Functions) are not translated.
"""

from __future__ import annotations

import re

__all__ = ["LANGUAGES", "MEANINGS", "NUMBER_PATTERN", "text", "caption", "meaning", "report_text", "local_number"]

#: Languages of the template: code -> name.
LANGUAGES: dict[str, str] = {"en": "English", "nb": "Norsk bokmål", "sv": "Svenska", "pl": "Polski"}

_ORDER = ("en", "nb", "sv", "pl")

_TEXTS: dict[str, tuple[str, str, str, str]] = {
    "workbook_title": (
        "xlprofit — customer profitability workbook",
        "xlprofit — arbeidsbok for kundelønnsomhet",
        "xlprofit — arbetsbok för kundlönsamhet",
        "xlprofit — skoroszyt rentowności klientów",
    ),
    "workbook_subtitle": (
        "Which customers make money, which cost money, and why: customer P&L, cost-to-serve and lifetime value.",
        "Hvilke kunder tjener vi penger på, hvilke taper vi på, og hvorfor: kunderesultat, kostnad per kunde "
        "og kundelevetidsverdi.",
        "Vilka kunder tjänar vi pengar på, vilka förlorar vi på, och varför: kundresultat, kostnad att betjäna "
        "och kundlivstidsvärde.",
        "Którzy klienci przynoszą zysk, którzy generują straty i dlaczego: rachunek wyników klienta, koszt "
        "obsługi i wartość klienta w czasie (CLV).",
    ),
    "what_heading": ("What this workbook is", "Hva arbeidsboken er", "Vad arbetsboken är", "Czym jest ten skoroszyt"),
    "what_1": (
        "The yellow input sheets are the input format of xlprofit: fill them with your own data (or paste "
        "ERP exports).",
        "De gule inndataarkene er xlprofits inndataformat: fyll dem med egne data (eller lim inn eksporter "
        "fra ERP).",
        "De gula indatabladen är xlprofits indataformat: fyll dem med egna data (eller klistra in exporter "
        "från affärssystemet).",
        "Żółte arkusze wejściowe to format danych xlprofit: wypełnij je własnymi danymi (lub wklej eksport "
        "z systemu ERP).",
    ),
    "what_2": (
        "Each input sheet holds one Excel Table. Keep the column headers (English snake_case): they are what "
        "xlprofit reads. Optional columns may stay empty.",
        "Hvert inndataark har én Excel-tabell. Behold kolonneoverskriftene (engelsk snake_case): det er dem "
        "xlprofit leser. Valgfrie kolonner kan stå tomme.",
        "Varje indatablad har en Excel-tabell. Behåll kolumnrubrikerna (engelska, snake_case): det är dem "
        "xlprofit läser. Valfria kolumner kan lämnas tomma.",
        "Każdy arkusz wejściowy zawiera jedną tabelę Excela. Nie zmieniaj nagłówków kolumn (angielski "
        "snake_case): to je odczytuje xlprofit. Kolumny opcjonalne mogą pozostać puste.",
    ),
    "what_3_classic": (
        "The sheets marked 'live' call the xlprofit functions (XLP_…) on these tables: with the add-in "
        "installed they recalculate whenever you change a number.",
        "Arkene merket 'live' kaller xlprofit-funksjonene (XLP_…) på tabellene: med tillegget installert "
        "regnes de om hver gang du endrer et tall.",
        "Bladen märkta 'live' anropar xlprofit-funktionerna (XLP_…) på tabellerna: med tillägget installerat "
        "räknas de om varje gång du ändrar ett tal.",
        "Arkusze oznaczone 'live' wywołują funkcje xlprofit (XLP_…) na tych tabelach: po zainstalowaniu "
        "dodatku przeliczają się przy każdej zmianie liczby.",
    ),
    "what_3_office": (
        "The sheets marked 'live' call the xlprofit functions (XLP.…) on these tables: with xlwings Lite set up "
        "they recalculate whenever you change a number.",
        "Arkene merket 'live' kaller xlprofit-funksjonene (XLP.…) på tabellene: når xlwings Lite er satt opp, "
        "regnes de om hver gang du endrer et tall.",
        "Bladen märkta 'live' anropar xlprofit-funktionerna (XLP.…) på tabellerna: när xlwings Lite är "
        "konfigurerat räknas de om varje gång du ändrar ett tal.",
        "Arkusze oznaczone 'live' wywołują funkcje xlprofit (XLP.…) na tych tabelach: po skonfigurowaniu "
        "xlwings Lite przeliczają się przy każdej zmianie liczby.",
    ),
    # Setup of the classic add-in (Windows, local Python). The xlwings ribbon is not translated, so
    # "UDF Modules" and "Import Functions" stay English; Excel's own menus are named as in each language,
    # with the English name of the VBA trust setting alongside.
    "install_heading_classic": (
        "Install the add-in: classic xlwings add-in (Excel on Windows with a local Python)",
        "Installer tillegget: klassisk xlwings-tillegg (Excel for Windows med lokal Python)",
        "Installera tillägget: klassiskt xlwings-tillägg (Excel för Windows med lokal Python)",
        "Instalacja dodatku: klasyczny dodatek xlwings (Excel dla Windows z lokalnym Pythonem)",
    ),
    "classic_1": (
        "1. Install Python 3.11 or newer, then xlprofit, either in a checkout of xlprofit:  pip install .   "
        "or from the wheel:",
        "1. Installer Python 3.11 eller nyere og deretter xlprofit, enten fra en kopi av kildekoden:  "
        "pip install .   eller fra wheel-filen:",
        "1. Installera Python 3.11 eller senare och sedan xlprofit, antingen från en kopia av källkoden:  "
        "pip install .   eller från wheel-filen:",
        "1. Zainstaluj Pythona 3.11 lub nowszego, a potem xlprofit: z kopii kodu źródłowego  pip install .   "
        "albo z pliku wheel:",
    ),
    "classic_1b": (
        "    pip install xlprofit-<version>-py3-none-any.whl",
        "    pip install xlprofit-<version>-py3-none-any.whl",
        "    pip install xlprofit-<version>-py3-none-any.whl",
        "    pip install xlprofit-<version>-py3-none-any.whl",
    ),
    "classic_2": (
        "2. Install the xlwings add-in:  xlwings addin install",
        "2. Installer xlwings-tillegget:  xlwings addin install",
        "2. Installera xlwings-tillägget:  xlwings addin install",
        "2. Zainstaluj dodatek xlwings:  xlwings addin install",
    ),
    "classic_3": (
        "3. In Excel: File › Options › Trust Center › Trust Center Settings › Macro Settings: tick",
        "3. I Excel: Fil › Alternativer › Klareringssenter › Innstillinger for klareringssenter › "
        "Makroinnstillinger: kryss av for",
        "3. I Excel: Arkiv › Alternativ › Säkerhetscenter › Inställningar för Säkerhetscenter › "
        "Makroinställningar: markera",
        "3. W Excelu: Plik › Opcje › Centrum zaufania › Ustawienia Centrum zaufania › Ustawienia makr: zaznacz",
    ),
    "classic_3b": (
        "    'Trust access to the VBA project object model' (xlwings writes the functions into the workbook's "
        "VBA project).",
        "    «Stol på tilgang til objektmodellen for VBA-prosjektet» (på engelsk: Trust access to the VBA project "
        "object model).",
        "    ”Lita på åtkomst till objektmodellen för VBA-projekt” (på engelska: Trust access to the VBA project "
        "object model).",
        "    „Ufaj dostępowi do modelu obiektowego projektu VBA” (po angielsku: Trust access to the VBA project "
        "object model).",
    ),
    "classic_4": (
        "4. Save this workbook as an Excel Macro-Enabled Workbook (.xlsm) and go on working in that file.",
        "4. Lagre arbeidsboken som «Makroaktivert Excel-arbeidsbok» (.xlsm), og arbeid videre i den filen.",
        "4. Spara arbetsboken som ”Makroaktiverad Excel-arbetsbok” (.xlsm) och fortsätt arbeta i den filen.",
        "4. Zapisz skoroszyt jako „Skoroszyt programu Excel z obsługą makr” (.xlsm) i dalej pracuj w tym pliku.",
    ),
    "classic_5": (
        "5. On the xlwings tab, set UDF Modules to  xlprofit.excel.udfs  and click Import Functions.",
        "5. På fanen xlwings setter du UDF Modules til  xlprofit.excel.udfs  og klikker Import Functions.",
        "5. På fliken xlwings anger du  xlprofit.excel.udfs  under UDF Modules och klickar på Import Functions.",
        "5. Na karcie xlwings wpisz  xlprofit.excel.udfs  w polu UDF Modules i kliknij Import Functions.",
    ),
    "classic_names": (
        "The functions are named XLP_… (XLP_CLV, XLP_CUSTOMER_PNL, …) and are listed in the category xlprofit "
        "of Insert Function.",
        "Funksjonene heter XLP_… (XLP_CLV, XLP_CUSTOMER_PNL, …) og står i kategorien xlprofit under Sett inn "
        "funksjon.",
        "Funktionerna heter XLP_… (XLP_CLV, XLP_CUSTOMER_PNL, …) och finns i kategorin xlprofit under Infoga "
        "funktion.",
        "Funkcje mają nazwy XLP_… (XLP_CLV, XLP_CUSTOMER_PNL, …); w oknie Wstawianie funkcji są w kategorii "
        "xlprofit.",
    ),
    # Classic COM returns text, so the code stays the English one that xlprofit writes.
    "classic_errors": (
        "An error shows as text that starts with the error code (#VALUE!, #NUM!, #DIV/0!, #N/A), followed by "
        "the reason.",
        "En feil vises som tekst som begynner med feilkoden (#VALUE!, #NUM!, #DIV/0!, #N/A), etterfulgt av "
        "årsaken.",
        "Ett fel visas som text som börjar med felkoden (#VALUE!, #NUM!, #DIV/0!, #N/A), följd av orsaken.",
        "Błąd pojawia się jako tekst: najpierw kod błędu (#VALUE!, #NUM!, #DIV/0!, #N/A), potem jego przyczyna.",
    ),
    "classic_other": (
        "Excel on the web or on a Mac: write the Office.js template instead:  xlprofit template --runtime office "
        "-o FILE.xlsx",
        "Excel på nettet eller Mac: lag Office.js-malen i stedet:  xlprofit template --runtime office -o FIL.xlsx",
        "Excel på webben eller Mac: skapa Office.js-mallen i stället:  xlprofit template --runtime office "
        "-o FIL.xlsx",
        "Excel w przeglądarce lub na Macu: utwórz zamiast tego szablon Office.js:  xlprofit template "
        "--runtime office -o PLIK.xlsx",
    ),
    # Setup of xlwings Lite (Office.js): Excel's tab and button names as each language shows them.
    "install_heading_office": (
        "Install the add-in: xlwings Lite (Excel on Windows and Mac, Excel on the web; no local Python)",
        "Installer tillegget: xlwings Lite (Excel for Windows og Mac, Excel på nettet; ingen lokal Python)",
        "Installera tillägget: xlwings Lite (Excel för Windows och Mac, Excel på webben; ingen lokal Python)",
        "Instalacja dodatku: xlwings Lite (Excel dla Windows i Mac, Excel w przeglądarce; bez lokalnego Pythona)",
    ),
    "office_1": (
        "1. In Excel: Home › Add-ins, search for 'xlwings Lite' and add it; its editor opens on the right.",
        "1. I Excel: Hjem › Tillegg, søk etter «xlwings Lite» og legg det til; redigeringsprogrammet åpnes til "
        "høyre.",
        "1. I Excel: Start › Tillägg, sök efter ”xlwings Lite” och lägg till det; redigeraren öppnas till höger.",
        "1. W Excelu: Narzędzia główne › Dodatki, wyszukaj „xlwings Lite” i dodaj go; edytor otworzy się "
        "po prawej.",
    ),
    "office_2": (
        "2. In a checkout of xlprofit, build the wheel:  pip wheel . --no-deps -w dist   and put "
        "dist/xlprofit-<version>-py3-none-any.whl",
        "2. Bygg wheel-filen i en kopi av kildekoden til xlprofit:  pip wheel . --no-deps -w dist   og legg "
        "dist/xlprofit-<version>-py3-none-any.whl",
        "2. Bygg wheel-filen i en kopia av xlprofits källkod:  pip wheel . --no-deps -w dist   och lägg "
        "dist/xlprofit-<version>-py3-none-any.whl",
        "2. W kopii kodu źródłowego xlprofit zbuduj plik wheel:  pip wheel . --no-deps -w dist   i umieść "
        "dist/xlprofit-<version>-py3-none-any.whl",
    ),
    "office_2b": (
        "    where the browser may fetch it: an HTTPS address whose server allows cross-origin requests (CORS).",
        "    der nettleseren kan hente den: en HTTPS-adresse der serveren tillater forespørsler fra andre "
        "opprinnelser (CORS).",
        "    där webbläsaren kan hämta den: en HTTPS-adress vars server tillåter anrop från andra ursprung (CORS).",
        "    tam, skąd przeglądarka może go pobrać: pod adresem HTTPS, którego serwer zezwala na żądania z innych "
        "domen (CORS).",
    ),
    "office_3": (
        "3. In the xlwings Lite editor, open the requirements.txt tab and add the wheel's URL on a line of its own.",
        "3. Åpne fanen requirements.txt i xlwings Lite og legg til URL-en til wheel-filen på en egen linje.",
        "3. Öppna fliken requirements.txt i xlwings Lite och lägg till wheel-filens URL på en egen rad.",
        "3. W edytorze xlwings Lite otwórz kartę requirements.txt i dodaj adres URL pliku wheel w osobnym wierszu.",
    ),
    "office_3b": (
        "    numpy, pandas and scipy come from Pyodide; there is nothing else to install.",
        "    numpy, pandas og scipy kommer fra Pyodide; ingenting annet må installeres.",
        "    numpy, pandas och scipy kommer från Pyodide; inget annat behöver installeras.",
        "    numpy, pandas i scipy pochodzą z Pyodide; nic więcej nie trzeba instalować.",
    ),
    "office_4": (
        "4. In main.py add the line:  from xlprofit.excel.udfs import *",
        "4. Legg til denne linjen i main.py:  from xlprofit.excel.udfs import *",
        "4. Lägg till den här raden i main.py:  from xlprofit.excel.udfs import *",
        "4. W pliku main.py dodaj wiersz:  from xlprofit.excel.udfs import *",
    ),
    # Office.js returns real error values, which Excel shows in its own language.
    "office_names": (
        "The functions are named XLP.… (XLP.CLV, XLP.CUSTOMER_PNL, …). Errors are Excel errors; point at a "
        "#VALUE! cell to see why.",
        "Funksjonene heter XLP.… (XLP.CLV, XLP.CUSTOMER_PNL, …). Feil er Excel-feilverdier; pek på en "
        "#VERDI!-celle for å se årsaken.",
        "Funktionerna heter XLP.… (XLP.CLV, XLP.CUSTOMER_PNL, …). Fel är Excel-felvärden; peka på en "
        "#VÄRDEFEL!-cell för att se orsaken.",
        "Funkcje mają nazwy XLP.… (XLP.CLV, XLP.CUSTOMER_PNL, …). Błędy są błędami Excela; wskaż komórkę "
        "z #ARG!, aby zobaczyć przyczynę.",
    ),
    "office_server": (
        "xlwings Server: import the same module in the server's custom-functions module:  "
        "from xlprofit.excel.udfs import *",
        "xlwings Server: importer den samme modulen i serverens modul for egendefinerte funksjoner:  "
        "from xlprofit.excel.udfs import *",
        "xlwings Server: importera samma modul i serverns modul för anpassade funktioner:  "
        "from xlprofit.excel.udfs import *",
        "xlwings Server: zaimportuj ten sam moduł w module funkcji niestandardowych serwera:  "
        "from xlprofit.excel.udfs import *",
    ),
    "office_other": (
        "Classic xlwings add-in on Windows: write the classic template instead:  xlprofit template --runtime "
        "classic -o FILE.xlsx",
        "Klassisk xlwings-tillegg i Windows: lag den klassiske malen i stedet:  xlprofit template --runtime "
        "classic -o FIL.xlsx",
        "Klassiskt xlwings-tillägg i Windows: skapa den klassiska mallen i stället:  xlprofit template --runtime "
        "classic -o FIL.xlsx",
        "Klasyczny dodatek xlwings w Windows: utwórz zamiast tego szablon klasyczny:  xlprofit template "
        "--runtime classic -o PLIK.xlsx",
    ),
    "report_heading": ("Produce the report", "Lag rapporten", "Skapa rapporten", "Tworzenie raportu"),
    # {ext}: .xlsm for the classic add-in (the workbook holds its VBA), .xlsx under Office.js.
    "report_1": (
        "Save this workbook, then run:  xlprofit validate THIS{ext}   (lists every problem with sheet row "
        "and column)",
        "Lagre arbeidsboken og kjør:  xlprofit validate DENNE{ext}   (viser hvert problem med rad og kolonne)",
        "Spara arbetsboken och kör:  xlprofit validate DENNA{ext}   (visar varje problem med rad och kolumn)",
        "Zapisz skoroszyt i uruchom:  xlprofit validate TEN{ext}   (pokazuje każdy problem z wierszem "
        "i kolumną)",
    ),
    "report_2": (
        "and:  xlprofit report THIS{ext} -o report.xlsx   (a finished report: values only, opens anywhere)",
        "og:  xlprofit report DENNE{ext} -o rapport.xlsx   (ferdig rapport: bare verdier, åpnes overalt)",
        "och:  xlprofit report DENNA{ext} -o rapport.xlsx   (färdig rapport: bara värden, öppnas överallt)",
        "oraz:  xlprofit report TEN{ext} -o raport.xlsx   (gotowy raport: same wartości, otwiera się wszędzie)",
    ),
    "report_python": (
        "The xlprofit command runs on a computer with Python 3.11 or newer:  pip install "
        "xlprofit-<version>-py3-none-any.whl",
        "Kommandoet xlprofit kjører på en datamaskin med Python 3.11 eller nyere:  pip install "
        "xlprofit-<version>-py3-none-any.whl",
        "Kommandot xlprofit körs på en dator med Python 3.11 eller senare:  pip install "
        "xlprofit-<version>-py3-none-any.whl",
        "Polecenie xlprofit działa na komputerze z Pythonem 3.11 lub nowszym:  pip install "
        "xlprofit-<version>-py3-none-any.whl",
    ),
    "sheets_heading": ("The sheets", "Arkene", "Bladen", "Arkusze"),
    "required": ("required", "påkrevd", "obligatorisk", "wymagane"),
    "parameters_title": ("Parameters", "Parametere", "Parametrar", "Parametry"),
    "parameters_intro": (
        "One value per name. Blank means 'not given'. The value cells are named (DiscountRate, PaymentDays, …) "
        "for use in formulas.",
        "Én verdi per navn. Tom betyr 'ikke oppgitt'. Verdicellene har navn (DiscountRate, PaymentDays, …) "
        "til bruk i formler.",
        "Ett värde per namn. Tomt betyder 'inte angivet'. Värdecellerna är namngivna (DiscountRate, "
        "PaymentDays, …) för användning i formler.",
        "Jedna wartość na nazwę. Puste oznacza 'nie podano'. Komórki wartości mają nazwy (DiscountRate, "
        "PaymentDays, …) do użycia w formułach.",
    ),
    "scenarios_title": ("Scenarios (what-if)", "Scenarier (hva om)", "Scenarier (tänk om)",
                        "Scenariusze (co jeśli)"),
    "scenarios_intro": (
        "Optional. One row per change; rows with the same scenario name make one scenario, which the report "
        "sets beside the base (Scenarios sheet). Leave the Table empty for none.",
        "Valgfritt. Én rad per endring; rader med samme scenarionavn utgjør ett scenario, som rapporten "
        "setter ved siden av basis (arket Scenarios). La tabellen stå tom for ingen.",
        "Valfritt. En rad per ändring; rader med samma scenarionamn bildar ett scenario, som rapporten "
        "ställer bredvid basen (bladet Scenarios). Lämna tabellen tom för inga.",
        "Opcjonalne. Jeden wiersz na zmianę; wiersze o tej samej nazwie scenariusza tworzą jeden scenariusz, "
        "który raport zestawia z bazą (arkusz Scenarios). Pozostaw tabelę pustą, jeśli nie ma scenariuszy.",
    ),
    "scenarios_parameter": (
        "parameter — target: a parameter (discount_rate, payment_days, …); value: its new value.",
        "parameter — target: en parameter (discount_rate, payment_days, …); value: den nye verdien.",
        "parameter — target: en parameter (discount_rate, payment_days, …); value: det nya värdet.",
        "parameter — target: parametr (discount_rate, payment_days, …); value: jego nowa wartość.",
    ),
    "scenarios_rate": (
        "rate — target: an activity; value scales its cost per driver unit (0.8 = 20 % cheaper). "
        "For everyone.",
        "rate — target: en aktivitet; value skalerer kostnaden per driverenhet (0,8 = 20 % billigere). "
        "For alle.",
        "rate — target: en aktivitet; value skalar kostnaden per drivarenhet (0,8 = 20 % billigare). "
        "För alla.",
        "rate — target: działanie; value skaluje jego koszt na jednostkę nośnika (0,8 = 20% taniej). "
        "Dla wszystkich.",
    ),
    "scenarios_volume": (
        "volume — target: a driver (visits, manual_orders, orders, …); value scales the volume of the "
        "customers in applies_to (0.5 = half, 0 = none).",
        "volume — target: en driver (visits, manual_orders, orders, …); value skalerer volumet til kundene "
        "i applies_to (0,5 = halvparten, 0 = ingen).",
        "volume — target: en drivare (visits, manual_orders, orders, …); value skalar volymen för kunderna "
        "i applies_to (0,5 = hälften, 0 = ingen).",
        "volume — target: nośnik (visits, manual_orders, orders, …); value skaluje wolumen klientów "
        "z applies_to (0,5 = połowa, 0 = brak).",
    ),
    "scenarios_price": (
        "price — value: the price change (0.03 = +3 %, -0.05 = −5 %) of the customers in applies_to; "
        "target: a product_id, or blank for every product.",
        "price — value: prisendringen (0,03 = +3 %, -0,05 = −5 %) for kundene i applies_to; "
        "target: en product_id, eller tom for alle produkter.",
        "price — value: prisändringen (0,03 = +3 %, -0,05 = −5 %) för kunderna i applies_to; "
        "target: ett product_id, eller tomt för alla produkter.",
        "price — value: zmiana ceny (0,03 = +3%, -0,05 = −5%) dla klientów z applies_to; "
        "target: product_id albo puste dla wszystkich produktów.",
    ),
    "scenarios_capacity": (
        "capacity — target: a resource; value scales its capacity and its cost together (0.94 = 6 % fewer "
        "minutes paid for). For everyone.",
        "capacity — target: en ressurs; value skalerer kapasiteten og kostnaden sammen (0,94 = 6 % færre "
        "betalte minutter). For alle.",
        "capacity — target: en resurs; value skalar kapaciteten och kostnaden tillsammans (0,94 = 6 % färre "
        "betalda minuter). För alla.",
        "capacity — target: zasób; value skaluje jednocześnie jego zdolność i koszt (0,94 = o 6% mniej "
        "opłacanych minut). Dla wszystkich.",
    ),
    "scenarios_applies_to": (
        "applies_to: blank for every customer, or segment:Retail, channel:Web/EDI, region:North, "
        "customer:C0007.",
        "applies_to: tom for alle kunder, eller segment:Retail, channel:Web/EDI, region:North, "
        "customer:C0007.",
        "applies_to: tomt för alla kunder, eller segment:Retail, channel:Web/EDI, region:North, "
        "customer:C0007.",
        "applies_to: puste dla wszystkich klientów albo segment:Retail, channel:Web/EDI, region:North, "
        "customer:C0007.",
    ),
    "scenarios_unused": (
        "Minutes freed by a rate or volume change stay unused capacity (the resource costs the same) until a "
        "capacity row cuts them.",
        "Minutter som frigjøres av en rate- eller volume-endring, blir ubrukt kapasitet (ressursen koster det "
        "samme) til en capacity-rad kutter dem.",
        "Minuter som frigörs av en rate- eller volume-ändring förblir outnyttjad kapacitet (resursen kostar "
        "lika mycket) tills en capacity-rad skär bort dem.",
        "Minuty zwolnione zmianą rate lub volume pozostają niewykorzystaną zdolnością (zasób kosztuje tyle "
        "samo), dopóki wiersz capacity ich nie zredukuje.",
    ),
    "live_note_classic": (
        "Live formulas: they need the classic xlwings add-in with the xlprofit functions imported (see Start "
        "here). Without it (or in LibreOffice) they show #NAME?.",
        "Levende formler: de krever det klassiske xlwings-tillegget med xlprofit-funksjonene importert (se Start "
        "here). Uten det (eller i LibreOffice) vises #NAVN?.",
        "Levande formler: de kräver det klassiska xlwings-tillägget med xlprofit-funktionerna importerade (se "
        "Start here). Utan det (eller i LibreOffice) visas #NAMN?.",
        "Formuły na żywo: wymagają klasycznego dodatku xlwings z zaimportowanymi funkcjami xlprofit (zob. Start "
        "here). Bez niego (lub w LibreOffice) pokazują #NAZWA?.",
    ),
    # Until the add-in has registered its functions Excel shows the stored name ({stored}: _xldudf_XLP_).
    "live_note_office": (
        "Live formulas: they need xlwings Lite with xlprofit (see Start here). Until it has loaded the functions, "
        "and in LibreOffice, they show #NAME? (formula: {stored}…).",
        "Levende formler: de krever xlwings Lite med xlprofit (se Start here). Før funksjonene er lastet, og i "
        "LibreOffice, vises #NAVN? (formel: {stored}…).",
        "Levande formler: de kräver xlwings Lite med xlprofit (se Start here). Innan funktionerna har lästs in, "
        "och i LibreOffice, visas #NAMN? (formel: {stored}…).",
        "Formuły na żywo: wymagają xlwings Lite z xlprofit (zob. Start here). Zanim funkcje zostaną wczytane, "
        "oraz w LibreOffice, pokazują #NAZWA? (formuła: {stored}…).",
    ),
    "pnl_live": ("Customer P&L (live)", "Kunderesultat (live)", "Kundresultat (live)",
                 "Rachunek wyników klientów (live)"),
    "rates_live": ("Activity rates (live)", "Aktivitetssatser (live)", "Aktivitetssatser (live)",
                   "Stawki działań (live)"),
    "whale_live": ("Whale curve (live)", "Hvalkurve (live)", "Valkurva (live)", "Krzywa wieloryba (live)"),
    "whale_peak": ("Peak of the whale curve (share of total profit)", "Toppen av hvalkurven (andel av "
                   "totalt resultat)", "Valkurvans topp (andel av totalt resultat)",
                   "Szczyt krzywej wieloryba (udział w całkowitym zysku)"),
    "clv_live": ("Customer lifetime value (live)", "Kundelevetidsverdi (live)", "Kundlivstidsvärde (live)",
                 "Wartość klienta w czasie (live)"),
    "clv_intro": (
        "Retention formula per segment: change the margin per period and the retention rate and watch the "
        "value move.",
        "Retensjonsformel per segment: endre margin per periode og gjenkjøpsrate og se verdien endre seg.",
        "Retentionsformel per segment: ändra marginal per period och kvarhållningsgrad och se värdet ändras.",
        "Formuła retencji dla segmentu: zmień marżę na okres i wskaźnik utrzymania i obserwuj zmianę wartości.",
    ),
    "segment": ("Segment", "Segment", "Segment", "Segment"),
    "margin": ("Margin per period", "Margin per periode", "Marginal per period", "Marża na okres"),
    "retention": ("Retention per period", "Gjenkjøpsrate per periode", "Kvarhållning per period",
                  "Retencja na okres"),
    "clv": ("CLV", "CLV", "CLV", "CLV"),
    "credit_cost": ("Cost of credit of 100,000 of net revenue at PaymentDays and CostOfCapital",
                    "Kredittkostnad for 100 000 i nettoomsetning med PaymentDays og CostOfCapital",
                    "Kreditkostnad för 100 000 i nettoomsättning med PaymentDays och CostOfCapital",
                    "Koszt kredytu kupieckiego od 100 000 przychodu netto przy PaymentDays i CostOfCapital"),
    "validation_number": ("Enter a number of at least 0.", "Skriv inn et tall som er minst 0.",
                          "Ange ett tal som är minst 0.", "Wpisz liczbę nie mniejszą niż 0."),
    "validation_any_number": ("Enter a number.", "Skriv inn et tall.", "Ange ett tal.", "Wpisz liczbę."),
    "validation_rate": ("Enter a share between 0 and 1 (e.g. 0.05 or 5%).",
                        "Skriv inn en andel mellom 0 og 1 (f.eks. 0,05 eller 5 %).",
                        "Ange en andel mellan 0 och 1 (t.ex. 0,05 eller 5 %).",
                        "Wpisz udział od 0 do 1 (np. 0,05 lub 5%)."),
    "validation_date": ("Enter a date.", "Skriv inn en dato.", "Ange ett datum.", "Wpisz datę."),
    "validation_list": ("Not in the list; allowed, but check the spelling.",
                        "Ikke i listen; tillatt, men sjekk skrivemåten.",
                        "Inte i listan; tillåtet, men kontrollera stavningen.",
                        "Brak na liście; dozwolone, ale sprawdź pisownię."),
    "validation_choice": ("Choose a value from the list.", "Velg en verdi fra listen.",
                          "Välj ett värde i listan.", "Wybierz wartość z listy."),
}

_TABLES: dict[str, tuple[tuple[str, str, str, str], tuple[str, str, str, str]]] = {
    "customers": (("Customers", "Kunder", "Kunder", "Klienci"),
                  ("One row per customer. Only customer_id is required.",
                   "Én rad per kunde. Bare customer_id er påkrevd.",
                   "En rad per kund. Endast customer_id är obligatorisk.",
                   "Jeden wiersz na klienta. Wymagane jest tylko customer_id.")),
    "transactions": (("Transactions (invoice lines)", "Transaksjoner (fakturalinjer)", "Transaktioner "
                      "(fakturarader)", "Transakcje (pozycje faktur)"),
                     ("One row per invoice line; net_revenue = gross_revenue − discount − rebate.",
                      "Én rad per fakturalinje; net_revenue = gross_revenue − discount − rebate.",
                      "En rad per fakturarad; net_revenue = gross_revenue − discount − rebate.",
                      "Jeden wiersz na pozycję faktury; net_revenue = gross_revenue − discount − rebate.")),
    "activities": (("Activities", "Aktiviteter", "Aktiviteter", "Działania"),
                   ("Give cost (conventional ABC), or resource with unit_time or time_equation "
                    "(time-driven ABC, minutes).",
                    "Oppgi cost (tradisjonell ABC), eller resource med unit_time eller time_equation "
                    "(tidsdrevet ABC, minutter).",
                    "Ange cost (traditionell ABC), eller resource med unit_time eller time_equation "
                    "(tidsdriven ABC, minuter).",
                    "Podaj cost (klasyczny ABC) albo resource z unit_time lub time_equation "
                    "(ABC sterowany czasem, minuty).")),
    "resources": (("Resources (time-driven ABC)", "Ressurser (tidsdrevet ABC)", "Resurser (tidsdriven ABC)",
                   "Zasoby (ABC sterowany czasem)"),
                  ("Departments with their cost and practical capacity in minutes.",
                   "Avdelinger med kostnad og praktisk kapasitet i minutter.",
                   "Avdelningar med kostnad och praktisk kapacitet i minuter.",
                   "Działy z kosztem i praktyczną zdolnością w minutach.")),
    "usage": (("Usage (driver volumes)", "Forbruk (drivervolumer)", "Förbrukning (drivarvolymer)",
               "Zużycie (wolumeny nośników)"),
              ("Driver quantities the invoice lines do not carry: visits, calls, complaints, …",
               "Drivermengder som fakturalinjene ikke har: besøk, samtaler, reklamasjoner, …",
               "Drivarmängder som fakturaraderna saknar: besök, samtal, reklamationer, …",
               "Ilości nośników, których nie ma na fakturach: wizyty, rozmowy, reklamacje, …")),
}

_CAPTIONS: dict[str, tuple[str, str, str, str]] = {
    "customer_id": ("Customer id", "Kunde-ID", "Kund-ID", "ID klienta"),
    "name": ("Name", "Navn", "Namn", "Nazwa"),
    "segment": ("Segment", "Segment", "Segment", "Segment"),
    "channel": ("Sales channel", "Salgskanal", "Försäljningskanal", "Kanał sprzedaży"),
    "region": ("Region", "Region", "Region", "Region"),
    "acquired_on": ("Customer since (date)", "Kunde siden (dato)", "Kund sedan (datum)", "Klient od (data)"),
    "acquisition_cost": ("Acquisition cost", "Anskaffelseskostnad", "Anskaffningskostnad", "Koszt pozyskania"),
    "referred_by": ("Referred by (customer id)", "Anbefalt av (kunde-ID)", "Rekommenderad av (kund-ID)",
                    "Polecony przez (ID klienta)"),
    "payment_days": ("Payment days", "Betalingsdager", "Betalningsdagar", "Dni płatności"),
    "commission_rate": ("Commission rate (0–1)", "Provisjonssats (0–1)", "Provisionssats (0–1)",
                        "Stawka prowizji (0–1)"),
    "currency": ("Currency", "Valuta", "Valuta", "Waluta"),
    "date": ("Invoice date", "Fakturadato", "Fakturadatum", "Data faktury"),
    "net_revenue": ("Net revenue", "Nettoomsetning", "Nettoomsättning", "Przychód netto"),
    "order_id": ("Order id", "Ordre-ID", "Order-ID", "ID zamówienia"),
    "product_id": ("Product id", "Produkt-ID", "Produkt-ID", "ID produktu"),
    "quantity": ("Quantity", "Antall", "Antal", "Ilość"),
    "gross_revenue": ("Gross revenue (list price)", "Bruttoomsetning (listepris)", "Bruttoomsättning "
                      "(listpris)", "Przychód brutto (cena katalogowa)"),
    "discount": ("On-invoice discount", "Rabatt på faktura", "Rabatt på faktura", "Rabat na fakturze"),
    "rebate": ("Off-invoice rebate", "Bonus etter faktura", "Bonus efter faktura", "Rabat posprzedażowy"),
    "cogs": ("Cost of goods sold", "Varekostnad", "Varukostnad", "Koszt sprzedanych towarów"),
    "returned": ("Returned (TRUE/FALSE)", "Returnert (SANN/USANN)", "Returnerad (SANT/FALSKT)",
                 "Zwrócone (PRAWDA/FAŁSZ)"),
    "written_off": ("Written off (bad debt)", "Avskrevet (tap på fordringer)", "Avskrivet (kundförlust)",
                    "Odpisane (złe długi)"),
    "paid_on": ("Paid on (date)", "Betalt (dato)", "Betald (datum)", "Data zapłaty"),
    "activity": ("Activity", "Aktivitet", "Aktivitet", "Działanie"),
    "driver": ("Driver", "Driver", "Drivare", "Nośnik kosztów"),
    "cost": ("Cost", "Kostnad", "Kostnad", "Koszt"),
    "resource": ("Resource", "Ressurs", "Resurs", "Zasób"),
    "unit_time": ("Minutes per driver unit", "Minutter per driverenhet", "Minuter per drivarenhet",
                  "Minuty na jednostkę nośnika"),
    "time_equation": ("Time equation (minutes)", "Tidsligning (minutter)", "Tidsekvation (minuter)",
                      "Równanie czasu (minuty)"),
    "level": ("Level: customer, order, line, product", "Nivå: customer, order, line, product",
              "Nivå: customer, order, line, product", "Poziom: customer, order, line, product"),
    "capacity": ("Practical capacity (minutes)", "Praktisk kapasitet (minutter)", "Praktisk kapacitet "
                 "(minuter)", "Praktyczna zdolność (minuty)"),
    "period": ("Period (e.g. 2025Q1, 2025-03)", "Periode (f.eks. 2025Q1, 2025-03)", "Period (t.ex. 2025Q1, "
               "2025-03)", "Okres (np. 2025Q1, 2025-03)"),
    "scenario": ("Scenario name", "Scenarionavn", "Scenarionamn", "Nazwa scenariusza"),
    # The template appends the kinds (CHANGE_KINDS of xlprofit.core.scenarios) to this caption.
    "change": ("Kind of change", "Type endring", "Typ av ändring", "Rodzaj zmiany"),
    "target": ("Parameter, activity, driver, resource or product", "Parameter, aktivitet, driver, ressurs "
               "eller produkt", "Parameter, aktivitet, drivare, resurs eller produkt", "Parametr, działanie, "
               "nośnik, zasób lub produkt"),
    "applies_to": ("Whose data (blank: everyone)", "Hvem sine data (tom: alle)", "Vems data (tomt: alla)",
                   "Czyje dane (puste: wszyscy)"),
    "value": ("Value", "Verdi", "Värde", "Wartość"),
    "meaning": ("Meaning", "Betydning", "Betydelse", "Znaczenie"),
}

#: What each parameter means in nb, sv and pl: the template's parameters sheet and the report's Assumptions.
MEANINGS: dict[str, tuple[str, str, str]] = {
    "period_start": ("første dag i analyseperioden", "första dagen i analysperioden",
                     "pierwszy dzień okresu analizy"),
    "period_end": ("siste dag i analyseperioden", "sista dagen i analysperioden", "ostatni dzień okresu analizy"),
    "discount_rate": ("årlig diskonteringsrente for levetidsverdier", "årlig diskonteringsränta för "
                      "livstidsvärden", "roczna stopa dyskontowa dla wartości klienta"),
    "cost_of_capital": ("årlig kapitalkostnad for kredittkostnaden (standard: discount_rate)",
                        "årlig kapitalkostnad för kreditkostnaden (standard: discount_rate)",
                        "roczny koszt kapitału dla kosztu kredytu (domyślnie: discount_rate)"),
    "payment_days": ("standard dager fra faktura til betaling", "standard dagar från faktura till betalning",
                     "domyślna liczba dni od faktury do zapłaty"),
    "commission_rate": ("standard salgsprovisjon som andel av provisjonsgrunnlaget (commission_basis)",
                        "standard säljprovision som andel av provisionsunderlaget (commission_basis)",
                        "domyślna prowizja jako udział w podstawie prowizji (commission_basis)"),
    "commission_basis": ("hva provisjon betales av: collected (innbetalt: nettoomsetning − avskrevet) eller "
                         "net_revenue", "vad provision betalas på: collected (inbetalt: nettoomsättning − "
                         "avskrivet) eller net_revenue", "podstawa prowizji: collected (zainkasowane: przychód "
                         "netto − odpisy) lub net_revenue"),
    "returns": ("returnerte linjer: credit (krediteres som med en kreditnota) eller as_booked (reskontroen har "
                "egne kreditnotaer)", "returnerade rader: credit (krediteras som med en kreditnota) eller "
                "as_booked (reskontran har egna kreditnotor)", "zwrócone pozycje: credit (korygowane jak "
                "fakturą korygującą) lub as_booked (księga zawiera własne korekty)"),
    "currency": ("rapporteringsvaluta", "rapportvaluta", "waluta raportowania"),
    "periods_per_year": ("perioder per år for trenden: 1, 2, 4 eller 12", "perioder per år för trenden: 1, 2, "
                         "4 eller 12", "liczba okresów w roku dla trendu: 1, 2, 4 lub 12"),
    "acquisition_charge": ("hvilke anskaffelseskostnader perioden bærer: in_period, all eller none",
                           "vilka anskaffningskostnader perioden bär: in_period, all eller none",
                           "które koszty pozyskania obciążają okres: in_period, all lub none"),
    "clv_horizon_years": ("horisont for kundelevetidsverdier, i år", "horisont för kundlivstidsvärden, i år",
                          "horyzont wartości klienta, w latach"),
    "clv_fit_customers": ("kunder kjøpsmodellene for kundelevetidsverdier tilpasses på, trukket tilfeldig fra en "
                          "større kundebok (0: alle)",
                          "kunder som köpmodellerna för kundlivstidsvärden skattas på, dragna slumpmässigt ur en "
                          "större kundstock (0: alla)",
                          "klienci, na których szacuje się modele zakupów dla wartości klienta, losowani z większej "
                          "bazy (0: wszyscy)"),
}


def _pick(options: tuple[str, ...], language: str) -> str:
    return options[_ORDER.index(language)]


def text(key: str, language: str, **fields: str) -> str:
    """The template text ``key`` in ``language``, with ``fields`` filled into its ``{name}`` places."""
    chosen = _pick(_TEXTS[key], language)
    return chosen.format(**fields) if fields else chosen


def table_text(table: str, language: str) -> tuple[str, str]:
    """Title and instruction of the input sheet of ``table``."""
    title, intro = _TABLES[table]
    return _pick(title, language), _pick(intro, language)


def caption(column: str, language: str, *, required: bool = False) -> str:
    """Explanation shown above the header of ``column``."""
    options = _CAPTIONS.get(column)
    label = _pick(options, language) if options else column.replace("_", " ")
    return f"{label} ({text('required', language)})" if required else label


def meaning(parameter: str, english: str, language: str) -> str:
    """Meaning of a parameter in ``language`` (``english`` is the core's own description)."""
    if language == "en" or parameter not in MEANINGS:
        return english
    return MEANINGS[parameter][_ORDER.index(language) - 1]


# The report's words about completeness: what was left out of the figures and how profit bridges
# to the period's result. Amounts arrive formatted (English style; report_text rewrites them in the language's).
_REPORT_TEXTS: dict[str, tuple[str, str, str, str]] = {
    "incomplete": (
        "✗ INCOMPLETE REPORT — cost excluded: {amount}. The {count} rejected cost pool row(s) below are in none "
        "of the figures of this report.",
        "✗ UFULLSTENDIG RAPPORT — utelatte kostnader: {amount}. De {count} avviste kostnadspoolene (radene) "
        "nedenfor inngår ikke i noen tall i denne rapporten.",
        "✗ OFULLSTÄNDIG RAPPORT — utelämnade kostnader: {amount}. De {count} avvisade kostnadspoolerna (raderna) "
        "nedan ingår inte i någon siffra i rapporten.",
        "✗ RAPORT NIEPEŁNY — pominięte koszty: {amount}. Poniższe odrzucone pule kosztów (wiersze: {count}) "
        "nie są ujęte w żadnej liczbie tego raportu.",
    ),
    "amount_unknown": (
        "{amount} plus an unknown amount ({count} row(s) with an unreadable cost)",
        "{amount} pluss et ukjent beløp ({count} rad(er) med uleselig kostnad)",
        "{amount} plus ett okänt belopp ({count} rad(er) med oläslig kostnad)",
        "{amount} plus nieznana kwota (wiersze z nieczytelnym kosztem: {count})",
    ),
    "pool_resources": ("Resource", "Ressurs", "Resurs", "Zasób"),
    "pool_activities": ("Activity", "Aktivitet", "Aktivitet", "Działanie"),
    "row": ("row", "rad", "rad", "wiersz"),
    "cost_known": ("cost {amount} excluded", "kostnad {amount} utelatt", "kostnad {amount} utelämnad",
                   "koszt {amount} pominięty"),
    "cost_none": (
        "no cost of its own (time-driven); its minutes are not traced",
        "ingen egen kostnad (tidsdrevet); minuttene er ikke fordelt",
        "ingen egen kostnad (tidsdriven); minuterna är inte fördelade",
        "brak własnego kosztu (ABC sterowany czasem); jego minuty nie zostały rozliczone",
    ),
    "cost_unreadable": ("cost unreadable (unknown)", "uleselig kostnad (ukjent)", "oläslig kostnad (okänd)",
                        "koszt nieczytelny (nieznany)"),
    "cost_rejected": ("cost rejected (unknown)", "kostnaden er avvist (ukjent)", "kostnaden är avvisad (okänd)",
                      "koszt odrzucony (nieznany)"),
    "pools_more": (
        "… and {count} more: see the Reconciliation and Exceptions sheets",
        "… og {count} til: se arkene Avstemming og Avvik",
        "… och {count} till: se bladen Avstämning och Avvikelser",
        "… i {count} więcej: zob. arkusze Uzgodnienie i Wyjątki",
    ),
    "rejected_rows": ("Rejected input rows: {parts} — see the Exceptions sheet",
                      "Avviste inndatarader: {parts} — se arket Avvik",
                      "Avvisade indatarader: {parts} — se bladet Avvikelser",
                      "Odrzucone wiersze danych: {parts} — zob. arkusz Wyjątki"),
    "rejected_none": ("Rejected input rows: none", "Avviste inndatarader: ingen", "Avvisade indatarader: inga",
                      "Odrzucone wiersze danych: brak"),
    "rejected_lines": ("{count} invoice line(s), net revenue {amount}",
                       "{count} fakturalinje(r), nettoomsetning {amount}",
                       "{count} fakturarad(er), nettoomsättning {amount}",
                       "pozycje faktur: {count}, przychód netto {amount}"),
    "rejected_usage": ("{count} usage row(s)", "{count} forbruksrad(er)", "{count} förbrukningsrad(er)",
                       "wiersze zużycia: {count}"),
    "bridge_heading": ("From customer profit to the period's result", "Fra kunderesultat til periodens resultat",
                       "Från kundresultat till periodens resultat", "Od zysku na klientach do wyniku okresu"),
    "bridge_note": (
        "Period result = net revenue − COGS − every activity and resource cost of the input − commissions − cost "
        "of credit − bad debt − acquisition cost; its figures are on the Reconciliation sheet.",
        "Periodens resultat = nettoomsetning − varekostnad − alle aktivitets- og ressurskostnader i inndataene − "
        "provisjoner − kredittkostnad − tap på fordringer − anskaffelseskostnad; tallene står på arket "
        "Avstemming.",
        "Periodens resultat = nettoomsättning − varukostnad − alla aktivitets- och resurskostnader i indata − "
        "provisioner − kreditkostnad − kundförluster − anskaffningskostnad; siffrorna finns på bladet "
        "Avstämning.",
        "Wynik okresu = przychód netto − koszt sprzedanych towarów − wszystkie koszty działań i zasobów z danych "
        "wejściowych − prowizje − koszt kredytu kupieckiego − złe długi − koszt pozyskania; liczby na arkuszu "
        "Uzgodnienie.",
    ),
    "excluded_heading": (
        "Excluded cost pools (rejected input rows; their cost is in no figure of this report)",
        "Utelatte kostnadspooler (avviste inndatarader; kostnaden inngår ikke i noen tall i rapporten)",
        "Utelämnade kostnadspooler (avvisade indatarader; kostnaden ingår inte i någon siffra i rapporten)",
        "Pominięte pule kosztów (odrzucone wiersze danych; ich koszt nie jest ujęty w żadnej liczbie raportu)",
    ),
    # The Summary: the whole waterfall from gross revenue to the period's result, its chart, the
    # whale curve, the customers with the driver of their result, the checks.
    "key_figures": ("Key figures", "Nøkkeltall", "Nyckeltal", "Kluczowe wskaźniki"),
    "waterfall_heading": ("From gross revenue to the period's result", "Fra bruttoomsetning til periodens resultat",
                          "Från bruttoomsättning till periodens resultat", "Od przychodu brutto do wyniku okresu"),
    "waterfall_note": (
        "Deductions negative; each subtotal is the sum of the rows above it since the previous one. Chart: totals "
        "in blue, deductions in red, additions in green.",
        "Fradrag er negative; hver delsum er summen av radene over den siden forrige delsum. Diagram: summer i "
        "blått, fradrag i rødt, tillegg i grønt.",
        "Avdrag är negativa; varje delsumma är summan av raderna ovanför sedan föregående delsumma. Diagram: "
        "summor i blått, avdrag i rött, tillägg i grönt.",
        "Pomniejszenia ze znakiem minus; każda suma częściowa to suma wierszy nad nią od poprzedniej. Wykres: "
        "sumy na niebiesko, pomniejszenia na czerwono, zwiększenia na zielono.",
    ),
    "step_gross_revenue": ("Gross revenue (list price)", "Bruttoomsetning (listepris)",
                           "Bruttoomsättning (listpris)", "Przychód brutto (cena katalogowa)"),
    "step_discounts": ("On-invoice discounts", "Rabatter på faktura", "Rabatter på faktura", "Rabaty na fakturze"),
    "step_rebates": ("Off-invoice rebates", "Bonuser etter faktura", "Bonusar efter faktura",
                     "Rabaty posprzedażowe"),
    "step_net_revenue": ("Net revenue", "Nettoomsetning", "Nettoomsättning", "Przychód netto"),
    "step_cogs": ("Cost of goods sold", "Varekostnad", "Varukostnad", "Koszt sprzedanych towarów"),
    "step_gross_margin": ("Gross margin", "Bruttofortjeneste", "Bruttovinst", "Marża brutto"),
    "step_cost_to_serve": ("Cost-to-serve", "Kundebetjeningskostnad", "Kostnad att betjäna kunden",
                           "Koszt obsługi klienta"),
    "step_commissions": ("Commissions", "Provisjoner", "Provisioner", "Prowizje"),
    "step_cost_of_credit": ("Cost of credit", "Kredittkostnad", "Kreditkostnad", "Koszt kredytu kupieckiego"),
    "step_bad_debt": ("Bad debt", "Tap på fordringer", "Kundförluster", "Złe długi"),
    "step_contribution": ("Contribution", "Dekningsbidrag", "Täckningsbidrag", "Marża na pokryciu"),
    "step_acquisition_cost": ("Acquisition cost", "Anskaffelseskostnad", "Anskaffningskostnad",
                              "Koszt pozyskania klienta"),
    "step_customer_profit": ("Customer profit (Σ over the customers)", "Kunderesultat (Σ over kundene)",
                             "Kundresultat (Σ över kunderna)", "Wynik na klientach (Σ po klientach)"),
    "step_other_products": ("Other products' profit", "Resultat av de andre produktene",
                            "Resultat av övriga produkter", "Wynik pozostałych produktów"),
    "step_unused_capacity": ("Unused capacity cost", "Kostnad for ubrukt kapasitet",
                             "Kostnad för outnyttjad kapacitet", "Koszt niewykorzystanych zdolności"),
    "step_unassigned": ("Unassigned activity cost", "Ufordelt aktivitetskostnad", "Ofördelad aktivitetskostnad",
                        "Nieprzypisany koszt działań"),
    "step_excluded": ("Excluded cost pools", "Utelatte kostnadspooler", "Utelämnade kostnadspooler",
                      "Pominięte pule kosztów"),
    "step_period_result": ("Period result", "Periodens resultat", "Periodens resultat", "Wynik okresu"),
    "waterfall_detail": ("From gross margin to the period's result (detail of the chart above)",
                         "Fra bruttofortjeneste til periodens resultat (utsnitt av diagrammet over)",
                         "Från bruttovinst till periodens resultat (utsnitt av diagrammet ovan)",
                         "Od marży brutto do wyniku okresu (fragment wykresu powyżej)"),
    "whale_title": ("Whale curve: cumulative profit by cumulative customers",
                    "Hvalkurve: akkumulert resultat etter akkumulerte kunder",
                    "Valkurva: ackumulerat resultat efter ackumulerade kunder",
                    "Krzywa wieloryba: skumulowany zysk wg skumulowanej liczby klientów"),
    "whale_x": ("Customers, most profitable first (cumulative %)", "Kunder, mest lønnsomme først (akkumulert %)",
                "Kunder, mest lönsamma först (ackumulerat %)", "Klienci od najbardziej rentownych (skumulowane %)"),
    "whale_y": ("Profit (cumulative % of total)", "Resultat (akkumulert % av totalt)",
                "Resultat (ackumulerat % av totalt)", "Zysk (skumulowany % całości)"),
    "top_heading": ("The {count} most profitable customers and the largest driver of each one's profit",
                    "De {count} mest lønnsomme kundene og den største driveren bak hver kundes resultat",
                    "De {count} mest lönsamma kunderna och den största drivaren bakom varje kunds resultat",
                    "{count} najbardziej rentownych klientów i główne źródło zysku każdego z nich"),
    "bottom_heading": ("The {count} least profitable customers and the largest driver of each one's loss",
                       "De {count} minst lønnsomme kundene og den største driveren bak hver kundes tap",
                       "De {count} minst lönsamma kunderna och den största drivaren bakom varje kunds förlust",
                       "{count} najmniej rentownych klientów i główna przyczyna straty każdego z nich"),
    "reason_margin": ("gross margin {margin}, {share} of net revenue", "bruttofortjeneste {margin}, {share} av "
                      "nettoomsetningen", "bruttovinst {margin}, {share} av nettoomsättningen",
                      "marża brutto {margin}, {share} przychodu netto"),
    "reason_margin_only": ("gross margin {margin} without net revenue", "bruttofortjeneste {margin} uten "
                           "nettoomsetning", "bruttovinst {margin} utan nettoomsättning",
                           "marża brutto {margin} bez przychodu netto"),
    "reason_cost": ("{cost} {amount} on net revenue {revenue}", "{cost} {amount} på nettoomsetning {revenue}",
                    "{cost} {amount} på nettoomsättning {revenue}", "{cost} {amount} przy przychodzie netto {revenue}"),
    "reason_activity": ("{cost} {amount}; most of it {activity} {activity_amount}",
                        "{cost} {amount}; mest {activity} {activity_amount}",
                        "{cost} {amount}; mest {activity} {activity_amount}",
                        "{cost} {amount}; głównie {activity} {activity_amount}"),
    "driver_orders": ("orders", "ordrer", "order", "zamówień"),
    "driver_lines": ("invoice lines", "fakturalinjer", "fakturarader", "pozycji faktur"),
    "driver_units": ("units", "enheter", "enheter", "sztuk"),
    "driver_returns": ("returns", "returer", "returer", "zwrotów"),
    "checks_heading": ("Checks", "Kontroller", "Kontroller", "Kontrole"),
    # The Actions sheet and the Summary's block of the actions worth most (xlprofit.core.actions). Lever
    # names, the sentences of what changes and the formulas come from the core, in English; the report
    # translates them with the rest of its texts (xlprofit.report._words).
    "top_actions_heading": ("The {count} actions worth most", "De {count} mest verdifulle tiltakene",
                            "De {count} mest värdefulla åtgärderna", "{count} najcenniejszych działań"),
    "top_actions_note": (
        "Each lever alone, ranked by its effect on the customer's profit; freed cost-to-serve is saved only once "
        "the capacity is cut ('Effect on the period result'). Every lever and the ones left out: Actions sheet.",
        "Hvert tiltak alene, rangert etter effekten på kundens resultat; frigjort kundebetjeningskostnad spares "
        "først når kapasiteten kuttes ('Effekt på periodens resultat'). Alle tiltak og de utelatte: arket Tiltak.",
        "Varje åtgärd för sig, rangordnad efter effekten på kundens resultat; frigjord kostnad att betjäna sparas "
        "först när kapaciteten minskas ('Effekt på periodens resultat'). Alla åtgärder och de utelämnade: bladet "
        "Åtgärder.",
        "Każde działanie osobno, według wpływu na zysk klienta; zwolniony koszt obsługi to oszczędność dopiero "
        "po zmniejszeniu zdolności ('Wpływ na wynik okresu'). Wszystkie działania i pominięte: arkusz "
        "Zalecenia.",
    ),
    "actions_title": ("Actions", "Tiltak", "Åtgärder", "Zalecane działania"),
    "actions_subtitle": (
        "For every customer losing money or flagged, the levers that would fix it and what each is worth, "
        "estimated from the customer's own drivers and the activities' rates.",
        "For hver kunde som taper penger eller er flagget: tiltakene som kan rette det opp, og hva hvert er verdt, "
        "beregnet fra kundens egne drivere og aktivitetenes satser.",
        "För varje kund som går med förlust eller är flaggad: åtgärderna som kan rätta till det och vad var och en "
        "är värd, beräknat från kundens egna drivare och aktiviteternas satser.",
        "Dla każdego klienta przynoszącego stratę lub oflagowanego: działania, które mogą to naprawić, i ich "
        "wartość, oszacowane z czynników klienta i stawek działań.",
    ),
    "actions_note_rank": (
        "Ranked by the effect on the customer's profit in the period, largest first. Each lever is estimated "
        "alone; ending the relationship replaces the others.",
        "Rangert etter effekten på kundens resultat i perioden, størst først. Hvert tiltak er beregnet alene; å "
        "avslutte kundeforholdet erstatter de andre.",
        "Rangordnat efter effekten på kundens resultat under perioden, störst först. Varje åtgärd är beräknad för "
        "sig; att avsluta kundrelationen ersätter de andra.",
        "Według wpływu na zysk klienta w okresie, od największego. Każde działanie oszacowano osobno; "
        "zakończenie współpracy zastępuje pozostałe.",
    ),
    "actions_note_capacity": (
        "Cost-to-serve freed becomes unused capacity unless the capacity (people, vehicles) is reduced: "
        "'Effect on the period result' is the change with the capacity as it is.",
        "Frigjort kundebetjeningskostnad blir ubrukt kapasitet med mindre kapasiteten (folk, kjøretøy) reduseres: "
        "'Effekt på periodens resultat' er endringen med kapasiteten slik den er.",
        "Frigjord kostnad att betjäna blir outnyttjad kapacitet om inte kapaciteten (personal, fordon) minskas: "
        "'Effekt på periodens resultat' är förändringen med kapaciteten som den är.",
        "Zwolniony koszt obsługi staje się niewykorzystaną zdolnością, chyba że zdolność (ludzie, pojazdy) "
        "zostanie zmniejszona: 'Wpływ na wynik okresu' to zmiana przy obecnej zdolności.",
    ),
    "actions_note_ending": (
        "'Consider ending the relationship' where the lifetime value incl. referral value stays negative after "
        "the other levers (repricing not counted); its effect is minus the customer's contribution.",
        "'Vurder å avslutte kundeforholdet' der kundelevetidsverdien inkl. henvisningsverdi forblir negativ etter "
        "de andre tiltakene (uten prisøkning); effekten er minus kundens dekningsbidrag.",
        "'Överväg att avsluta kundrelationen' där kundlivstidsvärdet inkl. värdet av rekommendationer förblir "
        "negativt efter de andra åtgärderna (utan prishöjning); effekten är minus kundens täckningsbidrag.",
        "'Rozważ zakończenie współpracy' tam, gdzie wartość klienta wraz z wartością poleceń pozostaje ujemna "
        "po pozostałych działaniach (bez podwyżki cen); efekt to minus marża na pokryciu klienta.",
    ),
    "actions_heading": ("Levers per customer ({count})", "Tiltak per kunde ({count})", "Åtgärder per kund ({count})",
                        "Działania dla klientów ({count})"),
    "actions_none": (
        "No customer loses money or is flagged: nothing to act on.",
        "Ingen kunde taper penger eller er flagget: ingenting å gjøre.",
        "Ingen kund går med förlust eller är flaggad: inget att åtgärda.",
        "Żaden klient nie przynosi straty ani nie jest oflagowany: nie ma czego naprawiać.",
    ),
    "actions_pilot": (
        "Not estimated for a product pilot: the levers change a customer's whole business, not its share on the "
        "products analysed. Analyse all products for the actions.",
        "Ikke beregnet for en produktpilot: tiltakene endrer hele kundeforholdet, ikke bare andelen på de "
        "analyserte produktene. Analyser alle produkter for å få tiltakene.",
        "Inte beräknat för en produktpilot: åtgärderna ändrar hela kundrelationen, inte bara andelen på de "
        "analyserade produkterna. Analysera alla produkter för att få åtgärderna.",
        "Nie szacuje się dla pilotażu produktowego: działania zmieniają całą współpracę z klientem, nie tylko "
        "udział analizowanych produktów. Przeanalizuj wszystkie produkty, aby otrzymać działania.",
    ),
    "actions_cut": (
        "The first {shown} of {count} rows: a worksheet holds no more. All of them: Analysis.actions and "
        "xlprofit.core.actions.actions_left_out in Python.",
        "De første {shown} av {count} radene: et regneark har ikke plass til flere. Alle: Analysis.actions og "
        "xlprofit.core.actions.actions_left_out i Python.",
        "De första {shown} av {count} raderna: ett kalkylblad rymmer inte fler. Alla: Analysis.actions och "
        "xlprofit.core.actions.actions_left_out i Python.",
        "Pierwsze {shown} z {count} wierszy: arkusz nie mieści więcej. Wszystkie: Analysis.actions i "
        "xlprofit.core.actions.actions_left_out w Pythonie.",
    ),
    "left_out_heading": (
        "Levers considered and left out, with the reason ({count})",
        "Tiltak som ble vurdert og utelatt, med begrunnelse ({count})",
        "Åtgärder som prövades och utelämnades, med skäl ({count})",
        "Działania rozważone i pominięte, z uzasadnieniem ({count})",
    ),
    "waterfall_chart_data": (
        "Chart data of the waterfall (hidden rows): invisible base, bar above zero, bar below zero",
        "Diagramdata for fossefallet (skjulte rader): usynlig basis, søyle over null, søyle under null",
        "Diagramdata för vattenfallet (dolda rader): osynlig bas, stapel över noll, stapel under noll",
        "Dane wykresu kaskadowego (ukryte wiersze): niewidoczna podstawa, słupek nad zerem, słupek pod zerem",
    ),
}


#: A number as English writes it: ``1,234.56``, ``−42%``, ``+18.8 %`` (a regular expression).
NUMBER_PATTERN = r"[+\-−]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?: ?%)?"
_NUMBER = re.compile(NUMBER_PATTERN)


def local_number(text: str, language: str) -> str:
    """``text`` as ``language`` writes a number, if it is one as English writes it; else unchanged.

    English ``1,234.56``, ``−42 %``, ``+18.8%`` become ``1 234,56`` (no-break space), ``−42 %``, ``+18,8%``.
    """
    if language == "en" or not _NUMBER.fullmatch(text):
        return text
    return text.replace(",", "\u00a0").replace(".", ",")


def report_text(key: str, language: str = "en", **fields: str) -> str:
    """The report text ``key`` in ``language``, with ``fields`` (numbers in the language's style) filled in."""
    chosen = _pick(_REPORT_TEXTS[key], language)
    return chosen.format(**{k: local_number(v, language) for k, v in fields.items()}) if fields else chosen
