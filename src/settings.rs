//! Small per-device settings in localStorage (through gloo-storage): the profile name and
//! the language. Documents never live here; they are in IndexedDB.

use gloo_storage::{LocalStorage, Storage};

use crate::i18n::Language;

const LANGUAGE: &str = "landsbyplan.language";
const PROFILE_NAME: &str = "landsbyplan.profile-name";

/// The language chosen on this device, Danish until someone picks another.
pub fn language() -> Language {
    LocalStorage::get(LANGUAGE).unwrap_or_default()
}

/// Remembers the language. Losing this setting loses no work, so a failure is only logged.
pub fn set_language(language: Language) {
    if let Err(err) = LocalStorage::set(LANGUAGE, language) {
        leptos::logging::warn!("could not remember the language: {err}");
    }
}

/// The display name attributed to this device's edits; empty until the person gives one.
pub fn profile_name() -> String {
    LocalStorage::get(PROFILE_NAME).unwrap_or_default()
}

/// Remembers the display name.
pub fn set_profile_name(name: &str) {
    if let Err(err) = LocalStorage::set(PROFILE_NAME, name) {
        leptos::logging::warn!("could not remember the profile name: {err}");
    }
}
