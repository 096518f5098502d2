//! The model's one error type, worded so the app can show it to a person.

use crate::{Dkk, GrantStatus, SpaceKind};

/// Everything that can go wrong reading or editing a space.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The bytes are not an Automerge document (truncated, damaged or another format).
    #[error("the file is not a readable Automerge document: {0}")]
    Unreadable(#[source] Box<automerge::AutomergeError>),
    /// A message from another device over a direct channel that is not Automerge's sync
    /// protocol, or that does not fit this document.
    #[error("a message from the other device could not be read")]
    PeerMessage,
    /// The bytes would load into more than the app allows (or are not Automerge data
    /// as it is written): see [`crate::bounds`].
    #[error("the data was refused before it was read: {0}")]
    Unbounded(#[from] crate::bounds::Unbounded),
    /// The space would hold more operations than any device may load
    /// ([`crate::bounds::MAX_OPS`]): the edit or the received changes were not taken.
    #[error("the space would hold more than {} operations", crate::bounds::MAX_OPS)]
    Full,
    /// The bytes are an Automerge document, but not one of Landsbyplan's spaces.
    #[error("the document is not a Landsbyplan space")]
    NotASpace,
    /// The document was written by a later version of the app.
    #[error(
        "the document was written by a newer version of Landsbyplan \
         (schema {found}; this version reads up to {supported})"
    )]
    NewerSchema {
        /// The schema version the document carries.
        found: u64,
        /// The newest schema version this build understands.
        supported: u64,
    },
    /// A part every space of its kind has is missing: the document is damaged.
    #[error("the document lacks its {0}; it may be damaged")]
    MissingPart(&'static str),
    /// Two documents of different spaces were to be merged.
    #[error("the documents belong to different spaces and cannot be merged")]
    DifferentSpaces,
    /// A document carries a held space's id but not its history: another document
    /// posing as it (a copy would hold the change that created the space).
    #[error("the document carries this space's id but is not a copy of it")]
    NotACopy,
    /// The operation belongs to another kind of space.
    #[error("this is a {} space; that needs a {} space", found.as_str(), expected.as_str())]
    WrongKind {
        /// The kind the operation needs.
        expected: SpaceKind,
        /// The kind of this space.
        found: SpaceKind,
    },
    /// A required text field was left empty.
    #[error("{field} must not be empty")]
    Empty {
        /// The field's name in the domain's words.
        field: &'static str,
    },
    /// An entity the operation names does not exist (any more).
    #[error("no {what} with id {id}")]
    NotFound {
        /// The kind of entity.
        what: &'static str,
        /// Its id.
        id: String,
    },
    /// A leader or owner must be a member of the council or group.
    #[error("only a member can be chosen")]
    NotAMember,
    /// A project group always has at least one council behind it.
    #[error(
        "a project group needs at least one local council; add another before removing this one"
    )]
    LastCouncil,
    /// The two groups work on different focus areas.
    #[error("only groups on the same focus area can be merged")]
    DifferentFocusAreas,
    /// The group was merged into another one already.
    #[error("the group has already been merged into another group")]
    AlreadyMerged,
    /// A grant application cannot move between these two states.
    #[error("an application cannot go from {} to {}", from.as_str(), to.as_str())]
    InvalidTransition {
        /// The current state.
        from: GrantStatus,
        /// The state asked for.
        to: GrantStatus,
    },
    /// An application is submitted only after the local council endorsed it.
    #[error("the local council must endorse the application before it is submitted")]
    NotEndorsed,
    /// The 25 % own-financing rule is not met.
    #[error("own financing is DKK {own}, but at least DKK {required} is required")]
    OwnFinancingTooLow {
        /// At least this much.
        required: Dkk,
        /// What the application has.
        own: Dkk,
    },
    /// An application is edited only while it is a draft.
    #[error("the application can only be changed while it is a draft")]
    NotADraft,
    /// An amount of money or hours below zero.
    #[error("amounts cannot be negative")]
    Negative,
    /// A stored value the model does not know.
    #[error("unknown {what}: {value:?}")]
    UnknownValue {
        /// What kind of value.
        what: &'static str,
        /// The value found.
        value: String,
    },
    /// Automerge refused an operation; a bug in the model if it ever happens.
    #[error("the document could not be changed: {0}")]
    Automerge(#[source] Box<automerge::AutomergeError>),
}

// Boxed, so every `Result` of the model stays small.
impl From<automerge::AutomergeError> for Error {
    fn from(err: automerge::AutomergeError) -> Self {
        Self::Automerge(Box::new(err))
    }
}

impl Error {
    /// The bytes could not be read as an Automerge document.
    pub(crate) fn unreadable(err: automerge::AutomergeError) -> Self {
        Self::Unreadable(Box::new(err))
    }
}
