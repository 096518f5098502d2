//! Meetings of a council or a project group: agenda, attendance, minutes written during
//! the meeting (offline too, saved as they are typed), and decisions with an owner and a
//! deadline that become an action or a task in the plan with one click.

use landsbyplan_model::{
    Attendance, DecisionId, LiveField, Meeting, MeetingId, Person, PlanItem, Space, SpaceId,
    SpaceKind,
};
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_navigate;

use super::header::SpaceHeader;
use super::people::person_name;
use super::text::LiveText;
use super::{Editable, Editor, item_screen, parse_date, show_date, space_path};
use crate::i18n::I18n;
use crate::library::{Library, Message, random_id};

fn meeting_path(space: SpaceId, meeting: MeetingId) -> String {
    format!("{}/meeting/{meeting}", space_path(space))
}

/// The meetings of a space, and planning a new one.
#[component]
pub fn Meetings(editor: Editor) -> impl IntoView {
    let i18n = expect_context::<I18n>();
    let library = expect_context::<Library>();
    let meetings = Memo::new(move |_| editor.read(|s| s.meetings()).unwrap_or_default());
    let title = RwSignal::new(String::new());
    let date = RwSignal::new(String::new());
    let navigate = use_navigate();
    let add = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let wanted = title.get_untracked();
        if wanted.trim().is_empty() {
            editor
                .problem
                .set(Some(Message::plain("error-meeting-title-required")));
            return;
        }
        let on = parse_date(&date.get_untracked());
        let id = MeetingId::from_random(random_id());
        let stamp = super::stamp(i18n);
        let navigate = navigate.clone();
        leptos::task::spawn_local(async move {
            match library
                .edit(editor.id, |s| s.add_meeting(id, &wanted, on, &stamp))
                .await
            {
                Ok(()) => navigate(&meeting_path(editor.id, id), Default::default()),
                Err(message) => editor.problem.set(Some(message)),
            }
        });
    };
    view! {
        <section class="card" aria-labelledby="meetings-heading">
            <h2 id="meetings-heading">{move || i18n.t("meetings-heading")}</h2>
            <ul class="items">
                {move || meetings.get().into_iter().map(|meeting| view! {
                    <li>
                        <A href=meeting_path(editor.id, meeting.id)>{meeting.title.clone()}</A>
                        {meeting.date.map(|d| view! { <p>{move || show_date(i18n, d)}</p> })}
                    </li>
                }).collect_view()}
            </ul>
            <Editable editor>
            <form class="add" on:submit=add>
                <h3>{move || i18n.t("meeting-add-heading")}</h3>
                <label for="meeting-title">{move || i18n.t("meeting-title-label")}</label>
                <input id="meeting-title" type="text" autocomplete="off" bind:value=title/>
                <label for="meeting-date">{move || i18n.t("meeting-date-label")}</label>
                <input id="meeting-date" type="date" bind:value=date/>
                <button type="submit">{move || i18n.t("meeting-add")}</button>
            </form>
            </Editable>
        </section>
    }
}

/// The meeting in the address.
#[component]
pub fn MeetingScreen() -> impl IntoView {
    let i18n = expect_context::<I18n>();
    item_screen(
        "meeting",
        ("meeting-missing", "meeting-missing-help"),
        |space: &Space, id: MeetingId| space.meetings().into_iter().find(|m| m.id == id),
        move |editor, id, meeting| {
            let members = Memo::new(move |_| editor.read(|s| s.members()).unwrap_or_default());
            let group = editor.read(|s| s.kind()) == Some(SpaceKind::ProjectGroup);
            view! {
                <SpaceHeader editor/>
                <Editable editor>
                    <h2>{move || meeting.get().map(|m| m.title)}</h2>
                    <p class="kind">{move || meeting.get().and_then(|m| m.date).map(|d| show_date(i18n, d))}</p>
                    <MeetingText editor id field="agenda"/>
                    <AttendanceList editor id meeting members/>
                    <MeetingText editor id field="minutes"/>
                    <Decisions editor id meeting members group/>
                </Editable>
            }
            .into_any()
        },
    )
}

/// The agenda or the minutes: long text, saved as it is typed.
#[component]
fn MeetingText(editor: Editor, id: MeetingId, field: &'static str) -> impl IntoView {
    let i18n = expect_context::<I18n>();
    let minutes = field == "minutes";
    let (heading, label) = if minutes {
        ("minutes-heading", "minutes-label")
    } else {
        ("agenda-heading", "agenda-label")
    };
    view! {
        <section class="card" aria-labelledby=format!("{field}-heading")>
            <h2 id=format!("{field}-heading")>{move || i18n.t(heading)}</h2>
            <label for=format!("meeting-{field}")>{move || i18n.t(label)}</label>
            <LiveText
                id=format!("meeting-{field}")
                rows=if minutes { 10 } else { 5 }
                editor
                field=if minutes { LiveField::Minutes(id) } else { LiveField::Agenda(id) }
            />
        </section>
    }
}

