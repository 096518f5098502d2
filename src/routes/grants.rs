//! Applications to Landdistriktspuljen from a council or a project group: a list on the
//! space's screen, and a guided screen per application (the project, budget with quotes,
//! own financing with the 25 % rule worked out live, the round, the council's endorsement,
//! submission, the decision, validity and the report), and a printable application.

use landsbyplan_model::{
    ApplicationId, BudgetLine, BudgetLineId, Decision, Dkk, Endorsement, GrantApplication,
    GrantRound, GrantStatus, LiveField, OwnFinancing, Space, SpaceId, SpaceKind,
};
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_navigate;

use super::header::SpaceHeader;
use super::text::LiveText;
use super::{
    Editable, Editor, ItemMissing, focus_areas, item_screen, parse_date, parse_kroner, show_date,
    space_and_item, space_path, store_not_ready,
};
use crate::i18n::I18n;
use crate::library::{Library, Message, random_id};

/// The translation key of an application's status.
pub fn status_key(status: GrantStatus) -> &'static str {
    match status {
        GrantStatus::Draft => "grant-status-draft",
        GrantStatus::Endorsed => "grant-status-endorsed",
        GrantStatus::Submitted => "grant-status-submitted",
        GrantStatus::Granted => "grant-status-granted",
        GrantStatus::PartlyGranted => "grant-status-partly-granted",
        GrantStatus::Rejected => "grant-status-rejected",
        GrantStatus::ReportingDue => "grant-status-reporting-due",
        GrantStatus::Closed => "grant-status-closed",
    }
}

fn application_path(space: SpaceId, application: ApplicationId) -> String {
    format!("{}/application/{application}", space_path(space))
}

/// Kroner as people write them: 12.500 kr. / DKK 12,500.
pub fn kroner(i18n: I18n, amount: Dkk) -> String {
    i18n.t_with("kroner", &[("amount", grouped(i18n, amount))])
}

/// An amount's digits grouped by thousands as the language does: 12.500 / 12,500.
pub fn grouped(i18n: I18n, amount: Dkk) -> String {
    let digits = amount.0.unsigned_abs().to_string();
    let separator = match i18n.language() {
        crate::i18n::Language::Danish => '.',
        crate::i18n::Language::English => ',',
    };
    let mut grouped = String::new();
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index).is_multiple_of(3) {
            grouped.push(separator);
        }
        grouped.push(digit);
    }
    let sign = if amount.0 < 0 { "-" } else { "" };
    format!("{sign}{grouped}")
}

/// The applications of a space, each with where it stands, and starting a new one.
#[component]
pub fn Applications(editor: Editor) -> impl IntoView {
    let i18n = expect_context::<I18n>();
    let applications = Memo::new(move |_| editor.read(|s| s.applications()).unwrap_or_default());
    let title = RwSignal::new(String::new());
    let navigate = use_navigate();
    let library = expect_context::<Library>();
    let start = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let wanted = title.get_untracked();
        if wanted.trim().is_empty() {
            editor
                .problem
                .set(Some(Message::plain("error-grant-title-required")));
            return;
        }
        let id = ApplicationId::from_random(random_id());
        let stamp = super::stamp(i18n);
        let navigate = navigate.clone();
        leptos::task::spawn_local(async move {
            match library
                .edit(editor.id, |s| s.add_application(id, &wanted, &stamp))
                .await
            {
                Ok(()) => navigate(&application_path(editor.id, id), Default::default()),
                Err(message) => editor.problem.set(Some(message)),
            }
        });
    };
    let today = chrono::Local::now().date_naive();
    view! {
        <section class="card" aria-labelledby="grants-heading">
            <h2 id="grants-heading">{move || i18n.t("grants-heading")}</h2>
            <p>{move || i18n.t("grants-intro")}</p>
            <ul class="items">
                {move || applications.get().into_iter().map(|application| {
                    let overdue = application.is_report_overdue(today);
                    let status = application.status;
                    view! {
                        <li class:overdue=overdue>
                            <A href=application_path(editor.id, application.id)>{application.title.clone()}</A>
                            <p>
                                {move || i18n.t(status_key(status))}
                                {application.round.map(|r| format!(" · {}", show_date(i18n, r.deadline())))}
                                {overdue.then(|| view! { " · " <strong>{move || i18n.t("grant-report-overdue")}</strong> })}
                            </p>
                        </li>
                    }
                }).collect_view()}
            </ul>
            <Editable editor>
            <form class="inline" on:submit=start>
                <label for="grant-new-title">{move || i18n.t("grant-new-label")}</label>
                <input id="grant-new-title" type="text" autocomplete="off" bind:value=title/>
                <button type="submit">{move || i18n.t("grant-start")}</button>
            </form>
            </Editable>
        </section>
    }
}

