//! An ECR layer-upload endpoint written from `shared/spec/ecr-layer-upload.md` alone, without
//! the crate's model, wire types or fake: a second opinion to test the runner's verdicts
//! against legal variants (every knob of spec §7) and defects (`Defect`) the project did not
//! write itself.
//!
//! Plain HTTP/1.1 on 127.0.0.1 with a thread per connection; SigV4 is not checked. Each
//! upload keeps a running SHA-256, its byte count and its part sizes, never its bytes.

#![allow(dead_code, unreachable_pub)] // a test helper: not every item is used by every test

use std::borrow::Cow;
use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::alphabet;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use regex::Regex;
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

/// The endpoint's own registry id (spec §5).
pub const REGISTRY_ID: &str = "012345678910";
/// The endpoint's region (spec §5).
pub const REGION: &str = "us-east-1";
/// The model's cap on a blob, in decoded bytes (spec §3).
const MAX_BLOB_BYTES: u64 = 20_971_520;
/// Every part but the last must be at least this long at completion (DONE-3).
const MIN_PART_BYTES: u64 = 5_242_880;
/// The largest request body read.
const MAX_BODY_BYTES: usize = 32 * 1024 * 1024;
/// The largest request head read.
const MAX_HEAD_BYTES: usize = 64 * 1024;
const TARGET_PREFIX: &str = "AmazonEC2ContainerRegistry_V20150921.";
const CONTENT_TYPE: &str = "application/x-amz-json-1.1";

/// Every knob of spec §7 with its values as the spec spells them, the `ecr` profile's first
/// (for `max-part-bytes`, the second is the smaller limit the catalog must show).
pub const KNOBS: &[(&str, &[&str])] = &[
    ("repository-name-pattern", &["oci2026", "legacy"]),
    ("upload-id-case", &["exact", "insensitive"]),
    ("max-part-bytes", &["20971520", "10485760"]),
    (
        "oversize-part-error",
        &["invalid-parameter", "invalid-layer-part"],
    ),
    (
        "range-mismatch-error",
        &["invalid-layer-part", "invalid-parameter"],
    ),
    ("nothing-received-yet", &["omitted", "zero", "minus-one"]),
    ("digest-list-meaning", &["all-must-match", "any-may-match"]),
    ("advertised-part-size", &["10485760"]),
    ("blob-padding", &["required", "optional"]),
    (
        "malformed-request-error",
        &["serialization", "invalid-parameter"],
    ),
    ("failed-completion", &["keeps-upload", "consumes-upload"]),
    ("delete-with-layers-needs-force", &["false", "true"]),
    (
        "foreign-registry-error",
        &["repository-not-found", "access-denied"],
    ),
    ("layer-lookup", &["exact", "hex-either-case"]),
];

