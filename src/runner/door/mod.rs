//! The runner's registry door: judges a `/v2/` target (spec §10) with the catalog of
//! `fixtures/registry-door/` and with generated chunk sequences, under the same verdicts as
//! the API door (spec §8), into the same [`Report`].
//!
//! A case runs in two passes. Live, each step goes to the target (with the target's own
//! upload `Location`s, learned from its answers) and its answer is recorded. Then the
//! oracle (`oracle`) plays the whole case on a fresh model through
//! `wire::door::answer`, the function the fake answers `/v2/` with, and each recorded
//! answer is compared with the oracle's (`compare`). The oracle never reads the target's
//! answers, so replaying a case under other knob values sends nothing again: the door's
//! knobs (`Profile::door_knobs`) are searched per case (a step that agrees under other
//! values *differs*) and over the whole run (the inferred profile). A step that diverges
//! under every profile FAILs, unless an entity it touches (an upload, a blob, an image)
//! was left unknown by an earlier FAIL of its case: then it is a *consequence*.

mod client;
mod compare;
mod generated;
mod steps;

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use regex::Regex;
use serde_json::{Value, json};

pub use steps::{BlobSpec, DoorScenario, DoorStep, ManifestSpec, catalog};

use self::client::{DoorClient, DoorObserved, DoorRequest};
use super::RunError;
use super::evidence::{Divergence, Explanation, KnobChange};
use super::judge::Verdict;
use super::report::{CaseResult, Report};
use super::session::StepRecord;
use super::stopped::Stopped;
use crate::model::digest::digest_of;
use crate::model::{Profile, Registry, RuleId};
use crate::wire::door::{DoorAnswer, DoorUploads, answer};
use crate::wire::oci::{ByteRange, DoorCall, Reference};

/// The media types of the manifests the cases put.
const MANIFEST_TYPE: &str = "application/vnd.oci.image.manifest.v1+json";

/// An upload id neither side opened (a UUID, as most registries' ids are).
const NEVER_OPENED: &str = "6f2a7d0e-0000-4000-8000-00000000dead";

/// A creator of the repositories a run works in, for targets that need them made (the
/// API door's CreateRepository, the embedded fake's registry).
pub type Prepare<'a> = &'a (dyn Fn(&str) -> Result<(), String> + Sync);

/// What a registry-door run does.
#[derive(Debug, Clone)]
pub struct DoorConfig {
    /// The target's base URL (`http://host:port`).
    pub url: String,
    /// `--registry-auth USER:PASSWORD`, sent as HTTP Basic and never reported.
    pub auth: Option<(String, String)>,
    /// Existing repositories to work in (every case in the first); none: a scratch name
    /// per case, made by the [`Prepare`] given (or left to the target to make on push).
    pub repositories: Vec<String>,
    /// Prefix of scratch repository names.
    pub prefix: String,
    /// The selected profile.
    pub profile: Profile,
    /// Generated chunk sequences (0: none).
    pub cases: u32,
    /// Their seed.
    pub seed: u64,
    /// Only scenarios (and `door-generated`) whose name matches.
    pub filter: Option<Regex>,
    /// Per request.
    pub timeout: Duration,
    /// Set to stop between steps.
    pub stop: Arc<AtomicBool>,
    /// Differs fail the run too.
    pub strict: bool,
}

impl DoorConfig {
    /// A run of `url` under `profile`: the catalog, 32 generated cases with seed 0.
    pub fn new(url: &str, profile: Profile) -> Self {
        DoorConfig {
            url: url.to_owned(),
            auth: None,
            repositories: Vec::new(),
            prefix: "ecr-conformance".to_owned(),
            profile,
            cases: 32,
            seed: 0,
            filter: None,
            timeout: Duration::from_secs(60),
            stop: Arc::new(AtomicBool::new(false)),
            strict: false,
        }
    }

    fn selected(&self, name: &str) -> bool {
        self.filter.as_ref().is_none_or(|f| f.is_match(name))
    }

    fn stopped(&self) -> bool {
        self.stop.load(Ordering::Relaxed)
    }
}

/// Where a case runs: its repository, the run's nonce (fresh blobs and tags per run), and
/// whether the repository was there before (then its listing may hold more).
#[derive(Debug, Clone)]
struct Place {
    repository: String,
    existing: bool,
    nonce: u64,
}

