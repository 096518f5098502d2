//! A council's whole development plan laid out for paper (A4): vision, goals by focus
//! area, the action plan as a table, and the members.

use landsbyplan_model::SpaceKind;
use leptos::prelude::*;
use leptos_router::components::A;

use super::{
    action_status_key, focus_area_name, focus_areas, show_date, space_id_param, space_path,
};
use crate::i18n::I18n;
use crate::library::Library;

/// The print view of the council in the address.
#[component]
pub fn PrintView() -> impl IntoView {
    let i18n = expect_context::<I18n>();
    let library = expect_context::<Library>();
    let id = space_id_param();
    let content = Memo::new(move |_| {
        let id = id.get()?;
        library
            .read(id, |space| {
                (space.kind() == SpaceKind::Council)
                    .then(|| (space.name(), space.development_plan(), space.members()))
            })
            .flatten()
    });
    move || {
        let Some((name, plan, members)) = content.get() else {
            return view! { <p>{move || i18n.t("space-missing")}</p> }.into_any();
        };
        let Some(id) = id.get() else {
            return ().into_any();
        };
        let owner_name = {
            let members = members.clone();
            move |owner| {
                members
                    .iter()
                    .find(|p| p.id == owner)
                    .map(|p| p.fields.name.clone())
            }
        };
        let goals =
            focus_areas(library, i18n)
                .into_iter()
                .filter_map(|(area, area_name)| {
                    let texts: Vec<String> = plan
                        .goals
                        .iter()
                        .filter(|g| g.focus_area == area)
                        .map(|g| g.text.clone())
                        .collect();
                    (!texts.is_empty()).then(|| view! {
                    <h4>{area_name}</h4>
                    <ul>{texts.into_iter().map(|t| view! { <li>{t}</li> }).collect_view()}</ul>
                })
                })
                .collect_view();
        view! {
            <article class="print">
                <nav class="no-print">
                    <A href=space_path(id)>{move || i18n.t("print-back")}</A>
                    " "
                    <button type="button" on:click=move |_| { let _ = window().print(); }>
                        {move || i18n.t("print-now")}
                    </button>
                </nav>
                <h2>{i18n.t_with("print-title", &[("name", name)])}</h2>
                <p class="print-date">
                    {i18n.t_with("print-date", &[("date", show_date(i18n, chrono::Local::now().date_naive()))])}
                </p>
                <h3>{i18n.t("vision-heading")}</h3>
                <p class="vision">{plan.vision.clone()}</p>
                <h3>{i18n.t("goals-heading")}</h3>
                {goals}
                <h3>{i18n.t("actions-heading")}</h3>
                <table>
                    <thead>
                        <tr>
                            <th scope="col">{i18n.t("action-title-label")}</th>
                            <th scope="col">{i18n.t("action-area-label")}</th>
                            <th scope="col">{i18n.t("owner-label")}</th>
                            <th scope="col">{i18n.t("action-deadline-label")}</th>
                            <th scope="col">{i18n.t("action-cost-label")}</th>
                            <th scope="col">{i18n.t("action-funding-label")}</th>
                            <th scope="col">{i18n.t("action-status-label")}</th>
                        </tr>
                    </thead>
                    <tbody>
                        {plan.actions.iter().map(|action| {
                            let f = &action.fields;
                            view! {
                                <tr>
                                    <td>{f.title.clone()}</td>
                                    <td>{f.focus_area.map(|a| focus_area_name(library, i18n, a))}</td>
                                    <td>{f.owner.and_then(owner_name.clone())}</td>
                                    <td>{f.deadline.map(|d| show_date(i18n, d))}</td>
                                    <td>{f.cost.map(|c| super::grants::grouped(i18n, c))}</td>
                                    <td>{f.funding.clone()}</td>
                                    <td>{i18n.t(action_status_key(f.status))}</td>
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                </table>
                <h3>{i18n.t("members-heading")}</h3>
                <ul>
                    {members.iter().map(|p| view! {
                        <li>{format!("{} – {}", p.fields.name, i18n.t(super::role_key(p.fields.role)))}</li>
                    }).collect_view()}
                </ul>
            </article>
        }
        .into_any()
    }
}
