//! Telling people (SPEC §11): mails in the contacts' languages through a real SMTP
//! server, signed webhooks to a real HTTP receiver, time-driven alerts, the outbox's
//! survival of a sender that dies, and contact validation.

mod alerts;
mod contacts;
mod invitations;
mod mail;
mod outbox;
mod webhooks;
