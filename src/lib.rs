//! SecureHands: the commercial side of a paid remote-expert option — unit packs,
//! statements of work, sessions, acceptance, complaints and finance reads.
//!
//! [`app::build`] assembles the application from [`config::Settings`]; the binary and
//! the tests share it, so what is tested is what runs.

pub mod app;
pub mod clock;
pub mod config;
pub mod console;
pub mod domain;
pub mod dto;
pub mod fan_out;
pub mod http;
pub mod i18n;
pub mod identity;
pub mod invitations;
pub mod notify;
pub mod reports;
pub mod service;
pub mod storage;
pub mod telemetry;
pub mod validation;
