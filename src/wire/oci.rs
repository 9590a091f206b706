//! The registry door's requests (`/v2/`, spec §10): a request line read into a typed
//! [`DoorCall`], and the OCI error shape every refusal is written in (REG-8). No state: the
//! fake maps a call onto the model's operations (`fake::door`).
//!
//! Everything a client controls is checked here, before anything is applied: the
//! repository name (the OCI name grammar, which ECR's repository names follow: lower case,
//! no `..`), the digest (`sha256:` and 64 lower-case hex digits, the only algorithm ECR's
//! layer and image digests use), and `Content-Range` (inclusive `a-b`, `a <= b`, both
//! within `u63`).

use serde::Serialize;

/// The content type of every `/v2/` error body (REG-8).
pub const ERROR_CONTENT_TYPE: &str = "application/json; charset=utf-8";

/// The OCI distribution error codes the door answers with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum OciCode {
    /// The blob is not in the repository.
    BlobUnknown,
    /// The upload or its chunk is not valid.
    BlobUploadInvalid,
    /// The upload is unknown; ECR also answers a manifest naming missing blobs with it.
    BlobUploadUnknown,
    /// The digest is not one the registry takes.
    DigestInvalid,
    /// The manifest is not valid.
    ManifestInvalid,
    /// The manifest is not in the repository.
    ManifestUnknown,
    /// The repository name is not valid.
    NameInvalid,
    /// The repository does not exist.
    NameUnknown,
    /// The body is larger than the registry takes in one request.
    SizeInvalid,
    /// The credentials are missing or wrong.
    Unauthorized,
    /// The credentials are not enough (an expired token: REG-1).
    Denied,
    /// The call is not supported, or a parameter is not valid (ECR's answer to an invalid
    /// manifest).
    Unsupported,
    /// An immutable tag was to move (ECR's answer, REG-7).
    TagInvalid,
    /// Throttled (REG-8).
    Toomanyrequests,
    /// A failure of the registry itself.
    Unknown,
}

impl OciCode {
    /// Every code the door answers with.
    pub const ALL: [OciCode; 15] = [
        OciCode::BlobUnknown,
        OciCode::BlobUploadInvalid,
        OciCode::BlobUploadUnknown,
        OciCode::DigestInvalid,
        OciCode::ManifestInvalid,
        OciCode::ManifestUnknown,
        OciCode::NameInvalid,
        OciCode::NameUnknown,
        OciCode::SizeInvalid,
        OciCode::Unauthorized,
        OciCode::Denied,
        OciCode::Unsupported,
        OciCode::TagInvalid,
        OciCode::Toomanyrequests,
        OciCode::Unknown,
    ];

    /// The code written `name` on the wire, if the door knows it.
    pub fn from_wire(name: &str) -> Option<OciCode> {
        OciCode::ALL.into_iter().find(|c| c.as_str() == name)
    }

    /// The code of the first error of an OCI error body (`{"errors":[{"code",…}]}`).
    pub fn of_body(body: &[u8]) -> Option<OciCode> {
        let v: serde_json::Value = serde_json::from_slice(body).ok()?;
        OciCode::from_wire(v.get("errors")?.get(0)?.get("code")?.as_str()?)
    }

    /// The code as written on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            OciCode::BlobUnknown => "BLOB_UNKNOWN",
            OciCode::BlobUploadInvalid => "BLOB_UPLOAD_INVALID",
            OciCode::BlobUploadUnknown => "BLOB_UPLOAD_UNKNOWN",
            OciCode::DigestInvalid => "DIGEST_INVALID",
            OciCode::ManifestInvalid => "MANIFEST_INVALID",
            OciCode::ManifestUnknown => "MANIFEST_UNKNOWN",
            OciCode::NameInvalid => "NAME_INVALID",
            OciCode::NameUnknown => "NAME_UNKNOWN",
            OciCode::SizeInvalid => "SIZE_INVALID",
            OciCode::Unauthorized => "UNAUTHORIZED",
            OciCode::Denied => "DENIED",
            OciCode::Unsupported => "UNSUPPORTED",
            OciCode::TagInvalid => "TAG_INVALID",
            OciCode::Toomanyrequests => "TOOMANYREQUESTS",
            OciCode::Unknown => "UNKNOWN",
        }
    }
}

