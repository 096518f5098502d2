//! Spaces as files: saving a space to hand on (a USB stick, an e-mail, a shared folder)
//! and opening one, which merges it into this device's copy if there is one.

use landsbyplan_model::SpaceId;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::use_navigate;
use wasm_bindgen::JsCast;

use super::space_path;
use crate::i18n::I18n;
use crate::library::{Library, Message};

/// The file extension of a saved space.
const EXTENSION: &str = "landsbyplan";

/// A button that downloads space `id` as a file named after it.
#[component]
pub fn SaveFile(id: SpaceId) -> impl IntoView {
    let i18n = expect_context::<I18n>();
    let library = expect_context::<Library>();
    let problem = RwSignal::new(false);
    let save = move |_| {
        let name = library
            .spaces
            .with_untracked(|spaces| spaces.iter().find(|s| s.id == id).map(|s| s.name.clone()))
            .unwrap_or_default();
        let saved = library
            .export_file(id)
            .and_then(|bytes| download(&bytes, "application/octet-stream", &file_name(&name)));
        problem.set(saved.is_none());
    };
    view! {
        <p>{move || i18n.t("file-save-intro")}</p>
        <button type="button" on:click=save>{move || i18n.t("file-save")}</button>
        <Show when=move || problem.get()>
            <p class="error" role="alert">{move || i18n.t("error-file-save")}</p>
        </Show>
    }
}

/// Opening a saved space from a file, with progress and errors in words.
#[component]
pub fn OpenFile() -> impl IntoView {
    let i18n = expect_context::<I18n>();
    let library = expect_context::<Library>();
    let loaded = expect_context::<crate::engine::Loaded>();
    let busy = RwSignal::new(false);
    let problem = RwSignal::new(None::<Message>);
    let navigate = use_navigate();
    let open = move |ev: leptos::ev::Event| {
        let navigate = navigate.clone();
        spawn_local(async move {
            let Some(bytes) = chosen_file(&ev).await else {
                return;
            };
            busy.set(true);
            problem.set(None);
            let result = match bytes {
                Ok(bytes) => loaded.run(|engine| engine.open_file(library, bytes)).await,
                Err(message) => Err(message),
            };
            busy.set(false);
            match result {
                Ok(id) => navigate(&space_path(id), Default::default()),
                Err(message) => problem.set(Some(message)),
            }
        });
    };
    view! {
        <section class="card" aria-labelledby="open-file-heading">
            <h2 id="open-file-heading">{move || i18n.t("file-open-heading")}</h2>
            <label for="open-file">{move || i18n.t("file-open-label")}</label>
            <input
                id="open-file"
                type="file"
                accept=format!(".{EXTENSION},application/octet-stream")
                disabled=move || busy.get()
                on:change=open
            />
            <p role="status" aria-live="polite">
                {move || busy.get().then(|| i18n.t("file-opening"))}
            </p>
            {move || loaded.still(problem.get()).map(|message| view! {
                <p class="error" role="alert">{i18n.t_with(message.key, &message.args)}</p>
            })}
        </section>
    }
}

/// The largest file the app opens: far above any council's plan (a plan with 10,000
/// edits saves to well under 1 MiB), far below what would stall a phone.
pub const MAX_FILE_BYTES: f64 = 16.0 * 1024.0 * 1024.0;

/// The bytes of the file chosen in the `<input type="file">` that fired `ev`: `None` if
/// none was chosen, `Err` if the browser could not read it or it is larger than
/// [`MAX_FILE_BYTES`] (refused before it is read into memory).
pub async fn chosen_file(ev: &leptos::ev::Event) -> Option<Result<Vec<u8>, Message>> {
    let file = ev
        .target()
        .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
        .and_then(|input| input.files())
        .and_then(|files| files.get(0))?;
    if file.size() > MAX_FILE_BYTES {
        let megabytes = |bytes: f64| format!("{:.0}", (bytes / 1024.0 / 1024.0).ceil());
        return Some(Err(Message {
            key: "error-file-too-large",
            args: vec![
                ("size", megabytes(file.size())),
                ("limit", megabytes(MAX_FILE_BYTES)),
            ],
        }));
    }
    Some(
        wasm_bindgen_futures::JsFuture::from(file.array_buffer())
            .await
            .map(|buffer| js_sys::Uint8Array::new(&buffer).to_vec())
            .map_err(|_| Message::plain("error-file-unreadable")),
    )
}

/// A file name from a space's name: letters, digits and dashes only.
fn file_name(name: &str) -> String {
    let stem: String = name
        .chars()
        .map(|c| if c.is_alphanumeric() { c } else { '-' })
        .collect::<String>()
        .split('-')
        .filter(|part| !part.is_empty())
        .collect::<Vec<_>>()
        .join("-");
    let stem = if stem.is_empty() {
        "rum".to_owned()
    } else {
        stem
    };
    format!("{stem}.{EXTENSION}")
}

/// Hands `bytes` (of MIME type `kind`) to the browser as a download named `name`.
pub fn download(bytes: &[u8], kind: &str, name: &str) -> Option<()> {
    let parts = js_sys::Array::of1(&js_sys::Uint8Array::from(bytes));
    let options = web_sys::BlobPropertyBag::new();
    options.set_type(kind);
    let blob = web_sys::Blob::new_with_u8_array_sequence_and_options(&parts, &options).ok()?;
    let url = web_sys::Url::create_object_url_with_blob(&blob).ok()?;
    let link = document()
        .create_element("a")
        .ok()?
        .dyn_into::<web_sys::HtmlAnchorElement>()
        .ok()?;
    link.set_href(&url);
    link.set_download(name);
    link.click();
    let _ = web_sys::Url::revoke_object_url(&url);
    Some(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_is_named_after_its_space_in_safe_characters() {
        assert_eq!(
            file_name("Sdr. Omme Lokalråd"),
            "Sdr-Omme-Lokalråd.landsbyplan"
        );
        assert_eq!(file_name("../../etc"), "etc.landsbyplan");
        assert_eq!(file_name("  "), "rum.landsbyplan");
    }
}
