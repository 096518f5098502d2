//! The pool's rounds: four a year, with deadlines on the 15th of February, May, August
//! and November.

use std::fmt;
use std::str::FromStr;

use chrono::{Datelike, NaiveDate};

use crate::{Error, Result};

/// One of the pool's four yearly rounds, with deadlines on 15 February, May, August and
/// November.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct GrantRound {
    /// The year.
    pub year: i32,
    /// 1 to 4: February, May, August, November.
    pub quarter: u8,
}

impl GrantRound {
    /// The round's application deadline.
    pub fn deadline(self) -> NaiveDate {
        let month = 2 + 3 * u32::from(self.quarter.clamp(1, 4) - 1);
        NaiveDate::from_ymd_opt(self.year, month, 15).expect("the 15th exists in every month")
    }

    /// The next `count` rounds whose deadline is `today` or later.
    pub fn upcoming(today: NaiveDate, count: usize) -> Vec<Self> {
        let mut round = Self {
            year: today.year(),
            quarter: 1,
        };
        while round.deadline() < today {
            round = round.next();
        }
        std::iter::successors(Some(round), |r| Some(r.next()))
            .take(count)
            .collect()
    }

    fn next(self) -> Self {
        if self.quarter >= 4 {
            Self {
                year: self.year + 1,
                quarter: 1,
            }
        } else {
            Self {
                year: self.year,
                quarter: self.quarter + 1,
            }
        }
    }
}

impl fmt::Display for GrantRound {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.year, self.quarter)
    }
}

impl FromStr for GrantRound {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        let unknown = || Error::UnknownValue {
            what: "GrantRound",
            value: s.to_owned(),
        };
        let (year, quarter) = s.split_once('-').ok_or_else(unknown)?;
        let year = year.parse().map_err(|_| unknown())?;
        let quarter = quarter.parse().map_err(|_| unknown())?;
        if !(1..=4).contains(&quarter) {
            return Err(unknown());
        }
        Ok(Self { year, quarter })
    }
}
