//! Bearer tokens: HS256 JWTs carrying the user id, role and org-unit scope, with expiry.
//! Only HS256 is accepted, so `alg: none` and algorithm-confusion tokens are refused.

use jianfu_core::{DivisionCode, Role};
use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

pub const ISSUER: &str = "jianfu";

/// The signing secret must be at least this long.
pub const MIN_SECRET_BYTES: usize = 32;

/// Secrets that have appeared in examples and defaults; refused even when long enough.
const KNOWN_DEFAULTS: &[&str] = &[
    "secret",
    "changeme",
    "change-me",
    "jianfu",
    "jwt-secret",
    "please-change-this-secret-before-production",
];

/// What a token says about its bearer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    /// The user id, as a string (RFC 7519).
    pub sub: String,
    pub role: Role,
    /// The root of the bearer's subtree.
    pub unit: DivisionCode,
    pub iss: String,
    pub iat: i64,
    pub exp: i64,
    /// Not before (optional; refused when in the future).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nbf: Option<i64>,
    /// The account's token version when issued: a sign-out, a password reset, a role or
    /// unit change or disabling the account bumps it, and older tokens stop working.
    #[serde(default)]
    pub ver: i64,
}

impl Claims {
    pub fn user_id(&self) -> Result<i64, TokenError> {
        self.sub
            .parse()
            .map_err(|_| TokenError::Invalid("sub is not a user id"))
    }
}

/// Why a bearer token was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    #[error("the token has expired")]
    Expired,
    /// Forged, malformed, of another algorithm or issuer; the reason is safe to show.
    #[error("the token is invalid: {0}")]
    Invalid(&'static str),
}

/// Why a configured secret is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SecretError {
    #[error(
        "no JWT signing secret: set JIANFU_JWT_SECRET (or --jwt-secret) to at least {MIN_SECRET_BYTES} random bytes"
    )]
    Missing,
    #[error("the JWT signing secret is {0} bytes: it must be at least {MIN_SECRET_BYTES}")]
    TooShort(usize),
    #[error("the JWT signing secret is a well-known default: choose a random one")]
    KnownDefault,
}

/// Signing and verifying keys, built once at start.
pub struct Keys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    ttl_secs: i64,
}

impl std::fmt::Debug for Keys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Keys")
            .field("ttl_secs", &self.ttl_secs)
            .finish_non_exhaustive()
    }
}

impl Keys {
    /// Keys from a configured secret, refusing a missing, short or default one.
    pub fn from_secret(secret: Option<&str>, ttl_secs: i64) -> Result<Keys, SecretError> {
        let secret = secret
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .ok_or(SecretError::Missing)?;
        if KNOWN_DEFAULTS
            .iter()
            .any(|d| secret.eq_ignore_ascii_case(d))
        {
            return Err(SecretError::KnownDefault);
        }
        if secret.len() < MIN_SECRET_BYTES {
            return Err(SecretError::TooShort(secret.len()));
        }
        Ok(Keys::new(secret.as_bytes(), ttl_secs))
    }

    fn new(secret: &[u8], ttl_secs: i64) -> Keys {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[ISSUER]);
        validation.set_required_spec_claims(&["exp", "iss", "sub"]);
        validation.leeway = 5;
        Keys {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            validation,
            ttl_secs,
        }
    }

    pub fn ttl_secs(&self) -> i64 {
        self.ttl_secs
    }

    /// A token for the user, valid from `now` for the configured lifetime.
    pub fn issue(
        &self,
        user_id: i64,
        role: Role,
        unit: DivisionCode,
        version: i64,
        now: i64,
    ) -> Result<(String, Claims), jsonwebtoken::errors::Error> {
        let claims = Claims {
            sub: user_id.to_string(),
            role,
            unit,
            iss: ISSUER.to_owned(),
            iat: now,
            exp: now + self.ttl_secs,
            nbf: None,
            ver: version,
        };
        let token = jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)?;
        Ok((token, claims))
    }

    /// The claims of a genuine, unexpired token that was issued in the past, is not
    /// post-dated, and lives no longer than this server's configured lifetime (a token
    /// made with the secret but an `exp` ten years ahead is refused).
    pub fn verify(&self, token: &str, now: i64) -> Result<Claims, TokenError> {
        let claims = jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation)
            .map(|data| data.claims)
            .map_err(|e| match e.kind() {
                ErrorKind::ExpiredSignature => TokenError::Expired,
                kind => TokenError::Invalid(token_problem(kind)),
            })?;
        let leeway = i64::try_from(self.validation.leeway).unwrap_or(0);
        if claims.iat > now + leeway || claims.nbf.is_some_and(|nbf| nbf > now + leeway) {
            return Err(TokenError::Invalid("issued in the future"));
        }
        if claims.exp - claims.iat > self.ttl_secs + leeway {
            return Err(TokenError::Invalid("lives longer than this server allows"));
        }
        Ok(claims)
    }
}

