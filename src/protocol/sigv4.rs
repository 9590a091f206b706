//! Signature Version 4, both ways: [`Keys`] (the one credentials type, with the one reader
//! of the standard environment variables), [`sign`] (what the runner's HTTP endpoint puts
//! on every request) and [`Keys::verify`] (what a fake that refuses what ECR would refuse
//! checks: unsigned requests, unknown keys, bad signatures and stale dates; off unless
//! asked for, see `FakeEcrBuilder::require_sigv4`).
//!
//! Neither side canonicalizes requests by hand: `aws-sigv4` signs. To verify, the received
//! `Authorization` header is read (the credential scope, the list of signed headers, the
//! signature), the same request is signed again (method, path and query, the signed
//! headers with their values as received, the body) with the one key known, at the
//! request's own `X-Amz-Date`, and the two signatures are compared in constant time. What
//! is checked by hand is what a signer has no say in: the key and the session token, the
//! clock, the scope, and which headers must be signed. Refusals name what was wrong
//! without repeating any secret: never the secret key, the session token or the signature
//! itself.
//!
//! It is not a whole SigV4 service: a signature in the query string (a presigned URL)
//! counts as none, and chunked `STREAMING-…` payloads and SigV4a are refused.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_credential_types::Credentials;
use aws_sigv4::http_request::{
    PayloadChecksumKind, SignableBody, SignableRequest, SigningSettings, sign as aws_sign,
};
use aws_sigv4::sign::v4;
use sha2::{Digest, Sha256};

use super::HttpRequest;

/// How far a request's `X-Amz-Date` may be from the fake's clock (AWS allows 15 minutes).
pub const MAX_CLOCK_SKEW: Duration = Duration::from_secs(15 * 60);

const ALGORITHM: &str = "AWS4-HMAC-SHA256";
const SERVICE: &str = "ecr";

/// AWS credentials: what the runner signs with, and the one key pair a signature-checking
/// fake accepts. `Debug` shows the access key id only.
#[derive(Clone)]
pub struct Keys {
    access_key_id: String,
    secret_access_key: String,
    /// Signing: sent as `X-Amz-Security-Token`. Verifying: required; `None` accepts any
    /// token or none.
    session_token: Option<String>,
}

impl std::fmt::Debug for Keys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The secret and the token never reach a log or a report.
        f.debug_struct("Keys")
            .field("access_key_id", &self.access_key_id)
            .finish_non_exhaustive()
    }
}

use super::environment::var as env;

impl Keys {
    /// This key pair, without a session token.
    pub fn new(access_key_id: &str, secret_access_key: &str) -> Self {
        Keys {
            access_key_id: access_key_id.to_owned(),
            secret_access_key: secret_access_key.to_owned(),
            session_token: None,
        }
    }

    /// With this session token (`X-Amz-Security-Token`, signed).
    #[must_use]
    pub fn with_session_token(mut self, token: &str) -> Self {
        self.session_token = Some(token.to_owned());
        self
    }

    /// Fixed test credentials, for targets that accept any (the fake, moto).
    pub fn test() -> Self {
        Keys::new("AKIAIOSFODNN7EXAMPLE", "ecr-conformance-test-secret")
    }

    /// The standard environment credentials (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`,
    /// `AWS_SESSION_TOKEN`), or `None` when the key pair is not set.
    pub fn from_env() -> Option<Self> {
        Self::from_options_or_env(None, None, None)
    }

    /// Credentials given as options, each missing part of the key pair taken from the
    /// environment; the session token comes from the environment only when neither part of
    /// the pair was given. `None` when the pair is incomplete. This is the one place the
    /// environment is read for credentials.
    pub fn from_options_or_env(
        access_key_id: Option<&str>,
        secret_access_key: Option<&str>,
        session_token: Option<&str>,
    ) -> Option<Self> {
        let given = access_key_id.is_some() || secret_access_key.is_some();
        let id = access_key_id.map_or_else(|| env("AWS_ACCESS_KEY_ID"), |v| Some(v.to_owned()))?;
        let secret = secret_access_key
            .map_or_else(|| env("AWS_SECRET_ACCESS_KEY"), |v| Some(v.to_owned()))?;
        let token = match session_token {
            Some(t) => Some(t.to_owned()),
            None if !given => env("AWS_SESSION_TOKEN"),
            None => None,
        };
        let keys = Keys::new(&id, &secret);
        Some(match token {
            Some(t) => keys.with_session_token(&t),
            None => keys,
        })
    }

