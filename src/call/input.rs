//! Values read from files and blob values, as the AWS CLI reads them: `file://PATH` as
//! UTF-8 text (CRLF made LF), `fileb://PATH` as bytes, `~/` as the home directory, and a
//! blob's bytes under `--cli-binary-format` (raw, or base64 already).
//!
//! It reads and decodes; it does not decide what a value means for its member (that is
//! [`super::value`]) nor encode the blob for the wire (the body holds its base64).

use std::path::PathBuf;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use super::{Failure, Result};

/// How blob values are read (`--cli-binary-format`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum BinaryFormat {
    /// AWS CLI v1's only behaviour and v2's opt-in: a value is raw bytes, sent base64-encoded.
    RawInBase64Out,
    /// AWS CLI v2's default: a value (and a `file://` file's text) is base64 already.
    Base64,
}

/// What a `file://` or `fileb://` value loads.
pub(super) enum Paramfile {
    /// `file://`: the file's text, CRLF made LF.
    Text(String),
    /// `fileb://`: the file's bytes.
    Binary(Vec<u8>),
}

impl Paramfile {
    /// The contents as text (a binary file's bytes read as UTF-8, lossily).
    pub(super) fn into_text(self) -> String {
        match self {
            Paramfile::Text(text) => text,
            Paramfile::Binary(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
        }
    }
}

/// The largest `file://` or `fileb://` file read: a little over the largest part's base64
/// (a FIFO or device is refused).
pub(super) const MAX_PARAMFILE_BYTES: u64 = 64 * 1024 * 1024;

/// `~/x` → `$HOME/x`.
fn expand_path(path: &str) -> PathBuf {
    match (path.strip_prefix("~/"), std::env::var_os("HOME")) {
        (Some(rest), Some(home)) => PathBuf::from(home).join(rest),
        _ => PathBuf::from(path),
    }
}

/// A `file://` or `fileb://` value of `option` as the AWS CLI loads it; `None` for a
/// plain value.
pub(super) fn load_paramfile(option: &str, value: &str) -> Result<Option<Paramfile>> {
    let (binary, path) = if let Some(path) = value.strip_prefix("fileb://") {
        (true, path)
    } else if let Some(path) = value.strip_prefix("file://") {
        (false, path)
    } else {
        return Ok(None);
    };
    let bytes =
        crate::fixture::read_limited(&expand_path(path), MAX_PARAMFILE_BYTES).map_err(|e| {
            Failure::Fatal(format!(
                "Error parsing parameter '{option}': Unable to load paramfile {value}: {e}"
            ))
        })?;
    if binary {
        return Ok(Some(Paramfile::Binary(bytes)));
    }
    let text = String::from_utf8(bytes).map_err(|_| {
        Failure::Fatal(format!(
            "Error parsing parameter '{option}': Unable to load paramfile ({path}), text \
             contents could not be decoded.  If this is a binary file, please use the \
             fileb:// prefix instead of the file:// prefix."
        ))
    })?;
    Ok(Some(Paramfile::Text(text.replace("\r\n", "\n"))))
}

/// The decoded length of `text` when it is non-empty standard padded base64 (what a
/// `.b64` file holds), checked without decoding it.
fn base64_text_len(text: &[u8]) -> Option<usize> {
    let trimmed = text.trim_ascii();
    match crate::wire::blob::check(trimmed) {
        Some((len, true)) if !trimmed.is_empty() => Some(len),
        _ => None,
    }
}

/// Base64 text of `option` as bytes (`--cli-binary-format base64`).
pub(super) fn decode_base64(option: &str, text: &[u8]) -> Result<Vec<u8>> {
    STANDARD.decode(text.trim_ascii_end()).map_err(|e| {
        Failure::Fatal(format!(
            "Error parsing parameter '{option}': Invalid base64 (--cli-binary-format base64 \
             reads blob values as base64): {e}"
        ))
    })
}

/// A blob value from the command line, as bytes. A `file://` file of base64 text under
/// `raw-in-base64-out` is sent as the text's bytes, as the CLI does, with a warning.
pub(super) fn blob_from_cli(
    option: &str,
    value: &str,
    format: BinaryFormat,
    warnings: &mut Vec<String>,
) -> Result<Vec<u8>> {
    match (load_paramfile(option, value)?, format) {
        (Some(Paramfile::Binary(bytes)), _) => Ok(bytes),
        (Some(Paramfile::Text(text)), BinaryFormat::RawInBase64Out) => {
            if let Some(decoded) = base64_text_len(text.as_bytes()) {
                warnings.push(format!(
                    "{option} {value} holds base64 text; it is sent as the layer's bytes and \
                     encoded again ({} bytes, not the {decoded} bytes it encodes). Use fileb:// \
                     for the raw layer, or --cli-binary-format base64 to send the text as base64.",
                    text.len(),
                ));
            }
            Ok(text.into_bytes())
        }
        (Some(Paramfile::Text(text)), BinaryFormat::Base64) => {
            decode_base64(option, text.as_bytes())
        }
        (None, BinaryFormat::RawInBase64Out) => Ok(value.as_bytes().to_vec()),
        (None, BinaryFormat::Base64) => decode_base64(option, value.as_bytes()),
    }
}
