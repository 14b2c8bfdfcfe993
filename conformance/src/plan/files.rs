//! File-check cases (`x-specgate-file`): for every check, in the spec's
//! order, a file that fails exactly that check (every earlier one passing),
//! and at each boundary a file that passes it (and everything after).

use serde_json::{Map, Value};
use spec::ir::*;

use super::image;
use super::keys::Key;
use super::{Planner, Step, edit_body};

/// What the dimensions must do.
#[derive(Debug, Clone, PartialEq)]
pub enum Want {
    /// Pass every check.
    AllPass,
    /// Pass every check, and hit this target exactly.
    Pass(Target),
    /// Pass the checks before `index`, fail the one at `index`, and hit the target.
    Fail(usize, Target),
}

/// A dimension to hit exactly.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Target {
    pub width: Option<u64>,
    pub height: Option<u64>,
    pub pixels: Option<u64>,
    /// width / height as a fraction (numerator, denominator).
    pub ratio: Option<(u64, u64)>,
}

/// Whether `w` x `h` passes a dimension check for `body`; other checks pass.
fn passes(rule: &FileRule, w: u64, h: u64, body: &Map<String, Value>) -> bool {
    let ratio = w as f64 / h as f64;
    match rule {
        FileRule::MaxWidth(n) => w <= *n,
        FileRule::MinWidth(n) => w >= *n,
        FileRule::MaxHeight(n) => h <= *n,
        FileRule::MinHeight(n) => h >= *n,
        FileRule::MaxPixels(n) => w * h <= *n,
        FileRule::MinPixels(n) => w * h >= *n,
        FileRule::MaxRatio(r) => ratio <= *r,
        FileRule::MinRatio(r) => ratio >= *r,
        FileRule::Orientation { allow, when } => {
            let applies = when.iter().all(|(prop, values)| {
                body.get(prop)
                    .and_then(Value::as_str)
                    .is_some_and(|v| values.iter().any(|x| x == v))
            });
            let shape = match w.cmp(&h) {
                std::cmp::Ordering::Greater => Orientation::Landscape,
                std::cmp::Ordering::Less => Orientation::Portrait,
                std::cmp::Ordering::Equal => Orientation::Square,
            };
            !applies || allow.contains(&shape)
        }
        _ => true,
    }
}