    fn identity(&self) -> Credentials {
        Credentials::new(
            &self.access_key_id,
            &self.secret_access_key,
            self.session_token.clone(),
            None,
            "ecr-conformance",
        )
    }
}

/// The headers of a signed awsJson call to `url` (`http[s]://host[:port]`, no path) for
/// `region` at `time`: `host`, the content type and `X-Amz-Target` as given, then what the
/// signature adds (`x-amz-date`, the session token, `authorization`).
pub fn sign(
    keys: &Keys,
    region: &str,
    url: &str,
    request: &super::WireRequest,
    time: SystemTime,
) -> Result<Vec<(String, String)>, String> {
    let (x_amz_target, content_type) = (
        request.x_amz_target.as_deref(),
        request.content_type.as_deref(),
    );
    let body = &request.body[..];
    let host = url
        .split_once("://")
        .map_or(url, |(_, rest)| rest)
        .split('/')
        .next()
        .unwrap_or_default()
        .to_owned();
    let mut headers: Vec<(String, String)> = vec![("host".into(), host)];
    if let Some(ct) = content_type {
        headers.push(("content-type".into(), ct.to_owned()));
    }
    if let Some(t) = x_amz_target {
        headers.push(("x-amz-target".into(), t.to_owned()));
    }
    let identity = keys.identity().into();
    let params = v4::SigningParams::builder()
        .identity(&identity)
        .region(region)
        .name(SERVICE)
        .time(time)
        .settings(SigningSettings::default())
        .build()
        .map_err(|e| format!("cannot sign: {e}"))?
        .into();
    let url = format!("{}/", url.trim_end_matches('/'));
    let signable = SignableRequest::new(
        "POST",
        &url,
        headers.iter().map(|(k, v)| (k.as_str(), v.as_str())),
        SignableBody::Bytes(body),
    )
    .map_err(|e| format!("cannot sign: {e}"))?;
    let (instructions, _signature) = aws_sign(signable, &params)
        .map_err(|e| format!("cannot sign: {e}"))?
        .into_parts();
    for (name, value) in instructions.headers() {
        headers.push((name.to_owned(), value.to_owned()));
    }
    Ok(headers)
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

impl HttpRequest<'_> {
    /// Every value of the header `name` (in any case), each without the whitespace around
    /// it, joined with `,`; `None` when the request has no such header.
    fn header(&self, name: &str) -> Option<String> {
        let values: Vec<&str> = self
            .headers
            .iter()
            .filter(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.trim())
            .collect();
        (!values.is_empty()).then(|| values.join(","))
    }
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

/// Lower-case hex, as SigV4 writes hashes.
fn hex(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(2 * bytes.len());
    crate::model::digest::push_hex(&mut s, bytes);
    s
}

/// Headers the signer writes itself, from the signing time, the credentials and the
/// settings: a request handed to it must not carry them.
const ADDED_BY_SIGNER: [&str; 3] = ["x-amz-date", "x-amz-security-token", "x-amz-content-sha256"];

impl Keys {
    /// Checks `request`'s signature for `region` at time `now`.
    pub fn verify(
        &self,
        request: &HttpRequest<'_>,
        region: &str,
        now: SystemTime,
    ) -> Result<(), Refusal> {
        self.verify_for_service(request, region, SERVICE, now)
    }

    /// [`verify`](Self::verify) for the signing name `service` (the documentation's worked
    /// example is for `iam`).
    fn verify_for_service(
        &self,
        request: &HttpRequest<'_>,
        region: &str,
        service: &str,
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
            || auth.service != service
            || auth.terminator != "aws4_request"
        {
            return Err(invalid(format!(
                "Credential should be scoped to a valid region, date and service: expected \
                 {}/{region}/{service}/aws4_request, got {}/{}/{}/{}.",
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
        if let Some(name) = names.iter().find(|n| request.header(n).is_none()) {
            return Err(invalid(format!(
                "The signed header '{name}' is not in the request."
            )));
        }
        if let Some(declared) = request.header("x-amz-content-sha256")
            && declared != hex(&Sha256::digest(request.body))
        {
            return Err(invalid(
                "The provided 'x-amz-content-sha256' header does not match what was computed."
                    .to_owned(),
            ));
        }
        // A token present is signed (checked above), so it goes into the signature.
        let signed_at = UNIX_EPOCH + Duration::from_secs(signed_at);
        let expected = self.signature(request, &names, token, signed_at, region, service)?;
        if !constant_time_eq(expected.as_bytes(), auth.signature.as_bytes()) {
            return Err(invalid(
                "The request signature we calculated does not match the signature you \
                 provided. Check your AWS Secret Access Key and signing method. Consult the \
                 service documentation for details."
                    .to_owned(),
            ));
        }
        Ok(())
    }

    /// The signature `aws-sigv4` computes for `request` with this key, as the client says
    /// it signed it: only the headers it lists, with their values as received.
    fn signature(
        &self,
        request: &HttpRequest<'_>,
        names: &[String],
        token: Option<String>,
        time: SystemTime,
        region: &str,
        service: &str,
    ) -> Result<String, Refusal> {
        let cannot = |e: &dyn std::fmt::Display| {
            invalid(format!(
                "The request signature could not be calculated to check it: {e}."
            ))
        };
        let signed = |name: &str| names.iter().any(|n| n.eq_ignore_ascii_case(name));
        let mut settings = SigningSettings::default();
        // The client's list is the list: the signer leaves none of it out (by default it
        // leaves out `user-agent`, which some clients sign) ...
        settings.excluded_headers = None;
        // ... and adds to it only what it writes itself: `x-amz-date` (from the time),
        // `x-amz-security-token` (from the credentials), and `x-amz-content-sha256` when
        // the client signed it (the body's hash, which the caller has compared).
        if signed("x-amz-content-sha256") {
            settings.payload_checksum_kind = PayloadChecksumKind::XAmzSha256;
        }
        let headers = request.headers.iter().copied().filter(|(name, _)| {
            signed(name) && !ADDED_BY_SIGNER.iter().any(|a| name.eq_ignore_ascii_case(a))
        });
        let identity = Credentials::new(
            &self.access_key_id,
            &self.secret_access_key,
            token,
            None,
            "ecr-conformance",
        )
        .into();
        let params = v4::SigningParams::builder()
            .identity(&identity)
            .region(region)
            .name(service)
            .time(time)
            .settings(settings)
            .build()
            .map_err(|e| cannot(&e))?
            .into();
        // The signer takes `host` from the URI only when the signed headers lack it; they
        // have it whenever the request does (the caller has checked), so the authority
        // here counts only for a request without a `host` header, which then does not
        // verify.
        let uri = match request.query {
            "" => format!("http://localhost{}", request.path),
            query => format!("http://localhost{}?{query}", request.path),
        };
        let signable = SignableRequest::new(
            request.method,
            uri,
            headers,
            SignableBody::Bytes(request.body),
        )
        .map_err(|e| cannot(&e))?;
        let output = aws_sign(signable, &params).map_err(|e| cannot(&e))?;
        Ok(output.signature().to_owned())
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amz_dates_convert_to_unix_seconds() {
        assert_eq!(parse_amz_date("19700101T000000Z"), Some(0));
        assert_eq!(parse_amz_date("20150830T123600Z"), Some(1_440_938_160));
        assert_eq!(parse_amz_date("20000229T000000Z"), Some(951_782_400));
        assert_eq!(parse_amz_date("2015083T123600Z"), None);
        assert_eq!(parse_amz_date("20151330T123600Z"), None);
        assert_eq!(parse_amz_date("2015+830T123600Z"), None);
    }

    /// The worked example of the SigV4 documentation (GET with a query, service iam),
    /// checked by the code path every request takes: its signature verifies, one a digit
    /// off does not.
    #[test]
    fn the_documented_example_signature_is_reproduced() {
        let keys = Keys::new("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY");
        let authorization = |signature: &str| {
            format!(
                "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, \
                 SignedHeaders=content-type;host;x-amz-date, Signature={signature}"
            )
        };
        let at = UNIX_EPOCH + Duration::from_secs(1_440_938_160);
        let check = |authorization: &str| {
            let headers = [
                ("Host", "iam.amazonaws.com"),
                (
                    "Content-Type",
                    "application/x-www-form-urlencoded; charset=utf-8",
                ),
                ("X-Amz-Date", "20150830T123600Z"),
                ("Authorization", authorization),
            ];
            let request = HttpRequest {
                method: "GET",
                path: "/",
                query: "Action=ListUsers&Version=2010-05-08",
                headers: &headers,
                content_type: None,
                x_amz_target: None,
                body: b"",
                decoded: None,
            };
            keys.verify_for_service(&request, "us-east-1", "iam", at)
                .map_err(|r| r.name)
        };
        assert_eq!(
            check(&authorization(
                "5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7"
            )),
            Ok(())
        );
        assert_eq!(
            check(&authorization(
                "5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d8"
            )),
            Err("InvalidSignatureException")
        );
    }

    /// Signs a request as aws-sigv4 does for a client, with `settings`, and returns every
    /// header it is sent with.
    fn client_signed(
        headers: &[(&str, &str)],
        body: &[u8],
        settings: SigningSettings,
        now: SystemTime,
    ) -> Vec<(String, String)> {
        let identity =
            Credentials::new("AKIDTEST", "test-secret", Some("tok".to_owned()), None, "t").into();
        let params = v4::SigningParams::builder()
            .identity(&identity)
            .region("us-east-1")
            .name("ecr")
            .time(now)
            .settings(settings)
            .build()
            .expect("params")
            .into();
        let request = SignableRequest::new(
            "POST",
            "http://127.0.0.1:4566/",
            headers.iter().copied(),
            SignableBody::Bytes(body),
        )
        .expect("signable");
        let (instructions, _) = aws_sign(request, &params).expect("sign").into_parts();
        let mut all: Vec<(String, String)> = headers
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        for (k, v) in instructions.headers() {
            all.push((k.to_owned(), v.to_owned()));
        }
        all
    }

    /// aws-sigv4 as the client and as the checker agree on what they normalise: runs of
    /// spaces inside a value, a tab, a header given twice, a signed body hash and token.
    #[test]
    fn what_aws_sigv4_signs_verifies_and_a_changed_byte_does_not() {
        let keys = Keys::new("AKIDTEST", "test-secret").with_session_token("tok");
        let now = SystemTime::now();
        let body = br#"{"repositoryName":"r1"}"#;
        let sent = [
            ("host", "127.0.0.1:4566"),
            ("content-type", "application/x-amz-json-1.1"),
            (
                "x-amz-target",
                "AmazonEC2ContainerRegistry_V20150921.CreateRepository",
            ),
            ("x-amz-user-agent", "aws-sdk-rust/1.0   os/linux\tlang/rust"),
            ("x-custom", "one"),
            ("X-Custom", "two  words"),
        ];
        let mut sha256 = SigningSettings::default();
        sha256.payload_checksum_kind = PayloadChecksumKind::XAmzSha256;
        for settings in [SigningSettings::default(), sha256] {
            let headers = client_signed(&sent, body, settings, now);
            let pairs: Vec<(&str, &str)> = headers
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect();
            let check = |body: &[u8]| {
                let request = HttpRequest {
                    method: "POST",
                    path: "/",
                    query: "",
                    headers: &pairs,
                    content_type: None,
                    x_amz_target: None,
                    body,
                    decoded: None,
                };
                keys.verify(&request, "us-east-1", now).map_err(|r| r.name)
            };
            assert_eq!(check(body), Ok(()), "{headers:?}");
            assert_eq!(
                check(br#"{"repositoryName":"r2"}"#),
                Err("InvalidSignatureException")
            );
        }
    }
}
