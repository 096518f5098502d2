//! The network's screen (the consultant's space): the annual wheel, drawn and listed,
//! with the year's standard events, adding, editing, moving and cancelling events, and
//! the wheel as an iCalendar file.

use chrono::{Datelike, NaiveDate};
use landsbyplan_model::{
    CouncilRef, EventId, EventKind, EventState, SpaceId, SpaceKind, WheelEvent, WheelEventFields,
    wheel_to_ics,
};
use leptos::prelude::*;

use super::desk::Desk;
use super::feed::CalendarFeed;
use super::files::download;
use super::header::SpaceHeader;
use super::people::Members;
use super::share::ShareSpace;
use super::wheel::{Wheel, season_key};
use super::{ChoiceSelect, Editable, Editor, Fold, parse_date, show_date, stamp};
use crate::i18n::I18n;
use crate::library::{Library, Message, random_id};

/// The network's screen.
#[component]
pub fn NetworkScreen(id: SpaceId) -> impl IntoView {
    let editor = Editor::new(id);

    view! {
        <SpaceHeader editor/>
        <AnnualWheel editor/>
        <CalendarFeed editor/>
        <Desk editor/>
        <Members editor/>
        <ShareSpace id/>
    }
}

/// The translation key of an event kind.
pub fn event_kind_key(kind: EventKind) -> &'static str {
    match kind {
        EventKind::DialogueMeeting => "event-kind-dialogue-meeting",
        EventKind::EnthusiastWorkshop => "event-kind-enthusiast-workshop",
        EventKind::ThemeAndBudgetMeeting => "event-kind-theme-and-budget-meeting",
        EventKind::RuralCouncilAnnualMeeting => "event-kind-rural-council-annual-meeting",
        EventKind::GrantDeadline => "event-kind-grant-deadline",
        EventKind::PlanPresentation => "event-kind-plan-presentation",
        EventKind::Other => "event-kind-other",
    }
}

/// The wheel section: the year shown, the drawing, the list by month, and the forms.
#[component]
fn AnnualWheel(editor: Editor) -> impl IntoView {
    let i18n = expect_context::<I18n>();
    let library = expect_context::<Library>();
    let today = chrono::Local::now().date_naive();
    let year = RwSignal::new(today.year());
    let events: Signal<Vec<WheelEvent>> = Memo::new(move |_| {
        let y = year.get();
        editor.read(|s| s.wheel(Some(y))).unwrap_or_default()
    })
    .into();
    let added = RwSignal::new(None::<usize>);
    let prefill = move |_| {
        let y = year.get_untracked();
        let councils: Vec<CouncilRef> = library.read_all(|space| {
            (space.kind() == SpaceKind::Council).then(|| CouncilRef {
                space: space.id(),
                name: space.name(),
            })
        });
        let stamp = stamp(i18n);
        leptos::task::spawn_local(async move {
            let mut count = 0;
            let result = library
                .edit(editor.id, |space| {
                    count = space.prefill_year(y, &councils, &stamp)?;
                    Ok(())
                })
                .await;
            editor.problem.set(result.err());
            added.set(Some(count));
        });
    };
    let save_ics = move |_| {
        let name = editor.read(|s| s.name()).unwrap_or_default();
        let all = editor.read(|s| s.wheel(None)).unwrap_or_default();
        let text = wheel_to_ics(&name, &all, chrono::Utc::now().timestamp());
        if download(text.as_bytes(), "text/calendar", "aarshjul.ics").is_none() {
            editor.problem.set(Some(Message::plain("error-file-save")));
        }
    };
    view! {
        <section class="card" aria-labelledby="wheel-heading">
            <h2 id="wheel-heading">{move || i18n.t("wheel-heading")}</h2>
            <div class="year-switch">
                <button type="button" class="secondary" on:click=move |_| year.update(|y| *y -= 1)
                    aria-label=move || i18n.t_with("wheel-year-before", &[("year", (year.get() - 1).to_string())])>
                    "‹"
                </button>
                <p class="year" aria-live="polite">{move || year.get().to_string()}</p>
                <button type="button" class="secondary" on:click=move |_| year.update(|y| *y += 1)
                    aria-label=move || i18n.t_with("wheel-year-after", &[("year", (year.get() + 1).to_string())])>
                    "›"
                </button>
            </div>
            <Wheel year=year.into() events today/>
            <div class="buttons">
                <Editable editor>
                <button type="button" on:click=prefill>
                    {move || i18n.t_with("wheel-prefill", &[("year", year.get().to_string())])}
                </button>
                </Editable>
                <button type="button" class="secondary" on:click=save_ics>{move || i18n.t("wheel-ics")}</button>
            </div>
            <p role="status" aria-live="polite">
                {move || added.get().map(|n| i18n.t_with("wheel-prefilled", &[("count", n.to_string())]))}
            </p>
            <EventList editor events/>
            <Editable editor>
                <AddEvent editor year/>
            </Editable>
        </section>
    }
}

