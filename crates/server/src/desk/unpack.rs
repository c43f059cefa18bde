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
    #[error(
        "entry {entry} holds a text of more than {limit} bytes without markup, more than any cell of a workbook may hold"
    )]
    TextTooLong { entry: String, limit: usize },
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
            | Self::TextTooLong { entry, .. }
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
            Self::TextTooLong { entry, .. } => format!(
                "文件“{file}”中的“{entry}”含有超长文字（超过 Excel 单元格上限 32767 个字符），已拒绝导入（可能是损坏或恶意构造的文件），未保存任何内容"
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
    /// `watch` sees every entry's bytes as they come and may refuse them.
    pub fn check_zip<R: Read + std::io::Seek>(
        &mut self,
        archive: &mut zip::ZipArchive<R>,
        mut watch: impl FnMut(&str, &[u8]) -> Result<(), UnpackError>,
    ) -> Result<(), UnpackError> {
        for index in 0..archive.len() {
            let mut file = archive
                .by_index(index)
                .map_err(|e| UnpackError::Unreadable {
                    entry: format!("#{}", index + 1),
                    source: std::io::Error::other(e),
                })?;
            let name = String::from_utf8_lossy(file.name_raw()).into_owned();
            let mut watched = Watched {
                entry: &name,
                watch: &mut watch,
                refusal: None,
            };
            if let Err(error) = self.inflate(&name, &mut file, &mut watched) {
                return Err(watched.refusal.take().unwrap_or(error));
            }
        }
        Ok(())
    }
}

/// A sink that shows what passes to a watcher, keeping its refusal.
struct Watched<'a, F> {
    entry: &'a str,
    watch: &'a mut F,
    refusal: Option<UnpackError>,
}

impl<F: FnMut(&str, &[u8]) -> Result<(), UnpackError>> Write for Watched<'_, F> {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        match (self.watch)(self.entry, bytes) {
            Ok(()) => Ok(bytes.len()),
            Err(refusal) => {
                self.refusal = Some(refusal);
                Err(std::io::Error::other("refused"))
            }
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// A watcher for XML entries (a workbook's parts): refuses a run of more than `limit` bytes
/// without a `<`, the text of one cell or string longer than any workbook may hold. A reader
/// holds such a run whole in memory, several times over while it grows.
pub fn xml_text_runs(limit: usize) -> impl FnMut(&str, &[u8]) -> Result<(), UnpackError> {
    let mut entry_seen = String::new();
    let mut run = 0_usize;
    move |entry, bytes| {
        if entry != entry_seen {
            entry.clone_into(&mut entry_seen);
            run = 0;
        }
        // The first piece goes on with the run carried in; the others start after a `<`.
        let mut pieces = bytes.split(|&b| b == b'<');
        let mut last = run + pieces.next().map_or(0, <[u8]>::len);
        let mut longest = last;
        for piece in pieces {
            last = piece.len();
            longest = longest.max(last);
        }
        run = last;
        if longest > limit {
            return Err(UnpackError::TextTooLong {
                entry: entry.to_owned(),
                limit,
            });
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
    fn a_long_text_without_markup_is_refused_in_any_entry() {
        let mut watch = xml_text_runs(6);
        assert!(watch("a.xml", b"<t>ab</t><t>a").is_ok());
        assert!(
            watch("a.xml", b"bcd</t>").is_ok(),
            "runs carry over chunks: t>abcd is 6"
        );
        assert!(watch("b.xml", b"abcdef").is_ok(), "a new entry starts anew");
        let error = watch("b.xml", b"g").unwrap_err();
        assert!(matches!(&error, UnpackError::TextTooLong { entry, .. } if entry == "b.xml"));
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
