//! The profile: a target's test credentials, read from and written to TOML.
//!
//! ```toml
//! [credentials.valid]      # one subject that may do everything
//! apiKey = "..."
//! partnerToken = "..."
//! [credentials.expired]    # expired credentials of that subject
//! partnerToken = "..."
//! [credentials.other]      # another subject, for mismatch rules
//! userToken = "..."
//! [credentials.gone]       # a deleted subject
//! userToken = "..."
//! ```
//!
//! Keys under each set are security scheme names of the spec; values are the
//! bare credentials (the planner adds prefixes such as `Bearer `).

use std::collections::BTreeMap;
use std::fmt::Write as _;

use spec::ir::Api;
use toml::Spanned;
use toml::de::{DeTable, DeValue};

use crate::case::{CredentialSet, Profile};

/// Why a profile could not be read. Every variant names the line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProfileError {
    /// Not TOML at all; the message carries the line and column.
    #[error("the profile is not valid TOML: {0}")]
    Syntax(String),
    #[error("line {line}: unknown key `{key}` (a profile holds only `[credentials.<set>]` tables)")]
    UnknownKey { line: usize, key: String },
    #[error("line {line}: `{key}` must be a table")]
    NotATable { line: usize, key: String },
    #[error(
        "line {line}: unknown credential set `{set}` (the sets are `valid`, `expired`, `other` and `gone`)"
    )]
    UnknownSet { line: usize, set: String },
    #[error("line {line}: `credentials.{set}.{key}` must be a string")]
    NotAString {
        line: usize,
        set: String,
        key: String,
    },
}

const SETS: [CredentialSet; 4] = [
    CredentialSet::Valid,
    CredentialSet::Expired,
    CredentialSet::Other,
    CredentialSet::Gone,
];

fn set_named(name: &str) -> Option<CredentialSet> {
    SETS.into_iter().find(|s| s.name() == name)
}

