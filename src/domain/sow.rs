//! The statement-of-work lifecycle (SPEC §5) as a type whose transitions either give
//! the next state or a typed refusal with a stable code.
//!
//! `draft → submitted → (approved →) active | awaiting_units → completed | cancelled`;
//! `submitted → draft` on rejection; `awaiting_units ⇄ active` as units come and go;
//! a superseded SoW ends as `superseded` when its replacement is approved.

use std::fmt;

/// Where a SoW stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SowStatus {
    /// Being written by the SOC; every edit is a new revision.
    Draft,
    /// Signed by the SOC, waiting for the customer.
    Submitted,
    /// Approved and its units provisioned.
    Active,
    /// Approved, waiting for units (a top-up quote is open).
    AwaitingUnits,
    /// Finished; what was left of its reservation went back to the customer.
    Completed,
    /// Abandoned; what was left of its reservation went back to the customer.
    Cancelled,
    /// Replaced by an approved SoW that supersedes it.
    Superseded,
}

/// What a caller asks of a SoW.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SowAction {
    /// Change the draft (new revision).
    Edit,
    /// The SOC signs and sends it.
    Submit,
    /// The customer approves a revision.
    Approve,
    /// The customer rejects it with a comment.
    Reject,
    /// Abandon it.
    Cancel,
    /// Draft a replacement.
    Supersede,
    /// Close it as done.
    Complete,
    /// Schedule a session under it.
    Schedule,
}

/// A refused transition, with the code clients branch on.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("a {from} SoW cannot {action}")]
pub struct SowTransitionError {
    /// Current state.
    pub from: SowStatus,
    /// What was asked.
    pub action: &'static str,
    /// Stable code (e.g. `sow_not_draft`).
    pub code: &'static str,
}

impl SowStatus {
    /// Every state.
    pub const ALL: [SowStatus; 7] = [
        SowStatus::Draft,
        SowStatus::Submitted,
        SowStatus::Active,
        SowStatus::AwaitingUnits,
        SowStatus::Completed,
        SowStatus::Cancelled,
        SowStatus::Superseded,
    ];

    /// Wire and storage spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            SowStatus::Draft => "draft",
            SowStatus::Submitted => "submitted",
            SowStatus::Active => "active",
            SowStatus::AwaitingUnits => "awaiting_units",
            SowStatus::Completed => "completed",
            SowStatus::Cancelled => "cancelled",
            SowStatus::Superseded => "superseded",
        }
    }

    /// Parses the stored spelling.
    pub fn parse(text: &str) -> Option<SowStatus> {
        SowStatus::ALL.into_iter().find(|s| s.as_str() == text)
    }

    /// Approved and not closed: it holds or awaits a reservation.
    pub fn is_approved(self) -> bool {
        matches!(self, SowStatus::Active | SowStatus::AwaitingUnits)
    }

    /// No further change is possible.
    pub fn is_closed(self) -> bool {
        matches!(
            self,
            SowStatus::Completed | SowStatus::Cancelled | SowStatus::Superseded
        )
    }

    /// Checks `action` against the lifecycle and returns the state it leads to
    /// (`Approve` leads to `Active`; the caller turns it into `AwaitingUnits` when the
    /// units are short).
    pub fn apply(self, action: SowAction) -> Result<SowStatus, SowTransitionError> {
        use SowAction as A;
        use SowStatus as S;
        let refuse = |action: &'static str, code: &'static str| {
            Err(SowTransitionError {
                from: self,
                action,
                code,
            })
        };
        match (action, self) {
            (A::Edit, S::Draft) => Ok(S::Draft),
            (A::Edit, _) => refuse("be edited", "sow_not_draft"),
            (A::Submit, S::Draft) => Ok(S::Submitted),
            (A::Submit, _) => refuse("be submitted", "sow_not_draft"),
            (A::Approve, S::Submitted) => Ok(S::Active),
            (A::Approve, _) => refuse("be approved", "sow_not_submitted"),
            (A::Reject, S::Submitted) => Ok(S::Draft),
            (A::Reject, _) => refuse("be rejected", "sow_not_submitted"),
            (A::Cancel, S::Draft | S::Submitted | S::Active | S::AwaitingUnits) => Ok(S::Cancelled),
            (A::Cancel, _) => refuse("be cancelled", "sow_closed"),
            (A::Supersede, S::Submitted | S::Active | S::AwaitingUnits) => Ok(self),
            (A::Supersede, S::Draft) => {
                refuse("be superseded (edit the draft instead)", "sow_not_approved")
            }
            (A::Supersede, _) => refuse("be superseded", "sow_closed"),
            (A::Complete, S::Active | S::AwaitingUnits) => Ok(S::Completed),
            (A::Complete, _) => refuse("be completed", "sow_not_active"),
            (A::Schedule, S::Active) => Ok(S::Active),
            (A::Schedule, _) => refuse("take sessions", "sow_not_active"),
        }
    }
}

