//! Real image files for file-check cases: PNG and JPEG of exact dimensions
//! and exact byte sizes, and the damaged or foreign variants.

use serde_json::{Map, Value};
use spec::ir::{FileCheck, FileRule, MediaType};

/// Canonical base64 (RFC 4648, padded).
pub fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk.first().copied().unwrap_or(0),
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// A real grey PNG of `w` x `h` (uniform, so it stays small at any size).
pub fn png(w: u32, h: u32) -> Option<Vec<u8>> {
    let img = image::GrayImage::from_pixel(w, h, image::Luma([128]));
    let mut out = Vec::new();
    let encoder = image::codecs::png::PngEncoder::new_with_quality(
        &mut out,
        image::codecs::png::CompressionType::Default,
        image::codecs::png::FilterType::Sub,
    );
    image::ImageEncoder::write_image(encoder, img.as_raw(), w, h, image::ExtendedColorType::L8)
        .ok()?;
    Some(out)
}

/// A real grey baseline JPEG of `w` x `h`.
pub fn jpeg(w: u32, h: u32) -> Option<Vec<u8>> {
    // JPEG dimensions are 16-bit.
    if w > 65_535 || h > 65_535 {
        return None;
    }
    let img = image::GrayImage::from_pixel(w, h, image::Luma([128]));
    let mut out = Vec::new();
    let encoder = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 50);
    image::ImageEncoder::write_image(encoder, img.as_raw(), w, h, image::ExtendedColorType::L8)
        .ok()?;
    Some(out)
}

/// A file of `kind` and dimensions.
pub fn encode(kind: MediaType, w: u32, h: u32) -> Option<Vec<u8>> {
    match kind {
        MediaType::Png => png(w, h),
        MediaType::Jpeg => jpeg(w, h),
        _ => None,
    }
}

/// `png` grown to exactly `len` bytes with an ancillary chunk before IEND
/// (decoders skip it), or `None` if `len` is too small.
pub fn pad_png(png: &[u8], len: usize) -> Option<Vec<u8>> {
    const IEND: usize = 12;
    let extra = len.checked_sub(png.len())?;
    if extra == 0 {
        return Some(png.to_vec());
    }
    // A chunk costs 12 bytes beside its data.
    let data_len = extra.checked_sub(12)?;
    let at = png.len().checked_sub(IEND)?;
    let mut out = Vec::with_capacity(len);
    out.extend_from_slice(&png[..at]);
    out.extend_from_slice(&u32::try_from(data_len).ok()?.to_be_bytes());
    let mut chunk = b"spGt".to_vec();
    chunk.extend(std::iter::repeat_n(0u8, data_len));
    out.extend_from_slice(&chunk);
    out.extend_from_slice(&crc32(&chunk).to_be_bytes());
    out.extend_from_slice(&png[at..]);
    Some(out)
}

/// A PNG whose header is intact and whose pixel data is garbage: only a
/// full decode finds out.
pub fn png_corrupt_pixels(w: u32, h: u32) -> Vec<u8> {
    let mut out = png_header(w, h, true);
    let data = b"specgate: these are not deflated pixels".to_vec();
    out.extend(chunk(b"IDAT", &data));
    out.extend(chunk(b"IEND", &[]));
    out
}

/// A PNG signature with an IHDR whose CRC is wrong.
pub fn png_bad_header(w: u32, h: u32) -> Vec<u8> {
    let mut out = png_header(w, h, false);
    out.extend(chunk(b"IEND", &[]));
    out
}

fn png_header(w: u32, h: u32, good_crc: bool) -> Vec<u8> {
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&w.to_be_bytes());
    ihdr.extend_from_slice(&h.to_be_bytes());
    ihdr.extend_from_slice(&[8, 0, 0, 0, 0]);
    let mut c = chunk(b"IHDR", &ihdr);
    if !good_crc {
        let n = c.len();
        c[n - 1] ^= 0xff;
    }
    out.extend(c);
    out
}

fn chunk(kind: &[u8; 4], data: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len() + 12);
    out.extend_from_slice(&u32::try_from(data.len()).unwrap_or(0).to_be_bytes());
    let mut body = kind.to_vec();
    body.extend_from_slice(data);
    out.extend_from_slice(&body);
    out.extend_from_slice(&crc32(&body).to_be_bytes());
    out
}

/// The start of a file of `kind` by its magic bytes, padded to look like a file.
pub fn signature(kind: MediaType) -> Vec<u8> {
    let mut out: Vec<u8> = match kind {
        MediaType::Jpeg => vec![0xFF, 0xD8, 0xFF, 0xE0],
        MediaType::Png => b"\x89PNG\r\n\x1a\n".to_vec(),
        MediaType::Gif => b"GIF89a".to_vec(),
        MediaType::Bmp => b"BM".to_vec(),
        MediaType::Webp => {
            let mut v = b"RIFF".to_vec();
            v.extend_from_slice(&[0x24, 0, 0, 0]);
            v.extend_from_slice(b"WEBPVP8 ");
            v
        }
        MediaType::Tiff => b"II*\0".to_vec(),
        MediaType::Pdf => b"%PDF-1.7\n".to_vec(),
    };
    out.extend(std::iter::repeat_n(0x20u8, 64));
    out
}

/// The signature of `kind`, cut one byte short.
pub fn cut_signature(kind: MediaType) -> Vec<u8> {
    let full: &[u8] = match kind {
        MediaType::Png => b"\x89PNG\r\n\x1a\n",
        MediaType::Jpeg => &[0xFF, 0xD8, 0xFF],
        MediaType::Gif => b"GIF89a",
        MediaType::Bmp => b"BM",
        MediaType::Webp => b"RIFF\x24\0\0\0WEBP",
        MediaType::Tiff => b"II*\0",
        MediaType::Pdf => b"%PDF-",
    };
    full[..full.len() - 1].to_vec()
}

/// Bytes no known signature starts.
pub fn unknown_bytes() -> Vec<u8> {
    b"specgate: plain text, not an image\n".to_vec()
}

/// CRC-32 (IEEE), as PNG chunks use.
pub fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// The media type a valid file should have: PNG if allowed, else the first allowed.
pub fn preferred_kind(checks: &[FileCheck]) -> MediaType {
    let allow: Vec<MediaType> = checks
        .iter()
        .find_map(|c| match &c.rule {
            FileRule::MediaType { allow, .. } => Some(allow.clone()),
            _ => None,
        })
        .unwrap_or_default();
    if allow.is_empty() || allow.contains(&MediaType::Png) {
        MediaType::Png
    } else {
        allow[0]
    }
}

/// A file passing every check for `body`, or `None` when no dimensions do.
pub fn valid_file(checks: &[FileCheck], body: &Map<String, Value>) -> Option<Vec<u8>> {
    let (w, h) = super::files::solve(checks, body, &super::files::Want::AllPass)?;
    encode(preferred_kind(checks), w, h)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn large_uniform_images_stay_small() {
        for (w, h) in [(8000, 2000), (6325, 6325), (300, 300)] {
            let p = png(w, h).map(|b| b.len());
            let j = jpeg(w, h).map(|b| b.len());
            println!("{w}x{h}: png {p:?} jpeg {j:?}");
            assert!(p.is_some_and(|n| n < 5 * 1024 * 1024), "{w}x{h} png {p:?}");
        }
    }
}
