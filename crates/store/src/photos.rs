//! Photos kept with a ticket: what grid workers took of the place with the phone's camera,
//! stored apart from the ticket body (which lists and the live stream carry) and named by the
//! SHA-256 of the bytes kept.

use async_trait::async_trait;
use binhe_core::ticket::TicketId;
use chrono::{DateTime, Utc};

use crate::StoreError;
use crate::backend::{Columns, Run, millis, time};

/// A photo of a ticket as kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredPhoto {
    pub ticket: TicketId,
    /// The SHA-256 (hex) of `image`: the photo's ref.
    pub sha256: String,
    /// `image/jpeg` or `image/png`.
    pub content_type: String,
    pub width: u32,
    pub height: u32,
    /// What was uploaded (`jpeg`, `png`, `heif`): a HEIC photo is kept as a JPEG.
    pub uploaded_as: String,
    /// The account that uploaded it.
    pub uploaded_by: String,
    pub uploaded_at: DateTime<Utc>,
    pub image: Vec<u8>,
}

impl StoredPhoto {
    pub fn size(&self) -> u64 {
        self.image.len() as u64
    }
}

#[async_trait]
pub trait PhotoRepository: Send + Sync {
    /// Keeps a photo; the same bytes kept for the same ticket before are left as they are.
    async fn save_photo(&self, photo: &StoredPhoto) -> Result<(), StoreError>;

    /// One photo of a ticket, bytes and all.
    async fn photo(
        &self,
        ticket: TicketId,
        sha256: &str,
    ) -> Result<Option<StoredPhoto>, StoreError>;

    /// The refs of a ticket's photos, oldest first.
    async fn photo_refs(&self, ticket: TicketId) -> Result<Vec<String>, StoreError>;
}

fn photo_from_row(row: &impl Columns) -> Result<StoredPhoto, StoreError> {
    let dimension = |column: &str| {
        u32::try_from(row.integer(column)).map_err(|_| StoreError::CorruptTicket {
            id: row.integer("ticket_id"),
            detail: format!("photo {column} out of range"),
        })
    };
    Ok(StoredPhoto {
        ticket: row.integer("ticket_id"),
        sha256: row.text("sha256").to_owned(),
        content_type: row.text("content_type").to_owned(),
        width: dimension("width")?,
        height: dimension("height")?,
        uploaded_as: row.text("uploaded_as").to_owned(),
        uploaded_by: row.text("uploaded_by").to_owned(),
        uploaded_at: time(row, "uploaded_at")?,
        image: row.bytes("image").to_vec(),
    })
}

#[async_trait]
impl<B: Run> PhotoRepository for B {
    async fn save_photo(&self, photo: &StoredPhoto) -> Result<(), StoreError> {
        let size = i64::try_from(photo.image.len()).unwrap_or(i64::MAX);
        self.write_one(
            "INSERT INTO ticket_photos (ticket_id, sha256, content_type, size_bytes, width, \
             height, uploaded_as, uploaded_by, uploaded_at, image) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (ticket_id, sha256) DO NOTHING",
            &[
                photo.ticket.into(),
                photo.sha256.as_str().into(),
                photo.content_type.as_str().into(),
                size.into(),
                i64::from(photo.width).into(),
                i64::from(photo.height).into(),
                photo.uploaded_as.as_str().into(),
                photo.uploaded_by.as_str().into(),
                millis(photo.uploaded_at).into(),
                photo.image.as_slice().into(),
            ],
            "storing a ticket photo",
        )
        .await
        .map(drop)
    }

    async fn photo(
        &self,
        ticket: TicketId,
        sha256: &str,
    ) -> Result<Option<StoredPhoto>, StoreError> {
        self.read(
            "SELECT * FROM ticket_photos WHERE ticket_id = ? AND sha256 = ?",
            &[ticket.into(), sha256.into()],
            "reading a ticket photo",
        )
        .await?
        .first()
        .map(photo_from_row)
        .transpose()
    }

    async fn photo_refs(&self, ticket: TicketId) -> Result<Vec<String>, StoreError> {
        Ok(self
            .read(
                "SELECT sha256 FROM ticket_photos WHERE ticket_id = ? \
                 ORDER BY uploaded_at, sha256",
                &[ticket.into()],
                "listing a ticket's photos",
            )
            .await?
            .iter()
            .map(|row| row.text("sha256").to_owned())
            .collect())
    }
}
