//! Layer digests: the `sha256:<hex>` form ECR computes and the pattern it accepts.

use sha2::{Digest as _, Sha256};

/// The algorithm prefix of every digest ECR computes (DONE-4, DONE-6).
pub const SHA256_PREFIX: &str = "sha256:";

/// `sha256:<lower-case hex>` of the given SHA-256 state, without consuming it.
pub fn layer_digest(hasher: &Sha256) -> String {
    let mut out = String::with_capacity(SHA256_PREFIX.len() + 64);
    out.push_str(SHA256_PREFIX);
    push_hex(&mut out, &hasher.clone().finalize());
    out
}

/// `sha256:<lower-case hex>` of `bytes`.
pub fn digest_of(bytes: &[u8]) -> String {
    layer_digest(&Sha256::new_with_prefix(bytes))
}

/// Appends the lower-case hex form of `bytes` to `out`.
pub fn push_hex(out: &mut String, bytes: &[u8]) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    for b in bytes {
        out.push(char::from(HEX[usize::from(b >> 4)]));
        out.push(char::from(HEX[usize::from(b & 0x0f)]));
    }
}

/// Whether `listed` names the content whose digest is `actual` (`sha256:<lower hex>`):
/// the prefix must be `sha256:` in lower case, the hex may be in either case (DONE-4).
pub fn names_content(listed: &str, actual: &str) -> bool {
    match (
        listed.strip_prefix(SHA256_PREFIX),
        actual.strip_prefix(SHA256_PREFIX),
    ) {
        (Some(l), Some(a)) => l.eq_ignore_ascii_case(a),
        _ => false,
    }
}

/// Full match of the model's `LayerDigest` pattern `[a-zA-Z0-9-_+.]+:[a-fA-F0-9]+`.
pub fn is_layer_digest(s: &str) -> bool {
    let Some((algo, hex)) = s.split_once(':') else {
        return false;
    };
    !algo.is_empty()
        && algo
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'+' | b'.'))
        && !hex.is_empty()
        && hex.bytes().all(|b| b.is_ascii_hexdigit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digest_of_empty_input_is_the_well_known_value() {
        assert_eq!(
            digest_of(b""),
            "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }

    #[test]
    fn names_content_accepts_upper_hex_but_not_upper_prefix() {
        let d = digest_of(b"abc");
        assert!(names_content(&d, &d));
        assert!(names_content(
            &d.to_uppercase().replace("SHA256:", "sha256:"),
            &d
        ));
        assert!(!names_content(&d.to_uppercase(), &d));
        assert!(!names_content("sha512:00", &d));
    }

    #[test]
    fn layer_digest_pattern_needs_both_halves() {
        assert!(is_layer_digest("sha256:abcDEF0"));
        assert!(is_layer_digest("a+b.c_d-e:0"));
        assert!(!is_layer_digest("sha256:"));
        assert!(!is_layer_digest(":00"));
        assert!(!is_layer_digest("sha256:xyz"));
        assert!(!is_layer_digest("sha256"));
        assert!(!is_layer_digest("sha256:00:00"));
    }
}
