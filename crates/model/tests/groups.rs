//! Project groups: the domain's rules, each under concurrent edits, and the consultant's
//! merge of two groups.

#![allow(clippy::unwrap_used)]

use landsbyplan_model::{
    CouncilRef, CouncilRole, Error, FocusAreaId, PersonFields, PersonId, Problem, Role, Space,
    SpaceId, Stamp, TaskFields, TaskId, TaskStatus, groups_on_focus_area, merge_groups,
    preview_group_merge,
};

fn stamp(author: &str) -> Stamp {
    Stamp::new(author, 1_780_000_000)
}

fn council(n: u128, name: &str) -> CouncilRef {
    CouncilRef {
        space: SpaceId::from_random(1000 + n),
        name: name.to_owned(),
    }
}

const MOBILITY: FocusAreaId = FocusAreaId::from_random(3);

fn group(id: u128, name: &str, focus: FocusAreaId, by: &CouncilRef) -> Space {
    Space::create_project_group(SpaceId::from_random(id), name, focus, by, &stamp("Anna")).unwrap()
}

fn person(name: &str, role: Role) -> PersonFields {
    PersonFields {
        name: name.to_owned(),
        contact: format!("{name}@example.invalid"),
        role,
    }
}

fn with_members(space: &mut Space, names: &[(u128, &str)]) {
    for (id, name) in names {
        space
            .add_member(
                PersonId::from_random(*id),
                &person(name, Role::Citizen),
                &stamp("Anna"),
            )
            .unwrap();
    }
}

#[test]
fn a_new_group_has_its_focus_area_and_its_initiating_council() {
    let g = group(1, "Cykelstier", MOBILITY, &council(1, "Vorbasse Lokalråd"));
    let read = g.project_group().unwrap();
    assert_eq!(read.focus_area, Some(MOBILITY));
    assert_eq!(read.councils.len(), 1);
    assert_eq!(read.councils[0].role, CouncilRole::Initiating);
    assert_eq!(read.councils[0].council.name, "Vorbasse Lokalråd");
    assert!(g.problems().is_empty());
}

#[test]
fn the_last_council_cannot_be_removed_but_an_invited_one_can() {
    let vorbasse = council(1, "Vorbasse");
    let mut g = group(1, "Cykelstier", MOBILITY, &vorbasse);
    assert!(matches!(
        g.remove_council(vorbasse.space, &stamp("Bo")),
        Err(Error::LastCouncil)
    ));
    let hejnsvig = council(2, "Hejnsvig");
    g.invite_council(&hejnsvig, &stamp("Konsulent")).unwrap();
    assert_eq!(g.group_councils()[1].role, CouncilRole::Invited);
    g.remove_council(hejnsvig.space, &stamp("Bo")).unwrap();
    assert_eq!(g.group_councils().len(), 1);
}

#[test]
fn councils_removed_on_two_devices_at_once_leave_a_problem_to_fix_not_a_panic() {
    let (a_council, b_council) = (council(1, "Vorbasse"), council(2, "Hejnsvig"));
    let mut a = group(1, "Cykelstier", MOBILITY, &a_council);
    a.invite_council(&b_council, &stamp("Konsulent")).unwrap();
    let mut b = a.fork();
    a.remove_council(a_council.space, &stamp("Anna")).unwrap();
    b.remove_council(b_council.space, &stamp("Bo")).unwrap();
    a.merge(&mut b).unwrap();
    assert!(a.group_councils().is_empty());
    assert_eq!(a.problems(), vec![Problem::GroupWithoutCouncil]);
    a.invite_council(&a_council, &stamp("Anna")).unwrap();
    assert!(a.problems().is_empty());
}

#[test]
fn only_a_member_can_be_chosen_as_leader() {
    let mut g = group(1, "Cykelstier", MOBILITY, &council(1, "Vorbasse"));
    let err = g.set_leader(Some(PersonId::from_random(5)), &stamp("Anna"));
    assert!(matches!(err, Err(Error::NotAMember)));
    with_members(&mut g, &[(5, "Eva")]);
    g.set_leader(Some(PersonId::from_random(5)), &stamp("Anna"))
        .unwrap();
    assert_eq!(g.leader(), Some(PersonId::from_random(5)));
    g.set_leader(None, &stamp("Anna")).unwrap();
    assert_eq!(g.leader(), None);
}

#[test]
fn two_leaders_chosen_at_once_resolve_to_the_same_one_member_everywhere() {
    let mut a = group(1, "Cykelstier", MOBILITY, &council(1, "Vorbasse"));
    with_members(&mut a, &[(1, "Anna"), (2, "Bo")]);
    let mut b = a.fork();
    a.set_leader(Some(PersonId::from_random(1)), &stamp("Anna"))
        .unwrap();
    b.set_leader(Some(PersonId::from_random(2)), &stamp("Bo"))
        .unwrap();
    let mut a2 = a.fork();
    a.merge(&mut b).unwrap();
    b.merge(&mut a2).unwrap();
    let leader = a.leader();
    assert!(leader.is_some());
    assert_eq!(leader, b.leader());
    assert_eq!(
        a.conflicts().len(),
        1,
        "the choice is offered as a conflict"
    );
}

