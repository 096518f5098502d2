//! Money in applications: whole kroner, own financing in cash and volunteer hours, and
//! the 25 % rule on the first DKK 100,000 worked out with every number shown.

use std::fmt;

/// An amount in whole Danish kroner.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Dkk(pub i64);

impl fmt::Display for Dkk {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// What one volunteer hour counts as in own financing.
pub const VOLUNTEER_HOUR_VALUE: Dkk = Dkk(100);
/// Own financing must cover a share of the budget up to this amount.
pub const OWN_FINANCING_BASE_CAP: Dkk = Dkk(100_000);
/// That share, in percent.
pub const OWN_FINANCING_PERCENT: i64 = 25;

/// Own financing: cash and volunteer hours.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct OwnFinancing {
    /// Cash the applicants put in.
    pub cash: Dkk,
    /// Volunteer hours budgeted.
    pub volunteer_hours: u32,
}

impl OwnFinancing {
    /// What the volunteer hours count as.
    pub fn hours_value(&self) -> Dkk {
        Dkk(i64::from(self.volunteer_hours) * VOLUNTEER_HOUR_VALUE.0)
    }

    /// Cash plus hours.
    pub fn total(&self) -> Dkk {
        Dkk(self.cash.0 + self.hours_value().0)
    }
}

/// The 25 % rule worked out, with every number a person needs to see why.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OwnFinancingCheck {
    /// The budget's total.
    pub budget: Dkk,
    /// The part of the budget the rule applies to: the first DKK 100,000.
    pub base: Dkk,
    /// 25 % of the base, rounded up to whole kroner.
    pub required: Dkk,
    /// Cash.
    pub cash: Dkk,
    /// Volunteer hours at DKK 100 an hour.
    pub hours_value: Dkk,
    /// Cash plus hours.
    pub own: Dkk,
}

impl OwnFinancingCheck {
    /// Works out the rule for `budget` and `own`.
    pub fn new(budget: Dkk, own: OwnFinancing) -> Self {
        let base = Dkk(budget.0.clamp(0, OWN_FINANCING_BASE_CAP.0));
        let required = Dkk((base.0 * OWN_FINANCING_PERCENT + 99) / 100);
        Self {
            budget,
            base,
            required,
            cash: own.cash,
            hours_value: own.hours_value(),
            own: own.total(),
        }
    }

    /// Whether own financing is enough.
    pub fn is_met(&self) -> bool {
        self.own >= self.required
    }
}
