//! The one-call entry point for `cargo test`: judge an endpoint (a URL, or any
//! [`Transport`]) with the embedded catalog and generated cases, get a [`Report`], assert on
//! it or snapshot its per-rule table.
//!
//! ```no_run
//! use ecr_conformance::{Conformance, Profile};
//!
//! # fn main() -> Result<(), ecr_conformance::RunError> {
//! let report = Conformance::url("http://127.0.0.1:5000")
//!     .profile(Profile::ecr())
//!     .cases(64)
//!     .seed(1)
//!     .run()?;
//! report.assert_passed(); // panics with the FAIL table
//! // insta::assert_snapshot!(report.rule_table());
//! # Ok(())
//! # }
//! ```
//!
//! From a `#[tokio::test]` whose runtime also serves the endpoint, use
//! [`Conformance::run_async`]: the run goes to tokio's blocking pool, so the test's own
//! runtime keeps serving while it waits. [`Conformance::run`] refuses to block a
//! current-thread runtime (it would starve the endpoint and report it unreachable).

use std::path::PathBuf;
use std::time::Duration;

use crate::model::Profile;
use crate::model::limits::DEFAULT_REGION;
use crate::protocol::{Endpoint, Keys, Transport};
use crate::runner::{self, Report, RunConfig, RunError};

/// Where the run's requests go.
enum Target {
    Url {
        url: String,
        region: String,
        keys: Keys,
        timeout: Duration,
        retries: u32,
    },
    Transport {
        transport: Box<dyn Transport + Send>,
        label: String,
    },
}

/// A conformance run to make: the target, the profile, the generated cases.
pub struct Conformance {
    target: Target,
    config: RunConfig,
}

impl Conformance {
    /// A run against the awsJson endpoint at `url` (`http://host:port`), region
    /// `us-east-1`, the test credentials (`test` / `test`), 30 s per request, 256 generated
    /// cases with seed 0, the `ecr` profile.
    pub fn url(url: &str) -> Self {
        Conformance {
            target: Target::Url {
                url: url.to_owned(),
                region: DEFAULT_REGION.to_owned(),
                keys: Keys::test(),
                timeout: Duration::from_secs(30),
                retries: 0,
            },
            config: RunConfig::new(Profile::ecr()),
        }
    }

    /// A run through `transport` (the fake's [`Responder`](crate::fake::Responder) in
    /// process, a transport of your own), named `label` in the report.
    pub fn transport(transport: impl Transport + Send + 'static, label: &str) -> Self {
        Conformance {
            target: Target::Transport {
                transport: Box::new(transport),
                label: label.to_owned(),
            },
            config: RunConfig::new(Profile::ecr()),
        }
    }

    /// The profile the model follows (default `ecr`).
    #[must_use]
    pub fn profile(mut self, profile: Profile) -> Self {
        self.config.profile = profile;
        self
    }

    /// Generated cases after the catalog (default 256; 0 runs the catalog alone).
    #[must_use]
    pub fn cases(mut self, cases: u32) -> Self {
        self.config.cases = cases;
        self
    }

    /// The seed of the generated cases and of the scratch repository names (default 0).
    #[must_use]
    pub fn seed(mut self, seed: u64) -> Self {
        self.config.seed = seed;
        self
    }

    /// Differs fail the run too.
    #[must_use]
    pub fn strict(mut self, strict: bool) -> Self {
        self.config.strict = strict;
        self
    }

    /// Scenario files that add to the embedded catalog (a file named like an embedded
    /// scenario replaces it).
    #[must_use]
    pub fn scenarios(mut self, dir: impl Into<PathBuf>) -> Self {
        self.config.scenarios_dir = Some(dir.into());
        self
    }

    /// The region a URL target signs for (default `us-east-1`).
    #[must_use]
    pub fn region(mut self, region: &str) -> Self {
        if let Target::Url { region: r, .. } = &mut self.target {
            region.clone_into(r);
        }
        self
    }

    /// The credentials a URL target is signed with (default the test keys).
    #[must_use]
    pub fn keys(mut self, keys: Keys) -> Self {
        if let Target::Url { keys: k, .. } = &mut self.target {
            *k = keys;
        }
        self
    }

    /// How long a URL target may take for one request (default 30 s).
    #[must_use]
    pub fn timeout(mut self, timeout: Duration) -> Self {
        if let Target::Url { timeout: t, .. } = &mut self.target {
            *t = timeout;
        }
        self
    }

    /// The whole run configuration, for what the builder does not name.
    #[must_use]
    pub fn config(mut self, f: impl FnOnce(&mut RunConfig)) -> Self {
        f(&mut self.config);
        self
    }

    /// Runs it on this thread. Refused (a usage error) on a thread that drives a
    /// current-thread tokio runtime, such as a `#[tokio::test]` body: use
    /// [`Conformance::run_async`] there.
    pub fn run(self) -> Result<Report, RunError> {
        if let Ok(handle) = tokio::runtime::Handle::try_current()
            && handle.runtime_flavor() == tokio::runtime::RuntimeFlavor::CurrentThread
        {
            return Err(RunError::Usage(
                "Conformance::run blocks, and this thread drives a current-thread tokio \
                 runtime (a #[tokio::test]?) whose tasks, the endpoint among them, would \
                 starve: call Conformance::run_async().await instead"
                    .to_owned(),
            ));
        }
        self.run_here()
    }

    /// Runs it on tokio's blocking pool and waits without blocking the caller's runtime:
    /// an endpoint served by the same runtime keeps answering.
    pub async fn run_async(self) -> Result<Report, RunError> {
        match tokio::task::spawn_blocking(move || self.run_here()).await {
            Ok(result) => result,
            Err(e) => Err(RunError::Target(format!("the run's thread failed: {e}"))),
        }
    }

    fn run_here(self) -> Result<Report, RunError> {
        match self.target {
            Target::Url {
                url,
                region,
                keys,
                timeout,
                retries,
            } => {
                let endpoint = Endpoint::new(&url, &region, keys, timeout).with_retries(retries);
                runner::run(&endpoint, &url, &self.config)
            }
            Target::Transport { transport, label } => {
                runner::run(transport.as_ref(), &label, &self.config)
            }
        }
    }
}
