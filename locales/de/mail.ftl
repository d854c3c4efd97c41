# Die Mails (SPEC §11). Die Vorlage jeder Mail (src/notify/templates/<art>.j2) ordnet
# diese Zeilen an; Datumsangaben kommen formatiert ($at: ein Zeitpunkt oder eine Frist,
# mit Zeitzone).

mail-hello = Guten Tag { $name },
mail-hello-team = Guten Tag,
mail-details = Details: { $link }
mail-session-id = Sitzungs-ID: { $id }
mail-sow-id = ID des Leistungsverzeichnisses: { $id }
mail-quote-id = Angebots-ID: { $id }
mail-pack-id = Paket-ID: { $id }
mail-start = Beginn: { $at } ({ $utc })
mail-end = Ende: { $at } ({ $utc })
mail-estimated-units = Geschätzte Einheiten: { $units }.
mail-order-deadline = Bestellfrist: { $at } ({ $utc }).
mail-revoke-hint = Falls Sie das nicht erwarten, widerrufen Sie ihn: DELETE /v1/api-keys/{ $id } oder die Seite „API-Schlüssel“ der Konsole.

mail-acceptance-reminder-subject = [SecureHands] Erinnerung: Nehmen Sie die Sitzung bis { $at } ab
mail-acceptance-reminder-waiting = Die Sitzung von { $customer } ({ $units } Einheiten) wartet noch auf Ihre Abnahme.
mail-acceptance-reminder-deadline = Abnahmefrist: { $at } ({ $utc }). Ohne Reklamation bis dahin gilt sie automatisch als abgenommen.

mail-api-key-created-subject = [SecureHands] API-Schlüssel erstellt: { $key }
mail-api-key-created-body = { $by } hat den API-Schlüssel „{ $key }“ ({ $id }) am { $at } erstellt.
mail-api-key-rolled-subject = [SecureHands] API-Schlüssel erneuert: { $key }
mail-api-key-rolled-body = { $by } hat den API-Schlüssel „{ $key }“ ({ $id }) am { $at } erneuert: Er hat ein neues Geheimnis, das bisherige funktioniert nur noch bis zum Ende seiner Übergangsfrist.

mail-balance-low-subject = [SecureHands] Niedriger Saldo: { $units } Einheiten verfügbar
mail-balance-low-body = { $customer } hat { $units } Einheiten verfügbar, unter seinem Schwellenwert von { $threshold } Einheiten.

mail-complaint-decided-subject = [SecureHands] Ihre Reklamation ist entschieden: { $units } Einheiten gutgeschrieben
mail-complaint-decided-body = Die Reklamation zur Sitzung { $id } ist entschieden: { $units } Einheiten werden gutgeschrieben.
mail-reason = Begründung: { $reason }
mail-complaint-received-subject = [SecureHands] Reklamation von { $customer } eingegangen
mail-complaint-received-body = { $customer } hat die Sitzung { $id } reklamiert: { $reason }
mail-complaint-received-review = Prüfung fällig bis { $at } ({ $utc }).

mail-quote-due-soon-subject = [SecureHands] Angebot bis { $at } bestellen
mail-quote-due-soon-body = Das Nachkaufangebot über { $units } Einheiten für { $customer } ({ $reason }) muss innerhalb von 7 Tagen bestellt werden.
mail-quote-issued-subject = [SecureHands] Nachkaufangebot: { $units } Einheiten
mail-quote-issued-body = Für { $customer } wurde ein Nachkaufangebot über { $units } Einheiten erstellt ({ $reason }).
mail-quote-lapsed-subject = [SecureHands] Angebot verfallen: { $units } Einheiten
mail-quote-lapsed-body = Das Nachkaufangebot über { $units } Einheiten für { $customer } wurde nicht rechtzeitig bestellt und ist verfallen.

mail-report-issued-subject = [SecureHands] Bewertungsbericht ausgestellt: { $title } (Version { $version })
mail-report-issued-body = Der Bericht zur Basisbewertung für { $customer } ist ausgestellt: { $title }, Version { $version }.
mail-report-issued-supersedes = Er ersetzt Version { $previous }.
mail-report-issued-findings = Er enthält { $findings ->
    [one] eine Feststellung
   *[other] { $findings } Feststellungen
}, davon { $critical } kritisch und { $high } hoch, jeweils mit einer vorgeschlagenen Verbesserung.
mail-report-issued-link = Hier lesen und drucken: { $link }

mail-session-cancelled-subject = [SecureHands] Sitzung abgesagt
mail-session-cancelled-late-subject = [SecureHands] Sitzung kurzfristig abgesagt
mail-session-cancelled-body = Die Sitzung von { $customer }, geplant von { $from } ({ $utc }) bis { $to }, ist abgesagt (Grund: { $reason }).
mail-session-cancelled-late = Die Absage kam nach der Frist für kostenlose Absagen: { $units } Einheiten werden abgebucht.
mail-session-cancelled-free = Es werden keine Einheiten abgebucht.