/// An enum for one knob, with its spellings.
macro_rules! knob {
    ($(#[$doc:meta])* $name:ident { $($(#[$vdoc:meta])* $variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum $name {
            $($(#[$vdoc])* $variant),+
        }

        impl $name {
            fn parse(text: &str) -> Option<Self> {
                match text {
                    $($text => Some($name::$variant),)+
                    _ => None,
                }
            }
        }
    };
}

knob!(
    /// `repository-name-pattern` (VAL-2).
    NamePattern {
        /// The 2026 OCI-compatible pattern.
        Oci2026 = "oci2026",
        /// The older pattern, which rejects `a__b` and `a--b`.
        Legacy = "legacy",
    }
);
knob!(
    /// `upload-id-case` (PART-1, DONE-1).
    IdCase {
        /// Ids compare exactly.
        Exact = "exact",
        /// Ids compare in any letter case.
        Insensitive = "insensitive",
    }
);
knob!(
    /// The error of `oversize-part-error` (PART-2) and `range-mismatch-error` (PART-4).
    PartError {
        /// `InvalidParameterException`.
        InvalidParameter = "invalid-parameter",
        /// `InvalidLayerPartException`, with its members.
        InvalidLayerPart = "invalid-layer-part",
    }
);
knob!(
    /// `nothing-received-yet` (PART-5).
    NothingReceived {
        /// `lastValidByteReceived` omitted.
        Omitted = "omitted",
        /// `lastValidByteReceived: 0`.
        Zero = "zero",
        /// `lastValidByteReceived: -1`.
        MinusOne = "minus-one",
    }
);
knob!(
    /// `digest-list-meaning` (DONE-4).
    DigestList {
        /// Every listed digest must match.
        AllMustMatch = "all-must-match",
        /// One matching digest is enough.
        AnyMayMatch = "any-may-match",
    }
);
knob!(
    /// `blob-padding` (WIRE-2).
    Padding {
        /// Base64 padding is required.
        Required = "required",
        /// Unpadded base64 is accepted too.
        Optional = "optional",
    }
);
knob!(
    /// `malformed-request-error` (WIRE-2).
    MalformedError {
        /// `SerializationException`.
        Serialization = "serialization",
        /// `InvalidParameterException`.
        InvalidParameter = "invalid-parameter",
    }
);
knob!(
    /// `failed-completion` (STATE-1).
    FailedCompletion {
        /// A completion refused at DONE-2..5 keeps the upload.
        KeepsUpload = "keeps-upload",
        /// A completion refused at DONE-2..5 ends the upload.
        ConsumesUpload = "consumes-upload",
    }
);
knob!(
    /// `foreign-registry-error` (REPO-1).
    ForeignRegistry {
        /// `RepositoryNotFoundException`.
        RepositoryNotFound = "repository-not-found",
        /// `AccessDeniedException`.
        AccessDenied = "access-denied",
    }
);
knob!(
    /// `layer-lookup` (CHECK-1, CHECK-2).
    LayerLookup {
        /// Digests are looked up exactly as sent.
        Exact = "exact",
        /// The hex of a digest matches in either letter case.
        HexEitherCase = "hex-either-case",
    }
);

/// One legal protocol variant: a value for every knob of spec §7.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Variant {
    /// `repository-name-pattern`.
    pub repository_name_pattern: NamePattern,
    /// `upload-id-case`.
    pub upload_id_case: IdCase,
    /// `max-part-bytes`.
    pub max_part_bytes: u64,
    /// `oversize-part-error`.
    pub oversize_part_error: PartError,
    /// `range-mismatch-error`.
    pub range_mismatch_error: PartError,
    /// `nothing-received-yet`.
    pub nothing_received_yet: NothingReceived,
    /// `digest-list-meaning`.
    pub digest_list_meaning: DigestList,
    /// `advertised-part-size`.
    pub advertised_part_size: u64,
    /// `blob-padding`.
    pub blob_padding: Padding,
    /// `malformed-request-error`.
    pub malformed_request_error: MalformedError,
    /// `failed-completion`.
    pub failed_completion: FailedCompletion,
    /// `delete-with-layers-needs-force`.
    pub delete_with_layers_needs_force: bool,
    /// `foreign-registry-error`.
    pub foreign_registry_error: ForeignRegistry,
    /// `layer-lookup`.
    pub layer_lookup: LayerLookup,
}

impl Variant {
    /// The `ecr` profile's values.
    pub fn ecr() -> Self {
        Variant {
            repository_name_pattern: NamePattern::Oci2026,
            upload_id_case: IdCase::Exact,
            max_part_bytes: MAX_BLOB_BYTES,
            oversize_part_error: PartError::InvalidParameter,
            range_mismatch_error: PartError::InvalidLayerPart,
            nothing_received_yet: NothingReceived::Omitted,
            digest_list_meaning: DigestList::AllMustMatch,
            advertised_part_size: 10_485_760,
            blob_padding: Padding::Required,
            malformed_request_error: MalformedError::Serialization,
            failed_completion: FailedCompletion::KeepsUpload,
            delete_with_layers_needs_force: false,
            foreign_registry_error: ForeignRegistry::RepositoryNotFound,
            layer_lookup: LayerLookup::Exact,
        }
    }

    /// This variant with `knob` (spelled as in spec §7) set to `value`; panics on a knob or
    /// value the spec does not name.
    pub fn with(mut self, knob: &str, value: &str) -> Self {
        fn parsed<T>(knob: &str, value: &str, v: Option<T>) -> T {
            v.unwrap_or_else(|| panic!("{knob} has no value {value:?} in spec §7"))
        }
        let number = || parsed(knob, value, value.parse::<u64>().ok());
        match knob {
            "repository-name-pattern" => {
                self.repository_name_pattern = parsed(knob, value, NamePattern::parse(value))
            }
            "upload-id-case" => self.upload_id_case = parsed(knob, value, IdCase::parse(value)),
            "max-part-bytes" => {
                let n = number();
                assert!(
                    (1..=MAX_BLOB_BYTES).contains(&n),
                    "max-part-bytes is at most {MAX_BLOB_BYTES}"
                );
                self.max_part_bytes = n;
            }
            "oversize-part-error" => {
                self.oversize_part_error = parsed(knob, value, PartError::parse(value))
            }
            "range-mismatch-error" => {
                self.range_mismatch_error = parsed(knob, value, PartError::parse(value))
            }
            "nothing-received-yet" => {
                self.nothing_received_yet = parsed(knob, value, NothingReceived::parse(value))
            }
            "digest-list-meaning" => {
                self.digest_list_meaning = parsed(knob, value, DigestList::parse(value))
            }
            "advertised-part-size" => self.advertised_part_size = number(),
            "blob-padding" => self.blob_padding = parsed(knob, value, Padding::parse(value)),
            "malformed-request-error" => {
                self.malformed_request_error = parsed(knob, value, MalformedError::parse(value))
            }
            "failed-completion" => {
                self.failed_completion = parsed(knob, value, FailedCompletion::parse(value))
            }
            "delete-with-layers-needs-force" => {
                self.delete_with_layers_needs_force = match value {
                    "false" => false,
                    "true" => true,
                    _ => parsed(knob, value, None),
                }
            }
            "foreign-registry-error" => {
                self.foreign_registry_error = parsed(knob, value, ForeignRegistry::parse(value))
            }
            "layer-lookup" => self.layer_lookup = parsed(knob, value, LayerLookup::parse(value)),
            _ => panic!("spec §7 has no knob {knob:?}"),
        }
        self
    }
}

/// A way to break one rule of the spec. Most change the endpoint's state, not only its
/// answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Defect {
    /// A part whose first byte is past the next expected byte is appended.
    AcceptsGap,
    /// A part starting before the next expected byte is appended.
    AcceptsOverlap,
    /// An upload with no bytes completes, storing the empty layer.
    CompletesEmpty,
    /// An UploadLayerPart refused at PART-3 or PART-4 ends its upload.
    ConsumesUploadOnRefusedPart,
    /// A part refused at PART-4 still adds its bytes.
    CountsRefusedPart,
    /// A completion whose digest does not match succeeds and stores the layer under the
    /// (first) listed digest.
    StoresWrongDigest,
    /// A layer already in the repository is stored again.
    AcceptsDuplicateLayer,
    /// Parts shorter than 5 MiB complete.
    NoMinimumPartSize,
    /// Re-sending the part just accepted is answered as accepted, and nothing is appended.
    ResendIsIdempotent,
    /// `lastByteReceived` is the byte count, not the last byte's index.
    LastByteIsCount,
    /// UploadLayerPart finds an upload of another repository (the part goes to it).
    ForgetsUploadsOfOtherRepo,
    /// InitiateLayerUpload on an unknown repository creates it.
    AutoCreatesRepository,
    /// An empty body is refused with SerializationException instead of read as `{}`.
    EmptyBodyRefused,
    /// A deleted repository's layers come back when it is created again.
    KeepsLayersAfterDelete,
    /// InvalidLayerPartException never carries `lastValidByteReceived`.
    OmitsLastValidByte,
    /// A digest that breaks the LayerDigest pattern is reported as MissingLayerDigest.
    MalformedDigestIsMissing,
    /// InitiateLayerUpload advertises a part size of 1 MiB, below the range.
    AdvertisesTinyPartSize,
}

