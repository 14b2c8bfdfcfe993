//! `curl` commands that send exactly the request a case sent, for a vendor
//! to copy into a shell (POSIX `sh`, `bash`, `zsh`).

use std::fmt::Write as _;
use std::path::Path;

use crate::case::Body;

/// Bodies up to this size are written into the command; larger ones are
/// referred to by file.
pub const INLINE_MAX: usize = 2048;

/// A request ready to send: the credentials of the case resolved from the
/// profile.
#[derive(Debug, Clone, PartialEq)]
pub struct ResolvedRequest {
    /// Upper-case method.
    pub method: String,
    /// Path and query, starting with `/`.
    pub path: String,
    /// Headers in order, as sent (the body's content type included, see
    /// [`ResolvedRequest::headers_to_send`]).
    pub headers: Vec<(String, String)>,
    pub body: Option<Body>,
}

impl ResolvedRequest {
    /// Every header that goes on the wire: the request's own, plus
    /// `Content-Type` from the body unless a header of the request sets it.
    pub fn headers_to_send(&self) -> Vec<(String, String)> {
        let mut out = self.headers.clone();
        if let Some(body) = &self.body {
            let set = out
                .iter()
                .any(|(n, _)| n.eq_ignore_ascii_case("content-type"));
            if !set && !body.content_type.is_empty() {
                out.push(("Content-Type".into(), body.content_type.clone()));
            }
        }
        out
    }

    /// The full URL on `base_url` (a trailing `/` of the base is dropped).
    pub fn url(&self, base_url: &str) -> String {
        join_url(base_url, &self.path)
    }
}

/// `base_url` and `path` joined with exactly one `/`.
pub fn join_url(base_url: &str, path: &str) -> String {
    let base = base_url.trim_end_matches('/');
    if path.starts_with('/') {
        format!("{base}{path}")
    } else {
        format!("{base}/{path}")
    }
}

/// `s` quoted for a POSIX shell: in single quotes, each embedded `'`
/// written as `'\''`.
pub fn shell_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('\'');
    for c in s.chars() {
        if c == '\'' {
            out.push_str("'\\''");
        } else {
            out.push(c);
        }
    }
    out.push('\'');
    out
}

/// A `printf` format that prints exactly `bytes` (octal escapes for
/// everything that is not printable ASCII), single-quoted.
fn printf_format(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 2 + 2);
    out.push('\'');
    for &b in bytes {
        match b {
            b'\'' => out.push_str("'\\''"),
            b'\\' => out.push_str("\\\\"),
            b'%' => out.push_str("%%"),
            0x20..=0x7e => out.push(char::from(b)),
            _ => {
                let _ = write!(out, "\\{b:03o}");
            }
        }
    }
    out.push('\'');
    out
}

