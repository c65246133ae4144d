//! A migration's identity: what makes an applied migration the same one
//! after a rebuild.
//!
//! `build` digests what the author wrote (every file of the crate: its
//! `Cargo.toml`, `src/`, a `build.rs`, a SQL file it includes...) and embeds
//! the digest in the component as a top-level custom section named
//! [`SECTION`]. Two builds of the same source (another clone, another path,
//! another toolchain) carry the same digest even when their bytes differ.
//! Nothing outside the crate counts: not the SDK it depends on, not
//! `Cargo.lock`, not the workspace's profile.
//!
//! A component without the section (another language's, a vendor's) is
//! identified by the SHA-256 of its bytes alone; so is every component of a
//! sandboxed source, whose section its vendor could have forged (the
//! migrator drops the digest for those).

use anyhow::{Context as _, bail};
use sha2::{Digest, Sha256};
use std::path::Path;
use wasm_encoder::ComponentSection as _;

/// The custom section's name.
pub const SECTION: &str = "migrate-host:source-digest";

/// The format of the digest (how the listing is made), as a prefix of the
/// section's payload and of what the history records: digests made by
/// different formats never compare equal.
const FORMAT: &str = "v1";

/// The source digest embedded in a component, and where its section lies.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Embedded {
    /// `v1:<hex sha-256>`, as recorded in the history.
    pub digest: String,
    /// The hex SHA-256 of the component without this section: the bytes
    /// cargo produced.
    pub bare_checksum: String,
}

/// The source digest of the migration crate in `crate_dir`: SHA-256 over a
/// listing of every file in it, each as its path relative to the crate with
/// `/` separators, then its contents with CRLF read as LF (as rustc and
/// TOML read them), each prefixed by its length, in path order. Left out:
/// what cargo writes there (`target/`, `Cargo.lock`) and names starting
/// with `.` (editors' and file managers' files). Where the crate lies does
/// not count, nor do file times.
pub fn crate_digest(crate_dir: &Path) -> anyhow::Result<String> {
    if !crate_dir.join("Cargo.toml").is_file() {
        bail!("{} has no Cargo.toml", crate_dir.display());
    }
    let mut files = Vec::new();
    list(crate_dir, "", &mut files)?;
    files.sort();
    let listing = files.into_iter().map(|relative| (crate_dir.join(&relative), relative));
    digest(listing)
}

/// The source digest of a migration that is one file (a `.js` migration):
/// the listing of [`crate_digest`] with that one file in it, named
/// `migration.<extension>` whatever its name, so that, as for a crate's
/// directory, renaming it does not count.
pub fn file_digest(file: &Path) -> anyhow::Result<String> {
    let extension = file.extension().and_then(|e| e.to_str()).unwrap_or_default();
    digest([(file.to_owned(), format!("migration.{extension}"))])
}

/// SHA-256 over `(file, name in the listing)` pairs, in the given order.
fn digest(listing: impl IntoIterator<Item = (std::path::PathBuf, String)>) -> anyhow::Result<String> {
    let mut hasher = Sha256::new();
    hasher.update(b"migrate-host source digest v1\0");
    for (path, relative) in listing {
        let bytes = std::fs::read(&path).with_context(|| format!("reading {}", path.display()))?;
        let contents = crlf_as_lf(&bytes);
        hasher.update((relative.len() as u64).to_le_bytes());
        hasher.update(relative.as_bytes());
        hasher.update((contents.len() as u64).to_le_bytes());
        hasher.update(&contents);
    }
    Ok(format!("{FORMAT}:{}", hex::encode(hasher.finalize())))
}

