//! People and systems sign in as themselves (SPEC §13).

mod api_keys;
mod sso;
mod users;
