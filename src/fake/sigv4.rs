//! Signature Version 4 checking, for a fake that refuses what ECR would refuse: unsigned
//! requests, unknown keys, bad signatures and stale dates. Off unless asked for
//! ([`FakeEcrBuilder::require_sigv4`](super::FakeEcrBuilder::require_sigv4)).
//!
//! The check recomputes the signature from the headers the client says it signed, the
//! path and a SHA-256 of the body, with the one key the fake knows. Refusals name what was
//! wrong without repeating any secret: never the secret key, the session token or the
//! signature itself.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

/// How far a request's `X-Amz-Date` may be from the fake's clock (AWS allows 15 minutes).
pub const MAX_CLOCK_SKEW: Duration = Duration::from_secs(15 * 60);

const ALGORITHM: &str = "AWS4-HMAC-SHA256";
const SERVICE: &str = "ecr";

/// The one set of credentials a signature-checking fake accepts.
#[derive(Clone)]
pub struct SigV4Keys {
    access_key_id: String,
    secret_access_key: String,
    session_token: Option<String>,
}

impl std::fmt::Debug for SigV4Keys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The secret and the token never reach a log.
        f.debug_struct("SigV4Keys")
            .field("access_key_id", &self.access_key_id)
            .finish_non_exhaustive()
    }
}

impl SigV4Keys {
    /// Accepts requests signed with this key pair (with any session token, or none).
    pub fn new(access_key_id: &str, secret_access_key: &str) -> Self {
        SigV4Keys {
            access_key_id: access_key_id.to_owned(),
            secret_access_key: secret_access_key.to_owned(),
            session_token: None,
        }
    }

    /// Also requires this session token (`X-Amz-Security-Token`, signed).
    pub fn with_session_token(mut self, token: &str) -> Self {
        self.session_token = Some(token.to_owned());
        self
    }
}

/// Why a request's signature was refused: the awsJson error name, its HTTP status and a
/// message that names the problem.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// `MissingAuthenticationTokenException`, `IncompleteSignatureException`,
    /// `UnrecognizedClientException` or `InvalidSignatureException`.
    pub name: &'static str,
    /// 400 or 403.
    pub status: u16,
    /// What was wrong.
    pub message: String,
}

fn missing(message: &str) -> Refusal {
    Refusal {
        name: "MissingAuthenticationTokenException",
        status: 403,
        message: message.to_owned(),
    }
}

fn incomplete(message: String) -> Refusal {
    Refusal {
        name: "IncompleteSignatureException",
        status: 400,
        message,
    }
}

fn unrecognized() -> Refusal {
    Refusal {
        name: "UnrecognizedClientException",
        status: 403,
        message: "The security token included in the request is invalid.".to_owned(),
    }
}

fn invalid(message: String) -> Refusal {
    Refusal {
        name: "InvalidSignatureException",
        status: 403,
        message,
    }
}

/// The parts of a request a signature covers.
#[derive(Debug, Clone, Copy)]
pub struct Signed<'a> {
    /// The method.
    pub method: &'a str,
    /// The path as sent (`/`).
    pub path: &'a str,
    /// The query string without `?` (empty for awsJson).
    pub query: &'a str,
    /// Every header, names in any case, in the order received.
    pub headers: &'a [(&'a str, &'a str)],
    /// The body.
    pub body: &'a [u8],
}

impl Signed<'_> {
    /// Every value of the header `name`, joined with `,` as SigV4 canonicalizes them.
    fn header(&self, name: &str) -> Option<String> {
        let values: Vec<String> = self
            .headers
            .iter()
            .filter(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| trim_all(v))
            .collect();
        (!values.is_empty()).then(|| values.join(","))
    }
}

/// SigV4's Trimall: spaces around the value dropped, runs of spaces made one (tabs and
/// other whitespace inside are kept, as aws-sigv4 keeps them).
fn trim_all(v: &str) -> String {
    let mut out = String::with_capacity(v.len());
    for c in v.trim_matches(' ').chars() {
        if !(c == ' ' && out.ends_with(' ')) {
            out.push(c);
        }
    }
    out
}

/// The fields of an `Authorization: AWS4-HMAC-SHA256 ...` header.
struct Authorization<'a> {
    access_key_id: &'a str,
    date: &'a str,
    region: &'a str,
    service: &'a str,
    terminator: &'a str,
    signed_headers: Vec<&'a str>,
    signature: &'a str,
}

