"""The report layout's own texts: sheet names, titles, headings, notes, column headers and chart texts."""

from __future__ import annotations

__all__ = ["PHRASES"]

#: (English, Norwegian bokmål, Swedish, Polish); see xlprofit.report._words for the {field} syntax.
PHRASES: tuple[tuple[str, str, str, str], ...] = (
    # --- The sheet names (also what a chart's cell references name).
    ("Summary", "Sammendrag", "Sammanfattning", "Podsumowanie"),
    ("Customer P&L", "Kunderesultat", "Kundresultat", "Wynik klientów"),
    ("Cost-to-serve", "Kundebetjeningskostnad", "Kostnad att betjäna", "Koszt obsługi"),
    ("Activities", "Aktiviteter", "Aktiviteter", "Działania"),
    ("Whale curve", "Hvalkurve", "Valkurva", "Krzywa wieloryba"),
    ("Matrix", "Matrise", "Matris", "Macierz"),
    ("Segments", "Segmenter", "Segment", "Segmenty"),
    ("Products", "Produkter", "Produkter", "Produkty"),
    ("Trend", "Trend", "Trend", "Trend"),
    ("CLV", "CLV", "CLV", "CLV"),
    ("Acquisition", "Anskaffelse", "Anskaffning", "Pozyskanie"),
    ("Actions", "Tiltak", "Åtgärder", "Zalecenia"),
    ("Scenarios", "Scenarier", "Scenarier", "Scenariusze"),
    ("Reconciliation", "Avstemming", "Avstämning", "Uzgodnienie"),
    ("Exceptions", "Avvik", "Avvikelser", "Wyjątki"),
    ("Assumptions", "Forutsetninger", "Antaganden", "Założenia"),
    # --- Summary: title, the stamp under it (with or without a product pilot and a currency), the checks' line.
    ("Customer profitability report", "Rapport om kundelønnsomhet", "Rapport om kundlönsamhet",
     "Raport rentowności klientów"),
    ("Period {start} to {end} · amounts in {currency} · generated {when} by xlprofit {version}",
     "Periode {start} til {end} · beløp i {currency} · generert {when} av xlprofit {version}",
     "Period {start} till {end} · belopp i {currency} · skapad {when} av xlprofit {version}",
     "Okres od {start} do {end} · kwoty w {currency} · wygenerowano {when} przez xlprofit {version}"),
    ("Period {start} to {end} · generated {when} by xlprofit {version}",
     "Periode {start} til {end} · generert {when} av xlprofit {version}",
     "Period {start} till {end} · skapad {when} av xlprofit {version}",
     "Okres od {start} do {end} · wygenerowano {when} przez xlprofit {version}"),
    ("Period {start} to {end} · products {products} only, fully loaded · amounts in {currency} · generated {when} by "
     "xlprofit {version}",
     "Periode {start} til {end} · bare produktene {products}, med full kostnadsfordeling · beløp i {currency} · "
     "generert {when} av xlprofit {version}",
     "Period {start} till {end} · endast produkterna {products}, med full kostnadsfördelning · belopp i {currency} · "
     "skapad {when} av xlprofit {version}",
     "Okres od {start} do {end} · tylko produkty {products}, z pełnym rozliczeniem kosztów · kwoty w {currency} · "
     "wygenerowano {when} przez xlprofit {version}"),
    ("Period {start} to {end} · products {products} only, fully loaded · generated {when} by xlprofit {version}",
     "Periode {start} til {end} · bare produktene {products}, med full kostnadsfordeling · generert {when} av "
     "xlprofit {version}",
     "Period {start} till {end} · endast produkterna {products}, med full kostnadsfördelning · skapad {when} av "
     "xlprofit {version}",
     "Okres od {start} do {end} · tylko produkty {products}, z pełnym rozliczeniem kosztów · wygenerowano {when} "
     "przez xlprofit {version}"),
    ("Period {start} to {end} · products {products} and {count} more only, fully loaded · amounts in {currency} · "
     "generated {when} by xlprofit {version}",
     "Periode {start} til {end} · bare produktene {products} og {count} til, med full kostnadsfordeling · beløp i "
     "{currency} · generert {when} av xlprofit {version}",
     "Period {start} till {end} · endast produkterna {products} och {count} till, med full kostnadsfördelning · "
     "belopp i {currency} · skapad {when} av xlprofit {version}",
     "Okres od {start} do {end} · tylko produkty {products} i {count} innych, z pełnym rozliczeniem kosztów · kwoty "
     "w {currency} · wygenerowano {when} przez xlprofit {version}"),
    ("Period {start} to {end} · products {products} and {count} more only, fully loaded · generated {when} by "
     "xlprofit {version}",
     "Periode {start} til {end} · bare produktene {products} og {count} til, med full kostnadsfordeling · generert "
     "{when} av xlprofit {version}",
     "Period {start} till {end} · endast produkterna {products} och {count} till, med full kostnadsfördelning · "
     "skapad {when} av xlprofit {version}",
     "Okres od {start} do {end} · tylko produkty {products} i {count} innych, z pełnym rozliczeniem kosztów · "
     "wygenerowano {when} przez xlprofit {version}"),
    ("✓ {holding} of {total} reconciliation checks hold", "✓ {holding} av {total} avstemmingskontroller stemmer",
     "✓ {holding} av {total} avstämningskontroller stämmer", "✓ Zgodne kontrole uzgodnień: {holding} z {total}"),
    ("✗ {holding} of {total} reconciliation checks hold — see the Reconciliation sheet",
     "✗ {holding} av {total} avstemmingskontroller stemmer — se arket Avstemming",
     "✗ {holding} av {total} avstämningskontroller stämmer — se bladet Avstämning",
     "✗ Zgodne kontrole uzgodnień: {holding} z {total} — zob. arkusz Uzgodnienie"),
    # --- Summary: the tables' own headers and cells, and the waterfall chart's data (hidden rows, series names).
    ("Step", "Post", "Post", "Pozycja"),
    ("Amount", "Beløp", "Belopp", "Kwota"),
    ("% of net revenue", "% av nettoomsetning", "% av nettoomsättning", "% przychodu netto"),
    ("Figure", "Nøkkeltall", "Nyckeltal", "Wskaźnik"),
    ("Value", "Verdi", "Värde", "Wartość"),
    ("Check", "Kontroll", "Kontroll", "Kontrola"),
    ("Holds", "Stemmer", "Stämmer", "Zgodność"),
    ("✓ holds", "✓ stemmer", "✓ stämmer", "✓ zgodne"),
    ("✗ FAILS", "✗ STEMMER IKKE", "✗ STÄMMER INTE", "✗ NIEZGODNE"),
    ("Reason", "Årsak", "Orsak", "Przyczyna"),
    ("step", "post", "post", "pozycja"),
    ("base", "basis", "bas", "podstawa"),
    ("above zero", "over null", "över noll", "nad zerem"),
    ("below zero", "under null", "under noll", "pod zerem"),
    # --- Customer P&L and Cost-to-serve sheets.
    ("One row per customer, most profitable first: revenue waterfall, cost-to-serve (by activity on the Cost-to-serve "
     "sheet), contribution and profit. Negative figures in red; reasons for flags on the Trend sheet.",
     "Én rad per kunde, mest lønnsomme først: omsetning og fradrag, kundebetjeningskostnad (per aktivitet på arket "
     "Kundebetjeningskostnad), dekningsbidrag og resultat. Negative tall i rødt; årsaker til flagg på arket Trend.",
     "En rad per kund, mest lönsamma först: omsättning och avdrag, kostnad att betjäna (per aktivitet på bladet "
     "Kostnad att betjäna), täckningsbidrag och resultat. Negativa tal i rött; orsaker till flaggor på bladet Trend.",
     "Jeden wiersz na klienta, od najbardziej rentownych: przychody i pomniejszenia, koszt obsługi (wg działań na "
     "arkuszu Koszt obsługi), marża na pokryciu i zysk. Wartości ujemne na czerwono; przyczyny oznaczeń na arkuszu "
     "Trend."),
    ("flagged", "flagget", "flaggad", "oznaczony"),
    ("Cost-to-serve by customer and activity", "Kundebetjeningskostnad per kunde og aktivitet",
     "Kostnad att betjäna per kund och aktivitet", "Koszt obsługi wg klientów i działań"),
    ("Activity costs assigned to each customer by its driver volumes; highest cost-to-serve first.",
     "Aktivitetskostnader fordelt på hver kunde etter kundens drivervolumer; høyeste kundebetjeningskostnad først.",
     "Aktivitetskostnader fördelade på varje kund efter kundens drivarvolymer; högsta kostnad att betjäna först.",
     "Koszty działań przypisane do każdego klienta według jego wolumenów nośników kosztów; od najwyższego kosztu "
     "obsługi."),
    # --- Activities sheet.
    ("Activities and resources", "Aktiviteter og ressurser", "Aktiviteter och resurser", "Działania i zasoby"),
    ("Rates per driver unit; time-driven resources show used and unused capacity. Unused capacity is reported here "
     "and never charged to customers.",
     "Satser per driverenhet; tidsdrevne ressurser viser brukt og ubrukt kapasitet. Ubrukt kapasitet rapporteres her "
     "og belastes aldri kundene.",
     "Satser per drivarenhet; tidsdrivna resurser visar utnyttjad och outnyttjad kapacitet. Outnyttjad kapacitet "
     "redovisas här och belastas aldrig kunderna.",
     "Stawki na jednostkę nośnika kosztów; zasoby rozliczane metodą ABC sterowaną czasem pokazują wykorzystane i "
     "niewykorzystane zdolności. Niewykorzystane zdolności są wykazywane tutaj i nigdy nie obciążają klientów."),
    ("Resources (time-driven ABC): practical capacity, used and unused",
     "Ressurser (tidsdrevet ABC): praktisk kapasitet, brukt og ubrukt",
     "Resurser (tidsdriven ABC): praktisk kapacitet, utnyttjad och outnyttjad",
     "Zasoby (ABC sterowany czasem): zdolność praktyczna, wykorzystana i niewykorzystana"),
    ("conventional ABC", "tradisjonell ABC", "traditionell ABC", "tradycyjny ABC"),
    ("time-driven ABC", "tidsdrevet ABC", "tidsdriven ABC", "ABC sterowany czasem"),
    ("OVER CAPACITY", "OVER KAPASITET", "ÖVER KAPACITET", "PONAD ZDOLNOŚĆ"),
    # --- Whale curve sheet (and its chart on the Summary).
    ("Customers ranked by profit (most profitable first) against cumulative profit as a share of total profit.",
     "Kunder rangert etter resultat (mest lønnsomme først) mot akkumulert resultat som andel av totalt resultat.",
     "Kunder rangordnade efter resultat (mest lönsamma först) mot ackumulerat resultat som andel av totalt resultat.",
     "Klienci uszeregowani według zysku (od najbardziej rentownych) wobec skumulowanego zysku jako udziału w zysku "
     "całkowitym."),
    ("Profit by decile (decile 1: most profitable tenth)", "Resultat per desil (desil 1: den mest lønnsomme tidelen)",
     "Resultat per decil (decil 1: den mest lönsamma tiondelen)",
     "Zysk wg decyli (decyl 1: najbardziej rentowna dziesiąta część)"),
    ("Whale curve data", "Data for hvalkurven", "Data för valkurvan", "Dane krzywej wieloryba"),
    ("Chart points: {shown} of the {count} rows below, spread evenly",
     "Diagrampunkter: {shown} av de {count} radene nedenfor, jevnt fordelt",
     "Diagrampunkter: {shown} av de {count} raderna nedan, jämnt fördelade",
     "Punkty wykresu: {shown} z {count} wierszy poniżej, rozłożone równomiernie"),
    ("Whale curve: cumulative profit % by cumulative customers %",
     "Hvalkurve: akkumulert resultat % etter akkumulerte kunder %",
     "Valkurva: ackumulerat resultat % efter ackumulerade kunder %",
     "Krzywa wieloryba: skumulowany zysk % wg skumulowanego % klientów"),
    ("Customers (cumulative %, most profitable first)", "Kunder (akkumulert %, mest lønnsomme først)",
     "Kunder (ackumulerat %, mest lönsamma först)", "Klienci (skumulowany %, od najbardziej rentownych)"),
    ("Profit (cumulative % of total)", "Resultat (akkumulert % av totalt)", "Resultat (ackumulerat % av totalt)",
     "Zysk (skumulowany % całości)"),
    # --- Matrix sheet: texts, the thresholds' chart data (hidden rows) and the chart.
    ("Profitability matrix", "Lønnsomhetsmatrise", "Lönsamhetsmatris", "Macierz rentowności"),
    ("Net price (net revenue as % of gross) against cost-to-serve (% of net revenue): passive, carriage trade, "
     "bargain basement and aggressive customers.",
     "Nettopris (nettoomsetning i % av brutto) mot kundebetjeningskostnad (% av nettoomsetning): kundene fordelt på "
     "kvadrantene passive, eksklusive, lavpris og aggressive.",
     "Nettopris (nettoomsättning i % av brutto) mot kostnad att betjäna (% av nettoomsättning): kunderna fördelade på "
     "kvadranterna passiva, exklusiva, lågpris och aggressiva.",
     "Cena netto (przychód netto w % przychodu brutto) wobec kosztu obsługi (% przychodu netto): klienci pasywni, "
     "elitarni, łowcy okazji i agresywni."),
    ("Net price (net revenue as % of gross) against cost-to-serve (% of net revenue): passive, carriage trade, "
     "bargain basement and aggressive customers. The chart's cost-to-serve axis ends at {end}; {count} customer(s) "
     "beyond it are in the table.",
     "Nettopris (nettoomsetning i % av brutto) mot kundebetjeningskostnad (% av nettoomsetning): kundene fordelt på "
     "kvadrantene passive, eksklusive, lavpris og aggressive. Diagrammets akse for kundebetjeningskostnad slutter på "
     "{end}; {count} kunde(r) utenfor den står i tabellen.",
     "Nettopris (nettoomsättning i % av brutto) mot kostnad att betjäna (% av nettoomsättning): kunderna fördelade på "
     "kvadranterna passiva, exklusiva, lågpris och aggressiva. Diagrammets axel för kostnad att betjäna slutar vid "
     "{end}; {count} kund(er) utanför den finns i tabellen.",
     "Cena netto (przychód netto w % przychodu brutto) wobec kosztu obsługi (% przychodu netto): klienci pasywni, "
     "elitarni, łowcy okazji i agresywni. Oś kosztu obsługi na wykresie kończy się na {end}; klienci poza nią "
     "(liczba: {count}) są w tabeli."),
    ("Thresholds: net price {price} of gross revenue (at or above: high price), cost-to-serve {cost} of net revenue "
     "(at or above: high cost).",
     "Terskler: nettopris {price} av bruttoomsetningen (på eller over: høy pris), kundebetjeningskostnad {cost} av "
     "nettoomsetningen (på eller over: høy kostnad).",
     "Trösklar: nettopris {price} av bruttoomsättningen (på eller över: högt pris), kostnad att betjäna {cost} av "
     "nettoomsättningen (på eller över: hög kostnad).",
     "Progi: cena netto {price} przychodu brutto (na progu lub powyżej: wysoka cena), koszt obsługi {cost} przychodu "
     "netto (na progu lub powyżej: wysoki koszt)."),
    ("Customers per quadrant", "Kunder per kvadrant", "Kunder per kvadrant", "Klienci wg ćwiartek"),
    ("Customers (grouped by quadrant)", "Kunder (gruppert etter kvadrant)", "Kunder (grupperade efter kvadrant)",
     "Klienci (pogrupowani wg ćwiartek)"),
    ("Chart data of the threshold lines (hidden rows)", "Diagramdata for terskellinjene (skjulte rader)",
     "Diagramdata för tröskellinjerna (dolda rader)", "Dane wykresu linii progowych (ukryte wiersze)"),
    ("cost-to-serve %", "kundebetjeningskostnad %", "kostnad att betjäna %", "koszt obsługi %"),
    ("net price %", "nettopris %", "nettopris %", "cena netto %"),
    ("Cost-to-serve threshold", "Terskel for kundebetjeningskostnad", "Tröskel för kostnad att betjäna",
     "Próg kosztu obsługi"),
    ("Net price threshold", "Terskel for nettopris", "Tröskel för nettopris", "Próg ceny netto"),
    ("Net price vs cost-to-serve", "Nettopris mot kundebetjeningskostnad", "Nettopris mot kostnad att betjäna",
     "Cena netto a koszt obsługi"),
    ("Cost-to-serve (% of net revenue)", "Kundebetjeningskostnad (% av nettoomsetning)",
     "Kostnad att betjäna (% av nettoomsättning)", "Koszt obsługi (% przychodu netto)"),
    ("Net price (% of gross revenue)", "Nettopris (% av bruttoomsetning)", "Nettopris (% av bruttoomsättning)",
     "Cena netto (% przychodu brutto)"),
    ("unclassified", "uklassifisert", "oklassificerad", "niesklasyfikowani"),
    # --- Segments sheet.
    ("Profit by segment, channel and region", "Resultat per segment, kanal og region",
     "Resultat per segment, kanal och region", "Zysk wg segmentów, kanałów i regionów"),
    ("Customer P&L totals per group; loss makers are customers with negative profit.",
     "Summer fra kunderesultatet per gruppe; tapskunder er kunder med negativt resultat.",
     "Summor från kundresultatet per grupp; förlustkunder är kunder med negativt resultat.",
     "Sumy z wyników klientów w grupach; klienci ze stratą to klienci z ujemnym zyskiem."),
    ("Full-price regulars and sale-dependent buyers", "Faste fullpriskunder og kampanjeavhengige kjøpere",
     "Stamkunder till fullpris och kampanjberoende köpare",
     "Stali klienci kupujący po pełnej cenie i klienci zależni od promocji"),
    ("Full-price regulars and sale-dependent buyers (a sale line has a discount of at least {depth} of its gross "
     "revenue; a customer buying at least {share} of its net revenue on sale is sale-dependent)",
     "Faste fullpriskunder og kampanjeavhengige kjøpere (en kampanjelinje har rabatt på minst {depth} av "
     "bruttoomsetningen; en kunde som kjøper minst {share} av nettoomsetningen på kampanje, er kampanjeavhengig)",
     "Stamkunder till fullpris och kampanjberoende köpare (en kampanjrad har en rabatt på minst {depth} av "
     "bruttoomsättningen; en kund som köper minst {share} av nettoomsättningen på kampanj är kampanjberoende)",
     "Stali klienci kupujący po pełnej cenie i klienci zależni od promocji (pozycja promocyjna ma rabat co najmniej "
     "{depth} przychodu brutto; klient, który kupuje w promocji co najmniej {share} przychodu netto, jest zależny od "
     "promocji)"),
    ("Profit by segment", "Resultat per segment", "Resultat per segment", "Zysk wg segmentów"),
    # --- Products sheet.
    ("Product profitability", "Produktlønnsomhet", "Produktlönsamhet", "Rentowność produktów"),
    ("Fully loaded: every customer's P&L split over the products it bought (line costs by driver, order costs by each "
     "order's revenue split, customer costs and acquisition by the customer's revenue share; see Assumptions). The "
     "products add up to the customers; most profitable first.",
     "Full kostnadsfordeling: hver kundes resultat fordelt på produktene kunden kjøpte (linjekostnader etter driver, "
     "ordrekostnader etter omsetningsfordelingen i hver ordre, kundekostnader og anskaffelse etter andelen av kundens "
     "omsetning; se Forutsetninger). Produktene summerer seg til kundene; mest lønnsomme først.",
     "Full kostnadsfördelning: varje kunds resultat fördelat på de produkter kunden köpte (radkostnader efter "
     "drivare, orderkostnader efter omsättningsfördelningen i varje order, kundkostnader och anskaffning efter "
     "andelen av kundens omsättning; se Antaganden). Produkterna summerar till kunderna; mest lönsamma först.",
     "Pełne rozliczenie kosztów: wynik każdego klienta rozdzielony na kupione przez niego produkty (koszty pozycji "
     "wg nośników, koszty zamówień wg podziału przychodu w każdym zamówieniu, koszty klienta i pozyskania wg udziału "
     "w przychodzie klienta; zob. Założenia). Produkty sumują się do klientów; od najbardziej rentownych."),
    # --- Trend sheet.
    ("Totals per period, and customers flagged as turning unprofitable with their contribution per period.",
     "Summer per periode, og kunder som er flagget fordi de er i ferd med å bli ulønnsomme, med dekningsbidrag per "
     "periode.",
     "Summor per period och kunder som flaggats för att de håller på att bli olönsamma, med täckningsbidrag per "
     "period.",
     "Sumy w okresach oraz klienci oznaczeni jako tracący rentowność, z marżą na pokryciu w poszczególnych okresach."),
    ("Totals per period", "Summer per periode", "Summor per period", "Sumy w okresach"),
    ("Flagged customers ({count})", "Flaggede kunder ({count})", "Flaggade kunder ({count})",
     "Oznaczeni klienci ({count})"),
    ("Contribution {period}", "Dekningsbidrag {period}", "Täckningsbidrag {period}", "Marża na pokryciu {period}"),
    ("yes", "ja", "ja", "tak"),
    # --- CLV sheet and, for a very large report, the Acquisition sheet.
    ("Customer lifetime value and acquisition", "Kundelevetidsverdi og anskaffelse",
     "Kundlivstidsvärde och anskaffning", "Wartość klienta w czasie i pozyskanie"),
    ("Lifetime value on contribution after cost-to-serve; acquisition cost, payback and referral value per customer.",
     "Kundelevetidsverdi beregnet på dekningsbidrag etter kundebetjeningskostnad; anskaffelseskostnad, "
     "tilbakebetalingstid og henvisningsverdi per kunde.",
     "Kundlivstidsvärde beräknat på täckningsbidrag efter kostnad att betjäna; anskaffningskostnad, återbetalningstid "
     "och rekommendationsvärde per kund.",
     "Wartość klienta w czasie liczona od marży na pokryciu po koszcie obsługi; koszt pozyskania, okres zwrotu i "
     "wartość poleceń dla każdego klienta."),
    ("Models", "Modeller", "Modeller", "Modele"),
    ("Backtest: the model fitted on the early periods, against what happened after",
     "Etterprøving: modellen tilpasset de tidlige periodene, mot det som faktisk skjedde etterpå",
     "Efterhandstest: modellen anpassad på de tidiga perioderna, mot det som faktiskt hände sedan",
     "Test wsteczny: model dopasowany do wcześniejszych okresów wobec tego, co wydarzyło się później"),
    ("Lifetime value per customer (highest first)", "Kundelevetidsverdi per kunde (høyeste først)",
     "Kundlivstidsvärde per kund (högsta först)", "Wartość klienta w czasie (od najwyższej)"),
    ("Lifetime values were not computed for this analysis.", "Kundelevetidsverdier er ikke beregnet i denne analysen.",
     "Kundlivstidsvärden har inte beräknats i denna analys.",
     "W tej analizie nie obliczono wartości klientów w czasie."),
    ("Lifetime values were not computed for this analysis (see the note above).",
     "Kundelevetidsverdier er ikke beregnet i denne analysen (se merknaden over).",
     "Kundlivstidsvärden har inte beräknats i denna analys (se anmärkningen ovan).",
     "W tej analizie nie obliczono wartości klientów w czasie (zob. uwagę powyżej)."),
    ("Acquisition and referral value per customer", "Anskaffelse og henvisningsverdi per kunde",
     "Anskaffning och rekommendationsvärde per kund", "Pozyskanie i wartość poleceń dla każdego klienta"),
    ("Acquisition and referral value per customer: on the Acquisition sheet (one sheet cannot hold both tables of "
     "{count} customers).",
     "Anskaffelse og henvisningsverdi per kunde: på arket Anskaffelse (ett ark har ikke plass til begge tabellene for "
     "{count} kunder).",
     "Anskaffning och rekommendationsvärde per kund: på bladet Anskaffning (ett blad rymmer inte båda tabellerna för "
     "{count} kunder).",
     "Pozyskanie i wartość poleceń dla każdego klienta: na arkuszu Pozyskanie (jeden arkusz nie zmieści obu tabel "
     "dla {count} klientów)."),
    ("Acquisition cost, payback and referral value per customer (beside the CLV sheet when both tables do not fit on "
     "one).",
     "Anskaffelseskostnad, tilbakebetalingstid og henvisningsverdi per kunde (ved siden av arket CLV når begge "
     "tabellene ikke får plass på ett ark).",
     "Anskaffningskostnad, återbetalningstid och rekommendationsvärde per kund (bredvid bladet CLV när båda "
     "tabellerna inte ryms på ett blad).",
     "Koszt pozyskania, okres zwrotu i wartość poleceń dla każdego klienta (obok arkusza CLV, gdy obie tabele nie "
     "mieszczą się na jednym)."),
    # --- Scenarios sheet.
    ("The base and every scenario of the scenarios table, each analysed in full (every cost traced, every check run) "
     "and set side by side.",
     "Basis og hvert scenario i scenariotabellen, hvert analysert fullt ut (alle kostnader sporet, alle kontroller "
     "kjørt) og stilt side om side.",
     "Basen och varje scenario i scenariotabellen, vart och ett fullständigt analyserat (alla kostnader spårade, alla "
     "kontroller körda) och ställda sida vid sida.",
     "Wariant bazowy i każdy scenariusz z tabeli scenariuszy, każdy przeanalizowany w całości (prześledzony każdy "
     "koszt, wykonana każda kontrola) i zestawione obok siebie."),
    ("Minutes freed by a rate or volume change become unused capacity: customer profit moves at once, the period's "
     "result only once a capacity change cuts the capacity.",
     "Minutter som frigjøres av en sats- eller volumendring, blir ubrukt kapasitet: kunderesultatet endres straks, "
     "periodens resultat først når en kapasitetsendring reduserer kapasiteten.",
     "Minuter som frigörs av en sats- eller volymändring blir outnyttjad kapacitet: kundresultatet ändras direkt, "
     "periodens resultat först när en kapacitetsändring minskar kapaciteten.",
     "Minuty zwolnione przez zmianę stawki lub wolumenu stają się niewykorzystanymi zdolnościami: wynik na klientach "
     "zmienia się od razu, wynik okresu dopiero wtedy, gdy zmiana zdolności je zmniejszy."),
    ("Side by side", "Side om side", "Sida vid sida", "Zestawienie"),
    ("Change against the base", "Endring mot basis", "Förändring mot basen", "Zmiana względem wariantu bazowego"),
    ("What each scenario changes (rows of the scenarios table)", "Hva hvert scenario endrer (rader i scenariotabellen)",
     "Vad varje scenario ändrar (rader i scenariotabellen)",
     "Co zmienia każdy scenariusz (wiersze tabeli scenariuszy)"),
    ("The {count} customers whose profit moves most in each scenario",
     "De {count} kundene med størst resultatendring i hvert scenario",
     "De {count} kunder vars resultat ändras mest i varje scenario",
     "{count} klientów, których zysk zmienia się najbardziej w każdym scenariuszu"),
    ("Base", "Basis", "Bas", "Wariant bazowy"),
    ("Scenario", "Scenario", "Scenario", "Scenariusz"),
    ("Profit (base)", "Resultat (basis)", "Resultat (bas)", "Zysk (bazowy)"),
    ("Profit (scenario)", "Resultat (scenario)", "Resultat (scenario)", "Zysk (scenariusz)"),
    ("Change", "Endring", "Ändring", "Zmiana"),
    # --- Reconciliation, Exceptions and Assumptions sheets.
    ("Every cost and every revenue line is accounted for, to the cent.",
     "Hver kostnad og hver inntektslinje er gjort rede for, på øret.",
     "Varje kostnad och varje intäktsrad är redovisad, på öret.",
     "Każdy koszt i każda pozycja przychodu są rozliczone co do grosza."),
    ("{count} rejected, excluded or corrected input rows with the reason. Row numbers are those of the input sheet or "
     "file.",
     "{count} avviste, utelatte eller korrigerte inndatarader med årsak. Radnumrene er de i inndataarket eller -filen.",
     "{count} avvisade, utelämnade eller korrigerade indatarader med orsak. Radnumren är indatabladets eller -filens.",
     "Odrzucone, pominięte lub poprawione wiersze danych wejściowych z przyczyną: {count}. Numery wierszy są "
     "numerami z arkusza lub pliku wejściowego."),
    ("Parameters used and where they came from; the input files and their SHA-256.",
     "Parametere som er brukt, og hvor de kommer fra; inndatafilene og deres SHA-256.",
     "Använda parametrar och var de kommer ifrån; indatafilerna och deras SHA-256.",
     "Użyte parametry i ich źródło; pliki wejściowe i ich SHA-256."),
    ("xlprofit version", "xlprofit-versjon", "xlprofit-version", "Wersja xlprofit"),
    ("Generated", "Generert", "Skapad", "Wygenerowano"),
    ("Customers analysed", "Analyserte kunder", "Analyserade kunder", "Przeanalizowani klienci"),
    ("Parameters", "Parametere", "Parametrar", "Parametry"),
    ("Input files", "Inndatafiler", "Indatafiler", "Pliki wejściowe"),
    # --- Column headers (xlprofit.report._styles.label_for and the labels of workbook.py): customers, P&L, costs.
    ("Customer", "Kunde", "Kund", "Klient"),
    ("Name", "Navn", "Namn", "Nazwa"),
    ("Segment", "Segment", "Segment", "Segment"),
    ("Channel", "Kanal", "Kanal", "Kanał"),
    ("Region", "Region", "Region", "Region"),
    ("Product", "Produkt", "Produkt", "Produkt"),
    ("Order", "Ordre", "Order", "Zamówienie"),
    ("Gross revenue", "Bruttoomsetning", "Bruttoomsättning", "Przychód brutto"),
    ("Discounts", "Rabatter", "Rabatter", "Rabaty"),
    ("Invoice revenue", "Fakturert omsetning", "Fakturerad omsättning", "Przychód fakturowany"),
    ("Rebates", "Bonuser", "Bonusar", "Rabaty posprzedażowe"),
    ("COGS", "Varekostnad", "Varukostnad", "KSW"),
    ("Commissions", "Provisjoner", "Provisioner", "Prowizje"),
    ("Cost of credit", "Kredittkostnad", "Kreditkostnad", "Koszt kredytu kupieckiego"),
    ("Bad debt", "Tap på fordringer", "Kundförluster", "Złe długi"),
    ("Acquisition cost", "Anskaffelseskostnad", "Anskaffningskostnad", "Koszt pozyskania"),
    ("Profit", "Resultat", "Resultat", "Zysk"),
    ("Margin %", "Margin %", "Marginal %", "Marża %"),
    ("Rank", "Rangering", "Rang", "Miejsce"),
    ("Orders", "Ordrer", "Order", "Zamówienia"),
    ("Lines", "Fakturalinjer", "Fakturarader", "Pozycje faktur"),
    ("Units", "Enheter", "Enheter", "Sztuki"),
    ("Payment days", "Betalingsdager", "Betalningsdagar", "Dni płatności"),
    ("Quadrant", "Kvadrant", "Kvadrant", "Ćwiartka"),
    ("Flagged", "Flagget", "Flaggad", "Oznaczony"),
    ("Discount dependency", "Rabattavhengighet", "Rabattberoende", "Zależność od rabatów"),
    ("CTS", "Kundebetjeningskostnad", "Kostnad att betjäna", "Koszt obsługi"),
    ("CTS: {activity}", "Kostnad: {activity}", "Kostnad: {activity}", "Koszt: {activity}"),
    ("Cost-to-serve % of net revenue", "Kundebetjeningskostnad % av nettoomsetning",
     "Kostnad att betjäna % av nettoomsättning", "Koszt obsługi % przychodu netto"),
    ("Line and product costs", "Linje- og produktkostnader", "Rad- och produktkostnader", "Koszty pozycji i produktów"),
    ("Order costs (split by order share)", "Ordrekostnader (fordelt etter ordreandel)",
     "Orderkostnader (fördelade efter orderandel)", "Koszty zamówień (wg udziału w zamówieniu)"),
    ("Customer costs (split by revenue share)", "Kundekostnader (fordelt etter omsetningsandel)",
     "Kundkostnader (fördelade efter omsättningsandel)", "Koszty klienta (wg udziału w przychodzie)"),
    # --- Column headers: activities and resources.
    ("Activity", "Aktivitet", "Aktivitet", "Działanie"),
    ("Method", "Metode", "Metod", "Metoda"),
    ("Level", "Nivå", "Nivå", "Poziom"),
    ("Resource", "Ressurs", "Resurs", "Zasób"),
    ("Driver", "Driver", "Drivare", "Nośnik kosztów"),
    ("Unit time (min)", "Enhetstid (min)", "Enhetstid (min)", "Czas jednostkowy (min)"),
    ("Time equation", "Tidsligning", "Tidsekvation", "Równanie czasu"),
    ("Driver volume", "Drivervolum", "Drivarvolym", "Wolumen nośnika"),
    ("Driver rate", "Driversats", "Drivarsats", "Stawka nośnika"),
    ("Minutes used", "Minutter brukt", "Använda minuter", "Zużyte minuty"),
    ("Cost", "Kostnad", "Kostnad", "Koszt"),
    ("Assigned", "Fordelt", "Fördelat", "Przypisane"),
    ("Unassigned", "Ufordelt", "Ofördelat", "Nieprzypisane"),
    ("Unassigned reason", "Årsak til ufordelt", "Orsak till ofördelat", "Przyczyna nieprzypisania"),
    ("Practical capacity (min)", "Praktisk kapasitet (min)", "Praktisk kapacitet (min)", "Zdolność praktyczna (min)"),
    ("Capacity rate (per min)", "Kapasitetssats (per min)", "Kapacitetssats (per min)", "Stawka zdolności (za min)"),
    ("Effective rate (per min)", "Effektiv sats (per min)", "Effektiv sats (per min)", "Stawka efektywna (za min)"),
    ("Used (min)", "Brukt (min)", "Utnyttjat (min)", "Wykorzystane (min)"),
    ("Used cost", "Kostnad brukt kapasitet", "Kostnad utnyttjad kapacitet", "Koszt wykorzystanych zdolności"),
    ("Unused (min)", "Ubrukt (min)", "Outnyttjat (min)", "Niewykorzystane (min)"),
    ("Utilisation", "Utnyttelse", "Utnyttjandegrad", "Wykorzystanie"),
    ("Over capacity", "Over kapasitet", "Över kapacitet", "Ponad zdolność"),
    # --- Column headers: whale curve, matrix, segments, trend.
    ("Decile", "Desil", "Decil", "Decyl"),
    ("Cumulative profit", "Akkumulert resultat", "Ackumulerat resultat", "Zysk skumulowany"),
    ("Cumulative profit %", "Akkumulert resultat %", "Ackumulerat resultat %", "Zysk skumulowany %"),
    ("Cumulative customers %", "Akkumulerte kunder %", "Ackumulerade kunder %", "Klienci skumulowani %"),
    ("Cumulative revenue %", "Akkumulert omsetning %", "Ackumulerad omsättning %", "Przychód skumulowany %"),
    ("Net price % of list", "Nettopris % av listepris", "Nettopris % av listpris", "Cena netto % ceny katalogowej"),
    ("Customers %", "Kunder %", "Kunder %", "Klienci %"),
    ("Revenue %", "Omsetning %", "Omsättning %", "Przychód %"),
    ("Profit %", "Resultat %", "Resultat %", "Zysk %"),
    ("Dimension", "Dimensjon", "Dimension", "Wymiar"),
    ("Loss makers", "Tapskunder", "Förlustkunder", "Klienci ze stratą"),
    ("Group", "Gruppe", "Grupp", "Grupa"),
    ("Sale revenue", "Kampanjeomsetning", "Kampanjomsättning", "Przychód z promocji"),
    ("Sale share", "Kampanjeandel", "Kampanjandel", "Udział promocji"),
    ("Contribution margin", "Dekningsgrad", "Täckningsgrad", "Marża na pokryciu %"),
    ("CLV per € of revenue", "CLV per € omsetning", "CLV per € omsättning", "CLV na 1 € przychodu"),
    ("Active in the last period", "Aktive i siste periode", "Aktiva i sista perioden", "Aktywni w ostatnim okresie"),
    ("P(alive)", "P(alive)", "P(alive)", "P(alive)"),
    ("Period", "Periode", "Period", "Okres"),
    ("Period start", "Periodestart", "Periodstart", "Początek okresu"),
    ("Customers active", "Aktive kunder", "Aktiva kunder", "Aktywni klienci"),
    ("Falling volume", "Fallende volum", "Minskande volym", "Spadek wolumenu"),
    ("Rising cost to serve", "Økende kundebetjeningskostnad", "Ökande kostnad att betjäna", "Rosnący koszt obsługi"),
    ("Growing bad debt", "Økende tap på fordringer", "Ökande kundförluster", "Rosnące złe długi"),
    ("Falling contribution", "Fallende dekningsbidrag", "Minskande täckningsbidrag", "Spadek marży na pokryciu"),
    ("Turned unprofitable", "Blitt ulønnsom", "Blivit olönsam", "Utrata rentowności"),
    ("Reasons", "Årsaker", "Orsaker", "Przyczyny"),
    # --- Column headers: lifetime value and acquisition.
    ("Model", "Modell", "Modell", "Model"),
    ("Parameter", "Parameter", "Parameter", "Parametr"),
    ("Note", "Merknad", "Anmärkning", "Uwagi"),
    ("Measure", "Mål", "Mått", "Miara"),
    ("Frequency", "Frekvens", "Frekvens", "Częstotliwość"),
    ("Recency", "Siste kjøp", "Senaste köp", "Ostatni zakup"),
    ("T", "T", "T", "T"),
    ("Age at window start (weeks)", "Alder ved vindusstart (uker)", "Ålder vid fönstrets början (veckor)",
     "Wiek na początku okna (tygodnie)"),
    ("Purchases", "Kjøp", "Köp", "Zakupy"),
    ("Expected purchases", "Forventede kjøp", "Förväntade köp", "Oczekiwane zakupy"),
    ("Discounted purchases", "Diskonterte kjøp", "Diskonterade köp", "Zdyskontowane zakupy"),
    ("Expected spend", "Forventet kjøpsbeløp", "Förväntat köpbelopp", "Oczekiwana wartość zakupów"),
    ("Margin ratio", "Marginandel", "Marginalandel", "Wskaźnik marży"),
    ("Cost per purchase", "Kostnad per kjøp", "Kostnad per köp", "Koszt na zakup"),
    ("Customer cost per year", "Kundekostnad per år", "Kundkostnad per år", "Koszt klienta na rok"),
    ("Expected lifetime (years, within the horizon)", "Forventet levetid (år, innenfor horisonten)",
     "Förväntad livslängd (år, inom horisonten)", "Oczekiwany czas współpracy (lata, w horyzoncie)"),
    ("Retention per year", "Gjenkjøpsrate per år", "Kvarhållning per år", "Retencja na rok"),
    ("Past profit", "Historisk resultat", "Historiskt resultat", "Zysk dotychczasowy"),
    ("Lifetime profit", "Livstidsresultat", "Livstidsresultat", "Zysk w całym okresie współpracy"),
    ("Acquired on", "Kunde siden", "Kund sedan", "Klient od"),
    ("Periods active", "Aktive perioder", "Aktiva perioder", "Okresy aktywności"),
    ("Contribution per period", "Dekningsbidrag per periode", "Täckningsbidrag per period",
     "Marża na pokryciu na okres"),
    ("Retention per period", "Gjenkjøpsrate per periode", "Kvarhållning per period", "Retencja na okres"),
    ("Payback (periods)", "Tilbakebetaling (perioder)", "Återbetalningstid (perioder)", "Okres zwrotu (okresy)"),
    ("Payback reason", "Tilbakebetaling – årsak", "Återbetalning – orsak", "Zwrot – przyczyna"),
    ("Break-even revenue", "Nullpunktsomsetning", "Nollpunktsomsättning", "Przychód w progu rentowności"),
    ("Break-even order size", "Ordrestørrelse ved nullpunkt", "Orderstorlek vid nollpunkt",
     "Wielkość zamówienia w progu rentowności"),
    ("Referral value", "Henvisningsverdi", "Rekommendationsvärde", "Wartość poleceń"),
    ("Total value (CLV + referral)", "Total verdi (CLV + henvisning)", "Totalt värde (CLV + rekommendationer)",
     "Wartość łączna (CLV + polecenia)"),
    # --- Column headers: actions (workbook._ACTION_LABELS).
    ("Lever", "Tiltak", "Åtgärd", "Działanie"),
    ("What changes", "Hva som endres", "Vad som ändras", "Co się zmienia"),
    ("Effect on profit", "Effekt på resultatet", "Effekt på resultatet", "Wpływ na zysk"),
    ("Profit before", "Resultat før", "Resultat före", "Zysk przed"),
    ("Profit after", "Resultat etter", "Resultat efter", "Zysk po"),
    ("Cost-to-serve freed", "Frigjort kundebetjeningskostnad", "Frigjord kostnad att betjäna",
     "Zwolniony koszt obsługi"),
    ("Effect on the period result", "Effekt på periodens resultat", "Effekt på periodens resultat",
     "Wpływ na wynik okresu"),
    ("Formula", "Formel", "Formel", "Wzór"),
    ("Action", "Tiltak", "Åtgärd", "Działanie"),
    ("Why left out", "Hvorfor utelatt", "Varför utelämnad", "Powód pominięcia"),
    # --- Column headers: reconciliation, exceptions, excluded cost pools, assumptions.
    ("Expected", "Forventet", "Förväntat", "Oczekiwane"),
    ("Actual", "Faktisk", "Faktiskt", "Rzeczywiste"),
    ("Difference", "Differanse", "Differens", "Różnica"),
    ("Detail", "Detaljer", "Detaljer", "Szczegóły"),
    ("Table", "Tabell", "Tabell", "Tabela"),
    ("Row", "Rad", "Rad", "Wiersz"),
    ("Column", "Kolonne", "Kolumn", "Kolumna"),
    ("Cost status", "Kostnadsstatus", "Kostnadsstatus", "Status kosztu"),
    ("Problem", "Problem", "Problem", "Problem"),
    ("Source", "Kilde", "Källa", "Źródło"),
    ("Meaning", "Betydning", "Betydelse", "Znaczenie"),
    ("File", "Fil", "Fil", "Plik"),
    ("SHA-256", "SHA-256", "SHA-256", "SHA-256"),
    ("KPI", "KPI", "KPI", "KPI"),
    # --- Headers that are also names the analysis core writes into cells (key figures, the scenarios' measures, the
    # activity levels): the same words as the core's catalog must give them.
    ("Net revenue", "Nettoomsetning", "Nettoomsättning", "Przychód netto"),
    ("Gross margin", "Bruttofortjeneste", "Bruttovinst", "Marża brutto"),
    ("Contribution", "Dekningsbidrag", "Täckningsbidrag", "Marża na pokryciu"),
    ("Customers", "Kunder", "Kunder", "Klienci"),
    ("Customer profit", "Kunderesultat", "Kundresultat", "Wynik na klientach"),
    ("Unused capacity cost", "Kostnad for ubrukt kapasitet", "Kostnad för outnyttjad kapacitet",
     "Koszt niewykorzystanych zdolności"),
    ("Unassigned activity cost", "Ufordelt aktivitetskostnad", "Ofördelad aktivitetskostnad",
     "Nieprzypisany koszt działań"),
    ("Period result", "Periodens resultat", "Periodens resultat", "Wynik okresu"),
    ("Unprofitable customers", "Ulønnsomme kunder", "Olönsamma kunder", "Klienci nierentowni"),
    ("Losses on unprofitable customers", "Tap på ulønnsomme kunder", "Förluster på olönsamma kunder",
     "Straty na klientach nierentownych"),
    ("Total CLV", "Samlet CLV", "Total CLV", "CLV łącznie"),
    ("Reconciliation checks failing", "Avstemmingskontroller som ikke stemmer",
     "Avstämningskontroller som inte stämmer", "Niezgodne kontrole uzgodnień"),
    ("Whale curve peak", "Toppen av hvalkurven", "Valkurvans topp", "Szczyt krzywej wieloryba"),
    ("Customers at the peak", "Kunder ved toppen", "Kunder vid toppen", "Klienci do szczytu"),
    ("customer", "kunde", "kund", "klient"),
    ("order", "ordre", "order", "zamówienie"),
    ("line", "linje", "rad", "pozycja"),
    ("product", "produkt", "produkt", "produkt"),
    # The printed pages' footer, in Excel's codes: &A the sheet's name, &P the page, &N the pages.
    ("&A — page &P of &N", "&A — side &P av &N", "&A — sida &P av &N", "&A — strona &P z &N"),
    # --- The full per-customer tables written beside the workbook (write_report(…, tables="parquet"|"csv")).
    ("The full table, {n_rows} rows: in the file {file} beside this workbook (its folder and SHA-256 on the "
     "Assumptions sheet).",
     "Hele tabellen, {n_rows} rader: i filen {file} ved siden av denne arbeidsboken (mappen og SHA-256 på arket "
     "Forutsetninger).",
     "Hela tabellen, {n_rows} rader: i filen {file} bredvid den här arbetsboken (mappen och SHA-256 på bladet "
     "Antaganden).",
     "Pełna tabela (liczba wierszy: {n_rows}) jest w pliku {file} obok tego skoroszytu (folder i SHA-256 w "
     "arkuszu Założenia)."),
    ("Chart points: {shown} of the {count} customers, spread evenly",
     "Diagrampunkter: {shown} av de {count} kundene, jevnt fordelt",
     "Diagrampunkter: {shown} av de {count} kunderna, jämnt fördelade",
     "Punkty wykresu: {shown} z {count} klientów, rozłożone równomiernie"),
    ("The {n_shown} highest-ranked of the {n_count} actions; all of them in the file {file} beside this workbook "
     "(its folder and SHA-256 on the Assumptions sheet).",
     "De {n_shown} høyest rangerte av de {n_count} tiltakene; alle i filen {file} ved siden av denne arbeidsboken "
     "(mappen og SHA-256 på arket Forutsetninger).",
     "De {n_shown} högst rankade av de {n_count} åtgärderna; alla i filen {file} bredvid den här arbetsboken "
     "(mappen och SHA-256 på bladet Antaganden).",
     "Najwyżej ocenione zalecenia: {n_shown} z {n_count}; wszystkie są w pliku {file} obok tego skoroszytu "
     "(folder i SHA-256 w arkuszu Założenia)."),
    ("All {n_count} actions, also in the file {file} beside this workbook (its folder and SHA-256 on the "
     "Assumptions sheet).",
     "Alle {n_count} tiltakene, også i filen {file} ved siden av denne arbeidsboken (mappen og SHA-256 på arket "
     "Forutsetninger).",
     "Alla {n_count} åtgärderna, även i filen {file} bredvid den här arbetsboken (mappen och SHA-256 på bladet "
     "Antaganden).",
     "Wszystkie zalecenia (liczba: {n_count}), także w pliku {file} obok tego skoroszytu (folder i SHA-256 w "
     "arkuszu Założenia)."),
    ("Tables beside this workbook", "Tabeller ved siden av denne arbeidsboken", "Tabeller bredvid den här arbetsboken",
     "Tabele obok tego skoroszytu"),
    ("The full per-customer tables, written with this workbook: a file whose SHA-256 differs is not the one written "
     "with it.",
     "De fullstendige tabellene per kunde, skrevet sammen med denne arbeidsboken: en fil med en annen SHA-256 er ikke "
     "den som ble skrevet med den.",
     "De fullständiga tabellerna per kund, skrivna tillsammans med den här arbetsboken: en fil med en annan SHA-256 är "
     "inte den som skrevs med den.",
     "Pełne tabele dla poszczególnych klientów, zapisane razem z tym skoroszytem: plik o innym SHA-256 nie jest tym, "
     "który z nim zapisano."),
    ("Rows", "Rader", "Rader", "Wiersze"),
    # The whale curve when total customer profit is zero or negative: in money, not as a share of it.
    ("Total customer profit is {amount}: no share of it means anything, so the curve shows cumulative profit in "
     "money.",
     "Samlet kunderesultat er {amount}: ingen andel av det gir mening, så kurven viser akkumulert resultat i beløp.",
     "Det totala kundresultatet är {amount}: ingen andel av det är meningsfull, så kurvan visar ackumulerat "
     "resultat i belopp.",
     "Łączny wynik na klientach wynosi {amount}: żaden jego udział nie ma sensu, więc krzywa pokazuje "
     "skumulowany zysk w kwocie."),
    ("Whale curve: cumulative profit by cumulative customers %",
     "Hvalkurve: akkumulert resultat etter akkumulerte kunder %",
     "Valkurva: ackumulerat resultat efter ackumulerade kunder %",
     "Krzywa wieloryba: skumulowany zysk wg skumulowanego % klientów"),
    ("Profit (cumulative)", "Resultat (akkumulert)", "Resultat (ackumulerat)", "Zysk (skumulowany)"),
)
