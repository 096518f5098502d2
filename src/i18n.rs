//! Translations: Fluent catalogs in `locales/` (Danish first, English second), and the
//! reactive language choice every component reads through [`I18n`].

use std::sync::LazyLock;

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource};
use leptos::prelude::*;
use unic_langid::{LanguageIdentifier, langid};

/// The languages the app speaks.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Language {
    /// Danish, the default.
    #[default]
    Danish,
    /// English.
    English,
}

impl Language {
    /// The BCP 47 tag, for `<html lang>`.
    pub fn tag(self) -> &'static str {
        match self {
            Self::Danish => "da",
            Self::English => "en",
        }
    }

    /// The other language, for the switch.
    pub fn other(self) -> Self {
        match self {
            Self::Danish => Self::English,
            Self::English => Self::Danish,
        }
    }
}

/// The Fluent source of each language, as shipped.
pub const SOURCES: [(Language, &str); 2] = [
    (Language::Danish, include_str!("../locales/da.ftl")),
    (Language::English, include_str!("../locales/en.ftl")),
];

struct Catalogs {
    danish: FluentBundle<FluentResource>,
    english: FluentBundle<FluentResource>,
}

fn bundle(id: LanguageIdentifier, source: &str) -> FluentBundle<FluentResource> {
    let resource =
        FluentResource::try_new(source.to_owned()).unwrap_or_else(|(resource, _)| resource);
    let mut bundle = FluentBundle::new_concurrent(vec![id]);
    // Isolation marks would land in the page text; the app shows no right-to-left text.
    bundle.set_use_isolating(false);
    bundle
        .add_resource(resource)
        .unwrap_or_else(|errors| panic!("duplicate message ids in a catalog: {errors:?}"));
    bundle
}

static CATALOGS: LazyLock<Catalogs> = LazyLock::new(|| Catalogs {
    danish: bundle(langid!("da"), SOURCES[0].1),
    english: bundle(langid!("en"), SOURCES[1].1),
});

/// Formats message `key` in `language`; the key itself if it is missing, so a gap shows.
pub fn translate(language: Language, key: &str, args: Option<&FluentArgs>) -> String {
    let bundle = match language {
        Language::Danish => &CATALOGS.danish,
        Language::English => &CATALOGS.english,
    };
    let Some(pattern) = bundle.get_message(key).and_then(|m| m.value()) else {
        return key.to_owned();
    };
    let mut errors = Vec::new();
    bundle
        .format_pattern(pattern, args, &mut errors)
        .into_owned()
}

/// The app's language, shared through context; reading it in a view re-renders on change.
#[derive(Clone, Copy)]
pub struct I18n {
    language: RwSignal<Language>,
}

impl I18n {
    /// Starts in `language`.
    pub fn new(language: Language) -> Self {
        Self {
            language: RwSignal::new(language),
        }
    }

    /// The current language (tracked).
    pub fn language(&self) -> Language {
        self.language.get()
    }

    /// Switches to `language`.
    pub fn set_language(&self, language: Language) {
        self.language.set(language);
    }

    /// Message `key` in the current language (tracked).
    pub fn t(&self, key: &str) -> String {
        translate(self.language.get(), key, None)
    }

    /// Message `key` with named arguments, in the current language (tracked).
    pub fn t_with(&self, key: &str, args: &[(&'static str, String)]) -> String {
        let mut fluent_args = FluentArgs::new();
        for (name, value) in args {
            fluent_args.set(*name, value.clone());
        }
        translate(self.language.get(), key, Some(&fluent_args))
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    fn message_ids(source: &str) -> BTreeSet<String> {
        source
            .lines()
            .filter(|line| !line.starts_with(['#', ' ']) && line.contains(" = "))
            .filter_map(|line| line.split_once(" = ").map(|(id, _)| id.trim().to_owned()))
            .collect()
    }

    #[test]
    fn danish_and_english_have_the_same_messages() {
        assert_eq!(message_ids(SOURCES[0].1), message_ids(SOURCES[1].1));
    }

    #[test]
    fn both_catalogs_parse_without_errors() {
        for (language, source) in SOURCES {
            assert!(
                FluentResource::try_new(source.to_owned()).is_ok(),
                "{language:?} catalog has syntax errors"
            );
        }
    }

    /// Every `.rs` file under `dir`, recursively.
    fn sources(dir: &std::path::Path, found: &mut Vec<String>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                sources(&path, found);
            } else if path.extension().is_some_and(|e| e == "rs") {
                found.push(std::fs::read_to_string(path).unwrap());
            }
        }
    }

    #[test]
    fn every_key_the_code_uses_exists_in_both_languages() {
        let mut code = Vec::new();
        sources(
            std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/src")),
            &mut code,
        );
        let mut used = BTreeSet::new();
        for file in &code {
            for call in [".t(", ".t_with(", "key: ", "Message::plain(", "_key="] {
                for piece in file.split(call).skip(1) {
                    let piece = piece.trim_start();
                    if let Some(rest) = piece.strip_prefix('"')
                        && let Some((key, _)) = rest.split_once('"')
                        && !key.is_empty()
                        && key
                            .bytes()
                            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
                    {
                        used.insert(key.to_owned());
                    }
                }
            }
        }
        assert!(used.len() > 100, "found too few keys: {used:?}");
        for (language, source) in SOURCES {
            let known = message_ids(source);
            let missing: Vec<_> = used.difference(&known).collect();
            assert!(missing.is_empty(), "{language:?} lacks {missing:?}");
        }
    }

    #[test]
    fn arguments_are_filled_in_without_isolation_marks() {
        let mut args = FluentArgs::new();
        args.set("name", "Vorbasse");
        assert_eq!(
            translate(Language::Danish, "council-created", Some(&args)),
            "Vorbasse er oprettet og gemt på denne enhed."
        );
    }

    #[test]
    fn a_missing_key_shows_itself() {
        assert_eq!(
            translate(Language::English, "no-such-key", None),
            "no-such-key"
        );
    }
}