/// Dimensions for `want`, the smallest image that does it; `None` if none.
pub fn solve(checks: &[FileCheck], body: &Map<String, Value>, want: &Want) -> Option<(u32, u32)> {
    let target = match want {
        Want::AllPass => Target::default(),
        Want::Pass(t) | Want::Fail(_, t) => *t,
    };
    let ok = |w: u64, h: u64| -> bool {
        if w == 0 || h == 0 || w > u64::from(u32::MAX) || h > u64::from(u32::MAX) {
            return false;
        }
        if target.width.is_some_and(|t| t != w)
            || target.height.is_some_and(|t| t != h)
            || target.pixels.is_some_and(|p| p != w * h)
            || target.ratio.is_some_and(|(a, b)| w * b != h * a)
        {
            return false;
        }
        match want {
            Want::AllPass | Want::Pass(_) => checks.iter().all(|c| passes(&c.rule, w, h, body)),
            Want::Fail(i, _) => {
                checks[..*i].iter().all(|c| passes(&c.rule, w, h, body))
                    && checks.get(*i).is_some_and(|c| !passes(&c.rule, w, h, body))
            }
        }
    };
    let mut values: Vec<u64> = vec![
        1, 2, 16, 64, 100, 256, 300, 400, 500, 600, 800, 1000, 1024, 1200,
    ];
    for c in checks {
        match c.rule {
            FileRule::MaxWidth(n)
            | FileRule::MinWidth(n)
            | FileRule::MaxHeight(n)
            | FileRule::MinHeight(n) => {
                values.extend([n.saturating_sub(1), n, n + 1]);
            }
            FileRule::MaxPixels(n) | FileRule::MinPixels(n) => {
                let r = n.isqrt();
                values.extend([r.saturating_sub(1), r, r + 1, r + 2]);
            }
            _ => {}
        }
    }
    values.extend([target.width, target.height].into_iter().flatten());
    values.sort_unstable();
    values.dedup();
    values.retain(|v| *v > 0);
    // Each value paired with what the pixel and ratio bounds derive from it.
    let mut derived: Vec<u64> = Vec::new();
    for &v in &values {
        for c in checks {
            match c.rule {
                FileRule::MaxPixels(n) | FileRule::MinPixels(n) => {
                    derived.extend([
                        n / v,
                        n / v + 1,
                        (n + 1).div_ceil(v),
                        n.saturating_sub(1) / v,
                    ]);
                }
                FileRule::MaxRatio(r) | FileRule::MinRatio(r) => {
                    for f in [v as f64 * r, v as f64 / r] {
                        if f.is_finite() && f < 1e9 {
                            derived.extend([
                                f.floor() as u64,
                                f.ceil() as u64,
                                f.ceil() as u64 + 1,
                                (f.floor() as u64).saturating_sub(1),
                            ]);
                        }
                    }
                }
                _ => {}
            }
        }
    }
    values.extend(derived);
    values.sort_unstable();
    values.dedup();
    values.retain(|v| *v > 0);
    let mut best: Option<(u64, u64)> = None;
    let mut consider = |w: u64, h: u64| {
        if ok(w, h) && best.is_none_or(|(bw, bh)| w * h < bw * bh || (w * h == bw * bh && w < bw)) {
            best = Some((w, h));
        }
    };
    for &w in &values {
        for &h in &values {
            consider(w, h);
        }
        if let Some(p) = target.pixels
            && p % w == 0
        {
            consider(w, p / w);
        }
        if let Some((a, b)) = target.ratio
            && (w * b) % a == 0
        {
            consider(w, w * b / a);
        }
    }
    if let Some(p) = target.pixels {
        // Exact pixel counts: walk the divisors below the square root.
        let r = p.isqrt();
        for d in (1..=r).rev().take(200_000) {
            if p % d == 0 {
                consider(d, p / d);
                consider(p / d, d);
            }
        }
    }
    best.and_then(|(w, h)| Some((u32::try_from(w).ok()?, u32::try_from(h).ok()?)))
}

/// Word for a media type in case ids.
fn kind_word(k: MediaType) -> &'static str {
    match k {
        MediaType::Jpeg => "jpeg",
        MediaType::Png => "png",
        MediaType::Gif => "gif",
        MediaType::Bmp => "bmp",
        MediaType::Webp => "webp",
        MediaType::Tiff => "tiff",
        MediaType::Pdf => "pdf",
    }
}

fn allowed(checks: &[FileCheck]) -> Vec<MediaType> {
    checks
        .iter()
        .find_map(|c| match &c.rule {
            FileRule::MediaType { allow, .. } => Some(allow.clone()),
            _ => None,
        })
        .unwrap_or_else(|| vec![MediaType::Png, MediaType::Jpeg])
}

fn key_map(key: &Key) -> Map<String, Value> {
    key.values.iter().cloned().collect()
}

pub fn cases(p: &mut Planner<'_>) {
    for (field, checks) in p.file_fields() {
        for (i, check) in checks.iter().enumerate() {
            rule_cases(p, &field, &checks, i, check);
        }
    }
}

fn set_file(request: &mut crate::case::Request, field: &str, bytes: &[u8]) {
    let text = image::base64(bytes);
    edit_body(request, |v| {
        if let Some(o) = v.as_object_mut() {
            o.insert(field.to_string(), Value::String(text));
        }
    });
}

fn set_props(request: &mut crate::case::Request, props: &[(String, Value)]) {
    edit_body(request, |v| {
        if let Some(o) = v.as_object_mut() {
            for (k, val) in props {
                o.insert(k.clone(), val.clone());
            }
        }
    });
}

