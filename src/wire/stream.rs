//! An `UploadLayerPart` body read as it arrives: the layer bytes are decoded and hashed
//! frame by frame, while the rest of the body is still on its way.
//!
//! [`PartIngest`] takes the body's frames in order. A small scanner follows the JSON object's
//! top level: it notes `uploadId` when it comes, and when the `layerPartBlob` string starts
//! it asks for the upload's running hash (a [`SpeculativeHash`], cloned by the caller from
//! the model) and feeds the string's text through the one-pass base64 [`Decoder`] into it.
//! Everything but the blob's text is kept as a *skeleton* (the body with `""` for the
//! blob), which serde decodes as usual at the end; the blob then becomes a [`PartBlob`]
//! whose bytes are read from the body again only if they are needed (the upload moved on,
//! or no upload was known when the blob began).
//!
//! The answer is exactly what [`super::decode_http`] gives for the whole body. The fast
//! path is taken only when it provably agrees: one top-level `layerPartBlob` string without
//! escapes that decodes, top-level keys without escapes, a whole object, and a skeleton that
//! decodes to an `UploadLayerPart`. Anything else (bad base64, duplicate members, escapes,
//! truncation, a skeleton over [`MAX_SKELETON_BYTES`], any JSON error) hands the whole body
//! to the whole-body decoder, so errors keep their exact messages. The property tests and
//! the `part_stream` fuzz target check the two paths against each other with frames cut at
//! random.

use std::sync::{Arc, mpsc};

use bytes::Bytes;

use super::Operation;
use super::blob::Decoder;
use crate::model::{PartBlob, PartSource, Request, SpeculativeHash};

/// The most body, the blob's text left out, that is kept for decoding; longer bodies are
/// decoded whole.
pub const MAX_SKELETON_BYTES: usize = 64 * 1024;

/// The longest `uploadId` noted for speculation (VAL refuses longer ones anyway).
const MAX_UPLOAD_ID: usize = 256;

/// Where the scanner is in the body's top level.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Before the opening `{`.
    Start,
    /// Inside the object, between members (a key, `,` or `}` may come).
    Members,
    /// Inside a key.
    Key { escape: bool },
    /// After a key, before `:`.
    Colon,
    /// After `:`, before the value.
    Value,
    /// Inside a string value other than the blob.
    Text { escape: bool, upload_id: bool },
    /// Inside an object or array value.
    Nested {
        depth: usize,
        in_text: bool,
        escape: bool,
    },
    /// Inside a number or literal.
    Scalar,
    /// Inside the blob's text.
    Blob,
    /// After the closing `}`.
    End,
}

/// What the scanner knows of the blob while its text arrives.
struct BlobScan {
    /// Offset of its first character in the body.
    start: usize,
    decoding: Decoding,
}

/// The blob's text being decoded, and the upload's speculative hash carried over the
/// decoded bytes: here while the blob is short, then on a thread of its own that takes the
/// text as it arrives (shared slices of the frames, no copy), so that receiving the body
/// and decoding + hashing it run on both cores. Decoding and hashing stay together, so the
/// hash reads bytes its own core has just written.
enum Decoding {
    Here {
        decoder: Decoder,
        hash: Option<SpeculativeHash>,
    },
    Away {
        text: mpsc::Sender<Bytes>,
        done: std::thread::JoinHandle<Option<Decoded>>,
    },
}

/// Blob text decoded here up to this length; beyond it, on a thread of its own (only when
/// there is a hash to carry: checking alone is cheap).
const HERE_BYTES: usize = 256 * 1024;

/// What decoding the whole text found.
struct Decoded {
    len: usize,
    padded: bool,
    hash: Option<SpeculativeHash>,
}

/// Where decoded bytes go: into the speculative hash, or nowhere (the text is only checked).
fn into_hash(hash: &mut Option<SpeculativeHash>) -> impl FnMut(&[u8]) + '_ {
    move |bytes| {
        if let Some(h) = hash {
            h.update(bytes);
        }
    }
}

fn decode_piece(decoder: &mut Decoder, hash: &mut Option<SpeculativeHash>, text: &[u8]) -> bool {
    decoder.push(text, &mut into_hash(hash)).is_ok()
}

