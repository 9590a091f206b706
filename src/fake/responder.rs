//! The responder: decode → model → encode, plus faults. It is HTTP-server agnostic: the
//! fake's own server calls [`Responder::handle`], and [`wiremock::Respond`] is implemented
//! so that the same behaviour mounts on any wiremock `MockServer`.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use super::fault::{Fault, FaultKind};
use super::log::DoorLogged;
use super::log::{LoggedRequest, RequestLog};
use super::quirk::Quirk;
use super::store::BlobStore;
use crate::model::{EcrError, Registry, Request, Response};
use crate::protocol::HttpRequest;
use crate::protocol::Keys;
use crate::wire::{self, Operation};

/// An HTTP answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpAnswer {
    /// The status.
    pub status: u16,
    /// Headers to send (the content type, the request id, the error type).
    pub headers: Vec<(&'static str, String)>,
    /// The body.
    pub body: Vec<u8>,
    /// How long to wait before answering (a `Delay` fault).
    pub delay: Option<Duration>,
    /// The operation, when the target named one (for logs).
    pub operation: Option<Operation>,
    /// When set, the body is this file's bytes (a blob from the store, streamed by the
    /// fake's server) and `body` is empty.
    pub body_file: Option<std::path::PathBuf>,
    /// The fault injected into the call, if any (for the request log).
    pub fault: Option<FaultKind>,
}

impl HttpAnswer {
    /// The sanitized error name, when the answer is an error.
    pub fn error_name(&self) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| *k == "x-amzn-ErrorType")
            .map(|(_, v)| v.as_str())
    }
}

struct Inner {
    registry: Mutex<Registry>,
    faults: Vec<Fault>,
    quirks: Vec<Quirk>,
    calls: Mutex<HashMap<Operation, u64>>,
    requests: AtomicU64,
    request_id_seed: u64,
    sigv4: Option<(Keys, String)>,
    /// The request log, when recording was asked for.
    log: Option<Mutex<RequestLog>>,
    /// What the registry door keeps of its uploads (locked after `registry`).
    door: Mutex<crate::wire::door::DoorUploads>,
    /// The layer bytes (§11), when the fake keeps them (locked after `door`).
    store: Option<Mutex<BlobStore>>,
    /// Whether `/v2/` demands a token the registry issued (REG-1).
    require_auth: bool,
    /// Seconds added to the wall clock the registry reads: a `token-expired` fault moves
    /// it on by a token's lifetime, so every token issued before has expired.
    clock_offset: AtomicU64,
}

/// The fake's behaviour: shared, cheap to clone.
#[derive(Clone)]
pub struct Responder {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Responder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Responder")
            .field("faults", &self.inner.faults)
            .finish_non_exhaustive()
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // The model does not panic on any input (fuzzed); should it ever, the state it left is
    // still the last consistent one, since `apply` checks before it changes anything.
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Responder {
    /// A responder over `registry` with `faults`.
    pub fn new(
        registry: Registry,
        faults: Vec<Fault>,
        quirks: Vec<Quirk>,
        request_id_seed: u64,
    ) -> Self {
        Responder {
            inner: Arc::new(Inner {
                registry: Mutex::new(registry),
                faults,
                quirks,
                calls: Mutex::new(HashMap::new()),
                requests: AtomicU64::new(0),
                request_id_seed,
                sigv4: None,
                log: None,
                door: Mutex::new(crate::wire::door::DoorUploads::default()),
                store: None,
                require_auth: false,
                clock_offset: AtomicU64::new(0),
            }),
        }
    }

    /// Keeps layer bytes in `store` (its registry must [keep bytes](Registry::keep_bytes)).
    /// Only on a responder not yet shared.
    pub(crate) fn with_store(mut self, store: BlobStore) -> Self {
        if let Some(inner) = Arc::get_mut(&mut self.inner) {
            inner.store = Some(Mutex::new(store));
        }
        self
    }

    /// Makes `/v2/` demand HTTP Basic `AWS:<password>` with a password the registry's
    /// `GetAuthorizationToken` issued and that has not expired (REG-1). Only on a responder
    /// not yet shared.
    pub(crate) fn with_required_auth(mut self) -> Self {
        if let Some(inner) = Arc::get_mut(&mut self.inner) {
            inner.require_auth = true;
        }
        self
    }

    /// The registry, locked, its clock set to now (token expiry reads it, REG-1).
    fn registry(&self) -> MutexGuard<'_, Registry> {
        let mut registry = lock(&self.inner.registry);
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        registry.set_clock(now.saturating_add(self.inner.clock_offset.load(Ordering::Relaxed)));
        registry
    }

