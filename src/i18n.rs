//! Translations: Fluent catalogs in `locales/` (Danish first, English second), and the
//! reactive language choice every component reads through [`I18n`].

use std::sync::LazyLock;

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};
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

/// Named arguments for a message. A whole number written plainly (`"3"`, `"-2"`, as
/// `to_string` writes counts) goes in as a number, so plural selectors like
/// `{ $count -> [one] … *[other] … }` can pick the singular (Fluent compares a string
/// only with the variant names, so `"1"` would never select `one`); it reads the same in
/// the text. Anything else (`"007"`, `"12.500"`, a name) stays text.
pub fn arguments<'a>(args: &'a [(&'static str, String)]) -> FluentArgs<'a> {
    let mut fluent_args = FluentArgs::new();
    for (name, value) in args {
        let value = match value.parse::<i64>() {
            // Fluent keeps numbers as `f64`: only those it holds exactly.
            Ok(number) if number.to_string() == *value && number.unsigned_abs() < 1 << 53 => {
                FluentValue::from(number)
            }
            _ => FluentValue::from(value.as_str()),
        };
        fluent_args.set(*name, value);
    }
    fluent_args
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

    /// `value` with `places` decimals as the language writes it: 3,5 in Danish, 3.5 in
    /// English (tracked).
    pub fn decimal(&self, value: f64, places: usize) -> String {
        let text = format!("{value:.places$}");
        match self.language.get() {
            Language::Danish => text.replace('.', ","),
            Language::English => text,
        }
    }

    /// Message `key` with named arguments, in the current language (tracked).
    /// Whole numbers among them select plural variants (see [`arguments`]).
    pub fn t_with(&self, key: &str, args: &[(&'static str, String)]) -> String {
        translate(self.language.get(), key, Some(&arguments(args)))
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    #[test]
    fn decimals_are_written_with_the_languages_mark() {
        let i18n = I18n::new(Language::Danish);
        assert_eq!(i18n.decimal(3.46, 1), "3,5");
        assert_eq!(i18n.decimal(12.0, 1), "12,0");
        i18n.set_language(Language::English);
        assert_eq!(i18n.decimal(3.46, 1), "3.5");
    }

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
            // Also the keys a direct channel's problems are named by (`src/direct.rs`).
            for call in [
                ".t(",
                ".t_with(",
                "key: ",
                "Message::plain(",
                "_key=",
                "Err(",
                "ok_or(",
                "problem(",
                "=> ",
            ] {
                for piece in file.split(call).skip(1) {
                    let piece = piece.trim_start();
                    if let Some(rest) = piece.strip_prefix('"')
                        && let Some((key, _)) = rest.split_once('"')
                        && !key.is_empty()
                        // After `=>` only what reads as a key: not a language tag.
                        && (call != "=> " || key.contains('-'))
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

    /// Arguments as a test writes them.
    type Args<'a> = &'a [(&'static str, &'a str)];

    fn counted(language: Language, key: &str, args: Args) -> String {
        let args: Vec<_> = args
            .iter()
            .map(|(name, value)| (*name, (*value).to_owned()))
            .collect();
        translate(language, key, Some(&arguments(&args)))
    }

    #[test]
    fn a_count_of_1_given_as_text_selects_the_singular() {
        assert_eq!(
            counted(Language::Danish, "wheel-prefilled", &[("count", "1")]),
            "1 fast begivenhed er lagt ind."
        );
        assert_eq!(
            counted(Language::English, "wheel-prefilled", &[("count", "1")]),
            "1 standard event was added."
        );
    }

    #[test]
    fn other_counts_select_the_plural() {
        for count in ["0", "2", "10", "101"] {
            assert_eq!(
                counted(Language::Danish, "wheel-prefilled", &[("count", count)]),
                format!("{count} faste begivenheder er lagt ind.")
            );
            assert_eq!(
                counted(Language::English, "wheel-prefilled", &[("count", count)]),
                format!("{count} standard events were added.")
            );
        }
    }

    #[test]
    fn text_that_only_looks_like_a_number_is_shown_as_it_was_given() {
        for text in ["007", "12.500", "-0", "+3", "1 000", "9007199254740993"] {
            assert_eq!(
                counted(Language::Danish, "council-created", &[("name", text)]),
                format!("{text} er oprettet og gemt på denne enhed.")
            );
        }
    }

    /// The messages that count something, the argument each counts, the other arguments
    /// fixed, and what each reads with a count of 0, 1 and 2, in Danish and in English.
    #[allow(clippy::type_complexity)]
    const COUNTED: &[(&str, &str, Args, [&str; 3], [&str; 3])] = &[
        (
            "sync-waiting",
            "count",
            &[],
            [
                "Gemt på denne enhed; 0 ændringer venter på at blive delt",
                "Gemt på denne enhed; 1 ændring venter på at blive delt",
                "Gemt på denne enhed; 2 ændringer venter på at blive delt",
            ],
            [
                "Saved on this device; 0 changes wait to be shared",
                "Saved on this device; 1 change waits to be shared",
                "Saved on this device; 2 changes wait to be shared",
            ],
        ),
        (
            "sync-rejected",
            "count",
            &[],
            [
                "0 modtagne beskeder blev afvist (forfalskede, i forkert rækkefølge, ulæselige eller for store)",
                "1 modtaget besked blev afvist (forfalsket, i forkert rækkefølge, ulæselig eller for stor)",
                "2 modtagne beskeder blev afvist (forfalskede, i forkert rækkefølge, ulæselige eller for store)",
            ],
            [
                "0 received messages were refused (forged, out of order, unreadable or too large)",
                "1 received message was refused (forged, out of order, unreadable or too large)",
                "2 received messages were refused (forged, out of order, unreadable or too large)",
            ],
        ),
        (
            "wheel-prefilled",
            "count",
            &[],
            [
                "0 faste begivenheder er lagt ind.",
                "1 fast begivenhed er lagt ind.",
                "2 faste begivenheder er lagt ind.",
            ],
            [
                "0 standard events were added.",
                "1 standard event was added.",
                "2 standard events were added.",
            ],
        ),
        (
            "council-overview",
            "members",
            &[("goals", "2"), ("actions", "2"), ("done", "0")],
            [
                "0 medlemmer · 2 mål · 2 handlinger, heraf 0 udført",
                "1 medlem · 2 mål · 2 handlinger, heraf 0 udført",
                "2 medlemmer · 2 mål · 2 handlinger, heraf 0 udført",
            ],
            [
                "0 members · 2 goals · 2 actions, 0 of them done",
                "1 member · 2 goals · 2 actions, 0 of them done",
                "2 members · 2 goals · 2 actions, 0 of them done",
            ],
        ),
        (
            "council-overview",
            "goals",
            &[("members", "2"), ("actions", "2"), ("done", "0")],
            [
                "2 medlemmer · 0 mål · 2 handlinger, heraf 0 udført",
                "2 medlemmer · 1 mål · 2 handlinger, heraf 0 udført",
                "2 medlemmer · 2 mål · 2 handlinger, heraf 0 udført",
            ],
            [
                "2 members · 0 goals · 2 actions, 0 of them done",
                "2 members · 1 goal · 2 actions, 0 of them done",
                "2 members · 2 goals · 2 actions, 0 of them done",
            ],
        ),
        (
            "council-overview",
            "actions",
            &[("members", "2"), ("goals", "2"), ("done", "0")],
            [
                "2 medlemmer · 2 mål · 0 handlinger, heraf 0 udført",
                "2 medlemmer · 2 mål · 1 handling, heraf 0 udført",
                "2 medlemmer · 2 mål · 2 handlinger, heraf 0 udført",
            ],
            [
                "2 members · 2 goals · 0 actions, 0 of them done",
                "2 members · 2 goals · 1 action, 0 of them done",
                "2 members · 2 goals · 2 actions, 0 of them done",
            ],
        ),
        (
            "actions-shown",
            "all",
            &[("shown", "0")],
            [
                "Viser 0 af 0 handlinger",
                "Viser 0 af 1 handling",
                "Viser 0 af 2 handlinger",
            ],
            [
                "Showing 0 of 0 actions",
                "Showing 0 of 1 action",
                "Showing 0 of 2 actions",
            ],
        ),
        (
            "group-progress",
            "all",
            &[("done", "0")],
            [
                "0 af 0 opgaver er udført",
                "0 af 1 opgave er udført",
                "0 af 2 opgaver er udført",
            ],
            ["0 of 0 tasks done", "0 of 1 task done", "0 of 2 tasks done"],
        ),
        (
            "rule-own",
            "hours",
            &[
                ("cash", "0 kr."),
                ("hours_value", "100 kr."),
                ("own", "100 kr."),
            ],
            [
                "I har 0 kr. kontant + 0 timer × 100 kr. = 100 kr.; i alt 100 kr.",
                "I har 0 kr. kontant + 1 time × 100 kr. = 100 kr.; i alt 100 kr.",
                "I har 0 kr. kontant + 2 timer × 100 kr. = 100 kr.; i alt 100 kr.",
            ],
            [
                "You have 0 kr. in cash + 0 hours × DKK 100 = 100 kr.; 100 kr. in all.",
                "You have 0 kr. in cash + 1 hour × DKK 100 = 100 kr.; 100 kr. in all.",
                "You have 0 kr. in cash + 2 hours × DKK 100 = 100 kr.; 100 kr. in all.",
            ],
        ),
        (
            "attendance-count",
            "members",
            &[("present", "0")],
            [
                "0 af 0 medlemmer er til stede.",
                "0 af 1 medlem er til stede.",
                "0 af 2 medlemmer er til stede.",
            ],
            [
                "0 of 0 members are present.",
                "0 of 1 member are present.",
                "0 of 2 members are present.",
            ],
        ),
        (
            "attendance-count",
            "present",
            &[("members", "3")],
            [
                "0 af 3 medlemmer er til stede.",
                "1 af 3 medlemmer er til stede.",
                "2 af 3 medlemmer er til stede.",
            ],
            [
                "0 of 3 members are present.",
                "1 of 3 members is present.",
                "2 of 3 members are present.",
            ],
        ),
        (
            "desk-cell",
            "goals",
            &[("actions", "2")],
            [
                "0 mål · 2 handlinger",
                "1 mål · 2 handlinger",
                "2 mål · 2 handlinger",
            ],
            [
                "0 goals · 2 actions",
                "1 goal · 2 actions",
                "2 goals · 2 actions",
            ],
        ),
        (
            "desk-cell",
            "actions",
            &[("goals", "2")],
            [
                "2 mål · 0 handlinger",
                "2 mål · 1 handling",
                "2 mål · 2 handlinger",
            ],
            [
                "2 goals · 0 actions",
                "2 goals · 1 action",
                "2 goals · 2 actions",
            ],
        ),
        (
            "merge-preview-members",
            "added",
            &[("names", "Bo Lund")],
            [
                "0 nye medlemmer: Bo Lund",
                "1 nyt medlem: Bo Lund",
                "2 nye medlemmer: Bo Lund",
            ],
            [
                "0 new members: Bo Lund",
                "1 new member: Bo Lund",
                "2 new members: Bo Lund",
            ],
        ),
        (
            "merge-preview-matched",
            "matched",
            &[("names", "Bo Lund")],
            [
                "0 medlemmer er allerede med: Bo Lund",
                "1 medlem er allerede med: Bo Lund",
                "2 medlemmer er allerede med: Bo Lund",
            ],
            [
                "0 members are in already: Bo Lund",
                "1 member is in already: Bo Lund",
                "2 members are in already: Bo Lund",
            ],
        ),
        (
            "merge-preview-plan",
            "milestones",
            &[("tasks", "2")],
            [
                "0 milepæle og 2 opgaver flyttes med.",
                "1 milepæl og 2 opgaver flyttes med.",
                "2 milepæle og 2 opgaver flyttes med.",
            ],
            [
                "0 milestones and 2 tasks move over.",
                "1 milestone and 2 tasks move over.",
                "2 milestones and 2 tasks move over.",
            ],
        ),
        (
            "merge-preview-plan",
            "tasks",
            &[("milestones", "2")],
            [
                "2 milepæle og 0 opgaver flyttes med.",
                "2 milepæle og 1 opgave flyttes med.",
                "2 milepæle og 2 opgaver flyttes med.",
            ],
            [
                "2 milestones and 0 tasks move over.",
                "2 milestones and 1 task move over.",
                "2 milestones and 2 tasks move over.",
            ],
        ),
        (
            "import-adds",
            "changes",
            &[("name", "Vorbasse"), ("authors", "Bo Lund")],
            [
                "Filen er en kopi af Vorbasse og tilføjer 0 ændringer fra Bo Lund.",
                "Filen er en kopi af Vorbasse og tilføjer 1 ændring fra Bo Lund.",
                "Filen er en kopi af Vorbasse og tilføjer 2 ændringer fra Bo Lund.",
            ],
            [
                "The file is a copy of Vorbasse and adds 0 changes by Bo Lund.",
                "The file is a copy of Vorbasse and adds 1 change by Bo Lund.",
                "The file is a copy of Vorbasse and adds 2 changes by Bo Lund.",
            ],
        ),
        (
            "absorbed-history",
            "count",
            &[],
            [
                "Gruppens historik (0 ændringer)",
                "Gruppens historik (1 ændring)",
                "Gruppens historik (2 ændringer)",
            ],
            [
                "The group's history (0 changes)",
                "The group's history (1 change)",
                "The group's history (2 changes)",
            ],
        ),
        (
            "search-count",
            "count",
            &[],
            ["0 fund", "1 fund", "2 fund"],
            ["0 found", "1 found", "2 found"],
        ),
    ];

    #[test]
    fn every_counted_message_reads_right_for_0_1_and_2() {
        for (key, counts, fixed, danish, english) in COUNTED {
            for (n, count) in ["0", "1", "2"].into_iter().enumerate() {
                let mut args = fixed.to_vec();
                args.push((counts, count));
                assert_eq!(counted(Language::Danish, key, &args), danish[n], "{key}");
                assert_eq!(counted(Language::English, key, &args), english[n], "{key}");
            }
        }
    }

    #[test]
    fn every_message_that_chooses_by_a_number_is_read_with_0_1_and_2_above() {
        for (language, source) in SOURCES {
            let mut key = "";
            let mut selectors = 0;
            for line in source.lines() {
                if let Some((id, _)) = line.split_once(" = ")
                    && !line.starts_with([' ', '#'])
                {
                    key = id.trim();
                }
                for selected in line.split("{ $").skip(1) {
                    let Some((name, rest)) = selected.split_once(' ') else {
                        continue;
                    };
                    if rest.starts_with("->") {
                        selectors += 1;
                        assert!(
                            COUNTED
                                .iter()
                                .any(|(k, counts, ..)| *k == key && *counts == name),
                            "{language:?}: {key} chooses by ${name}, which the table does not read"
                        );
                    }
                }
            }
            assert!(
                selectors >= 16,
                "{language:?}: found only {selectors} selectors"
            );
        }
    }

    #[test]
    fn a_missing_key_shows_itself() {
        assert_eq!(
            translate(Language::English, "no-such-key", None),
            "no-such-key"
        );
    }
}
