# Les mails (SPEC §11). Le gabarit de chaque mail (src/notify/templates/<type>.j2)
# dispose ces lignes ; les dates arrivent mises en forme ($at : un instant ou une
# échéance, avec son fuseau).

mail-hello = Bonjour { $name },
mail-hello-team = Bonjour,
mail-details = Détails : { $link }
mail-session-id = Identifiant de la session : { $id }
mail-sow-id = Identifiant du plan : { $id }
mail-quote-id = Identifiant du devis : { $id }
mail-pack-id = Identifiant du lot : { $id }
mail-start = Début : { $at } ({ $utc })
mail-end = Fin : { $at } ({ $utc })
mail-estimated-units = Unités estimées : { $units }.
mail-order-deadline = Date limite de commande : { $at } ({ $utc }).
mail-revoke-hint = Si vous ne l'attendiez pas, révoquez-la : DELETE /v1/api-keys/{ $id } ou l'écran « Clés d'API » de la console.

mail-acceptance-reminder-subject = [SecureHands] Rappel : acceptez la session d'ici le { $at }
mail-acceptance-reminder-waiting = La session de { $customer } ({ $units } unités) attend toujours votre acceptation.
mail-acceptance-reminder-deadline = Date limite d'acceptation : { $at } ({ $utc }). Sans réclamation d'ici là, elle est acceptée automatiquement.

mail-api-key-created-subject = [SecureHands] Clé d'API créée : { $key }
mail-api-key-created-body = { $by } a créé la clé d'API « { $key } » ({ $id }) le { $at }.
mail-api-key-rolled-subject = [SecureHands] Clé d'API renouvelée : { $key }
mail-api-key-rolled-body = { $by } a renouvelé la clé d'API « { $key } » ({ $id }) le { $at } : elle a un nouveau secret, et l'ancien cesse de fonctionner à la fin de son délai de grâce.

mail-balance-low-subject = [SecureHands] Solde bas : { $units } unités disponibles
mail-balance-low-body = { $customer } dispose de { $units } unités, sous son seuil de { $threshold } unités.

mail-complaint-decided-subject = [SecureHands] Votre réclamation est traitée : { $units } unités recréditées
mail-complaint-decided-body = La réclamation sur la session { $id } est traitée : { $units } unités sont recréditées.
mail-reason = Motif : { $reason }
mail-complaint-received-subject = [SecureHands] Réclamation reçue de { $customer }
mail-complaint-received-body = { $customer } a formulé une réclamation sur la session { $id } : { $reason }
mail-complaint-received-review = Examen attendu d'ici le { $at } ({ $utc }).

mail-quote-due-soon-subject = [SecureHands] Devis à commander d'ici le { $at }
mail-quote-due-soon-body = Le devis de complément de { $units } unités pour { $customer } ({ $reason }) doit être commandé sous 7 jours.
mail-quote-issued-subject = [SecureHands] Devis de complément : { $units } unités
mail-quote-issued-body = Un devis de complément de { $units } unités a été émis pour { $customer } ({ $reason }).
mail-quote-lapsed-subject = [SecureHands] Devis expiré : { $units } unités
mail-quote-lapsed-body = Le devis de complément de { $units } unités pour { $customer } n'a pas été commandé à temps et a expiré.

mail-report-issued-subject = [SecureHands] Rapport d'évaluation émis : { $title } (version { $version })
mail-report-issued-body = Le rapport d'évaluation de la configuration de référence pour { $customer } est émis : { $title }, version { $version }.
mail-report-issued-supersedes = Il remplace la version { $previous }.
mail-report-issued-findings = Il compte { $findings ->
    [one] un constat
   *[other] { $findings } constats
}, dont { $critical } critique(s) et { $high } de gravité élevée, chacun avec une amélioration proposée.
mail-report-issued-link = Consultez-le et imprimez-le ici : { $link }

mail-session-cancelled-subject = [SecureHands] Session annulée
mail-session-cancelled-late-subject = [SecureHands] Session annulée (tardivement)
mail-session-cancelled-body = La session de { $customer } prévue du { $from } ({ $utc }) au { $to } est annulée (motif : { $reason }).
mail-session-cancelled-late = L'annulation est intervenue après le délai d'annulation : { $units } unités sont débitées.
mail-session-cancelled-free = Aucune unité n'est débitée.