/// 1-based line of a byte offset.
fn line_of(text: &str, offset: usize) -> usize {
    let end = offset.min(text.len());
    text.as_bytes()[..end]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

fn key_line<T>(text: &str, key: &Spanned<T>) -> usize {
    line_of(text, key.span().start)
}

impl Profile {
    /// Reads a profile in the format of the module documentation.
    pub fn from_toml(text: &str) -> Result<Profile, ProfileError> {
        let doc = DeTable::parse(text).map_err(|e| {
            let line = e.span().map(|s| line_of(text, s.start));
            match line {
                Some(line) => ProfileError::Syntax(format!("line {line}: {}", e.message())),
                None => ProfileError::Syntax(e.message().to_string()),
            }
        })?;
        let mut profile = Profile::default();
        for (key, value) in doc.get_ref() {
            if key.get_ref().as_ref() != "credentials" {
                return Err(ProfileError::UnknownKey {
                    line: key_line(text, key),
                    key: key.get_ref().to_string(),
                });
            }
            let DeValue::Table(sets) = value.get_ref() else {
                return Err(ProfileError::NotATable {
                    line: key_line(text, key),
                    key: "credentials".into(),
                });
            };
            for (set_key, set_value) in sets {
                let set_name = set_key.get_ref().as_ref();
                let Some(set) = set_named(set_name) else {
                    return Err(ProfileError::UnknownSet {
                        line: key_line(text, set_key),
                        set: set_name.to_string(),
                    });
                };
                let DeValue::Table(entries) = set_value.get_ref() else {
                    return Err(ProfileError::NotATable {
                        line: key_line(text, set_key),
                        key: format!("credentials.{set_name}"),
                    });
                };
                let creds = profile.credentials.entry(set).or_default();
                for (scheme, credential) in entries {
                    let DeValue::String(credential) = credential.get_ref() else {
                        return Err(ProfileError::NotAString {
                            line: key_line(text, scheme),
                            set: set_name.to_string(),
                            key: scheme.get_ref().to_string(),
                        });
                    };
                    creds.insert(scheme.get_ref().to_string(), credential.to_string());
                }
            }
        }
        Ok(profile)
    }

    /// Warnings for credentials whose scheme the spec does not declare
    /// (most likely a typo: such a credential is never used).
    pub fn check(&self, api: &Api) -> Vec<String> {
        let known: Vec<&str> = api
            .security_schemes
            .iter()
            .map(|s| s.name.as_str())
            .collect();
        let mut warnings = Vec::new();
        for (set, creds) in &self.credentials {
            for scheme in creds.keys() {
                if !known.contains(&scheme.as_str()) {
                    let declared = if known.is_empty() {
                        "the spec declares no security schemes".to_string()
                    } else {
                        format!("the spec's schemes are {}", known.join(", "))
                    };
                    warnings.push(format!(
                        "the profile's `{}` credential `{scheme}` names no security scheme of the spec ({declared}); it is never used",
                        set.name()
                    ));
                }
            }
        }
        warnings
    }

    /// The profile in the format [`Profile::from_toml`] reads (empty sets
    /// are left out).
    pub fn to_toml(&self) -> String {
        let mut out = String::new();
        for (set, creds) in &self.credentials {
            if creds.is_empty() {
                continue;
            }
            if !out.is_empty() {
                out.push('\n');
            }
            let _ = writeln!(out, "[credentials.{}]", set.name());
            for (scheme, value) in creds {
                let _ = writeln!(out, "{} = {}", toml_key(scheme), toml_string(value));
            }
        }
        out
    }

    /// A profile from `(set, scheme, credential)` triples.
    pub fn from_entries<'a>(
        entries: impl IntoIterator<Item = (CredentialSet, &'a str, &'a str)>,
    ) -> Profile {
        let mut credentials: BTreeMap<CredentialSet, BTreeMap<String, String>> = BTreeMap::new();
        for (set, scheme, value) in entries {
            credentials
                .entry(set)
                .or_default()
                .insert(scheme.to_string(), value.to_string());
        }
        Profile { credentials }
    }
}

fn toml_key(key: &str) -> String {
    let bare = !key.is_empty()
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    if bare {
        key.to_string()
    } else {
        toml_string(key)
    }
}

/// A TOML basic string.
fn toml_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04X}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use crate::case::Credential;

    const SAMPLE: &str = r#"
