//! Property tests: random domain edits on 3–5 replicas of one space, exchanged and merged
//! in random orders, always converge to the same state and keep every rule; merging
//! again changes nothing. The number of cases is `LANDSBYPLAN_CASES` (10,000 in the test
//! command; 256 without it).

#![allow(clippy::unwrap_used)]

use landsbyplan_model::{
    ActionFields, ActionId, ActionStatus, CouncilRef, FocusAreaId, GoalId, PersonFields, PersonId,
    Problem, Role, Space, SpaceId, Stamp, TaskFields, TaskId, TaskStatus,
};
use proptest::prelude::*;

fn stamp(replica: usize) -> Stamp {
    Stamp::new(format!("Replica {replica}"), 1_780_000_000 + replica as i64)
}

fn person(n: u8) -> PersonId {
    PersonId::from_random(u128::from(n) + 1)
}

fn council(n: u8) -> CouncilRef {
    CouncilRef {
        space: SpaceId::from_random(u128::from(n) + 100),
        name: format!("Lokalråd {n}"),
    }
}

const NAMES: [&str; 4] = ["Anna", "Bo", "Carl", "Dorthe"];
const WORDS: [&str; 4] = ["sti ", "hal ", "bus ", "legeplads "];

#[derive(Clone, Debug)]
enum GroupOp {
    AddMember(u8, u8),
    RenameMember(u8, u8),
    RemoveMember(u8),
    SetLeader(Option<u8>),
    AddTask(u8, Option<u8>),
    SetTaskOwner(u8, Option<u8>),
    SetTaskStatus(u8, u8),
    RemoveTask(u8),
    MoveTask(u8, u8),
    InviteCouncil(u8),
    RemoveCouncil(u8),
    TypeGoal(u8, u8),
}

fn group_op() -> impl Strategy<Value = GroupOp> + Clone {
    // Few people, tasks and councils, so that edits on different replicas meet.
    let p = 0..3u8;
    prop_oneof![
        3 => (p.clone(), 0..4u8).prop_map(|(p, n)| GroupOp::AddMember(p, n)),
        1 => (p.clone(), 0..4u8).prop_map(|(p, n)| GroupOp::RenameMember(p, n)),
        2 => p.clone().prop_map(GroupOp::RemoveMember),
        3 => proptest::option::weighted(0.9, p.clone()).prop_map(GroupOp::SetLeader),
        2 => (0..4u8, proptest::option::of(p.clone())).prop_map(|(t, o)| GroupOp::AddTask(t, o)),
        2 => (0..4u8, proptest::option::of(p)).prop_map(|(t, o)| GroupOp::SetTaskOwner(t, o)),
        1 => (0..4u8, 0..3u8).prop_map(|(t, s)| GroupOp::SetTaskStatus(t, s)),
        1 => (0..4u8).prop_map(GroupOp::RemoveTask),
        1 => (0..4u8, 0..4u8).prop_map(|(t, i)| GroupOp::MoveTask(t, i)),
        1 => (0..3u8).prop_map(GroupOp::InviteCouncil),
        1 => (0..3u8).prop_map(GroupOp::RemoveCouncil),
        1 => (0..40u8, 0..4u8).prop_map(|(at, w)| GroupOp::TypeGoal(at, w)),
    ]
}

/// Applies `op`; refusals (say, removing the last council) are part of the domain.
fn apply_group(space: &mut Space, op: &GroupOp, stamp: &Stamp) {
    let task = |t: u8| TaskId::from_random(u128::from(t) + 1);
    let _ = match op {
        GroupOp::AddMember(p, n) | GroupOp::RenameMember(p, n) => {
            let fields = PersonFields {
                name: NAMES[*n as usize].to_owned(),
                contact: String::new(),
                role: Role::Citizen,
            };
            if matches!(op, GroupOp::AddMember(..)) {
                space.add_member(person(*p), &fields, stamp)
            } else {
                space.update_member(person(*p), &fields, stamp)
            }
        }
        GroupOp::RemoveMember(p) => space.remove_member(person(*p), stamp),
        GroupOp::SetLeader(p) => space.set_leader(p.map(person), stamp),
        GroupOp::AddTask(t, owner) => space.add_task(
            task(*t),
            &TaskFields {
                owner: owner.map(person),
                ..TaskFields::titled(format!("Opgave {t}"))
            },
            stamp,
        ),
        GroupOp::SetTaskOwner(t, owner) => {
            match space
                .project_plan()
                .tasks
                .into_iter()
                .find(|x| x.id == task(*t))
            {
                Some(found) => space.update_task(
                    found.id,
                    &TaskFields {
                        owner: owner.map(person),
                        ..found.fields
                    },
                    stamp,
                ),
                None => Ok(()),
            }
        }
        GroupOp::SetTaskStatus(t, s) => {
            space.set_task_status(task(*t), TaskStatus::ALL[*s as usize], stamp)
        }
        GroupOp::RemoveTask(t) => space.remove_task(task(*t), stamp),
        GroupOp::MoveTask(t, to) => space.move_task(task(*t), *to as usize, stamp),
        GroupOp::InviteCouncil(c) => space.invite_council(&council(*c), stamp),
        GroupOp::RemoveCouncil(c) => space.remove_council(council(*c).space, stamp),
        GroupOp::TypeGoal(at, w) => {
            let mut goal = space.project_plan().goal;
            let mut at = (*at as usize).min(goal.chars().count());
            while !goal.is_char_boundary(at) {
                at -= 1;
            }
            goal.insert_str(at, WORDS[*w as usize]);
            space.set_group_goal(&goal, stamp)
        }
    };
}

