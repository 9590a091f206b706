//! The fake's HTTP server: hyper, with the limits a fake that clients push gigabytes
//! through needs. Bodies are capped and read with a deadline, big bodies share a memory
//! budget, a layer part is decoded and hashed while it arrives, and nothing is recorded.

use std::convert::Infallible;
use std::io::Write as _;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full, LengthLimitError, Limited};
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;
use tokio::sync::{Semaphore, watch};

use super::responder::{DoorHead, HttpAnswer, Responder};
use crate::protocol::HttpRequest;
use crate::wire::stream::{Ingested, PartIngest};
use crate::wire::{self, Operation};

/// Limits of the server.
#[derive(Debug, Clone)]
pub(crate) struct Limits {
    /// The largest body read; larger ones get 413.
    pub(crate) max_body: usize,
    /// How long a body may take to arrive; slower ones get 408.
    pub(crate) body_timeout: Duration,
    /// How long a body may pause between bytes; a client that stops sending gets 408
    /// then, and its share of the memory budget goes back.
    pub(crate) body_idle_timeout: Duration,
    /// Bytes that request bodies in flight (and their decoded blobs) may hold at once.
    pub(crate) memory_budget: usize,
    /// Whether to log one line per request on stderr.
    pub(crate) log: bool,
}

const KIB: usize = 1024;

/// The request's headers whose values are text, as the responder reads them.
fn header_pairs(parts: &hyper::http::request::Parts) -> Vec<(&str, &str)> {
    parts
        .headers
        .iter()
        .filter_map(|(k, v)| Some((k.as_str(), v.to_str().ok()?)))
        .collect()
}

fn header<'a>(parts: &'a hyper::http::request::Parts, name: &str) -> Option<&'a str> {
    parts.headers.get(name).and_then(|v| v.to_str().ok())
}

async fn answer(
    req: hyper::Request<Incoming>,
    responder: Responder,
    limits: Arc<Limits>,
    budget: Arc<Semaphore>,
    pool: Arc<super::buffer::Pool>,
) -> HttpAnswer {
    let arrived = Instant::now();
    let (parts, body) = req.into_parts();
    let path = parts.uri.path().to_owned();
    // Only a /v2/ PATCH or PUT may be streamed: nothing is looked at for anything else.
    if wire::oci::is_door_path(&path)
        && matches!(parts.method, hyper::Method::PATCH | hyper::Method::PUT)
    {
        let headers = header_pairs(&parts);
        let query = parts.uri.query().unwrap_or_default();
        match responder.door_stream(parts.method.as_str(), &path, query, &headers) {
            None => {}
            Some(outcome) => {
                let mut head = DoorHead::of(
                    &HttpRequest {
                        method: parts.method.as_str(),
                        path: &path,
                        query,
                        headers: &headers,
                        content_type: None,
                        x_amz_target: None,
                        body: &[],
                        decoded: None,
                    },
                    true,
                );
                drop(headers);
                let (answer, streamed) = match outcome {
                    Err(answer) => (answer, 0),
                    Ok(stream) => {
                        stream_door(parts, body, stream, responder.clone(), limits, budget).await
                    }
                };
                if let Some(mut head) = head.take() {
                    head.streamed_bytes(streamed);
                    responder.log_door(arrived, head, &answer);
                }
                return answer;
            }
        }
    }
    let declared = header(&parts, "content-length").and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > limits.max_body) {
        return responder.refuse_at(
            &path,
            413,
            "RequestEntityTooLargeException",
            &format!("The request body is over {} bytes", limits.max_body),
        );
    }
    // Reserve room for the body, and for what decoding holds beside it: hyper's frames
    // waiting for the hashing thread, or a blob decoded whole on the fallback path.
    let reserve = declared.unwrap_or(limits.max_body).saturating_mul(2);
    let permits = u32::try_from(reserve.div_ceil(KIB)).unwrap_or(u32::MAX);
    let Ok(_permit) = budget.acquire_many(permits).await else {
        return responder.refuse_at(&path, 500, "ServerException", "the fake is shutting down");
    };
    // A layer part is decoded and hashed while it arrives (unless its signature must be
    // checked over the whole body first); any other request is read whole.
    let streaming = parts.method == hyper::Method::POST
        && parts.uri.path() == "/"
        && header(&parts, "x-amz-target").and_then(Operation::from_x_amz_target)
            == Some(Operation::UploadLayerPart)
        && wire::is_awsjson(header(&parts, "content-type"))
        && !responder.verifies_signatures();
    let mut ingest = PartIngest::new(streaming);
    let collected = tokio::time::timeout(
        limits.body_timeout,
        read_body(
            Limited::new(body, limits.max_body),
            declared,
            &pool,
            &mut ingest,
            &responder,
            limits.body_idle_timeout,
        ),
    )
    .await;
    let body = match collected {
        Ok(Ok(Body::Mapped(map, len))) => super::buffer::freeze(map, len, &pool),
        Ok(Ok(Body::Heap(v))) => Bytes::from(v),
        Ok(Err(e)) if e.downcast_ref::<LengthLimitError>().is_some() => {
            return responder.refuse_at(
                &path,
                413,
                "RequestEntityTooLargeException",
                &format!("The request body is over {} bytes", limits.max_body),
            );
        }
        Ok(Err(e)) if e.downcast_ref::<tokio::time::error::Elapsed>().is_some() => {
            return paused(&responder, &path, &limits);
        }
        Ok(Err(e)) => return unreadable(&responder, &path, &*e),
        Err(_) => {
            return responder.refuse_at(
                &path,
                408,
                "RequestTimeoutException",
                &format!(
                    "The request body did not arrive within {:?}",
                    limits.body_timeout
                ),
            );
        }
    };
    let on_panic = responder.clone();
    let handled = tokio::task::spawn_blocking(move || {
        let headers = header_pairs(&parts);
        let (body, decoded) = match ingest.finish(body) {
            Ingested::Decoded(request) => (Bytes::new(), Some(*request)),
            Ingested::Whole(body) => (body, None),
        };
        responder.handle_at(
            HttpRequest {
                method: parts.method.as_str(),
                path: parts.uri.path(),
                query: parts.uri.query().unwrap_or_default(),
                headers: &headers,
                content_type: header(&parts, "content-type"),
                x_amz_target: header(&parts, "x-amz-target"),
                body: &body,
                decoded: decoded.as_ref(),
            },
            arrived,
        )
    })
    .await;
    match handled {
        Ok(a) => a,
        // Only a panic in the model could get here; the fuzz targets exist to keep it out.
        Err(e) => on_panic.refuse(500, "ServerException", &format!("the fake failed: {e}")),
    }
}

