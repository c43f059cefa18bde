//! Photos a grid worker takes with the phone's camera: what kind of picture the bytes are (never
//! what a header or a file name claims), and how large a JPEG is, read from its frame header.
//! The phone checks the same before sending as the server does after receiving.

use serde::{Deserialize, Serialize};

/// What the first bytes of a file say it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PhotoKind {
    Jpeg,
    Png,
    /// HEIC/HEIF (what iPhones take): accepted, converted to JPEG on the server.
    Heif,
    Gif,
    Webp,
    Bmp,
    Tiff,
    Avif,
    Pdf,
    /// Nothing recognised.
    Unknown,
}

impl PhotoKind {
    /// Reads the kind from the file's first bytes (16 are enough).
    pub fn sniff(bytes: &[u8]) -> Self {
        let starts = |magic: &[u8]| bytes.starts_with(magic);
        if starts(&[0xFF, 0xD8, 0xFF]) {
            Self::Jpeg
        } else if starts(b"\x89PNG\r\n\x1a\n") {
            Self::Png
        } else if starts(b"GIF87a") || starts(b"GIF89a") {
            Self::Gif
        } else if starts(b"RIFF") && bytes.get(8..12) == Some(b"WEBP") {
            Self::Webp
        } else if starts(b"BM") {
            Self::Bmp
        } else if starts(b"II*\0") || starts(b"MM\0*") {
            Self::Tiff
        } else if starts(b"%PDF") {
            Self::Pdf
        } else if bytes.get(4..8) == Some(b"ftyp") {
            match bytes.get(8..12) {
                Some(
                    b"heic" | b"heix" | b"hevc" | b"hevx" | b"heim" | b"heis" | b"mif1" | b"msf1",
                ) => Self::Heif,
                Some(b"avif" | b"avis") => Self::Avif,
                _ => Self::Unknown,
            }
        } else {
            Self::Unknown
        }
    }

    /// Whether a photo of this kind is taken (HEIF after conversion).
    pub fn accepted(self) -> bool {
        matches!(self, Self::Jpeg | Self::Png | Self::Heif)
    }

    /// The media type the kind is known by.
    pub fn media_type(self) -> &'static str {
        match self {
            Self::Jpeg => "image/jpeg",
            Self::Png => "image/png",
            Self::Heif => "image/heic",
            Self::Gif => "image/gif",
            Self::Webp => "image/webp",
            Self::Bmp => "image/bmp",
            Self::Tiff => "image/tiff",
            Self::Avif => "image/avif",
            Self::Pdf => "application/pdf",
            Self::Unknown => "application/octet-stream",
        }
    }

    /// A short name for messages: `JPEG`, `GIF`, `未知格式` / `unknown`.
    pub fn name_zh(self) -> &'static str {
        match self {
            Self::Unknown => "无法识别的文件",
            other => other.name_en(),
        }
    }

    pub fn name_en(self) -> &'static str {
        match self {
            Self::Jpeg => "JPEG",
            Self::Png => "PNG",
            Self::Heif => "HEIC",
            Self::Gif => "GIF",
            Self::Webp => "WebP",
            Self::Bmp => "BMP",
            Self::Tiff => "TIFF",
            Self::Avif => "AVIF",
            Self::Pdf => "PDF",
            Self::Unknown => "an unrecognised file",
        }
    }
}

/// The kinds taken, for messages.
pub const ACCEPTED_NAMES: &str = "JPEG、PNG、HEIC";

/// Why a JPEG's size could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JpegError {
    #[error("the file ends before its frame header")]
    Truncated,
    #[error("byte {0} is not a JPEG marker")]
    NotAMarker(usize),
    #[error("the frame header gives a size of {width}×{height}")]
    EmptyFrame { width: u16, height: u16 },
}