    /// A `token-expired` fault: every token issued so far expires now (REG-1).
    fn expire_tokens(&self) {
        let lifetime = lock(&self.inner.registry).token_lifetime();
        self.inner
            .clock_offset
            .fetch_add(lifetime, Ordering::Relaxed);
    }

    /// The blob store's directory, when the fake keeps layer bytes.
    pub fn store_dir(&self) -> Option<std::path::PathBuf> {
        let store = self.inner.store.as_ref()?;
        Some(lock(store).root().to_owned())
    }

    /// Writes what the last request did to bytes (called with the registry locked, so the
    /// store sees the model's decisions in the model's order).
    fn keep(&self, registry: &mut Registry) {
        let kept = registry.take_kept();
        if let Some(store) = &self.inner.store
            && !kept.is_empty()
        {
            lock(store).keep(kept);
        }
    }

    /// Refuses requests not signed with `keys` for `region` (before anything reaches the
    /// model). Only on a responder not yet shared.
    pub(crate) fn with_sigv4(mut self, keys: Keys, region: &str) -> Self {
        if let Some(inner) = Arc::get_mut(&mut self.inner) {
            inner.sigv4 = Some((keys, region.to_owned()));
        }
        self
    }

    /// Records every request it handles (see [`Responder::request_log`]). Only on a
    /// responder not yet shared.
    pub(crate) fn with_request_log(mut self) -> Self {
        if let Some(inner) = Arc::get_mut(&mut self.inner) {
            inner.log = Some(Mutex::new(RequestLog::default()));
        }
        self
    }

    /// The requests handled so far, in the order they were answered, when the fake was
    /// built with [`record_requests`](super::FakeEcrBuilder::record_requests) (else
    /// empty). Requests after the first [`MAX_LOGGED_REQUESTS`](super::MAX_LOGGED_REQUESTS)
    /// are counted by [`Responder::requests_not_logged`], not kept.
    pub fn request_log(&self) -> Vec<LoggedRequest> {
        self.inner
            .log
            .as_ref()
            .map(|l| lock(l).entries.clone())
            .unwrap_or_default()
    }

    /// Requests handled but left out of a full request log.
    pub fn requests_not_logged(&self) -> u64 {
        self.inner.log.as_ref().map_or(0, |l| lock(l).dropped)
    }

    fn record(&self, entry: LoggedRequest) {
        if let Some(log) = &self.inner.log {
            lock(log).push(entry);
        }
    }

    /// Whether requests must carry a valid signature (checked over the whole body).
    pub(crate) fn verifies_signatures(&self) -> bool {
        self.inner.sigv4.is_some()
    }

    /// A clone of the upload's running hash, for a part arriving now (see
    /// [`crate::model::SpeculativeHash`]).
    pub fn speculate(&self, upload_id: &str) -> Option<crate::model::SpeculativeHash> {
        lock(&self.inner.registry).speculate(upload_id)
    }

    /// Reads the registry (for tests that check what the fake holds).
    pub fn with_registry<T>(&self, f: impl FnOnce(&Registry) -> T) -> T {
        f(&lock(&self.inner.registry))
    }

    /// Requests handled so far.
    pub fn requests_handled(&self) -> u64 {
        self.inner.requests.load(Ordering::Relaxed)
    }

    fn request_id(&self) -> String {
        let n = self.inner.requests.fetch_add(1, Ordering::Relaxed);
        format!(
            "{:08x}-0000-4000-8000-{:012x}",
            self.inner.request_id_seed as u32,
            n & 0xffff_ffff_ffff
        )
    }

    fn fault_for(&self, op: Operation) -> Option<FaultKind> {
        if self.inner.faults.is_empty() {
            return None; // no lock taken on the common path
        }
        let mut calls = lock(&self.inner.calls);
        let n = calls.entry(op).or_insert(0);
        *n += 1;
        let nth = *n;
        self.inner
            .faults
            .iter()
            .find(|f| f.operation == op && f.nth == nth)
            .map(|f| f.kind)
    }