/// The rules every read of a group keeps, whatever was merged.
fn check_group_rules(space: &Space) -> Result<(), TestCaseError> {
    let group = space.project_group().unwrap();
    let members: Vec<PersonId> = group.members.iter().map(|p| p.id).collect();
    if let Some(leader) = group.leader {
        prop_assert!(members.contains(&leader), "the leader is a member");
    }
    let mut seen = Vec::new();
    for task in &group.plan.tasks {
        prop_assert!(!seen.contains(&task.id), "each task once in the plan");
        seen.push(task.id);
        if let Some(owner) = task.fields.owner {
            prop_assert!(members.contains(&owner), "a task's owner is a member");
        }
    }
    prop_assert_eq!(
        group.councils.is_empty(),
        space.problems().contains(&Problem::GroupWithoutCouncil),
        "a group without a council is shown as a problem"
    );
    Ok(())
}

#[derive(Clone, Debug)]
enum Step<Op> {
    Edit(usize, Op),
    Sync(usize, usize),
}

fn steps<Op: Clone + std::fmt::Debug>(
    op: impl Strategy<Value = Op> + Clone,
) -> impl Strategy<Value = (usize, Vec<Step<Op>>, Vec<usize>)> {
    (3..=5usize).prop_flat_map(move |replicas| {
        let step = prop_oneof![
            2 => (0..replicas, op.clone()).prop_map(|(r, op)| Step::Edit(r, op)),
            1 => (0..replicas, 0..replicas).prop_map(|(a, b)| Step::Sync(a, b)),
        ];
        (
            Just(replicas),
            proptest::collection::vec(step, 1..40),
            Just((0..replicas).collect::<Vec<_>>()).prop_shuffle(),
        )
    })
}

/// Runs the steps, then merges every replica into one in `order` and that one back into
/// all; checks they agree, keep the rules, and that merging again changes nothing.
fn converge<Op>(
    mut replicas: Vec<Space>,
    steps: &[Step<Op>],
    order: &[usize],
    apply: impl Fn(&mut Space, &Op, &Stamp),
    check: impl Fn(&Space) -> Result<(), TestCaseError>,
    view: impl Fn(&Space) -> String,
) -> Result<(), TestCaseError> {
    for step in steps {
        match step {
            Step::Edit(r, op) => {
                apply(&mut replicas[*r], op, &stamp(*r));
                check(&replicas[*r])?;
            }
            Step::Sync(from, to) if from != to => {
                let mut source = replicas[*from].fork();
                replicas[*to].merge(&mut source).unwrap();
                check(&replicas[*to])?;
            }
            Step::Sync(..) => {}
        }
    }
    let (first, rest) = order.split_first().unwrap();
    let mut all = replicas[*first].fork();
    for r in rest {
        all.merge(&mut replicas[*r]).unwrap();
    }
    for replica in &mut replicas {
        replica.merge(&mut all.fork()).unwrap();
    }
    let heads = replicas[0].heads();
    let seen = view(&replicas[0]);
    for replica in &mut replicas {
        prop_assert_eq!(replica.heads(), heads.clone());
        prop_assert_eq!(view(replica), seen.clone());
        check(replica)?;
        let before = replica.heads();
        replica.merge(&mut all.fork()).unwrap();
        prop_assert_eq!(replica.heads(), before, "merging again changes nothing");
    }
    Ok(())
}

fn new_group() -> Space {
    Space::create_project_group(
        SpaceId::from_random(42),
        "Stier mellem byerne",
        FocusAreaId::from_random(3),
        &council(0),
        &stamp(0),
    )
    .unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(
        std::env::var("LANDSBYPLAN_CASES").ok().and_then(|c| c.parse().ok()).unwrap_or(256)
    ))]

    #[test]
    fn project_group_replicas_converge_and_keep_the_rules((n, steps, order) in steps(group_op())) {
        let mut origin = new_group();
        let replicas = (0..n).map(|_| origin.fork()).collect();
        converge(replicas, &steps, &order, apply_group, check_group_rules, |s| {
            format!("{:?}", s.project_group().unwrap())
        })?;
    }

    #[test]
    fn council_replicas_converge_and_keep_the_rules((n, steps, order) in steps(council_op())) {
        let mut origin = Space::create_council(SpaceId::from_random(7), "Vorbasse", &stamp(0)).unwrap();
        let replicas = (0..n).map(|_| origin.fork()).collect();
        converge(replicas, &steps, &order, apply_council, check_council_rules, |s| {
            format!("{:?} {:?}", s.development_plan(), s.members())
        })?;
    }
}

