//! How times are written where the contract fixes a form other than chrono's default
//! (`2026-11-28T08:00:00.123Z`). Every form is RFC 3339 and reads back the same instant.

/// Declares a serde `with` module writing an instant as `$form` does (and reading any RFC 3339),
/// with an `option` submodule for an optional instant.
macro_rules! written_as {
    ($(#[$doc:meta])* $name:ident, $form:expr) => {
        $(#[$doc])*
        pub mod $name {
            use chrono::{DateTime, Utc};
            use serde::{Deserialize, Deserializer, Serializer};

            fn text(at: &DateTime<Utc>) -> String {
                let form: fn(&DateTime<Utc>) -> String = $form;
                form(at)
            }

            pub fn serialize<S: Serializer>(
                at: &DateTime<Utc>,
                serializer: S,
            ) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(&text(at))
            }

            pub fn deserialize<'de, D: Deserializer<'de>>(
                deserializer: D,
            ) -> Result<DateTime<Utc>, D::Error> {
                DateTime::<Utc>::deserialize(deserializer)
            }

            /// The same for an optional instant.
            pub mod option {
                use chrono::{DateTime, Utc};
                use serde::{Deserialize, Deserializer, Serializer};

                pub fn serialize<S: Serializer>(
                    at: &Option<DateTime<Utc>>,
                    serializer: S,
                ) -> Result<S::Ok, S::Error> {
                    match at {
                        Some(at) => serializer.serialize_str(&super::text(at)),
                        None => serializer.serialize_none(),
                    }
                }

                pub fn deserialize<'de, D: Deserializer<'de>>(
                    deserializer: D,
                ) -> Result<Option<DateTime<Utc>>, D::Error> {
                    Option::<DateTime<Utc>>::deserialize(deserializer)
                }
            }
        }
    };
}

written_as!(
    /// Whole seconds in UTC: `2026-11-28T12:01:00Z` (door events, camera health).
    seconds,
    |at| at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
);

written_as!(
    /// With an offset, as `DateTime::to_rfc3339` writes it: `2026-11-28T12:01:00.5+00:00`
    /// (sessions and the audit log).
    offset,
    DateTime::to_rfc3339
);

#[cfg(test)]
mod tests {
    use chrono::{DateTime, TimeZone, Utc};
    use serde::{Deserialize, Serialize};

    #[derive(Serialize, Deserialize, PartialEq, Debug)]
    struct Times {
        #[serde(with = "super::seconds")]
        door: DateTime<Utc>,
        #[serde(with = "super::offset")]
        session: DateTime<Utc>,
        #[serde(with = "super::seconds::option")]
        since: Option<DateTime<Utc>>,
    }

    #[test]
    fn fixed_forms_are_written_as_the_contract_says_and_read_back() {
        let at = Utc.with_ymd_and_hms(2026, 11, 28, 12, 1, 0).unwrap()
            + chrono::Duration::milliseconds(500);
        let times = Times {
            door: at,
            session: at,
            since: None,
        };
        let text = serde_json::to_string(&times).unwrap();
        assert_eq!(
            text,
            r#"{"door":"2026-11-28T12:01:00Z","session":"2026-11-28T12:01:00.500+00:00","since":null}"#
        );
        let read: Times = serde_json::from_str(&text).unwrap();
        assert_eq!(read.session, at);
        assert_eq!(read.door, at - chrono::Duration::milliseconds(500));
    }
}
