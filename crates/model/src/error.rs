//! The model's one error type, worded so the app can show it to a person.

/// Everything that can go wrong reading or editing a space.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The bytes are not an Automerge document (truncated, damaged or another format).
    #[error("the file is not a readable Automerge document: {0}")]
    Unreadable(#[source] automerge::AutomergeError),
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
    /// Two documents of different spaces were to be merged.
    #[error("the documents belong to different spaces and cannot be merged")]
    DifferentSpaces,
    /// A required text field was left empty.
    #[error("{field} must not be empty")]
    Empty {
        /// The field's name in the domain's words.
        field: &'static str,
    },
    /// Automerge refused an operation; a bug in the model if it ever happens.
    #[error("the document could not be changed: {0}")]
    Automerge(#[from] automerge::AutomergeError),
}