/// Who was there: a checkbox per member.
#[component]
fn AttendanceList(
    editor: Editor,
    id: MeetingId,
    meeting: Memo<Option<Meeting>>,
    members: Memo<Vec<Person>>,
) -> impl IntoView {
    let i18n = expect_context::<I18n>();
    view! {
        <section class="card" aria-labelledby="attendance-heading">
            <h2 id="attendance-heading">{move || i18n.t("attendance-heading")}</h2>
            <fieldset class="choices">
                <legend>{move || i18n.t("attendance-legend")}</legend>
                {move || {
                    let people = members.get();
                    if people.is_empty() {
                        return view! { <p>{move || i18n.t("members-empty")}</p> }.into_any();
                    }
                    people.into_iter().map(|person| {
                        let who = person.id;
                        view! {
                            <label class="check">
                                <input type="checkbox"
                                    prop:checked=move || meeting.with(|m| m.as_ref().is_some_and(|m| m.present.contains(&who)))
                                    on:change=move |ev| {
                                        let attendance = if event_target_checked(&ev) { Attendance::Present } else { Attendance::Absent };
                                        editor.save(move |s, stamp| s.set_attendance(id, who, attendance, stamp));
                                    }/>
                                {person.fields.name.clone()}
                            </label>
                        }
                    }).collect_view().into_any()
                }}
            </fieldset>
            <p>{move || i18n.t_with("attendance-count", &[
                ("present", meeting.with(|m| m.as_ref().map_or(0, |m| m.present.len())).to_string()),
                ("members", members.with(Vec::len).to_string()),
            ])}</p>
        </section>
    }
}

/// Decisions: each with owner and deadline, and the click that puts it in the plan.
#[component]
fn Decisions(
    editor: Editor,
    id: MeetingId,
    meeting: Memo<Option<Meeting>>,
    members: Memo<Vec<Person>>,
    group: bool,
) -> impl IntoView {
    let i18n = expect_context::<I18n>();
    let text = RwSignal::new(String::new());
    let owner = RwSignal::new(String::new());
    let deadline = RwSignal::new(String::new());
    let add = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let wanted = text.get_untracked();
        if wanted.trim().is_empty() {
            editor
                .problem
                .set(Some(Message::plain("error-decision-required")));
            return;
        }
        let who = owner.get_untracked().parse().ok();
        let by = parse_date(&deadline.get_untracked());
        let decision = DecisionId::from_random(random_id());
        editor.save(move |s, stamp| s.add_decision(id, decision, &wanted, who, by, stamp));
        text.set(String::new());
        deadline.set(String::new());
    };
    let to_plan = move |decision: DecisionId| {
        editor.save(move |s, stamp| s.decision_to_plan(id, decision, stamp).map(|_| ()));
    };
    let (make_key, made_key) = if group {
        ("decision-to-task", "decision-became-task")
    } else {
        ("decision-to-action", "decision-became-action")
    };
    view! {
        <section class="card" aria-labelledby="decisions-heading">
            <h2 id="decisions-heading">{move || i18n.t("decisions-heading")}</h2>
            <ul class="items">
                {move || meeting.get().map(|m| m.decisions).unwrap_or_default().into_iter().map(|decision| {
                    let decision_id = decision.id;
                    let mut parts = Vec::new();
                    if let Some(name) = decision.owner.and_then(|o| person_name(members, o)) {
                        parts.push(i18n.t_with("action-owner", &[("name", name)]));
                    }
                    if let Some(date) = decision.deadline {
                        parts.push(i18n.t_with("due-on", &[("date", show_date(i18n, date))]));
                    }
                    let became = decision.became;
                    let label = decision.text.clone();
                    view! {
                        <li>
                            <h3>{decision.text.clone()}</h3>
                            <p>{parts.join(" · ")}</p>
                            {match became {
                                Some(PlanItem::Action(_) | PlanItem::Task(_)) => view! {
                                    <p class="done">{move || i18n.t(made_key)}</p>
                                }.into_any(),
                                None => view! {
                                    <button type="button" on:click=move |_| to_plan(decision_id)>
                                        {move || i18n.t_with(make_key, &[("decision", label.clone())])}
                                    </button>
                                }.into_any(),
                            }}
                        </li>
                    }
                }).collect_view()}
            </ul>
            <form class="add" on:submit=add>
                <h3>{move || i18n.t("decision-add-heading")}</h3>
                <label for="decision-text">{move || i18n.t("decision-text-label")}</label>
                <input id="decision-text" type="text" autocomplete="off" bind:value=text/>
                <label for="decision-owner">{move || i18n.t("owner-label")}</label>
                <select id="decision-owner" on:change=move |ev| owner.set(event_target_value(&ev))>
                    <option value="">{move || i18n.t("nobody")}</option>
                    {move || members.get().into_iter().map(|p| view! {
                        <option value=p.id.to_string()>{p.fields.name.clone()}</option>
                    }).collect_view()}
                </select>
                <label for="decision-deadline">{move || i18n.t("due-label")}</label>
                <input id="decision-deadline" type="date" bind:value=deadline/>
                <button type="submit">{move || i18n.t("decision-add")}</button>
            </form>
        </section>
    }
}
