//! Which basemap file the street's servers serve. The file itself lives on disk, in the
//! basemaps folder beside the database (or the center's data folder); the database records
//! which one, so every server of a shared database serves the same.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::StoreError;

/// The basemap chosen, as recorded in the settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredBasemap {
    /// Names this file (a hash of its content); the tiles' URLs carry it.
    pub id: String,
    /// The file's name inside the basemaps folder.
    pub file: String,
    /// The name it was uploaded or added under.
    pub original_name: String,
    pub bytes: u64,
    pub added_at: DateTime<Utc>,
    /// The account that added it.
    pub added_by: String,
}

#[async_trait]
pub trait BasemapRepository: Send + Sync {
    /// The basemap chosen, `None` for the generated one.
    async fn load_basemap(&self) -> Result<Option<StoredBasemap>, StoreError>;
    /// Chooses a basemap (`None`: back to the generated one); other servers of the database are
    /// told, as of any setting.
    async fn save_basemap(&self, basemap: Option<&StoredBasemap>) -> Result<(), StoreError>;
}