mail-session-delivered-subject = [SecureHands] Leistungsnachweis: Abnahme bis { $at }
mail-session-delivered-intro = Eine Sitzung für { $customer } wurde durchgeführt. Leistungsnachweis:
mail-session-delivered-figures = Dauer: { $minutes } Minuten; abrechenbare Stunden: { $hours }; Einheiten: { $units }; Saldo danach: { $balance } Einheiten.
mail-session-delivered-terms = Berechnet mit den regulären Servicezeiten { $from }–{ $to } (Ortszeit); Abnahmefrist: { $days ->
    [one] ein Werktag
   *[other] { $days } Werktage
}.
mail-session-delivered-deadline = Abnahmefrist: { $at } ({ $utc }).
mail-session-delivered-silence = Ohne Reklamation vor Ablauf dieser Frist gilt die Sitzung automatisch als abgenommen.
mail-session-delivered-link = Hier abnehmen, reklamieren oder bewerten: { $link }

mail-session-rescheduled-subject = [SecureHands] Sitzung verschoben: { $at }
mail-session-rescheduled-intro = Eine Sitzung für { $customer } hat neue Zeiten.
mail-session-scheduled-subject = [SecureHands] Sitzung geplant: { $at }
mail-session-scheduled-intro = Eine Sitzung für { $customer } ist geplant.

mail-sign-in-link-subject = [SecureHands] Ihr Anmeldelink
mail-sign-in-link-body = Hier ist Ihr Link zur Anmeldung bei der SecureHands-Konsole für { $customer }. Er gilt einmal, 15 Minuten lang (bis { $at }):
mail-sign-in-link-ignore = Falls Sie ihn nicht angefordert haben, ignorieren Sie diese Mail: Ohne ihn kann sich niemand anmelden.

mail-sow-approved-subject = [SecureHands] Leistungsverzeichnis genehmigt: { $title }
mail-sow-approved-body = Das Leistungsverzeichnis { $title } für { $customer } ist genehmigt und in Kraft: { $units } Einheiten sind dafür reserviert.
mail-sow-awaiting-units-subject = [SecureHands] Leistungsverzeichnis wartet auf Einheiten: { $title }
mail-sow-awaiting-units-body = Das Leistungsverzeichnis { $title } für { $customer } ist genehmigt, wartet aber auf Einheiten: Es fehlen { $units } Einheiten.
mail-sow-awaiting-units-quote = Für den Fehlbetrag wurde ein Nachkaufangebot erstellt: { $id }.
mail-sow-submitted-subject = [SecureHands] Leistungsverzeichnis zur Genehmigung: { $title }
mail-sow-submitted-body = Ein Leistungsverzeichnis für { $customer } wartet auf Ihre Genehmigung: { $title } (Revision { $revision }).
mail-sow-submitted-units = Geplante Einheiten: { $planned }. Die Genehmigung reserviert { $reserves } Einheiten Ihres Saldos für diese Arbeiten.
mail-sow-submitted-terms = Reguläre Servicezeiten { $from }–{ $to } (Ortszeit); Abnahmefrist: { $days ->
    [one] ein Werktag
   *[other] { $days } Werktage
} nach jedem Leistungsnachweis.
mail-sow-submitted-link = Hier prüfen und genehmigen: { $link }

mail-uncovered-units-subject = [SecureHands] Nicht abgedeckte Einheiten ({ $month }): { $count ->
    [one] ein Kunde
   *[other] { $count } Kunden
} zu kontaktieren
mail-uncovered-units-intro = Diese Kunden haben Einheiten, die kein genehmigtes Leistungsverzeichnis abdeckt; kontaktieren Sie sie, um Sitzungen zu planen, bevor die Einheiten verfallen (früheste zuerst):
mail-uncovered-units-line = - { $customer } ({ $id }): { $units } Einheiten, die ersten verfallen am { $at }
mail-uncovered-units-last-sow = ; letztes Leistungsverzeichnis entworfen am { $at }
mail-uncovered-units-no-sow = ; noch kein Leistungsverzeichnis
mail-uncovered-units-now = Die aktuelle Liste: GET /v1/reports/uncovered-units oder die Übersicht der Konsole.

mail-units-expiring-subject = [SecureHands] { $units } Einheiten verfallen in { $days } Tagen
mail-units-expiring-body = { $units } Einheiten eines Pakets von { $customer } sind nutzbar bis { $at }, in { $days } Tagen; dann verfallen sie ({ $utc }).
