"""Labels and instructions of the template workbook in English, Norwegian, Swedish and Polish.

Only the words around the input tables are translated. Sheet names, Table names, column
headers and parameter names stay in English snake_case in every language: they are the input
format that :func:`xlprofit.read` and the ``XLP_*`` functions rely on.
"""

from __future__ import annotations

__all__ = ["LANGUAGES", "text", "caption", "meaning"]

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
    "what_3": (
        "The sheets marked 'live' call the xlprofit functions (XLP_…) on these tables: with the add-in "
        "installed they recalculate whenever you change a number.",
        "Arkene merket 'live' kaller xlprofit-funksjonene (XLP_…) på tabellene: med tillegget installert "
        "regnes de om hver gang du endrer et tall.",
        "Bladen märkta 'live' anropar xlprofit-funktionerna (XLP_…) på tabellerna: med tillägget installerat "
        "räknas de om varje gång du ändrar ett tal.",
        "Arkusze oznaczone 'live' wywołują funkcje xlprofit (XLP_…) na tych tabelach: po zainstalowaniu "
        "dodatku przeliczają się przy każdej zmianie liczby.",
    ),
    "install_heading": ("Install the add-in", "Installer tillegget", "Installera tillägget", "Instalacja dodatku"),
    "install_1": (
        "1. Install Python 3.11 or newer, then run:  pip install xlprofit",
        "1. Installer Python 3.11 eller nyere, og kjør:  pip install xlprofit",
        "1. Installera Python 3.11 eller senare och kör:  pip install xlprofit",
        "1. Zainstaluj Pythona 3.11 lub nowszego, a następnie uruchom:  pip install xlprofit",
    ),
    "install_2": (
        "2. Windows Excel: run  xlwings addin install  and enable the xlprofit functions (names XLP_…).",
        "2. Excel for Windows: kjør  xlwings addin install  og aktiver xlprofit-funksjonene (navn XLP_…).",
        "2. Excel för Windows: kör  xlwings addin install  och aktivera xlprofit-funktionerna (namn XLP_…).",
        "2. Excel dla Windows: uruchom  xlwings addin install  i włącz funkcje xlprofit (nazwy XLP_…).",
    ),
    "install_3": (
        "3. Excel on the web or Mac (xlwings Server/Lite): the same functions appear as XLP.… .",
        "3. Excel på nett eller Mac (xlwings Server/Lite): de samme funksjonene heter XLP.… .",
        "3. Excel på webben eller Mac (xlwings Server/Lite): samma funktioner heter XLP.… .",
        "3. Excel w przeglądarce lub na Macu (xlwings Server/Lite): te same funkcje mają nazwy XLP.… .",
    ),
    "report_heading": ("Produce the report", "Lag rapporten", "Skapa rapporten", "Tworzenie raportu"),
    "report_1": (
        "Save this workbook, then run:  xlprofit validate THIS.xlsx   (lists every problem with sheet row "
        "and column)",
        "Lagre arbeidsboken og kjør:  xlprofit validate DENNE.xlsx   (viser hvert problem med rad og kolonne)",
        "Spara arbetsboken och kör:  xlprofit validate DENNA.xlsx   (visar varje problem med rad och kolumn)",
        "Zapisz skoroszyt i uruchom:  xlprofit validate TEN.xlsx   (pokazuje każdy problem z wierszem "
        "i kolumną)",
    ),
    "report_2": (
        "and:  xlprofit report THIS.xlsx -o report.xlsx   (a finished report: values only, opens anywhere)",
        "og:  xlprofit report DENNE.xlsx -o rapport.xlsx   (ferdig rapport: bare verdier, åpnes overalt)",
        "och:  xlprofit report DENNA.xlsx -o rapport.xlsx   (färdig rapport: bara värden, öppnas överallt)",
        "oraz:  xlprofit report TEN.xlsx -o raport.xlsx   (gotowy raport: same wartości, otwiera się wszędzie)",
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
    "live_note": (
        "Live formulas: they need the xlprofit add-in. Without it (or in LibreOffice) they show #NAME?.",
        "Levende formler: de krever xlprofit-tillegget. Uten det (eller i LibreOffice) vises #NAME?.",
        "Levande formler: de kräver xlprofit-tillägget. Utan det (eller i LibreOffice) visas #NAME?.",
        "Formuły na żywo: wymagają dodatku xlprofit. Bez niego (lub w LibreOffice) pokazują #NAME?.",
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
    "value": ("Value", "Verdi", "Värde", "Wartość"),
    "meaning": ("Meaning", "Betydning", "Betydelse", "Znaczenie"),
}

_MEANINGS: dict[str, tuple[str, str, str]] = {
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
    "commission_rate": ("standard salgsprovisjon som andel av nettoomsetning",
                        "standard säljprovision som andel av nettoomsättning",
                        "domyślna prowizja jako udział w przychodzie netto"),
    "currency": ("rapporteringsvaluta", "rapportvaluta", "waluta raportowania"),
    "periods_per_year": ("perioder per år for trenden: 1, 2, 4 eller 12", "perioder per år för trenden: 1, 2, "
                         "4 eller 12", "liczba okresów w roku dla trendu: 1, 2, 4 lub 12"),
    "acquisition_charge": ("hvilke anskaffelseskostnader perioden bærer: in_period, all eller none",
                           "vilka anskaffningskostnader perioden bär: in_period, all eller none",
                           "które koszty pozyskania obciążają okres: in_period, all lub none"),
    "clv_horizon_years": ("horisont for kundelevetidsverdier, i år", "horisont för kundlivstidsvärden, i år",
                          "horyzont wartości klienta, w latach"),
}


def _pick(options: tuple[str, ...], language: str) -> str:
    return options[_ORDER.index(language)]


def text(key: str, language: str) -> str:
    """The template text ``key`` in ``language``."""
    return _pick(_TEXTS[key], language)


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
    if language == "en" or parameter not in _MEANINGS:
        return english
    return _MEANINGS[parameter][_ORDER.index(language) - 1]