/// The year's events by month. A month is rebuilt whole when one of its events changes,
/// so no item's open state passes to another.
#[component]
fn EventList(editor: Editor, events: Signal<Vec<WheelEvent>>) -> impl IntoView {
    let i18n = expect_context::<I18n>();
    let months = move || {
        let events = events.get();
        (1..=12u32)
            .filter_map(|month| {
                let of_month: Vec<WheelEvent> = events
                    .iter()
                    .filter(|e| e.fields.date.month() == month)
                    .cloned()
                    .collect();
                (!of_month.is_empty()).then(|| (month, format!("{of_month:?}"), of_month))
            })
            .collect::<Vec<_>>()
    };
    view! {
        <Show
            when=move || events.with(|e| !e.is_empty())
            fallback=move || view! { <p>{move || i18n.t("wheel-empty")}</p> }
        >
            <For each=months key=|(month, shape, _)| (*month, shape.clone()) let:((month, _, of_month))>
                <section class="month" aria-labelledby=format!("month-{month}-heading")>
                    <h3 id=format!("month-{month}-heading")>{move || i18n.t(super::wheel::month_key(month))}</h3>
                    <ul class="items">
                        {of_month.into_iter().map(|event| view! { <EventItem editor event/> }).collect_view()}
                    </ul>
                </section>
            </For>
        </Show>
    }
}

/// One event: date, title, kind, season, whether it is cancelled; editing (which moves it
/// when the date changes) and cancelling.
#[component]
fn EventItem(editor: Editor, event: WheelEvent) -> impl IntoView {
    let i18n = expect_context::<I18n>();
    let id = event.id;
    let cancelled = event.state == EventState::Cancelled;
    let fields = RwSignal::new(event.fields.clone());
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let wanted = fields.get_untracked();
        editor.save(move |space, stamp| space.update_event(id, &wanted, stamp));
    };
    let toggle = move |_| {
        let state = if cancelled {
            EventState::Planned
        } else {
            EventState::Cancelled
        };
        editor.save(move |space, stamp| space.set_event_state(id, state, stamp));
    };
    let date = event.fields.date;
    let kind = event.fields.kind;
    let season = event.season();
    let invites = event.fields.invites.clone();
    view! {
        <li class=if cancelled { "cancelled" } else { "" }>
            <h4>
                {move || show_date(i18n, date)} " – " {event.fields.title.clone()}
                {cancelled.then(|| view! { " " <strong>{move || i18n.t("event-cancelled")}</strong> })}
            </h4>
            <p>
                {move || i18n.t(event_kind_key(kind))} " · " {move || i18n.t(season_key(season))}
                {(!invites.is_empty()).then(|| format!(" · {invites}"))}
            </p>
            <Editable editor>
            <Fold summary="edit-summary">
                <form on:submit=save>
                    <EventInputs prefix=format!("event-{id}") fields/>
                    <button type="submit">{move || i18n.t("save")}</button>
                </form>
                <button type="button" class="secondary" on:click=toggle>
                    {move || i18n.t(if cancelled { "event-reinstate" } else { "event-cancel" })}
                </button>
            </Fold>
            </Editable>
        </li>
    }
}

