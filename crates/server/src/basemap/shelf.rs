//! The basemap a server serves: the files in its basemaps folder, the one the database says is
//! chosen, and the changes to it. A new file is written beside the others under a temporary
//! name, checked whole, then renamed to its content's hash and recorded as chosen; until that
//! record is written the old basemap stays, and a file that fails any step is removed.

use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

use binhe_api::basemap::{
    BasemapContainer, BasemapInfo, MAX_BASEMAP_BYTES, archive_path, tiles_template,
};
use binhe_store::{BasemapRepository, StoreError, StoredBasemap};
use sha2::{Digest, Sha256};
use tokio::io::AsyncWriteExt;

use super::BasemapError;
use super::archive::Archive;

/// The chosen basemap, open.
#[derive(Debug)]
pub struct Current {
    pub stored: StoredBasemap,
    pub archive: Archive,
}

impl Current {
    /// What `GET /api/basemap` says of it.
    pub fn info(&self) -> BasemapInfo {
        let d = &self.archive.described;
        let id = &self.stored.id;
        BasemapInfo {
            id: id.clone(),
            name: d
                .name
                .clone()
                .unwrap_or_else(|| self.stored.original_name.clone()),
            file_name: self.stored.original_name.clone(),
            tile_set: d.tile_set.clone(),
            bytes: self.stored.bytes,
            added_at: self.stored.added_at,
            added_by: self.stored.added_by.clone(),
            tiles: tiles_template(id),
            archive: (d.tile_set.container == BasemapContainer::Pmtiles).then(|| archive_path(id)),
        }
    }
}

struct Shelf {
    folder: PathBuf,
    store: Arc<dyn BasemapRepository>,
    current: RwLock<Option<Arc<Current>>>,
    /// One change at a time (an upload, a removal, a reload).
    changing: tokio::sync::Mutex<()>,
}

/// The basemap room's state: shared by every request of a server.
#[derive(Clone)]
pub struct Basemaps(Arc<Shelf>);

/// A file on its way in: removed when dropped unless it was installed.
struct PartFile(Option<PathBuf>);

impl PartFile {
    fn path(&self) -> &Path {
        self.0.as_deref().unwrap_or_else(|| Path::new(""))
    }

    fn keep(mut self) {
        self.0 = None;
    }
}

impl Drop for PartFile {
    fn drop(&mut self) {
        if let Some(path) = self.0.take() {
            let _ = std::fs::remove_file(path);
        }
    }
}

/// An upload being written to the basemaps folder, hashed as it comes.
pub struct Staging {
    part: PartFile,
    file: tokio::fs::File,
    hasher: Sha256,
    bytes: u64,
}

/// A file written whole to the basemaps folder, not yet checked.
pub struct Staged {
    part: PartFile,
    id: String,
    bytes: u64,
}

impl Staging {
    pub async fn write(&mut self, chunk: &[u8]) -> Result<(), BasemapError> {
        self.bytes += chunk.len() as u64;
        if self.bytes > MAX_BASEMAP_BYTES {
            return Err(BasemapError::TooLarge {
                limit: MAX_BASEMAP_BYTES,
            });
        }
        self.hasher.update(chunk);
        self.file
            .write_all(chunk)
            .await
            .map_err(|e| BasemapError::io("writing the upload", self.part.path(), &e))
    }

    pub async fn finish(mut self) -> Result<Staged, BasemapError> {
        let path = self.part.path().to_owned();
        self.file
            .flush()
            .await
            .and(self.file.sync_all().await)
            .map_err(|e| BasemapError::io("writing the upload", &path, &e))?;
        if self.bytes == 0 {
            return Err(BasemapError::Invalid(super::archive::Invalid {
                zh: "文件是空的".to_owned(),
                en: "the file is empty".to_owned(),
            }));
        }
        let digest = self.hasher.finalize();
        Ok(Staged {
            part: self.part,
            id: hex::encode(&digest[..8]),
            bytes: self.bytes,
        })
    }
}

impl Basemaps {
    /// The basemaps in `folder` as `store` chooses among them (nothing is read yet: see
    /// [`Self::reload`]).
    pub fn new(folder: PathBuf, store: Arc<dyn BasemapRepository>) -> Self {
        Self(Arc::new(Shelf {
            folder,
            store,
            current: RwLock::new(None),
            changing: tokio::sync::Mutex::new(()),
        }))
    }

    pub fn folder(&self) -> &Path {
        &self.0.folder
    }

