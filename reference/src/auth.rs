//! Credentials: HS256 JWTs for partners and users, hashed API keys.

use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::Error;

/// The prefix of every API key: `sgk_<handle>_<secret>`. The handle finds
/// the key's row; the whole key is compared by its SHA-256.
const API_KEY_PREFIX: &str = "sgk_";

/// Which subject a token names; a token of one kind is never accepted as
/// the other.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Kind {
    Partner,
    User,
}

#[derive(Debug, serde::Serialize, serde::Deserialize)]
struct Claims {
    /// The subject's row id, as a decimal string.
    sub: String,
    kind: Kind,
    iat: i64,
    exp: i64,
}

/// Why a token was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TokenError {
    /// Not even shaped like a JWT.
    Malformed,
    /// Forged, of the other kind, or otherwise not ours.
    Unknown,
    /// Ours and of this kind, but past its `exp`.
    Expired,
}

/// Signs and checks tokens with the database's secret.
pub(crate) struct Tokens {
    encoding: EncodingKey,
    decoding: DecodingKey,
    secret: Vec<u8>,
}

impl std::fmt::Debug for Tokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Tokens(..)")
    }
}

impl Tokens {
    pub(crate) fn new(secret: Vec<u8>) -> Tokens {
        Tokens {
            encoding: EncodingKey::from_secret(&secret),
            decoding: DecodingKey::from_secret(&secret),
            secret,
        }
    }

    /// A token for `id` of `kind` that expires `exp` (unix seconds).
    pub(crate) fn mint(&self, kind: Kind, id: i64, exp: i64) -> Result<String, Error> {
        let claims = Claims {
            sub: id.to_string(),
            kind,
            iat: chrono::Utc::now().timestamp().min(exp),
            exp,
        };
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map_err(|e| Error::Token(e.to_string()))
    }

    /// The id a valid token of `kind` names.
    pub(crate) fn verify(&self, kind: Kind, token: &str) -> Result<i64, TokenError> {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.leeway = 0;
        validation.set_required_spec_claims(&["exp", "sub"]);
        match jsonwebtoken::decode::<Claims>(token, &self.decoding, &validation) {
            Ok(data) if data.claims.kind == kind => subject(&data.claims),
            Ok(_) => Err(TokenError::Unknown),
            Err(e) if matches!(e.kind(), ErrorKind::ExpiredSignature) => {
                // The signature is ours; only a token of this kind is
                // "expired", one of the other kind stays unknown here.
                validation.validate_exp = false;
                match jsonwebtoken::decode::<Claims>(token, &self.decoding, &validation) {
                    Ok(data) if data.claims.kind == kind => Err(TokenError::Expired),
                    _ => Err(TokenError::Unknown),
                }
            }
            Err(e) if matches!(e.kind(), ErrorKind::InvalidToken) => Err(TokenError::Malformed),
            Err(_) => Err(TokenError::Unknown),
        }
    }

    /// The demo partner's API key for `handle`: derived from the secret so
    /// that the database stores only its hash and the profile can still
    /// print it.
    pub(crate) fn demo_api_key(&self, handle: &str) -> String {
        let mut h = Sha256::new();
        h.update(b"specgate demo api key\0");
        h.update(&self.secret);
        h.update(handle.as_bytes());
        format!("{API_KEY_PREFIX}{handle}_{}", hex(&h.finalize()))
    }
}

fn subject(claims: &Claims) -> Result<i64, TokenError> {
    claims.sub.parse().map_err(|_| TokenError::Unknown)
}

/// SHA-256 of an API key, as stored.
pub(crate) fn api_key_sha256(key: &str) -> [u8; 32] {
    Sha256::digest(key.as_bytes()).into()
}

/// The handle part of an API key (`sgk_<handle>_<secret>`), if it has one.
pub(crate) fn api_key_handle(key: &str) -> Option<&str> {
    let rest = key.strip_prefix(API_KEY_PREFIX)?;
    let (handle, secret) = rest.split_once('_')?;
    (!handle.is_empty() && !secret.is_empty()).then_some(handle)
}

/// Whether `key` hashes to `stored`, compared in constant time.
pub(crate) fn api_key_matches(key: &str, stored: &[u8]) -> bool {
    let hash = api_key_sha256(key);
    stored.len() == hash.len() && bool::from(hash.as_slice().ct_eq(stored))
}

/// Lowercase hex of `bytes`.
pub(crate) fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(char::from(DIGITS[usize::from(b >> 4)]));
        s.push(char::from(DIGITS[usize::from(b & 15)]));
    }
    s
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    fn tokens() -> Tokens {
        Tokens::new(vec![7; 32])
    }

    #[test]
    fn a_token_round_trips_and_keeps_its_kind() {
        let t = tokens();
        let now = chrono::Utc::now().timestamp();
        let user = t.mint(Kind::User, 42, now + 60).unwrap();
        assert_eq!(t.verify(Kind::User, &user), Ok(42));
        assert_eq!(t.verify(Kind::Partner, &user), Err(TokenError::Unknown));
    }

    #[test]
    fn expiry_has_no_leeway_and_respects_kind() {
        let t = tokens();
        let now = chrono::Utc::now().timestamp();
        let old = t.mint(Kind::Partner, 1, now - 2).unwrap();
        assert_eq!(t.verify(Kind::Partner, &old), Err(TokenError::Expired));
        assert_eq!(t.verify(Kind::User, &old), Err(TokenError::Unknown));
    }

    #[test]
    fn forged_and_garbage_tokens_are_refused() {
        let t = tokens();
        let other = Tokens::new(vec![8; 32]);
        let now = chrono::Utc::now().timestamp();
        let forged = other.mint(Kind::User, 1, now + 60).unwrap();
        assert_eq!(t.verify(Kind::User, &forged), Err(TokenError::Unknown));
        let expired_forged = other.mint(Kind::User, 1, now - 60).unwrap();
        assert_eq!(
            t.verify(Kind::User, &expired_forged),
            Err(TokenError::Unknown)
        );
        assert_eq!(t.verify(Kind::User, "garbage"), Err(TokenError::Malformed));
        assert!(t.verify(Kind::User, "a.b.c").is_err());
    }

    #[test]
    fn api_keys_compare_by_hash() {
        let key = "sgk_abc_secret";
        assert_eq!(api_key_handle(key), Some("abc"));
        assert_eq!(api_key_handle("abc"), None);
        assert_eq!(api_key_handle("sgk__x"), None);
        let stored = api_key_sha256(key);
        assert!(api_key_matches(key, &stored));
        assert!(!api_key_matches("sgk_abc_secreT", &stored));
        assert!(!api_key_matches(key, &stored[..31]));
    }
}