#[test]
fn a_leader_removed_while_someone_else_chose_them_leaves_no_leader_or_the_other_choice() {
    let mut a = group(1, "Cykelstier", MOBILITY, &council(1, "Vorbasse"));
    with_members(&mut a, &[(1, "Anna"), (2, "Bo")]);
    let mut b = a.fork();
    let mut c = a.fork();
    a.set_leader(Some(PersonId::from_random(1)), &stamp("Anna"))
        .unwrap();
    b.remove_member(PersonId::from_random(1), &stamp("Bo"))
        .unwrap();
    a.merge(&mut b).unwrap();
    assert_eq!(a.leader(), None, "the chosen leader is gone");

    c.set_leader(Some(PersonId::from_random(2)), &stamp("Carl"))
        .unwrap();
    a.merge(&mut c).unwrap();
    assert_eq!(
        a.leader(),
        Some(PersonId::from_random(2)),
        "the concurrent choice of a member stands"
    );
}

#[test]
fn removing_the_leader_ends_their_leadership_in_the_same_change() {
    let mut g = group(1, "Cykelstier", MOBILITY, &council(1, "Vorbasse"));
    with_members(&mut g, &[(1, "Anna")]);
    g.set_leader(Some(PersonId::from_random(1)), &stamp("Anna"))
        .unwrap();
    g.remove_member(PersonId::from_random(1), &stamp("Anna"))
        .unwrap();
    assert_eq!(g.leader(), None);
    assert!(g.conflicts().is_empty());
}

#[test]
fn a_task_whose_owner_was_removed_reads_as_unowned() {
    let mut a = group(1, "Cykelstier", MOBILITY, &council(1, "Vorbasse"));
    with_members(&mut a, &[(1, "Anna")]);
    let mut b = a.fork();
    let task = TaskId::from_random(1);
    a.add_task(
        task,
        &TaskFields {
            owner: Some(PersonId::from_random(1)),
            ..TaskFields::titled("Kort over stier")
        },
        &stamp("Anna"),
    )
    .unwrap();
    b.remove_member(PersonId::from_random(1), &stamp("Bo"))
        .unwrap();
    a.merge(&mut b).unwrap();
    assert_eq!(a.project_plan().tasks[0].fields.owner, None);
}

#[test]
fn a_task_owner_must_be_a_member() {
    let mut g = group(1, "Cykelstier", MOBILITY, &council(1, "Vorbasse"));
    let err = g.add_task(
        TaskId::from_random(1),
        &TaskFields {
            owner: Some(PersonId::from_random(9)),
            ..TaskFields::titled("Kort")
        },
        &stamp("Anna"),
    );
    assert!(matches!(err, Err(Error::NotAMember)));
}

#[test]
fn progress_counts_done_tasks() {
    let mut g = group(1, "Cykelstier", MOBILITY, &council(1, "Vorbasse"));
    for n in 1..=4 {
        g.add_task(
            TaskId::from_random(n),
            &TaskFields::titled(format!("Opgave {n}")),
            &stamp("Anna"),
        )
        .unwrap();
    }
    g.set_task_status(TaskId::from_random(2), TaskStatus::Done, &stamp("Anna"))
        .unwrap();
    g.set_task_status(TaskId::from_random(3), TaskStatus::Doing, &stamp("Anna"))
        .unwrap();
    assert_eq!(g.project_plan().progress(), (1, 4));
}

#[test]
fn tasks_keep_the_order_they_are_moved_into() {
    let mut g = group(1, "Cykelstier", MOBILITY, &council(1, "Vorbasse"));
    for n in 1..=3 {
        g.add_task(
            TaskId::from_random(n),
            &TaskFields::titled(format!("Opgave {n}")),
            &stamp("Anna"),
        )
        .unwrap();
    }
    g.move_task(TaskId::from_random(3), 0, &stamp("Anna"))
        .unwrap();
    let titles: Vec<_> = g
        .project_plan()
        .tasks
        .into_iter()
        .map(|t| t.fields.title)
        .collect();
    assert_eq!(titles, ["Opgave 3", "Opgave 1", "Opgave 2"]);
}

#[test]
fn existing_active_groups_on_a_focus_area_are_found_before_starting_another() {
    let vorbasse = council(1, "Vorbasse");
    let mobility = group(1, "Cykelstier", MOBILITY, &vorbasse);
    let other = group(2, "Forsamlingshus", FocusAreaId::from_random(2), &vorbasse);
    let spaces = [mobility, other];
    let found = groups_on_focus_area(&spaces, MOBILITY);
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].name(), "Cykelstier");
}