/// The answer to a body that stopped arriving for longer than the limits allow.
fn paused(responder: &Responder, path: &str, limits: &Limits) -> HttpAnswer {
    responder.refuse_at(
        path,
        408,
        "RequestTimeoutException",
        &format!(
            "The request body paused for more than {:?}",
            limits.body_idle_timeout
        ),
    )
}

/// The answer to a body the connection could not deliver.
fn unreadable(responder: &Responder, path: &str, e: &dyn std::fmt::Display) -> HttpAnswer {
    responder.refuse_at(
        path,
        400,
        "SerializationException",
        &format!("the body could not be read: {e}"),
    )
}

/// A `/v2/` body of any size (a PATCH without `Content-Range`, a final PUT): each 20 MiB is
/// appended to the upload as one part as soon as it has arrived, the rest goes with the
/// call's answer once the body ends. At most two parts' worth of memory is held (reserved
/// from the budget); the body has no size limit and no deadline as a whole, only the pause
/// allowed between its frames.
async fn stream_door(
    parts: hyper::http::request::Parts,
    body: Incoming,
    stream: super::responder::DoorStream,
    responder: Responder,
    limits: Arc<Limits>,
    budget: Arc<Semaphore>,
) -> (HttpAnswer, u64) {
    let mut streamed = 0u64;
    let answer = stream_door_body(
        parts,
        body,
        stream,
        responder,
        limits,
        budget,
        &mut streamed,
    )
    .await;
    (answer, streamed)
}