/// A refusal of the door: a status and one OCI error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DoorError {
    /// The HTTP status.
    pub status: u16,
    /// The error code.
    pub code: OciCode,
    /// The message.
    pub message: String,
}

impl DoorError {
    /// A refusal with this status, code and message.
    pub fn new(status: u16, code: OciCode, message: impl Into<String>) -> Self {
        DoorError {
            status,
            code,
            message: message.into(),
        }
    }

    /// The body: `{"errors":[{"code","message"}]}`, no `detail` (REG-8).
    pub fn body(&self) -> Vec<u8> {
        #[derive(Serialize)]
        struct One<'a> {
            code: OciCode,
            message: &'a str,
        }
        #[derive(Serialize)]
        struct Errors<'a> {
            errors: [One<'a>; 1],
        }
        serde_json::to_vec(&Errors {
            errors: [One {
                code: self.code,
                message: &self.message,
            }],
        })
        .unwrap_or_default()
    }
}

impl std::fmt::Display for DoorError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} {}: {}",
            self.status,
            self.code.as_str(),
            self.message
        )
    }
}

impl std::error::Error for DoorError {}

/// An inclusive byte range, as `Content-Range: a-b` gives it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ByteRange {
    /// The first byte.
    pub first: u64,
    /// The last byte (inclusive).
    pub last: u64,
}

impl ByteRange {
    /// The number of bytes.
    pub fn len(&self) -> u64 {
        self.last - self.first + 1
    }

    /// Never: a range holds at least its first byte.
    pub fn is_empty(&self) -> bool {
        false
    }
}

/// A manifest reference: a tag or a digest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reference {
    /// A tag.
    Tag(String),
    /// A digest (`sha256:…`).
    Digest(String),
}

/// One `/v2/` call, as the request line and headers say.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DoorCall {
    /// `GET /v2/`: the version check.
    Base,
    /// `HEAD /v2/<name>/blobs/<digest>`.
    BlobHead {
        /// The repository.
        name: String,
        /// The blob's digest.
        digest: String,
    },
    /// `GET /v2/<name>/blobs/<digest>`.
    BlobGet {
        /// The repository.
        name: String,
        /// The blob's digest.
        digest: String,
    },
    /// `POST /v2/<name>/blobs/uploads/` (with `?digest=`: a monolithic upload whose body is
    /// the blob; with `?mount=&from=`: a mount, which ECR answers with a fresh upload).
    UploadStart {
        /// The repository.
        name: String,
        /// The digest of a monolithic POST.
        digest: Option<String>,
    },
    /// `PATCH /v2/<name>/blobs/uploads/<id>`: a chunk (`Content-Range`) or a streamed body.
    UploadChunk {
        /// The repository.
        name: String,
        /// The upload id.
        upload_id: String,
        /// `Content-Range`, when sent.
        range: Option<ByteRange>,
    },
    /// `PUT /v2/<name>/blobs/uploads/<id>?digest=`: completes the upload (its body is an
    /// optional last chunk).
    UploadFinish {
        /// The repository.
        name: String,
        /// The upload id.
        upload_id: String,
        /// The digest the client says the blob has.
        digest: String,
    },
    /// `GET /v2/<name>/blobs/uploads/<id>`: the upload's progress.
    UploadStatus {
        /// The repository.
        name: String,
        /// The upload id.
        upload_id: String,
    },
    /// `PUT /v2/<name>/manifests/<reference>`.
    ManifestPut {
        /// The repository.
        name: String,
        /// The tag or digest.
        reference: Reference,
    },
    /// `GET` or `HEAD /v2/<name>/manifests/<reference>`.
    ManifestGet {
        /// The repository.
        name: String,
        /// The tag or digest.
        reference: Reference,
        /// Whether it is a HEAD.
        head: bool,
    },
    /// `DELETE /v2/<name>/manifests/<reference>`.
    ManifestDelete {
        /// The repository.
        name: String,
        /// The tag or digest.
        reference: Reference,
    },
    /// `GET /v2/<name>/tags/list?n=&last=`.
    TagsList {
        /// The repository.
        name: String,
        /// `n`: tags per page.
        n: Option<u64>,
        /// `last`: where the previous page ended (an opaque token of this registry).
        last: Option<String>,
    },
}