impl Defect {
    /// Every defect.
    pub const ALL: &[Defect] = &[
        Defect::AcceptsGap,
        Defect::AcceptsOverlap,
        Defect::CompletesEmpty,
        Defect::ConsumesUploadOnRefusedPart,
        Defect::CountsRefusedPart,
        Defect::StoresWrongDigest,
        Defect::AcceptsDuplicateLayer,
        Defect::NoMinimumPartSize,
        Defect::ResendIsIdempotent,
        Defect::LastByteIsCount,
        Defect::ForgetsUploadsOfOtherRepo,
        Defect::AutoCreatesRepository,
        Defect::EmptyBodyRefused,
        Defect::KeepsLayersAfterDelete,
        Defect::OmitsLastValidByte,
        Defect::MalformedDigestIsMissing,
        Defect::AdvertisesTinyPartSize,
    ];

    /// The rule it breaks.
    pub fn rule(self) -> &'static str {
        match self {
            Defect::AcceptsGap | Defect::AcceptsOverlap | Defect::ResendIsIdempotent => "PART-3",
            Defect::CompletesEmpty => "DONE-2",
            Defect::ConsumesUploadOnRefusedPart | Defect::CountsRefusedPart => "STATE-1",
            Defect::StoresWrongDigest => "DONE-4",
            Defect::AcceptsDuplicateLayer => "DONE-5",
            Defect::NoMinimumPartSize => "DONE-3",
            Defect::LastByteIsCount => "PART-6",
            Defect::ForgetsUploadsOfOtherRepo => "PART-1",
            Defect::AutoCreatesRepository => "REPO-1",
            Defect::EmptyBodyRefused => "WIRE-2",
            Defect::KeepsLayersAfterDelete => "ADMIN-2",
            Defect::OmitsLastValidByte => "PART-5",
            Defect::MalformedDigestIsMissing => "CHECK-2",
            Defect::AdvertisesTinyPartSize => "INIT-2",
        }
    }

    /// Whether it changes the endpoint's state (not only its answers).
    pub fn changes_state(self) -> bool {
        !matches!(
            self,
            Defect::LastByteIsCount
                | Defect::EmptyBodyRefused
                | Defect::OmitsLastValidByte
                | Defect::MalformedDigestIsMissing
                | Defect::AdvertisesTinyPartSize
        )
    }
}

/// A running endpoint; stops when dropped.
pub struct Independent {
    /// `http://127.0.0.1:PORT`.
    pub url: String,
    addr: SocketAddr,
    shared: Arc<Shared>,
    accept: Option<JoinHandle<()>>,
}

impl Independent {
    /// Starts an endpoint following `variant`, with `defects`.
    pub fn start(variant: Variant, defects: &[Defect]) -> Independent {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        let addr = listener.local_addr().expect("local address");
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as u64);
        let shared = Arc::new(Shared {
            endpoint: Logic::new(variant, defects, nanos ^ u64::from(addr.port())),
            stop: AtomicBool::new(false),
            requests: AtomicU64::new(0),
            connections: Mutex::new(HashMap::new()),
        });
        let accepting = Arc::clone(&shared);
        let accept = std::thread::spawn(move || accept_loop(listener, accepting));
        Independent {
            url: format!("http://{addr}"),
            addr,
            shared,
            accept: Some(accept),
        }
    }

    /// HTTP requests received so far (every request read whole, answered or not).
    pub fn requests(&self) -> u64 {
        self.shared.requests.load(Ordering::SeqCst)
    }

    /// The listening address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }
}

impl Drop for Independent {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        // Unblocks `accept`.
        let _ = TcpStream::connect(self.addr);
        if let Some(accept) = self.accept.take() {
            let _ = accept.join();
        }
        let connections = std::mem::take(
            &mut *self
                .shared
                .connections
                .lock()
                .unwrap_or_else(|e| e.into_inner()),
        );
        for stream in connections.into_values() {
            let _ = stream.shutdown(Shutdown::Both);
        }
    }
}

struct Shared {
    endpoint: Logic,
    stop: AtomicBool,
    requests: AtomicU64,
    /// Open connections, to close them on drop.
    connections: Mutex<HashMap<u64, TcpStream>>,
}

fn accept_loop(listener: TcpListener, shared: Arc<Shared>) {
    let mut next_id = 0u64;
    for conn in listener.incoming() {
        if shared.stop.load(Ordering::SeqCst) {
            break;
        }
        let Ok(stream) = conn else { continue };
        let id = next_id;
        next_id += 1;
        if let Ok(clone) = stream.try_clone() {
            shared
                .connections
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .insert(id, clone);
        }
        let serving = Arc::clone(&shared);
        std::thread::spawn(move || {
            serve_connection(&serving, stream);
            serving
                .connections
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .remove(&id);
        });
    }
}

/// One HTTP request as read.
struct HttpRequest {
    method: String,
    path: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
    close: bool,
}

impl HttpRequest {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// What reading a request gave.
enum Incoming {
    Request(HttpRequest),
    /// The body is over the limit: answered 413, then the connection closes.
    TooLarge,
    /// End of stream or a broken request.
    Done,
}

fn read_request(reader: &mut BufReader<TcpStream>, writer: &mut TcpStream) -> Incoming {
    let mut head: Vec<String> = Vec::new();
    let mut size = 0usize;
    loop {
        let mut line = Vec::new();
        match reader.read_until(b'\n', &mut line) {
            Ok(0) | Err(_) => return Incoming::Done,
            Ok(n) => size += n,
        }
        if size > MAX_HEAD_BYTES {
            return Incoming::Done;
        }
        let text = String::from_utf8_lossy(&line)
            .trim_end_matches(['\r', '\n'])
            .to_owned();
        if text.is_empty() {
            if head.is_empty() {
                continue; // stray blank lines before a request line
            }
            break;
        }
        head.push(text);
    }
    let mut request_line = head[0].split_whitespace();
    let method = request_line.next().unwrap_or_default().to_owned();
    let path = request_line.next().unwrap_or_default().to_owned();
    let version = request_line.next().unwrap_or_default().to_owned();
    let headers: Vec<(String, String)> = head[1..]
        .iter()
        .filter_map(|h| h.split_once(':'))
        .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
        .collect();
    let find = |name: &str| {
        headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.to_ascii_lowercase())
    };
    let connection = find("connection").unwrap_or_default();
    let close = connection.contains("close")
        || (version == "HTTP/1.0" && !connection.contains("keep-alive"));
    let Ok(length) = find("content-length")
        .unwrap_or_else(|| "0".to_owned())
        .parse::<usize>()
    else {
        return Incoming::Done;
    };
    if length > MAX_BODY_BYTES {
        return Incoming::TooLarge;
    }
    if find("expect").is_some_and(|e| e == "100-continue")
        && writer.write_all(b"HTTP/1.1 100 Continue\r\n\r\n").is_err()
    {
        return Incoming::Done;
    }
    let mut body = vec![0u8; length];
    if reader.read_exact(&mut body).is_err() {
        return Incoming::Done;
    }
    Incoming::Request(HttpRequest {
        method,
        path,
        headers,
        body,
        close,
    })
}