fn decode_end(decoder: Decoder, mut hash: Option<SpeculativeHash>) -> Option<Decoded> {
    let (len, padded) = decoder.finish(&mut into_hash(&mut hash)).ok()?;
    Some(Decoded { len, padded, hash })
}

impl Decoding {
    fn new(hash: Option<SpeculativeHash>) -> Self {
        Decoding::Here {
            decoder: Decoder::new(),
            hash,
        }
    }

    /// Feeds text; false once it is known not to be base64.
    fn push(self, text: Bytes) -> Option<Self> {
        match self {
            Decoding::Here {
                mut decoder,
                mut hash,
            } => {
                if !decode_piece(&mut decoder, &mut hash, &text) {
                    return None;
                }
                if decoder.text_len() < HERE_BYTES || hash.is_none() {
                    return Some(Decoding::Here { decoder, hash });
                }
                Some(Self::hand_off(decoder, hash))
            }
            Decoding::Away { text: to, done } => {
                // A send fails only once the thread has stopped at bad text.
                to.send(text).ok()?;
                Some(Decoding::Away { text: to, done })
            }
        }
    }

    /// Moves the work to a thread of its own (or keeps it here when no thread is to be had).
    fn hand_off(decoder: Decoder, hash: Option<SpeculativeHash>) -> Self {
        let (to, from) = mpsc::channel::<Bytes>();
        let kept = (decoder.clone(), hash.clone());
        let spawned = std::thread::Builder::new()
            .name("ecr-fake-hash".to_owned())
            .spawn(move || {
                let (mut decoder, mut hash) = (decoder, hash);
                for text in from {
                    if !decode_piece(&mut decoder, &mut hash, &text) {
                        return None;
                    }
                }
                decode_end(decoder, hash)
            });
        match spawned {
            Ok(done) => Decoding::Away { text: to, done },
            Err(_) => Decoding::Here {
                decoder: kept.0,
                hash: kept.1,
            },
        }
    }

    /// The text has ended: what decoding found, or the thread that will tell.
    fn finish(self) -> Outcome {
        match self {
            Decoding::Here { decoder, hash } => Outcome::Done(decode_end(decoder, hash)),
            Decoding::Away { text, done } => {
                drop(text); // ends the thread's input
                Outcome::Pending(done)
            }
        }
    }
}

/// The blob's outcome: known, or still being worked out on its thread.
enum Outcome {
    Done(Option<Decoded>),
    Pending(std::thread::JoinHandle<Option<Decoded>>),
}

impl Outcome {
    fn wait(self) -> Option<Decoded> {
        match self {
            Outcome::Done(d) => d,
            Outcome::Pending(thread) => thread.join().ok().flatten(),
        }
    }
}

/// The blob's text and its span in the body.
struct BlobSpan {
    start: usize,
    end: usize,
    outcome: Outcome,
}

struct Scan {
    state: State,
    skeleton: Vec<u8>,
    key: Vec<u8>,
    key_escaped: bool,
    value: Vec<u8>,
    upload_id: Option<String>,
    blob: Option<BlobScan>,
    done: Option<BlobSpan>,
}

/// An `UploadLayerPart` body being received. See the module documentation.
pub struct PartIngest {
    seen: usize,
    scan: Option<Scan>,
}

/// What [`PartIngest::finish`] decided.
#[derive(Debug)]
pub enum Ingested {
    /// The request, decoded as the body arrived.
    Decoded(Box<Request>),
    /// The whole body, for the whole-body decoder.
    Whole(Bytes),
}

impl std::fmt::Debug for PartIngest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PartIngest")
            .field("seen", &self.seen)
            .field("streaming", &self.scan.is_some())
            .finish()
    }
}

fn is_ws(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r')
}

impl PartIngest {
    /// A body about to arrive. With `streaming` false the frames are only counted (for a
    /// request the fast path does not serve).
    pub fn new(streaming: bool) -> Self {
        PartIngest {
            seen: 0,
            scan: streaming.then(|| Scan {
                state: State::Start,
                skeleton: Vec::new(),
                key: Vec::new(),
                key_escaped: false,
                value: Vec::new(),
                upload_id: None,
                blob: None,
                done: None,
            }),
        }
    }