fn parse_authorization(value: &str) -> Result<Authorization<'_>, Refusal> {
    let Some(rest) = value.strip_prefix(ALGORITHM) else {
        return Err(incomplete(format!(
            "Authorization header requires the {ALGORITHM} algorithm"
        )));
    };
    let mut credential = None;
    let mut signed_headers = None;
    let mut signature = None;
    for field in rest.split(',') {
        let field = field.trim();
        match field.split_once('=') {
            Some(("Credential", v)) => credential = Some(v),
            Some(("SignedHeaders", v)) => signed_headers = Some(v),
            Some(("Signature", v)) => signature = Some(v),
            _ => {}
        }
    }
    fn need<'v>(v: Option<&'v str>, what: &str) -> Result<&'v str, Refusal> {
        v.filter(|v| !v.is_empty()).ok_or_else(|| {
            incomplete(format!(
                "Authorization header requires '{what}' parameter. Authorization=AWS4-HMAC-SHA256 ..."
            ))
        })
    }
    let credential = need(credential, "Credential")?;
    let signed_headers = need(signed_headers, "SignedHeaders")?;
    let signature = need(signature, "Signature")?;
    let parts: Vec<&str> = credential.split('/').collect();
    let [access_key_id, date, region, service, terminator] = parts[..] else {
        return Err(incomplete(format!(
            "Credential '{}' is not ACCESS_KEY_ID/DATE/REGION/SERVICE/aws4_request",
            parts.first().copied().unwrap_or_default()
        )));
    };
    Ok(Authorization {
        access_key_id,
        date,
        region,
        service,
        terminator,
        signed_headers: signed_headers.split(';').collect(),
        signature,
    })
}

/// Seconds since 1970 of a `YYYYMMDD'T'HHMMSS'Z'` date, or `None` if it is not one.
fn parse_amz_date(s: &str) -> Option<u64> {
    let b = s.as_bytes();
    if b.len() != 16 || b[8] != b'T' || b[15] != b'Z' {
        return None;
    }
    let digits = |r: std::ops::Range<usize>| -> Option<u64> {
        let t = s.get(r)?;
        t.bytes()
            .all(|c| c.is_ascii_digit())
            .then(|| t.parse().ok())?
    };
    let (y, m, d) = (digits(0..4)?, digits(4..6)?, digits(6..8)?);
    let (hh, mm, ss) = (digits(9..11)?, digits(11..13)?, digits(13..15)?);
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) || hh > 23 || mm > 59 || ss > 60 {
        return None;
    }
    // Days from the civil date (proleptic Gregorian), as in Howard Hinnant's algorithm.
    let (y, m) = (y as i64 - i64::from(m <= 2), m as i64);
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (m + if m > 2 { -3 } else { 9 }) + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    u64::try_from(days)
        .ok()
        .map(|days| days * 86_400 + hh * 3600 + mm * 60 + ss)
}

fn hmac(key: &[u8], data: &[u8]) -> Vec<u8> {
    // HMAC takes keys of any length; `new_from_slice` cannot fail for it.
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key).unwrap_or_else(|_| unreachable!());
    mac.update(data);
    mac.finalize().into_bytes().to_vec()
}

fn hex(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(2 * bytes.len());
    crate::model::digest::push_hex(&mut s, bytes);
    s
}

/// Percent-encodes a path the way SigV4 does for services other than S3: each segment's
/// bytes outside the unreserved set, with what was already encoded encoded again.
fn canonical_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~' | b'/') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    if out.is_empty() { "/".to_owned() } else { out }
}

fn canonical_query(query: &str) -> String {
    let mut pairs: Vec<(&str, &str)> = query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| p.split_once('=').unwrap_or((p, "")))
        .collect();
    pairs.sort_unstable();
    pairs
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&")
}