/// [`stream_door`]'s body, counting the bytes read into `streamed`.
async fn stream_door_body(
    parts: hyper::http::request::Parts,
    body: Incoming,
    stream: super::responder::DoorStream,
    responder: Responder,
    limits: Arc<Limits>,
    budget: Arc<Semaphore>,
    streamed: &mut u64,
) -> HttpAnswer {
    let piece_len = crate::model::limits::MAX_PART_BYTES as usize;
    let permits = u32::try_from((2 * piece_len).div_ceil(KIB)).unwrap_or(u32::MAX);
    let path = parts.uri.path().to_owned();
    let Ok(_permit) = budget.acquire_many(permits).await else {
        return responder.refuse_at(&path, 500, "ServerException", "the fake is shutting down");
    };
    let stream = Arc::new(stream);
    let mut body = body;
    let mut buf: Vec<u8> = Vec::with_capacity(piece_len);
    loop {
        let frame = match tokio::time::timeout(limits.body_idle_timeout, body.frame()).await {
            Err(_) => return paused(&responder, &path, &limits),
            Ok(None) => break,
            Ok(Some(Err(e))) => return unreadable(&responder, &path, &e),
            Ok(Some(Ok(frame))) => frame,
        };
        let Ok(data) = frame.into_data() else {
            continue;
        };
        let mut data = &data[..];
        *streamed += data.len() as u64;
        while !data.is_empty() {
            // A whole part goes once more bytes follow it, so the body's last bytes always
            // go with the answer, as a body read whole would (its end sets `Range`).
            if buf.len() == piece_len {
                // Into the model (hashed) and the store, off the async threads.
                let piece = std::mem::replace(&mut buf, Vec::with_capacity(piece_len));
                let (r, s) = (responder.clone(), stream.clone());
                match tokio::task::spawn_blocking(move || r.door_piece(&s, Bytes::from(piece)))
                    .await
                {
                    Ok(Ok(())) => {}
                    Ok(Err(refused)) => return refused,
                    Err(e) => {
                        return responder.refuse_at(
                            &path,
                            500,
                            "ServerException",
                            &format!("the fake failed: {e}"),
                        );
                    }
                }
            }
            let room = piece_len - buf.len();
            let (now, later) = data.split_at(room.min(data.len()));
            buf.extend_from_slice(now);
            data = later;
        }
    }
    let on_panic = responder.clone();
    let handled = tokio::task::spawn_blocking(move || {
        let headers = header_pairs(&parts);
        let stream = Arc::try_unwrap(stream).unwrap_or_else(|s| (*s).clone());
        responder.door_stream_end(
            stream,
            &HttpRequest {
                method: parts.method.as_str(),
                path: parts.uri.path(),
                query: parts.uri.query().unwrap_or_default(),
                headers: &headers,
                content_type: header(&parts, "content-type"),
                x_amz_target: None,
                body: &buf,
                decoded: None,
            },
        )
    })
    .await;
    handled.unwrap_or_else(|e| {
        on_panic.refuse_at(
            &path,
            500,
            "ServerException",
            &format!("the fake failed: {e}"),
        )
    })
}

/// A request body as kept: on the heap, or (when large and declared) in a mapping of its
/// own that goes back to the system when the request is done.
enum Body {
    Heap(Vec<u8>),
    Mapped(memmap2::MmapMut, usize),
}

/// Reads a body frame by frame: each frame goes to `ingest` (which decodes and hashes a
/// layer part as it comes, asking the responder for the upload's running hash) and is
/// copied into one buffer sized up front, so hyper's read buffers are free again at once
/// and the body's memory is returned whole when the request ends. Each frame must come
/// within `idle`.
async fn read_body(
    mut body: Limited<Incoming>,
    declared: Option<usize>,
    pool: &super::buffer::Pool,
    ingest: &mut PartIngest,
    responder: &Responder,
    idle: Duration,
) -> Result<Body, Box<dyn std::error::Error + Send + Sync>> {
    let mapped = declared
        .filter(|n| *n >= super::buffer::MAPPED_BODY_BYTES)
        .and_then(|n| pool.take(n));
    let mut out = match mapped {
        Some(m) => Body::Mapped(m, 0),
        None => Body::Heap(Vec::with_capacity(declared.unwrap_or(64 * KIB))),
    };
    while let Some(frame) = tokio::time::timeout(idle, body.frame()).await? {
        let Ok(data) = frame?.into_data() else {
            continue;
        };
        ingest.push(&data, &mut |id| responder.speculate(id));
        match &mut out {
            Body::Heap(v) => v.extend_from_slice(&data),
            Body::Mapped(m, len) => {
                // hyper holds a body to its Content-Length; more is a protocol error.
                let end = *len + data.len();
                let Some(room) = m.get_mut(*len..end) else {
                    return Err("the body is longer than its Content-Length".into());
                };
                room.copy_from_slice(&data);
                *len = end;
            }
        }
    }
    Ok(out)
}

/// An answer's body: bytes in memory, or a stored blob read from its file a MiB at a time
/// by a blocking task, at most a few MiB ahead of the client (so serving a blob of any size
/// holds little memory).
enum AnswerBody {
    Full(Full<Bytes>),
    File {
        chunks: tokio::sync::mpsc::Receiver<std::io::Result<Bytes>>,
        len: u64,
    },
}

/// Bytes read from a stored blob at a time.
const FILE_CHUNK: usize = 1 << 20;

impl hyper::body::Body for AnswerBody {
    type Data = Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<hyper::body::Frame<Bytes>, std::io::Error>>> {
        match self.get_mut() {
            AnswerBody::Full(full) => std::pin::Pin::new(full)
                .poll_frame(cx)
                .map_err(|never| match never {}),
            AnswerBody::File { chunks, .. } => chunks
                .poll_recv(cx)
                .map(|chunk| chunk.map(|c| c.map(hyper::body::Frame::data))),
        }
    }

