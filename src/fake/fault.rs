//! Faults: chosen answers to chosen calls, for testing a client's retry logic.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use crate::wire::Operation;

/// The longest `delay-ms` a fault may ask for: ten minutes.
pub const MAX_DELAY_MS: u64 = 600_000;

/// What happens to the chosen call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FaultKind {
    /// `ThrottlingException` (400) before the request is applied: nothing changes.
    Throttle,
    /// `ServerException` (500) before the request is applied: nothing changes.
    ServerError,
    /// The request is applied, then answered with `ServerException` (500): a part lands
    /// while the client sees a failure, so it must resume from `lastValidByteReceived`.
    ServerErrorAfter,
    /// The request is applied and answered as usual, after this delay.
    Delay(Duration),
    /// `CompleteLayerUpload` only: the request is applied (the layer is stored), then
    /// answered with `LayerAlreadyExistsException` (400), as when another client stored
    /// the same layer while this one was uploading it.
    LayerExistsAfter,
    /// A registry-door call only: every token the fake issued so far expires now, so this
    /// call and every later one that carries such a token is answered 403 `DENIED` (REG-1),
    /// as when a push outlives its 12-hour token. A token fetched afterwards works. Only
    /// meaningful when the fake demands credentials (`--require-auth`).
    TokenExpired,
}

/// One fault: the `nth` call (1-based) of `operation` gets `kind`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fault {
    /// The operation whose calls are counted.
    pub operation: Operation,
    /// Which call, counting from 1.
    pub nth: u64,
    /// What happens to it.
    pub kind: FaultKind,
}

/// Why a fault spec could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FaultSpecError(pub String);

impl fmt::Display for FaultSpecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}; a fault is OPERATION:N:KIND with KIND one of throttle, server-error, \
             server-error-after, delay-ms=MS, layer-exists-after (CompleteLayerUpload only), \
             token-expired (a /v2/ call, with --require-auth) (e.g. UploadLayerPart:2:server-error-after)",
            self.0
        )
    }
}

impl std::error::Error for FaultSpecError {}

impl FromStr for Fault {
    type Err = FaultSpecError;

    /// Reads `OPERATION:N:KIND`, e.g. `UploadLayerPart:2:server-error-after` or
    /// `upload-layer-part:1:delay-ms=250`.
    fn from_str(spec: &str) -> Result<Fault, FaultSpecError> {
        let mut parts = spec.splitn(3, ':');
        let (Some(op), Some(nth), Some(kind)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(FaultSpecError(format!(
                "'{spec}' does not have three parts"
            )));
        };
        let operation = Operation::from_name(&op.replace('-', "_"))
            .or_else(|| Operation::from_name(op))
            .ok_or_else(|| FaultSpecError(format!("'{op}' is not an operation")))?;
        let nth =
            nth.parse::<u64>().ok().filter(|n| *n >= 1).ok_or_else(|| {
                FaultSpecError(format!("'{nth}' is not a call number (1, 2, ...)"))
            })?;
        let kind = match kind {
            "throttle" => FaultKind::Throttle,
            "server-error" => FaultKind::ServerError,
            "server-error-after" => FaultKind::ServerErrorAfter,
            "token-expired" => FaultKind::TokenExpired,
            "layer-exists-after" if operation == Operation::CompleteLayerUpload => {
                FaultKind::LayerExistsAfter
            }
            "layer-exists-after" => {
                return Err(FaultSpecError(format!(
                    "'layer-exists-after' applies to CompleteLayerUpload, not '{op}'"
                )));
            }
            other => match other.strip_prefix("delay-ms=").map(str::parse::<u64>) {
                Some(Ok(ms)) if ms <= MAX_DELAY_MS => FaultKind::Delay(Duration::from_millis(ms)),
                Some(Ok(ms)) => {
                    return Err(FaultSpecError(format!(
                        "delay-ms={ms} is over the limit of {MAX_DELAY_MS} (10 minutes)"
                    )));
                }
                Some(Err(_)) => {
                    return Err(FaultSpecError(format!(
                        "'{other}': delay-ms needs a number of milliseconds from 0 to {MAX_DELAY_MS}"
                    )));
                }
                None => return Err(FaultSpecError(format!("'{other}' is not a fault kind"))),
            },
        };
        Ok(Fault {
            operation,
            nth,
            kind,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn specs_read_in_either_operation_spelling() {
        let f: Fault = "UploadLayerPart:2:server-error-after"
            .parse()
            .expect("parses");
        assert_eq!(
            f,
            Fault {
                operation: Operation::UploadLayerPart,
                nth: 2,
                kind: FaultKind::ServerErrorAfter
            }
        );
        let f: Fault = "complete-layer-upload:1:delay-ms=250"
            .parse()
            .expect("parses");
        assert_eq!(f.kind, FaultKind::Delay(Duration::from_millis(250)));
        assert_eq!(f.operation, Operation::CompleteLayerUpload);
        let f: Fault = "CompleteLayerUpload:1:layer-exists-after"
            .parse()
            .expect("parses");
        assert_eq!(f.kind, FaultKind::LayerExistsAfter);
    }

    #[test]
    fn bad_specs_say_what_is_wrong() {
        for bad in [
            "UploadLayerPart:0:throttle",
            "UploadLayerPart:x:throttle",
            "TagResource:1:throttle",
            "UploadLayerPart:1:explode",
            "UploadLayerPart:1",
            "UploadLayerPart:1:delay-ms=-5",
            "UploadLayerPart:1:layer-exists-after",
        ] {
            let err = bad.parse::<Fault>().expect_err(bad);
            assert!(err.to_string().contains("OPERATION:N:KIND"), "{err}");
        }
        let err = "UploadLayerPart:1:delay-ms=700000"
            .parse::<Fault>()
            .expect_err("over the limit");
        assert!(err.to_string().contains("600000"), "{err}");
    }
}
