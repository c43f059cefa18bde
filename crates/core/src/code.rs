//! DB11-style grid codes.
//!
//! Beijing's local standard numbers a unit grid with 15 digits: the 6-digit district code
//! (GB/T 2260; Pinggu is `110117`), a 3-digit street, a 3-digit community and a 3-digit grid
//! sequence numbered west→east, north→south inside the community. Levels above the micro-grid
//! keep zeros in the parts below them. Level-4 units (stairwells) are not covered by the
//! standard; they extend their micro-grid's code with a 2-digit sequence (17 digits).

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::grid::GridLevel;

/// Pinggu District in GB/T 2260.
pub const PINGGU_DISTRICT: &str = "110117";

/// Why a string is not a grid code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CodeError {
    #[error("grid code must be 15 digits (17 for a unit), got {length} characters: {code:?}")]
    WrongLength { code: String, length: usize },
    #[error("grid code may only contain digits: {code:?}")]
    NotDigits { code: String },
    #[error("grid code {code:?} has an all-zero street part")]
    ZeroStreet { code: String },
    #[error("grid code {code:?} has a grid sequence without a community")]
    SequenceWithoutCommunity { code: String },
    #[error("unit code {code:?} needs a non-zero community, grid and unit sequence")]
    IncompleteUnit { code: String },
}

/// A validated grid code. The level is implied by which parts are zero.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct GridCode(String);

impl GridCode {
    /// Parses and validates a code.
    ///
    /// ```
    /// use binhe_core::{GridCode, GridLevel};
    /// let code = GridCode::parse("110117001003012").unwrap();
    /// assert_eq!(code.level(), GridLevel::Micro);
    /// assert_eq!(code.parent().unwrap().as_str(), "110117001003000");
    /// ```
    pub fn parse(text: &str) -> Result<Self, CodeError> {
        let code = text.to_owned();
        if !text.bytes().all(|b| b.is_ascii_digit()) {
            return Err(CodeError::NotDigits { code });
        }
        match text.len() {
            15 => {
                if &text[6..9] == "000" {
                    return Err(CodeError::ZeroStreet { code });
                }
                if &text[9..12] == "000" && &text[12..15] != "000" {
                    return Err(CodeError::SequenceWithoutCommunity { code });
                }
            }
            17 => {
                if &text[6..9] == "000"
                    || &text[9..12] == "000"
                    || &text[12..15] == "000"
                    || &text[15..17] == "00"
                {
                    return Err(CodeError::IncompleteUnit { code });
                }
            }
            length => return Err(CodeError::WrongLength { code, length }),
        }
        Ok(Self(code))
    }

    /// Street-level code from a district and street number.
    pub fn street(district: &str, street: u16) -> Self {
        Self(format!("{district}{street:03}000000"))
    }

    /// Code of a community within this street code.
    #[must_use]
    pub fn community(&self, community: u16) -> Self {
        Self(format!("{}{community:03}000", &self.0[..9]))
    }

    /// Code of a micro-grid within this community code.
    #[must_use]
    pub fn micro(&self, sequence: u16) -> Self {
        Self(format!("{}{sequence:03}", &self.0[..12]))
    }

    /// Code of a unit within this micro-grid code.
    #[must_use]
    pub fn unit(&self, sequence: u8) -> Self {
        Self(format!("{}{sequence:02}", &self.0[..15]))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn district(&self) -> &str {
        &self.0[..6]
    }

    pub fn level(&self) -> GridLevel {
        if self.0.len() == 17 {
            GridLevel::Unit
        } else if &self.0[9..12] == "000" {
            GridLevel::Street
        } else if &self.0[12..15] == "000" {
            GridLevel::Community
        } else {
            GridLevel::Micro
        }
    }

    /// The code of the enclosing grid, `None` for a street.
    pub fn parent(&self) -> Option<GridCode> {
        match self.level() {
            GridLevel::Street => None,
            GridLevel::Community => Some(Self(format!("{}000000", &self.0[..9]))),
            GridLevel::Micro => Some(Self(format!("{}000", &self.0[..12]))),
            GridLevel::Unit => Some(Self(self.0[..15].to_owned())),
        }
    }

    /// The leading digits every grid inside this one shares with it.
    pub fn scope_prefix(&self) -> &str {
        match self.level() {
            GridLevel::Street => &self.0[..9],
            GridLevel::Community => &self.0[..12],
            GridLevel::Micro => &self.0[..15],
            GridLevel::Unit => &self.0,
        }
    }

    /// The community this code lies in (itself for a community), `None` for a street.
    pub fn community_code(&self) -> Option<GridCode> {
        match self.level() {
            GridLevel::Street => None,
            _ => Some(Self(format!("{}000", &self.0[..12]))),
        }
    }
}

impl AsRef<str> for GridCode {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for GridCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for GridCode {
    type Error = CodeError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<GridCode> for String {
    fn from(code: GridCode) -> Self {
        code.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn levels_follow_zero_parts() {
        let street = GridCode::street(PINGGU_DISTRICT, 1);
        assert_eq!(street.as_str(), "110117001000000");
        assert_eq!(street.level(), GridLevel::Street);
        let community = street.community(15);
        assert_eq!(community.as_str(), "110117001015000");
        assert_eq!(community.level(), GridLevel::Community);
        let micro = community.micro(7);
        assert_eq!(micro.level(), GridLevel::Micro);
        let unit = micro.unit(3);
        assert_eq!(unit.as_str(), "11011700101500703");
        assert_eq!(unit.level(), GridLevel::Unit);
        assert_eq!(unit.parent(), Some(micro.clone()));
        assert_eq!(micro.parent(), Some(community.clone()));
        assert_eq!(community.parent(), Some(street.clone()));
        assert_eq!(street.parent(), None);
        assert!(unit.as_str().starts_with(micro.scope_prefix()));
        assert!(micro.as_str().starts_with(community.scope_prefix()));
        assert!(
            !street
                .community(14)
                .as_str()
                .starts_with(community.scope_prefix())
        );
        assert_eq!(unit.community_code(), Some(community));
    }

    #[test]
    fn malformed_codes_are_rejected_with_reason() {
        assert!(matches!(
            GridCode::parse("11011700100100"),
            Err(CodeError::WrongLength { length: 14, .. })
        ));
        assert!(matches!(
            GridCode::parse("11011700100100A"),
            Err(CodeError::NotDigits { .. })
        ));
        assert!(matches!(
            GridCode::parse("110117000001001"),
            Err(CodeError::ZeroStreet { .. })
        ));
        assert!(matches!(
            GridCode::parse("110117001000004"),
            Err(CodeError::SequenceWithoutCommunity { .. })
        ));
        assert!(matches!(
            GridCode::parse("11011700100100000"),
            Err(CodeError::IncompleteUnit { .. })
        ));
    }

    proptest! {
        #[test]
        fn built_codes_round_trip(street in 1u16..999, community in 1u16..999, seq in 1u16..999, unit in 1u8..99) {
            let micro = GridCode::street(PINGGU_DISTRICT, street).community(community).micro(seq);
            prop_assert_eq!(GridCode::parse(micro.as_str()).unwrap(), micro.clone());
            let unit_code = micro.unit(unit);
            prop_assert_eq!(GridCode::parse(unit_code.as_str()).unwrap().parent().unwrap(), micro);
        }
    }
}
