# Noms des valeurs fermées et dates, partagés par la console et les mails.

date-weekday-1 = lundi
date-weekday-2 = mardi
date-weekday-3 = mercredi
date-weekday-4 = jeudi
date-weekday-5 = vendredi
date-weekday-6 = samedi
date-weekday-7 = dimanche
date-weekday-short-1 = lun.
date-weekday-short-2 = mar.
date-weekday-short-3 = mer.
date-weekday-short-4 = jeu.
date-weekday-short-5 = ven.
date-weekday-short-6 = sam.
date-weekday-short-7 = dim.
date-month-1 = janvier
date-month-2 = février
date-month-3 = mars
date-month-4 = avril
date-month-5 = mai
date-month-6 = juin
date-month-7 = juillet
date-month-8 = août
date-month-9 = septembre
date-month-10 = octobre
date-month-11 = novembre
date-month-12 = décembre
date-moment = { $weekday } { $dmy } à { $time }
date-deadline-end-of-day = { $weekday } { $day } { $month } { $year } (fin de journée, { $tz })
date-deadline-at = { $weekday } { $day } { $month } { $year } à { $time } ({ $tz })

words-customers = { $count ->
    [one] { $count } client
   *[other] { $count } clients
}
words-findings = { $count ->
    [one] { $count } constat
   *[other] { $count } constats
}

session-status-scheduled = planifiée
session-status-delivered = réalisée, en attente d'acceptation
session-status-accepted = acceptée
session-status-disputed = contestée
session-status-resolved = réclamation traitée
session-status-cancelled = annulée
session-status-cancelled_late = annulée tardivement
session-status-no_show = client absent
session-status-to_reschedule = à replanifier
sow-status-draft = brouillon
sow-status-submitted = en attente d'approbation
sow-status-active = en vigueur
sow-status-awaiting_units = en attente d'unités
sow-status-completed = terminé
sow-status-cancelled = annulé
sow-status-superseded = remplacé
request-status-open = ouverte
request-status-responded = traitée
request-status-declined = refusée
request-status-redirected = réorientée
request-kind-remote_technician = technicien à distance
request-kind-change_execution = exécution de changement
request-kind-update_upgrade = mise à jour ou montée de version
request-kind-baseline_assessment = évaluation de la configuration de référence
request-kind-custom = prestation sur mesure
request-kind-training = formation
cancel-reason-customer_request = demande du client
cancel-reason-force_majeure = force majeure
cancel-reason-soc = le SOC
entry-kind-grant = lot reçu
entry-kind-debit = session
entry-kind-cancellation_debit = annulation tardive ou absence
entry-kind-reversal = recrédit après réclamation
entry-kind-expiry = expiration
entry-kind-deficit = déficit
entry-kind-deficit_settlement = déficit régularisé
quote-status-open = ouvert
quote-status-ordered = commandé
quote-status-lapsed = expiré
quote-status-cancelled = annulé
quote-origin-manual = demandé par le responsable de compte
quote-origin-sow_shortfall = unités manquantes pour un plan de travail
quote-origin-deficit = un déficit à régulariser
quote-origin-coverage_lost = un plan de travail a perdu ses unités
role-admin = administrateur
role-account_manager = responsable de compte
role-soc_lead = responsable SOC
role-soc_manager = manager SOC
role-finance = finance
role-customer = client
contact-role-approver = approbateur
contact-role-finance = finance
contact-role-technical = contact technique
acceptance-explicit = par le client
acceptance-automatic = automatiquement à l'échéance
sla-pending = en cours
sla-met = respecté
sla-breached = dépassé
sla-not_applicable = sans objet
flash-units = { $value } unités
flash-revision = révision { $value }
flash-version = version { $value }
