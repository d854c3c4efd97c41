# The mails (SPEC §11). Each mail's template (src/notify/templates/<kind>.j2) lays
# these lines out; dates come formatted ($at: a moment or a deadline, with its zone).

mail-hello = Hello { $name },
mail-hello-team = Hello,
mail-details = Details: { $link }
mail-session-id = Session id: { $id }
mail-sow-id = SoW id: { $id }
mail-quote-id = Quote id: { $id }
mail-pack-id = Pack id: { $id }
mail-start = Start: { $at } ({ $utc })
mail-end = End: { $at } ({ $utc })
mail-estimated-units = Estimated units: { $units }.
mail-order-deadline = Order deadline: { $at } ({ $utc }).
mail-revoke-hint = If you do not expect it, revoke it: DELETE /v1/api-keys/{ $id } or the console's API keys screen.

mail-acceptance-reminder-subject = [SecureHands] Reminder: accept the session by { $at }
mail-acceptance-reminder-waiting = The session of { $customer } ({ $units } units) is still waiting for your acceptance.
mail-acceptance-reminder-deadline = Acceptance deadline: { $at } ({ $utc }). Without a complaint by then, it is accepted automatically.

mail-api-key-created-subject = [SecureHands] API key created: { $key }
mail-api-key-created-body = { $by } created the API key "{ $key }" ({ $id }) on { $at }.
mail-api-key-rolled-subject = [SecureHands] API key rolled: { $key }
mail-api-key-rolled-body = { $by } rolled the API key "{ $key }" ({ $id }) on { $at }: it has a new secret, and the previous one stops working at the end of its grace period.

mail-balance-low-subject = [SecureHands] Low balance: { $units } units available
mail-balance-low-body = { $customer } has { $units } units available, below its threshold of { $threshold } units.

mail-complaint-decided-subject = [SecureHands] Your complaint was decided: { $units } units reversed
mail-complaint-decided-body = The complaint about session { $id } was decided: { $units } units are credited back.
mail-reason = Reason: { $reason }
mail-complaint-received-subject = [SecureHands] Complaint received from { $customer }
mail-complaint-received-body = { $customer } complained about session { $id }: { $reason }
mail-complaint-received-review = Review due: { $at } ({ $utc }).

mail-quote-due-soon-subject = [SecureHands] Quote to order by { $at }
mail-quote-due-soon-body = The top-up quote of { $units } units for { $customer } ({ $reason }) must be ordered within 7 days.
mail-quote-issued-subject = [SecureHands] Top-up quote: { $units } units
mail-quote-issued-body = A top-up quote of { $units } units was issued for { $customer } ({ $reason }).
mail-quote-lapsed-subject = [SecureHands] Quote lapsed: { $units } units
mail-quote-lapsed-body = The top-up quote of { $units } units for { $customer } was not ordered in time and lapsed.

mail-report-issued-subject = [SecureHands] Assessment report issued: { $title } (version { $version })
mail-report-issued-body = The baseline assessment report for { $customer } is issued: { $title }, version { $version }.
mail-report-issued-supersedes = It supersedes version { $previous }.
mail-report-issued-findings = It lists { $findings ->
    [one] one finding
   *[other] { $findings } findings
}, of which { $critical } critical and { $high } high, each with a proposed improvement.
mail-report-issued-link = Read and print it here: { $link }

mail-session-cancelled-subject = [SecureHands] Session cancelled
mail-session-cancelled-late-subject = [SecureHands] Session cancelled (late)
mail-session-cancelled-body = The session of { $customer } planned from { $from } ({ $utc }) to { $to } is cancelled (reason: { $reason }).
mail-session-cancelled-late = The cancellation came after the late-cancellation threshold: { $units } units are debited.
mail-session-cancelled-free = No units are debited.

mail-session-delivered-subject = [SecureHands] Completion statement: accept by { $at }
mail-session-delivered-intro = A session for { $customer } was delivered. Completion statement:
mail-session-delivered-figures = Duration: { $minutes } minutes; billable hours: { $hours }; units: { $units }; balance after: { $balance } units.
mail-session-delivered-terms = Priced with standard hours { $from }–{ $to } (local time); acceptance window: { $days ->
    [one] one business day
   *[other] { $days } business days
}.
mail-session-delivered-deadline = Acceptance deadline: { $at } ({ $utc }).
mail-session-delivered-silence = Without a complaint before that deadline, the session is accepted automatically.
mail-session-delivered-link = Accept, complain or evaluate it here: { $link }

mail-session-rescheduled-subject = [SecureHands] Session rescheduled: { $at }
mail-session-rescheduled-intro = A session for { $customer } has new times.
mail-session-scheduled-subject = [SecureHands] Session scheduled: { $at }
mail-session-scheduled-intro = A session for { $customer } is scheduled.

mail-sign-in-link-subject = [SecureHands] Your sign-in link
mail-sign-in-link-body = Here is your link to sign in to the SecureHands console for { $customer }. It works once, for 15 minutes (until { $at }):
mail-sign-in-link-ignore = If you did not ask for it, ignore this mail: nobody can sign in without it.

mail-sow-approved-subject = [SecureHands] Statement of work approved: { $title }
mail-sow-approved-body = The statement of work { $title } for { $customer } is approved and in force: { $units } units are reserved for it.
mail-sow-awaiting-units-subject = [SecureHands] Statement of work waiting for units: { $title }
mail-sow-awaiting-units-body = The statement of work { $title } for { $customer } is approved but waits for units: { $units } units are missing.
mail-sow-awaiting-units-quote = A top-up quote was issued for the shortfall: { $id }.
mail-sow-submitted-subject = [SecureHands] Statement of work to approve: { $title }
mail-sow-submitted-body = A statement of work for { $customer } is ready for your approval: { $title } (revision { $revision }).
mail-sow-submitted-units = Planned units: { $planned }. Approving it reserves { $reserves } units from your balance for this work.
mail-sow-submitted-terms = Standard hours { $from }–{ $to } (local time); acceptance window: { $days ->
    [one] one business day
   *[other] { $days } business days
} after each completion statement.
mail-sow-submitted-link = Review and approve it here: { $link }

mail-uncovered-units-subject = [SecureHands] Units no SoW covers ({ $month }): { $count ->
    [one] one customer
   *[other] { $count } customers
} to contact
mail-uncovered-units-intro = These customers hold units that no approved SoW covers; contact them to schedule sessions before the units expire (soonest expiry first):
mail-uncovered-units-line = - { $customer } ({ $id }): { $units } units, the first expiring { $at }
mail-uncovered-units-last-sow = ; latest SoW drafted { $at }
mail-uncovered-units-no-sow = ; no SoW yet
mail-uncovered-units-now = The list as it stands now: GET /v1/reports/uncovered-units or the console's overview.

mail-units-expiring-subject = [SecureHands] { $units } units expire in { $days } days
mail-units-expiring-body = { $units } units of a pack of { $customer } can be used until { $at }, in { $days } days; they expire then ({ $utc }).