/// Width and height of a JPEG, read from its first frame header (SOF0–SOF15 but DHT, JPG, DAC),
/// walking the marker segments before it.
///
/// # Errors
/// When the file ends first, a segment does not start with a marker, or the frame is empty.
pub fn jpeg_size(bytes: &[u8]) -> Result<(u16, u16), JpegError> {
    let mut at = 2; // after SOI
    loop {
        // Fill bytes (0xFF) may precede a marker.
        if *bytes.get(at).ok_or(JpegError::Truncated)? != 0xFF {
            return Err(JpegError::NotAMarker(at));
        }
        while bytes.get(at + 1) == Some(&0xFF) {
            at += 1;
        }
        let marker = *bytes.get(at + 1).ok_or(JpegError::Truncated)?;
        at += 2;
        // Markers without a segment.
        if marker == 0x01 || (0xD0..=0xD7).contains(&marker) {
            continue;
        }
        let len_bytes = bytes.get(at..at + 2).ok_or(JpegError::Truncated)?;
        let length = usize::from(u16::from_be_bytes([len_bytes[0], len_bytes[1]]));
        if length < 2 {
            return Err(JpegError::NotAMarker(at));
        }
        if matches!(marker, 0xC0..=0xCF) && !matches!(marker, 0xC4 | 0xC8 | 0xCC) {
            let frame = bytes.get(at + 2..at + 7).ok_or(JpegError::Truncated)?;
            let height = u16::from_be_bytes([frame[1], frame[2]]);
            let width = u16::from_be_bytes([frame[3], frame[4]]);
            if width == 0 || height == 0 {
                return Err(JpegError::EmptyFrame { width, height });
            }
            return Ok((width, height));
        }
        if marker == 0xD9 || marker == 0xDA {
            // End of image, or scan data before any frame header.
            return Err(JpegError::Truncated);
        }
        at += length;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// SOI, an APP0 segment, a SOF0 of 640×480, EOI.
    fn tiny_jpeg() -> Vec<u8> {
        let mut b = vec![0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x04, b'J', b'F'];
        b.extend([0xFF, 0xC0, 0x00, 0x0B, 0x08, 0x01, 0xE0, 0x02, 0x80, 0x01]);
        b.extend([0x01, 0x11, 0x00, 0xFF, 0xD9]);
        b
    }

    #[test]
    fn kinds_are_read_from_the_bytes() {
        assert_eq!(PhotoKind::sniff(&tiny_jpeg()), PhotoKind::Jpeg);
        assert_eq!(
            PhotoKind::sniff(b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR"),
            PhotoKind::Png
        );
        assert_eq!(PhotoKind::sniff(b"GIF89a\x01\0"), PhotoKind::Gif);
        assert_eq!(
            PhotoKind::sniff(b"\0\0\0\x18ftypheic\0\0\0\0"),
            PhotoKind::Heif
        );
        assert_eq!(
            PhotoKind::sniff(b"\0\0\0\x1cftypmif1\0\0\0\0"),
            PhotoKind::Heif
        );
        assert_eq!(PhotoKind::sniff(b"hello world"), PhotoKind::Unknown);
        assert_eq!(PhotoKind::sniff(b""), PhotoKind::Unknown);
        assert!(PhotoKind::Heif.accepted() && !PhotoKind::Gif.accepted());
    }

    #[test]
    fn a_jpeg_size_comes_from_its_frame_header() {
        assert_eq!(jpeg_size(&tiny_jpeg()), Ok((640, 480)));
        let jpeg = tiny_jpeg();
        assert_eq!(jpeg_size(&jpeg[..12]), Err(JpegError::Truncated));
        let mut broken = jpeg.clone();
        broken[8] = 0x00;
        assert_eq!(jpeg_size(&broken), Err(JpegError::NotAMarker(8)));
        let mut empty = jpeg;
        empty[13..15].copy_from_slice(&[0, 0]);
        assert!(matches!(
            jpeg_size(&empty),
            Err(JpegError::EmptyFrame { .. })
        ));
    }
}
