//! Starting a fake: [`FakeEcr::builder`] → [`FakeEcrBuilder::start`].

use std::io::Write as _;
use std::net::{Ipv4Addr, SocketAddr, TcpListener};
use std::thread::JoinHandle;
use std::time::Duration;

use tokio::sync::watch;

use super::fault::Fault;
use super::quirk::Quirk;
use super::responder::Responder;
use super::server::{Limits, serve};
use super::store::{BlobStore, StoreAt};
use crate::model::limits::{DEFAULT_REGION, DEFAULT_REGISTRY_ID};
use crate::model::{CreateRepository, Profile, Registry, Request};
use crate::protocol::Keys;

/// The largest body the fake reads: a 20 MiB part is 27,962,028 bytes of base64 plus a
/// small envelope; JSON escaping of `/` can add up to 1/64 more. 32 MiB leaves headroom.
pub const MAX_BODY_BYTES: usize = 32 * 1024 * 1024;

/// Why a fake could not start.
#[derive(Debug)]
pub enum FakeError {
    /// A repository name, upload id or other setting was refused by the model.
    Setup(String),
    /// The port could not be bound, or the server thread not started.
    Io(std::io::Error),
}

impl std::fmt::Display for FakeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FakeError::Setup(m) => write!(f, "cannot set up the fake: {m}"),
            FakeError::Io(e) => write!(f, "cannot start the fake: {e}"),
        }
    }
}

impl std::error::Error for FakeError {}

/// Settings of a fake ECR endpoint.
#[derive(Debug, Clone)]
pub struct FakeEcrBuilder {
    profile: Profile,
    registry_id: String,
    region: String,
    repositories: Vec<String>,
    uploads: Vec<(String, String)>,
    faults: Vec<Fault>,
    quirks: Vec<Quirk>,
    port: u16,
    id_seed: Option<u64>,
    limits: Limits,
    sigv4: Option<Keys>,
    record: bool,
    layers: Vec<(String, bytes::Bytes)>,
    images: Vec<(String, String, Option<String>)>,
    mutability: Vec<(String, String)>,
    store: StoreAt,
    storage_url: Option<String>,
    require_auth: bool,
    token_lifetime: Option<Duration>,
}

impl Default for FakeEcrBuilder {
    fn default() -> Self {
        FakeEcrBuilder {
            profile: Profile::ecr(),
            registry_id: DEFAULT_REGISTRY_ID.to_owned(),
            region: DEFAULT_REGION.to_owned(),
            repositories: Vec::new(),
            uploads: Vec::new(),
            faults: Vec::new(),
            quirks: Vec::new(),
            port: 0,
            id_seed: None,
            sigv4: None,
            record: false,
            layers: Vec::new(),
            images: Vec::new(),
            mutability: Vec::new(),
            store: StoreAt::default(),
            storage_url: None,
            require_auth: false,
            token_lifetime: None,
            limits: Limits {
                max_body: MAX_BODY_BYTES,
                body_timeout: Duration::from_secs(60),
                body_idle_timeout: Duration::from_secs(10),
                memory_budget: 128 * 1024 * 1024,
                log: false,
            },
        }
    }
}

impl FakeEcrBuilder {
    /// The profile whose knobs the fake follows (default `ecr`).
    pub fn profile(mut self, profile: Profile) -> Self {
        self.profile = profile;
        self
    }

    /// The registry id (default `012345678910`) and region (default `us-east-1`).
    pub fn identity(mut self, registry_id: &str, region: &str) -> Self {
        registry_id.clone_into(&mut self.registry_id);
        region.clone_into(&mut self.region);
        self
    }

    /// A repository that exists from the start.
    pub fn repository(mut self, name: &str) -> Self {
        self.repositories.push(name.to_owned());
        self
    }

    /// An upload that is open from the start, with a known id (the seed example's, say).
    /// Its repository is created too if not named already.
    pub fn upload(mut self, repository: &str, upload_id: &str) -> Self {
        self.uploads
            .push((repository.to_owned(), upload_id.to_owned()));
        self
    }

    /// A layer stored from the start: pushed through the model (an upload of parts of at
    /// most 20 MiB, completed with its digest) before the fake serves. Its repository is
    /// created too if not named already.
    pub fn layer(mut self, repository: &str, bytes: impl Into<bytes::Bytes>) -> Self {
        self.layers.push((repository.to_owned(), bytes.into()));
        self
    }