/// The application in the address, on its space.
#[component]
pub fn ApplicationScreen() -> impl IntoView {
    let i18n = expect_context::<I18n>();
    item_screen(
        "application",
        ("grant-missing", "grant-missing-help"),
        |space: &Space, id: ApplicationId| space.applications().into_iter().find(|a| a.id == id),
        move |editor, id, application| {
            let council = editor.read(|s| s.kind()) == Some(SpaceKind::Council);
            view! {
                <SpaceHeader editor/>
                <Editable editor>
                    <h2>{move || application.get().map(|a| a.title)}</h2>
                    <p class="kind">
                        <span class="status">{move || application.get().map(|a| i18n.t(status_key(a.status)))}</span>
                        " · "
                        <A href=format!("{}/print", application_path(editor.id, id))>{move || i18n.t("grant-print-link")}</A>
                    </p>
                    <Project editor id application council/>
                    <Budget editor id application/>
                    <OwnFinancingStep editor id application/>
                    <RoundStep editor id application/>
                    <EndorseAndSubmit editor id application/>
                    <DecisionStep editor id application/>
                </Editable>
            }
            .into_any()
        },
    )
}

type App = Memo<Option<GrantApplication>>;

fn draft(application: App) -> bool {
    application.with(|a| a.as_ref().is_some_and(|a| a.status == GrantStatus::Draft))
}

/// Step 1: title, description, the focus areas and plan goals it supports.
#[component]
fn Project(editor: Editor, id: ApplicationId, application: App, council: bool) -> impl IntoView {
    let i18n = expect_context::<I18n>();
    let library = expect_context::<Library>();
    let title = RwSignal::new(
        application
            .get_untracked()
            .map(|a| a.title)
            .unwrap_or_default(),
    );
    // The title is saved when it is left; the description as it is typed, as the other
    // long texts are, so two people writing it at once merge character by character and
    // neither's unsaved words are overwritten by the other's. Each saves the other part
    // as the document has it.
    let description = Memo::new(move |_| {
        application
            .with(|a| a.as_ref().map(|a| a.description.clone()))
            .unwrap_or_default()
    });
    let save_title = move || {
        let t = title.get_untracked();
        let d = description.get_untracked();
        editor.save(move |s, stamp| s.describe_application(id, &t, &d, stamp));
    };
    let goals = Memo::new(move |_| {
        if council {
            editor
                .read(|s| s.development_plan().goals)
                .unwrap_or_default()
        } else {
            Vec::new()
        }
    });
    let toggle_area = move |area, on: bool| {
        let Some(a) = application.get_untracked() else {
            return;
        };
        let mut areas = a.focus_areas.clone();
        areas.retain(|x| *x != area);
        if on {
            areas.push(area);
        }
        editor.save(move |s, stamp| s.set_application_supports(id, &areas, &a.goals, stamp));
    };
    let toggle_goal = move |goal, on: bool| {
        let Some(a) = application.get_untracked() else {
            return;
        };
        let mut chosen = a.goals.clone();
        chosen.retain(|x| *x != goal);
        if on {
            chosen.push(goal);
        }
        editor.save(move |s, stamp| s.set_application_supports(id, &a.focus_areas, &chosen, stamp));
    };
    view! {
        <section class="card" aria-labelledby="grant-project-heading">
            <h2 id="grant-project-heading">{move || i18n.t("grant-project-heading")}</h2>
            <label for="grant-title">{move || i18n.t("grant-title-label")}</label>
            <input id="grant-title" type="text" bind:value=title disabled=move || !draft(application) on:change=move |_| save_title()/>
            <label for="grant-description">{move || i18n.t("grant-description-label")}</label>
            <LiveText id="grant-description" rows=5 editor field=LiveField::Description(id) disabled=Signal::derive(move || !draft(application))/>
            <fieldset class="choices" disabled=move || !draft(application)>
                <legend>{move || i18n.t("grant-areas-legend")}</legend>
                {move || focus_areas(library, i18n).into_iter().map(|(area, name)| view! {
                    <label class="check">
                        <input type="checkbox"
                            prop:checked=move || application.with(|a| a.as_ref().is_some_and(|a| a.focus_areas.contains(&area)))
                            on:change=move |ev| toggle_area(area, event_target_checked(&ev))/>
                        {name}
                    </label>
                }).collect_view()}
            </fieldset>
            <Show when=move || council>
                <fieldset class="choices" disabled=move || !draft(application)>
                    <legend>{move || i18n.t("grant-goals-legend")}</legend>
                    {move || {
                        let goals = goals.get();
                        if goals.is_empty() {
                            return view! { <p>{move || i18n.t("grant-no-goals")}</p> }.into_any();
                        }
                        goals.into_iter().map(|goal| {
                            let goal_id = goal.id;
                            view! {
                                <label class="check">
                                    <input type="checkbox"
                                        prop:checked=move || application.with(|a| a.as_ref().is_some_and(|a| a.goals.contains(&goal_id)))
                                        on:change=move |ev| toggle_goal(goal_id, event_target_checked(&ev))/>
                                    {goal.text.clone()}
                                </label>
                            }
                        }).collect_view().into_any()
                    }}
                </fieldset>
            </Show>
        </section>
    }
}

