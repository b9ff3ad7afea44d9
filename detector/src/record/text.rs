//! Lenient scalar types for CloudTrail fields.
//!
//! CloudTrail is not strict about types between event versions and services: a
//! field documented as a string may arrive as a number, a boolean as `"true"`, an
//! object where a string was expected. These wrappers accept any JSON value and
//! never fail a record: strings borrow from the input buffer where possible,
//! numbers and booleans become strings, objects and arrays are skipped.

use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use std::fmt;

/// A string field that borrows from the input when it can.
///
/// serde does not borrow through `Option<Cow<str>>`; this wrapper does, and it
/// accepts non-string scalars too. An object or array becomes the empty text.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Text<'a>(pub Cow<'a, str>);

impl<'a> Text<'a> {
    /// The text itself.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// True when the field held nothing usable.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Display for Text<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Serialize for Text<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

struct TextVisitor;

impl<'de> Visitor<'de> for TextVisitor {
    type Value = Text<'de>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(Text(Cow::Borrowed(v)))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Text(Cow::Owned(v.to_owned())))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
        Ok(Text(Cow::Owned(v)))
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
        Ok(Text(Cow::Borrowed(if v { "true" } else { "false" })))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        Ok(Text(Cow::Owned(v.to_string())))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        Ok(Text(Cow::Owned(v.to_string())))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        Ok(Text(Cow::Owned(v.to_string())))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(Text::default())
    }
    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(Text::default())
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(TextVisitor)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(Text::default())
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Text::default())
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Text<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(TextVisitor)
    }
}

/// A boolean that also accepts `"true"`/`"false"` strings; anything else is unknown.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Flag(pub Option<bool>);

impl<'de> Deserialize<'de> for Flag {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let t = Text::deserialize(d)?;
        Ok(Flag(match t.as_str() {
            s if s.eq_ignore_ascii_case("true") => Some(true),
            s if s.eq_ignore_ascii_case("false") => Some(false),
            _ => None,
        }))
    }
}

/// The text of an optional field, or `""`.
pub fn opt_str<'s>(t: &'s Option<Text<'_>>) -> &'s str {
    t.as_ref().map(Text::as_str).unwrap_or("")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Deserialize)]
    struct T<'a> {
        #[serde(borrow, default)]
        a: Option<Text<'a>>,
        #[serde(default)]
        f: Flag,
    }

    #[test]
    fn borrows_plain_strings_and_tolerates_other_types() {
        let t: T = serde_json::from_str(r#"{"a":"x","f":"true"}"#).unwrap();
        assert!(matches!(t.a.as_ref().unwrap().0, Cow::Borrowed("x")));
        assert_eq!(t.f, Flag(Some(true)));
        let t: T = serde_json::from_str(r#"{"a":12,"f":false}"#).unwrap();
        assert_eq!(opt_str(&t.a), "12");
        assert_eq!(t.f, Flag(Some(false)));
        let t: T = serde_json::from_str(r#"{"a":{"x":[1,2]},"f":{}}"#).unwrap();
        assert_eq!(opt_str(&t.a), "");
        assert_eq!(t.f, Flag(None));
        let t: T = serde_json::from_str(r#"{"a":null}"#).unwrap();
        assert!(t.a.is_none());
        let t: T = serde_json::from_str(r#"{"a":"esc\"aped"}"#).unwrap();
        assert_eq!(opt_str(&t.a), "esc\"aped");
    }
}