mail-session-delivered-subject = [SecureHands] Procès-verbal de fin d'intervention : à accepter d'ici le { $at }
mail-session-delivered-intro = Une session pour { $customer } a été réalisée. Procès-verbal de fin d'intervention :
mail-session-delivered-figures = Durée : { $minutes } minutes ; heures facturables : { $hours } ; unités : { $units } ; solde après : { $balance } unités.
mail-session-delivered-terms = Tarifé avec les heures ouvrées standard { $from }–{ $to } (heure locale) ; délai d'acceptation : { $days ->
    [one] un jour ouvré
   *[other] { $days } jours ouvrés
}.
mail-session-delivered-deadline = Date limite d'acceptation : { $at } ({ $utc }).
mail-session-delivered-silence = Sans réclamation avant cette date, la session est acceptée automatiquement.
mail-session-delivered-link = Acceptez, contestez ou évaluez-la ici : { $link }

mail-session-rescheduled-subject = [SecureHands] Session replanifiée : { $at }
mail-session-rescheduled-intro = Une session pour { $customer } a de nouveaux horaires.
mail-session-scheduled-subject = [SecureHands] Session planifiée : { $at }
mail-session-scheduled-intro = Une session pour { $customer } est planifiée.

mail-sign-in-link-subject = [SecureHands] Votre lien de connexion
mail-sign-in-link-body = Voici votre lien pour vous connecter à la console SecureHands pour { $customer }. Il fonctionne une seule fois, pendant 15 minutes (jusqu'au { $at }) :
mail-sign-in-link-ignore = Si vous ne l'avez pas demandé, ignorez ce message : personne ne peut se connecter sans lui.

mail-sow-approved-subject = [SecureHands] Plan de travail approuvé : { $title }
mail-sow-approved-body = Le plan de travail { $title } pour { $customer } est approuvé et en vigueur : { $units } unités lui sont réservées.
mail-sow-awaiting-units-subject = [SecureHands] Plan de travail en attente d'unités : { $title }
mail-sow-awaiting-units-body = Le plan de travail { $title } pour { $customer } est approuvé mais attend des unités : il en manque { $units }.
mail-sow-awaiting-units-quote = Un devis de complément a été émis pour le manque : { $id }.
mail-sow-submitted-subject = [SecureHands] Plan de travail à approuver : { $title }
mail-sow-submitted-body = Un plan de travail pour { $customer } attend votre approbation : { $title } (révision { $revision }).
mail-sow-submitted-units = Unités prévues : { $planned }. L'approuver réserve { $reserves } unités de votre solde pour ces travaux.
mail-sow-submitted-terms = Heures ouvrées standard { $from }–{ $to } (heure locale) ; délai d'acceptation : { $days ->
    [one] un jour ouvré
   *[other] { $days } jours ouvrés
} après chaque procès-verbal.
mail-sow-submitted-link = Consultez-le et approuvez-le ici : { $link }

mail-uncovered-units-subject = [SecureHands] Unités non couvertes par un cahier des charges ({ $month }) : { $count ->
    [one] un client
   *[other] { $count } clients
} à contacter
mail-uncovered-units-intro = Ces clients détiennent des unités qu'aucun cahier des charges approuvé ne couvre ; contactez-les pour planifier des sessions avant l'expiration des unités (expiration la plus proche d'abord) :
mail-uncovered-units-line = - { $customer } ({ $id }) : { $units } unités, les premières expirant le { $at }
mail-uncovered-units-last-sow = ; dernier cahier des charges rédigé le { $at }
mail-uncovered-units-no-sow = ; aucun cahier des charges
mail-uncovered-units-now = La liste à jour : GET /v1/reports/uncovered-units ou la vue d'ensemble de la console.

mail-units-expiring-subject = [SecureHands] { $units } unités expirent dans { $days } jours
mail-units-expiring-body = { $units } unités d'un lot de { $customer } sont utilisables jusqu'au { $at }, dans { $days } jours ; elles expirent alors ({ $utc }).
