//! The console (SPEC §12): its sign-in, cookies and CSRF over plain HTTP, customer
//! scoping, and the whole story in a real browser.

mod access;
mod browser;
mod links;
mod pages;
mod report_print;
mod sessions;
