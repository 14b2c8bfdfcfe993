//! The full image decode (the spec's `image-decode` check), after the
//! generated router's header-level checks passed.

use std::io::Cursor;

use identity_document::constraints::{
    UPLOAD_IDENTITY_DOCUMENT_DATA_FILE_CHECKS as FILE_CHECKS,
    UPLOAD_IDENTITY_DOCUMENT_DATA_MAX_HEIGHT as MAX_HEIGHT,
    UPLOAD_IDENTITY_DOCUMENT_DATA_MAX_PIXELS as MAX_PIXELS,
    UPLOAD_IDENTITY_DOCUMENT_DATA_MAX_WIDTH as MAX_WIDTH,
};
use identity_document::runtime::{self, FileRule, MediaType};
use image::{ImageFormat, ImageReader, Limits};

/// Bytes per pixel of the widest output the decoders make (16-bit RGBA).
const MAX_BYTES_PER_PIXEL: u64 = 8;

/// The code the spec gives a failed full decode (its `image-decode` check).
pub(crate) fn decode_code() -> Option<&'static str> {
    FILE_CHECKS
        .iter()
        .find(|c| matches!(c.rule, FileRule::ImageDecode))
        .map(|c| c.code)
}

/// A fully decoded image's facts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Decoded {
    pub media_type: &'static str,
    pub width: u32,
    pub height: u32,
}

/// Decode every pixel of `bytes` (a PNG or JPEG whose header passed), with
/// limits from the spec so that corrupt data cannot allocate without bound.
/// Err describes why the data is corrupt (for the log, never for the client).
pub(crate) fn decode(bytes: &[u8]) -> Result<Decoded, String> {
    let kind = runtime::sniff(bytes).ok_or("no known magic bytes")?;
    let format = match kind {
        MediaType::Png => ImageFormat::Png,
        MediaType::Jpeg => ImageFormat::Jpeg,
        other => return Err(format!("{} is not decoded here", other.mime())),
    };
    let header = runtime::image_dimensions(kind, bytes).ok_or("unreadable header")?;
    let mut limits = Limits::default();
    limits.max_image_width = Some(u32::try_from(MAX_WIDTH).unwrap_or(u32::MAX));
    limits.max_image_height = Some(u32::try_from(MAX_HEIGHT).unwrap_or(u32::MAX));
    limits.max_alloc = Some(MAX_PIXELS.saturating_mul(MAX_BYTES_PER_PIXEL));
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    reader.limits(limits);
    let image = reader.decode().map_err(|e| e.to_string())?;
    if kind == MediaType::Jpeg && !ends_its_scan(bytes) {
        return Err("the JPEG's scan data is cut off (no EOI marker)".to_owned());
    }
    let decoded = (image.width(), image.height());
    if decoded != header {
        return Err(format!(
            "decoded {}x{} but the header says {}x{}",
            decoded.0, decoded.1, header.0, header.1
        ));
    }
    Ok(Decoded {
        media_type: kind.mime(),
        width: decoded.0,
        height: decoded.1,
    })
}

/// Whether a JPEG has an EOI marker (FF D9) after its first SOS. The image
/// crate decodes JPEG leniently (zune-jpeg without strict mode), filling a
/// scan cut short with grey instead of failing; a truncated upload is corrupt
/// data all the same. Entropy-coded data escapes FF as FF 00, so FF D9 after
/// SOS is a marker.
fn ends_its_scan(bytes: &[u8]) -> bool {
    let Some(sos) = bytes.windows(2).position(|w| w == [0xFF, 0xDA]) else {
        return false;
    };
    bytes
        .get(sos + 2..)
        .is_some_and(|rest| rest.windows(2).any(|w| w == [0xFF, 0xD9]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_jpeg_scan_must_end() {
        assert!(ends_its_scan(&[0xFF, 0xD8, 0xFF, 0xDA, 1, 2, 0xFF, 0xD9]));
        assert!(ends_its_scan(&[0xFF, 0xD8, 0xFF, 0xDA, 0xFF, 0xD9, 0, 0]));
        assert!(!ends_its_scan(&[0xFF, 0xD8, 0xFF, 0xDA, 1, 2, 3]));
        assert!(!ends_its_scan(&[0xFF, 0xD8, 0xFF, 0xD9]));
        assert!(!ends_its_scan(&[0xFF, 0xD8, 0xFF, 0xDA, 0xD9]));
    }

    #[test]
    fn the_decode_code_comes_from_the_spec() {
        assert!(decode_code().is_some());
    }
}
