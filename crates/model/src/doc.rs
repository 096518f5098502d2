//! Small typed readers over an Automerge document, shared by every part of the model.
//! Anything missing or of the wrong type reads as `None`: documents come from other
//! devices and files, so reading never panics.

use std::str::FromStr;

use automerge::{AutoCommit, ObjId, ObjType, ReadDoc, ScalarValue, Value, ValueRef};
use chrono::NaiveDate;

/// The scalar at `obj[key]` (the winning value if there is a conflict).
pub(crate) fn scalar(doc: &AutoCommit, obj: &ObjId, key: &str) -> Option<ScalarValue> {
    match doc.get(obj, key).ok()?? {
        (Value::Scalar(s), _) => Some(s.into_owned()),
        _ => None,
    }
}

/// Every concurrent scalar value at `obj[key]`, the winner last.
pub(crate) fn all_strings(doc: &AutoCommit, obj: &ObjId, key: &str) -> Vec<String> {
    doc.get_all(obj, key)
        .unwrap_or_default()
        .into_iter()
        .filter_map(|(value, _)| match value {
            Value::Scalar(s) => s.as_str().map(str::to_owned),
            Value::Object(_) => None,
        })
        .collect()
}

pub(crate) fn string(doc: &AutoCommit, obj: &ObjId, key: &str) -> Option<String> {
    scalar(doc, obj, key)?.as_str().map(str::to_owned)
}

pub(crate) fn int(doc: &AutoCommit, obj: &ObjId, key: &str) -> Option<i64> {
    int_of(&scalar(doc, obj, key)?)
}

fn int_of(value: &ScalarValue) -> Option<i64> {
    match *value {
        ScalarValue::Int(v) => Some(v),
        ScalarValue::Uint(v) => i64::try_from(v).ok(),
        _ => None,
    }
}

pub(crate) fn parsed<T: FromStr>(doc: &AutoCommit, obj: &ObjId, key: &str) -> Option<T> {
    string(doc, obj, key)?.parse().ok()
}

pub(crate) fn date(doc: &AutoCommit, obj: &ObjId, key: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(&string(doc, obj, key)?, DATE_FORMAT).ok()
}

/// The scalar fields of one map (each key's winning value), read in one pass over the
/// map. Reading a record field by field seeks the document once a field; on a large
/// council that was most of the time the plan screen took to open.
pub(crate) struct Fields(Vec<(String, ScalarValue)>);

impl Fields {
    pub(crate) fn read(doc: &AutoCommit, obj: &ObjId) -> Self {
        Self(
            doc.map_range(obj, ..)
                .filter_map(|item| match item.value.into_value() {
                    Value::Scalar(s) => Some((item.key.into_owned(), s.into_owned())),
                    Value::Object(_) => None,
                })
                .collect(),
        )
    }

    fn str(&self, key: &str) -> Option<&str> {
        self.scalar(key)?.as_str()
    }

    fn scalar(&self, key: &str) -> Option<&ScalarValue> {
        self.0
            .iter()
            .find(|(field, _)| field == key)
            .map(|(_, value)| value)
    }

    pub(crate) fn string(&self, key: &str) -> Option<String> {
        self.str(key).map(str::to_owned)
    }

    pub(crate) fn int(&self, key: &str) -> Option<i64> {
        int_of(self.scalar(key)?)
    }

    pub(crate) fn parsed<T: FromStr>(&self, key: &str) -> Option<T> {
        self.str(key)?.parse().ok()
    }

    pub(crate) fn date(&self, key: &str) -> Option<NaiveDate> {
        NaiveDate::parse_from_str(self.str(key)?, DATE_FORMAT).ok()
    }
}

pub(crate) const DATE_FORMAT: &str = "%Y-%m-%d";

/// The object of type `kind` at `obj[key]`.
pub(crate) fn object(doc: &AutoCommit, obj: &ObjId, key: &str, kind: ObjType) -> Option<ObjId> {
    match doc.get(obj, key).ok()?? {
        (Value::Object(found), id) if found == kind => Some(id),
        _ => None,
    }
}

pub(crate) fn map(doc: &AutoCommit, obj: &ObjId, key: &str) -> Option<ObjId> {
    object(doc, obj, key, ObjType::Map)
}

/// The text of the text object at `obj[key]`; empty if there is none.
pub(crate) fn text(doc: &AutoCommit, obj: &ObjId, key: &str) -> String {
    object(doc, obj, key, ObjType::Text)
        .and_then(|text| doc.text(&text).ok())
        .unwrap_or_default()
}

/// The keys of map `obj` that parse as `T`, each with its nested map (one pass over the
/// map).
pub(crate) fn entries<T: FromStr>(doc: &AutoCommit, obj: &ObjId) -> Vec<(T, ObjId)> {
    doc.map_range(obj, ..)
        .filter(|item| matches!(item.value, ValueRef::Object(ObjType::Map)))
        .filter_map(|item| Some((item.key.parse().ok()?, item.id())))
        .collect()
}

/// The strings of list `obj`, in order (one pass over the list).
pub(crate) fn list_strings(doc: &AutoCommit, obj: &ObjId) -> Vec<String> {
    doc.list_range(obj, ..)
        .filter_map(|item| match item.value {
            ValueRef::Scalar(automerge::ScalarValueRef::Str(s)) => Some(s.into_owned()),
            _ => None,
        })
        .collect()
}

/// Defines an enum stored in the document as a short string.
macro_rules! stored_enum {
    ($(#[$doc:meta])* pub enum $name:ident { $($(#[$vdoc:meta])* $variant:ident = $text:literal),* $(,)? }) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name {
            $($(#[$vdoc])* $variant),*
        }

        impl $name {
            /// Every value, in order.
            pub const ALL: &'static [Self] = &[$(Self::$variant),*];

            /// The value as stored in the document.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Self::$variant => $text),*
                }
            }
        }

        impl std::str::FromStr for $name {
            type Err = crate::Error;

            fn from_str(s: &str) -> crate::Result<Self> {
                match s {
                    $($text => Ok(Self::$variant),)*
                    _ => Err(crate::Error::UnknownValue {
                        what: stringify!($name),
                        value: s.to_owned(),
                    }),
                }
            }
        }
    };
}
pub(crate) use stored_enum;