    /// An image stored from the start: `manifest` (its text, kept byte for byte) put with
    /// `PutImage` after every [`layer`](Self::layer), with `tag` if given; every rule of
    /// the image holds (its layers must be there), or [`start`](Self::start) fails.
    pub fn image(mut self, repository: &str, manifest: &str, tag: Option<&str>) -> Self {
        self.images.push((
            repository.to_owned(),
            manifest.to_owned(),
            tag.map(str::to_owned),
        ));
        self
    }

    /// A repository's `imageTagMutability` (`MUTABLE`, `IMMUTABLE`, …), set with
    /// `PutImageTagMutability` after every [`image`](Self::image), so images stored from the
    /// start may hold tags an `IMMUTABLE` setting then protects. A setting MUT-1 refuses
    /// makes [`start`](Self::start) fail.
    pub fn tag_mutability(mut self, repository: &str, setting: &str) -> Self {
        self.mutability
            .push((repository.to_owned(), setting.to_owned()));
        self
    }

    /// Records every request in a log read with
    /// [`Responder::request_log`](super::Responder::request_log): operation, members,
    /// blob length and SHA-256 (never its bytes), answer, fault, times. Off by default.
    pub fn record_requests(mut self, on: bool) -> Self {
        self.record = on;
        self
    }

    /// A fault to inject.
    pub fn fault(mut self, fault: Fault) -> Self {
        self.faults.push(fault);
        self
    }

    /// A quirk: a deliberate departure of the answers (for testing conformance tools).
    pub fn quirk(mut self, quirk: Quirk) -> Self {
        self.quirks.push(quirk);
        self
    }

    /// The port on 127.0.0.1 (default 0: any free port).
    pub fn port(mut self, port: u16) -> Self {
        self.port = port;
        self
    }

    /// Seeds the upload ids the fake mints, for reproducible runs (default: random).
    pub fn id_seed(mut self, seed: u64) -> Self {
        self.id_seed = Some(seed);
        self
    }

    /// Logs one line per request (peer, operation, status, error name) on stderr.
    pub fn log_requests(mut self, on: bool) -> Self {
        self.limits.log = on;
        self
    }

    /// How long a request body may take to arrive (default 60 s).
    pub fn body_timeout(mut self, timeout: Duration) -> Self {
        self.limits.body_timeout = timeout;
        self
    }

    /// How long a body may pause between bytes (default 10 s) before the fake answers 408
    /// and frees the memory it reserved for it.
    pub fn body_idle_timeout(mut self, timeout: Duration) -> Self {
        self.limits.body_idle_timeout = timeout;
        self
    }

    /// Bytes that bodies in flight may hold at once (default 128 MiB); more requests wait.
    pub fn memory_budget(mut self, bytes: usize) -> Self {
        self.limits.memory_budget = bytes.max(MAX_BODY_BYTES * 7 / 4);
        self
    }

    /// Checks every request's SigV4 signature against these credentials (signing name
    /// `ecr`, the fake's region, at most 15 minutes of clock skew) before anything reaches
    /// the model. Unsigned requests get MissingAuthenticationTokenException, another key
    /// UnrecognizedClientException, a bad signature or a stale date
    /// InvalidSignatureException, a malformed Authorization header
    /// IncompleteSignatureException.
    pub fn require_sigv4(mut self, keys: Keys) -> Self {
        self.sigv4 = Some(keys);
        self
    }

    /// Where the fake keeps layer bytes (spec §11): a temporary directory removed when it
    /// stops (the default), a directory that is kept, or nowhere ([`StoreAt::Off`]: no blob
    /// is served then, and `unreferenced-blob-get=served` is refused).
    pub fn store(mut self, at: StoreAt) -> Self {
        self.store = at;
        self
    }

    /// Where download URLs and a blob GET's redirect point: `<base>/<registry>/<repository>/<digest>`.
    /// A started fake's default is its own storage, `http://localhost:<port>/storage` (the
    /// server's port under another host name than its endpoint's `127.0.0.1`, so that a
    /// client treats it as the other origin it is on ECR); a responder mounted elsewhere
    /// points at a host that never resolves unless this names its server's
    /// `<uri>/storage`.
    pub fn storage_url(mut self, base: &str) -> Self {
        self.storage_url = Some(base.to_owned());
        self
    }

    /// Makes `/v2/` demand what ECR's does (REG-1): HTTP Basic, user `AWS`, a password from
    /// this fake's `GetAuthorizationToken` that has not expired; 401 with `Www-Authenticate:
    /// Basic` without one, 403 `DENIED` once it has expired. The API door is not affected
    /// (see [`require_sigv4`](Self::require_sigv4)).
    pub fn require_auth(mut self, on: bool) -> Self {
        self.require_auth = on;
        self
    }