/// A case's bytes: its blobs, their digests, and its manifests' bytes.
struct Material {
    blobs: BTreeMap<String, Vec<u8>>,
    digests: BTreeMap<String, String>,
    manifests: BTreeMap<String, (Vec<u8>, String)>,
}

impl Material {
    fn new(scenario: &DoorScenario, place: &Place, index: u64) -> Self {
        let mut blobs = BTreeMap::new();
        let mut digests = BTreeMap::new();
        for (name, spec) in &scenario.blobs {
            use std::hash::{BuildHasher, BuildHasherDefault, DefaultHasher};
            let seed = BuildHasherDefault::<DefaultHasher>::default().hash_one((
                place.nonce,
                index,
                &scenario.name,
                name,
            ));
            let len = usize::try_from(spec.length).unwrap_or(0);
            let bytes = crate::strategy::fill(len, seed);
            digests.insert(name.clone(), digest_of(&bytes));
            blobs.insert(name.clone(), bytes);
        }
        let mut manifests = BTreeMap::new();
        for (name, m) in &scenario.manifests {
            let descriptor = |b: &String, media: &str| {
                json!({
                    "mediaType": media,
                    "digest": digests.get(b).cloned().unwrap_or_default(),
                    "size": blobs.get(b).map_or(0, Vec::len),
                })
            };
            let text = json!({
                "schemaVersion": 2,
                "mediaType": MANIFEST_TYPE,
                "config": descriptor(&m.config, "application/vnd.oci.image.config.v1+json"),
                "layers": m.layers.iter()
                    .map(|l| descriptor(l, "application/vnd.oci.image.layer.v1.tar"))
                    .collect::<Vec<_>>(),
            })
            .to_string()
            .into_bytes();
            let digest = digest_of(&text);
            manifests.insert(name.clone(), (text, digest));
        }
        Material {
            blobs,
            digests,
            manifests,
        }
    }

    fn blob(&self, name: &str) -> &[u8] {
        self.blobs.get(name).map_or(&[], Vec::as_slice)
    }

    fn digest(&self, name: &str) -> String {
        self.digests.get(name).cloned().unwrap_or_default()
    }

    /// The digest a PUT names: the blob's, or (`wrong`) one no byte sequence here has.
    fn named_digest(&self, name: &str, wrong: bool) -> String {
        if wrong {
            digest_of(format!("not {}", self.digest(name)).as_bytes())
        } else {
            self.digest(name)
        }
    }

    fn manifest(&self, name: &str) -> (&[u8], &str) {
        self.manifests
            .get(name)
            .map_or((&[][..], ""), |(b, d)| (b.as_slice(), d.as_str()))
    }
}

/// The bytes of a step's body.
fn body<'m>(step: &DoorStep, material: &'m Material) -> &'m [u8] {
    match step {
        DoorStep::Chunk { blob, from, to, .. } => {
            let b = material.blob(blob);
            let (from, to) = (*from as usize, (*to as usize).saturating_add(1));
            b.get(from..to.min(b.len())).unwrap_or(&[])
        }
        DoorStep::Finish {
            blob,
            from: Some(from),
            ..
        } => material.blob(blob).get(*from as usize..).unwrap_or(&[]),
        DoorStep::ManifestPut { manifest, .. } => material.manifest(manifest).0,
        _ => &[],
    }
}

/// The reference a manifest step names, on both sides: its tag (with the run's nonce in a
/// repository that was there before, so that runs do not meet), else its digest.
fn reference_of(
    manifest: &str,
    tag: &Option<String>,
    material: &Material,
    place: &Place,
) -> Reference {
    match tag {
        Some(t) if place.existing => Reference::Tag(format!("{t}-{:08x}", place.nonce as u32)),
        Some(t) => Reference::Tag(t.clone()),
        None => Reference::Digest(material.manifest(manifest).1.to_owned()),
    }
}

