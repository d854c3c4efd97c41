//! SQL for who signs in (SPEC §13): API keys, console sessions, e-mailed sign-in
//! links and the staff who signed in. Secrets are never stored, only their hashes.

pub mod api_keys;
pub mod console_sessions;
pub mod links;
pub mod users;
