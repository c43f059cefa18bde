//! Password hashes (argon2id) and session tokens (random, stored only as SHA-256).

use std::sync::LazyLock;

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use sha2::{Digest, Sha256};

/// Shortest password an account may have, and the longest hashed (a very long one would only
/// cost time).
pub use binhe_api::auth::{MAX_PASSWORD_CHARS, MIN_PASSWORD_CHARS};

#[derive(Debug, thiserror::Error)]
pub enum PasswordError {
    #[error("cannot draw random bytes: {0}")]
    Random(getrandom::Error),
    #[error("cannot hash the password: {0}")]
    Hash(argon2::password_hash::Error),
    #[error("the hashing task failed: {0}")]
    Task(#[from] tokio::task::JoinError),
}

/// Verifying against this hash costs what a real one does, so an unknown login answers as
/// slowly as a wrong password.
static DECOY_HASH: LazyLock<String> = LazyLock::new(|| {
    let salt = SaltString::encode_b64(b"smart-binhe-decoy").expect("a 17-byte salt encodes");
    Argon2::default()
        .hash_password(b"no account has this password", &salt)
        .expect("hashing a constant works")
        .to_string()
});

/// Computes the decoy hash ahead of the first unknown login, which would otherwise take a
/// hash longer than any other and so tell itself apart.
pub fn prepare_decoy() {
    LazyLock::force(&DECOY_HASH);
}

/// The argon2id hash of `password` with a fresh salt, as a PHC string.
pub async fn hash(password: &str) -> Result<String, PasswordError> {
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt).map_err(PasswordError::Random)?;
    let password = password.to_owned();
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::encode_b64(&salt).map_err(PasswordError::Hash)?;
        Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(PasswordError::Hash)
    })
    .await?
}

/// Whether `password` matches `stored` (a PHC string); `None` checks against a decoy and
/// answers no, taking as long.
pub async fn verify(password: &str, stored: Option<&str>) -> Result<bool, PasswordError> {
    let password = password.to_owned();
    let known = stored.is_some();
    let stored = stored.map_or_else(|| DECOY_HASH.clone(), str::to_owned);
    let matches = tokio::task::spawn_blocking(move || {
        PasswordHash::new(&stored).is_ok_and(|parsed| {
            Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        })
    })
    .await?;
    Ok(known && matches)
}

/// A new session token: 32 random bytes in hex.
pub fn new_token() -> Result<String, PasswordError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(PasswordError::Random)?;
    Ok(hex::encode(bytes))
}

/// What the store keeps of a token.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_hash_verifies_its_password_only() {
        let stored = hash("correct horse").await.unwrap();
        assert!(stored.starts_with("$argon2id$"));
        assert!(verify("correct horse", Some(&stored)).await.unwrap());
        assert!(!verify("correct horsf", Some(&stored)).await.unwrap());
        assert!(!verify("correct horse", None).await.unwrap());
        assert_ne!(stored, hash("correct horse").await.unwrap(), "salted");
    }

    #[test]
    fn tokens_are_random_and_stored_hashed() {
        let (a, b) = (new_token().unwrap(), new_token().unwrap());
        assert_eq!(a.len(), 64);
        assert_ne!(a, b);
        assert_eq!(token_hash(&a).len(), 64);
        assert_ne!(token_hash(&a), a);
        assert_eq!(token_hash(&a), token_hash(&a));
    }
}
