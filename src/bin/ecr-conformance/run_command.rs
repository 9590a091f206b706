//! `run`: the options checked, the Ctrl-C handling, the profile read, the recording written.

use super::*;

/// Sets `stop` on the first Ctrl-C, so the run ends after a bounded cleanup and writes its
/// reports (exit 130); a second Ctrl-C exits at once (130). The handler is in place when
/// this returns.
pub(super) fn stop_on_ctrl_c(stop: Arc<AtomicBool>) {
    let (ready, installed) = std::sync::mpsc::channel();
    let spawned = std::thread::Builder::new()
        .name("ctrl-c".into())
        .spawn(move || {
            let Ok(runtime) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            else {
                let _ = ready.send(());
                return;
            };
            runtime.block_on(async move {
                #[cfg(unix)]
                let mut signals = {
                    use tokio::signal::unix::{SignalKind, signal};
                    let Ok(s) = signal(SignalKind::interrupt()) else {
                        let _ = ready.send(());
                        return;
                    };
                    s
                };
                let _ = ready.send(());
                #[cfg(unix)]
                let mut next = async || signals.recv().await.is_some();
                #[cfg(not(unix))]
                let next = async || tokio::signal::ctrl_c().await.is_ok();
                if !next().await {
                    return;
                }
                warn(
                    "interrupted: stopping after a bounded cleanup, then writing the reports \
                     (Ctrl-C again to quit at once)",
                );
                stop.store(true, Ordering::Relaxed);
                if next().await {
                    warn("interrupted again: quitting at once");
                    std::process::exit(130);
                }
            });
        });
    if spawned.is_ok() {
        let _ = installed.recv();
    }
}

/// Blocks until Ctrl-C (`serve`).
pub(super) fn wait_for_ctrl_c() -> Result<(), String> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?
        .block_on(async {
            // SIGTERM too (what `kill` and service managers send), so a stop removes the
            // temporary blob store either way.
            let mut term =
                tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
            tokio::select! {
                r = tokio::signal::ctrl_c() => r,
                _ = term.recv() => Ok(()),
            }
        })
        .map_err(|e| format!("cannot wait for Ctrl-C: {e}"))
}

/// `--filter` as a regex, its error on one line.
pub(super) fn filter_regex(pattern: &str) -> Result<regex::Regex, RunError> {
    regex::Regex::new(pattern).map_err(|e| {
        let text = e.to_string();
        let why = text
            .lines()
            .rev()
            .find(|l| !l.trim().is_empty())
            .unwrap_or_default()
            .trim()
            .trim_start_matches("error: ");
        RunError::Usage(format!("--filter '{pattern}': not a regex: {why}"))
    })
}

/// Refuses a `--record` or `--regressions` path that is there but not a folder.
pub(super) fn check_folder(option: &str, dir: &Path) -> Result<(), RunError> {
    if dir.exists() && !dir.is_dir() {
        return Err(RunError::Usage(format!(
            "{option} {}: not a folder",
            dir.display()
        )));
    }
    Ok(())
}