    /// How long the tokens `GetAuthorizationToken` issues are good for (default 12 hours,
    /// as ECR's), in whole seconds (at least one; the clock counts seconds, so a token lives
    /// up to a second less): a short one lets a test see a token expire in a push.
    pub fn token_lifetime(mut self, lifetime: Duration) -> Self {
        self.token_lifetime = Some(lifetime);
        self
    }

    /// The registry and responder, without a server: for mounting on a wiremock
    /// `MockServer`, where wiremock's own body handling applies (no size limit).
    pub fn responder(&self) -> Result<Responder, FakeError> {
        self.build(self.storage_url.as_deref(), None)
    }

    fn build(
        &self,
        storage_url: Option<&str>,
        endpoint: Option<&str>,
    ) -> Result<Responder, FakeError> {
        if self.profile.unreferenced_blob_get == crate::model::UnreferencedBlobGet::Served
            && self.store == StoreAt::Off
        {
            return Err(FakeError::Setup(
                "unreferenced-blob-get=served serves blobs, so it needs a blob store (not StoreAt::Off)"
                    .to_owned(),
            ));
        }
        let mut store = BlobStore::open(&self.store).map_err(FakeError::Io)?;
        let seed = self.id_seed.unwrap_or_else(random_seed);
        let mut registry = Registry::new(self.profile.clone())
            .with_identity(&self.registry_id, &self.region)
            .with_id_seed(seed);
        if store.is_some() {
            registry = registry.keep_bytes();
        }
        if let Some(base) = storage_url {
            registry = registry.with_download_base(base);
        }
        if let Some(url) = endpoint {
            registry = registry.with_proxy_endpoint(url);
        }
        if let Some(lifetime) = self.token_lifetime {
            // The registry's clock counts whole seconds.
            registry = registry.with_token_lifetime(lifetime.as_secs().max(1));
        }
        let upload_repos = self.uploads.iter().map(|(r, _)| r);
        let layer_repos = self.layers.iter().map(|(r, _)| r);
        let image_repos = self.images.iter().map(|(r, _, _)| r);
        for name in self
            .repositories
            .iter()
            .chain(upload_repos)
            .chain(layer_repos)
            .chain(image_repos)
        {
            if registry.has_repository(name) {
                continue;
            }
            registry
                .apply(&Request::CreateRepository(CreateRepository {
                    registry_id: None,
                    repository_name: Some(name.clone()),
                    ..Default::default()
                }))
                .map_err(|e| FakeError::Setup(format!("repository '{name}': {e}")))?;
        }
        for (repo, id) in &self.uploads {
            registry
                .open_upload(repo, id)
                .map_err(|e| FakeError::Setup(format!("upload '{id}': {e}")))?;
        }
        for (repo, bytes) in &self.layers {
            store_layer(&mut registry, repo, bytes)
                .map_err(|e| FakeError::Setup(format!("layer in '{repo}': {e}")))?;
        }
        for (repo, manifest, tag) in &self.images {
            registry
                .apply(&Request::PutImage(crate::model::PutImage {
                    registry_id: None,
                    repository_name: Some(repo.clone()),
                    image_manifest: Some(manifest.clone()),
                    image_manifest_media_type: None,
                    image_tag: tag.clone(),
                    image_digest: None,
                }))
                .map_err(|e| FakeError::Setup(format!("image in '{repo}': {e}")))?;
        }
        for (repo, setting) in &self.mutability {
            registry
                .apply(&Request::PutImageTagMutability(
                    crate::model::PutImageTagMutability {
                        registry_id: None,
                        repository_name: Some(repo.clone()),
                        image_tag_mutability: Some(setting.clone()),
                        image_tag_mutability_exclusion_filters: None,
                    },
                ))
                .map_err(|e| FakeError::Setup(format!("tag mutability of '{repo}': {e}")))?;
        }
        let kept = registry.take_kept();
        let responder = Responder::new(registry, self.faults.clone(), self.quirks.clone(), seed);
        let responder = match store.take() {
            Some(mut store) => {
                store.keep(kept); // the layers seeded above
                responder.with_store(store)
            }
            None => responder,
        };
        let responder = if self.require_auth {
            responder.with_required_auth()
        } else {
            responder
        };
        let responder = match &self.sigv4 {
            Some(keys) => responder.with_sigv4(keys.clone(), &self.region),
            None => responder,
        };
        Ok(if self.record {
            responder.with_request_log()
        } else {
            responder
        })
    }

