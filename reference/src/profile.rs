//! The conformance profile: test credentials of a target, per security scheme.

use identity_document::server::Scheme;

/// The security schemes a profile can hold, each named by the spec.
const SCHEMES: [Scheme; 4] = [
    Scheme::ApiKey,
    Scheme::PartnerToken,
    Scheme::UserIdentifier,
    Scheme::UserToken,
];

/// One credential per security scheme (absent when the profile has none).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Credentials {
    /// `X-Api-Key`.
    pub api_key: Option<String>,
    /// The token of `Authorization: Bearer <token>`.
    pub partner_token: Option<String>,
    /// `User-Identifier`.
    pub user_identifier: Option<String>,
    /// The token of `User-Authorization: Bearer <token>`.
    pub user_token: Option<String>,
}

impl Credentials {
    /// The credential of `scheme`, if any.
    pub fn get(&self, scheme: Scheme) -> Option<&str> {
        match scheme {
            Scheme::ApiKey => self.api_key.as_deref(),
            Scheme::PartnerToken => self.partner_token.as_deref(),
            Scheme::UserIdentifier => self.user_identifier.as_deref(),
            Scheme::UserToken => self.user_token.as_deref(),
        }
    }
}

/// The credentials a conformance run needs against a seeded reference.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Profile {
    /// One subject that may do everything (the demo partner and user A).
    pub valid: Credentials,
    /// Expired credentials of the same subject.
    pub expired: Credentials,
    /// Another subject, for mismatch rules (user B).
    pub other: Credentials,
    /// A deleted subject (user D).
    pub gone: Credentials,
}

impl Profile {
    /// The profile as the conformance runner reads it: one table per role,
    /// keyed by the spec's security scheme names, sorted.
    pub fn to_toml(&self) -> String {
        let mut out = String::from(
            "# specgate conformance profile: test credentials of a target, per security scheme.\n",
        );
        let tables = [
            (
                "[credentials.valid]      # one subject that may do everything",
                &self.valid,
            ),
            (
                "[credentials.expired]    # expired credentials of the same subject",
                &self.expired,
            ),
            (
                "[credentials.other]      # another subject, for mismatch rules",
                &self.other,
            ),
            ("[credentials.gone]       # a deleted subject", &self.gone),
        ];
        for (header, credentials) in tables {
            out.push_str(header);
            out.push('\n');
            let mut entries: Vec<(&str, &str)> = SCHEMES
                .iter()
                .filter_map(|s| credentials.get(*s).map(|v| (s.name(), v)))
                .collect();
            entries.sort_unstable();
            for (name, value) in entries {
                out.push_str(name);
                out.push_str(" = ");
                out.push_str(&toml_string(value));
                out.push('\n');
            }
        }
        out
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
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_profile_has_the_runner_format() {
        let c = |k: &str| Some(k.to_owned());
        let p = Profile {
            valid: Credentials {
                api_key: c("k"),
                partner_token: c("p"),
                user_identifier: c("i"),
                user_token: c("u"),
            },
            expired: Credentials {
                partner_token: c("pe"),
                user_token: c("ue"),
                ..Credentials::default()
            },
            other: Credentials {
                user_identifier: c("io"),
                user_token: c("uo"),
                ..Credentials::default()
            },
            gone: Credentials {
                user_identifier: c("ig"),
                user_token: c("u\"g"),
                ..Credentials::default()
            },
        };
        let expected = r#"# specgate conformance profile: test credentials of a target, per security scheme.
[credentials.valid]      # one subject that may do everything
apiKey = "k"
partnerToken = "p"
userIdentifier = "i"
userToken = "u"
[credentials.expired]    # expired credentials of the same subject
partnerToken = "pe"
userToken = "ue"
[credentials.other]      # another subject, for mismatch rules
userIdentifier = "io"
userToken = "uo"
[credentials.gone]       # a deleted subject
userIdentifier = "ig"
userToken = "u\"g"
"#;
        assert_eq!(p.to_toml(), expected);
    }
}
