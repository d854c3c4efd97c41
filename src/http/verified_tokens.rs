//! Bearer tokens already verified, so a caller's next request with the same token skips
//! the signature and the claims' parsing.
//!
//! A finance system or a console polls with one token for its whole life; checking its
//! signature and parsing its claims again on every request was a measurable share of a
//! request's CPU (an RSA or EdDSA signature costs far more than HS256). What a token
//! says cannot change — the same bytes always carry the same signature and claims —,
//! only time can make it invalid: every use still checks its expiry, with the same
//! leeway as the verifier. Failed verifications are never kept.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};

use crate::domain::access::Principal;

/// At most this many tokens are kept; when full, the map starts over (a verification
/// more per caller, never a wrong answer). Bounds the memory a flood of distinct valid
/// tokens could take.
const CAPACITY: usize = 4096;

/// Verified tokens with the caller each names and its expiry.
#[derive(Default)]
pub struct VerifiedTokens {
    kept: Mutex<HashMap<Box<str>, Kept>>,
}

/// Says how many tokens are kept, never which: the keys are bearer tokens.
impl std::fmt::Debug for VerifiedTokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let kept = self.kept.lock().map(|k| k.len()).unwrap_or(0);
        f.debug_struct("VerifiedTokens")
            .field("kept", &kept)
            .finish()
    }
}

#[derive(Debug, Clone)]
struct Kept {
    principal: Principal,
    /// Seconds since the epoch after which (plus the leeway) the token is refused.
    expires: u64,
}

impl VerifiedTokens {
    /// The caller `token` names, if it was verified before and has not expired by now
    /// (`leeway` seconds of clock skew allowed, as the verifier does).
    pub fn get(&self, token: &str, leeway: u64) -> Option<Principal> {
        let now = now_secs();
        let mut kept = self.kept.lock().ok()?;
        match kept.get(token) {
            Some(k) if k.expires.saturating_add(leeway) >= now => Some(k.principal.clone()),
            Some(_) => {
                kept.remove(token);
                None
            }
            None => None,
        }
    }

    /// Keeps a token the verifier accepted, with the caller it names.
    pub fn keep(&self, token: &str, principal: &Principal, expires: u64) {
        let Ok(mut kept) = self.kept.lock() else {
            return;
        };
        if kept.len() >= CAPACITY {
            kept.clear();
        }
        kept.insert(
            token.into(),
            Kept {
                principal: principal.clone(),
                expires,
            },
        );
    }
}

fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;
    use crate::domain::access::Role;

    fn principal() -> Principal {
        Principal::from_token("sub".into(), BTreeSet::from([Role::Finance]), None)
    }

    #[test]
    fn a_kept_token_is_answered_until_it_expires() {
        let tokens = VerifiedTokens::default();
        let now = now_secs();
        assert_eq!(tokens.get("a", 30), None, "nothing kept yet");
        tokens.keep("a", &principal(), now + 60);
        assert_eq!(tokens.get("a", 30), Some(principal()));
        assert_eq!(tokens.get("b", 30), None, "another token is not the same");
        tokens.keep("old", &principal(), now - 31);
        assert_eq!(tokens.get("old", 30), None, "expired beyond the leeway");
        tokens.keep("skewed", &principal(), now - 29);
        assert_eq!(
            tokens.get("skewed", 30),
            Some(principal()),
            "within the leeway"
        );
    }

    #[test]
    fn a_full_map_starts_over() {
        let tokens = VerifiedTokens::default();
        let later = now_secs() + 600;
        for i in 0..=CAPACITY {
            tokens.keep(&format!("t{i}"), &principal(), later);
        }
        assert_eq!(tokens.get("t0", 30), None, "dropped when the map filled");
        assert_eq!(tokens.get(&format!("t{CAPACITY}"), 30), Some(principal()));
        assert!(tokens.kept.lock().map(|k| k.len()).unwrap_or(0) <= CAPACITY);
    }

    #[test]
    fn debug_output_never_shows_a_token() {
        let tokens = VerifiedTokens::default();
        tokens.keep("eyJ.secret.token", &principal(), now_secs() + 60);
        let shown = format!("{tokens:?}");
        assert!(!shown.contains("secret"), "{shown}");
        assert!(shown.contains("kept: 1"), "{shown}");
    }
}