    /// Takes the next frame (the caller keeps the body: see [`PartIngest::finish`]).
    /// `speculate` is asked, when the blob starts after an `uploadId`, for that upload's
    /// running hash.
    pub fn push(
        &mut self,
        frame: &Bytes,
        speculate: &mut dyn FnMut(&str) -> Option<SpeculativeHash>,
    ) {
        let base = self.seen;
        self.seen += frame.len();
        if let Some(scan) = &mut self.scan
            && scan.feed(frame, base, speculate).is_err()
        {
            self.scan = None;
        }
    }

    /// The body has ended; `body` is all of it (the frames pushed, in order, as the caller
    /// kept them). Gives the request decoded on the way, or the body for the whole-body
    /// decoder. A blob decoded on the way stays a slice of `body`, read again only if the
    /// model needs its bytes.
    pub fn finish(self, body: Bytes) -> Ingested {
        if body.len() != self.seen {
            return Ingested::Whole(body);
        }
        match self.scan.and_then(|s| s.finish(&body)) {
            Some(request) => Ingested::Decoded(Box::new(request)),
            None => Ingested::Whole(body),
        }
    }
}

/// A give-up: the whole-body decoder must decide.
struct GiveUp;

impl Scan {
    fn keep(&mut self, bytes: &[u8]) -> Result<(), GiveUp> {
        if self.skeleton.len() + bytes.len() > MAX_SKELETON_BYTES {
            return Err(GiveUp);
        }
        self.skeleton.extend_from_slice(bytes);
        Ok(())
    }

    fn feed(
        &mut self,
        frame: &Bytes,
        base: usize,
        speculate: &mut dyn FnMut(&str) -> Option<SpeculativeHash>,
    ) -> Result<(), GiveUp> {
        let data = &frame[..];
        let mut i = 0;
        while i < data.len() {
            if self.state == State::Blob {
                i += self.feed_blob(frame, i, base + i)?;
                continue;
            }
            let b = data[i];
            self.keep(&[b])?;
            i += 1;
            self.state = match self.state {
                State::Start if is_ws(b) => State::Start,
                State::Start if b == b'{' => State::Members,
                State::Members if is_ws(b) || b == b',' => State::Members,
                State::Members if b == b'"' => {
                    self.key.clear();
                    self.key_escaped = false;
                    State::Key { escape: false }
                }
                State::Members if b == b'}' => State::End,
                State::Key { escape: true } => State::Key { escape: false },
                State::Key { escape: false } if b == b'\\' => {
                    // An escaped key may spell any member's name.
                    self.key_escaped = true;
                    State::Key { escape: true }
                }
                State::Key { escape: false } if b == b'"' => State::Colon,
                State::Key { escape: false } => {
                    if self.key.len() < 32 {
                        self.key.push(b);
                    } else {
                        self.key_escaped = true; // too long to be a name we look for
                    }
                    State::Key { escape: false }
                }
                State::Colon if is_ws(b) => State::Colon,
                State::Colon if b == b':' => State::Value,
                State::Value if is_ws(b) => State::Value,
                State::Value if b == b'"' => self.value_text(base + i, speculate)?,
                State::Value if b == b'{' || b == b'[' => State::Nested {
                    depth: 1,
                    in_text: false,
                    escape: false,
                },
                State::Value => State::Scalar,
                State::Text { escape: true, .. } => State::Text {
                    escape: false,
                    upload_id: false,
                },
                State::Text { upload_id, .. } if b == b'\\' => {
                    if upload_id {
                        self.upload_id = None;
                    }
                    State::Text {
                        escape: true,
                        upload_id: false,
                    }
                }
                State::Text { upload_id, .. } if b == b'"' => {
                    if upload_id {
                        self.upload_id = String::from_utf8(std::mem::take(&mut self.value)).ok();
                    }
                    State::Members
                }
                State::Text { upload_id, .. } => {
                    let noted = upload_id && self.value.len() < MAX_UPLOAD_ID;
                    if noted {
                        self.value.push(b);
                    } else if upload_id {
                        self.upload_id = None;
                    }
                    State::Text {
                        escape: false,
                        upload_id: noted,
                    }
                }
                State::Nested {
                    depth,
                    in_text: true,
                    escape,
                } => State::Nested {
                    depth,
                    in_text: b != b'"' || escape,
                    escape: !escape && b == b'\\',
                },
                State::Nested { depth, .. } => match b {
                    b'"' => State::Nested {
                        depth,
                        in_text: true,
                        escape: false,
                    },
                    b'{' | b'[' => State::Nested {
                        depth: depth + 1,
                        in_text: false,
                        escape: false,
                    },
                    b'}' | b']' if depth == 1 => State::Members,
                    b'}' | b']' => State::Nested {
                        depth: depth - 1,
                        in_text: false,
                        escape: false,
                    },
                    _ => State::Nested {
                        depth,
                        in_text: false,
                        escape: false,
                    },
                },
                State::Scalar if b == b'}' => State::End,
                State::Scalar if b == b',' || is_ws(b) => State::Members,
                State::Scalar => State::Scalar,
                State::End => State::End,
                _ => return Err(GiveUp),
            };
        }
        Ok(())
    }