impl SigV4Keys {
    /// Checks `request`'s signature for `region` at time `now`.
    pub fn verify(
        &self,
        request: &Signed<'_>,
        region: &str,
        now: SystemTime,
    ) -> Result<(), Refusal> {
        let Some(value) = request.header("authorization") else {
            return Err(missing("Missing Authentication Token"));
        };
        let auth = parse_authorization(&value)?;
        if auth.access_key_id != self.access_key_id {
            return Err(unrecognized());
        }
        let token = request.header("x-amz-security-token");
        if let Some(required) = &self.session_token
            && token.as_deref() != Some(required.as_str())
        {
            return Err(unrecognized());
        }
        let Some(date) = request.header("x-amz-date") else {
            return Err(incomplete(
                "Authorization header requires existence of a 'X-Amz-Date' header.".to_owned(),
            ));
        };
        let Some(signed_at) = parse_amz_date(&date) else {
            return Err(incomplete(format!(
                "X-Amz-Date '{date}' is not in the form YYYYMMDD'T'HHMMSS'Z'"
            )));
        };
        let now_secs = now.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
        if now_secs.abs_diff(signed_at) > MAX_CLOCK_SKEW.as_secs() {
            return Err(invalid(format!(
                "Signature expired: {date} is more than {} minutes from the server's time.",
                MAX_CLOCK_SKEW.as_secs() / 60
            )));
        }
        if auth.date != &date[..8]
            || auth.region != region
            || auth.service != SERVICE
            || auth.terminator != "aws4_request"
        {
            return Err(invalid(format!(
                "Credential should be scoped to a valid region, date and service: expected \
                 {}/{region}/{SERVICE}/aws4_request, got {}/{}/{}/{}.",
                &date[..8],
                auth.date,
                auth.region,
                auth.service,
                auth.terminator
            )));
        }
        let mut names: Vec<String> = auth
            .signed_headers
            .iter()
            .map(|h| h.to_ascii_lowercase())
            .collect();
        // Headers that decide what the request does must be covered by the signature.
        for must in ["host", "x-amz-date", "x-amz-target"]
            .into_iter()
            .chain(token.as_ref().map(|_| "x-amz-security-token"))
        {
            if request.header(must).is_some() && !names.iter().any(|n| n == must) {
                return Err(invalid(format!("'{must}' must be a signed header.")));
            }
        }
        names.sort_unstable();
        names.dedup();
        let mut canonical_headers = String::new();
        for name in &names {
            let Some(v) = request.header(name) else {
                return Err(invalid(format!(
                    "The signed header '{name}' is not in the request."
                )));
            };
            canonical_headers.push_str(name);
            canonical_headers.push(':');
            canonical_headers.push_str(&v);
            canonical_headers.push('\n');
        }
        let payload = hex(&Sha256::digest(request.body));
        if let Some(declared) = request.header("x-amz-content-sha256")
            && declared != payload
        {
            return Err(invalid(
                "The provided 'x-amz-content-sha256' header does not match what was computed."
                    .to_owned(),
            ));
        }
        let canonical_request = format!(
            "{}\n{}\n{}\n{canonical_headers}\n{}\n{payload}",
            request.method,
            canonical_path(request.path),
            canonical_query(request.query),
            names.join(";"),
        );
        let scope = format!("{}/{region}/{SERVICE}/aws4_request", &date[..8]);
        let string_to_sign = format!(
            "{ALGORITHM}\n{date}\n{scope}\n{}",
            hex(&Sha256::digest(canonical_request.as_bytes()))
        );
        let mut key = hmac(
            format!("AWS4{}", self.secret_access_key).as_bytes(),
            &date.as_bytes()[..8],
        );
        for part in [region, SERVICE, "aws4_request"] {
            key = hmac(&key, part.as_bytes());
        }
        let expected = hex(&hmac(&key, string_to_sign.as_bytes()));
        if !constant_time_eq(expected.as_bytes(), auth.signature.as_bytes()) {
            return Err(invalid(format!(
                "The request signature we calculated does not match the signature you \
                 provided. Check your AWS Secret Access Key and signing method. The \
                 String-to-Sign should have been '{}'",
                string_to_sign.replace('\n', "\\n")
            )));
        }
        Ok(())
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_values_are_trimmed_of_spaces_and_runs_of_spaces_collapse() {
        assert_eq!(trim_all("  a   b\tc  "), "a b\tc");
        assert_eq!(trim_all(""), "");
    }

    #[test]
    fn amz_dates_convert_to_unix_seconds() {
        assert_eq!(parse_amz_date("19700101T000000Z"), Some(0));
        assert_eq!(parse_amz_date("20150830T123600Z"), Some(1_440_938_160));
        assert_eq!(parse_amz_date("20000229T000000Z"), Some(951_782_400));
        assert_eq!(parse_amz_date("2015083T123600Z"), None);
        assert_eq!(parse_amz_date("20151330T123600Z"), None);
        assert_eq!(parse_amz_date("2015+830T123600Z"), None);
    }

    /// The worked example of the SigV4 documentation (GET with a query, service iam):
    /// its signing key and signature, recomputed by the same code path.
    #[test]
    fn the_documented_example_signature_is_reproduced() {
        let mut key = hmac(b"AWS4wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", b"20150830");
        for part in ["us-east-1", "iam", "aws4_request"] {
            key = hmac(&key, part.as_bytes());
        }
        assert_eq!(
            hex(&key),
            "c4afb1cc5771d871763a393e44b703571b55cc28424d1a5e86da6ed3c154a4b9"
        );
        let string_to_sign = "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/iam/aws4_request\nf536975d06c0309214f805bb90ccff089219ecd68b2577efef23edd43b7e1a59";
        assert_eq!(
            hex(&hmac(&key, string_to_sign.as_bytes())),
            "5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7"
        );
    }
}
