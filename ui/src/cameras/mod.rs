//! Cameras beyond their markers: their health, followed live, and the video wall.

pub mod feed;
pub mod health;
pub mod wall;

pub use feed::WallFeed;
pub use health::CameraHealth;
pub use wall::VideoWall;