    /// A string value starts at `at`: the blob, the upload id, or another.
    fn value_text(
        &mut self,
        at: usize,
        speculate: &mut dyn FnMut(&str) -> Option<SpeculativeHash>,
    ) -> Result<State, GiveUp> {
        if self.key_escaped {
            return Err(GiveUp);
        }
        match &self.key[..] {
            b"layerPartBlob" => {
                if self.blob.is_some() || self.done.is_some() {
                    return Err(GiveUp); // a duplicate member: serde's to answer
                }
                let hash = self.upload_id.as_deref().and_then(&mut *speculate);
                self.blob = Some(BlobScan {
                    start: at,
                    decoding: Decoding::new(hash),
                });
                Ok(State::Blob)
            }
            b"uploadId" => {
                self.value.clear();
                self.upload_id = None;
                Ok(State::Text {
                    escape: false,
                    upload_id: true,
                })
            }
            _ => Ok(State::Text {
                escape: false,
                upload_id: false,
            }),
        }
    }

    /// Feeds blob text from the start of `data` (at body offset `at`); returns how many
    /// bytes it took (through the closing quote, when it came).
    fn feed_blob(&mut self, frame: &Bytes, from: usize, at: usize) -> Result<usize, GiveUp> {
        let Some(BlobScan { start, decoding }) = self.blob.take() else {
            return Err(GiveUp);
        };
        let data = &frame[from..];
        let stop = memchr::memchr2(b'"', b'\\', data);
        let text = frame.slice(from..from + stop.unwrap_or(data.len()));
        let decoding = decoding.push(text).ok_or(GiveUp)?;
        let Some(k) = stop else {
            self.blob = Some(BlobScan { start, decoding });
            return Ok(data.len());
        };
        if data[k] == b'\\' {
            return Err(GiveUp); // an escape in the blob: serde's to read
        }
        self.done = Some(BlobSpan {
            start,
            end: at + k,
            outcome: decoding.finish(),
        });
        self.keep(b"\"")?;
        self.state = State::Members;
        Ok(k + 1)
    }

    /// The request, when the fast path provably agrees with the whole-body decoder.
    fn finish(self, body: &Bytes) -> Option<Request> {
        if self.state != State::End {
            return None;
        }
        let span = self.done?;
        let Request::UploadLayerPart(mut part) =
            super::decode_operation(Operation::UploadLayerPart, &self.skeleton)
        else {
            return None;
        };
        // The skeleton's blob is the empty text that stands for the one streamed.
        if part.layer_part_blob.as_ref().is_none_or(|b| !b.is_empty()) {
            return None;
        }
        let decoded = span.outcome.wait()?;
        let source = BlobText {
            text: body.slice(span.start..span.end),
            len: decoded.len,
        };
        let mut blob = PartBlob::from_source(Arc::new(source), decoded.padded);
        if let Some(hash) = decoded.hash {
            blob = blob.with_speculation(hash);
        }
        part.layer_part_blob = Some(blob);
        Some(Request::UploadLayerPart(part))
    }
}

/// A blob's base64 text as it lies in the body, checked to decode to `len` bytes: read
/// (decoded a piece at a time) only when the model needs the bytes again.
struct BlobText {
    text: Bytes,
    len: usize,
}

impl PartSource for BlobText {
    fn len(&self) -> usize {
        self.len
    }

    fn for_each_chunk(&self, f: &mut dyn FnMut(&[u8])) {
        let mut decoder = Decoder::new();
        // Checked as it arrived: it decodes.
        if decoder.push(&self.text, f).is_ok() {
            let _ = decoder.finish(f);
        }
    }
}
