//! Councils' development plans, meetings, and the network's focus areas and wheel.

#![allow(clippy::unwrap_used)]

use chrono::NaiveDate;
use landsbyplan_model::{
    ActionFields, ActionId, ActionStatus, Attendance, CouncilRef, DecisionId, Dkk, EventId,
    EventKind, EventState, FocusAreaId, GoalId, MeetingId, PersonFields, PersonId, PlanItem, Role,
    SEED_FOCUS_AREAS, Season, Space, SpaceId, Stamp, TaskId, WheelEventFields,
};

fn stamp(author: &str) -> Stamp {
    Stamp::new(author, 1_780_000_000)
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn council() -> Space {
    let mut space =
        Space::create_council(SpaceId::from_random(1), "Vorbasse Lokalråd", &stamp("Anna"))
            .unwrap();
    space
        .add_member(
            PersonId::from_random(1),
            &PersonFields {
                name: "Bo".into(),
                contact: String::new(),
                role: Role::Citizen,
            },
            &stamp("Anna"),
        )
        .unwrap();
    space
}

#[test]
fn two_people_typing_in_the_vision_at_once_keep_every_character() {
    let mut a = council();
    a.set_vision("Vorbasse er et godt sted.", &stamp("Anna"))
        .unwrap();
    let mut b = a.fork();
    a.set_vision("Vorbasse er et godt og grønt sted.", &stamp("Anna"))
        .unwrap();
    b.set_vision("Vorbasse er et godt sted for familier.", &stamp("Bo"))
        .unwrap();
    a.merge(&mut b).unwrap();
    assert_eq!(
        a.development_plan().vision,
        "Vorbasse er et godt og grønt sted for familier."
    );
}

#[test]
fn actions_carry_owner_deadline_cost_funding_and_status_and_filter_by_them() {
    let mut space = council();
    let nature = SEED_FOCUS_AREAS[0].0;
    space
        .add_goal(
            GoalId::from_random(1),
            nature,
            "Flere stier i skoven",
            &stamp("Anna"),
        )
        .unwrap();
    let path = ActionFields {
        goal: Some(GoalId::from_random(1)),
        focus_area: Some(nature),
        owner: Some(PersonId::from_random(1)),
        deadline: Some(date(2027, 6, 1)),
        cost: Some(Dkk(45_000)),
        funding: "Landdistriktspuljen".into(),
        status: ActionStatus::Planned,
        ..ActionFields::titled("Trampesti rundt om søen")
    };
    space
        .add_action(ActionId::from_random(1), &path, &stamp("Anna"))
        .unwrap();
    space
        .add_action(
            ActionId::from_random(2),
            &ActionFields::titled("Bænke ved kirken"),
            &stamp("Bo"),
        )
        .unwrap();
    let plan = space.development_plan();
    assert_eq!(plan.actions[0].fields, path);
    assert_eq!(plan.goals[0].text, "Flere stier i skoven");
    let planned: Vec<_> = plan
        .filtered(Some(ActionStatus::Planned), None)
        .map(|a| a.id)
        .collect();
    assert_eq!(planned, [ActionId::from_random(1)]);
    let ideas: Vec<_> = plan
        .filtered(None, Some(FocusAreaId::from_random(2)))
        .collect();
    assert!(ideas.is_empty());
    space
        .set_action_status(ActionId::from_random(2), ActionStatus::Done, &stamp("Bo"))
        .unwrap();
    assert_eq!(
        space
            .development_plan()
            .filtered(Some(ActionStatus::Done), None)
            .count(),
        1
    );
}

#[test]
fn an_action_moved_on_two_devices_at_once_appears_once() {
    let mut a = council();
    for n in 1..=3 {
        a.add_action(
            ActionId::from_random(n),
            &ActionFields::titled(format!("Handling {n}")),
            &stamp("Anna"),
        )
        .unwrap();
    }
    let mut b = a.fork();
    a.move_action(ActionId::from_random(3), 0, &stamp("Anna"))
        .unwrap();
    b.move_action(ActionId::from_random(3), 1, &stamp("Bo"))
        .unwrap();
    a.merge(&mut b).unwrap();
    let ids: Vec<_> = a.development_plan().actions.iter().map(|x| x.id).collect();
    assert_eq!(ids.len(), 3);
    assert!(ids.contains(&ActionId::from_random(3)));
}

#[test]
fn an_action_whose_goal_was_removed_serves_no_goal() {
    let mut space = council();
    space
        .add_goal(
            GoalId::from_random(1),
            SEED_FOCUS_AREAS[2].0,
            "Bedre busforbindelser",
            &stamp("Anna"),
        )
        .unwrap();
    space
        .add_action(
            ActionId::from_random(1),
            &ActionFields {
                goal: Some(GoalId::from_random(1)),
                ..ActionFields::titled("Tal med busselskabet")
            },
            &stamp("Anna"),
        )
        .unwrap();
    space
        .remove_goal(GoalId::from_random(1), &stamp("Anna"))
        .unwrap();
    assert_eq!(space.development_plan().actions[0].fields.goal, None);
}

#[test]
fn a_decision_taken_at_a_meeting_becomes_an_action_once_even_from_two_devices() {
    let mut a = council();
    let meeting = MeetingId::from_random(1);
    a.add_meeting(
        meeting,
        "Bestyrelsesmøde",
        Some(date(2027, 3, 4)),
        &stamp("Anna"),
    )
    .unwrap();
    a.set_agenda(meeting, "1. Legeplads\n2. Eventuelt", &stamp("Anna"))
        .unwrap();
    a.set_attendance(
        meeting,
        PersonId::from_random(1),
        Attendance::Present,
        &stamp("Anna"),
    )
    .unwrap();
    let decision = DecisionId::from_random(7);
    a.add_decision(
        meeting,
        decision,
        "Søg tilbud på legeredskaber",
        Some(PersonId::from_random(1)),
        Some(date(2027, 4, 1)),
        &stamp("Anna"),
    )
    .unwrap();
    let mut b = a.fork();
    let item = a
        .decision_to_plan(meeting, decision, &stamp("Anna"))
        .unwrap();
    b.decision_to_plan(meeting, decision, &stamp("Bo")).unwrap();
    a.merge(&mut b).unwrap();
    let actions = a.development_plan().actions;
    assert_eq!(actions.len(), 1);
    assert_eq!(item, PlanItem::Action(actions[0].id));
    assert_eq!(actions[0].fields.title, "Søg tilbud på legeredskaber");
    assert_eq!(actions[0].fields.owner, Some(PersonId::from_random(1)));
    assert_eq!(actions[0].fields.deadline, Some(date(2027, 4, 1)));
    let read = &a.meetings()[0];
    assert_eq!(read.present, [PersonId::from_random(1)]);
    assert_eq!(read.decisions[0].became, Some(item));
}

#[test]
fn in_a_group_a_decision_becomes_a_task() {
    let by = CouncilRef {
        space: SpaceId::from_random(9),
        name: "Vorbasse".into(),
    };
    let mut g = Space::create_project_group(
        SpaceId::from_random(2),
        "Stier",
        SEED_FOCUS_AREAS[2].0,
        &by,
        &stamp("Anna"),
    )
    .unwrap();
    let meeting = MeetingId::from_random(1);
    g.add_meeting(meeting, "Opstartsmøde", None, &stamp("Anna"))
        .unwrap();
    g.add_decision(
        meeting,
        DecisionId::from_random(3),
        "Tegn ruten",
        None,
        None,
        &stamp("Anna"),
    )
    .unwrap();
    let item = g
        .decision_to_plan(meeting, DecisionId::from_random(3), &stamp("Anna"))
        .unwrap();
    assert_eq!(item, PlanItem::Task(TaskId::from_random(3)));
    assert_eq!(g.project_plan().tasks[0].fields.title, "Tegn ruten");
}

#[test]
fn minutes_written_on_two_phones_in_one_meeting_merge() {
    let mut a = council();
    let meeting = MeetingId::from_random(1);
    a.add_meeting(meeting, "Årsmøde", None, &stamp("Anna"))
        .unwrap();
    let mut b = a.fork();
    a.set_minutes(meeting, "Punkt 1: godkendt.\n", &stamp("Anna"))
        .unwrap();
    b.set_minutes(meeting, "Punkt 2: udsat.\n", &stamp("Bo"))
        .unwrap();
    a.merge(&mut b).unwrap();
    let minutes = &a.meetings()[0].minutes;
    assert!(
        minutes.contains("Punkt 1: godkendt.") && minutes.contains("Punkt 2: udsat."),
        "{minutes}"
    );
}

#[test]
fn a_new_network_has_the_three_confirmed_focus_areas_and_the_consultant_edits_the_list() {
    let mut network = Space::create_network(
        SpaceId::from_random(1),
        "Billund landdistrikter",
        &stamp("Konsulent"),
    )
    .unwrap();
    let names: Vec<_> = network.focus_areas().into_iter().map(|f| f.name).collect();
    assert_eq!(
        names,
        [
            "Mobilitet",
            "Natur-, kultur- og fritidstilbud",
            "Områdefornyelse"
        ]
    );
    network
        .add_focus_area(
            FocusAreaId::from_random(4),
            "Bosætning",
            "",
            &stamp("Konsulent"),
        )
        .unwrap();
    network
        .edit_focus_area(
            SEED_FOCUS_AREAS[2].0,
            "Mobilitet og transport",
            "",
            &stamp("Konsulent"),
        )
        .unwrap();
    network
        .remove_focus_area(SEED_FOCUS_AREAS[1].0, &stamp("Konsulent"))
        .unwrap();
    let names: Vec<_> = network.focus_areas().into_iter().map(|f| f.name).collect();
    assert_eq!(
        names,
        [
            "Bosætning",
            "Mobilitet og transport",
            "Natur-, kultur- og fritidstilbud"
        ]
    );
}

#[test]
fn the_years_standard_events_fall_in_their_seasons_and_prefilling_twice_adds_nothing() {
    let mut network =
        Space::create_network(SpaceId::from_random(1), "Billund", &stamp("Konsulent")).unwrap();
    let councils = [
        CouncilRef {
            space: SpaceId::from_random(11),
            name: "Vorbasse".into(),
        },
        CouncilRef {
            space: SpaceId::from_random(12),
            name: "Hejnsvig".into(),
        },
    ];
    let mut other = network.fork();
    assert_eq!(
        network
            .prefill_year(2027, &councils, &stamp("Konsulent"))
            .unwrap(),
        10
    );
    assert_eq!(
        network
            .prefill_year(2027, &councils, &stamp("Konsulent"))
            .unwrap(),
        0
    );
    other
        .prefill_year(2027, &councils, &stamp("Anden enhed"))
        .unwrap();
    network.merge(&mut other).unwrap();
    let events = network.wheel(Some(2027));
    assert_eq!(events.len(), 10, "prefilled on two devices, one set");
    let season_of = |kind| {
        events
            .iter()
            .find(|e| e.fields.kind == kind)
            .unwrap()
            .season()
    };
    assert_eq!(season_of(EventKind::EnthusiastWorkshop), Season::Winter);
    assert_eq!(season_of(EventKind::ThemeAndBudgetMeeting), Season::Spring);
    assert_eq!(season_of(EventKind::DialogueMeeting), Season::Autumn);
    let deadlines: Vec<_> = events
        .iter()
        .filter(|e| e.fields.kind == EventKind::GrantDeadline)
        .map(|e| e.fields.date)
        .collect();
    assert_eq!(
        deadlines,
        [
            date(2027, 2, 15),
            date(2027, 5, 15),
            date(2027, 8, 15),
            date(2027, 11, 15)
        ]
    );
    let april = events
        .iter()
        .find(|e| e.fields.kind == EventKind::RuralCouncilAnnualMeeting)
        .unwrap();
    assert_eq!(april.fields.date.format("%m").to_string(), "04");
    assert!(network.wheel(Some(2028)).is_empty());
}

#[test]
fn an_event_is_moved_and_cancelled_and_stays_on_the_wheel_marked() {
    let mut network =
        Space::create_network(SpaceId::from_random(1), "Billund", &stamp("Konsulent")).unwrap();
    network
        .prefill_year(2027, &[], &stamp("Konsulent"))
        .unwrap();
    let mut workshop = network
        .wheel(Some(2027))
        .into_iter()
        .find(|e| e.fields.kind == EventKind::EnthusiastWorkshop)
        .unwrap();
    workshop.fields.date = date(2027, 2, 3);
    network
        .update_event(workshop.id, &workshop.fields, &stamp("Konsulent"))
        .unwrap();
    network
        .set_event_state(workshop.id, EventState::Cancelled, &stamp("Konsulent"))
        .unwrap();
    let read = network
        .wheel(Some(2027))
        .into_iter()
        .find(|e| e.id == workshop.id)
        .unwrap();
    assert_eq!(
        (read.fields.date, read.state),
        (date(2027, 2, 3), EventState::Cancelled)
    );
}

#[test]
fn the_pools_rounds_keep_their_budgets_in_date_order() {
    use landsbyplan_model::GrantRound;
    let mut network =
        Space::create_network(SpaceId::from_random(1), "Billund", &stamp("Konsulent")).unwrap();
    let (may, feb) = (
        GrantRound {
            year: 2027,
            quarter: 2,
        },
        GrantRound {
            year: 2027,
            quarter: 1,
        },
    );
    network
        .set_round_budget(may, Dkk(265_000), &stamp("Konsulent"))
        .unwrap();
    network
        .set_round_budget(feb, Dkk(265_000), &stamp("Konsulent"))
        .unwrap();
    network
        .set_round_budget(feb, Dkk(300_000), &stamp("Konsulent"))
        .unwrap();
    assert_eq!(
        network.round_budgets(),
        [(feb, Dkk(300_000)), (may, Dkk(265_000))]
    );
}

#[test]
fn a_council_presents_its_plan_every_fourth_year_after_the_one_on_the_wheel() {
    let mut network =
        Space::create_network(SpaceId::from_random(1), "Billund", &stamp("Konsulent")).unwrap();
    let vorbasse = CouncilRef {
        space: SpaceId::from_random(11),
        name: "Vorbasse".into(),
    };
    let hejnsvig = CouncilRef {
        space: SpaceId::from_random(12),
        name: "Hejnsvig".into(),
    };
    network
        .add_event(
            EventId::from_random(99),
            &WheelEventFields {
                title: "Vorbasse fremlægger sin plan".into(),
                kind: EventKind::PlanPresentation,
                date: date(2026, 6, 3),
                invites: "Økonomiudvalget".into(),
                council: Some(vorbasse.space),
            },
            &stamp("Konsulent"),
        )
        .unwrap();
    let councils = [vorbasse.clone(), hejnsvig];
    let presentations = |network: &Space, year| -> Vec<_> {
        network
            .wheel(Some(year))
            .into_iter()
            .filter(|e| e.fields.kind == EventKind::PlanPresentation)
            .map(|e| (e.fields.date, e.fields.council))
            .collect()
    };
    for year in [2027, 2028, 2029] {
        network
            .prefill_year(year, &councils, &stamp("Konsulent"))
            .unwrap();
        assert!(presentations(&network, year).is_empty(), "{year}");
    }
    network
        .prefill_year(2030, &councils, &stamp("Konsulent"))
        .unwrap();
    assert_eq!(
        presentations(&network, 2030),
        [(date(2030, 6, 3), Some(vorbasse.space))],
        "four years on, on the same day; a council with none on the wheel gets none"
    );
    network
        .prefill_year(2034, &councils, &stamp("Konsulent"))
        .unwrap();
    assert_eq!(
        presentations(&network, 2034).len(),
        1,
        "and four years after that"
    );
}
