//! Attempts a sender has made and not yet written down. A pass sends many mails or
//! webhooks; writing each attempt in its own transaction cost a connection and four
//! round trips per message, which under load waited behind the API's requests for a
//! pooled connection. They are now written [`AT_ONCE`] to a transaction. A sender
//! that dies in between leaves its claims to expire and those messages are sent again —
//! as after any crash between sending and recording: delivery is at least once (mails
//! carry their id in `Message-ID`, webhooks in `securehands-event-id`).

use std::sync::Mutex;

/// Attempts written in one transaction.
pub const AT_ONCE: usize = 32;

/// The attempts of one pass waiting to be written.
pub struct Outcomes<T>(Mutex<Vec<T>>);

impl<T> Default for Outcomes<T> {
    fn default() -> Self {
        Outcomes(Mutex::new(Vec::new()))
    }
}

impl<T> Outcomes<T> {
    /// Holds one more; returns a full batch to write now.
    pub fn add(&self, outcome: T) -> Option<Vec<T>> {
        let mut held = self.0.lock().unwrap_or_else(|p| p.into_inner());
        held.push(outcome);
        (held.len() >= AT_ONCE).then(|| std::mem::take(&mut *held))
    }

    /// Everything still held (the end of a pass).
    pub fn take(&self) -> Vec<T> {
        std::mem::take(&mut *self.0.lock().unwrap_or_else(|p| p.into_inner()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_batch_is_handed_back_and_the_rest_on_take() {
        let held = Outcomes::default();
        let mut batches = Vec::new();
        for i in 0..AT_ONCE + 3 {
            batches.extend(held.add(i));
        }
        assert_eq!(batches, vec![(0..AT_ONCE).collect::<Vec<_>>()]);
        assert_eq!(held.take(), vec![AT_ONCE, AT_ONCE + 1, AT_ONCE + 2]);
        assert!(held.take().is_empty());
    }
}
