//! Sharing a space: its editing and read-only links (the key only in the `#fragment`),
//! each as a QR code to scan in the hall, with copy and the system share sheet.

use landsbyplan_sync::Share;
use std::time::Duration;

use leptos::prelude::*;
use leptos::task::spawn_local;
use qrcode::{Color, QrCode};
use wasm_bindgen::JsValue;

use super::connect::ConnectedPeers;
use super::files::SaveFile;
use crate::i18n::I18n;
use crate::library::Library;
use landsbyplan_model::SpaceId;
use leptos_router::components::A;

/// The share section of a space's screen; empty for a space this device may only read.
#[component]
pub fn ShareSpace(id: SpaceId) -> impl IntoView {
    let i18n = expect_context::<I18n>();
    let library = expect_context::<Library>();
    let edit_fragment = Memo::new(move |_| {
        library.spaces.with(|spaces| {
            spaces
                .iter()
                .find(|s| s.id == id)
                .and_then(|s| s.share.clone())
        })
    });
    let link = move |fragment: &str| {
        let origin = window().location().origin().unwrap_or_default();
        format!("{origin}/#{fragment}")
    };
    let links = move || {
        let edit = edit_fragment.get()?;
        let read = Share::from_link(&edit)
            .ok()
            .map(|share| Share::Read(share.read_capability()).to_fragment())?;
        Some((link(&edit), link(&read)))
    };
    view! {
        // The links hold the space's keys: a glimpse of the screen leaves the sharing out.
        <section class="card" data-private="" aria-labelledby="share-heading">
            <h2 id="share-heading">{move || i18n.t("share-heading")}</h2>
            {move || match links() {
                Some((edit, read)) => view! {
                    <p>{move || i18n.t("share-intro")}</p>
                    <ShareLink
                        link=edit
                        label_key="share-link-label"
                        qr_key="share-qr-edit"
                        field_id=format!("share-edit-{id}")
                    />
                    <ShareLink
                        link=read
                        label_key="share-read-link-label"
                        qr_key="share-qr-read"
                        field_id=format!("share-read-{id}")
                    />
                }
                .into_any(),
                None => view! { <p>{move || i18n.t("share-not-allowed")}</p> }.into_any(),
            }}
            <p><A href=format!("/forbind?space={id}")>{move || i18n.t("connect-home-link")}</A></p>
            <SaveFile id/>
        </section>
        <ConnectedPeers id/>
    }
}

/// A click handler that puts `text` on the clipboard, and whether that worked (`None`
/// until it is pressed).
pub(crate) fn copier(
    text: String,
) -> (impl Fn(web_sys::MouseEvent) + Clone, RwSignal<Option<bool>>) {
    let copied = RwSignal::new(None::<bool>);
    let copy = move |_| {
        let promise = window().navigator().clipboard().write_text(&text);
        spawn_local(async move {
            let done = wasm_bindgen_futures::JsFuture::from(promise).await.is_ok();
            copied.set(Some(done));
        });
    };
    (copy, copied)
}

/// What became of the copy a [`copier`] made, in words a screen reader says when they
/// change: `done_key` once it worked, `failed_key` if it did not.
#[component]
pub(crate) fn CopyStatus(
    copied: RwSignal<Option<bool>>,
    done_key: &'static str,
    failed_key: &'static str,
) -> impl IntoView {
    let i18n = expect_context::<I18n>();
    view! {
        <p role="status" aria-live="polite">
            {move || match copied.get() {
                Some(true) => i18n.t(done_key),
                Some(false) => i18n.t(failed_key),
                None => String::new(),
            }}
        </p>
    }
}

/// One link: a read-only field, copy and share buttons, and its QR code.
#[component]
fn ShareLink(
    link: String,
    label_key: &'static str,
    qr_key: &'static str,
    field_id: String,
) -> impl IntoView {
    let i18n = expect_context::<I18n>();
    let (copy, copied) = copier(link.clone());
    let can_share =
        js_sys::Reflect::has(&window().navigator(), &JsValue::from_str("share")).unwrap_or(false);
    let share = {
        let link = link.clone();
        move |_| {
            let data = web_sys::ShareData::new();
            data.set_url(&link);
            data.set_title(&i18n.t("app-title"));
            let promise = window().navigator().share_with_data(&data);
            spawn_local(async move {
                // Cancelling the sheet rejects the promise; that is no error to show.
                let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
            });
        }
    };
    // The code is drawn just after the screen's first paint: two codes take a phone a
    // noticeable moment, and the share section is seldom what a person came to see.
    let qr = RwSignal::new(None::<(usize, String)>);
    {
        let link = link.clone();
        request_animation_frame(move || {
            set_timeout(move || _ = qr.try_set(qr_path(&link)), Duration::ZERO);
        });
    }
    view! {
        <div class="share-link">
            <label for=field_id.clone()>{move || i18n.t(label_key)}</label>
            <input id=field_id type="text" readonly=true prop:value=link.clone()/>
            <div class="buttons">
                <button type="button" on:click=copy>{move || i18n.t("share-copy")}</button>
                <Show when=move || can_share>
                    <button type="button" on:click=share.clone()>{move || i18n.t("share-send")}</button>
                </Show>
            </div>
            <CopyStatus copied done_key="share-copied" failed_key="share-copy-failed"/>
            {move || qr.get().map(|(size, path)| view! { <QrImage size path label_key=qr_key/> })}
        </div>
    }
}

/// A QR code drawn by [`qr_path`], named for screen readers by the message `label_key`.
#[component]
pub(crate) fn QrImage(size: usize, path: String, label_key: &'static str) -> impl IntoView {
    let i18n = expect_context::<I18n>();
    view! {
        <svg
            class="qr"
            role="img"
            aria-label=move || i18n.t(label_key)
            viewBox=format!("0 0 {size} {size}")
            xmlns="http://www.w3.org/2000/svg"
        >
            <rect width=size height=size fill="#fff"/>
            <path d=path fill="#000"/>
        </svg>
    }
}

/// The QR code of `text` as one SVG path of its dark modules, with the four-module quiet
/// zone scanners need; the side length in modules comes first. `None` if it is too long
/// for a QR code.
pub(crate) fn qr_path(text: &str) -> Option<(usize, String)> {
    const QUIET: usize = 4;
    let code = QrCode::new(text.as_bytes()).ok()?;
    let width = code.width();
    let mut path = String::new();
    for (index, color) in code.to_colors().into_iter().enumerate() {
        if color == Color::Dark {
            let (x, y) = (index % width + QUIET, index / width + QUIET);
            path.push_str(&format!("M{x} {y}h1v1h-1z"));
        }
    }
    Some((width + 2 * QUIET, path))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_share_link_fits_a_qr_code_with_its_quiet_zone() {
        let link = "http://127.0.0.1:8080/#read=".to_owned() + &"A".repeat(86);
        let (size, path) = qr_path(&link).unwrap();
        let code = QrCode::new(link.as_bytes()).unwrap();
        assert_eq!(size, code.width() + 8);
        let dark = code
            .to_colors()
            .iter()
            .filter(|c| **c == Color::Dark)
            .count();
        assert_eq!(path.matches('M').count(), dark);
        assert!(
            path.starts_with("M4 4h1v1h-1z"),
            "finder pattern's corner first: {path}"
        );
    }
}