    /// Answers one HTTP request.
    pub fn handle(&self, req: HttpRequest<'_>) -> HttpAnswer {
        self.handle_at(req, Instant::now())
    }

    /// Answers one HTTP request whose head arrived at `arrived` (the time the request log
    /// records; the fake's own server passes the moment it began reading the request).
    pub fn handle_at(&self, req: HttpRequest<'_>, arrived: Instant) -> HttpAnswer {
        if self.inner.log.is_none() {
            return self.answer_request(req, None);
        }
        if let Some(head) = DoorHead::of(&req, false) {
            let answer = self.answer_request(req, None);
            self.log_door(arrived, head, &answer);
            return answer;
        }
        let mut entry = LoggedRequest::of_request(None, None, arrived);
        let answer = self.answer_request(req, Some(&mut entry));
        entry.answered = Instant::now() + answer.delay.unwrap_or_default();
        entry.status = answer.status;
        entry.error = answer.error_name().map(crate::model::ErrorCode::from_name);
        if entry.operation.is_none() {
            entry.operation = answer.operation;
        }
        self.record(entry);
        answer
    }

    /// Records a registry-door or storage request in the request log, when there is one.
    pub(crate) fn log_door(&self, arrived: Instant, head: DoorHead, answer: &HttpAnswer) {
        use wire::oci::DoorCall;
        if self.inner.log.is_none() {
            return;
        }
        let operation = head.call.as_ref().and_then(crate::wire::door::operation_of);
        let mut entry = LoggedRequest::of_request(None, operation, arrived);
        entry.answered = Instant::now() + answer.delay.unwrap_or_default();
        entry.status = answer.status;
        entry.fault = answer.fault;
        entry.applied = answer.status < 400 || answer.fault == Some(FaultKind::ServerErrorAfter);
        let header = |name: &str| {
            answer
                .headers
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(name))
                .map(|(_, v)| v.clone())
        };
        match &head.call {
            Some(
                DoorCall::UploadChunk {
                    name, upload_id, ..
                }
                | DoorCall::UploadStatus { name, upload_id },
            ) => {
                entry.repository = Some(name.clone());
                entry.upload_id = Some(upload_id.clone());
            }
            Some(DoorCall::UploadFinish {
                name,
                upload_id,
                digest,
            }) => {
                entry.repository = Some(name.clone());
                entry.upload_id = Some(upload_id.clone());
                entry.layer_digests = vec![digest.clone()];
            }
            Some(DoorCall::BlobHead { name, digest } | DoorCall::BlobGet { name, digest }) => {
                entry.repository = Some(name.clone());
                entry.layer_digests = vec![digest.clone()];
            }
            Some(DoorCall::ManifestPut { name, reference }) => {
                entry.repository = Some(name.clone());
                if let wire::oci::Reference::Tag(t) = reference {
                    entry.image_tag = Some(t.clone());
                }
                entry.manifest_digest = head.body_digest.clone();
                entry.manifest_length = Some(head.body_length);
            }
            Some(call) => entry.repository = call.name().map(str::to_owned),
            None => {}
        }
        if let Some(id) = &entry.upload_id {
            entry.upload_received = lock(&self.inner.registry).upload(id).map(|u| u.received());
        }
        entry.door = Some(DoorLogged {
            method: head.method,
            call: head.call,
            storage: head.storage,
            authorization: head.authorization,
            body_length: head.body_length,
            streamed: head.streamed,
            location: header("location"),
            range: header("range"),
            code: (answer.status >= 400)
                .then(|| wire::oci::OciCode::of_body(&answer.body))
                .flatten(),
        });
        self.record(entry);
    }

    /// Answers one request; fills `entry` (the request log's) with what it decoded and did.
    fn answer_request(
        &self,
        req: HttpRequest<'_>,
        mut entry: Option<&mut LoggedRequest>,
    ) -> HttpAnswer {
        if wire::oci::is_door_path(req.path) {
            return self.answer_door(&req);
        }
        if is_storage_path(req.path) {
            return self.answer_storage(&req);
        }
        if let Some((keys, region)) = &self.inner.sigv4
            && let Err(r) = keys.verify(&req, region, std::time::SystemTime::now())
        {
            let mut answer = self.refuse(r.status, r.name, &r.message);
            answer.operation = req.x_amz_target.and_then(Operation::from_x_amz_target);
            return answer;
        }
        // JSON is decoded outside the lock, so requests decode in parallel. A layer part
        // read by the fake's own server arrives decoded, its bytes already hashed on a clone
        // of its upload's hash, which the model takes if the part is accepted.
        let decoded_here;
        let request = match req.decoded {
            Some(r) => r,
            None => {
                decoded_here = wire::decode_http(&req);
                &decoded_here
            }
        };
        let operation = operation_of(request, req.x_amz_target);
        if let Some(e) = entry.as_deref_mut() {
            *e = LoggedRequest::of_request(Some(request), operation, e.arrived);
        }
        let fault = operation.and_then(|op| self.fault_for(op));
        let delay = match fault {
            Some(FaultKind::Delay(d)) => Some(d),
            _ => None,
        };
        if let Some(e) = entry.as_deref_mut() {
            e.fault = fault;
        }
        let outcome = match fault {
            Some(FaultKind::Throttle) => Err(EcrError::Throttling),
            Some(FaultKind::ServerError) => Err(EcrError::Server {
                message: "injected fault: the request was not applied".to_owned(),
            }),
            Some(FaultKind::ServerErrorAfter) => {
                // The model's own answer is dropped: the client never sees it.
                let mut registry = self.registry();
                let applied = registry.apply(request);
                self.keep(&mut registry);
                if let Some(e) = entry.as_deref_mut() {
                    e.applied = applied.is_ok();
                    e.upload_received = received_after(&registry, request);
                }
                Err(EcrError::Server {
                    message: "injected fault: the request was applied".to_owned(),
                })
            }
            Some(FaultKind::LayerExistsAfter) => {
                // Applied, so the layer is stored; answered as if another client had
                // stored it first. A completion the model refuses is answered as refused.
                let mut registry = self.registry();
                let applied = registry.apply(request);
                self.keep(&mut registry);
                if let Some(e) = entry.as_deref_mut() {
                    e.applied = applied.is_ok();
                }
                match applied {
                    Ok(Response::LayerCompleted { layer_digest, .. }) => {
                        Err(EcrError::LayerAlreadyExists { layer_digest })
                    }
                    other => other,
                }
            }
            Some(FaultKind::Delay(_) | FaultKind::TokenExpired) | None => {
                if fault == Some(FaultKind::TokenExpired) {
                    self.expire_tokens();
                }
                let mut registry = self.registry();
                let outcome = registry.apply(request);
                self.keep(&mut registry);
                if let Some(e) = entry.as_deref_mut() {
                    e.applied = outcome.is_ok();
                    e.upload_received = received_after(&registry, request);
                    e.answered_with(&outcome);
                }
                if !self.inner.quirks.is_empty() {
                    let mut answer = wire::encode_outcome(&outcome);
                    self.shape(request, &outcome, &registry, &mut answer);
                    drop(registry);
                    let body = answer.bytes();
                    return self.answer(answer.status, answer.error_name, body, delay, operation);
                }
                outcome
            }
        };
        if !matches!(
            fault,
            Some(FaultKind::Delay(_) | FaultKind::TokenExpired) | None
        ) && let Some(e) = entry
        {
            e.answered_with(&outcome);
        }
        let answer = wire::encode_outcome(&outcome);
        let body = answer.bytes();
        self.answer(answer.status, answer.error_name, body, delay, operation)
    }

    /// Answers a call of the registry door (`/v2/`, [`crate::wire::door`]): the same registry, the
    /// same faults per operation the call maps to (a throttle is a 429 `TOOMANYREQUESTS`, a
    /// server error a 500 in the OCI shape).
    fn answer_door(&self, req: &HttpRequest<'_>) -> HttpAnswer {
        let header = |name: &str| header_of(req.headers, name);
        if let Err(refused) = self.door_authorized(req.headers) {
            return refused;
        }
        let call = wire::oci::parse_call(req.method, req.path, req.query, header("content-range"));
        let operation = call.as_ref().ok().and_then(crate::wire::door::operation_of);
        let fault = operation.and_then(|op| self.fault_for(op));
        if fault == Some(FaultKind::TokenExpired) {
            self.expire_tokens();
            if let Err(mut refused) = self.door_authorized(req.headers) {
                refused.fault = fault;
                return refused;
            }
        }
        self.answer_door_call(req, call, fault)
    }

    /// REG-1 when the fake demands credentials: `Ok` for a request that may go on, else the
    /// 401 or 403 it gets.
    fn door_authorized(&self, headers: &[(&str, &str)]) -> Result<(), HttpAnswer> {
        if !self.inner.require_auth {
            return Ok(());
        }
        let header = |name: &str| header_of(headers, name);
        crate::wire::door::authorize(
            &self.registry(),
            header("authorization"),
            header("host"),
            "http", // the fake serves plain HTTP
        )
        .map_err(|refused| self.door_http(refused, None, None, None))
    }

    /// A door answer as the fake sends it: its request id, content type and headers.
    fn door_http(
        &self,
        door: crate::wire::door::DoorAnswer,
        delay: Option<Duration>,
        operation: Option<Operation>,
        body_file: Option<std::path::PathBuf>,
    ) -> HttpAnswer {
        let mut headers = vec![("x-amzn-RequestId", self.request_id())];
        if let Some(t) = door.content_type {
            headers.push(("content-type", t));
        }
        headers.extend(door.headers);
        HttpAnswer {
            status: door.status,
            headers,
            body: door.body,
            delay,
            operation,
            body_file,
            fault: None,
        }
    }

    /// Whether the server should stream this request's body into the model as it arrives:
    /// a `/v2/` PATCH without `Content-Range` or a final PUT, whose body may be any size
    /// (REG-3, REG-5). `Some(Ok)` to stream it, with the fault decided now for the whole
    /// call; `Some(Err)` for the answer it gets before its body is read (credentials, a
    /// refusing fault); `None` to read it whole as any other request.
    pub(crate) fn door_stream(
        &self,
        method: &str,
        path: &str,
        query: &str,
        headers: &[(&str, &str)],
    ) -> Option<Result<DoorStream, HttpAnswer>> {
        use wire::oci::DoorCall;
        if !wire::oci::is_door_path(path) || !matches!(method, "PATCH" | "PUT") {
            return None;
        }
        let call =
            wire::oci::parse_call(method, path, query, header_of(headers, "content-range")).ok()?;
        if !matches!(
            call,
            DoorCall::UploadChunk { range: None, .. } | DoorCall::UploadFinish { .. }
        ) {
            return None;
        }
        if let Err(refused) = self.door_authorized(headers) {
            return Some(Err(refused));
        }
        let operation = crate::wire::door::operation_of(&call);
        let fault = operation.and_then(|op| self.fault_for(op));
        if fault == Some(FaultKind::TokenExpired) {
            self.expire_tokens();
            if let Err(mut refused) = self.door_authorized(headers) {
                refused.fault = fault;
                return Some(Err(refused));
            }
        }
        if matches!(fault, Some(FaultKind::Throttle | FaultKind::ServerError)) {
            let req = HttpRequest {
                method,
                path,
                query,
                headers,
                content_type: None,
                x_amz_target: None,
                body: &[],
                decoded: None,
            };
            return Some(Err(self.answer_door_call(&req, Ok(call), fault)));
        }
        Some(Ok(DoorStream { call, fault }))
    }

    /// Appends `piece` (at most 20 MiB of a streamed body, not its end) to the streamed
    /// call's upload as one part; the error answer when the upload refuses it.
    pub(crate) fn door_piece(
        &self,
        stream: &DoorStream,
        piece: bytes::Bytes,
    ) -> Result<(), HttpAnswer> {
        use wire::oci::DoorCall;
        let (DoorCall::UploadChunk {
            name, upload_id, ..
        }
        | DoorCall::UploadFinish {
            name, upload_id, ..
        }) = &stream.call
        else {
            return Ok(());
        };
        let mut registry = self.registry();
        let appended = crate::wire::door::append(&mut registry, name, upload_id, piece);
        self.keep(&mut registry);
        drop(registry);
        appended.map_err(|e| {
            // The call's fault holds for this answer as for the one at the body's end.
            let operation = crate::wire::door::operation_of(&stream.call);
            let (refused, delay) = match stream.fault {
                Some(FaultKind::ServerErrorAfter) => (
                    wire::oci::DoorError::new(
                        500,
                        wire::oci::OciCode::Unknown,
                        "injected fault: the request was applied",
                    ),
                    None,
                ),
                Some(FaultKind::Delay(d)) => (e, Some(d)),
                _ => (e, None),
            };
            let mut answer = self.door_http(
                crate::wire::door::DoorAnswer::error(&refused),
                delay,
                operation,
                None,
            );
            answer.fault = stream.fault;
            answer
        })
    }

    /// The answer to a streamed call once its body has ended: `req.body` is what came after
    /// the last piece, and the call's fault is the one decided when it began.
    pub(crate) fn door_stream_end(&self, stream: DoorStream, req: &HttpRequest<'_>) -> HttpAnswer {
        self.answer_door_call(req, Ok(stream.call), stream.fault)
    }

    /// Answers a parsed `/v2/` call under `fault`.
    fn answer_door_call(
        &self,
        req: &HttpRequest<'_>,
        call: Result<wire::oci::DoorCall, wire::oci::DoorError>,
        fault: Option<FaultKind>,
    ) -> HttpAnswer {
        use crate::wire::door::{DoorAnswer, answer};
        use wire::oci::{DoorError, OciCode};
        let header = |name: &str| header_of(req.headers, name);
        let operation = call.as_ref().ok().and_then(crate::wire::door::operation_of);
        let delay = match fault {
            Some(FaultKind::Delay(d)) => Some(d),
            _ => None,
        };
        let refusal =
            |status, code, message: &str| DoorAnswer::error(&DoorError::new(status, code, message));
        let mut body_file = None;
        let door = match (&call, fault) {
            (Err(e), _) => DoorAnswer::error(e),
            (Ok(_), Some(FaultKind::Throttle)) => {
                refusal(429, OciCode::Toomanyrequests, "Rate exceeded")
            }
            (Ok(_), Some(FaultKind::ServerError)) => refusal(
                500,
                OciCode::Unknown,
                "injected fault: the request was not applied",
            ),
            (Ok(call), fault) => {
                let mut registry = self.registry();
                let mut uploads = lock(&self.inner.door);
                let mut answered = answer(
                    &mut registry,
                    &mut uploads,
                    call,
                    req.body,
                    header("host"),
                    req.content_type,
                );
                self.keep(&mut registry);
                drop(uploads);
                drop(registry);
                if let wire::oci::DoorCall::BlobGet { digest, .. } = call
                    && answered.status == 200
                {
                    // REG-6, `unreferenced-blob-get=served`: the bytes are the store's.
                    body_file = self.stored(digest);
                    if body_file.is_none() {
                        answered = refusal(
                            404,
                            OciCode::BlobUnknown,
                            "the fake's blob store does not hold these bytes",
                        );
                    }
                }
                if fault == Some(FaultKind::ServerErrorAfter) {
                    body_file = None; // the refusal's body, not the blob's
                    refusal(
                        500,
                        OciCode::Unknown,
                        "injected fault: the request was applied",
                    )
                } else {
                    answered
                }
            }
        };
        let mut answered = self.door_http(door, delay, operation, body_file);
        answered.fault = fault;
        answered
    }

    /// The store's file of blob `digest`, if it holds one.
    fn stored(&self, digest: &str) -> Option<std::path::PathBuf> {
        let store = self.inner.store.as_ref()?;
        lock(store).blob(digest).map(|(path, _)| path)
    }

    /// Answers the fake's storage (where `GetDownloadUrlForLayer` and a blob GET's redirect
    /// point, `/storage/<registry>/<repository>/<digest>`) as the real storage does: a
    /// request carrying `Authorization` is refused with 400, since the URL carries its own
    /// authority; a blob the store holds is served; anything else is 404. The answers are
    /// the storage's XML errors, not ECR's.
    fn answer_storage(&self, req: &HttpRequest<'_>) -> HttpAnswer {
        let xml = |status: u16, code: &str, message: &str| {
            HttpAnswer {
            status,
            headers: vec![
                ("content-type", "application/xml".to_owned()),
                ("x-amz-request-id", self.request_id()),
            ],
            body: format!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>{code}</Code><Message>{message}</Message></Error>"
            )
            .into_bytes(),
            delay: None,
            operation: None,
            body_file: None,
            fault: None,
        }
        };
        if req
            .headers
            .iter()
            .any(|(k, _)| k.eq_ignore_ascii_case("authorization"))
        {
            return xml(
                400,
                "InvalidArgument",
                "Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, \
                 Signature query string parameter or the Authorization header should be specified",
            );
        }
        if !matches!(req.method, "GET" | "HEAD") {
            return xml(
                405,
                "MethodNotAllowed",
                "The specified method is not allowed against this resource.",
            );
        }
        // `/storage/<registry>/<repository>/<digest>`: served when the model holds that
        // layer in that repository and the store its bytes.
        let rest = req.path.strip_prefix(STORAGE_PREFIX).unwrap_or_default();
        let (place, digest) = rest.rsplit_once('/').unwrap_or_default();
        let repository = place.split_once('/').map_or("", |(_, r)| r);
        let known = lock(&self.inner.registry)
            .layer_size(repository, digest)
            .is_some();
        let found = self
            .inner
            .store
            .as_ref()
            .filter(|_| known)
            .and_then(|store| lock(store).blob(digest));
        let Some((path, len)) = found else {
            return xml(404, "NoSuchKey", "The specified key does not exist.");
        };
        HttpAnswer {
            status: 200,
            headers: vec![
                ("content-type", "application/octet-stream".to_owned()),
                ("x-amz-request-id", self.request_id()),
                ("content-length", len.to_string()),
            ],
            body: Vec::new(),
            delay: None,
            operation: None,
            body_file: (req.method == "GET").then_some(path),
            fault: None,
        }
    }

    /// Applies the quirks to an encoded answer.
    fn shape(
        &self,
        request: &Request,
        outcome: &crate::model::Outcome,
        registry: &Registry,
        answer: &mut wire::Answer,
    ) {
        let digest = match request {
            Request::CompleteLayerUpload(c) => c
                .upload_id
                .as_deref()
                .and_then(|id| registry.upload(id))
                .map(|u| u.digest()),
            _ => None,
        };
        for q in &self.inner.quirks {
            q.apply(
                request,
                outcome,
                registry.registry_id(),
                digest.as_deref(),
                answer,
            );
        }
    }

    /// Every answer of the fake: the awsJson content type, a request id, the error name.
    fn answer(
        &self,
        status: u16,
        error_name: Option<String>,
        body: Vec<u8>,
        delay: Option<Duration>,
        operation: Option<Operation>,
    ) -> HttpAnswer {
        let mut headers = vec![
            ("content-type", wire::CONTENT_TYPE.to_owned()),
            ("x-amzn-RequestId", self.request_id()),
        ];
        if let Some(name) = error_name {
            headers.push(("x-amzn-ErrorType", name));
        }
        HttpAnswer {
            status,
            headers,
            body,
            delay,
            operation,
            body_file: None,
            fault: None,
        }
    }

    /// [`Responder::refuse`] for a request to `path`: on the registry door the same refusal
    /// in the OCI shape (`SIZE_INVALID` for a body over the limit, else
    /// `BLOB_UPLOAD_INVALID`; REG-8).
    pub fn refuse_at(
        &self,
        path: &str,
        status: u16,
        name: &'static str,
        message: &str,
    ) -> HttpAnswer {
        if !wire::oci::is_door_path(path) {
            return self.refuse(status, name, message);
        }
        use wire::oci::{DoorError, OciCode};
        let code = match status {
            413 => OciCode::SizeInvalid,
            500 => OciCode::Unknown,
            _ => OciCode::BlobUploadInvalid,
        };
        let e = DoorError::new(status, code, message);
        HttpAnswer {
            status,
            headers: vec![
                ("content-type", wire::oci::ERROR_CONTENT_TYPE.to_owned()),
                ("x-amzn-RequestId", self.request_id()),
            ],
            body: e.body(),
            delay: None,
            operation: None,
            body_file: None,
            fault: None,
        }
    }

    /// An answer the fake gives before a request reaches the model (a body over the limit,
    /// a body that did not arrive in time): an awsJson error with this name and status.
    pub fn refuse(&self, status: u16, name: &'static str, message: &str) -> HttpAnswer {
        let body = serde_json::json!({ "__type": name, "message": message });
        let body = body.to_string().into_bytes();
        self.answer(status, Some(name.to_owned()), body, None, None)
    }
}

