//! Cameras beyond their markers: their health, followed live, and the video wall.

pub mod health;
pub mod slots;
pub mod wall;

pub use health::CameraHealth;
pub use slots::LiveSlots;
pub use wall::VideoWall;