/// A copy-pasteable `curl` command sending `request` to `base_url`.
///
/// The body is read from `body_file` when given; otherwise a body of at
/// most [`INLINE_MAX`] bytes is written inline (bytes a shell string cannot
/// hold go through `printf`), and a larger one is replaced by a placeholder
/// file name with a comment saying it was not saved.
pub fn curl_command(base_url: &str, request: &ResolvedRequest, body_file: Option<&Path>) -> String {
    let mut prefix = String::new();
    let mut cmd = String::from("curl -i -g");
    let _ = write!(cmd, " -X {}", shell_quote(&request.method));
    let _ = write!(cmd, " {}", shell_quote(&request.url(base_url)));
    let headers = request.headers_to_send();
    for (name, value) in &headers {
        // `-H 'Name:'` would remove the header; `Name;` sends it empty.
        let header = if value.is_empty() {
            format!("{name};")
        } else {
            format!("{name}: {value}")
        };
        let _ = write!(cmd, " -H {}", shell_quote(&header));
    }
    let mut comment = None;
    if let Some(body) = &request.body {
        let has_type = headers
            .iter()
            .any(|(n, _)| n.eq_ignore_ascii_case("content-type"));
        if !has_type {
            // Otherwise curl adds `application/x-www-form-urlencoded`.
            cmd.push_str(" -H 'Content-Type:'");
        }
        match body_file {
            Some(path) => {
                let _ = write!(
                    cmd,
                    " --data-binary {}",
                    shell_quote(&format!("@{}", path.display()))
                );
            }
            None if body.bytes.len() <= INLINE_MAX => match std::str::from_utf8(&body.bytes) {
                // curl reads `@name` as a file: such a body goes through stdin.
                Ok(text) if !text.contains('\0') && !text.starts_with('@') => {
                    let _ = write!(cmd, " --data-binary {}", shell_quote(text));
                }
                _ => {
                    prefix = format!("printf {} | ", printf_format(&body.bytes));
                    cmd.push_str(" --data-binary @-");
                }
            },
            None => {
                cmd.push_str(" --data-binary @BODY_FILE");
                comment = Some(format!(
                    "  # the {}-byte body was not saved: run with a report directory to get it",
                    body.bytes.len()
                ));
            }
        }
    }
    format!("{prefix}{cmd}{}", comment.unwrap_or_default())
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use std::process::Command;

    use super::*;

    fn request(headers: &[(&str, &str)], body: Option<(&str, &[u8])>) -> ResolvedRequest {
        ResolvedRequest {
            method: "POST".into(),
            path: "/api/v1/x?a=1&b=[2]".into(),
            headers: headers
                .iter()
                .map(|(n, v)| (n.to_string(), v.to_string()))
                .collect(),
            body: body.map(|(t, b)| Body {
                content_type: t.into(),
                bytes: b.to_vec(),
            }),
        }
    }

    /// What `sh` makes of `words` (each argument on its own line), with
    /// `curl` replaced by a function printing its arguments.
    fn sh_args(command: &str) -> Vec<String> {
        let script = format!(
            "curl() {{ for a in \"$@\"; do printf '%s\\n' \"$a\"; done; if [ \"${{CAT:-}}\" ]; then cat; fi; }}\n{command}"
        );
        let out = Command::new("sh").arg("-c").arg(&script).output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout)
            .unwrap()
            .lines()
            .map(str::to_string)
            .collect()
    }

    #[test]
    fn quotes_every_part() {
        let r = request(
            &[("Authorization", "Bearer it's"), ("User-Identifier", "")],
            Some((
                "application/json",
                br#"{"name": "O'Brien; rm -rf /", "$x": "`id`"}"#,
            )),
        );
        let cmd = curl_command("http://localhost:8080/", &r, None);
        assert!(
            cmd.starts_with("curl -i -g -X 'POST' 'http://localhost:8080/api/v1/x?a=1&b=[2]'"),
            "{cmd}"
        );
        assert_eq!(
            sh_args(&cmd),
            vec![
                "-i",
                "-g",
                "-X",
                "POST",
                "http://localhost:8080/api/v1/x?a=1&b=[2]",
                "-H",
                "Authorization: Bearer it's",
                "-H",
                "User-Identifier;",
                "-H",
                "Content-Type: application/json",
                "--data-binary",
                r#"{"name": "O'Brien; rm -rf /", "$x": "`id`"}"#,
            ]
        );
    }

    #[test]
    fn body_file_and_large_bodies() {
        let r = request(&[], Some(("application/json", &[b'a'; 3000])));
        let cmd = curl_command("http://h", &r, Some(Path::new("/tmp/dir/case.0.body")));
        assert!(
            cmd.ends_with("--data-binary '@/tmp/dir/case.0.body'"),
            "{cmd}"
        );
        let cmd = curl_command("http://h", &r, None);
        assert!(
            cmd.contains("--data-binary @BODY_FILE  # the 3000-byte body was not saved"),
            "{cmd}"
        );
        assert!(cmd.len() < 300);
    }

    #[test]
    fn binary_bodies_go_through_printf() {
        let bytes: Vec<u8> = (0..=255u8).chain(b"%s\\'@".iter().copied()).collect();
        let r = request(
            &[("Content-Type", "application/octet-stream")],
            Some(("", &bytes)),
        );
        let cmd = curl_command("http://h", &r, None);
        assert!(cmd.starts_with("printf '"), "{cmd}");
        assert!(cmd.ends_with("--data-binary @-"), "{cmd}");
        // The printf part prints exactly the bytes.
        let printf = cmd.split(" | curl").next().unwrap();
        let out = Command::new("sh").arg("-c").arg(printf).output().unwrap();
        assert_eq!(out.stdout, bytes);
        // A body starting with @ is not read as a file name.
        let r = request(&[], Some(("text/plain", b"@etc/passwd")));
        let cmd = curl_command("http://h", &r, None);
        assert!(cmd.starts_with("printf '@etc/passwd' | curl"), "{cmd}");
    }

    #[test]
    fn content_type_rules() {
        // The body's type unless a header sets one.
        let r = request(
            &[("content-type", "text/plain")],
            Some(("application/json", b"{}")),
        );
        assert_eq!(
            r.headers_to_send(),
            vec![("content-type".to_string(), "text/plain".to_string())]
        );
        // No type at all: curl's default is removed.
        let r = request(&[], Some(("", b"{}")));
        let cmd = curl_command("http://h", &r, None);
        assert!(
            cmd.contains(" -H 'Content-Type:' --data-binary '{}'"),
            "{cmd}"
        );
        // No body: no data flags.
        let r = request(&[("Accept", "*/*")], None);
        let cmd = curl_command("http://h/base", &r, None);
        assert_eq!(
            cmd,
            "curl -i -g -X 'POST' 'http://h/base/api/v1/x?a=1&b=[2]' -H 'Accept: */*'"
        );
    }

    #[test]
    fn joins_urls() {
        assert_eq!(join_url("http://h:1/", "/a"), "http://h:1/a");
        assert_eq!(join_url("http://h:1", "a"), "http://h:1/a");
        assert_eq!(join_url("http://h:1/api//", "/a?b"), "http://h:1/api/a?b");
        assert_eq!(shell_quote("a'b"), "'a'\\''b'");
    }
}
