//! The console's words in English and French.

use crate::domain::notification::Language;

/// `(key, English, French)`.
const WORDS: &[(&str, &str, &str)] = &[
    ("app", "SecureHands console", "Console SecureHands"),
    ("sign_in", "Sign in", "Se connecter"),
    ("sign_out", "Sign out", "Se déconnecter"),
    ("token", "Access token", "Jeton d'accès"),
    (
        "token_help",
        "Operators only: paste a token minted with `securehands token`.",
        "Opérateurs uniquement : collez un jeton créé avec `securehands token`.",
    ),
    ("operator_sign_in", "Operator token", "Jeton d'opérateur"),
    ("email", "E-mail address", "Adresse e-mail"),
    (
        "email_link",
        "E-mail me a sign-in link",
        "M'envoyer un lien de connexion",
    ),
    (
        "email_link_help",
        "Customer contacts: we send a link that works once, for 15 minutes.",
        "Contacts clients : nous envoyons un lien valable une fois, pendant 15 minutes.",
    ),
    (
        "link_sent",
        "If this address belongs to a contact, a sign-in link is on its way. It works once, for 15 minutes.",
        "Si cette adresse est celle d'un contact, un lien de connexion vient de partir. Il fonctionne une fois, pendant 15 minutes.",
    ),
    (
        "bad_link",
        "This sign-in link has expired or was already used. Ask for a new one.",
        "Ce lien de connexion a expiré ou a déjà servi. Demandez-en un nouveau.",
    ),
    (
        "confirm_sign_in",
        "Confirm sign-in",
        "Confirmer la connexion",
    ),
    (
        "confirm_sign_in_help",
        "You are about to sign in to the SecureHands console.",
        "Vous allez vous connecter à la console SecureHands.",
    ),
    (
        "sso",
        "Sign in with your organisation",
        "Se connecter avec votre organisation",
    ),
    (
        "no_access",
        "You are signed in with your organisation, but no role of yours gives access to this console. Ask an administrator.",
        "Vous êtes identifié par votre organisation, mais aucun de vos rôles ne donne accès à cette console. Adressez-vous à un administrateur.",
    ),
    (
        "bad_token",
        "This token is not valid.",
        "Ce jeton n'est pas valide.",
    ),
    ("approved_by", "Approved by", "Approuvé par"),
    ("accepted_by", "Accepted by", "Accepté par"),
    ("decided_by", "Decided by", "Décidé par"),
    ("by", "by", "par"),
    ("api_keys", "API keys", "Clés d'API"),
    ("admin", "Administration", "Administration"),
    ("key_roles", "Roles", "Rôles"),
    ("key_prefix", "Prefix", "Préfixe"),
    ("last_used", "Last used", "Dernière utilisation"),
    ("create_key", "Create a key", "Créer une clé"),
    ("roll", "Roll", "Renouveler"),
    ("revoke", "Revoke", "Révoquer"),
    ("revoked", "Revoked", "Révoquée"),
    (
        "grace_hours",
        "Old secret works for (hours)",
        "L'ancien secret reste valable (heures)",
    ),
    (
        "secret_once",
        "Copy this secret now: it is shown only once.",
        "Copiez ce secret maintenant : il n'est affiché qu'une fois.",
    ),
    ("home", "Overview", "Vue d'ensemble"),
    ("language", "Language", "Langue"),
    ("customers", "Customers", "Clients"),
    ("customer", "Customer", "Client"),
    ("name", "Name", "Nom"),
    ("total", "Total", "Total"),
    ("reserved", "Reserved", "Réservé"),
    ("available", "Available", "Disponible"),
    ("deficit", "Deficit", "Déficit"),
    (
        "expiring_90",
        "Units expiring in the next 90 days",
        "Unités expirant dans les 90 jours",
    ),
    ("open_quotes", "Open quotes", "Devis ouverts"),
    ("units", "Units", "Unités"),
    ("expires", "Expires", "Expire le"),
    ("order_due", "Order by", "À commander avant le"),
    ("reason", "Reason", "Motif"),
    ("nothing", "Nothing here.", "Rien pour le moment."),
    (
        "contact_to_schedule",
        "Contact to schedule",
        "À contacter pour planifier",
    ),
    (
        "contact_to_schedule_help",
        "Units no approved SoW covers, the soonest expiry first.",
        "Unités qu'aucun cahier des charges approuvé ne couvre, l'expiration la plus proche d'abord.",
    ),
    ("uncovered_units", "Uncovered units", "Unités non couvertes"),
    ("first_expiry", "First expiry", "Première expiration"),
    ("last_sow", "Latest SoW", "Dernier cahier des charges"),
    ("none_yet", "none yet", "aucun pour l'instant"),
    ("lots", "Packs", "Lots"),
    ("remaining", "Remaining", "Restant"),
    ("received_on", "Received on", "Reçu le"),
    ("ledger", "Ledger", "Grand livre"),
    ("kind", "Kind", "Type"),
    ("balance_after", "Balance after", "Solde après"),
    ("effective", "Effective", "Effectif le"),
    ("statements", "Monthly statements", "Relevés mensuels"),
    ("month", "Month", "Mois"),
    ("view", "View", "Voir"),
    ("download_csv", "Download CSV", "Télécharger en CSV"),
    ("opening", "Opening", "Solde d'ouverture"),
    ("closing", "Closing", "Solde de clôture"),
    ("sell_pack", "Sell a pack", "Vendre un lot"),
    (
        "order_reference",
        "Order reference",
        "Référence de commande",
    ),
    (
        "raise_quote",
        "Raise a top-up quote",
        "Émettre un devis de complément",
    ),
    ("requests", "Requests", "Demandes"),
    ("received", "Received", "Reçue le"),
    ("response_due", "Response due", "Réponse attendue avant"),
    ("sow_due", "SoW due", "Plan attendu avant"),
    ("breached", "breached", "dépassé"),
    ("due", "due", "à échéance"),
    ("respond", "Respond", "Répondre"),
    ("decline", "Decline", "Refuser"),
    (
        "new_sow",
        "Draft a statement of work",
        "Rédiger un plan de travail",
    ),
    ("sows", "Statements of work", "Plans de travail"),
    ("title", "Title", "Titre"),
    ("activities", "Activities", "Activités"),
    ("planned_sessions", "Planned sessions", "Sessions prévues"),
    ("planned_units", "Planned units", "Unités prévues"),
    (
        "acceptance_criteria",
        "Acceptance criteria",
        "Critères d'acceptation",
    ),
    (
        "standard_hours",
        "Standard hours",
        "Heures ouvrées standard",
    ),
    (
        "acceptance_days",
        "Acceptance window",
        "Délai d'acceptation",
    ),
    ("business_days", "business days", "jours ouvrés"),
    ("from", "From", "De"),
    ("to", "To", "À"),
    ("request", "Request", "Demande"),
    ("none", "none", "aucune"),
    ("status", "Status", "Statut"),
    ("revision", "Revision", "Révision"),
    ("save_draft", "Save the draft", "Enregistrer le brouillon"),
    ("submit", "Submit to the customer", "Soumettre au client"),
    ("approve", "Approve", "Approuver"),
    (
        "approve_reserves",
        "Approving reserves",
        "L'approbation réserve",
    ),
    ("reject", "Reject", "Rejeter"),
    ("comment", "Comment", "Commentaire"),
    (
        "to_approve",
        "Statements of work to approve",
        "Plans de travail à approuver",
    ),
    (
        "active_sows",
        "Statements of work in force",
        "Plans de travail en cours",
    ),
    ("schedule", "Schedule a session", "Planifier une session"),
    ("starts", "Starts", "Début"),
    ("ends", "Ends", "Fin"),
    ("week", "Sessions of the week", "Sessions de la semaine"),
    ("previous_week", "Previous week", "Semaine précédente"),
    ("next_week", "Next week", "Semaine suivante"),
    ("session", "Session", "Session"),
    ("sessions", "Sessions", "Sessions"),
    ("estimated", "Estimated units", "Unités estimées"),
    (
        "deliver",
        "Record the delivery",
        "Enregistrer la réalisation",
    ),
    ("actual_start", "Actual start", "Début réel"),
    ("actual_end", "Actual end", "Fin réelle"),
    ("notes", "Notes", "Notes"),
    ("preview_price", "Show the price", "Afficher le prix"),
    (
        "price_before",
        "Price before confirming",
        "Prix avant confirmation",
    ),
    ("duration", "Duration (minutes)", "Durée (minutes)"),
    ("billable_hours", "Billable hours", "Heures facturables"),
    ("confirm", "Confirm", "Confirmer"),
    ("no_show", "Customer absent (no-show)", "Client absent"),
    ("cancel", "Cancel the session", "Annuler la session"),
    (
        "cancel_preview",
        "See what cancelling costs",
        "Voir le coût de l'annulation",
    ),
    (
        "late_charge",
        "Late cancellation: these units will be debited",
        "Annulation tardive : ces unités seront débitées",
    ),
    (
        "free_cancel",
        "Free cancellation: nothing is debited",
        "Annulation gratuite : rien n'est débité",
    ),
    ("cancel_reason", "Reason", "Motif"),
    (
        "customer_request",
        "Customer's request",
        "Demande du client",
    ),
    ("force_majeure", "Force majeure", "Force majeure"),
    ("soc", "SOC", "SOC"),
    (
        "to_accept",
        "Sessions awaiting your acceptance",
        "Sessions en attente de votre acceptation",
    ),
    ("acceptance_due", "Accept by", "À accepter avant le"),
    (
        "silence_accepts",
        "Without a complaint by then, the session is accepted automatically.",
        "Sans réclamation d'ici là, la session est acceptée automatiquement.",
    ),
    ("accept", "Accept", "Accepter"),
    ("complain", "Complain", "Contester"),
    ("evaluate", "Evaluate", "Évaluer"),
    ("rating", "Rating (1–5)", "Note (1–5)"),
    ("upcoming", "Upcoming sessions", "Sessions à venir"),
    (
        "complaints",
        "Complaints to decide",
        "Réclamations à traiter",
    ),
    ("decide", "Decide", "Décider"),
    (
        "reverse_units",
        "Units to credit back",
        "Unités à recréditer",
    ),
    ("review_due", "Review due", "Examen avant le"),
    ("charged", "Charged", "Débité"),
    ("done", "Done.", "C'est fait."),
    ("error", "Refused", "Refusé"),
    ("statement_of", "Statement", "Relevé"),
    ("back", "Back", "Retour"),
    ("times_in", "Times in", "Heures en"),
    ("customer_page", "Customer page", "Page client"),
    ("sow", "Statement of work", "Plan de travail"),
    (
        "assessment_report",
        "Baseline assessment report",
        "Rapport d'évaluation de la configuration de référence",
    ),
    ("write_report", "Write the report", "Rédiger le rapport"),
    ("report_version", "Version", "Version"),
    ("issued_on", "Issued on", "Émis le"),
    ("issued_by", "Issued by", "Émis par"),
    ("report_summary", "Summary", "Synthèse"),
    ("findings", "Findings", "Constats"),
    ("severity", "Severity", "Gravité"),
    ("severity_critical", "Critical", "Critique"),
    ("severity_high", "High", "Élevée"),
    ("severity_medium", "Medium", "Moyenne"),
    ("severity_low", "Low", "Faible"),
    ("severity_info", "Information", "Information"),
    ("finding_title", "Finding", "Constat"),
    ("assets", "Assets concerned", "Actifs concernés"),
    ("observation", "Observation", "Observation"),
    ("recommendation", "Recommendation", "Recommandation"),
    (
        "superseded_note",
        "This version is superseded by version",
        "Cette version est remplacée par la version",
    ),
    ("read_latest", "Read the latest", "Lire la plus récente"),
    ("no_findings", "No findings.", "Aucun constat."),
    ("save_report", "Save the draft", "Enregistrer le brouillon"),
    (
        "issue_report",
        "Issue this version",
        "Émettre cette version",
    ),
    ("versions", "Versions", "Versions"),
    (
        "print_hint",
        "Print this page (Ctrl+P) for an A4 document.",
        "Imprimez cette page (Ctrl+P) pour un document A4.",
    ),
    ("remove_finding", "Remove", "Retirer"),
    (
        "new_finding",
        "New finding (leave empty to add none)",
        "Nouveau constat (laisser vide pour n'en ajouter aucun)",
    ),
    (
        "report_not_issued",
        "No version has been issued yet.",
        "Aucune version n'a encore été émise.",
    ),
];

/// The word for `key` in `lang` (the key itself when unknown, so a gap shows).
pub fn word(lang: Language, key: &str) -> String {
    WORDS
        .iter()
        .find(|(k, _, _)| *k == key)
        .map(|(_, en, fr)| match lang {
            Language::Fr => *fr,
            Language::En => *en,
        })
        .unwrap_or(key)
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_is_unique_and_translated() {
        for (i, (k, en, fr)) in WORDS.iter().enumerate() {
            assert!(!en.is_empty() && !fr.is_empty(), "{k}");
            assert!(
                WORDS[i + 1..].iter().all(|(other, _, _)| other != k),
                "{k} twice"
            );
        }
        assert_eq!(word(Language::Fr, "accept"), "Accepter");
    }
}