/// An error case whose file is `bytes`, with body properties `props`.
#[allow(clippy::too_many_arguments)]
fn fail_case(
    p: &mut Planner<'_>,
    id: String,
    title: String,
    rule: &str,
    field: &str,
    props: &[(String, Value)],
    bytes: Vec<u8>,
    code: &str,
) {
    let expect = p.expect_code(Some(code), 400);
    let origin = format!("/x-specgate-file ({field})");
    p.error_case(id, title, rule, &origin, expect, |r, _| {
        set_props(r, props);
        set_file(r, field, &bytes);
    });
}

/// A success case whose file is made by `make` for the body it will have;
/// `false` when no free conflict key admits such a file.
fn pass_case(
    p: &mut Planner<'_>,
    id: String,
    title: String,
    rule: &str,
    field: &str,
    fixed: &[(String, Value)],
    make: impl Fn(&Map<String, Value>) -> Option<Vec<u8>>,
) -> bool {
    let built = std::cell::RefCell::new(None);
    let Some(key) = p.keys.fresh_where(fixed, |key| {
        let body = key_map(key);
        match make(&body) {
            Some(bytes) => {
                *built.borrow_mut() = Some(bytes);
                true
            }
            None => false,
        }
    }) else {
        return false;
    };
    let Some(bytes) = built.into_inner() else {
        return false;
    };
    let mut request = p.baseline(&key);
    set_file(&mut request, field, &bytes);
    let expect = p.success();
    let origin = format!("/x-specgate-file ({field})");
    p.push(id, title, rule, &origin, vec![Step { request, expect }]);
    true
}