impl DoorCall {
    /// The repository the call names (none for the version check).
    pub fn name(&self) -> Option<&str> {
        match self {
            DoorCall::Base => None,
            DoorCall::BlobHead { name, .. }
            | DoorCall::BlobGet { name, .. }
            | DoorCall::UploadStart { name, .. }
            | DoorCall::UploadChunk { name, .. }
            | DoorCall::UploadFinish { name, .. }
            | DoorCall::UploadStatus { name, .. }
            | DoorCall::ManifestPut { name, .. }
            | DoorCall::ManifestGet { name, .. }
            | DoorCall::ManifestDelete { name, .. }
            | DoorCall::TagsList { name, .. } => Some(name),
        }
    }
}

/// The longest repository name ECR takes (the service model's `RepositoryName`).
pub const MAX_NAME: usize = 256;
/// The longest tag (the OCI tag grammar: 128 characters).
pub const MAX_TAG: usize = 128;
/// The largest `n` of a tags list ECR takes (§10's table).
pub const MAX_TAGS_PAGE: u64 = 1000;

/// Whether this path is the registry door's.
pub fn is_door_path(path: &str) -> bool {
    path == "/v2" || path.starts_with("/v2/")
}

/// Reads a `/v2/` request. `content_range` is the `Content-Range` header when sent.
pub fn parse_call(
    method: &str,
    path: &str,
    query: &str,
    content_range: Option<&str>,
) -> Result<DoorCall, DoorError> {
    let rest = path
        .strip_prefix("/v2")
        .filter(|r| r.is_empty() || r.starts_with('/'))
        .ok_or_else(|| not_found(path))?;
    let rest = rest.strip_prefix('/').unwrap_or(rest);
    if rest.is_empty() {
        return match method {
            "GET" | "HEAD" => Ok(DoorCall::Base),
            _ => Err(unsupported(method, path)),
        };
    }
    let q = Query(query);
    if let Some(name) = rest.strip_suffix("/tags/list") {
        let name = repository(name)?;
        if method != "GET" {
            return Err(unsupported(method, path));
        }
        let n = match q.get("n") {
            None => None,
            Some(v) => match v.parse::<u64>() {
                Ok(n) if n <= MAX_TAGS_PAGE => Some(n),
                _ => {
                    return Err(DoorError::new(
                        400,
                        OciCode::Unsupported,
                        format!("n must be an integer from 0 to {MAX_TAGS_PAGE}, not {v:?}"),
                    ));
                }
            },
        };
        let last = q.get("last").map(str::to_owned);
        return Ok(DoorCall::TagsList { name, n, last });
    }
    if let Some((name, upload)) = split_last(rest, "/blobs/uploads") {
        let name = repository(name)?;
        let upload = upload.strip_prefix('/').unwrap_or(upload);
        if upload.is_empty() {
            return match method {
                "POST" => Ok(DoorCall::UploadStart {
                    name,
                    digest: q.get("digest").map(digest).transpose()?,
                }),
                _ => Err(unsupported(method, path)),
            };
        }
        let upload_id = upload_id(upload)?;
        return match method {
            "PATCH" => Ok(DoorCall::UploadChunk {
                name,
                upload_id,
                range: content_range.map(parse_content_range).transpose()?,
            }),
            "PUT" => {
                let d = q.get("digest").ok_or_else(|| {
                    DoorError::new(
                        400,
                        OciCode::DigestInvalid,
                        "the final PUT of an upload must give ?digest=",
                    )
                })?;
                Ok(DoorCall::UploadFinish {
                    name,
                    upload_id,
                    digest: digest(d)?,
                })
            }
            "GET" => Ok(DoorCall::UploadStatus { name, upload_id }),
            _ => Err(unsupported(method, path)),
        };
    }
    if let Some((name, d)) = split_last(rest, "/blobs/") {
        let name = repository(name)?;
        let digest = digest(d)?;
        return match method {
            "HEAD" => Ok(DoorCall::BlobHead { name, digest }),
            "GET" => Ok(DoorCall::BlobGet { name, digest }),
            _ => Err(unsupported(method, path)),
        };
    }
    if let Some((name, r)) = split_last(rest, "/manifests/") {
        let name = repository(name)?;
        let reference = reference(r)?;
        return match method {
            "PUT" => Ok(DoorCall::ManifestPut { name, reference }),
            "GET" => Ok(DoorCall::ManifestGet {
                name,
                reference,
                head: false,
            }),
            "HEAD" => Ok(DoorCall::ManifestGet {
                name,
                reference,
                head: true,
            }),
            "DELETE" => Ok(DoorCall::ManifestDelete { name, reference }),
            _ => Err(unsupported(method, path)),
        };
    }
    Err(not_found(path))
}