fn serve_connection(shared: &Shared, stream: TcpStream) {
    let Ok(mut writer) = stream.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(stream);
    loop {
        if shared.stop.load(Ordering::SeqCst) {
            return;
        }
        let request = match read_request(&mut reader, &mut writer) {
            Incoming::Request(r) => r,
            Incoming::TooLarge => {
                let body = error_body("SerializationException", "the body is over 32 MiB");
                let _ = writer.write_all(&http_answer(
                    413,
                    &body,
                    &shared.endpoint.request_id(),
                    true,
                ));
                return;
            }
            Incoming::Done => return,
        };
        shared.requests.fetch_add(1, Ordering::SeqCst);
        let (status, body) = if request.method != "POST" || request.path != "/" {
            (
                404,
                error_body(
                    "UnknownOperationException",
                    "every operation is POST / with X-Amz-Target",
                ),
            )
        } else {
            shared
                .endpoint
                .answer(request.header("x-amz-target"), &request.body)
        };
        let out = http_answer(status, &body, &shared.endpoint.request_id(), request.close);
        if writer.write_all(&out).is_err() || writer.flush().is_err() || request.close {
            return;
        }
    }
}

fn http_answer(status: u16, body: &Value, request_id: &str, close: bool) -> Vec<u8> {
    let reason = match status {
        200 => "OK",
        400 => "Bad Request",
        404 => "Not Found",
        413 => "Payload Too Large",
        _ => "Internal Server Error",
    };
    let bytes = serde_json::to_vec(body).unwrap_or_default();
    let mut out = format!(
        "HTTP/1.1 {status} {reason}\r\nContent-Type: {CONTENT_TYPE}\r\nx-amzn-RequestId: {request_id}\r\nContent-Length: {}\r\n{}\r\n",
        bytes.len(),
        if close { "Connection: close\r\n" } else { "" }
    )
    .into_bytes();
    out.extend_from_slice(&bytes);
    out
}

fn error_body(name: &str, message: &str) -> Value {
    json!({"__type": name, "message": message})
}

// ---------------------------------------------------------------------------------------
// The protocol.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    CreateRepository,
    DeleteRepository,
    InitiateLayerUpload,
    UploadLayerPart,
    CompleteLayerUpload,
    BatchCheckLayerAvailability,
}

#[derive(Debug, Clone, Copy)]
enum Kind {
    Str,
    Long,
    Blob,
    StrList,
    Bool,
}

impl Op {
    fn from_x_amz_target(target: &str) -> Option<Op> {
        Some(match target.strip_prefix(TARGET_PREFIX)? {
            "CreateRepository" => Op::CreateRepository,
            "DeleteRepository" => Op::DeleteRepository,
            "InitiateLayerUpload" => Op::InitiateLayerUpload,
            "UploadLayerPart" => Op::UploadLayerPart,
            "CompleteLayerUpload" => Op::CompleteLayerUpload,
            "BatchCheckLayerAvailability" => Op::BatchCheckLayerAvailability,
            _ => return None,
        })
    }

    /// The input members, in the model's order.
    fn members(self) -> &'static [(&'static str, Kind)] {
        const REG: (&str, Kind) = ("registryId", Kind::Str);
        const REPO: (&str, Kind) = ("repositoryName", Kind::Str);
        const ID: (&str, Kind) = ("uploadId", Kind::Str);
        const DIGESTS: (&str, Kind) = ("layerDigests", Kind::StrList);
        match self {
            Op::CreateRepository | Op::InitiateLayerUpload => &[REG, REPO],
            Op::DeleteRepository => &[REG, REPO, ("force", Kind::Bool)],
            Op::UploadLayerPart => &[
                REG,
                REPO,
                ID,
                ("partFirstByte", Kind::Long),
                ("partLastByte", Kind::Long),
                ("layerPartBlob", Kind::Blob),
            ],
            Op::CompleteLayerUpload => &[REG, REPO, ID, DIGESTS],
            Op::BatchCheckLayerAvailability => &[REG, REPO, DIGESTS],
        }
    }
}

/// A request's members, decoded.
#[derive(Debug, Default)]
struct Input {
    registry_id: Option<String>,
    repository_name: Option<String>,
    upload_id: Option<String>,
    part_first_byte: Option<i64>,
    part_last_byte: Option<i64>,
    blob: Option<Vec<u8>>,
    layer_digests: Option<Vec<String>>,
    force: Option<bool>,
}

/// An error answer.
#[derive(Debug)]
struct Refusal {
    name: &'static str,
    message: String,
    members: Map<String, Value>,
}

impl Refusal {
    fn new(name: &'static str, message: impl Into<String>) -> Self {
        Refusal {
            name,
            message: message.into(),
            members: Map::new(),
        }
    }

    fn invalid(member: &str, constraint: &str) -> Self {
        Refusal::new(
            "InvalidParameterException",
            format!("Invalid parameter at '{member}' failed to satisfy constraint: '{constraint}'"),
        )
    }

    fn body(self) -> Value {
        let mut body = Map::new();
        body.insert("__type".into(), self.name.into());
        body.insert("message".into(), self.message.into());
        body.extend(self.members);
        Value::Object(body)
    }
}

type Answer = Result<Value, Refusal>;