    fn size_hint(&self) -> hyper::body::SizeHint {
        match self {
            AnswerBody::Full(full) => full.size_hint(),
            AnswerBody::File { len, .. } => hyper::body::SizeHint::with_exact(*len),
        }
    }
}

/// Streams the file at `path`, or says why it cannot be opened.
fn file_body(path: &std::path::Path) -> std::io::Result<AnswerBody> {
    use std::io::Read as _;
    let mut file = std::fs::File::open(path)?;
    let len = file.metadata()?.len();
    let (tx, chunks) = tokio::sync::mpsc::channel(4);
    tokio::task::spawn_blocking(move || {
        loop {
            let mut buf = vec![0; FILE_CHUNK];
            match file.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => {
                    buf.truncate(n);
                    if tx.blocking_send(Ok(Bytes::from(buf))).is_err() {
                        break; // the client went away
                    }
                }
                Err(e) => {
                    let _ = tx.blocking_send(Err(e));
                    break;
                }
            }
        }
    });
    Ok(AnswerBody::File { chunks, len })
}

fn to_hyper(answer: HttpAnswer) -> hyper::Response<AnswerBody> {
    let (status, body) = match answer.body_file.as_deref().map(file_body) {
        None => (
            answer.status,
            AnswerBody::Full(Full::new(Bytes::from(answer.body))),
        ),
        Some(Ok(body)) => (answer.status, body),
        Some(Err(e)) => (
            500,
            AnswerBody::Full(Full::new(Bytes::from(format!(
                "the fake's blob store cannot read this blob: {e}"
            )))),
        ),
    };
    let mut builder = hyper::Response::builder().status(status);
    for (name, value) in answer.headers {
        // hyper sets the length from the body.
        if status != answer.status && name == "content-length" {
            continue;
        }
        builder = builder.header(name, value);
    }
    builder
        .body(body)
        .unwrap_or_else(|_| hyper::Response::new(AnswerBody::Full(Full::new(Bytes::new()))))
}

/// Serves until `shutdown` changes.
pub(crate) async fn serve(
    listener: TcpListener,
    responder: Responder,
    limits: Limits,
    mut shutdown: watch::Receiver<bool>,
) {
    let budget = Arc::new(Semaphore::new(
        u32::try_from(limits.memory_budget.div_ceil(KIB)).unwrap_or(u32::MAX) as usize,
    ));
    let limits = Arc::new(limits);
    let pool = Arc::new(super::buffer::Pool::default());
    let trimmed = Arc::downgrade(&pool);
    tokio::spawn(async move {
        // Idle body mappings go back to the system; the task ends with the server.
        while let Some(pool) = trimmed.upgrade() {
            pool.trim();
            drop(pool);
            tokio::time::sleep(super::buffer::IDLE).await;
        }
    });
    loop {
        let (stream, peer): (_, SocketAddr) = tokio::select! {
            biased;
            _ = shutdown.changed() => break,
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                // Out of file descriptors and the like: wait a moment and go on.
                Err(_) => { tokio::time::sleep(Duration::from_millis(50)).await; continue; }
            },
        };
        let _ = stream.set_nodelay(true);
        let (responder, limits, budget, pool) = (
            responder.clone(),
            limits.clone(),
            budget.clone(),
            pool.clone(),
        );
        let mut shutdown = shutdown.clone();
        tokio::spawn(async move {
            let service = service_fn(move |req| {
                let (responder, limits, budget, pool) = (
                    responder.clone(),
                    limits.clone(),
                    budget.clone(),
                    pool.clone(),
                );
                async move {
                    let log = limits.log;
                    let a = answer(req, responder, limits, budget, pool).await;
                    if log {
                        let op = a.operation.map_or("-", |o| o.name());
                        // A log line that cannot be written (stderr full or closed) never costs
                        // the answer: the error is dropped, never a panic.
                        let _ = writeln!(
                            std::io::stderr().lock(),
                            "{peer} {op} {} {}",
                            a.status,
                            a.error_name().unwrap_or("-")
                        );
                    }
                    if let Some(d) = a.delay {
                        tokio::time::sleep(d).await;
                    }
                    Ok::<_, Infallible>(to_hyper(a))
                }
            });
            let conn = hyper::server::conn::http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(Duration::from_secs(30))
                .serve_connection(TokioIo::new(stream), service);
            tokio::pin!(conn);
            tokio::select! {
                _ = conn.as_mut() => {}
                _ = shutdown.changed() => conn.as_mut().graceful_shutdown(),
            }
        });
    }
}