/// `Content-Range: a-b` (inclusive; `bytes a-b` and `bytes=a-b` are read too, as some
/// clients send them).
pub fn parse_content_range(value: &str) -> Result<ByteRange, DoorError> {
    let bad = |why: &str| {
        DoorError::new(
            416,
            OciCode::BlobUploadInvalid,
            format!("Content-Range {value:?} {why}"),
        )
    };
    let v = value.trim();
    let v = v
        .strip_prefix("bytes=")
        .or_else(|| v.strip_prefix("bytes "))
        .unwrap_or(v);
    let v = v.split('/').next().unwrap_or(v); // `a-b/total`
    let (a, b) = v.split_once('-').ok_or_else(|| bad("is not a-b"))?;
    let number = |s: &str| -> Result<u64, DoorError> {
        if s.is_empty() || s.len() > 19 || !s.bytes().all(|c| c.is_ascii_digit()) {
            return Err(bad("is not two decimal byte offsets"));
        }
        s.parse::<u64>()
            .ok()
            .filter(|n| i64::try_from(*n).is_ok())
            .ok_or_else(|| bad("is out of range"))
    };
    let (first, last) = (number(a)?, number(b)?);
    if last < first {
        return Err(bad("ends before it starts"));
    }
    Ok(ByteRange { first, last })
}

/// The value of a query parameter (the first; `+` and `%XX` decoded).
struct Query<'a>(&'a str);

impl Query<'_> {
    fn get(&self, key: &str) -> Option<&str> {
        self.0
            .split('&')
            .filter_map(|kv| kv.split_once('=').or(Some((kv, ""))))
            .find(|(k, _)| *k == key)
            .map(|(_, v)| v)
    }
}

fn split_last<'a>(path: &'a str, marker: &str) -> Option<(&'a str, &'a str)> {
    let at = path.rfind(marker)?;
    Some((&path[..at], &path[at + marker.len()..]))
}

fn not_found(path: &str) -> DoorError {
    DoorError::new(
        404,
        OciCode::Unsupported,
        format!("no registry call is at {}", clip(path)),
    )
}

fn unsupported(method: &str, path: &str) -> DoorError {
    DoorError::new(
        405,
        OciCode::Unsupported,
        format!("{} {} is not supported", clip(method), clip(path)),
    )
}