/// What the request log keeps of a registry-door or storage request's head, read before
/// it is answered.
#[derive(Debug, Clone)]
pub(crate) struct DoorHead {
    method: String,
    call: Option<wire::oci::DoorCall>,
    storage: Option<String>,
    authorization: bool,
    body_length: u64,
    body_digest: Option<String>,
    streamed: bool,
}

impl DoorHead {
    /// The head of `req` if it is a registry-door or storage request (a streamed body's
    /// length is counted as it arrives: [`DoorHead::streamed_bytes`]).
    pub(crate) fn of(req: &HttpRequest<'_>, streamed: bool) -> Option<DoorHead> {
        let storage = is_storage_path(req.path);
        if !storage && !wire::oci::is_door_path(req.path) {
            return None;
        }
        let call = (!storage)
            .then(|| {
                wire::oci::parse_call(
                    req.method,
                    req.path,
                    req.query,
                    header_of(req.headers, "content-range"),
                )
                .ok()
            })
            .flatten();
        let body_digest = matches!(call, Some(wire::oci::DoorCall::ManifestPut { .. }))
            .then(|| crate::model::digest::digest_of(req.body));
        Some(DoorHead {
            method: req.method.to_owned(),
            call,
            storage: storage.then(|| req.path.rsplit_once('/').map_or("", |(_, d)| d).to_owned()),
            authorization: header_of(req.headers, "authorization").is_some(),
            body_length: req.body.len() as u64,
            body_digest,
            streamed,
        })
    }