pub(super) fn run(args: RunArgs) -> Result<Outcome, RunError> {
    let profile = resolve_profile(&args.profile).map_err(RunError::Usage)?;
    let filter = args.filter.as_deref().map(filter_regex).transpose()?;
    if args.door == DoorChoice::Registry || args.registry_endpoint.is_some() {
        return run_registry_door(&args, profile, filter);
    }
    if args.registry_auth.is_some() {
        return Err(RunError::Usage(
            "--registry-auth is for the registry door (--door registry or --registry-endpoint)"
                .to_owned(),
        ));
    }
    let stop = Arc::new(AtomicBool::new(false));
    let config = RunConfig {
        profile: profile.clone(),
        cases: args.cases,
        seed: args.seed.unwrap_or_else(random_seed),
        filter,
        repositories: args.repositories.clone(),
        prefix: args.repository_prefix.clone(),
        registry_id: args.registry_id.clone(),
        scenarios_dir: args.scenarios.clone(),
        regressions_dir: Some(args.regressions.clone()),
        stop: stop.clone(),
        progress: std::io::IsTerminal::is_terminal(&std::io::stderr()),
        strict: args.out.strict,
        shard: args
            .shard
            .as_deref()
            .map(runner::merge::parse_shard)
            .transpose()
            .map_err(|e| RunError::Usage(format!("--shard: {e}")))?,
    };
    if args.list {
        let mut text = String::new();
        for (name, rules, description) in runner::list(&config)? {
            text.push_str(&format!(
                "{name:<28} {:<28} {description}\n",
                rules.join(",")
            ));
        }
        out(&text).map_err(RunError::Usage)?;
        return Ok(Outcome::verdict(true));
    }
    // Every output is checked before anything is sent; the recording's folder may not be
    // a report's path either.
    let mut paths = args.out.paths().to_vec();
    paths.push(("--record", args.record.as_deref()));
    check_outputs(&paths)?;
    check_folder("--regressions", &args.regressions)?;
    if let Some(dir) = &args.record {
        check_folder("--record", dir)?;
    }
    if let Some(id) = &args.registry_id {
        check_registry_id("--registry-id", id)?;
    }
    let (environment, region) = environment_and_region(&args)?;
    let from = if args.endpoint.is_some() {
        "--endpoint"
    } else {
        "AWS_ENDPOINT_URL_ECR or AWS_ENDPOINT_URL"
    };
    let url = args.endpoint.clone().or(environment.endpoint_url);
    let fake;
    let (url, label) = match url {
        Some(u) => {
            check_url(&u).map_err(|e| RunError::Usage(format!("{from}: {e}")))?;
            (u.clone(), redact_url(&u))
        }
        None => {
            fake = FakeEcr::builder()
                .profile(profile)
                .identity(DEFAULT_REGISTRY_ID, &region)
                .start()
                .map_err(|e| RunError::Target(e.to_string()))?;
            (fake.uri(), "embedded fake".to_owned())
        }
    };
    let keys = environment.keys.unwrap_or_else(Keys::test);
    let endpoint = Endpoint::new(&url, &region, keys, Duration::from_secs(args.timeout))
        .with_retries(args.retries)
        .with_interrupt(stop.clone());
    stop_on_ctrl_c(stop);
    let report = runner::run(&endpoint, &label, &config)?;
    // Every output that can be written is: the recording, then the reports, then the
    // summary on stdout.
    let mut errors = Vec::new();
    if let Some(dir) = &args.record
        && let Err(e) = record(dir, &report)
    {
        errors.push(format!("--record {}: {e}", dir.display()));
    }
    Ok(finish(&report, &args.out, errors))
}

/// `run --door registry` / `--registry-endpoint`: the `/v2/` catalog and generated chunk
/// sequences, into the same reports.
fn run_registry_door(
    args: &RunArgs,
    profile: Profile,
    filter: Option<regex::Regex>,
) -> Result<Outcome, RunError> {
    use ecr_conformance::runner::door::{DoorConfig, run_registry_door};
    for (option, given) in [
        ("--record", args.record.is_some()),
        ("--shard", args.shard.is_some()),
        ("--scenarios", args.scenarios.is_some()),
        ("--list", args.list),
        ("--registry-id", args.registry_id.is_some()),
    ] {
        if given {
            return Err(RunError::Usage(format!(
                "{option} is not available on the registry door yet"
            )));
        }
    }
    check_outputs(&args.out.paths())?;
    let auth = match &args.registry_auth {
        None => None,
        Some(pair) => match pair.split_once(':') {
            Some((user, password)) if !user.is_empty() => {
                Some((user.to_owned(), password.to_owned()))
            }
            _ => {
                return Err(RunError::Usage(
                    "--registry-auth: USER:PASSWORD, with a user name before the colon".to_owned(),
                ));
            }
        },
    };
    let (environment, region) = environment_and_region(args)?;
    let keys = environment.keys.unwrap_or_else(Keys::test);
    let fake;
    // The `/v2/` URL, and the API door that makes the scratch repositories, if any.
    let (url, api) = match &args.registry_endpoint {
        Some(u) => {
            check_url(u).map_err(|e| RunError::Usage(format!("--registry-endpoint: {e}")))?;
            (u.clone(), args.endpoint.clone())
        }
        None => {
            if args.endpoint.is_some() {
                return Err(RunError::Usage(
                    "--door registry --endpoint: give the /v2/ URL with --registry-endpoint"
                        .to_owned(),
                ));
            }
            // As ECR's, the embedded fake's /v2/ demands a token from its API door (REG-1).
            fake = FakeEcr::builder()
                .profile(profile.clone())
                .identity(DEFAULT_REGISTRY_ID, &region)
                .require_auth(true)
                .start()
                .map_err(|e| RunError::Target(e.to_string()))?;
            (fake.uri(), Some(fake.uri()))
        }
    };
    if let Some(a) = &api {
        check_url(a).map_err(|e| RunError::Usage(format!("--endpoint: {e}")))?;
    }
    let endpoint = api.map(|a| Endpoint::new(&a, &region, keys, Duration::from_secs(args.timeout)));
    // No --registry-auth: a token from the API door, when there is one (REG-1).
    let auth = match (auth, &endpoint) {
        (Some(a), _) => Some(a),
        (None, Some(api)) => match ecr_conformance::runner::door::token_from_api(api) {
            Ok(credentials) => Some(credentials),
            Err(why) => {
                warn(&format!(
                    "no registry token from the API door ({why}): /v2/ is called without credentials"
                ));
                None
            }
        },
        (None, None) => None,
    };
    let stop = Arc::new(AtomicBool::new(false));
    let config = DoorConfig {
        auth,
        repositories: args.repositories.clone(),
        prefix: args.repository_prefix.clone(),
        cases: args.cases,
        seed: args.seed.unwrap_or_else(random_seed),
        filter,
        timeout: Duration::from_secs(args.timeout),
        stop: stop.clone(),
        strict: args.out.strict,
        ..DoorConfig::new(&url, profile)
    };
    let create = |name: &str| -> Result<(), String> {
        let Some(endpoint) = &endpoint else {
            return Ok(());
        };
        let request = runner::WireRequest::of(&ecr_conformance::model::Request::CreateRepository(
            ecr_conformance::model::CreateRepository {
                repository_name: Some(name.to_owned()),
                ..Default::default()
            },
        ));
        let (observed, _) = endpoint.send(&request).map_err(|e| e.0)?;
        if observed.status == 200 {
            Ok(())
        } else {
            Err(format!("CreateRepository answered {}", observed.status))
        }
    };
    stop_on_ctrl_c(stop);
    let prepare: Option<ecr_conformance::runner::door::Prepare<'_>> =
        if args.repositories.is_empty() {
            Some(&create)
        } else {
            None
        };
    let report = run_registry_door(&config, prepare)?;
    Ok(finish(&report, &args.out, Vec::new()))
}