/// The files under `crate_dir/relative`, recursively, as `/`-separated paths
/// relative to the crate.
fn list(crate_dir: &Path, relative: &str, files: &mut Vec<String>) -> anyhow::Result<()> {
    let dir = crate_dir.join(relative);
    for entry in std::fs::read_dir(&dir).with_context(|| format!("reading {}", dir.display()))? {
        let entry = entry.with_context(|| format!("reading {}", dir.display()))?;
        let name = entry.file_name();
        let Some(name) = name.to_str() else {
            bail!(
                "{} holds a file whose name is not UTF-8: {}",
                dir.display(),
                entry.path().display()
            );
        };
        if name.starts_with('.') || (relative.is_empty() && (name == "target" || name == "Cargo.lock")) {
            continue;
        }
        let path = if relative.is_empty() {
            name.to_owned()
        } else {
            format!("{relative}/{name}")
        };
        // Follows symbolic links: what counts is what the compiler reads.
        let kind = std::fs::metadata(entry.path()).with_context(|| format!("reading {}", entry.path().display()))?;
        if kind.is_dir() {
            list(crate_dir, &path, files)?;
        } else {
            files.push(path);
        }
    }
    Ok(())
}

fn crlf_as_lf(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len());
    for (i, &b) in bytes.iter().enumerate() {
        if !(b == b'\r' && bytes.get(i + 1) == Some(&b'\n')) {
            out.push(b);
        }
    }
    out
}

/// `component` with the digest appended as a top-level custom section.
/// Refuses a component that already carries one.
pub fn embed(component: &[u8], digest: &str) -> anyhow::Result<Vec<u8>> {
    if read(component)?.is_some() {
        bail!("the component already carries a {SECTION} section");
    }
    let mut out = component.to_vec();
    wasm_encoder::CustomSection {
        name: SECTION.into(),
        data: digest.as_bytes().into(),
    }
    .append_to_component(&mut out);
    Ok(out)
}

/// The digest a component carries, if any. Only the component's own
/// top-level sections are read (not the modules inside it), without
/// parsing their contents. A component whose section is malformed, or that
/// has two, is an error; bytes that are not a component carry none (loading
/// them says what is wrong with them).
pub fn read(component: &[u8]) -> anyhow::Result<Option<Embedded>> {
    let mut parser = wasmparser::Parser::new(0);
    let mut offset = 0;
    let mut found: Option<(String, std::ops::Range<usize>)> = None;
    loop {
        let (consumed, payload) = match parser.parse(&component[offset..], true) {
            Ok(wasmparser::Chunk::Parsed { consumed, payload }) => (consumed, payload),
            Ok(wasmparser::Chunk::NeedMoreData(_)) | Err(_) => return Ok(None),
        };
        let start = offset;
        offset += consumed;
        match payload {
            wasmparser::Payload::Version { encoding, .. } if encoding != wasmparser::Encoding::Component => {
                return Ok(None);
            }
            // Nested modules and components are skipped whole: their
            // sections are theirs, not the component's.
            wasmparser::Payload::ModuleSection { unchecked_range, .. }
            | wasmparser::Payload::ComponentSection { unchecked_range, .. } => {
                offset = unchecked_range.end;
                if offset > component.len() {
                    return Ok(None);
                }
            }
            wasmparser::Payload::CustomSection(section) if section.name() == SECTION => {
                if found.is_some() {
                    bail!("the component carries two {SECTION} sections");
                }
                let digest = std::str::from_utf8(section.data())
                    .ok()
                    .filter(|d| well_formed(d))
                    .with_context(|| format!("the component's {SECTION} section is malformed"))?;
                found = Some((digest.to_owned(), start..offset));
            }
            wasmparser::Payload::End(_) => break,
            _ => {}
        }
    }
    Ok(found.map(|(digest, range)| {
        let mut hasher = Sha256::new();
        hasher.update(&component[..range.start]);
        hasher.update(&component[range.end..]);
        Embedded {
            digest,
            bare_checksum: hex::encode(hasher.finalize()),
        }
    }))
}