    /// Starts the fake on its own thread and runtime, so it serves from sync and async
    /// code alike. It stops when the [`FakeEcr`] is dropped.
    pub fn start(self) -> Result<FakeEcr, FakeError> {
        let listener = TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, self.port)))
            .map_err(FakeError::Io)?;
        listener.set_nonblocking(true).map_err(FakeError::Io)?;
        let addr = listener.local_addr().map_err(FakeError::Io)?;
        let own_storage = format!(
            "http://localhost:{}{}",
            addr.port(),
            super::responder::STORAGE_PREFIX.trim_end_matches('/')
        );
        let responder = self.build(
            Some(self.storage_url.as_deref().unwrap_or(&own_storage)),
            Some(&format!("http://{addr}")),
        )?;
        let (stop, stopped) = watch::channel(false);
        let served = responder.clone();
        let limits = self.limits.clone();
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            // Decoding and hashing are CPU-bound: more threads than cores only add
            // allocator heaps that each keep freed bodies (measured in tests/fake_load.rs).
            .max_blocking_threads(2)
            .thread_name("ecr-fake")
            .enable_all()
            .build()
            .map_err(FakeError::Io)?;
        let thread = std::thread::Builder::new()
            .name("ecr-fake".to_owned())
            .spawn(move || {
                runtime.block_on(async move {
                    match tokio::net::TcpListener::from_std(listener) {
                        Ok(l) => serve(l, served, limits, stopped).await,
                        Err(e) => {
                            let _ =
                                writeln!(std::io::stderr().lock(), "ecr-fake: cannot serve: {e}");
                        }
                    }
                });
                runtime.shutdown_timeout(Duration::from_secs(1));
            })
            .map_err(FakeError::Io)?;
        Ok(FakeEcr {
            addr,
            responder,
            stop,
            thread: Some(thread),
        })
    }
}

/// Pushes `bytes` as one layer into `repository` through the model.
fn store_layer(
    registry: &mut Registry,
    repository: &str,
    bytes: &bytes::Bytes,
) -> Result<(), String> {
    use crate::model::limits::MAX_PART_BYTES;
    use crate::model::{
        CompleteLayerUpload, InitiateLayerUpload, PartBlob, Response, UploadLayerPart,
        digest::digest_of,
    };
    let upload_id = match registry.apply(&Request::InitiateLayerUpload(InitiateLayerUpload {
        registry_id: None,
        repository_name: Some(repository.to_owned()),
    })) {
        Ok(Response::UploadInitiated { upload_id, .. }) => upload_id,
        other => return Err(format!("InitiateLayerUpload answered {other:?}")),
    };
    let step = usize::try_from(MAX_PART_BYTES).unwrap_or(usize::MAX);
    let mut first = 0usize;
    while first < bytes.len() {
        let end = (first + step).min(bytes.len());
        registry
            .apply(&Request::UploadLayerPart(UploadLayerPart {
                registry_id: None,
                repository_name: Some(repository.to_owned()),
                upload_id: Some(upload_id.clone()),
                part_first_byte: Some(first as i64),
                part_last_byte: Some(end as i64 - 1),
                layer_part_blob: Some(PartBlob::new(bytes.slice(first..end))),
            }))
            .map_err(|e| e.to_string())?;
        first = end;
    }
    registry
        .apply(&Request::CompleteLayerUpload(CompleteLayerUpload {
            registry_id: None,
            repository_name: Some(repository.to_owned()),
            upload_id: Some(upload_id),
            layer_digests: Some(vec![digest_of(bytes)]),
        }))
        .map(|_| ())
        .map_err(|e| e.to_string())
}

fn random_seed() -> u64 {
    use std::hash::{BuildHasher, RandomState};
    RandomState::new().hash_one(std::time::SystemTime::now())
}

/// A running fake ECR endpoint. Dropping it stops the server.
#[derive(Debug)]
pub struct FakeEcr {
    addr: SocketAddr,
    responder: Responder,
    stop: watch::Sender<bool>,
    thread: Option<JoinHandle<()>>,
}

impl FakeEcr {
    /// Settings, starting from the defaults.
    pub fn builder() -> FakeEcrBuilder {
        FakeEcrBuilder::default()
    }

    /// The endpoint URL, `http://127.0.0.1:<port>`.
    pub fn uri(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The socket address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The responder, to read the registry or count requests.
    pub fn responder(&self) -> &Responder {
        &self.responder
    }

    /// Every request handled so far, as the request log records it (empty unless the
    /// builder had `record_requests(true)`).
    pub fn request_log(&self) -> Vec<super::LoggedRequest> {
        self.responder.request_log()
    }

    /// Reads the model's state: the repositories, uploads and layers the fake holds.
    pub fn with_registry<T>(&self, f: impl FnOnce(&crate::model::Registry) -> T) -> T {
        self.responder.with_registry(f)
    }
}

impl Drop for FakeEcr {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}
