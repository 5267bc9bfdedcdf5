"""The Actions sheet's and the Summary's lever texts (xlprofit.core.actions): levers, changes, formulas, reasons."""

from __future__ import annotations

__all__ = ["PHRASES"]

#: (English, Norwegian bokmål, Swedish, Polish); see xlprofit.report._words for the {field} syntax.
PHRASES: tuple[tuple[str, str, str, str], ...] = (
    # --- The levers (column Lever of Actions and ActionsLeftOut), as xlprofit.core.actions.LEVERS names them.
    ("reprice", "prisjustering", "prisjustering", "zmiana cen"),
    ("change the service", "endre servicenivå", "ändra servicenivå", "zmiana poziomu obsługi"),
    ("move manual orders to EDI", "flytt manuelle ordrer til EDI", "flytta manuella order till EDI",
     "przeniesienie zamówień ręcznych na EDI"),
    ("minimum order size", "minste ordrestørrelse", "minsta orderstorlek", "minimalna wartość zamówienia"),
    ("payment terms", "betalingsbetingelser", "betalningsvillkor", "warunki płatności"),
    ("consider ending the relationship", "vurder å avslutte kundeforholdet", "överväg att avsluta kundrelationen",
     "rozważ zakończenie współpracy"),
    # The same, capitalised: the Summary's column Action is "<Lever>: <what changes>" (workbook._top_actions).
    ("Reprice", "Prisjustering", "Prisjustering", "Zmiana cen"),
    ("Change the service", "Endre servicenivå", "Ändra servicenivå", "Zmiana poziomu obsługi"),
    ("Move manual orders to EDI", "Flytt manuelle ordrer til EDI", "Flytta manuella order till EDI",
     "Przeniesienie zamówień ręcznych na EDI"),
    ("Minimum order size", "Minste ordrestørrelse", "Minsta orderstorlek", "Minimalna wartość zamówienia"),
    ("Payment terms", "Betalingsbetingelser", "Betalningsvillkor", "Warunki płatności"),
    ("Consider ending the relationship", "Vurder å avslutte kundeforholdet", "Överväg att avsluta kundrelationen",
     "Rozważ zakończenie współpracy"),
    ("Reprice: {t_change}", "Prisjustering: {t_change}", "Prisjustering: {t_change}", "Zmiana cen: {t_change}"),
    ("Change the service: {t_change}", "Endre servicenivå: {t_change}", "Ändra servicenivå: {t_change}",
     "Zmiana poziomu obsługi: {t_change}"),
    ("Move manual orders to EDI: {t_change}", "Flytt manuelle ordrer til EDI: {t_change}",
     "Flytta manuella order till EDI: {t_change}", "Przeniesienie zamówień ręcznych na EDI: {t_change}"),
    ("Minimum order size: {t_change}", "Minste ordrestørrelse: {t_change}", "Minsta orderstorlek: {t_change}",
     "Minimalna wartość zamówienia: {t_change}"),
    ("Payment terms: {t_change}", "Betalingsbetingelser: {t_change}", "Betalningsvillkor: {t_change}",
     "Warunki płatności: {t_change}"),
    ("Consider ending the relationship: {t_change}", "Vurder å avslutte kundeforholdet: {t_change}",
     "Överväg att avsluta kundrelationen: {t_change}", "Rozważ zakończenie współpracy: {t_change}"),
    # A driver's name is a field that would also take in "Change the service: …": these say it in full.
    ("Change the service: {driver} {n_before} → {after} (the segment median {median})",
     "Endre servicenivå: {driver} {n_before} → {after} (segmentmedianen {median})",
     "Ändra servicenivå: {driver} {n_before} → {after} (segmentets median {median})",
     "Zmiana poziomu obsługi: {driver} {n_before} → {after} (mediana segmentu {median})"),
    ("Change the service: {driver} {n_before} → {after} (half, toward the segment median {median})",
     "Endre servicenivå: {driver} {n_before} → {after} (halvparten, mot segmentmedianen {median})",
     "Ändra servicenivå: {driver} {n_before} → {after} (hälften, mot segmentets median {median})",
     "Zmiana poziomu obsługi: {driver} {n_before} → {after} (połowa, w kierunku mediany segmentu {median})"),
    ("Move manual orders to EDI: {driver} {n_before} → 0 (ordered by EDI; the orders are still handled)",
     "Flytt manuelle ordrer til EDI: {driver} {n_before} → 0 (bestilles via EDI; ordrene må fortsatt behandles)",
     "Flytta manuella order till EDI: {driver} {n_before} → 0 (beställs via EDI; ordrarna hanteras fortfarande)",
     "Przeniesienie zamówień ręcznych na EDI: {driver} {n_before} → 0 (zamawiane przez EDI; zamówienia nadal trzeba "
     "obsłużyć)"),
    # --- What changes (column What changes). Driver names (visits, manual_orders, …) are the user's: fields.
    ("prices {pct}: net revenue {before} → {after} (break even)",
     "priser {pct}: nettoomsetning {before} → {after} (går i null)",
     "priser {pct}: nettoomsättning {before} → {after} (nollresultat)",
     "ceny {pct}: przychód netto {before} → {after} (próg rentowności)"),
    ("{driver} {n_before} → {after} (the segment median {median})",
     "{driver} {n_before} → {after} (segmentmedianen {median})",
     "{driver} {n_before} → {after} (segmentets median {median})",
     "{driver} {n_before} → {after} (mediana segmentu {median})"),
    ("{driver} {n_before} → {after} (half, toward the segment median {median})",
     "{driver} {n_before} → {after} (halvparten, mot segmentmedianen {median})",
     "{driver} {n_before} → {after} (hälften, mot segmentets median {median})",
     "{driver} {n_before} → {after} (połowa, w kierunku mediany segmentu {median})"),
    ("{driver} {n_before} → 0 (ordered by EDI; the orders are still handled)",
     "{driver} {n_before} → 0 (bestilles via EDI; ordrene må fortsatt behandles)",
     "{driver} {n_before} → 0 (beställs via EDI; ordrarna hanteras fortfarande)",
     "{driver} {n_before} → 0 (zamawiane przez EDI; zamówienia nadal trzeba obsłużyć)"),
    ("orders {before} → {after} for the same lines and units (average order {value_before} → {value_after}, "
     "the segment median {median})",
     "ordrer {before} → {after} for samme linjer og enheter (gjennomsnittlig ordreverdi {value_before} → "
     "{value_after}, segmentmedianen {median})",
     "order {before} → {after} för samma rader och enheter (genomsnittligt ordervärde {value_before} → "
     "{value_after}, segmentets median {median})",
     "zamówienia {before} → {after} przy tych samych pozycjach i sztukach (średnia wartość zamówienia "
     "{value_before} → {value_after}, mediana segmentu {median})"),
    ("orders {before} → {after} for the same lines and units (average order {value_before} → {value_after}, "
     "twice today's, toward the segment median {median})",
     "ordrer {before} → {after} for samme linjer og enheter (gjennomsnittlig ordreverdi {value_before} → "
     "{value_after}, det dobbelte av i dag, mot segmentmedianen {median})",
     "order {before} → {after} för samma rader och enheter (genomsnittligt ordervärde {value_before} → "
     "{value_after}, dubbelt så högt som i dag, mot segmentets median {median})",
     "zamówienia {before} → {after} przy tych samych pozycjach i sztukach (średnia wartość zamówienia "
     "{value_before} → {value_after}, dwukrotność obecnej, w kierunku mediany segmentu {median})"),
    ("payment days {before} → {after} (the standard terms)",
     "betalingsdager {before} → {after} (standard betalingsbetingelser)",
     "betalningsdagar {before} → {after} (standardvillkoren)",
     "dni płatności {before} → {after} (standardowe warunki płatności)"),
    # Consider ending the relationship: the value before → after the operational levers, and the price break even
    # would need (after "; ", when the customer loses money).
    ("lifetime value incl. referral value {before} → {after} after the service, EDI, order-size and payment-terms "
     "levers",
     "kundelevetidsverdi inkl. henvisningsverdi {before} → {after} etter tiltakene for servicenivå, EDI, "
     "ordrestørrelse og betalingsbetingelser",
     "kundlivstidsvärde inkl. värdet av rekommendationer {before} → {after} efter åtgärderna för servicenivå, EDI, "
     "orderstorlek och betalningsvillkor",
     "wartość klienta w czasie wraz z wartością poleceń {before} → {after} po działaniach: poziom obsługi, EDI, "
     "wartość zamówienia i warunki płatności"),
    ("profit incl. referral value (no lifetime value computed) {before} → {after} after the service, EDI, "
     "order-size and payment-terms levers",
     "resultat inkl. henvisningsverdi (ingen kundelevetidsverdi beregnet) {before} → {after} etter tiltakene for "
     "servicenivå, EDI, ordrestørrelse og betalingsbetingelser",
     "resultat inkl. värdet av rekommendationer (inget kundlivstidsvärde beräknat) {before} → {after} efter "
     "åtgärderna för servicenivå, EDI, orderstorlek och betalningsvillkor",
     "zysk wraz z wartością poleceń (bez wyliczonej wartości klienta w czasie) {before} → {after} po działaniach: "
     "poziom obsługi, EDI, wartość zamówienia i warunki płatności"),
    ("lifetime value incl. referral value {before} → {after} after the service, EDI, order-size and payment-terms "
     "levers; break even needs prices {pct}",
     "kundelevetidsverdi inkl. henvisningsverdi {before} → {after} etter tiltakene for servicenivå, EDI, "
     "ordrestørrelse og betalingsbetingelser; å gå i null krever priser {pct}",
     "kundlivstidsvärde inkl. värdet av rekommendationer {before} → {after} efter åtgärderna för servicenivå, EDI, "
     "orderstorlek och betalningsvillkor; nollresultat kräver priser {pct}",
     "wartość klienta w czasie wraz z wartością poleceń {before} → {after} po działaniach: poziom obsługi, EDI, "
     "wartość zamówienia i warunki płatności; próg rentowności wymaga zmiany cen o {pct}"),
    ("profit incl. referral value (no lifetime value computed) {before} → {after} after the service, EDI, "
     "order-size and payment-terms levers; break even needs prices {pct}",
     "resultat inkl. henvisningsverdi (ingen kundelevetidsverdi beregnet) {before} → {after} etter tiltakene for "
     "servicenivå, EDI, ordrestørrelse og betalingsbetingelser; å gå i null krever priser {pct}",
     "resultat inkl. värdet av rekommendationer (inget kundlivstidsvärde beräknat) {before} → {after} efter "
     "åtgärderna för servicenivå, EDI, orderstorlek och betalningsvillkor; nollresultat kräver priser {pct}",
     "zysk wraz z wartością poleceń (bez wyliczonej wartości klienta w czasie) {before} → {after} po działaniach: "
     "poziom obsługi, EDI, wartość zamówienia i warunki płatności; próg rentowności wymaga zmiany cen o {pct}"),
    ("break even needs prices {pct}", "å gå i null krever priser {pct}", "nollresultat kräver priser {pct}",
     "próg rentowności wymaga zmiany cen o {pct}"),
    # --- Formulas (column Formula). p, ×, −, / and the numbers stay; the words are translated.
    ("p = −profit / (net revenue × (1 − commission {commission} − {days} days/365 × {cost_of_capital})) = "
     "{loss} / ({revenue} × {keep})",
     "p = −resultat / (nettoomsetning × (1 − provisjon {commission} − {days} dager/365 × {cost_of_capital})) = "
     "{loss} / ({revenue} × {keep})",
     "p = −resultat / (nettoomsättning × (1 − provision {commission} − {days} dagar/365 × {cost_of_capital})) = "
     "{loss} / ({revenue} × {keep})",
     "p = −zysk / (przychód netto × (1 − prowizja {commission} − {days} dni/365 × {cost_of_capital})) = "
     "{loss} / ({revenue} × {keep})"),
    ("{revenue} × ({days} − {standard}) days/365 × {cost_of_capital}",
     "{revenue} × ({days} − {standard}) dager/365 × {cost_of_capital}",
     "{revenue} × ({days} − {standard}) dagar/365 × {cost_of_capital}",
     "{revenue} × ({days} − {standard}) dni/365 × {cost_of_capital}"),
    ("effect = −contribution (acquisition cost already spent); the cost-to-serve freed is saved only if the "
     "capacity is cut",
     "effekt = −dekningsbidrag (anskaffelseskostnaden er allerede påløpt); frigjort kundebetjeningskostnad spares "
     "bare hvis kapasiteten kuttes",
     "effekt = −täckningsbidrag (anskaffningskostnaden är redan nedlagd); frigjord kostnad att betjäna sparas "
     "bara om kapaciteten minskas",
     "efekt = −marża na pokryciu (koszt pozyskania klienta już poniesiony); zwolniony koszt obsługi to "
     "oszczędność tylko po zmniejszeniu zdolności"),
    # Volume saved × what one unit costs the customer: "(before − after) driver × cost per unit (terms)", the
    # terms joined by " + " (one per activity the driver moves; up to five here).
    ("({before} − {after}) {driver} × cost per unit ({t_cost})",
     "({before} − {after}) {driver} × kostnad per enhet ({t_cost})",
     "({before} − {after}) {driver} × kostnad per enhet ({t_cost})",
     "({before} − {after}) {driver} × koszt jednostkowy ({t_cost})"),
    ("({before} − {after}) {driver} × cost per unit ({t_cost1} + {t_cost2})",
     "({before} − {after}) {driver} × kostnad per enhet ({t_cost1} + {t_cost2})",
     "({before} − {after}) {driver} × kostnad per enhet ({t_cost1} + {t_cost2})",
     "({before} − {after}) {driver} × koszt jednostkowy ({t_cost1} + {t_cost2})"),
    ("({before} − {after}) {driver} × cost per unit ({t_cost1} + {t_cost2} + {t_cost3})",
     "({before} − {after}) {driver} × kostnad per enhet ({t_cost1} + {t_cost2} + {t_cost3})",
     "({before} − {after}) {driver} × kostnad per enhet ({t_cost1} + {t_cost2} + {t_cost3})",
     "({before} − {after}) {driver} × koszt jednostkowy ({t_cost1} + {t_cost2} + {t_cost3})"),
    ("({before} − {after}) {driver} × cost per unit ({t_cost1} + {t_cost2} + {t_cost3} + {t_cost4})",
     "({before} − {after}) {driver} × kostnad per enhet ({t_cost1} + {t_cost2} + {t_cost3} + {t_cost4})",
     "({before} − {after}) {driver} × kostnad per enhet ({t_cost1} + {t_cost2} + {t_cost3} + {t_cost4})",
     "({before} − {after}) {driver} × koszt jednostkowy ({t_cost1} + {t_cost2} + {t_cost3} + {t_cost4})"),
    ("({before} − {after}) {driver} × cost per unit ({t_cost1} + {t_cost2} + {t_cost3} + {t_cost4} + {t_cost5})",
     "({before} − {after}) {driver} × kostnad per enhet ({t_cost1} + {t_cost2} + {t_cost3} + {t_cost4} + {t_cost5})",
     "({before} − {after}) {driver} × kostnad per enhet ({t_cost1} + {t_cost2} + {t_cost3} + {t_cost4} + {t_cost5})",
     "({before} − {after}) {driver} × koszt jednostkowy ({t_cost1} + {t_cost2} + {t_cost3} + {t_cost4} + {t_cost5})"),
    ("{n_volume} {driver} × cost per unit ({t_cost})",
     "{n_volume} {driver} × kostnad per enhet ({t_cost})",
     "{n_volume} {driver} × kostnad per enhet ({t_cost})",
     "{n_volume} {driver} × koszt jednostkowy ({t_cost})"),
    ("{n_volume} {driver} × cost per unit ({t_cost1} + {t_cost2})",
     "{n_volume} {driver} × kostnad per enhet ({t_cost1} + {t_cost2})",
     "{n_volume} {driver} × kostnad per enhet ({t_cost1} + {t_cost2})",
     "{n_volume} {driver} × koszt jednostkowy ({t_cost1} + {t_cost2})"),
    ("{n_volume} {driver} × cost per unit ({t_cost1} + {t_cost2} + {t_cost3})",
     "{n_volume} {driver} × kostnad per enhet ({t_cost1} + {t_cost2} + {t_cost3})",
     "{n_volume} {driver} × kostnad per enhet ({t_cost1} + {t_cost2} + {t_cost3})",
     "{n_volume} {driver} × koszt jednostkowy ({t_cost1} + {t_cost2} + {t_cost3})"),
    ("{n_volume} {driver} × cost per unit ({t_cost1} + {t_cost2} + {t_cost3} + {t_cost4})",
     "{n_volume} {driver} × kostnad per enhet ({t_cost1} + {t_cost2} + {t_cost3} + {t_cost4})",
     "{n_volume} {driver} × kostnad per enhet ({t_cost1} + {t_cost2} + {t_cost3} + {t_cost4})",
     "{n_volume} {driver} × koszt jednostkowy ({t_cost1} + {t_cost2} + {t_cost3} + {t_cost4})"),
    ("{n_volume} {driver} × cost per unit ({t_cost1} + {t_cost2} + {t_cost3} + {t_cost4} + {t_cost5})",
     "{n_volume} {driver} × kostnad per enhet ({t_cost1} + {t_cost2} + {t_cost3} + {t_cost4} + {t_cost5})",
     "{n_volume} {driver} × kostnad per enhet ({t_cost1} + {t_cost2} + {t_cost3} + {t_cost4} + {t_cost5})",
     "{n_volume} {driver} × koszt jednostkowy ({t_cost1} + {t_cost2} + {t_cost3} + {t_cost4} + {t_cost5})"),
    ("({before} − {after}) orders × cost per order ({t_cost})",
     "({before} − {after}) ordrer × kostnad per ordre ({t_cost})",
     "({before} − {after}) order × kostnad per order ({t_cost})",
     "({before} − {after}) zamówień × koszt jednego zamówienia ({t_cost})"),
    ("({before} − {after}) orders × cost per order ({t_cost1} + {t_cost2})",
     "({before} − {after}) ordrer × kostnad per ordre ({t_cost1} + {t_cost2})",
     "({before} − {after}) order × kostnad per order ({t_cost1} + {t_cost2})",
     "({before} − {after}) zamówień × koszt jednego zamówienia ({t_cost1} + {t_cost2})"),
    ("({before} − {after}) orders × cost per order ({t_cost1} + {t_cost2} + {t_cost3})",
     "({before} − {after}) ordrer × kostnad per ordre ({t_cost1} + {t_cost2} + {t_cost3})",
     "({before} − {after}) order × kostnad per order ({t_cost1} + {t_cost2} + {t_cost3})",
     "({before} − {after}) zamówień × koszt jednego zamówienia ({t_cost1} + {t_cost2} + {t_cost3})"),
    ("({before} − {after}) orders × cost per order ({t_cost1} + {t_cost2} + {t_cost3} + {t_cost4})",
     "({before} − {after}) ordrer × kostnad per ordre ({t_cost1} + {t_cost2} + {t_cost3} + {t_cost4})",
     "({before} − {after}) order × kostnad per order ({t_cost1} + {t_cost2} + {t_cost3} + {t_cost4})",
     "({before} − {after}) zamówień × koszt jednego zamówienia ({t_cost1} + {t_cost2} + {t_cost3} + {t_cost4})"),
    ("({before} − {after}) orders × cost per order ({t_cost1} + {t_cost2} + {t_cost3} + {t_cost4} + {t_cost5})",
     "({before} − {after}) ordrer × kostnad per ordre ({t_cost1} + {t_cost2} + {t_cost3} + {t_cost4} + {t_cost5})",
     "({before} − {after}) order × kostnad per order ({t_cost1} + {t_cost2} + {t_cost3} + {t_cost4} + {t_cost5})",
     "({before} − {after}) zamówień × koszt jednego zamówienia ("
      "{t_cost1} + {t_cost2} + {t_cost3} + {t_cost4} + {t_cost5})"),
    # One term of the cost per unit: a time-driven activity (minutes × rate per minute) or a conventional one.
    ("{activity} {n_minutes} min × {n_rate}/min", "{activity} {n_minutes} min × {n_rate}/min",
     "{activity} {n_minutes} min × {n_rate}/min", "{activity} {n_minutes} min × {n_rate}/min"),
    ("{activity} {n_rate} (its cost shared by volume)", "{activity} {n_rate} (kostnaden fordelt etter volum)",
     "{activity} {n_rate} (kostnaden fördelad efter volym)", "{activity} {n_rate} (koszt rozdzielony według wolumenu)"),
    # --- Why a lever is left out (column Why left out of ActionsLeftOut).
    ("worth {effect}, less than {minimum} in the reporting currency",
     "verdt {effect}, mindre enn {minimum} i rapporteringsvalutaen",
     "värd {effect}, mindre än {minimum} i rapporteringsvalutan",
     "warte {effect}, mniej niż {minimum} w walucie sprawozdawczej"),
    ("no positive net revenue to reprice", "ingen positiv nettoomsetning å prisjustere",
     "ingen positiv nettoomsättning att prisjustera", "brak dodatniego przychodu netto do zmiany cen"),
    ("each euro of revenue costs more in commissions and credit than it brings",
     "hver krone i omsetning koster mer i provisjoner og kredittkostnad enn den gir",
     "varje krona i intäkt kostar mer i provisioner och kreditkostnad än den ger",
     "każda złotówka przychodu kosztuje więcej w prowizjach i koszcie kredytu kupieckiego, niż przynosi"),
    ("break even needs a price rise of {rise}, more than {maximum}: not a repricing but a different deal",
     "å gå i null krever en prisøkning på {rise}, mer enn {maximum}: ikke en prisjustering, men en ny avtale",
     "nollresultat kräver en prishöjning på {rise}, mer än {maximum}: inte en prisjustering utan ett nytt avtal",
     "próg rentowności wymaga podwyżki cen o {rise}, więcej niż {maximum}: to nie zmiana cen, lecz nowa umowa"),
    ("no service driver above its segment median", "ingen servicedriver over segmentmedianen",
     "ingen servicedrivare över segmentets median", "brak nośnika kosztów obsługi powyżej mediany segmentu"),
    ("no service driver in the model", "ingen servicedriver i modellen", "ingen servicedrivare i modellen",
     "brak nośnika kosztów obsługi w modelu"),
    ("no {driver}", "ingen {driver}", "inga {driver}", "brak {driver}"),
    ("the model has no manual-order driver", "modellen har ingen driver for manuelle ordrer",
     "modellen har ingen drivare för manuella order", "model nie ma nośnika kosztów dla zamówień ręcznych"),
    ("fewer than two orders or no positive revenue", "færre enn to ordrer eller ingen positiv omsetning",
     "färre än två order eller ingen positiv intäkt", "mniej niż dwa zamówienia lub brak dodatniego przychodu"),
    ("average order {value} is not below the segment median {median}",
     "gjennomsnittlig ordreverdi {value} er ikke under segmentmedianen {median}",
     "genomsnittligt ordervärde {value} är inte under segmentets median {median}",
     "średnia wartość zamówienia {value} nie jest niższa od mediany segmentu {median}"),
    ("no activity is driven by the number of orders", "ingen aktivitet drives av antall ordrer",
     "ingen aktivitet drivs av antalet order", "żadne działanie nie zależy od liczby zamówień"),
    ("no standard payment_days parameter", "parameteren payment_days (standard betalingsfrist) mangler",
     "parametern payment_days (standardbetalningsvillkor) saknas",
     "brak parametru payment_days (standardowy termin płatności)"),
    ("pays in {days} days, within the standard {standard}",
     "betaler etter {days} dager, innenfor standardfristen {standard}",
     "betalar efter {days} dagar, inom standardvillkoret {standard}",
     "płaci po {days} dniach, w standardowym terminie {standard}"),
    ("no cost of credit", "ingen kredittkostnad", "ingen kreditkostnad", "brak kosztu kredytu kupieckiego"),
    ("value after the levers is {value}, not negative", "verdien etter tiltakene er {value}, ikke negativ",
     "värdet efter åtgärderna är {value}, inte negativt", "wartość po działaniach wynosi {value}, nie jest ujemna"),
)