fn rule_cases(p: &mut Planner<'_>, field: &str, checks: &[FileCheck], i: usize, check: &FileCheck) {
    let code = check.code.as_str();
    let reserved = key_map(&p.keys.reserved());
    let kinds = allowed(checks);
    let base = format!("file.{field}");
    match &check.rule {
        FileRule::NotEmpty => fail_case(
            p,
            format!("{base}.empty"),
            format!("An empty {field} (zero bytes) is refused with {code}"),
            "the file must not be empty",
            field,
            &[],
            Vec::new(),
            code,
        ),
        FileRule::MaxBytes(n) => {
            let n = *n as usize;
            let kind_checks = checks.to_vec();
            pass_case(
                p,
                format!("{base}.size.at-max"),
                format!("A valid image of exactly {n} bytes passes the size check"),
                "the file's size limit",
                field,
                &[],
                move |body| {
                    let (w, h) = solve(&kind_checks, body, &Want::AllPass)?;
                    image::pad_png(&image::png(w, h)?, n)
                },
            );
            if let Some((w, h)) = solve(checks, &reserved, &Want::AllPass)
                && let Some(bytes) = image::png(w, h).and_then(|png| image::pad_png(&png, n + 1))
            {
                fail_case(
                    p,
                    format!("{base}.size.over-max"),
                    format!(
                        "A valid image of {} bytes (one over the limit) is refused with {code}",
                        n + 1
                    ),
                    "the file's size limit",
                    field,
                    &[],
                    bytes,
                    code,
                );
            }
        }
        FileRule::MediaType {
            allow,
            refuse,
            refused_code,
        } => {
            for kind in refuse {
                fail_case(
                    p,
                    format!("{base}.type.{}", kind_word(*kind)),
                    format!("A {} file is refused with {refused_code}", kind.mime()),
                    "refused media types",
                    field,
                    &[],
                    image::signature(*kind),
                    refused_code,
                );
            }
            fail_case(
                p,
                format!("{base}.type.unknown"),
                format!("Bytes of no known type are refused with {code}"),
                "unknown media types",
                field,
                &[],
                image::unknown_bytes(),
                code,
            );
            if let Some(first) = allow.first() {
                fail_case(
                    p,
                    format!("{base}.type.cut-short"),
                    format!(
                        "A {} signature cut one byte short is refused with {code}",
                        first.mime()
                    ),
                    "unknown media types",
                    field,
                    &[],
                    image::cut_signature(*first),
                    code,
                );
            }
            for kind in allow {
                let kind = *kind;
                let kind_checks = checks.to_vec();
                pass_case(
                    p,
                    format!("{base}.type.{}.accepted", kind_word(kind)),
                    format!("A valid {} image is accepted", kind.mime()),
                    "allowed media types",
                    field,
                    &[],
                    move |body| {
                        let (w, h) = solve(&kind_checks, body, &Want::AllPass)?;
                        image::encode(kind, w, h)
                    },
                );
            }
        }
        FileRule::ImageHeader => {
            if kinds.contains(&MediaType::Png)
                && let Some((w, h)) = solve(checks, &reserved, &Want::AllPass)
            {
                fail_case(
                    p,
                    format!("{base}.header.bad-crc"),
                    format!("A PNG whose header chunk is damaged is refused with {code}"),
                    "the image header must be readable",
                    field,
                    &[],
                    image::png_bad_header(w, h),
                    code,
                );
                fail_case(
                    p,
                    format!("{base}.header.zero-width"),
                    format!("A PNG declaring a zero width is refused with {code}"),
                    "the image header must be readable",
                    field,
                    &[],
                    image::png_corrupt_pixels(0, h),
                    code,
                );
            }
            if kinds.contains(&MediaType::Jpeg)
                && let Some((w, h)) = solve(checks, &reserved, &Want::AllPass)
                && let Some(jpeg) = image::jpeg(w, h)
            {
                // Keep the markers before the first SOF only.
                let cut = sof_offset(&jpeg).unwrap_or(jpeg.len().min(20));
                fail_case(
                    p,
                    format!("{base}.header.jpeg-cut"),
                    format!("A JPEG cut before its frame header is refused with {code}"),
                    "the image header must be readable",
                    field,
                    &[],
                    jpeg[..cut].to_vec(),
                    code,
                );
            }
        }
        FileRule::ImageDecode => {
            if let Some((w, h)) = solve(checks, &reserved, &Want::AllPass) {
                fail_case(
                    p,
                    format!("{base}.decode.corrupt"),
                    format!(
                        "A PNG with a good header and corrupt pixel data is refused with {code}"
                    ),
                    "the image must decode",
                    field,
                    &[],
                    image::png_corrupt_pixels(w, h),
                    code,
                );
            }
        }
        FileRule::Orientation { allow, when } => {
            // Every combination of the `when` values: a success case needs a
            // conflict key of its own, so it takes the first one still free.
            let mut combos: Vec<Vec<(String, Value)>> = vec![Vec::new()];
            for (k, values) in when {
                combos = combos
                    .into_iter()
                    .flat_map(|c| {
                        values.iter().map(move |v| {
                            let mut c = c.clone();
                            c.push((k.clone(), Value::String(v.clone())));
                            c
                        })
                    })
                    .collect();
            }
            let fixed = combos.first().cloned().unwrap_or_default();
            let mut body = reserved.clone();
            body.extend(fixed.iter().cloned());
            let shapes = [
                Orientation::Landscape,
                Orientation::Portrait,
                Orientation::Square,
            ];
            let shape_word = |o: Orientation| match o {
                Orientation::Landscape => "landscape",
                Orientation::Portrait => "portrait",
                Orientation::Square => "square",
            };
            let words = |fixed: &[(String, Value)]| {
                fixed
                    .iter()
                    .map(|(k, v)| format!("{k} {}", v.as_str().unwrap_or("")))
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            let slug = rule_slug(&fixed);
            for shape in shapes {
                let target = move |w: u64, h: u64| match shape {
                    Orientation::Landscape => w > h,
                    Orientation::Portrait => w < h,
                    Orientation::Square => w == h,
                };
                if allow.contains(&shape) {
                    for combo in &combos {
                        let kind_checks = checks.to_vec();
                        let pushed = pass_case(
                            p,
                            format!(
                                "{base}.orientation.{}.{}",
                                rule_slug(combo),
                                shape_word(shape)
                            ),
                            format!(
                                "A {} image is accepted for {}",
                                shape_word(shape),
                                words(combo)
                            ),
                            "orientation",
                            field,
                            combo,
                            move |body| {
                                let (w, h) = solve_shape(&kind_checks, body, None, &target)?;
                                image::encode(image::preferred_kind(&kind_checks), w, h)
                            },
                        );
                        if pushed {
                            break;
                        }
                    }
                } else if let Some((w, h)) = solve_shape(checks, &body, Some(i), &target)
                    && let Some(bytes) = image::encode(image::preferred_kind(checks), w, h)
                {
                    fail_case(
                        p,
                        format!("{base}.orientation.{slug}.{}", shape_word(shape)),
                        format!(
                            "A {} image is refused with {code} for {}",
                            shape_word(shape),
                            words(&fixed)
                        ),
                        "orientation",
                        field,
                        &fixed,
                        bytes,
                        code,
                    );
                }
            }
        }
        dimension => dimension_cases(p, field, checks, i, dimension, code, &reserved, &kinds),
    }
}

/// Dimensions of a given shape: all checks pass (`fail_at` None) or the
/// checks before `fail_at` pass and that one fails.
fn solve_shape(
    checks: &[FileCheck],
    body: &Map<String, Value>,
    fail_at: Option<usize>,
    shape: &dyn Fn(u64, u64) -> bool,
) -> Option<(u32, u32)> {
    // Try the orientation first with a preferred ratio, then any.
    for (a, b) in [
        (3u64, 2u64),
        (2, 3),
        (1, 1),
        (4, 3),
        (3, 4),
        (16, 9),
        (9, 16),
    ] {
        let target = Target {
            ratio: Some((a, b)),
            ..Target::default()
        };
        let want = match fail_at {
            None => Want::Pass(target),
            Some(i) => Want::Fail(i, target),
        };
        if let Some((w, h)) = solve(checks, body, &want)
            && shape(u64::from(w), u64::from(h))
        {
            return Some((w, h));
        }
    }
    None
}

fn rule_slug(fixed: &[(String, Value)]) -> String {
    let words: Vec<String> = fixed
        .iter()
        .filter_map(|(_, v)| v.as_str().map(|s| s.to_string()))
        .collect();
    if words.is_empty() {
        "any".into()
    } else {
        words.join("-")
    }
}

/// Boundary cases of a width, height, pixel-count or ratio rule: both sides,
/// in every allowed format that can carry the size.
#[allow(clippy::too_many_arguments)]
fn dimension_cases(
    p: &mut Planner<'_>,
    field: &str,
    checks: &[FileCheck],
    i: usize,
    rule: &FileRule,
    code: &str,
    reserved: &Map<String, Value>,
    kinds: &[MediaType],
) {
    let (slug, what, pass_target, fail_target): (&str, String, Target, Target) = match *rule {
        FileRule::MaxWidth(n) => (
            "width.max",
            format!("width {n}"),
            Target {
                width: Some(n),
                ..Default::default()
            },
            Target {
                width: Some(n + 1),
                ..Default::default()
            },
        ),
        FileRule::MinWidth(n) => (
            "width.min",
            format!("width {n}"),
            Target {
                width: Some(n),
                ..Default::default()
            },
            Target {
                width: n.checked_sub(1),
                ..Default::default()
            },
        ),
        FileRule::MaxHeight(n) => (
            "height.max",
            format!("height {n}"),
            Target {
                height: Some(n),
                ..Default::default()
            },
            Target {
                height: Some(n + 1),
                ..Default::default()
            },
        ),
        FileRule::MinHeight(n) => (
            "height.min",
            format!("height {n}"),
            Target {
                height: Some(n),
                ..Default::default()
            },
            Target {
                height: n.checked_sub(1),
                ..Default::default()
            },
        ),
        FileRule::MaxPixels(n) => (
            "pixels.max",
            format!("{n} pixels"),
            Target {
                pixels: Some(n),
                ..Default::default()
            },
            Target {
                pixels: Some(n + 1),
                ..Default::default()
            },
        ),
        FileRule::MinPixels(n) => (
            "pixels.min",
            format!("{n} pixels"),
            Target {
                pixels: Some(n),
                ..Default::default()
            },
            Target {
                pixels: n.checked_sub(1),
                ..Default::default()
            },
        ),
        FileRule::MaxRatio(r) => (
            "ratio.max",
            format!("ratio {r}"),
            Target {
                ratio: fraction(r),
                ..Default::default()
            },
            Target::default(),
        ),
        FileRule::MinRatio(r) => (
            "ratio.min",
            format!("ratio {r}"),
            Target {
                ratio: fraction(r),
                ..Default::default()
            },
            Target::default(),
        ),
        _ => return,
    };
    for &kind in kinds {
        if !matches!(kind, MediaType::Png | MediaType::Jpeg) {
            continue;
        }
        let word = kind_word(kind);
        let kind_checks = checks.to_vec();
        pass_case(
            p,
            format!("file.{field}.{slug}.at-limit.{word}"),
            format!("A {} image at exactly {what} passes", kind.mime()),
            "image dimensions",
            field,
            &[],
            move |body| {
                let (w, h) = solve(&kind_checks, body, &Want::Pass(pass_target))?;
                let bytes = image::encode(kind, w, h)?;
                within_size(&kind_checks, &bytes).then_some(bytes)
            },
        );
        // Exactly one beyond the limit where possible, else the nearest.
        let fail = solve(checks, reserved, &Want::Fail(i, fail_target))
            .or_else(|| solve(checks, reserved, &Want::Fail(i, Target::default())));
        if let Some((w, h)) = fail
            && let Some(bytes) = image::encode(kind, w, h)
            && within_size(checks, &bytes)
        {
            fail_case(
                p,
                format!("file.{field}.{slug}.beyond.{word}"),
                format!(
                    "A {} image of {w} x {h}, just beyond {what}, is refused with {code}",
                    kind.mime()
                ),
                "image dimensions",
                field,
                &[],
                bytes,
                code,
            );
        }
    }
}

/// Whether `bytes` passes the size checks (so a dimension case is not
/// decided by its size).
fn within_size(checks: &[FileCheck], bytes: &[u8]) -> bool {
    checks.iter().all(|c| match c.rule {
        FileRule::MaxBytes(n) => bytes.len() as u64 <= n,
        FileRule::NotEmpty => !bytes.is_empty(),
        _ => true,
    })
}

/// `r` as a small exact fraction, if it has one.
fn fraction(r: f64) -> Option<(u64, u64)> {
    (1..=1000u64).find_map(|d| {
        let n = r * d as f64;
        ((n - n.round()).abs() < 1e-9 && n >= 1.0).then_some((n.round() as u64, d))
    })
}

/// Offset of the first SOFn marker in a JPEG, if any.
fn sof_offset(jpeg: &[u8]) -> Option<usize> {
    let mut i = 2;
    while i + 4 <= jpeg.len() {
        if jpeg[i] != 0xFF {
            return None;
        }
        let marker = jpeg[i + 1];
        if (0xC0..=0xCF).contains(&marker) && ![0xC4, 0xC8, 0xCC].contains(&marker) {
            return Some(i);
        }
        let len = usize::from(u16::from_be_bytes([jpeg[i + 2], jpeg[i + 3]]));
        i += 2 + len;
    }
    None
}
