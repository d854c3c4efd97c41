//! The words people read, in English, French and German (service description §3.11.1:
//! the service may be delivered in French or German on request), kept in Project
//! Fluent files (`locales/<lang>/*.ftl`) compiled into the binary: the console's
//! screens, the mails, the names of statuses, kinds, reasons and roles, and dates.
//! Every language has the same messages (a test fails when one is missing); plural
//! and select rules are Fluent's.

mod dates;
pub mod jinja;

use std::sync::OnceLock;

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource};
use unic_langid::LanguageIdentifier;

use crate::domain::notification::Language;

pub use dates::{deadline, moment};

/// The Fluent sources of one language.
const SOURCES: [(Language, &[&str]); 3] = [
    (
        Language::En,
        &[
            include_str!("../../locales/en/console.ftl"),
            include_str!("../../locales/en/mail.ftl"),
            include_str!("../../locales/en/words.ftl"),
        ],
    ),
    (
        Language::Fr,
        &[
            include_str!("../../locales/fr/console.ftl"),
            include_str!("../../locales/fr/mail.ftl"),
            include_str!("../../locales/fr/words.ftl"),
        ],
    ),
    (
        Language::De,
        &[
            include_str!("../../locales/de/console.ftl"),
            include_str!("../../locales/de/mail.ftl"),
            include_str!("../../locales/de/words.ftl"),
        ],
    ),
];

type Bundle = FluentBundle<FluentResource>;

fn bundles() -> &'static Vec<(Language, Bundle)> {
    static BUNDLES: OnceLock<Vec<(Language, Bundle)>> = OnceLock::new();
    BUNDLES.get_or_init(|| {
        SOURCES
            .iter()
            .map(|(lang, files)| {
                let id: LanguageIdentifier = lang.as_str().parse().unwrap_or_default();
                let mut bundle = FluentBundle::new_concurrent(vec![id]);
                // Mails and pages are plain text and HTML: no bidi isolation marks.
                bundle.set_use_isolating(false);
                for source in *files {
                    let resource = match FluentResource::try_new((*source).to_string()) {
                        Ok(r) => r,
                        Err((r, errors)) => {
                            tracing::error!(
                                language = lang.as_str(),
                                ?errors,
                                "a Fluent file does not parse"
                            );
                            r
                        }
                    };
                    if let Err(errors) = bundle.add_resource(resource) {
                        tracing::error!(language = lang.as_str(), ?errors, "Fluent messages clash");
                    }
                }
                (*lang, bundle)
            })
            .collect()
    })
}

fn bundle(lang: Language) -> Option<&'static Bundle> {
    bundles().iter().find(|(l, _)| *l == lang).map(|(_, b)| b)
}

/// The message `key` in `lang` with `args`; the key itself when there is no such
/// message (a gap shows instead of hiding).
pub fn text_with(lang: Language, key: &str, args: Option<&FluentArgs<'_>>) -> String {
    let Some(bundle) = bundle(lang) else {
        return key.to_string();
    };
    let Some(pattern) = bundle.get_message(key).and_then(|m| m.value()) else {
        return key.to_string();
    };
    let mut errors = Vec::new();
    let text = bundle.format_pattern(pattern, args, &mut errors);
    if !errors.is_empty() {
        tracing::warn!(
            language = lang.as_str(),
            key,
            ?errors,
            "a Fluent message lacks an argument"
        );
    }
    text.into_owned()
}

/// The message `key` in `lang` (no arguments).
pub fn text(lang: Language, key: &str) -> String {
    text_with(lang, key, None)
}

/// The name of a closed value (a status, kind, reason or role) as people read it:
/// the message `<group>-<value>`, or the value itself when it has none.
pub fn name_of(lang: Language, group: &str, value: &str) -> String {
    let key = format!("{group}-{value}");
    let text = text(lang, &key);
    if text == key { value.to_string() } else { text }
}

/// Whether `lang` has the message `key`.
pub fn has(lang: Language, key: &str) -> bool {
    bundle(lang).is_some_and(|b| b.has_message(key))
}

/// The message ids of a language's files, read from the sources (for the check that
/// every language has every message).
pub fn message_ids(lang: Language) -> std::collections::BTreeSet<String> {
    SOURCES
        .iter()
        .filter(|(l, _)| *l == lang)
        .flat_map(|(_, files)| files.iter())
        .flat_map(|source| source.lines())
        .filter_map(|line| {
            let (id, _) = line.split_once('=')?;
            let id = id.trim_end();
            let first = id.chars().next()?;
            (first.is_ascii_alphabetic()
                && id
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-'))
            .then(|| id.to_string())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_language_has_every_message() {
        let english = message_ids(Language::En);
        assert!(english.len() > 200, "{}", english.len());
        for lang in Language::ALL {
            let ids = message_ids(*lang);
            let missing: Vec<_> = english.difference(&ids).collect();
            let extra: Vec<_> = ids.difference(&english).collect();
            assert!(missing.is_empty(), "{} lacks {missing:?}", lang.as_str());
            assert!(extra.is_empty(), "{} has unknown {extra:?}", lang.as_str());
            for id in &ids {
                assert!(has(*lang, id), "{}: {id} does not parse", lang.as_str());
            }
        }
    }

    #[test]
    fn plurals_follow_each_language() {
        let mut one = FluentArgs::new();
        one.set("count", 1);
        let mut two = FluentArgs::new();
        two.set("count", 2);
        assert_eq!(
            text_with(Language::En, "words-customers", Some(&one)),
            "1 customer"
        );
        assert_eq!(
            text_with(Language::En, "words-customers", Some(&two)),
            "2 customers"
        );
        assert_eq!(
            text_with(Language::Fr, "words-customers", Some(&one)),
            "1 client"
        );
        assert_eq!(
            text_with(Language::De, "words-customers", Some(&two)),
            "2 Kunden"
        );
        assert_eq!(name_of(Language::Fr, "sow-status", "accepted"), "accepted");
        assert_eq!(
            name_of(Language::Fr, "session-status", "accepted"),
            "acceptée"
        );
        assert_eq!(text(Language::De, "no-such-message"), "no-such-message");
    }
}
