//! Uploaded archives — an XLSX workbook, a zipped survey — are inflated within limits: each
//! entry through a reader that stops one byte past what it may still unpack, so a "zip bomb"
//! (a few hundred KB that inflate to gigabytes) is refused after at most the limit, whatever
//! sizes the archive declares.

use std::io::{Read, Write};

use binhe_api::grids::{MAX_UNPACKED_BYTES, MAX_UNPACKED_ENTRY_BYTES};

const MIB: u64 = 1024 * 1024;

/// Why an archive was not unpacked.
#[derive(Debug, thiserror::Error)]
pub enum UnpackError {
    #[error("entry {entry} unpacks to more than {} MiB", limit / MIB)]
    EntryTooLarge { entry: String, limit: u64 },
    #[error("the archive unpacks to more than {} MiB in all (reached in entry {entry})", limit / MIB)]
    TotalTooLarge { entry: String, limit: u64 },
    #[error("entry {entry} cannot be unpacked: {source}")]
    Unreadable {
        entry: String,
        source: std::io::Error,
    },
}

impl UnpackError {
    /// The entry it happened in.
    pub fn entry(&self) -> &str {
        match self {
            Self::EntryTooLarge { entry, .. }
            | Self::TotalTooLarge { entry, .. }
            | Self::Unreadable { entry, .. } => entry,
        }
    }

    /// Whether the archive was refused for its size (rather than being damaged).
    pub fn too_large(&self) -> bool {
        !matches!(self, Self::Unreadable { .. })
    }

    /// What it says in Chinese, the archive named `file`.
    pub fn message_zh(&self, file: &str) -> String {
        match self {
            Self::EntryTooLarge { entry, limit } => format!(
                "文件“{file}”中的“{entry}”解压后超过 {} MiB，已拒绝导入（可能是损坏或恶意构造的文件），未保存任何内容",
                limit / MIB
            ),
            Self::TotalTooLarge { entry, limit } => format!(
                "文件“{file}”解压后总计超过 {} MiB（解压到“{entry}”时超出），已拒绝导入，未保存任何内容",
                limit / MIB
            ),
            Self::Unreadable { entry, source } => {
                format!("文件“{file}”中的“{entry}”无法解压：{source}")
            }
        }
    }
}

/// What one upload may still unpack to.
#[derive(Debug, Clone)]
pub struct Budget {
    left: u64,
    total: u64,
    per_entry: u64,
}

impl Default for Budget {
    fn default() -> Self {
        Self::new(MAX_UNPACKED_BYTES, MAX_UNPACKED_ENTRY_BYTES)
    }
}

impl Budget {
    /// At most `total` bytes in all, `per_entry` in any one entry.
    pub fn new(total: u64, per_entry: u64) -> Self {
        Self {
            left: total,
            total,
            per_entry,
        }
    }

    /// Inflates one entry (`content` reads it) into `into`, counting what really comes out.
    /// Returns the entry's size.
    pub fn inflate(
        &mut self,
        entry: &str,
        content: impl Read,
        into: &mut impl Write,
    ) -> Result<u64, UnpackError> {
        let allowed = self.per_entry.min(self.left);
        let read = std::io::copy(&mut content.take(allowed + 1), into).map_err(|source| {
            UnpackError::Unreadable {
                entry: entry.to_owned(),
                source,
            }
        })?;
        if read > allowed {
            let entry = entry.to_owned();
            return Err(if allowed == self.per_entry {
                UnpackError::EntryTooLarge {
                    entry,
                    limit: self.per_entry,
                }
            } else {
                UnpackError::TotalTooLarge {
                    entry,
                    limit: self.total,
                }
            });
        }
        self.left -= read;
        Ok(read)
    }

    /// Inflates every entry of a zip archive into nothing: whether it stays within the limits.
    pub fn check_zip<R: Read + std::io::Seek>(
        &mut self,
        archive: &mut zip::ZipArchive<R>,
    ) -> Result<(), UnpackError> {
        for index in 0..archive.len() {
            let mut file = archive
                .by_index(index)
                .map_err(|e| UnpackError::Unreadable {
                    entry: format!("#{}", index + 1),
                    source: std::io::Error::other(e),
                })?;
            let name = String::from_utf8_lossy(file.name_raw()).into_owned();
            self.inflate(&name, &mut file, &mut std::io::sink())?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_entry_over_its_limit_is_refused_by_what_it_inflates_to() {
        let mut budget = Budget::new(100, 10);
        let mut out = Vec::new();
        assert_eq!(budget.inflate("a", &[1u8; 10][..], &mut out).unwrap(), 10);
        let error = budget.inflate("b", &[1u8; 11][..], &mut out).unwrap_err();
        assert!(
            matches!(&error, UnpackError::EntryTooLarge { entry, limit: 10 } if entry == "b"),
            "{error}"
        );
        assert_eq!(out.len(), 21, "at most one byte past the limit is read");
    }

    #[test]
    fn the_total_is_counted_over_every_entry() {
        let mut budget = Budget::new(25, 10);
        let mut sink = std::io::sink();
        for name in ["a", "b"] {
            budget.inflate(name, &[0u8; 10][..], &mut sink).unwrap();
        }
        let error = budget.inflate("c", &[0u8; 6][..], &mut sink).unwrap_err();
        assert!(
            matches!(&error, UnpackError::TotalTooLarge { entry, limit: 25 } if entry == "c"),
            "{error}"
        );
        assert!(error.too_large());
        assert!(error.message_zh("x.xlsx").contains("x.xlsx"));
    }
}