impl fmt::Display for SowStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The SoW's working language (`en` by default; `fr` and `de` on request).
pub fn parse_language(text: &str) -> Result<&'static str, String> {
    match text {
        "en" => Ok("en"),
        "fr" => Ok("fr"),
        "de" => Ok("de"),
        other => Err(format!("{other:?} is not offered; use en, fr or de")),
    }
}

/// The ETag of a SoW revision: binds an approval or an edit to what the caller read.
pub fn etag(sow_id: &str, revision: i64) -> String {
    format!("\"{sow_id}.r{revision}\"")
}

/// Reads the revision an `If-Match` value names for this SoW (`*` matches any).
pub fn revision_in_if_match(if_match: &str, sow_id: &str) -> Option<IfMatchRevision> {
    let value = if_match.trim();
    if value == "*" {
        return Some(IfMatchRevision::Any);
    }
    value
        .split(',')
        .map(|v| v.trim().trim_start_matches("W/"))
        .find_map(|v| {
            let inner = v.strip_prefix('"')?.strip_suffix('"')?;
            let (id, rev) = inner.rsplit_once(".r")?;
            (id == sow_id).then(|| rev.parse().ok().map(IfMatchRevision::Revision))?
        })
}

/// What an `If-Match` header asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IfMatchRevision {
    /// `*`: whatever is current.
    Any,
    /// One revision.
    Revision(i64),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn happy_path() {
        let s = SowStatus::Draft;
        let s = s
            .apply(SowAction::Edit)
            .and_then(|s| s.apply(SowAction::Submit));
        assert_eq!(s, Ok(SowStatus::Submitted));
        assert_eq!(
            SowStatus::Submitted.apply(SowAction::Approve),
            Ok(SowStatus::Active)
        );
        assert_eq!(
            SowStatus::Submitted.apply(SowAction::Reject),
            Ok(SowStatus::Draft)
        );
        assert_eq!(
            SowStatus::Active.apply(SowAction::Complete),
            Ok(SowStatus::Completed)
        );
    }

    #[test]
    fn every_invalid_transition_is_refused_with_a_code() {
        let actions = [
            SowAction::Edit,
            SowAction::Submit,
            SowAction::Approve,
            SowAction::Reject,
            SowAction::Cancel,
            SowAction::Supersede,
            SowAction::Complete,
            SowAction::Schedule,
        ];
        let mut allowed = 0;
        for from in SowStatus::ALL {
            for action in actions {
                match from.apply(action) {
                    Ok(_) => allowed += 1,
                    Err(e) => {
                        assert!(!e.code.is_empty());
                        assert_eq!(e.from, from);
                    }
                }
            }
            if from.is_closed() {
                for action in actions {
                    assert!(from.apply(action).is_err(), "{from} {action:?}");
                }
            }
        }
        assert_eq!(allowed, 14);
        assert_eq!(
            SowStatus::Active.apply(SowAction::Edit).map_err(|e| e.code),
            Err("sow_not_draft")
        );
        assert_eq!(
            SowStatus::AwaitingUnits
                .apply(SowAction::Schedule)
                .map_err(|e| e.code),
            Err("sow_not_active")
        );
    }

    #[test]
    fn statuses_round_trip() {
        for s in SowStatus::ALL {
            assert_eq!(SowStatus::parse(s.as_str()), Some(s));
        }
    }

    #[test]
    fn etags_name_one_revision_of_one_sow() {
        let tag = etag("sow_1", 3);
        assert_eq!(
            revision_in_if_match(&tag, "sow_1"),
            Some(IfMatchRevision::Revision(3))
        );
        assert_eq!(
            revision_in_if_match(&format!("W/{tag}"), "sow_1"),
            Some(IfMatchRevision::Revision(3))
        );
        assert_eq!(revision_in_if_match(&tag, "sow_2"), None);
        assert_eq!(
            revision_in_if_match("*", "sow_2"),
            Some(IfMatchRevision::Any)
        );
        assert_eq!(revision_in_if_match("garbage", "sow_1"), None);
    }
}