/// The model's answers to a whole case under `profile`: the oracle.
fn oracle(
    profile: &Profile,
    scenario: &DoorScenario,
    material: &Material,
    place: &Place,
) -> Vec<DoorAnswer> {
    let mut registry = Registry::new(profile.clone()).with_id_seed(0x0d00_5eed);
    registry.adopt_repository(&place.repository);
    let mut uploads = DoorUploads::default();
    let mut ids: HashMap<String, String> = HashMap::new();
    let name = place.repository.clone();
    let reference =
        |manifest: &str, tag: &Option<String>| reference_of(manifest, tag, material, place);
    let id_of = |ids: &HashMap<String, String>, u: &str| {
        ids.get(u)
            .cloned()
            .unwrap_or_else(|| NEVER_OPENED.to_owned())
    };
    let mut out = Vec::with_capacity(scenario.steps.len());
    for step in &scenario.steps {
        let call = match step {
            DoorStep::Ping => DoorCall::Base,
            DoorStep::Start { .. } => DoorCall::UploadStart {
                name: name.clone(),
                digest: None,
            },
            DoorStep::Chunk {
                upload,
                from,
                to,
                streamed,
                ..
            } => DoorCall::UploadChunk {
                name: name.clone(),
                upload_id: id_of(&ids, upload),
                range: (!streamed).then_some(ByteRange {
                    first: *from,
                    last: *to,
                }),
            },
            DoorStep::Finish {
                upload,
                blob,
                wrong_digest,
                ..
            } => DoorCall::UploadFinish {
                name: name.clone(),
                upload_id: id_of(&ids, upload),
                digest: material.named_digest(blob, *wrong_digest),
            },
            DoorStep::BlobHead { blob } => DoorCall::BlobHead {
                name: name.clone(),
                digest: material.digest(blob),
            },
            DoorStep::BlobGet { blob } => DoorCall::BlobGet {
                name: name.clone(),
                digest: material.digest(blob),
            },
            DoorStep::ManifestPut { manifest, tag } => DoorCall::ManifestPut {
                name: name.clone(),
                reference: reference(manifest, tag),
            },
            DoorStep::ManifestGet {
                manifest,
                tag,
                head,
            } => DoorCall::ManifestGet {
                name: name.clone(),
                reference: reference(manifest, tag),
                head: *head,
            },
            DoorStep::ManifestDelete { manifest } => DoorCall::ManifestDelete {
                name: name.clone(),
                reference: Reference::Digest(material.manifest(manifest).1.to_owned()),
            },
            DoorStep::TagsList => DoorCall::TagsList {
                name: name.clone(),
                n: None,
                last: None,
            },
        };
        let content_type = matches!(step, DoorStep::ManifestPut { .. }).then_some(MANIFEST_TYPE);
        let answered = answer(
            &mut registry,
            &mut uploads,
            &call,
            body(step, material),
            None,
            content_type,
        );
        if let DoorStep::Start { upload } = step
            && let Some(location) = answered.header_value("location")
            && let Some(id) = location.rsplit('/').next()
        {
            ids.insert(upload.clone(), id.to_owned());
        }
        out.push(answered);
    }
    out
}