/// An upload in progress: a running digest, never the bytes.
struct Upload {
    repository: String,
    /// The next byte expected.
    next: i64,
    /// Bytes hashed.
    size: u64,
    hasher: Sha256,
    /// The size of every part appended, in order.
    parts: Vec<u64>,
    /// The range of the part accepted last.
    last_range: Option<(i64, i64)>,
}

impl Upload {
    fn append(&mut self, bytes: &[u8]) {
        self.hasher.update(bytes);
        self.size += bytes.len() as u64;
        self.parts.push(bytes.len() as u64);
    }

    fn digest(&self) -> String {
        format!("sha256:{}", hex(&self.hasher.clone().finalize()))
    }
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    bytes.iter().fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

#[derive(Default)]
struct State {
    /// Repository name → createdAt.
    repositories: HashMap<String, f64>,
    /// Repository name → layer digest → size.
    layers: HashMap<String, HashMap<String, u64>>,
    /// Upload id as minted (lower case) → upload.
    uploads: HashMap<String, Upload>,
    minted: u64,
}

struct Patterns {
    registry_id: Regex,
    name_oci2026: Regex,
    name_legacy: Regex,
    upload_id: Regex,
    layer_digest: Regex,
}

/// The endpoint's behaviour, apart from HTTP.
struct Logic {
    variant: Variant,
    defects: Vec<Defect>,
    seed: u64,
    request_ids: AtomicU64,
    patterns: Patterns,
    state: Mutex<State>,
}

/// SplitMix64's finaliser: a bijection of u64, so distinct inputs give distinct ids.
fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

fn uuid_like(a: u64, b: u64) -> String {
    format!(
        "{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
        a >> 32,
        (a >> 16) & 0xffff,
        a & 0xffff,
        b >> 48,
        b & 0xffff_ffff_ffff
    )
}

/// `body` with every JSON number token `-0` written as ` 0` (the spec reads `-0` as 0;
/// serde_json would make it a float).
fn without_minus_zero(body: &[u8]) -> Cow<'_, [u8]> {
    let mut out: Option<Vec<u8>> = None;
    let (mut in_string, mut escaped) = (false, false);
    for i in 0..body.len() {
        let c = body[i];
        if in_string {
            match (escaped, c) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => in_string = false,
                _ => {}
            }
            continue;
        }
        match c {
            b'"' => in_string = true,
            b'-' if body.get(i + 1) == Some(&b'0')
                && !matches!(body.get(i + 2), Some(b'0'..=b'9' | b'.' | b'e' | b'E'))
                && !matches!(
                    i.checked_sub(1).map(|p| body[p]),
                    Some(b'0'..=b'9' | b'e' | b'E' | b'.')
                ) =>
            {
                out.get_or_insert_with(|| body.to_vec())[i] = b' ';
            }
            _ => {}
        }
    }
    out.map_or(Cow::Borrowed(body), Cow::Owned)
}

fn now_seconds() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0.0, |d| (d.as_millis() as f64) / 1000.0)
}

impl Logic {
    fn new(variant: Variant, defects: &[Defect], seed: u64) -> Self {
        let re = |p: &str| Regex::new(p).expect("pattern");
        Logic {
            variant,
            defects: defects.to_vec(),
            seed,
            request_ids: AtomicU64::new(0),
            patterns: Patterns {
                registry_id: re(r"^[0-9]{12}$"),
                name_oci2026: re(
                    r"^[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*(/[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*)*$",
                ),
                name_legacy: re(
                    r"^(?:[a-z0-9]+(?:[._-][a-z0-9]+)*/)*[a-z0-9]+(?:[._-][a-z0-9]+)*$",
                ),
                upload_id: re(
                    r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$",
                ),
                layer_digest: re(r"^[a-zA-Z0-9\-_+.]+:[a-fA-F0-9]+$"),
            },
            state: Mutex::new(State::default()),
        }
    }

    fn has(&self, defect: Defect) -> bool {
        self.defects.contains(&defect)
    }

    fn request_id(&self) -> String {
        let n = self.request_ids.fetch_add(1, Ordering::Relaxed);
        let k = self.seed.rotate_left(17) ^ n.wrapping_mul(2);
        uuid_like(mix(k), mix(k ^ 1))
    }

    fn repository_body(&self, name: &str, created_at: f64) -> Value {
        json!({"repository": {
            "registryId": REGISTRY_ID,
            "repositoryName": name,
            "repositoryArn": format!("arn:aws:ecr:{REGION}:{REGISTRY_ID}:repository/{name}"),
            "repositoryUri": format!("{REGISTRY_ID}.dkr.ecr.{REGION}.amazonaws.com/{name}"),
            "createdAt": created_at,
        }})
    }

    /// The HTTP status and body answering one call.
    fn answer(&self, target: Option<&str>, body: &[u8]) -> (u16, Value) {
        match self.call(target, body) {
            Ok(v) => (200, v),
            Err(refusal) => (400, refusal.body()),
        }
    }

    fn call(&self, target: Option<&str>, body: &[u8]) -> Answer {
        // WIRE-1
        let Some(op) = target.and_then(Op::from_x_amz_target) else {
            return Err(Refusal::new(
                "UnknownOperationException",
                format!("unknown operation {:?}", target.unwrap_or("(none)")),
            ));
        };
        // WIRE-2: the whole body, every blob included.
        let input = self.decode(op, body)?;
        // VAL-1, VAL-2, in member order.
        self.validate(op, &input)?;
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        // REPO-1 (and ADMIN-1's existing name), then the operation's rules.
        self.check_registry(&input)?;
        let repo = input.repository_name.clone().unwrap_or_default();
        match op {
            Op::CreateRepository => self.create(&mut state, &repo),
            Op::DeleteRepository => self.delete(&mut state, &repo, input.force),
            Op::InitiateLayerUpload => self.initiate(&mut state, &repo),
            Op::UploadLayerPart => self.part(&mut state, &repo, input),
            Op::CompleteLayerUpload => self.complete(&mut state, &repo, input),
            Op::BatchCheckLayerAvailability => self.check(&state, &repo, input),
        }
    }