/// `v1:` and 64 lowercase hex digits.
fn well_formed(digest: &str) -> bool {
    digest
        .strip_prefix(FORMAT)
        .and_then(|d| d.strip_prefix(':'))
        .is_some_and(|hex| hex.len() == 64 && hex.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A component holding a core module that itself carries a section of
    /// the same name (which is the module's, not the component's).
    fn component() -> Vec<u8> {
        let mut module = wasm_encoder::Module::new();
        module.section(&wasm_encoder::CustomSection {
            name: SECTION.into(),
            data: b"not the component's".into(),
        });
        let mut component = wasm_encoder::Component::new();
        component.section(&wasm_encoder::ModuleSection(&module));
        component.finish()
    }

    fn digest(n: u8) -> String {
        format!("v1:{}", hex::encode([n; 32]))
    }

    #[test]
    fn an_embedded_digest_reads_back_with_the_bytes_it_was_added_to() {
        let bare = component();
        assert_eq!(read(&bare).unwrap(), None);
        let with = embed(&bare, &digest(1)).unwrap();
        assert_eq!(
            read(&with).unwrap(),
            Some(Embedded {
                digest: digest(1),
                bare_checksum: crate::source::checksum(&bare),
            })
        );
        assert!(
            embed(&with, &digest(2))
                .unwrap_err()
                .to_string()
                .contains("already carries")
        );
        // Validates as a component still.
        wasmparser::Validator::new().validate_all(&with).unwrap();
    }

    #[test]
    fn two_sections_or_a_malformed_one_are_errors() {
        let mut twice = embed(&component(), &digest(1)).unwrap();
        wasm_encoder::CustomSection {
            name: SECTION.into(),
            data: digest(2).as_bytes().into(),
        }
        .append_to_component(&mut twice);
        assert!(read(&twice).unwrap_err().to_string().contains("two"));
        let mut bad = component();
        wasm_encoder::CustomSection {
            name: SECTION.into(),
            data: b"v1:xyz".into(),
        }
        .append_to_component(&mut bad);
        assert!(read(&bad).unwrap_err().to_string().contains("malformed"));
        assert_eq!(read(b"not wasm").unwrap(), None);
        let with = embed(&component(), &digest(1)).unwrap();
        assert_eq!(read(&with[..with.len() - 3]).unwrap(), None, "truncated");
    }

    #[test]
    fn the_crate_digest_ignores_where_the_crate_is_and_line_endings_but_not_edits() {
        let write = |root: &Path, lib: &str| {
            std::fs::create_dir_all(root.join("src/nested")).unwrap();
            std::fs::write(root.join("Cargo.toml"), "[package]\nname = \"m\"\n").unwrap();
            std::fs::write(root.join("src/lib.rs"), lib).unwrap();
            std::fs::write(root.join("src/nested/more.rs"), "// more\n").unwrap();
            std::fs::write(root.join("src/.lib.rs.swp"), "editor state").unwrap();
            std::fs::write(root.join("Cargo.lock"), "# cargo's").unwrap();
            std::fs::create_dir_all(root.join("target")).unwrap();
        };
        let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        write(a.path(), "fn up() {}\n");
        write(&b.path().join("deeper/crate"), "fn up() {}\r\n");
        let da = crate_digest(a.path()).unwrap();
        assert!(well_formed(&da), "{da}");
        assert_eq!(da, crate_digest(&b.path().join("deeper/crate")).unwrap());
        std::fs::write(a.path().join("src/.lib.rs.swp"), "other editor state").unwrap();
        assert_eq!(da, crate_digest(a.path()).unwrap());
        std::fs::write(a.path().join("src/nested/more.rs"), "// more!\n").unwrap();
        assert_ne!(da, crate_digest(a.path()).unwrap());
        std::fs::write(a.path().join("src/nested/more.rs"), "// more\n").unwrap();
        std::fs::write(a.path().join("src/new.rs"), "").unwrap();
        assert_ne!(da, crate_digest(a.path()).unwrap(), "a new file counts");
        std::fs::remove_file(a.path().join("src/new.rs")).unwrap();
        std::fs::write(a.path().join("Cargo.lock"), "# cargo's, updated").unwrap();
        std::fs::write(a.path().join("target/x"), "").unwrap();
        assert_eq!(da, crate_digest(a.path()).unwrap(), "cargo's files do not count");
        std::fs::write(a.path().join("up.sql"), "SELECT 1").unwrap();
        assert_ne!(da, crate_digest(a.path()).unwrap(), "a file the source includes counts");
        std::fs::remove_file(a.path().join("up.sql")).unwrap();
        std::fs::write(a.path().join("Cargo.toml"), "[package]\nname = \"n\"\n").unwrap();
        assert_ne!(da, crate_digest(a.path()).unwrap(), "the manifest counts");
    }
}
