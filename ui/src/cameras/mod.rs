//! Cameras beyond their markers: their health, followed live, and the video wall.

pub mod health;
pub mod wall;

pub use health::CameraHealth;
pub use wall::VideoWall;