    fn malformed(&self, message: impl Into<String>) -> Refusal {
        let name = match self.variant.malformed_request_error {
            MalformedError::Serialization => "SerializationException",
            MalformedError::InvalidParameter => "InvalidParameterException",
        };
        Refusal::new(name, message)
    }

    fn decode(&self, op: Op, body: &[u8]) -> Result<Input, Refusal> {
        let value: Value = if body.is_empty() && !self.has(Defect::EmptyBodyRefused) {
            Value::Object(Map::new())
        } else {
            serde_json::from_slice(&without_minus_zero(body))
                .map_err(|e| self.malformed(format!("the body is not JSON: {e}")))?
        };
        let Value::Object(object) = value else {
            return Err(self.malformed("the body is not a JSON object"));
        };
        let engine = GeneralPurpose::new(
            &alphabet::STANDARD,
            GeneralPurposeConfig::new().with_decode_padding_mode(match self.variant.blob_padding {
                Padding::Required => DecodePaddingMode::RequireCanonical,
                Padding::Optional => DecodePaddingMode::Indifferent,
            }),
        );
        let mut input = Input::default();
        for &(name, kind) in op.members() {
            // Unknown members are ignored; `null` is read as absent.
            let Some(v) = object.get(name).filter(|v| !v.is_null()) else {
                continue;
            };
            let wrong = |what: &str| self.malformed(format!("'{name}' is not {what}"));
            match kind {
                Kind::Str => {
                    let s = v.as_str().ok_or_else(|| wrong("a string"))?.to_owned();
                    match name {
                        "registryId" => input.registry_id = Some(s),
                        "repositoryName" => input.repository_name = Some(s),
                        _ => input.upload_id = Some(s),
                    }
                }
                Kind::Long => {
                    let n = v
                        .as_i64()
                        .ok_or_else(|| wrong("an integer in the signed 64-bit range"))?;
                    match name {
                        "partFirstByte" => input.part_first_byte = Some(n),
                        _ => input.part_last_byte = Some(n),
                    }
                }
                Kind::Blob => {
                    let text = v.as_str().ok_or_else(|| wrong("a base64 string"))?;
                    let bytes = engine
                        .decode(text)
                        .map_err(|e| wrong(&format!("standard base64 ({e})")))?;
                    input.blob = Some(bytes);
                }
                Kind::StrList => {
                    let items = v.as_array().ok_or_else(|| wrong("a list"))?;
                    let strings = items
                        .iter()
                        .map(|i| i.as_str().map(str::to_owned))
                        .collect::<Option<Vec<String>>>()
                        .ok_or_else(|| wrong("a list of strings"))?;
                    input.layer_digests = Some(strings);
                }
                Kind::Bool => input.force = Some(v.as_bool().ok_or_else(|| wrong("a boolean"))?),
            }
        }
        Ok(input)
    }

    fn validate(&self, op: Op, input: &Input) -> Result<(), Refusal> {
        let missing = |member: &str| {
            Refusal::new(
                "InvalidParameterException",
                format!("Invalid parameter: '{member}' is required"),
            )
        };
        for &(name, _) in op.members() {
            match name {
                "registryId" => {
                    if let Some(r) = &input.registry_id
                        && !self.patterns.registry_id.is_match(r)
                    {
                        return Err(Refusal::invalid(name, "[0-9]{12}"));
                    }
                }
                "repositoryName" => {
                    let r = input
                        .repository_name
                        .as_ref()
                        .ok_or_else(|| missing(name))?;
                    let pattern = match self.variant.repository_name_pattern {
                        NamePattern::Oci2026 => &self.patterns.name_oci2026,
                        NamePattern::Legacy => &self.patterns.name_legacy,
                    };
                    let length = r.chars().count();
                    if !(2..=256).contains(&length) || !pattern.is_match(r) {
                        return Err(Refusal::invalid(name, pattern.as_str()));
                    }
                }
                "uploadId" => {
                    let id = input.upload_id.as_ref().ok_or_else(|| missing(name))?;
                    if !self.patterns.upload_id.is_match(id) {
                        return Err(Refusal::invalid(name, self.patterns.upload_id.as_str()));
                    }
                }
                "partFirstByte" | "partLastByte" => {
                    let n = if name == "partFirstByte" {
                        input.part_first_byte
                    } else {
                        input.part_last_byte
                    };
                    if n.ok_or_else(|| missing(name))? < 0 {
                        return Err(Refusal::invalid(name, "Member must have value >= 0"));
                    }
                }
                "layerPartBlob" => {
                    let blob = input.blob.as_ref().ok_or_else(|| missing(name))?;
                    // PART-2 is a model constraint, checked here, unless the target answers
                    // InvalidLayerPartException (then it is checked once the upload is found).
                    if blob.len() as u64 > self.variant.max_part_bytes
                        && self.variant.oversize_part_error == PartError::InvalidParameter
                    {
                        return Err(Refusal::invalid(
                            name,
                            &format!("Member must have length <= {}", self.variant.max_part_bytes),
                        ));
                    }
                }
                "layerDigests" => {
                    let digests = input.layer_digests.as_ref().ok_or_else(|| missing(name))?;
                    if !(1..=100).contains(&digests.len()) {
                        return Err(Refusal::invalid(name, "Member must have length 1..100"));
                    }
                    let broken = |d: &String| match op {
                        Op::CompleteLayerUpload => !self.patterns.layer_digest.is_match(d),
                        _ => d.chars().count() > 1000,
                    };
                    if digests.iter().any(broken) {
                        return Err(Refusal::invalid(name, "LayerDigest"));
                    }
                }
                _ => {} // force: any boolean
            }
        }
        Ok(())
    }

    fn check_registry(&self, input: &Input) -> Result<(), Refusal> {
        match &input.registry_id {
            Some(r) if r != REGISTRY_ID => Err(match self.variant.foreign_registry_error {
                ForeignRegistry::RepositoryNotFound => Refusal::new(
                    "RepositoryNotFoundException",
                    format!("The repository does not exist in the registry with id '{r}'"),
                ),
                ForeignRegistry::AccessDenied => Refusal::new(
                    "AccessDeniedException",
                    format!("not authorized to use the registry '{r}'"),
                ),
            }),
            _ => Ok(()),
        }
    }

