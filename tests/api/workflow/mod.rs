//! The SoW and session workflow end to end over HTTP, driven by the test clock.

mod assessment_reports;
mod cancellations;
mod complaints;
mod coverage;
mod happy_path;
mod pricing;
mod revisions;
mod sla;
mod sow_terms;
