//! The video wall: up to [`MAX_TILES`] live pictures over the map, 2×2 or 3×3. A tile holds
//! its camera's stream only while it is on the wall; a full wall makes room by dropping its
//! oldest tile, and says which.

use leptos::prelude::*;

/// Tiles on the wall at most (a 3×3 layout); the server runs 16 streams at most for everyone.
pub const MAX_TILES: usize = 9;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Layout {
    TwoByTwo,
    ThreeByThree,
}

impl Layout {
    pub fn tiles(self) -> usize {
        match self {
            Self::TwoByTwo => 4,
            Self::ThreeByThree => 9,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::TwoByTwo => "2x2",
            Self::ThreeByThree => "3x3",
        }
    }
}

/// A camera on the wall; `key` tells two placements of the same camera apart.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tile {
    pub key: u64,
    pub camera: String,
    pub name: String,
}

/// The wall's tiles, oldest first, and its layout.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tiles {
    pub list: Vec<Tile>,
    pub layout: Layout,
    next_key: u64,
}

impl Default for Tiles {
    fn default() -> Self {
        Tiles {
            list: Vec::new(),
            layout: Layout::TwoByTwo,
            next_key: 0,
        }
    }
}

impl Tiles {
    /// Puts cameras on the wall, each once; beyond [`MAX_TILES`] the oldest tiles go. Returns
    /// the names of the cameras dropped to make room. The layout grows to 3×3 when 2×2 is
    /// too small.
    pub fn add(&mut self, cameras: &[(String, String)]) -> Vec<String> {
        let mut dropped = Vec::new();
        for (camera, name) in cameras {
            if self.list.iter().any(|t| &t.camera == camera) {
                continue;
            }
            if self.list.len() == MAX_TILES {
                dropped.push(self.list.remove(0).name);
            }
            self.next_key += 1;
            self.list.push(Tile {
                key: self.next_key,
                camera: camera.clone(),
                name: name.clone(),
            });
        }
        if self.list.len() > self.layout.tiles() {
            self.layout = Layout::ThreeByThree;
        }
        dropped
    }

    pub fn remove(&mut self, key: u64) {
        self.list.retain(|t| t.key != key);
    }

    /// A smaller layout is offered only while the tiles fit in it.
    pub fn fits(&self, layout: Layout) -> bool {
        self.list.len() <= layout.tiles()
    }
}

/// The wall's state, shared by the cards that put cameras on it.
#[derive(Clone, Copy)]
pub struct VideoWall {
    pub tiles: RwSignal<Tiles>,
    /// Names of the cameras last dropped for room, told in the wall's header.
    pub dropped: RwSignal<Vec<String>>,
}

impl VideoWall {
    pub fn new() -> Self {
        VideoWall {
            tiles: RwSignal::new(Tiles::default()),
            dropped: RwSignal::new(Vec::new()),
        }
    }

    /// Puts cameras (id, name) on the wall, which opens with them.
    pub fn show(self, cameras: &[(String, String)]) {
        let mut dropped = Vec::new();
        self.tiles.update(|t| dropped = t.add(cameras));
        self.dropped.set(dropped);
    }

    /// Closes the wall: every tile goes, and with it every stream.
    pub fn close(self) {
        self.tiles.set(Tiles::default());
        self.dropped.set(Vec::new());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cams(range: std::ops::Range<u32>) -> Vec<(String, String)> {
        range
            .map(|i| (format!("SXJ{i:04}"), format!("摄像机{i}")))
            .collect()
    }

    #[test]
    fn four_cameras_fill_a_two_by_two_wall_each_once() {
        let mut wall = Tiles::default();
        assert!(wall.add(&cams(0..4)).is_empty());
        assert!(wall.add(&cams(2..4)).is_empty(), "already on the wall");
        assert_eq!(wall.list.len(), 4);
        assert_eq!(wall.layout, Layout::TwoByTwo);
        wall.add(&cams(4..5));
        assert_eq!(wall.layout, Layout::ThreeByThree, "a fifth tile needs 3×3");
        assert!(!wall.fits(Layout::TwoByTwo));
    }

    #[test]
    fn a_tenth_camera_replaces_the_oldest_tile() {
        let mut wall = Tiles::default();
        wall.add(&cams(0..9));
        let dropped = wall.add(&cams(9..10));
        assert_eq!(dropped, ["摄像机0"]);
        assert_eq!(wall.list.len(), MAX_TILES);
        assert_eq!(wall.list[0].camera, "SXJ0001");
        assert_eq!(wall.list[8].camera, "SXJ0009");
    }

    #[test]
    fn a_camera_closed_and_added_again_gets_a_new_tile() {
        let mut wall = Tiles::default();
        wall.add(&cams(0..1));
        let first = wall.list[0].key;
        wall.remove(first);
        wall.add(&cams(0..1));
        assert_ne!(wall.list[0].key, first);
    }
}
