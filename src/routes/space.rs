//! The screen of the space in the address: whichever kind of space it is.

use landsbyplan_model::SpaceKind;
use leptos::prelude::*;
use leptos_router::components::A;

use super::council::CouncilScreen;
use super::group::GroupScreen;
use super::network::NetworkScreen;
use super::{space_id_param, store_not_ready};
use crate::glimpse::{Glimpse, Stage};
use crate::i18n::I18n;
use crate::library::Library;

/// The screen of the space in the address: a council's or a project group's.
#[component]
pub fn SpaceScreen() -> impl IntoView {
    let i18n = expect_context::<I18n>();
    let library = expect_context::<Library>();
    let id = space_id_param();
    let kind = Memo::new(move |_| id.get().and_then(|id| library.read(id, |s| s.kind())));
    // Where the screen stands, for the glimpse shown until it is drawn (once it is).
    if let Some(glimpse) = use_context::<Glimpse>() {
        Effect::new(move || {
            let found = id.get().is_some() && kind.get().is_some();
            glimpse.report(Stage::of(&library.state.get(), found));
        });
    }
    move || match (
        store_not_ready(i18n, library.state.get()),
        id.get(),
        kind.get(),
    ) {
        (Some(waiting), _, _) => waiting,
        (_, Some(id), Some(SpaceKind::Council)) => view! { <CouncilScreen id/> }.into_any(),
        (_, Some(id), Some(SpaceKind::ProjectGroup)) => view! { <GroupScreen id/> }.into_any(),
        (_, Some(id), Some(SpaceKind::Network)) => view! { <NetworkScreen id/> }.into_any(),
        _ => view! {
            <h2>{move || i18n.t("space-missing-heading")}</h2>
            <p>{move || i18n.t("space-missing")}</p>
            <p><A href="/">{move || i18n.t("back-home")}</A></p>
        }
        .into_any(),
    }
}
