//! Enums that travel as fixed codes and are shown by name: one line per value gives its wire
//! code, its Chinese and English label and, where a chip or a column wants it, a short form.
//! The code is also what serde writes and reads, so a label can never drift from its tag.
//!
//! ```
//! binhe_core::labelled! {
//!     /// How loud a siren is.
//!     pub enum Loudness {
//!         Quiet = "quiet", "轻", "Quiet";
//!         Loud = "loud", "响亮", "Loud", short "响", "Loud";
//!     }
//! }
//! use binhe_core::label::Labelled;
//!
//! assert_eq!(serde_json::to_string(&Loudness::Loud).unwrap(), r#""loud""#);
//! assert_eq!(Loudness::from_code("quiet"), Some(Loudness::Quiet));
//! assert_eq!(Loudness::Loud.short_zh(), "响");
//! assert_eq!(Loudness::Quiet.short_en(), "Quiet"); // no short form: the label
//! assert_eq!(Loudness::ALL.len(), 2);
//! assert!(serde_json::from_str::<Loudness>(r#""deafening""#).is_err());
//! ```

/// What every [`labelled!`] enum offers, for code that shows any of them.
pub trait Labelled: Copy + 'static {
    /// The wire code (serde's spelling).
    fn code(self) -> &'static str;
    fn label_zh(self) -> &'static str;
    fn label_en(self) -> &'static str;
    /// The short form for chips and narrow columns (the label where there is none).
    fn short_zh(self) -> &'static str;
    fn short_en(self) -> &'static str;
}

/// Declares a fieldless enum with `ALL`, `as_str`, `from_code`, `label_zh`, `label_en`,
/// `short_zh`, `short_en`, serde by code and [`Labelled`]; see the module docs.
#[macro_export]
macro_rules! labelled {
    (@first $first:literal $(, $rest:literal)*) => { $first };
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident {
            $(
                $(#[$vmeta:meta])*
                $variant:ident = $code:literal, $zh:literal, $en:literal
                $(, short $short_zh:literal, $short_en:literal)?;
            )+
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        $vis enum $name {
            $( $(#[$vmeta])* $variant, )+
        }

        impl $name {
            pub const ALL: [Self; [$($code),+].len()] = [$(Self::$variant),+];

            /// The wire code.
            pub fn as_str(self) -> &'static str {
                match self { $(Self::$variant => $code,)+ }
            }

            /// The value whose wire code is `code` exactly.
            pub fn from_code(code: &str) -> Option<Self> {
                Self::ALL.into_iter().find(|value| value.as_str() == code)
            }

            pub fn label_zh(self) -> &'static str {
                match self { $(Self::$variant => $zh,)+ }
            }

            pub fn label_en(self) -> &'static str {
                match self { $(Self::$variant => $en,)+ }
            }

            /// The short form for chips and narrow columns.
            pub fn short_zh(self) -> &'static str {
                match self { $(Self::$variant => $crate::labelled!(@first $($short_zh,)? $zh),)+ }
            }

            pub fn short_en(self) -> &'static str {
                match self { $(Self::$variant => $crate::labelled!(@first $($short_en,)? $en),)+ }
            }
        }

        impl $crate::label::Labelled for $name {
            fn code(self) -> &'static str { self.as_str() }
            fn label_zh(self) -> &'static str { self.label_zh() }
            fn label_en(self) -> &'static str { self.label_en() }
            fn short_zh(self) -> &'static str { self.short_zh() }
            fn short_en(self) -> &'static str { self.short_en() }
        }

        impl $crate::__serde::Serialize for $name {
            fn serialize<S: $crate::__serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> $crate::__serde::Deserialize<'de> for $name {
            fn deserialize<D: $crate::__serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                struct Code;
                impl $crate::__serde::de::Visitor<'_> for Code {
                    type Value = $name;
                    fn expecting(&self, f: &mut ::std::fmt::Formatter) -> ::std::fmt::Result {
                        f.write_str(concat!("a code of ", stringify!($name)))
                    }
                    fn visit_str<E: $crate::__serde::de::Error>(self, code: &str) -> Result<$name, E> {
                        $name::from_code(code)
                            .ok_or_else(|| E::unknown_variant(code, &[$($code),+]))
                    }
                }
                deserializer.deserialize_str(Code)
            }
        }
    };
}

#[cfg(test)]
mod tests {
    use super::Labelled;
    use crate::access::Role;
    use crate::kpi::SubjectKind;
    use crate::people::{DeviceKind, DoorEventKind, Health, WorkerKind, WorkerRole};
    use crate::ticket::{
        ActionKind, ActorRole, Channel, EscalationLevel, HandlingMode, Outcome, Satisfaction,
        SlaClass, SlaStatus, TicketState, UnroutedReason, Urgency,
    };
    use crate::vocabulary::MappingField;
    use crate::{Crs, GridLevel, MicroKind};

    fn check<T: Labelled + serde::Serialize + serde::de::DeserializeOwned + PartialEq>(all: &[T]) {
        let mut codes: Vec<&str> = all.iter().map(|v| v.code()).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), all.len(), "two values share a code");
        for &value in all {
            let code = value.code();
            assert!(
                !code.is_empty()
                    && code
                        .chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'),
                "{code:?} is not a snake_case code"
            );
            assert_eq!(serde_json::to_value(value).unwrap(), code);
            assert!(serde_json::from_value::<T>(code.into()).unwrap() == value);
            for text in [
                value.label_zh(),
                value.label_en(),
                value.short_zh(),
                value.short_en(),
            ] {
                assert!(!text.trim().is_empty(), "{code} has an empty label");
            }
        }
    }

    #[test]
    fn every_labelled_enum_travels_as_its_unique_code_and_has_both_labels() {
        check(&Channel::ALL);
        check(&Urgency::ALL);
        check(&TicketState::ALL);
        check(&ActorRole::ALL);
        check(&HandlingMode::ALL);
        check(&EscalationLevel::ALL);
        check(&Outcome::ALL);
        check(&Satisfaction::ALL);
        check(&UnroutedReason::ALL);
        check(&SlaClass::ALL);
        check(&SlaStatus::ALL);
        check(&ActionKind::ALL);
        check(&GridLevel::ALL);
        check(&MicroKind::ALL);
        check(&Crs::ALL);
        check(&MappingField::ALL);
        check(&WorkerKind::ALL);
        check(&WorkerRole::ALL);
        check(&DeviceKind::ALL);
        check(&Health::ALL);
        check(&DoorEventKind::ALL);
        check(&Role::ALL);
        check(&SubjectKind::ALL);
        check(&crate::training::Escalation::ALL);
    }
}