/// One step as sent to the target: the request and its summary for the report (no
/// credentials: the client adds them).
fn request_for(
    step: &DoorStep,
    material: &Material,
    place: &Place,
    locations: &HashMap<String, String>,
) -> (DoorRequest, Value) {
    let repo = &place.repository;
    let location = |u: &str| {
        locations
            .get(u)
            .cloned()
            .unwrap_or_else(|| format!("/v2/{repo}/blobs/uploads/{NEVER_OPENED}"))
    };
    let reference =
        |manifest: &str, tag: &Option<String>| match reference_of(manifest, tag, material, place) {
            Reference::Tag(t) | Reference::Digest(t) => t,
        };
    let octets = ("content-type", "application/octet-stream".to_owned());
    let (method, url, headers): (&'static str, String, Vec<(&'static str, String)>) = match step {
        DoorStep::Ping => ("GET", "/v2/".to_owned(), Vec::new()),
        DoorStep::Start { .. } => ("POST", format!("/v2/{repo}/blobs/uploads/"), Vec::new()),
        DoorStep::Chunk {
            upload,
            from,
            to,
            streamed,
            ..
        } => {
            let mut headers = vec![octets];
            if !streamed {
                headers.push(("content-range", format!("{from}-{to}")));
            }
            ("PATCH", location(upload), headers)
        }
        DoorStep::Finish {
            upload,
            blob,
            wrong_digest,
            ..
        } => {
            let at = location(upload);
            let sep = if at.contains('?') { '&' } else { '?' };
            let digest = material.named_digest(blob, *wrong_digest);
            ("PUT", format!("{at}{sep}digest={digest}"), vec![octets])
        }
        DoorStep::BlobHead { blob } => (
            "HEAD",
            format!("/v2/{repo}/blobs/{}", material.digest(blob)),
            Vec::new(),
        ),
        DoorStep::BlobGet { blob } => (
            "GET",
            format!("/v2/{repo}/blobs/{}", material.digest(blob)),
            Vec::new(),
        ),
        DoorStep::ManifestPut { manifest, tag } => (
            "PUT",
            format!("/v2/{repo}/manifests/{}", reference(manifest, tag)),
            vec![("content-type", MANIFEST_TYPE.to_owned())],
        ),
        DoorStep::ManifestGet {
            manifest,
            tag,
            head,
        } => (
            if *head { "HEAD" } else { "GET" },
            format!("/v2/{repo}/manifests/{}", reference(manifest, tag)),
            vec![("accept", MANIFEST_TYPE.to_owned())],
        ),
        DoorStep::ManifestDelete { manifest } => (
            "DELETE",
            format!("/v2/{repo}/manifests/{}", material.manifest(manifest).1),
            Vec::new(),
        ),
        DoorStep::TagsList => ("GET", format!("/v2/{repo}/tags/list"), Vec::new()),
    };
    let sent = body(step, material);
    let mut summary = json!({ "method": method, "path": compare::redact_query(&url) });
    for (k, v) in &headers {
        if *k == "content-range" {
            summary["Content-Range"] = json!(v);
        }
    }
    if !sent.is_empty() {
        summary["body"] = match step {
            DoorStep::ManifestPut { .. } => {
                serde_json::from_slice(sent).unwrap_or_else(|_| json!(sent.len()))
            }
            _ => json!({ "length": sent.len(), "sha256": digest_of(sent) }),
        };
    }
    (
        DoorRequest {
            method,
            url,
            headers,
        },
        summary,
    )
}

/// A case as it ran on the target.
struct Live {
    observed: Vec<Result<DoorObserved, String>>,
    requests: Vec<Value>,
}

fn run_live(
    client: &DoorClient,
    scenario: &DoorScenario,
    material: &Material,
    place: &Place,
    config: &DoorConfig,
) -> Live {
    let mut locations: HashMap<String, String> = HashMap::new();
    let mut live = Live {
        observed: Vec::new(),
        requests: Vec::new(),
    };
    for step in &scenario.steps {
        if config.stopped() {
            break;
        }
        let (request, summary) = request_for(step, material, place, &locations);
        let got = client
            .send(
                &request,
                body(step, material),
                matches!(step, DoorStep::BlobGet { .. }),
            )
            .map_err(|e| e.0);
        if let Ok(o) = &got
            && o.status < 400
            && let Some(at) = o.header("location")
        {
            match step {
                DoorStep::Start { upload } | DoorStep::Chunk { upload, .. } => {
                    locations.insert(upload.clone(), at.to_owned());
                }
                _ => {}
            }
        }
        live.observed.push(got);
        live.requests.push(summary);
    }
    live
}

/// Divergences per step under `profile`.
fn judge_under(
    profile: &Profile,
    scenario: &DoorScenario,
    material: &Material,
    place: &Place,
    live: &Live,
) -> (Vec<DoorAnswer>, Vec<Vec<Divergence>>) {
    let expected = oracle(profile, scenario, material, place);
    let divergences = expected
        .iter()
        .zip(&scenario.steps)
        .zip(&live.observed)
        .map(|((e, step), o)| compare::compare(step, e, o, material, place.existing))
        .collect();
    (expected, divergences)
}

fn total(divergences: &[Vec<Divergence>]) -> usize {
    divergences.iter().map(Vec::len).sum()
}

/// The door knob values, from `start`, that leave the fewest divergences over `cases`
/// (coordinate descent: each knob in turn takes its best value, until nothing changes).
fn descend(start: &Profile, score: &dyn Fn(&Profile) -> usize) -> Profile {
    let mut best = start.clone();
    let mut best_score = score(&best);
    for _ in 0..4 {
        let mut changed = false;
        for knob in start.door_knobs() {
            for value in Profile::candidate_values(knob.name) {
                let Ok(p) = best.with_knob(knob.name, value) else {
                    continue;
                };
                if p == best {
                    continue;
                }
                let s = score(&p);
                if s < best_score {
                    best = p;
                    best_score = s;
                    changed = true;
                }
            }
        }
        if !changed || best_score == 0 {
            break;
        }
    }
    best
}

