//! `serve` and `rules`.

use super::*;

impl std::fmt::Debug for ServeArgs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The secret key and the session token never reach a log or a panic message.
        f.debug_struct("ServeArgs")
            .field("port", &self.port)
            .field("repositories", &self.repositories)
            .field("profile", &self.profile)
            .field("require_sigv4", &self.require_sigv4)
            .field("access_key_id", &self.access_key_id)
            .field("store", &self.store)
            .finish_non_exhaustive()
    }
}

/// The keys `serve --require-sigv4` checks signatures with: the options, else the
/// standard environment variables.
pub(super) fn sigv4_keys(args: &ServeArgs) -> Result<Keys, String> {
    Keys::from_options_or_env(
        args.access_key_id.as_deref(),
        args.secret_access_key.as_deref(),
        args.session_token.as_deref(),
    )
    .ok_or_else(|| {
        "--require-sigv4 needs --access-key-id and --secret-access-key (or \
         AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY)"
            .to_owned()
    })
}

pub(super) fn serve(args: &ServeArgs) -> Result<(), String> {
    check_registry_id("--registry-id", &args.registry_id).map_err(|e| e.to_string())?;
    let mut builder = FakeEcr::builder()
        .port(args.port)
        .profile(resolve_profile(&args.profile)?)
        .identity(&args.registry_id, &args.region)
        .log_requests(true);
    if args.require_sigv4 {
        builder = builder.require_sigv4(sigv4_keys(args)?);
    }
    for r in &args.repositories {
        builder = builder.repository(r);
    }
    for u in &args.uploads {
        let (repo, id) = u
            .split_once('=')
            .ok_or_else(|| format!("--upload '{u}' is not REPOSITORY=UPLOAD_ID"))?;
        builder = builder.upload(repo, id);
    }
    for l in &args.layers {
        let (repo, file) = l
            .split_once('=')
            .ok_or_else(|| format!("--layer '{l}' is not REPOSITORY=FILE"))?;
        // A layer held in memory while it is pushed through the model: at most 1 GiB.
        let bytes = ecr_conformance::fixture::read_limited(std::path::Path::new(file), 1 << 30)
            .map_err(|e| format!("--layer: {e}"))?;
        builder = builder.layer(repo, bytes);
    }
    for i in &args.images {
        let (name, file) = i
            .split_once('=')
            .ok_or_else(|| format!("--image '{i}' is not REPOSITORY[:TAG]=FILE"))?;
        let (repo, tag) = match name.split_once(':') {
            Some((r, t)) => (r, Some(t)),
            None => (name, None),
        };
        let limit = ecr_conformance::model::limits::MAX_MANIFEST_CHARS as u64 * 4;
        let text = ecr_conformance::fixture::read_limited_text(std::path::Path::new(file), limit)
            .map_err(|e| format!("--image: {e}"))?;
        builder = builder.image(repo, &text, tag);
    }
    for f in &args.faults {
        builder = builder.fault(*f);
    }
    if let Some(seed) = args.id_seed {
        builder = builder.id_seed(seed);
    }
    builder = builder.store(match (&args.store, args.no_store) {
        (Some(dir), _) => ecr_conformance::fake::StoreAt::Directory(dir.clone()),
        (None, true) => ecr_conformance::fake::StoreAt::Off,
        (None, false) => ecr_conformance::fake::StoreAt::Temporary,
    });
    builder = builder.require_auth(args.require_auth);
    if let Some(secs) = args.token_lifetime {
        builder = builder.token_lifetime(std::time::Duration::from_secs(secs));
    }
    let fake = builder.start().map_err(|e| e.to_string())?;
    out(&format!("{}\n", fake.uri()))?;
    wait_for_ctrl_c()?;
    warn(&format!(
        "stopping after {} requests",
        fake.responder().requests_handled()
    ));
    Ok(())
}

pub(super) fn print_rules(json: bool) -> Result<(), String> {
    let mut text = String::new();
    if json {
        text = serde_json::to_string_pretty(RULES).map_err(|e| e.to_string())? + "\n";
    } else {
        for rule in RULES {
            let tags: Vec<&str> = rule.sources.iter().map(|s| s.as_str()).collect();
            text.push_str(&format!(
                "{:<8} [{}] {}\n",
                rule.id,
                tags.join(", "),
                rule.statement
            ));
        }
    }
    out(&text)
}