#[test]
fn merging_two_groups_keeps_every_member_task_council_and_the_history_of_both() {
    let (vorbasse, hejnsvig) = (council(1, "Vorbasse"), council(2, "Hejnsvig"));
    let mut survivor = group(1, "Stier i Vorbasse", MOBILITY, &vorbasse);
    let mut absorbed = group(2, "Stier i Hejnsvig", MOBILITY, &hejnsvig);
    with_members(&mut survivor, &[(1, "Anna"), (2, "Bo")]);
    with_members(&mut absorbed, &[(3, "Anna"), (4, "Carl")]);
    survivor
        .set_leader(Some(PersonId::from_random(1)), &stamp("Anna"))
        .unwrap();
    absorbed
        .add_task(
            TaskId::from_random(10),
            &TaskFields {
                owner: Some(PersonId::from_random(3)),
                ..TaskFields::titled("Kortlæg stier")
            },
            &stamp("Carl"),
        )
        .unwrap();
    absorbed
        .add_task(
            TaskId::from_random(11),
            &TaskFields {
                owner: Some(PersonId::from_random(4)),
                ..TaskFields::titled("Søg midler")
            },
            &stamp("Carl"),
        )
        .unwrap();
    survivor
        .add_task(
            TaskId::from_random(12),
            &TaskFields::titled("Møde med kommunen"),
            &stamp("Bo"),
        )
        .unwrap();
    let absorbed_changes = absorbed.history().len();

    let preview = preview_group_merge(&survivor, &absorbed).unwrap();
    assert_eq!(preview.members_added, ["Carl"]);
    assert_eq!(preview.members_matched, ["Anna"]);
    assert_eq!(preview.councils_added, ["Hejnsvig"]);
    assert_eq!(preview.tasks_added, 2);

    let done = merge_groups(&mut survivor, &mut absorbed, &stamp("Konsulent")).unwrap();
    assert_eq!(done, preview, "the merge does what the preview said");
    let merged = survivor.project_group().unwrap();
    let names: Vec<_> = merged
        .members
        .iter()
        .map(|p| p.fields.name.as_str())
        .collect();
    assert_eq!(names, ["Anna", "Bo", "Carl"]);
    assert_eq!(merged.councils.len(), 2);
    assert_eq!(merged.leader, Some(PersonId::from_random(1)));
    let tasks: Vec<_> = merged
        .plan
        .tasks
        .iter()
        .map(|t| (t.fields.title.as_str(), t.fields.owner))
        .collect();
    assert_eq!(
        tasks,
        [
            ("Møde med kommunen", None),
            ("Kortlæg stier", Some(PersonId::from_random(1))),
            ("Søg midler", Some(PersonId::from_random(4))),
        ],
        "tasks come over with their owners matched to the survivor's members"
    );
    let record = survivor.absorbed_groups();
    assert_eq!(record.len(), 1);
    assert_eq!(record[0].name, "Stier i Hejnsvig");
    assert_eq!(record[0].merged_by, "Konsulent");
    assert_eq!(record[0].history.len(), absorbed_changes);
    assert_eq!(absorbed.merged_into(), Some(survivor.id()));
    assert_eq!(
        absorbed.project_plan().tasks.len(),
        2,
        "the absorbed group keeps its own record"
    );
    assert!(!absorbed.is_active_group());
}

#[test]
fn groups_on_different_focus_areas_are_not_merged() {
    let vorbasse = council(1, "Vorbasse");
    let mut a = group(1, "Stier", MOBILITY, &vorbasse);
    let mut b = group(2, "Forsamlingshus", FocusAreaId::from_random(2), &vorbasse);
    assert!(matches!(
        merge_groups(&mut a, &mut b, &stamp("K")),
        Err(Error::DifferentFocusAreas)
    ));
}

#[test]
fn a_group_is_merged_away_only_once() {
    let vorbasse = council(1, "Vorbasse");
    let mut a = group(1, "Stier", MOBILITY, &vorbasse);
    let mut b = group(2, "Flere stier", MOBILITY, &vorbasse);
    let mut c = group(3, "Endnu flere stier", MOBILITY, &vorbasse);
    merge_groups(&mut a, &mut b, &stamp("K")).unwrap();
    assert!(matches!(
        merge_groups(&mut c, &mut b, &stamp("K")),
        Err(Error::AlreadyMerged)
    ));
}

#[test]
fn council_operations_on_a_group_are_refused_with_the_kinds_named() {
    let mut g = group(1, "Stier", MOBILITY, &council(1, "Vorbasse"));
    let err = g.set_vision("Vision", &stamp("Anna")).unwrap_err();
    assert_eq!(
        err.to_string(),
        "this is a project-group space; that needs a council space"
    );
}