/// Step 2: the budget lines, each with the quote it rests on, and the total.
#[component]
fn Budget(editor: Editor, id: ApplicationId, application: App) -> impl IntoView {
    let i18n = expect_context::<I18n>();
    let text = RwSignal::new(String::new());
    let amount = RwSignal::new(String::new());
    let quote = RwSignal::new(String::new());
    let add = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Ok(Some(value)) = parse_kroner(&amount.get_untracked()) else {
            editor.problem.set(Some(Message::plain("error-cost")));
            return;
        };
        let line = BudgetLine {
            id: BudgetLineId::from_random(random_id()),
            text: text.get_untracked(),
            amount: value,
            quote: quote.get_untracked(),
        };
        if line.text.trim().is_empty() {
            editor
                .problem
                .set(Some(Message::plain("error-budget-line-required")));
            return;
        }
        editor.save(move |s, stamp| s.add_budget_line(id, &line, stamp));
        text.set(String::new());
        amount.set(String::new());
        quote.set(String::new());
    };
    view! {
        <section class="card" aria-labelledby="grant-budget-heading">
            <h2 id="grant-budget-heading">{move || i18n.t("grant-budget-heading")}</h2>
            <table class="budget">
                <thead><tr>
                    <th scope="col">{move || i18n.t("budget-text-label")}</th>
                    <th scope="col">{move || i18n.t("budget-quote-label")}</th>
                    <th scope="col" class="number">{move || i18n.t("budget-amount-label")}</th>
                    <th scope="col"><span class="visually-hidden">{move || i18n.t("budget-actions")}</span></th>
                </tr></thead>
                <tbody>
                    {move || application.get().map(|a| a.budget).unwrap_or_default().into_iter().map(|line| {
                        let line_id = line.id;
                        let label = line.text.clone();
                        view! {
                            <tr>
                                <td>{line.text.clone()}</td>
                                <td>{line.quote.clone()}</td>
                                <td class="number">{move || kroner(i18n, line.amount)}</td>
                                <td>
                                    <button type="button" class="secondary" disabled=move || !draft(application)
                                        on:click=move |_| editor.save(move |s, stamp| s.remove_budget_line(id, line_id, stamp))>
                                        {move || i18n.t_with("budget-remove", &[("line", label.clone())])}
                                    </button>
                                </td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
                <tfoot><tr>
                    <th scope="row" colspan="2">{move || i18n.t("budget-total")}</th>
                    <td class="number">{move || application.get().map(|a| kroner(i18n, a.budget_total()))}</td>
                    <td></td>
                </tr></tfoot>
            </table>
            <Show when=move || draft(application)>
                <form class="add" on:submit=add>
                    <h3>{move || i18n.t("budget-add-heading")}</h3>
                    <label for="budget-text">{move || i18n.t("budget-text-label")}</label>
                    <input id="budget-text" type="text" autocomplete="off" bind:value=text/>
                    <label for="budget-amount">{move || i18n.t("budget-amount-label")}</label>
                    <input id="budget-amount" type="text" inputmode="numeric" autocomplete="off" bind:value=amount/>
                    <label for="budget-quote">{move || i18n.t("budget-quote-label")}</label>
                    <input id="budget-quote" type="text" autocomplete="off" bind:value=quote/>
                    <button type="submit">{move || i18n.t("budget-add")}</button>
                </form>
            </Show>
        </section>
    }
}

/// Step 3: cash and volunteer hours, and the 25 % rule with every number shown.
#[component]
fn OwnFinancingStep(editor: Editor, id: ApplicationId, application: App) -> impl IntoView {
    let i18n = expect_context::<I18n>();
    let current = application
        .get_untracked()
        .map(|a| a.own_financing)
        .unwrap_or_default();
    let cash = RwSignal::new(if current.cash.0 > 0 {
        current.cash.0.to_string()
    } else {
        String::new()
    });
    let hours = RwSignal::new(if current.volunteer_hours > 0 {
        current.volunteer_hours.to_string()
    } else {
        String::new()
    });
    let invalid = RwSignal::new(false);
    let save = move || {
        let cash = parse_kroner(&cash.get_untracked());
        let hours = hours.get_untracked().trim().parse::<u32>().or_else(|e| {
            if hours.get_untracked().trim().is_empty() {
                Ok(0)
            } else {
                Err(e)
            }
        });
        match (cash, hours) {
            (Ok(cash), Ok(volunteer_hours)) => {
                invalid.set(false);
                let own = OwnFinancing {
                    cash: cash.unwrap_or_default(),
                    volunteer_hours,
                };
                editor.save(move |s, stamp| s.set_own_financing(id, own, stamp));
            }
            _ => invalid.set(true),
        }
    };
    let check = move || application.get().map(|a| a.own_financing_check());
    view! {
        <section class="card" aria-labelledby="grant-own-heading">
            <h2 id="grant-own-heading">{move || i18n.t("grant-own-heading")}</h2>
            <label for="own-cash">{move || i18n.t("own-cash-label")}</label>
            <input id="own-cash" type="text" inputmode="numeric" autocomplete="off" bind:value=cash
                disabled=move || !draft(application) on:input=move |_| save()/>
            <label for="own-hours">{move || i18n.t("own-hours-label")}</label>
            <input id="own-hours" type="text" inputmode="numeric" autocomplete="off" bind:value=hours
                disabled=move || !draft(application) on:input=move |_| save()/>
            <Show when=move || invalid.get()>
                <p class="error" role="alert">{move || i18n.t("error-own-financing-input")}</p>
            </Show>
            <div class="rule" role="status" aria-live="polite">
                {move || check().map(|c| view! {
                    <p>{i18n.t_with("rule-budget", &[("budget", kroner(i18n, c.budget)), ("base", kroner(i18n, c.base))])}</p>
                    <p>{i18n.t_with("rule-required", &[("required", kroner(i18n, c.required))])}</p>
                    <p>{i18n.t_with("rule-own", &[
                        ("cash", kroner(i18n, c.cash)),
                        ("hours", application.get().map(|a| a.own_financing.volunteer_hours).unwrap_or(0).to_string()),
                        ("hours_value", kroner(i18n, c.hours_value)),
                        ("own", kroner(i18n, c.own)),
                    ])}</p>
                    <p class=if c.is_met() { "met" } else { "unmet" }>
                        <strong>{if c.is_met() {
                            i18n.t("rule-met")
                        } else {
                            i18n.t_with("rule-unmet", &[("missing", kroner(i18n, Dkk(c.required.0 - c.own.0)))])
                        }}</strong>
                    </p>
                })}
            </div>
        </section>
    }
}

/// Step 4: the round, chosen from the next deadlines.
#[component]
fn RoundStep(editor: Editor, id: ApplicationId, application: App) -> impl IntoView {
    let i18n = expect_context::<I18n>();
    let rounds = GrantRound::upcoming(chrono::Local::now().date_naive(), 4);
    view! {
        <section class="card" aria-labelledby="grant-round-heading">
            <h2 id="grant-round-heading">{move || i18n.t("grant-round-heading")}</h2>
            <label for="grant-round">{move || i18n.t("grant-round-label")}</label>
            <select id="grant-round" disabled=move || !draft(application) on:change=move |ev| {
                if let Ok(round) = event_target_value(&ev).parse::<GrantRound>() {
                    editor.save(move |s, stamp| s.choose_round(id, round, stamp));
                }
            }>
                <option value="" selected=move || application.with(|a| a.as_ref().is_some_and(|a| a.round.is_none()))>
                    {move || i18n.t("none-chosen")}
                </option>
                {rounds.into_iter().map(|round| view! {
                    <option value=round.to_string() selected=move || application.with(|a| a.as_ref().is_some_and(|a| a.round == Some(round)))>
                        {move || i18n.t_with("grant-round-option", &[("date", show_date(i18n, round.deadline()))])}
                    </option>
                }).collect_view()}
            </select>
        </section>
    }
}

/// Step 5: the council's endorsement, then submission (only with both the endorsement
/// and the 25 % rule met).
#[component]
fn EndorseAndSubmit(editor: Editor, id: ApplicationId, application: App) -> impl IntoView {
    let i18n = expect_context::<I18n>();
    let by = RwSignal::new(String::new());
    let on = RwSignal::new(chrono::Local::now().date_naive().to_string());
    let status = move || application.get().map(|a| a.status);
    let endorse = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let endorsement = Endorsement {
            by: by.get_untracked(),
            on: parse_date(&on.get_untracked())
                .unwrap_or_else(|| chrono::Local::now().date_naive()),
        };
        if endorsement.by.trim().is_empty() {
            editor
                .problem
                .set(Some(Message::plain("error-endorsed-by-required")));
            return;
        }
        editor.save(move |s, stamp| s.endorse(id, &endorsement, stamp));
    };
    let endorsed = move || status() == Some(GrantStatus::Endorsed);
    let rule_met =
        move || application.with(|a| a.as_ref().is_some_and(|a| a.own_financing_check().is_met()));
    view! {
        <section class="card" aria-labelledby="grant-endorse-heading">
            <h2 id="grant-endorse-heading">{move || i18n.t("grant-endorse-heading")}</h2>
            {move || application.get().and_then(|a| a.endorsement).map(|e| view! {
                <p>{i18n.t_with("grant-endorsed-by", &[("by", e.by.clone()), ("date", show_date(i18n, e.on))])}</p>
            })}
            <Show when=move || status() == Some(GrantStatus::Draft)>
                <form on:submit=endorse>
                    <label for="endorse-by">{move || i18n.t("endorse-by-label")}</label>
                    <input id="endorse-by" type="text" autocomplete="off" bind:value=by/>
                    <label for="endorse-on">{move || i18n.t("endorse-on-label")}</label>
                    <input id="endorse-on" type="date" bind:value=on/>
                    <button type="submit">{move || i18n.t("endorse")}</button>
                </form>
            </Show>
            <Show when=endorsed>
                <button type="button" class="secondary" on:click=move |_| editor.save(move |s, stamp| s.withdraw_endorsement(id, stamp))>
                    {move || i18n.t("endorse-withdraw")}
                </button>
            </Show>
            <Show when=move || matches!(status(), Some(GrantStatus::Draft | GrantStatus::Endorsed))>
                <button
                    type="button"
                    disabled=move || !endorsed() || !rule_met()
                    aria-describedby="submit-hint"
                    on:click=move |_| editor.save(move |s, stamp| s.submit_application(id, stamp))
                >
                    {move || i18n.t("grant-submit")}
                </button>
                <p id="submit-hint">
                    {move || if !endorsed() {
                        i18n.t("grant-submit-needs-endorsement")
                    } else if !rule_met() {
                        i18n.t("grant-submit-needs-rule")
                    } else {
                        i18n.t("grant-submit-ready")
                    }}
                </p>
            </Show>
        </section>
    }
}

/// After submission: the decision, the project's end, validity, the report and its due
/// date (highlighted when overdue), closing.
#[component]
fn DecisionStep(editor: Editor, id: ApplicationId, application: App) -> impl IntoView {
    let i18n = expect_context::<I18n>();
    let today = chrono::Local::now().date_naive();
    let outcome = RwSignal::new("granted".to_owned());
    let amount = RwSignal::new(String::new());
    let decided = RwSignal::new(today.to_string());
    let end = RwSignal::new(String::new());
    let status = move || application.get().map(|a| a.status);
    let decide = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let on = parse_date(&decided.get_untracked()).unwrap_or(today);
        let decision = match (
            outcome.get_untracked().as_str(),
            parse_kroner(&amount.get_untracked()),
        ) {
            ("rejected", _) => Decision::Rejected,
            ("partly", Ok(Some(a))) => Decision::PartlyGranted(a),
            ("granted", Ok(Some(a))) => Decision::Granted(a),
            _ => {
                editor.problem.set(Some(Message::plain("error-cost")));
                return;
            }
        };
        editor.save(move |s, stamp| s.decide_application(id, decision, on, stamp));
    };
    let set_end = move |_| {
        if let Some(date) = parse_date(&end.get_untracked()) {
            editor.save(move |s, stamp| s.set_project_end(id, date, stamp));
        }
    };
    let granted = move || {
        matches!(
            status(),
            Some(GrantStatus::Granted | GrantStatus::PartlyGranted | GrantStatus::ReportingDue)
        )
    };
    view! {
        <Show when=move || !matches!(status(), Some(GrantStatus::Draft | GrantStatus::Endorsed) | None)>
            <section class="card" aria-labelledby="grant-decision-heading">
                <h2 id="grant-decision-heading">{move || i18n.t("grant-decision-heading")}</h2>
                <Show when=move || status() == Some(GrantStatus::Submitted)>
                    <form on:submit=decide>
                        <label for="decision-outcome">{move || i18n.t("decision-outcome-label")}</label>
                        <select id="decision-outcome" on:change=move |ev| outcome.set(event_target_value(&ev))>
                            <option value="granted">{move || i18n.t("grant-status-granted")}</option>
                            <option value="partly">{move || i18n.t("grant-status-partly-granted")}</option>
                            <option value="rejected">{move || i18n.t("grant-status-rejected")}</option>
                        </select>
                        <label for="decision-amount">{move || i18n.t("decision-amount-label")}</label>
                        <input id="decision-amount" type="text" inputmode="numeric" bind:value=amount/>
                        <label for="decision-on">{move || i18n.t("decision-on-label")}</label>
                        <input id="decision-on" type="date" bind:value=decided/>
                        <button type="submit">{move || i18n.t("decision-record")}</button>
                    </form>
                </Show>
                {move || application.get().map(|a| {
                    let overdue = a.is_report_overdue(today);
                    view! {
                        {a.granted.map(|g| view! { <p>{i18n.t_with("grant-granted-amount", &[("amount", kroner(i18n, g))])}</p> })}
                        {a.valid_until().map(|d| view! { <p>{i18n.t_with("grant-valid-until", &[("date", show_date(i18n, d))])}</p> })}
                        {a.report_due().map(|d| view! {
                            <p class:overdue=overdue>
                                {i18n.t_with("grant-report-due", &[("date", show_date(i18n, d))])}
                                {overdue.then(|| view! { " " <strong>{i18n.t("grant-report-overdue")}</strong> })}
                            </p>
                        })}
                    }
                })}
                <Show when=granted>
                    <label for="project-end">{move || i18n.t("project-end-label")}</label>
                    <input id="project-end" type="date" bind:value=end on:change=set_end/>
                </Show>
                <div class="buttons">
                    <Show when=move || matches!(status(), Some(GrantStatus::Granted | GrantStatus::PartlyGranted))>
                        <button type="button" on:click=move |_| editor.save(move |s, stamp| s.mark_reporting_due(id, stamp))>
                            {move || i18n.t("grant-mark-reporting")}
                        </button>
                    </Show>
                    <Show when=move || matches!(status(), Some(GrantStatus::ReportingDue | GrantStatus::Rejected))>
                        <button type="button" on:click=move |_| editor.save(move |s, stamp| s.close_application(id, stamp))>
                            {move || i18n.t("grant-close")}
                        </button>
                    </Show>
                </div>
            </section>
        </Show>
    }
}

/// The application laid out for paper.
#[component]
pub fn ApplicationPrint() -> impl IntoView {
    let i18n = expect_context::<I18n>();
    let library = expect_context::<Library>();
    let ids = space_and_item::<ApplicationId>("application");
    let found = Memo::new(move |_| {
        let (space, id) = ids.get()?;
        library
            .read(space, |s| {
                let application = s.applications().into_iter().find(|a| a.id == id)?;
                let goals: Vec<String> = s
                    .development_plan()
                    .goals
                    .into_iter()
                    .filter(|g| application.goals.contains(&g.id))
                    .map(|g| g.text)
                    .collect();
                Some((space, s.name(), application, goals))
            })
            .flatten()
    });
    move || {
        if let Some(waiting) = store_not_ready(i18n, library.state.get()) {
            return waiting;
        }
        let Some((space, name, a, goals)) = found.get() else {
            let space = ids.get().map(|(space, _)| space);
            return view! { <ItemMissing heading="grant-missing" help="grant-missing-help" space/> }.into_any();
        };
        let check = a.own_financing_check();
        let areas: Vec<String> = focus_areas(library, i18n)
            .into_iter()
            .filter(|(id, _)| a.focus_areas.contains(id))
            .map(|(_, name)| name)
            .collect();
        view! {
            <article class="print">
                <nav class="no-print">
                    <A href=application_path(space, a.id)>{move || i18n.t("grant-print-back")}</A>
                    " "
                    <button type="button" on:click=move |_| { let _ = window().print(); }>{move || i18n.t("print-now")}</button>
                </nav>
                <h2>{i18n.t_with("grant-print-title", &[("title", a.title.clone())])}</h2>
                <p>{i18n.t_with("grant-print-applicant", &[("name", name)])}</p>
                <p>{i18n.t(status_key(a.status))}{a.round.map(|r| format!(" · {}", i18n.t_with("grant-round-option", &[("date", show_date(i18n, r.deadline()))])))}</p>
                <h3>{i18n.t("grant-description-label")}</h3>
                <p class="vision">{a.description.clone()}</p>
                <h3>{i18n.t("grant-areas-legend")}</h3>
                <ul>{areas.into_iter().map(|n| view! { <li>{n}</li> }).collect_view()}</ul>
                {(!goals.is_empty()).then(|| view! {
                    <h3>{i18n.t("grant-goals-legend")}</h3>
                    <ul>{goals.into_iter().map(|g| view! { <li>{g}</li> }).collect_view()}</ul>
                })}
                <h3>{i18n.t("grant-budget-heading")}</h3>
                <table>
                    <thead><tr>
                        <th scope="col">{i18n.t("budget-text-label")}</th>
                        <th scope="col">{i18n.t("budget-quote-label")}</th>
                        <th scope="col">{i18n.t("budget-amount-label")}</th>
                    </tr></thead>
                    <tbody>
                        {a.budget.iter().map(|l| view! {
                            <tr><td>{l.text.clone()}</td><td>{l.quote.clone()}</td><td>{kroner(i18n, l.amount)}</td></tr>
                        }).collect_view()}
                    </tbody>
                    <tfoot><tr><th scope="row" colspan="2">{i18n.t("budget-total")}</th><td>{kroner(i18n, a.budget_total())}</td></tr></tfoot>
                </table>
                <h3>{i18n.t("grant-own-heading")}</h3>
                <p>{i18n.t_with("rule-own", &[
                    ("cash", kroner(i18n, check.cash)),
                    ("hours", a.own_financing.volunteer_hours.to_string()),
                    ("hours_value", kroner(i18n, check.hours_value)),
                    ("own", kroner(i18n, check.own)),
                ])}</p>
                <p>{i18n.t_with("rule-required", &[("required", kroner(i18n, check.required))])}</p>
                {a.endorsement.as_ref().map(|e| view! {
                    <p>{i18n.t_with("grant-endorsed-by", &[("by", e.by.clone()), ("date", show_date(i18n, e.on))])}</p>
                })}
            </article>
        }
        .into_any()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::{Language, translate};

    #[test]
    fn every_status_has_a_name_in_both_languages() {
        for status in GrantStatus::ALL {
            for language in [Language::Danish, Language::English] {
                let key = status_key(*status);
                assert_ne!(
                    translate(language, key, None),
                    key,
                    "{language:?} lacks {key}"
                );
            }
        }
    }

    #[test]
    fn kroner_are_grouped_by_thousands_in_each_language() {
        let i18n = I18n::new(Language::Danish);
        assert_eq!(kroner(i18n, Dkk(1_234_567)), "1.234.567 kr.");
        assert_eq!(kroner(i18n, Dkk(500)), "500 kr.");
        assert_eq!(grouped(i18n, Dkk(-12_500)), "-12.500");
        i18n.set_language(Language::English);
        assert_eq!(kroner(i18n, Dkk(25_000)), "DKK 25,000");
    }
}