    fn repository_exists(&self, state: &mut State, repo: &str, may_create: bool) -> Answer {
        if state.repositories.contains_key(repo) {
            return Ok(Value::Null);
        }
        if may_create {
            state.repositories.insert(repo.to_owned(), now_seconds());
            return Ok(Value::Null);
        }
        Err(Refusal::new(
            "RepositoryNotFoundException",
            format!(
                "The repository with name '{repo}' does not exist in the registry with id '{REGISTRY_ID}'"
            ),
        ))
    }

    fn create(&self, state: &mut State, repo: &str) -> Answer {
        if state.repositories.contains_key(repo) {
            return Err(Refusal::new(
                "RepositoryAlreadyExistsException",
                format!("The repository with name '{repo}' already exists"),
            ));
        }
        let created_at = now_seconds();
        state.repositories.insert(repo.to_owned(), created_at);
        Ok(self.repository_body(repo, created_at))
    }

    fn delete(&self, state: &mut State, repo: &str, force: Option<bool>) -> Answer {
        self.repository_exists(state, repo, false)?;
        let has_layers = state.layers.get(repo).is_some_and(|l| !l.is_empty());
        if self.variant.delete_with_layers_needs_force && has_layers && force != Some(true) {
            return Err(Refusal::new(
                "RepositoryNotEmptyException",
                format!(
                    "The repository with name '{repo}' cannot be deleted because it still contains layers"
                ),
            ));
        }
        let created_at = state.repositories.remove(repo).unwrap_or_default();
        state.uploads.retain(|_, u| u.repository != repo);
        if !self.has(Defect::KeepsLayersAfterDelete) {
            state.layers.remove(repo);
        }
        Ok(self.repository_body(repo, created_at))
    }

    fn initiate(&self, state: &mut State, repo: &str) -> Answer {
        self.repository_exists(state, repo, self.has(Defect::AutoCreatesRepository))?;
        let n = state.minted;
        state.minted += 1;
        let k = self.seed ^ n.wrapping_mul(2);
        let id = uuid_like(mix(k), mix(k ^ 1));
        state.uploads.insert(
            id.clone(),
            Upload {
                repository: repo.to_owned(),
                next: 0,
                size: 0,
                hasher: Sha256::new(),
                parts: Vec::new(),
                last_range: None,
            },
        );
        let part_size = if self.has(Defect::AdvertisesTinyPartSize) {
            1_048_576
        } else {
            self.variant.advertised_part_size
        };
        Ok(json!({"uploadId": id, "partSize": part_size}))
    }

    /// The key of upload `id` in `repo` (PART-1, DONE-1); any repository when `any_repo`.
    fn find_upload(&self, state: &State, repo: &str, id: &str, any_repo: bool) -> Option<String> {
        let key = match self.variant.upload_id_case {
            IdCase::Exact => id.to_owned(),
            IdCase::Insensitive => id.to_ascii_lowercase(),
        };
        state
            .uploads
            .get(&key)
            .filter(|u| any_repo || u.repository == repo)
            .map(|_| key)
    }

    fn not_found(id: &str, repo: &str) -> Refusal {
        Refusal::new(
            "UploadNotFoundException",
            format!("Upload with id '{id}' is not found in the repository with name '{repo}'"),
        )
    }

    /// InvalidLayerPartException with PART-5's members.
    fn invalid_part(&self, repo: &str, id: &str, next: i64, message: String) -> Refusal {
        let mut r = Refusal::new("InvalidLayerPartException", message);
        r.members.insert("registryId".into(), REGISTRY_ID.into());
        r.members.insert("repositoryName".into(), repo.into());
        r.members.insert("uploadId".into(), id.into());
        let last_valid = if next > 0 {
            Some(next - 1)
        } else {
            match self.variant.nothing_received_yet {
                NothingReceived::Omitted => None,
                NothingReceived::Zero => Some(0),
                NothingReceived::MinusOne => Some(-1),
            }
        };
        if let Some(n) = last_valid.filter(|_| !self.has(Defect::OmitsLastValidByte)) {
            r.members.insert("lastValidByteReceived".into(), n.into());
        }
        r
    }

    fn part(&self, state: &mut State, repo: &str, input: Input) -> Answer {
        self.repository_exists(state, repo, false)?;
        let id = input.upload_id.unwrap_or_default();
        let first = input.part_first_byte.unwrap_or_default();
        let last = input.part_last_byte.unwrap_or_default();
        let blob = input.blob.unwrap_or_default();
        // PART-1
        let key = self
            .find_upload(
                state,
                repo,
                &id,
                self.has(Defect::ForgetsUploadsOfOtherRepo),
            )
            .ok_or_else(|| Logic::not_found(&id, repo))?;
        let consume_on_refusal = self.has(Defect::ConsumesUploadOnRefusedPart);
        let Some(upload) = state.uploads.get_mut(&key) else {
            return Err(Logic::not_found(&id, repo));
        };
        let next = upload.next;
        // PART-2, when it answers InvalidLayerPartException (else checked with VAL-2).
        if blob.len() as u64 > self.variant.max_part_bytes {
            return Err(self.invalid_part(
                repo,
                &id,
                next,
                format!(
                    "The layer part is {} bytes, over the limit of {}",
                    blob.len(),
                    self.variant.max_part_bytes
                ),
            ));
        }
        // PART-3
        if self.has(Defect::ResendIsIdempotent) && upload.last_range == Some((first, last)) {
            return Ok(self.part_accepted(repo, &id, last, upload.size));
        }
        let tolerated = (first > next && self.has(Defect::AcceptsGap))
            || (first < next && self.has(Defect::AcceptsOverlap));
        if first != next && !tolerated {
            let refusal = self.invalid_part(
                repo,
                &id,
                next,
                format!("First byte of the layer part is {next} instead of {first}"),
            );
            if consume_on_refusal {
                state.uploads.remove(&key);
            }
            return Err(refusal);
        }
        // PART-4
        let fits = last >= first && i128::from(last) - i128::from(first) + 1 == blob.len() as i128;
        if !fits {
            let message = format!(
                "The layer part's range {first}..{last} does not fit its {} bytes",
                blob.len()
            );
            let refusal = match self.variant.range_mismatch_error {
                PartError::InvalidLayerPart => self.invalid_part(repo, &id, next, message),
                PartError::InvalidParameter => Refusal::new("InvalidParameterException", message),
            };
            if consume_on_refusal {
                state.uploads.remove(&key);
            } else if self.has(Defect::CountsRefusedPart) && !blob.is_empty() {
                upload.append(&blob);
                upload.next += blob.len() as i64;
            }
            return Err(refusal);
        }
        // PART-6
        upload.append(&blob);
        upload.next = last + 1;
        upload.last_range = Some((first, last));
        let size = upload.size;
        Ok(self.part_accepted(repo, &id, last, size))
    }