    /// The length of a streamed body, once it has ended.
    pub(crate) fn streamed_bytes(&mut self, n: u64) {
        self.body_length = n;
    }
}

/// A `/v2/` call whose body the server streams (see [`Responder::door_stream`]).
#[derive(Debug, Clone)]
pub(crate) struct DoorStream {
    call: wire::oci::DoorCall,
    fault: Option<FaultKind>,
}

fn header_of<'a>(headers: &[(&str, &'a str)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| *v)
}

/// The path prefix of the fake's storage (where download URLs point).
pub(crate) const STORAGE_PREFIX: &str = "/storage/";

fn is_storage_path(path: &str) -> bool {
    path.starts_with(STORAGE_PREFIX)
}

/// Bytes the upload a part or completion names holds now (none once it is finished).
fn received_after(registry: &Registry, request: &Request) -> Option<u64> {
    registry.upload(request.upload_id()?).map(|u| u.received())
}

fn operation_of(request: &Request, target: Option<&str>) -> Option<Operation> {
    match request {
        // A malformed body of a known operation still counts as a call of it.
        Request::Malformed { .. } => target.and_then(Operation::from_x_amz_target),
        Request::UnknownOperation { .. } => None,
        known => known.operation().and_then(Operation::from_name),
    }
}

impl wiremock::Respond for Responder {
    fn respond(&self, request: &wiremock::Request) -> wiremock::ResponseTemplate {
        let header = |name: &str| request.headers.get(name).and_then(|v| v.to_str().ok());
        let headers: Vec<(&str, &str)> = request
            .headers
            .iter()
            .filter_map(|(k, v)| Some((k.as_str(), v.to_str().ok()?)))
            .collect();
        let answer = self.handle(HttpRequest {
            method: request.method.as_str(),
            path: request.url.path(),
            query: request.url.query().unwrap_or_default(),
            headers: &headers,
            content_type: header("content-type"),
            x_amz_target: header("x-amz-target"),
            body: &request.body,
            decoded: None,
        });
        let mut template = wiremock::ResponseTemplate::new(answer.status);
        for (name, value) in &answer.headers {
            if *name != "content-type" {
                template = template.insert_header(*name, value.as_str());
            }
        }
        // wiremock has no streamed body: a stored blob is read whole for it.
        let body = match &answer.body_file {
            Some(path) => std::fs::read(path).unwrap_or_default(),
            None => answer.body,
        };
        let content_type = answer
            .headers
            .iter()
            .find(|(k, _)| *k == "content-type")
            .map_or(wire::CONTENT_TYPE, |(_, v)| v.as_str());
        template = template.set_body_raw(body, content_type);
        match answer.delay {
            Some(d) => template.set_delay(d),
            None => template,
        }
    }
}