#[derive(Clone, Debug)]
enum CouncilOp {
    AddMember(u8),
    RemoveMember(u8),
    TypeVision(u8, u8),
    DeleteVision(u8, u8),
    AddGoal(u8, u8),
    RemoveGoal(u8),
    AddAction(u8, Option<u8>, Option<u8>),
    SetActionStatus(u8, u8),
    RemoveAction(u8),
    MoveAction(u8, u8),
}

fn council_op() -> impl Strategy<Value = CouncilOp> + Clone {
    prop_oneof![
        (0..4u8).prop_map(CouncilOp::AddMember),
        (0..4u8).prop_map(CouncilOp::RemoveMember),
        (0..60u8, 0..4u8).prop_map(|(at, w)| CouncilOp::TypeVision(at, w)),
        (0..60u8, 1..5u8).prop_map(|(at, n)| CouncilOp::DeleteVision(at, n)),
        (0..4u8, 1..4u8).prop_map(|(g, f)| CouncilOp::AddGoal(g, f)),
        (0..4u8).prop_map(CouncilOp::RemoveGoal),
        (
            0..6u8,
            proptest::option::of(0..4u8),
            proptest::option::of(0..4u8)
        )
            .prop_map(|(a, o, g)| CouncilOp::AddAction(a, o, g)),
        (0..6u8, 0..5u8).prop_map(|(a, s)| CouncilOp::SetActionStatus(a, s)),
        (0..6u8).prop_map(CouncilOp::RemoveAction),
        (0..6u8, 0..6u8).prop_map(|(a, i)| CouncilOp::MoveAction(a, i)),
    ]
}

fn apply_council(space: &mut Space, op: &CouncilOp, stamp: &Stamp) {
    let action = |a: u8| ActionId::from_random(u128::from(a) + 1);
    let goal = |g: u8| GoalId::from_random(u128::from(g) + 1);
    let _ = match op {
        CouncilOp::AddMember(p) => space.add_member(
            person(*p),
            &PersonFields {
                name: NAMES[*p as usize].to_owned(),
                contact: String::new(),
                role: Role::Citizen,
            },
            stamp,
        ),
        CouncilOp::RemoveMember(p) => space.remove_member(person(*p), stamp),
        CouncilOp::TypeVision(at, w) => {
            let mut vision: Vec<char> = space.development_plan().vision.chars().collect();
            let at = (*at as usize).min(vision.len());
            vision.splice(at..at, WORDS[*w as usize].chars());
            space.set_vision(&vision.into_iter().collect::<String>(), stamp)
        }
        CouncilOp::DeleteVision(at, n) => {
            let mut vision: Vec<char> = space.development_plan().vision.chars().collect();
            let at = (*at as usize).min(vision.len());
            let end = (at + *n as usize).min(vision.len());
            vision.drain(at..end);
            space.set_vision(&vision.into_iter().collect::<String>(), stamp)
        }
        CouncilOp::AddGoal(g, f) => space.add_goal(
            goal(*g),
            FocusAreaId::from_random(u128::from(*f)),
            &format!("Mål {g}"),
            stamp,
        ),
        CouncilOp::RemoveGoal(g) => space.remove_goal(goal(*g), stamp),
        CouncilOp::AddAction(a, owner, g) => space.add_action(
            action(*a),
            &ActionFields {
                owner: owner.map(person),
                goal: g.map(goal),
                ..ActionFields::titled(format!("Handling {a}"))
            },
            stamp,
        ),
        CouncilOp::SetActionStatus(a, s) => {
            space.set_action_status(action(*a), ActionStatus::ALL[*s as usize], stamp)
        }
        CouncilOp::RemoveAction(a) => space.remove_action(action(*a), stamp),
        CouncilOp::MoveAction(a, to) => space.move_action(action(*a), *to as usize, stamp),
    };
}

fn check_council_rules(space: &Space) -> Result<(), TestCaseError> {
    let plan = space.development_plan();
    let members: Vec<PersonId> = space.members().iter().map(|p| p.id).collect();
    let goals: Vec<GoalId> = plan.goals.iter().map(|g| g.id).collect();
    let mut seen = Vec::new();
    for action in &plan.actions {
        prop_assert!(!seen.contains(&action.id), "each action once in the plan");
        seen.push(action.id);
        if let Some(owner) = action.fields.owner {
            prop_assert!(members.contains(&owner), "an action's owner is a member");
        }
        if let Some(goal) = action.fields.goal {
            prop_assert!(goals.contains(&goal), "an action serves an existing goal");
        }
    }
    Ok(())
}