/// A case judged: its result, and what inference needs of it.
struct Judged {
    result: CaseResult,
    diverged: bool,
}

fn judge_case(
    config: &DoorConfig,
    scenario: &DoorScenario,
    material: &Material,
    place: &Place,
    live: &Live,
) -> Judged {
    let selected = &config.profile;
    let (expected, under_selected) = judge_under(selected, scenario, material, place, live);
    let diverged = total(&under_selected) > 0;
    let explained = if diverged {
        let p = descend(selected, &|p| {
            total(&judge_under(p, scenario, material, place, live).1)
        });
        let (_, d) = judge_under(&p, scenario, material, place, live);
        Some((p, d))
    } else {
        None
    };
    let mut unknown: HashMap<String, usize> = HashMap::new();
    let mut steps = Vec::new();
    for (i, step) in scenario.steps.iter().enumerate().take(live.observed.len()) {
        let divergences = under_selected[i].clone();
        let e = &expected[i];
        let entities = step.entities(&scenario.manifests);
        let mut record = StepRecord {
            index: i,
            operation: step.operation().to_owned(),
            rule: e.rule,
            checked: checked(e),
            x_amz_target: None,
            content_type: None,
            request: live.requests[i].clone(),
            expected: compare::expected_summary(e),
            actual: compare::actual_summary(&live.observed[i]),
            divergences: divergences.clone(),
            verdict: Verdict::Pass,
            knobs: Vec::new(),
            follows_from: None,
            checks: None,
            retries: 0,
        };
        if !divergences.is_empty() {
            let (profile, after) = explained
                .as_ref()
                .map(|(p, d)| (p, d[i].clone()))
                .unwrap_or((selected, divergences.clone()));
            if after.is_empty() {
                record.verdict = Verdict::Differs;
                let changes: Vec<KnobChange> = selected
                    .differences(profile)
                    .into_iter()
                    .map(|(knob, value)| KnobChange { knob, value })
                    .collect();
                record.knobs = vec![Explanation(changes)];
            } else if let Some(from) = entities.iter().find_map(|e| unknown.get(e)).copied() {
                record.verdict = Verdict::Consequence;
                record.follows_from = Some(from);
                // What it touched is as unknown as what it followed from.
                for e in &entities {
                    unknown.entry(e.clone()).or_insert(from);
                }
            } else {
                record.verdict = Verdict::Fail;
                record.divergences = after;
                for e in &entities {
                    unknown.entry(e.clone()).or_insert(i);
                }
            }
        }
        steps.push(record);
    }
    let error = (live.observed.len() < scenario.steps.len())
        .then(|| "stopped before its end (interrupted)".to_owned());
    Judged {
        result: CaseResult {
            name: scenario.name.clone(),
            index: None,
            rules: scenario.rules.clone(),
            repositories: vec![place.repository.clone()],
            existing: place.existing,
            registry_id: String::new(),
            steps,
            error,
        },
        diverged,
    }
}

/// The rules a step's answer shows: its own, and REG-8 for an error.
fn checked(e: &DoorAnswer) -> Vec<RuleId> {
    let mut out = vec![e.rule];
    if e.error.is_some() && e.rule != RuleId::Reg8 {
        out.push(RuleId::Reg8);
    }
    out
}

/// A case kept for the run's inference.
struct Kept {
    scenario: DoorScenario,
    material: Material,
    place: Place,
    live: Live,
}