/// At most 200 characters of a value a client sent, for a message.
fn clip(s: &str) -> String {
    s.chars().take(200).collect()
}

/// A repository name by the OCI grammar: components of `[a-z0-9]+([._]|__|[-]*)[a-z0-9]+`
/// joined by `/` (lower case only; no empty component, no `..`).
fn repository(name: &str) -> Result<String, DoorError> {
    let bad = |why: &str| {
        DoorError::new(
            400,
            OciCode::NameInvalid,
            format!("invalid repository name {:?}: {why}", clip(name)),
        )
    };
    if name.is_empty() || name.len() > MAX_NAME {
        return Err(bad("it must be 1 to 256 characters"));
    }
    for component in name.split('/') {
        let bytes = component.as_bytes();
        let alnum = |c: u8| c.is_ascii_lowercase() || c.is_ascii_digit();
        if bytes.is_empty() || !alnum(bytes[0]) || !alnum(bytes[bytes.len() - 1]) {
            return Err(bad(
                "each component starts and ends with a lower-case letter or digit",
            ));
        }
        let mut i = 0;
        while i < bytes.len() {
            let c = bytes[i];
            if alnum(c) {
                i += 1;
                continue;
            }
            // A separator run: `.`, `_`, `__`, or any number of `-`.
            let run = bytes[i..].iter().take_while(|c| !alnum(**c)).count();
            let sep = &component[i..i + run];
            let ok = sep == "." || sep == "_" || sep == "__" || sep.bytes().all(|c| c == b'-');
            if !ok {
                return Err(bad(
                    "components are lower-case letters and digits, separated by one '.', '_', \
                     '__' or dashes",
                ));
            }
            i += run;
        }
    }
    Ok(name.to_owned())
}

fn digest(d: &str) -> Result<String, DoorError> {
    let d = percent_colon(d);
    match d.split_once(':') {
        Some(("sha256", hex))
            if hex.len() == 64 && hex.bytes().all(|c| matches!(c, b'0'..=b'9' | b'a'..=b'f')) =>
        {
            Ok(d)
        }
        Some((algorithm, _)) if algorithm != "sha256" => Err(DoorError::new(
            400,
            OciCode::DigestInvalid,
            format!(
                "unsupported digest algorithm {:?}: this registry takes sha256 only",
                clip(algorithm)
            ),
        )),
        _ => Err(DoorError::new(
            400,
            OciCode::DigestInvalid,
            format!(
                "invalid digest {:?}: sha256: and 64 lower-case hex digits",
                clip(&d)
            ),
        )),
    }
}

/// `sha256%3A…` as clients may send it in a query.
fn percent_colon(s: &str) -> String {
    s.replace("%3A", ":").replace("%3a", ":")
}

fn reference(r: &str) -> Result<Reference, DoorError> {
    let r = percent_colon(r);
    if r.contains(':') {
        return digest(&r).map(Reference::Digest);
    }
    let b = r.as_bytes();
    let word = |c: u8| c.is_ascii_alphanumeric() || c == b'_';
    let ok = !b.is_empty()
        && b.len() <= MAX_TAG
        && word(b[0])
        && b.iter().all(|c| word(*c) || *c == b'.' || *c == b'-');
    if ok {
        Ok(Reference::Tag(r))
    } else {
        Err(DoorError::new(
            400,
            OciCode::TagInvalid,
            format!(
                "invalid tag {:?}: 1 to 128 of [A-Za-z0-9_.-], not starting with . or -",
                clip(&r)
            ),
        ))
    }
}

