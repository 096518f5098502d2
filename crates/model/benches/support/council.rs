//! A council document of a chosen size, edited the way a council edits its plan; shared
//! by the document benchmarks and the example that writes one to a file for the app's
//! load benchmark.

use landsbyplan_model::{
    ActionFields, ActionId, ActionStatus, PersonFields, PersonId, Role, Space, SpaceId, Stamp,
};

pub fn stamp(n: u64) -> Stamp {
    Stamp::new(format!("Person {}", n % 7), 1_780_000_000 + n as i64)
}

/// A council whose plan was edited the way a council edits it (members, actions, status
/// changes, vision typing), one change per edit, until it holds `ops` operations.
pub fn council_with(ops: u64) -> Space {
    let mut space = Space::create_council(SpaceId::from_random(1), "Vorbasse Lokalråd", &stamp(0))
        .expect("a valid edit");
    let mut vision = String::new();
    let mut n: u64 = 0;
    while space.size().0 < ops {
        n += 1;
        match n % 5 {
            0 => {
                let person = PersonId::from_random(u128::from(n));
                let fields = PersonFields {
                    name: format!("Borger {n}"),
                    contact: format!("{n}@example.invalid"),
                    role: Role::Citizen,
                };
                space
                    .add_member(person, &fields, &stamp(n))
                    .expect("a valid edit");
            }
            1 | 2 => {
                let action = ActionId::from_random(u128::from(n));
                space
                    .add_action(
                        action,
                        &ActionFields::titled(format!("Handling {n}")),
                        &stamp(n),
                    )
                    .expect("a valid edit");
            }
            3 => {
                let action = ActionId::from_random(u128::from(n - 1));
                space
                    .set_action_status(action, ActionStatus::Planned, &stamp(n))
                    .expect("a valid edit");
            }
            _ => {
                vision.push_str("Et godt sted. ");
                space.set_vision(&vision, &stamp(n)).expect("a valid edit");
            }
        }
    }
    space
}