    /// The basemap served now.
    pub fn current(&self) -> Option<Arc<Current>> {
        self.0
            .current
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    fn swap(&self, next: Option<Arc<Current>>) -> Option<Arc<Current>> {
        let mut current = self
            .0
            .current
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        std::mem::replace(&mut *current, next)
    }

    /// Lets go of a basemap no longer served, removing its file unless `keep` names it.
    async fn retire(&self, old: Option<Arc<Current>>, keep: Option<&str>) {
        let Some(old) = old else { return };
        old.archive.close().await;
        if keep != Some(old.stored.file.as_str()) {
            let path = self.0.folder.join(&old.stored.file);
            if let Err(error) = tokio::fs::remove_file(&path).await {
                tracing::warn!(%error, path = %path.display(), "cannot remove the old basemap file");
            }
        }
    }

    /// Reads the database's choice and opens that file, unless it is open already. A chosen
    /// file that cannot be opened here leaves the generated basemap (and says so in the log).
    pub async fn reload(&self) -> Result<(), StoreError> {
        let _one = self.0.changing.lock().await;
        let chosen = self.0.store.load_basemap().await?;
        let current = self.current();
        let same = match (&chosen, &current) {
            (Some(c), Some(open)) => c == &open.stored,
            (None, None) => true,
            _ => false,
        };
        if same {
            return Ok(());
        }
        let next = match chosen {
            Some(stored) => {
                let path = self.0.folder.join(&stored.file);
                match Archive::open(&path).await {
                    Ok(archive) => Some(Arc::new(Current { stored, archive })),
                    Err(error) => {
                        tracing::warn!(%error, path = %path.display(), "the chosen basemap cannot be served; the generated one is shown");
                        None
                    }
                }
            }
            None => None,
        };
        if let Some(old) = self.swap(next) {
            // Another server chose; it removes the files it replaced.
            old.archive.close().await;
        }
        Ok(())
    }

    /// Starts writing an upload into the basemaps folder.
    pub async fn stage(&self) -> Result<Staging, BasemapError> {
        let folder = &self.0.folder;
        tokio::fs::create_dir_all(folder)
            .await
            .map_err(|e| BasemapError::io("creating the basemaps folder", folder, &e))?;
        let mut random = [0u8; 8];
        getrandom::fill(&mut random).map_err(|e| BasemapError::Io {
            action: "naming the upload",
            path: folder.display().to_string(),
            reason: e.to_string(),
        })?;
        let path = folder.join(format!(".upload-{}.part", hex::encode(random)));
        let file = tokio::fs::File::create(&path)
            .await
            .map_err(|e| BasemapError::io("creating the upload file", &path, &e))?;
        Ok(Staging {
            part: PartFile(Some(path)),
            file,
            hasher: Sha256::new(),
            bytes: 0,
        })
    }

    /// Copies a file on this machine into the basemaps folder (the command line's way in).
    pub async fn stage_copy(&self, source: &Path) -> Result<Staged, BasemapError> {
        use tokio::io::AsyncReadExt;
        let mut input = tokio::fs::File::open(source)
            .await
            .map_err(|e| BasemapError::io("opening the file", source, &e))?;
        let mut staging = self.stage().await?;
        let mut buffer = vec![0u8; 1 << 20];
        loop {
            let n = input
                .read(&mut buffer)
                .await
                .map_err(|e| BasemapError::io("reading the file", source, &e))?;
            if n == 0 {
                break;
            }
            staging.write(&buffer[..n]).await?;
        }
        staging.finish().await
    }

    /// Checks a staged file and, if it is a basemap the map can draw, makes it the one served
    /// and recorded; the previous one's file is removed. Anything wrong leaves the old one.
    pub async fn install(
        &self,
        staged: Staged,
        original_name: &str,
        added_by: &str,
    ) -> Result<Arc<Current>, BasemapError> {
        let _one = self.0.changing.lock().await;
        let checked = Archive::open(staged.part.path())
            .await
            .map_err(BasemapError::Invalid)?;
        let extension = match checked.described.tile_set.container {
            BasemapContainer::Mbtiles => "mbtiles",
            BasemapContainer::Pmtiles => "pmtiles",
        };
        checked.close().await;
        drop(checked);
        let file = format!("{}.{extension}", staged.id);
        let path = self.0.folder.join(&file);
        let serving_it = self.current().is_some_and(|c| c.stored.file == file);
        tokio::fs::rename(staged.part.path(), &path)
            .await
            .map_err(|e| BasemapError::io("moving the upload into place", &path, &e))?;
        staged.part.keep();
        // From here a failure removes the file, unless it is the one already served.
        let placed = PartFile((!serving_it).then(|| path.clone()));
        let archive = Archive::open(&path).await.map_err(BasemapError::Invalid)?;
        let stored = StoredBasemap {
            id: staged.id,
            file: file.clone(),
            original_name: original_name.to_owned(),
            bytes: staged.bytes,
            added_at: chrono::Utc::now(),
            added_by: added_by.to_owned(),
        };
        if let Err(error) = self.0.store.save_basemap(Some(&stored)).await {
            archive.close().await;
            return Err(error.into());
        }
        placed.keep();
        let current = Arc::new(Current { stored, archive });
        let old = self.swap(Some(Arc::clone(&current)));
        self.retire(old, Some(&file)).await;
        Ok(current)
    }

    /// Goes back to the generated basemap; the file is removed. Answers what was removed.
    pub async fn remove(&self) -> Result<StoredBasemap, BasemapError> {
        let _one = self.0.changing.lock().await;
        let Some(current) = self.current() else {
            return Err(BasemapError::NotFound { id: None });
        };
        self.0.store.save_basemap(None).await?;
        let stored = current.stored.clone();
        drop(current);
        let old = self.swap(None);
        self.retire(old, None).await;
        Ok(stored)
    }
}