/// Registry credentials from an API door (REG-1): its `GetAuthorizationToken`, decoded to
/// the user (`AWS`) and password HTTP Basic sends on `/v2/`; or why there are none.
pub fn token_from_api(api: &dyn crate::protocol::Transport) -> Result<(String, String), String> {
    use crate::model::{GetAuthorizationToken, Request};
    use crate::wire::GetAuthorizationTokenResponse;
    let request = super::WireRequest::of(&Request::GetAuthorizationToken(
        GetAuthorizationToken::default(),
    ));
    let (observed, _) = api.send(&request).map_err(|e| e.0)?;
    if observed.status != 200 {
        let code = observed
            .error
            .as_ref()
            .map_or_else(|| "no error code".to_owned(), |e| e.as_str().to_owned());
        return Err(format!(
            "GetAuthorizationToken answered {} ({code})",
            observed.status
        ));
    }
    let answer: GetAuthorizationTokenResponse = observed
        .body
        .map(serde_json::from_value)
        .transpose()
        .map_err(|e| format!("GetAuthorizationToken's answer is not its shape: {e}"))?
        .unwrap_or_default();
    answer
        .authorization_data
        .into_iter()
        .flatten()
        .find_map(|d| d.authorization_token)
        .as_deref()
        .and_then(crate::wire::authorization::credentials_of_token)
        .ok_or_else(|| "GetAuthorizationToken gave no base64 USER:PASSWORD token".to_owned())
}

/// Runs the registry-door catalog and the generated chunk sequences against
/// `config.url`; `prepare` makes each scratch repository where the target needs it made.
pub fn run_registry_door(
    config: &DoorConfig,
    prepare: Option<Prepare<'_>>,
) -> Result<Report, RunError> {
    crate::protocol::check_url(&config.url).map_err(RunError::Usage)?;
    let catalog = catalog().map_err(RunError::Usage)?;
    let client = DoorClient::new(&config.url, config.auth.as_ref(), config.timeout);
    let nonce = {
        use std::hash::{BuildHasher, RandomState};
        RandomState::new().hash_one((config.seed, std::process::id()))
    };
    // The target must answer at all: a probe of /v2/ (any status is an answer).
    if let Err(e) = client.send(
        &DoorRequest {
            method: "GET",
            url: "/v2/".to_owned(),
            headers: Vec::new(),
        },
        &[],
        false,
    ) {
        let mut report = Report::for_registry_door(
            config.url.clone(),
            &config.profile,
            Vec::new(),
            None,
            vec![format!("every case: {}", e.0)],
            config.profile.clone(),
        );
        report.stopped = Some(Stopped::new(super::StopReason::TargetUnreachable {
            detail: e.0,
        }));
        return Ok(report);
    }
    let place_for = |case: &str| -> Result<Place, String> {
        if let Some(r) = config.repositories.first() {
            return Ok(Place {
                repository: r.clone(),
                existing: true,
                nonce,
            });
        }
        let repository = format!("{}-{:08x}-{case}", config.prefix, nonce as u32);
        if let Some(make) = prepare {
            make(&repository).map_err(|e| format!("cannot make repository {repository}: {e}"))?;
        }
        Ok(Place {
            repository,
            existing: false,
            nonce,
        })
    };
    let mut results = Vec::new();
    let mut not_run = Vec::new();
    let mut kept: Vec<Kept> = Vec::new();
    for (i, scenario) in catalog.iter().enumerate() {
        if !config.selected(&scenario.name) {
            continue;
        }
        if config.stopped() {
            not_run.push(format!("{}: the run was interrupted", scenario.name));
            continue;
        }
        let place = match place_for(&format!("c{i}")) {
            Ok(p) => p,
            Err(e) => {
                not_run.push(format!("{}: {e}", scenario.name));
                continue;
            }
        };
        let material = Material::new(scenario, &place, i as u64);
        let live = run_live(&client, scenario, &material, &place, config);
        let judged = judge_case(config, scenario, &material, &place, &live);
        results.push(judged.result);
        if judged.diverged {
            kept.push(Kept {
                scenario: scenario.clone(),
                material,
                place,
                live,
            });
        }
    }
    let generated = (config.cases > 0 && config.selected("door-generated"))
        .then(|| generated::run(config, &client, &place_for, &mut kept));
    let inferred = descend(&config.profile, &|p| {
        kept.iter()
            .map(|k| total(&judge_under(p, &k.scenario, &k.material, &k.place, &k.live).1))
            .sum()
    });
    let mut report = Report::for_registry_door(
        config.url.clone(),
        &config.profile,
        results,
        generated,
        not_run,
        inferred,
    );
    report.strict = config.strict;
    if config.stopped() {
        report.stopped = Some(Stopped::new(super::StopReason::Interrupted));
    }
    Ok(report)
}
