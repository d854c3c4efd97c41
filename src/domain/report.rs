//! Baseline assessment reports (SPEC §14, service description §3.12: "each assessment
//! is the subject of a report describing the findings and proposing improvements"):
//! which SoWs end with one, when it may be written and issued, and how findings are
//! ordered on the page.

use crate::domain::request::RequestKind;
use crate::domain::sow::SowStatus;
use crate::spelled_enum;

spelled_enum! {
    /// How serious a finding is.
    pub enum Severity {
        /// Worth knowing; nothing to fix.
        Info = "info",
        /// Fix when convenient.
        Low = "low",
        /// Fix in the normal course of work.
        Medium = "medium",
        /// Fix soon.
        High = "high",
        /// Fix now.
        Critical = "critical",
    }
}

impl Severity {
    /// Most serious first: the order the report shows its findings in.
    pub fn rank(self) -> u8 {
        match self {
            Severity::Critical => 0,
            Severity::High => 1,
            Severity::Medium => 2,
            Severity::Low => 3,
            Severity::Info => 4,
        }
    }
}

/// The most findings one report holds (a long assessment has tens).
pub const MAX_FINDINGS: usize = 200;

/// Why a report cannot be written, issued or waited for.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ReportError {
    /// Only a baseline assessment ends with a report.
    #[error("only a baseline assessment SoW has a report")]
    NotAnAssessment,
    /// Reports are written for work that was approved: active, waiting for units, or
    /// completed (a corrected version).
    #[error("the SoW is {0}: a report is written once it is approved")]
    NotApproved(SowStatus),
    /// Issuing needs a saved draft.
    #[error("no draft has been saved")]
    NoDraft,
    /// The draft is what was last issued: a new version would say nothing new.
    #[error("the draft has not changed since version {0} was issued")]
    Unchanged(i64),
    /// A baseline assessment is completed once its report is issued.
    #[error("the assessment report has not been issued")]
    NotIssued,
}

impl ReportError {
    /// The problem code the API answers with.
    pub fn code(&self) -> &'static str {
        match self {
            ReportError::NotAnAssessment => "not_an_assessment",
            ReportError::NotApproved(_) => "sow_not_approved",
            ReportError::NoDraft => "no_report_draft",
            ReportError::Unchanged(_) => "report_unchanged",
            ReportError::NotIssued => "report_not_issued",
        }
    }
}

/// True for the SoWs that end with a report.
pub fn needs_report(kind: Option<RequestKind>) -> bool {
    kind == Some(RequestKind::BaselineAssessment)
}

/// A report may be drafted or issued for this SoW.
///
/// # Errors
/// [`ReportError::NotAnAssessment`] or [`ReportError::NotApproved`].
pub fn check_writable(kind: Option<RequestKind>, status: SowStatus) -> Result<(), ReportError> {
    if !needs_report(kind) {
        return Err(ReportError::NotAnAssessment);
    }
    match status {
        SowStatus::Active | SowStatus::AwaitingUnits | SowStatus::Completed => Ok(()),
        other => Err(ReportError::NotApproved(other)),
    }
}

/// The version an issue creates, given the latest issued one and whether the draft
/// changed since (`draft_changed` is true when nothing was issued yet).
///
/// # Errors
/// [`ReportError::Unchanged`] when the draft is what the latest version says.
pub fn next_version(latest: Option<i64>, draft_changed: bool) -> Result<i64, ReportError> {
    match latest {
        None => Ok(1),
        Some(v) if draft_changed => Ok(v + 1),
        Some(v) => Err(ReportError::Unchanged(v)),
    }
}

/// A SoW may be completed: a baseline assessment only once its report is issued.
///
/// # Errors
/// [`ReportError::NotIssued`].
pub fn check_completion(kind: Option<RequestKind>, issued: bool) -> Result<(), ReportError> {
    if needs_report(kind) && !issued {
        Err(ReportError::NotIssued)
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ASSESSMENT: Option<RequestKind> = Some(RequestKind::BaselineAssessment);

    #[test]
    fn only_approved_assessments_have_reports() {
        assert_eq!(check_writable(ASSESSMENT, SowStatus::Active), Ok(()));
        assert_eq!(check_writable(ASSESSMENT, SowStatus::Completed), Ok(()));
        assert_eq!(check_writable(ASSESSMENT, SowStatus::AwaitingUnits), Ok(()));
        for status in [
            SowStatus::Draft,
            SowStatus::Submitted,
            SowStatus::Cancelled,
            SowStatus::Superseded,
        ] {
            assert_eq!(
                check_writable(ASSESSMENT, status),
                Err(ReportError::NotApproved(status))
            );
        }
        for kind in RequestKind::ALL
            .iter()
            .filter(|k| **k != RequestKind::BaselineAssessment)
        {
            assert_eq!(
                check_writable(Some(*kind), SowStatus::Active),
                Err(ReportError::NotAnAssessment)
            );
        }
        assert_eq!(
            check_writable(None, SowStatus::Active),
            Err(ReportError::NotAnAssessment)
        );
    }

    #[test]
    fn versions_grow_only_with_a_changed_draft() {
        assert_eq!(next_version(None, true), Ok(1));
        assert_eq!(next_version(Some(1), true), Ok(2));
        assert_eq!(next_version(Some(3), false), Err(ReportError::Unchanged(3)));
    }

    #[test]
    fn an_assessment_completes_once_its_report_is_issued() {
        assert_eq!(
            check_completion(ASSESSMENT, false),
            Err(ReportError::NotIssued)
        );
        assert_eq!(check_completion(ASSESSMENT, true), Ok(()));
        assert_eq!(check_completion(Some(RequestKind::Training), false), Ok(()));
        assert_eq!(check_completion(None, false), Ok(()));
    }

    #[test]
    fn the_most_serious_findings_come_first() {
        let mut all = Severity::ALL.to_vec();
        all.sort_by_key(|s| s.rank());
        assert_eq!(
            all,
            [
                Severity::Critical,
                Severity::High,
                Severity::Medium,
                Severity::Low,
                Severity::Info
            ]
        );
    }
}