/// A short, safe description of why a token was refused.
fn token_problem(kind: &ErrorKind) -> &'static str {
    match kind {
        ErrorKind::InvalidSignature => "bad signature",
        ErrorKind::InvalidAlgorithm | ErrorKind::InvalidAlgorithmName => {
            "algorithm not accepted: only HS256"
        }
        ErrorKind::InvalidIssuer => "wrong issuer",
        ErrorKind::MissingRequiredClaim(_) => "a required claim is missing",
        ErrorKind::InvalidToken
        | ErrorKind::Base64(_)
        | ErrorKind::Json(_)
        | ErrorKind::Utf8(_) => "malformed token",
        _ => "token refused",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "0123456789abcdef0123456789abcdef";

    #[test]
    fn refuses_missing_short_and_default_secrets() {
        assert_eq!(
            Keys::from_secret(None, 60).unwrap_err(),
            SecretError::Missing
        );
        assert_eq!(
            Keys::from_secret(Some("  "), 60).unwrap_err(),
            SecretError::Missing
        );
        assert_eq!(
            Keys::from_secret(Some("short"), 60).unwrap_err(),
            SecretError::TooShort(5)
        );
        assert_eq!(
            Keys::from_secret(Some("ChangeMe"), 60).unwrap_err(),
            SecretError::KnownDefault
        );
        assert_eq!(
            Keys::from_secret(Some("please-change-this-secret-before-production"), 60).unwrap_err(),
            SecretError::KnownDefault
        );
        assert!(Keys::from_secret(Some(SECRET), 60).is_ok());
    }

    #[test]
    fn a_token_round_trips_and_another_key_refuses_it() {
        let keys = Keys::from_secret(Some(SECRET), 3600).unwrap();
        let unit = DivisionCode::parse("130928").unwrap();
        let now = crate::db::now();
        let (token, claims) = keys.issue(7, Role::Admin, unit.clone(), 3, now).unwrap();
        assert_eq!(keys.verify(&token, now).unwrap(), claims);
        assert_eq!(claims.ver, 3);
        assert_eq!(claims.user_id().unwrap(), 7);

        let other = Keys::from_secret(Some("fedcba9876543210fedcba9876543210"), 3600).unwrap();
        assert_eq!(
            other.verify(&token, now).unwrap_err(),
            TokenError::Invalid("bad signature")
        );
    }

    #[test]
    fn an_expired_token_is_told_apart() {
        let keys = Keys::from_secret(Some(SECRET), 60).unwrap();
        let unit = DivisionCode::parse("13").unwrap();
        let now = crate::db::now();
        let (token, _) = keys.issue(1, Role::Cadre, unit, 0, now - 3600).unwrap();
        assert_eq!(keys.verify(&token, now).unwrap_err(), TokenError::Expired);
    }

    #[test]
    fn post_dated_and_overlong_tokens_are_refused() {
        let keys = Keys::from_secret(Some(SECRET), 3600).unwrap();
        let unit = DivisionCode::parse("13").unwrap();
        let now = crate::db::now();
        let (future, _) = keys
            .issue(1, Role::Cadre, unit.clone(), 0, now + 600)
            .unwrap();
        assert_eq!(
            keys.verify(&future, now).unwrap_err(),
            TokenError::Invalid("issued in the future")
        );
        let long = Keys::from_secret(Some(SECRET), 10 * 365 * 86_400).unwrap();
        let (token, _) = long.issue(1, Role::Cadre, unit, 0, now).unwrap();
        assert_eq!(
            keys.verify(&token, now).unwrap_err(),
            TokenError::Invalid("lives longer than this server allows")
        );
    }
}
