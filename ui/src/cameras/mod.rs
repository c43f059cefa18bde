//! Cameras beyond their markers: their health, followed live, and the video wall.

pub mod feed;
pub mod health;
pub mod wall;

pub use feed::WallFeed;
pub use health::CameraHealth;
pub use wall::VideoWall;

use binhe_core::Health;

use crate::api::texts::Named;
use crate::i18n::{Lang, Msg};

/// What a picture's state line says: a fixed text of the UI's, or a camera's health by name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Caption {
    Said(Msg),
    Health(Health),
}

impl Caption {
    pub fn text(self, lang: Lang) -> &'static str {
        match self {
            Caption::Said(msg) => msg.text(lang),
            Caption::Health(health) => health.name(lang),
        }
    }
}
