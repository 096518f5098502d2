//! Small per-device settings in localStorage (through gloo-storage): the profile name and
//! the language. Documents never live here; they are in IndexedDB.

use gloo_storage::{LocalStorage, Storage};

use landsbyplan_model::Role;

use crate::i18n::Language;

const LANGUAGE: &str = "landsbyplan.language";
const PROFILE_NAME: &str = "landsbyplan.profile-name";
const PROFILE_ROLE: &str = "landsbyplan.profile-role";
const DEVICE: &str = "landsbyplan.device";

/// This browser's tag for matchmaking (`landsbyplan_sync::Device`), drawn the first
/// time and kept: a reloaded tab, or a second tab of the same browser (which holds the
/// same spaces), is the same device to the others, not one more.
pub fn device_tag() -> [u8; 16] {
    if let Ok(tag) = LocalStorage::get::<[u8; 16]>(DEVICE) {
        return tag;
    }
    let tag = crate::library::random_bytes();
    if let Err(err) = LocalStorage::set(DEVICE, tag) {
        leptos::logging::warn!("could not remember this device's tag: {err}");
    }
    tag
}

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

/// The person's role, a citizen until they say otherwise.
pub fn profile_role() -> Role {
    LocalStorage::get::<String>(PROFILE_ROLE)
        .ok()
        .and_then(|role| role.parse().ok())
        .unwrap_or(Role::Citizen)
}

/// Remembers the person's role.
pub fn set_profile_role(role: Role) {
    if let Err(err) = LocalStorage::set(PROFILE_ROLE, role.as_str()) {
        leptos::logging::warn!("could not remember the role: {err}");
    }
}