[credentials.valid]      # one subject that may do everything
apiKey = "key-1"
partnerToken = "eyJ.partner"
[credentials.expired]
partnerToken = "eyJ.expired"
[credentials.other]
userToken = "other-user"
[credentials.gone]
userToken = "gone-user"
"#;

    fn cred(set: CredentialSet, scheme: &str) -> Credential {
        Credential {
            set,
            scheme: scheme.into(),
            prefix: String::new(),
        }
    }

    #[test]
    fn reads_every_set() {
        let p = Profile::from_toml(SAMPLE).unwrap();
        assert_eq!(p.get(&cred(CredentialSet::Valid, "apiKey")), Some("key-1"));
        assert_eq!(
            p.get(&cred(CredentialSet::Valid, "partnerToken")),
            Some("eyJ.partner")
        );
        assert_eq!(
            p.get(&cred(CredentialSet::Expired, "partnerToken")),
            Some("eyJ.expired")
        );
        assert_eq!(
            p.get(&cred(CredentialSet::Other, "userToken")),
            Some("other-user")
        );
        assert_eq!(
            p.get(&cred(CredentialSet::Gone, "userToken")),
            Some("gone-user")
        );
        assert_eq!(p.get(&cred(CredentialSet::Expired, "apiKey")), None);
    }

    #[test]
    fn empty_and_dotted_forms() {
        assert_eq!(Profile::from_toml("").unwrap(), Profile::default());
        let p = Profile::from_toml("credentials.valid.apiKey = 'k'\n").unwrap();
        assert_eq!(p.get(&cred(CredentialSet::Valid, "apiKey")), Some("k"));
        let p = Profile::from_toml("[credentials]\nvalid = { apiKey = \"k\" }\n").unwrap();
        assert_eq!(p.get(&cred(CredentialSet::Valid, "apiKey")), Some("k"));
    }

    #[test]
    fn unknown_set_names_its_line() {
        let err = Profile::from_toml(
            "[credentials.valid]\na = \"x\"\n\n[credentials.stale]\nb = \"y\"\n",
        )
        .unwrap_err();
        assert_eq!(
            err,
            ProfileError::UnknownSet {
                line: 4,
                set: "stale".into()
            }
        );
        assert!(err.to_string().contains("line 4"), "{err}");
        assert!(err.to_string().contains("`stale`"), "{err}");
    }

    #[test]
    fn non_string_value_names_line_and_key() {
        let err = Profile::from_toml("[credentials.valid]\napiKey = \"x\"\nuserToken = 42\n")
            .unwrap_err();
        assert_eq!(
            err,
            ProfileError::NotAString {
                line: 3,
                set: "valid".into(),
                key: "userToken".into()
            }
        );
        assert_eq!(
            err.to_string(),
            "line 3: `credentials.valid.userToken` must be a string"
        );
        let err = Profile::from_toml("[credentials.valid]\napiKey = [\"x\"]\n").unwrap_err();
        assert!(
            matches!(err, ProfileError::NotAString { line: 2, .. }),
            "{err}"
        );
    }

    #[test]
    fn other_shapes_are_refused() {
        let err = Profile::from_toml("title = \"x\"\n").unwrap_err();
        assert_eq!(
            err,
            ProfileError::UnknownKey {
                line: 1,
                key: "title".into()
            }
        );
        let err = Profile::from_toml("credentials = 3\n").unwrap_err();
        assert!(
            matches!(err, ProfileError::NotATable { line: 1, .. }),
            "{err}"
        );
        let err = Profile::from_toml("[credentials]\nvalid = \"x\"\n").unwrap_err();
        assert!(
            matches!(err, ProfileError::NotATable { line: 2, .. }),
            "{err}"
        );
        let err = Profile::from_toml("[credentials.valid\napiKey = 1").unwrap_err();
        assert!(matches!(err, ProfileError::Syntax(_)), "{err}");
        assert!(err.to_string().contains("line 1"), "{err}");
    }

    #[test]
    fn round_trips_through_toml() {
        let p = Profile::from_entries([
            (CredentialSet::Valid, "apiKey", "plain"),
            (
                CredentialSet::Valid,
                "odd name",
                "quote \" backslash \\ newline \n tab \t bell \u{7}",
            ),
            (CredentialSet::Gone, "userToken", "ünïcödé"),
        ]);
        let text = p.to_toml();
        assert!(
            text.starts_with("[credentials.valid]\napiKey = \"plain\"\n"),
            "{text}"
        );
        assert_eq!(Profile::from_toml(&text).unwrap(), p);
        let sample = Profile::from_toml(SAMPLE).unwrap();
        assert_eq!(Profile::from_toml(&sample.to_toml()).unwrap(), sample);
    }

    #[test]
    fn check_warns_about_unknown_schemes() {
        let api = spec::load(
            &std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../spec/identity-document.yaml"),
        )
        .unwrap();
        assert!(Profile::from_toml(SAMPLE).unwrap().check(&api).is_empty());
        let p = Profile::from_entries([(CredentialSet::Expired, "partner_token", "x")]);
        let warnings = p.check(&api);
        assert_eq!(warnings.len(), 1);
        assert!(
            warnings[0].contains("`expired` credential `partner_token`"),
            "{warnings:?}"
        );
        assert!(warnings[0].contains("partnerToken"), "{warnings:?}");
    }
}