fn upload_id(id: &str) -> Result<String, DoorError> {
    // The model mints ids; anything else is an unknown upload, answered by the model. Only
    // the characters an id can have are let through, so a message never echoes junk.
    if id.is_empty()
        || id.len() > 128
        || !id
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_')
    {
        return Err(DoorError::new(
            404,
            OciCode::BlobUploadUnknown,
            format!("upload {:?} is unknown", clip(id)),
        ));
    }
    Ok(id.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    const D: &str = "sha256:0000000000000000000000000000000000000000000000000000000000000000";

    #[test]
    fn a_push_reads_as_its_calls() {
        assert_eq!(parse_call("GET", "/v2/", "", None), Ok(DoorCall::Base));
        assert_eq!(
            parse_call("POST", "/v2/a/b-c/blobs/uploads/", "", None),
            Ok(DoorCall::UploadStart {
                name: "a/b-c".into(),
                digest: None
            })
        );
        assert_eq!(
            parse_call("PATCH", "/v2/a/blobs/uploads/u-1", "", Some("0-9")),
            Ok(DoorCall::UploadChunk {
                name: "a".into(),
                upload_id: "u-1".into(),
                range: Some(ByteRange { first: 0, last: 9 })
            })
        );
        assert_eq!(
            parse_call(
                "PUT",
                "/v2/a/blobs/uploads/u-1",
                &format!("digest={}", D.replace(':', "%3A")),
                None
            ),
            Ok(DoorCall::UploadFinish {
                name: "a".into(),
                upload_id: "u-1".into(),
                digest: D.into()
            })
        );
        assert_eq!(
            parse_call("HEAD", "/v2/a/manifests/latest", "", None),
            Ok(DoorCall::ManifestGet {
                name: "a".into(),
                reference: Reference::Tag("latest".into()),
                head: true
            })
        );
        // A repository may be called `blobs`: the last marker splits.
        assert_eq!(
            parse_call("HEAD", &format!("/v2/x/blobs/blobs/{D}"), "", None),
            Ok(DoorCall::BlobHead {
                name: "x/blobs".into(),
                digest: D.into()
            })
        );
    }

    #[test]
    fn bad_names_digests_and_ranges_are_typed_refusals() {
        let code = |r: Result<DoorCall, DoorError>| r.map_err(|e| (e.status, e.code)).err();
        for name in ["A", "a/../b", "a//b", "-a", "a.", "a..b", "a%2Fb"] {
            assert_eq!(
                code(parse_call(
                    "POST",
                    &format!("/v2/{name}/blobs/uploads/"),
                    "",
                    None
                )),
                Some((400, OciCode::NameInvalid)),
                "{name}"
            );
        }
        let sha512 = format!("sha512:{}", "0".repeat(128));
        assert_eq!(
            code(parse_call(
                "HEAD",
                &format!("/v2/a/blobs/{sha512}"),
                "",
                None
            )),
            Some((400, OciCode::DigestInvalid))
        );
        for range in [
            "",
            "5",
            "9-5",
            "a-b",
            "-1-2",
            "0-99999999999999999999",
            "0-9223372036854775808",
        ] {
            assert_eq!(
                code(parse_call(
                    "PATCH",
                    "/v2/a/blobs/uploads/u",
                    "",
                    Some(range)
                )),
                Some((416, OciCode::BlobUploadInvalid)),
                "{range:?}"
            );
        }
        assert_eq!(
            code(parse_call("GET", "/v2/a/tags/list", "n=1001", None)),
            Some((400, OciCode::Unsupported))
        );
        assert_eq!(
            code(parse_call("PUT", "/v2/a/blobs/uploads/u", "", None)),
            Some((400, OciCode::DigestInvalid))
        );
        assert_eq!(
            code(parse_call("PUT", "/v2/a/manifests/.x", "", None)),
            Some((400, OciCode::TagInvalid))
        );
    }

    #[test]
    fn the_error_body_is_errors_of_code_and_message_only() {
        let e = DoorError::new(404, OciCode::NameUnknown, "no such repository");
        assert_eq!(
            String::from_utf8(e.body()).unwrap(),
            r#"{"errors":[{"code":"NAME_UNKNOWN","message":"no such repository"}]}"#
        );
    }
}