/// The form that adds an event, dated in the year shown.
#[component]
fn AddEvent(editor: Editor, year: RwSignal<i32>) -> impl IntoView {
    let i18n = expect_context::<I18n>();
    let blank = move || WheelEventFields {
        title: String::new(),
        kind: EventKind::Other,
        date: NaiveDate::from_ymd_opt(year.get_untracked(), 6, 1).unwrap_or_default(),
        invites: String::new(),
        council: None,
    };
    let fields = RwSignal::new(blank());
    // A new event is dated in the year on show.
    Effect::new(move |_| {
        let shown = year.get();
        if fields.with_untracked(|f| f.date.year()) != shown {
            fields.update(|f| f.date = f.date.with_year(shown).unwrap_or(f.date));
        }
    });
    let add = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let wanted = fields.get_untracked();
        if wanted.title.trim().is_empty() {
            editor
                .problem
                .set(Some(Message::plain("error-event-title-required")));
            return;
        }
        let id = EventId::from_random(random_id());
        editor.save(move |space, stamp| space.add_event(id, &wanted, stamp));
        fields.set(blank());
    };
    view! {
        <form class="add" on:submit=add>
            <h3>{move || i18n.t("event-add-heading")}</h3>
            <EventInputs prefix="event-new".to_owned() fields/>
            <button type="submit">{move || i18n.t("event-add")}</button>
        </form>
    }
}

/// Title, kind, date and who invites, bound to `fields`.
#[component]
fn EventInputs(prefix: String, fields: RwSignal<WheelEventFields>) -> impl IntoView {
    let i18n = expect_context::<I18n>();
    let library = expect_context::<Library>();
    let id = move |name: &str| format!("{prefix}-{name}");
    view! {
        <label for=id("title")>{move || i18n.t("event-title-label")}</label>
        <input id=id("title") type="text" autocomplete="off"
            prop:value=move || fields.with(|f| f.title.clone())
            on:input=move |ev| fields.update(|f| f.title = event_target_value(&ev))/>
        <label for=id("kind")>{move || i18n.t("event-kind-label")}</label>
        <ChoiceSelect
            id=id("kind")
            options=EventKind::ALL
            value=EventKind::as_str
            name=event_kind_key
            current=Signal::derive(move || Some(fields.with(|f| f.kind)))
            pick=move |kind| fields.update(|f| f.kind = kind)
        />
        <label for=id("date")>{move || i18n.t("event-date-label")}</label>
        <input id=id("date") type="date"
            prop:value=move || fields.with(|f| f.date.to_string())
            on:change=move |ev| {
                if let Some(date) = parse_date(&event_target_value(&ev)) {
                    fields.update(|f| f.date = date);
                }
            }/>
        <label for=id("invites")>{move || i18n.t("event-invites-label")}</label>
        <input id=id("invites") type="text" autocomplete="off"
            prop:value=move || fields.with(|f| f.invites.clone())
            on:input=move |ev| fields.update(|f| f.invites = event_target_value(&ev))/>
        <label for=id("council")>{move || i18n.t("event-council-label")}</label>
        <select id=id("council") on:change=move |ev| fields.update(|f| f.council = event_target_value(&ev).parse().ok())>
            <option value="">{move || i18n.t("none-chosen")}</option>
            {move || {
                let mut councils = library.read_all(|space| {
                    (space.kind() == SpaceKind::Council).then(|| (space.id(), space.name()))
                });
                councils.sort_by_key(|(_, name)| name.to_lowercase());
                councils.into_iter().map(|(council, name)| view! {
                    <option value=council.to_string() selected=move || fields.with(|f| f.council == Some(council))>{name}</option>
                }).collect_view()
            }}
        </select>
        <p class="hint-text">{move || i18n.t("event-council-hint")}</p>
    }
}

#[cfg(test)]
mod tests {
    use super::super::wheel::{month_key, month_short_key};
    use super::*;
    use crate::i18n::{Language, translate};
    use landsbyplan_model::Season;

    #[test]
    fn every_event_kind_season_and_month_has_a_name_in_both_languages() {
        let mut keys: Vec<&str> = EventKind::ALL.iter().map(|k| event_kind_key(*k)).collect();
        keys.extend(Season::ALL.iter().map(|s| season_key(*s)));
        keys.extend((1..=12).map(month_short_key));
        keys.extend((1..=12).map(month_key));
        for key in keys {
            for language in [Language::Danish, Language::English] {
                assert_ne!(
                    translate(language, key, None),
                    key,
                    "{language:?} lacks {key}"
                );
            }
        }
    }
}
