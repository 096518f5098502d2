//! Who made an edit and when: recorded on every change so history can be shown.

/// The author and time of one edit, passed in by the caller (the model has no clock).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Stamp {
    /// The display name of the person on the device that made the edit.
    pub author: String,
    /// Seconds since the Unix epoch.
    pub time: i64,
}

impl Stamp {
    /// A stamp for `author` at `time` (seconds since the Unix epoch).
    pub fn new(author: impl Into<String>, time: i64) -> Self {
        Self {
            author: author.into(),
            time,
        }
    }
}