/// The AWS environment (keys complete or absent) and the region `--region` or it names.
fn environment_and_region(args: &RunArgs) -> Result<(AwsEnvironment, String), RunError> {
    if let Some(m) = incomplete_keys() {
        return Err(RunError::Usage(m));
    }
    let environment = AwsEnvironment::read();
    let region = args
        .region
        .clone()
        .or_else(|| environment.region.clone())
        .unwrap_or_else(|| DEFAULT_REGION.to_owned());
    Ok((environment, region))
}

/// The registry id pattern (12 digits), for an option.
pub(super) fn check_registry_id(option: &str, id: &str) -> Result<(), RunError> {
    if id.len() == 12 && id.bytes().all(|b| b.is_ascii_digit()) {
        Ok(())
    } else {
        Err(RunError::Usage(format!(
            "{option} '{id}': a registry id is 12 digits (an AWS account id)"
        )))
    }
}

/// Writes each case's transcript as `<dir>/<case>.json`.
/// The transcripts of the generated cases an earlier run recorded here and this one does
/// not write are removed, so the folder holds this run only (`generated.json`,
/// `generated-differing-N.json`; scenarios cannot have these names).
pub(super) fn record(dir: &std::path::Path, report: &runner::Report) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        let stem = path
            .file_stem()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        let generated = stem == "generated"
            || stem
                .strip_prefix("generated-differing-")
                .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()));
        if generated && path.extension().is_some_and(|e| e == "json") && path.is_file() {
            std::fs::remove_file(&path)?;
        }
    }
    let write = |name: &str, case: &runner::CaseResult| {
        let text = serde_json::to_string_pretty(&runner::transcript::of(case)).unwrap_or_default();
        std::fs::write(dir.join(format!("{name}.json")), text + "\n")
    };
    for case in &report.scenarios {
        write(&case.name, case)?;
    }
    if let Some(g) = &report.generated {
        if let Some(f) = &g.failure {
            write("generated", f)?;
        }
        for (i, case) in g.differing.iter().enumerate() {
            write(&format!("generated-differing-{i}"), case)?;
        }
    }
    Ok(())
}

/// A built-in profile by name, or a profile JSON file.
///
/// A file is read only when it is a regular file of at most 1 MiB (never a FIFO or device).
pub(super) fn resolve_profile(name_or_path: &str) -> Result<Profile, String> {
    if let Some(p) = Profile::built_in(name_or_path) {
        return Ok(p);
    }
    let path = Path::new(name_or_path);
    if !path.exists() {
        // What Profile::load says of a name that is neither: the built-in names.
        return Profile::load(name_or_path).map_err(|e| e.to_string());
    }
    let text = ecr_conformance::fixture::read_limited_text(path, MAX_PROFILE_BYTES)
        .map_err(|e| format!("--profile {e}"))?;
    Profile::from_json(&text, name_or_path).map_err(|e| e.to_string())
}
