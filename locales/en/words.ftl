# Names of closed values and dates, shared by the console and the mails.

date-weekday-1 = Monday
date-weekday-2 = Tuesday
date-weekday-3 = Wednesday
date-weekday-4 = Thursday
date-weekday-5 = Friday
date-weekday-6 = Saturday
date-weekday-7 = Sunday
date-weekday-short-1 = Mon
date-weekday-short-2 = Tue
date-weekday-short-3 = Wed
date-weekday-short-4 = Thu
date-weekday-short-5 = Fri
date-weekday-short-6 = Sat
date-weekday-short-7 = Sun
date-month-1 = January
date-month-2 = February
date-month-3 = March
date-month-4 = April
date-month-5 = May
date-month-6 = June
date-month-7 = July
date-month-8 = August
date-month-9 = September
date-month-10 = October
date-month-11 = November
date-month-12 = December
date-moment = { $weekday } { $ymd } { $time }
date-deadline-end-of-day = { $weekday } { $day } { $month } { $year }, end of day ({ $tz })
date-deadline-at = { $weekday } { $day } { $month } { $year }, { $time } ({ $tz })

words-customers = { $count ->
    [one] { $count } customer
   *[other] { $count } customers
}
words-findings = { $count ->
    [one] { $count } finding
   *[other] { $count } findings
}

session-status-scheduled = scheduled
session-status-delivered = delivered, awaiting acceptance
session-status-accepted = accepted
session-status-disputed = disputed
session-status-resolved = complaint decided
session-status-cancelled = cancelled
session-status-cancelled_late = cancelled late
session-status-no_show = customer absent
session-status-to_reschedule = to be rescheduled
sow-status-draft = draft
sow-status-submitted = waiting for approval
sow-status-active = in force
sow-status-awaiting_units = waiting for units
sow-status-completed = completed
sow-status-cancelled = cancelled
sow-status-superseded = superseded
request-status-open = open
request-status-responded = answered
request-status-declined = declined
request-status-redirected = redirected
request-kind-remote_technician = remote technician
request-kind-change_execution = change execution
request-kind-update_upgrade = update or upgrade
request-kind-baseline_assessment = baseline assessment
request-kind-custom = custom work
request-kind-training = training
cancel-reason-customer_request = the customer's request
cancel-reason-force_majeure = force majeure
cancel-reason-soc = the SOC
entry-kind-grant = pack received
entry-kind-debit = session
entry-kind-cancellation_debit = late cancellation or no-show
entry-kind-reversal = credit after a complaint
entry-kind-expiry = expiry
entry-kind-deficit = deficit
entry-kind-deficit_settlement = deficit settled
quote-status-open = open
quote-status-ordered = ordered
quote-status-lapsed = lapsed
quote-status-cancelled = cancelled
quote-origin-manual = requested by the account manager
quote-origin-sow_shortfall = units missing for a SoW
quote-origin-deficit = a deficit to settle
quote-origin-coverage_lost = a SoW lost its units
role-admin = administrator
role-account_manager = account manager
role-soc_lead = SOC lead
role-soc_manager = SOC manager
role-finance = finance
role-customer = customer
contact-role-approver = approver
contact-role-finance = finance
contact-role-technical = technical contact
acceptance-explicit = by the customer
acceptance-automatic = automatically at the deadline
sla-pending = pending
sla-met = met
sla-breached = breached
sla-not_applicable = not applicable
flash-units = { $value } units
flash-revision = revision { $value }
flash-version = version { $value }
