//! The console's words: Fluent messages (`locales/<lang>/console.ftl`) in English,
//! French and German, read through [`crate::i18n`].

use crate::domain::notification::Language;

/// The word for `key` in `lang` (the key itself when unknown, so a gap shows).
pub fn word(lang: Language, key: &str) -> String {
    crate::i18n::text(lang, key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_console_speaks_three_languages() {
        assert_eq!(word(Language::En, "accept"), "Accept");
        assert_eq!(word(Language::Fr, "accept"), "Accepter");
        assert_eq!(word(Language::De, "accept"), "Abnehmen");
    }
}
