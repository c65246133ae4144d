//! The content digest every identity is made of (a component's SHA-256,
//! the compiled-component cache's keys): a leaf, so that the runtime and
//! the sources of migrations share it without importing each other.

use sha2::{Digest, Sha256};

/// Hex SHA-256 of `bytes`.
pub fn checksum(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}