    fn part_accepted(&self, repo: &str, id: &str, last: i64, size: u64) -> Value {
        let last_byte = if self.has(Defect::LastByteIsCount) {
            size as i64
        } else {
            last
        };
        json!({
            "registryId": REGISTRY_ID,
            "repositoryName": repo,
            "uploadId": id,
            "lastByteReceived": last_byte,
        })
    }

    fn complete(&self, state: &mut State, repo: &str, input: Input) -> Answer {
        self.repository_exists(state, repo, false)?;
        let id = input.upload_id.unwrap_or_default();
        let digests = input.layer_digests.unwrap_or_default();
        // DONE-1
        let key = self
            .find_upload(state, repo, &id, false)
            .ok_or_else(|| Logic::not_found(&id, repo))?;
        let checked = self.completion_checks(state, repo, &key, &digests);
        match checked {
            Err(refusal) => {
                if self.variant.failed_completion == FailedCompletion::ConsumesUpload {
                    state.uploads.remove(&key);
                }
                Err(refusal)
            }
            Ok((digest, size)) => {
                // DONE-6
                state.uploads.remove(&key);
                state
                    .layers
                    .entry(repo.to_owned())
                    .or_default()
                    .insert(digest.clone(), size);
                Ok(json!({
                    "registryId": REGISTRY_ID,
                    "repositoryName": repo,
                    "uploadId": id,
                    "layerDigest": digest,
                }))
            }
        }
    }

    /// DONE-2..5: the digest to store the layer under, and its size.
    fn completion_checks(
        &self,
        state: &State,
        repo: &str,
        key: &str,
        digests: &[String],
    ) -> Result<(String, u64), Refusal> {
        let Some(upload) = state.uploads.get(key) else {
            return Err(Logic::not_found(key, repo));
        };
        // DONE-2
        if upload.size == 0 && !self.has(Defect::CompletesEmpty) {
            return Err(Refusal::new(
                "EmptyUploadException",
                "The layer upload was not completed because the upload has no layer parts",
            ));
        }
        // DONE-3
        if let Some((_, but_last)) = upload.parts.split_last()
            && but_last.iter().any(|&p| p < MIN_PART_BYTES)
            && !self.has(Defect::NoMinimumPartSize)
        {
            return Err(Refusal::new(
                "LayerPartTooSmallException",
                format!("Every layer part but the last must be at least {MIN_PART_BYTES} bytes"),
            ));
        }
        // DONE-4
        let actual = upload.digest();
        let hex_part = &actual["sha256:".len()..];
        let matches = |d: &String| {
            d.strip_prefix("sha256:")
                .is_some_and(|h| h.eq_ignore_ascii_case(hex_part))
        };
        let accepted = match self.variant.digest_list_meaning {
            DigestList::AllMustMatch => digests.iter().all(matches),
            DigestList::AnyMayMatch => digests.iter().any(matches),
        };
        let stored = if accepted {
            actual
        } else if self.has(Defect::StoresWrongDigest) {
            digests.first().cloned().unwrap_or(actual)
        } else {
            return Err(Refusal::new(
                "InvalidLayerException",
                format!("The calculated layer digest {actual} does not match the listed digests"),
            ));
        };
        // DONE-5
        if state
            .layers
            .get(repo)
            .is_some_and(|l| l.contains_key(&stored))
            && !self.has(Defect::AcceptsDuplicateLayer)
        {
            return Err(Refusal::new(
                "LayerAlreadyExistsException",
                format!("The layer {stored} already exists in the repository '{repo}'"),
            ));
        }
        Ok((stored, upload.size))
    }

    fn check(&self, state: &State, repo: &str, input: Input) -> Answer {
        if !state.repositories.contains_key(repo) {
            return Err(Refusal::new(
                "RepositoryNotFoundException",
                format!("The repository with name '{repo}' does not exist"),
            ));
        }
        let stored = state.layers.get(repo);
        let lookup = |d: &str| -> Option<u64> {
            let layers = stored?;
            if let Some(&size) = layers.get(d) {
                return Some(size);
            }
            match self.variant.layer_lookup {
                LayerLookup::Exact => None,
                LayerLookup::HexEitherCase => {
                    let (algorithm, hex_part) = d.split_once(':')?;
                    layers.iter().find_map(|(k, &size)| {
                        let (a, h) = k.split_once(':')?;
                        (a == algorithm && h.eq_ignore_ascii_case(hex_part)).then_some(size)
                    })
                }
            }
        };
        let mut layers = Vec::new();
        let mut failures = Vec::new();
        for d in input.layer_digests.unwrap_or_default() {
            // CHECK-2, CHECK-1
            if !self.patterns.layer_digest.is_match(&d) {
                let code = if self.has(Defect::MalformedDigestIsMissing) {
                    "MissingLayerDigest"
                } else {
                    "InvalidLayerDigest"
                };
                failures.push(json!({
                    "layerDigest": d,
                    "failureCode": code,
                    "failureReason": "Invalid layer digest",
                }));
            } else if let Some(size) = lookup(&d) {
                layers.push(json!({
                    "layerDigest": d,
                    "layerAvailability": "AVAILABLE",
                    "layerSize": size,
                }));
            } else {
                failures.push(json!({
                    "layerDigest": d,
                    "failureCode": "MissingLayerDigest",
                    "failureReason": "Requested layer digest is not available in the repository",
                }));
            }
        }
        Ok(json!({"layers": layers, "failures": failures}))
    }
}
