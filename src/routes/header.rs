//! The top of every space's screen.

use leptos::prelude::*;
use leptos_router::components::A;

use super::{Editor, SaveProblem, kind_key};
use crate::i18n::I18n;
use crate::library::Library;

/// The top of a space's screen: its name, kind, sync state and the way home.
#[component]
pub fn SpaceHeader(editor: Editor) -> impl IntoView {
    let i18n = expect_context::<I18n>();
    let library = expect_context::<Library>();
    let id = editor.id;
    let summary = Memo::new(move |_| {
        library
            .spaces
            .with(|spaces| spaces.iter().find(|s| s.id == id).cloned())
    });
    // The window's title names the space: a screen reader says it, a list of tabs shows it.
    Effect::new(move |_| {
        if let Some(space) = summary.get() {
            set_title(&format!("{} – Landsbyplan", space.name));
        }
    });
    on_cleanup(|| set_title("Landsbyplan"));
    view! {
        <nav class="crumbs" aria-label=move || i18n.t("crumbs-label")>
            <A href="/">{move || i18n.t("back-home")}</A>
        </nav>
        <h2 class="space-name">{move || summary.get().map(|s| s.name)}</h2>
        <p class="kind">
            {move || summary.get().map(|s| i18n.t(kind_key(s.kind)))}
            // The sync state speaks of the present: a glimpse of the screen keeps its place, unseen.
            <span data-now="">
                " · "
                {move || summary.get().map(|s| super::home::status_text(i18n, &s))}
            </span>
        </p>
        <Show when=move || !library.is_writable(id)>
            <p class="hint" role="note">{move || i18n.t("read-only-note")}</p>
        </Show>
        <SaveProblem editor/>
    }
}

/// Sets the window's title (what a screen reader says of the page, a list of tabs shows).
pub(crate) fn set_title(title: &str) {
    if let Some(document) = web_sys::window().and_then(|window| window.document()) {
        document.set_title(title);
    }
}
