# Namen geschlossener Werte und Datumsangaben, gemeinsam für Konsole und Mails.

date-weekday-1 = Montag
date-weekday-2 = Dienstag
date-weekday-3 = Mittwoch
date-weekday-4 = Donnerstag
date-weekday-5 = Freitag
date-weekday-6 = Samstag
date-weekday-7 = Sonntag
date-weekday-short-1 = Mo.
date-weekday-short-2 = Di.
date-weekday-short-3 = Mi.
date-weekday-short-4 = Do.
date-weekday-short-5 = Fr.
date-weekday-short-6 = Sa.
date-weekday-short-7 = So.
date-month-1 = Januar
date-month-2 = Februar
date-month-3 = März
date-month-4 = April
date-month-5 = Mai
date-month-6 = Juni
date-month-7 = Juli
date-month-8 = August
date-month-9 = September
date-month-10 = Oktober
date-month-11 = November
date-month-12 = Dezember
date-moment = { $weekday }, { $dmy_dots }, { $time } Uhr
date-deadline-end-of-day = { $weekday }, { $day }. { $month } { $year }, Tagesende ({ $tz })
date-deadline-at = { $weekday }, { $day }. { $month } { $year }, { $time } Uhr ({ $tz })

words-customers = { $count ->
    [one] { $count } Kunde
   *[other] { $count } Kunden
}
words-findings = { $count ->
    [one] { $count } Feststellung
   *[other] { $count } Feststellungen
}

session-status-scheduled = geplant
session-status-delivered = durchgeführt, Abnahme ausstehend
session-status-accepted = abgenommen
session-status-disputed = reklamiert
session-status-resolved = Reklamation entschieden
session-status-cancelled = abgesagt
session-status-cancelled_late = kurzfristig abgesagt
session-status-no_show = Kunde nicht erschienen
session-status-to_reschedule = neu zu planen
sow-status-draft = Entwurf
sow-status-submitted = wartet auf Genehmigung
sow-status-active = in Kraft
sow-status-awaiting_units = wartet auf Einheiten
sow-status-completed = abgeschlossen
sow-status-cancelled = storniert
sow-status-superseded = ersetzt
request-status-open = offen
request-status-responded = beantwortet
request-status-declined = abgelehnt
request-status-redirected = weitergeleitet
request-kind-remote_technician = Techniker aus der Ferne
request-kind-change_execution = Durchführung einer Änderung
request-kind-update_upgrade = Update oder Upgrade
request-kind-baseline_assessment = Basisbewertung
request-kind-custom = individuelle Leistung
request-kind-training = Schulung
cancel-reason-customer_request = Wunsch des Kunden
cancel-reason-force_majeure = höhere Gewalt
cancel-reason-soc = das SOC
entry-kind-grant = Paket erhalten
entry-kind-debit = Sitzung
entry-kind-cancellation_debit = späte Absage oder Nichterscheinen
entry-kind-reversal = Gutschrift nach Reklamation
entry-kind-expiry = Verfall
entry-kind-deficit = Fehlbetrag
entry-kind-deficit_settlement = Fehlbetrag ausgeglichen
quote-status-open = offen
quote-status-ordered = bestellt
quote-status-lapsed = verfallen
quote-status-cancelled = storniert
quote-origin-manual = vom Kundenbetreuer angefordert
quote-origin-sow_shortfall = fehlende Einheiten für ein Leistungsverzeichnis
quote-origin-deficit = ein auszugleichender Fehlbetrag
quote-origin-coverage_lost = ein Leistungsverzeichnis hat seine Einheiten verloren
role-admin = Administrator
role-account_manager = Kundenbetreuer
role-soc_lead = SOC-Leiter
role-soc_manager = SOC-Manager
role-finance = Finanzen
role-customer = Kunde
contact-role-approver = Genehmiger
contact-role-finance = Finanzen
contact-role-technical = technischer Kontakt
acceptance-explicit = durch den Kunden
acceptance-automatic = automatisch bei Fristablauf
sla-pending = läuft
sla-met = eingehalten
sla-breached = überschritten
sla-not_applicable = entfällt
flash-units = { $value } Einheiten
flash-revision = Revision { $value }
flash-version = Version { $value }
