//! Typed evidence: what the compare step finds, the knob changes that explain a step, and
//! the verdict on a rule. The judge decides on these values; text exists only where a
//! report renders them for a person (and where JSON reports carry them, as strings a
//! reader can parse back).

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;

use crate::model::RuleId;

/// A body member the compare step reads, spelled as AWS spells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Member {
    /// `uploadId`.
    UploadId,
    /// `partSize`.
    PartSize,
    /// `lastByteReceived`.
    LastByteReceived,
    /// `lastValidByteReceived`.
    LastValidByteReceived,
    /// `registryId`.
    RegistryId,
    /// `repositoryName`.
    RepositoryName,
    /// `layerDigest`.
    LayerDigest,
    /// `layers`.
    Layers,
    /// `failures`.
    Failures,
    /// `imageDigest`.
    ImageDigest,
    /// `imageTag`.
    ImageTag,
    /// `imageManifest`.
    ImageManifest,
    /// `imageManifestMediaType`.
    ImageManifestMediaType,
    /// `images`.
    Images,
    /// `imageIds`.
    ImageIds,
    /// `imageDetails`.
    ImageDetails,
    /// `imagePushedAt`.
    ImagePushedAt,
    /// `nextToken`.
    NextToken,
    /// `downloadUrl`.
    DownloadUrl,
    /// `imageTagMutability`.
    ImageTagMutability,
}

impl Member {
    /// Every member, for reading a name back.
    pub const ALL: &'static [Member] = &[
        Member::UploadId,
        Member::PartSize,
        Member::LastByteReceived,
        Member::LastValidByteReceived,
        Member::RegistryId,
        Member::RepositoryName,
        Member::LayerDigest,
        Member::Layers,
        Member::Failures,
        Member::ImageDigest,
        Member::ImageTag,
        Member::ImageManifest,
        Member::ImageManifestMediaType,
        Member::Images,
        Member::ImageIds,
        Member::ImageDetails,
        Member::ImagePushedAt,
        Member::NextToken,
        Member::DownloadUrl,
        Member::ImageTagMutability,
    ];

    /// The member's name on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Member::UploadId => "uploadId",
            Member::PartSize => "partSize",
            Member::LastByteReceived => "lastByteReceived",
            Member::LastValidByteReceived => "lastValidByteReceived",
            Member::RegistryId => "registryId",
            Member::RepositoryName => "repositoryName",
            Member::LayerDigest => "layerDigest",
            Member::Layers => "layers",
            Member::Failures => "failures",
            Member::ImageDigest => "imageDigest",
            Member::ImageTag => "imageTag",
            Member::ImageManifest => "imageManifest",
            Member::ImageManifestMediaType => "imageManifestMediaType",
            Member::Images => "images",
            Member::ImageIds => "imageIds",
            Member::ImageDetails => "imageDetails",
            Member::ImagePushedAt => "imagePushedAt",
            Member::NextToken => "nextToken",
            Member::DownloadUrl => "downloadUrl",
            Member::ImageTagMutability => "imageTagMutability",
        }
    }

    /// Whether the member counts bytes (a divergence on it says the target holds another
    /// number of bytes).
    pub fn counts_bytes(self) -> bool {
        matches!(
            self,
            Member::LastByteReceived | Member::LastValidByteReceived
        )
    }
}

/// What a divergence is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum On {
    /// Success where the model answered an error, or the other way round.
    Answer,
    /// The error's name.
    Error,
    /// The HTTP status class.
    Status,
    /// The `Content-Type` of a success.
    ContentType,
    /// The body as a whole (a success that is not a JSON object).
    Body,
    /// A named member of the body.
    Member(Member),
    /// A header of a registry-door answer.
    Header(Header),
}

/// A header of a registry-door (`/v2/`) answer a rule speaks of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Header {
    /// `Location`.
    Location,
    /// `Range`.
    Range,
    /// `Docker-Content-Digest`.
    DockerContentDigest,
    /// `Content-Length`.
    ContentLength,
}

impl Header {
    /// Every header, in a fixed order.
    pub const ALL: &'static [Header] = &[
        Header::Location,
        Header::Range,
        Header::DockerContentDigest,
        Header::ContentLength,
    ];

    /// The header's name as HTTP writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            Header::Location => "Location",
            Header::Range => "Range",
            Header::DockerContentDigest => "Docker-Content-Digest",
            Header::ContentLength => "Content-Length",
        }
    }
}

impl On {
    /// How reports name it.
    pub fn as_str(self) -> &'static str {
        match self {
            On::Answer => "answer",
            On::Error => "error",
            On::Status => "status",
            On::ContentType => "Content-Type",
            On::Body => "body",
            On::Member(m) => m.as_str(),
            On::Header(h) => h.as_str(),
        }
    }

    /// The name back from a report.
    pub fn from_name(name: &str) -> Option<On> {
        let fixed = [On::Answer, On::Error, On::Status, On::ContentType, On::Body];
        fixed
            .into_iter()
            .chain(Member::ALL.iter().map(|m| On::Member(*m)))
            .chain(Header::ALL.iter().map(|h| On::Header(*h)))
            .find(|o| o.as_str() == name)
    }

    /// Whether the divergence is about what kind of answer came (success or which error),
    /// rather than a member of it.
    pub fn is_answer(self) -> bool {
        matches!(self, On::Answer | On::Error)
    }
}

impl fmt::Display for On {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

/// A value one side showed.
#[derive(Debug, Clone, PartialEq)]
pub enum Shown {
    /// The member (or the answer) was absent.
    Absent,
    /// A JSON value (rendered as JSON: a string in quotes).
    Json(Value),
    /// A description for people (`an id in the UploadId pattern`, an error name).
    Text(String),
}

impl Shown {
    /// A description.
    pub fn text(s: impl Into<String>) -> Shown {
        Shown::Text(s.into())
    }

    /// The value as a JSON integer, if it is one.
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Shown::Json(v) => v.as_i64(),
            _ => None,
        }
    }
}

impl From<Value> for Shown {
    fn from(v: Value) -> Shown {
        Shown::Json(v)
    }
}

impl fmt::Display for Shown {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Shown::Absent => f.write_str("absent"),
            Shown::Text(s) => f.write_str(s),
            Shown::Json(v) => write!(f, "{v}"),
        }
    }
}

impl Serialize for Shown {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Shown {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Ok(if text == "absent" {
            Shown::Absent
        } else {
            Shown::Text(text)
        })
    }
}

/// One way the target's answer differs from the model's.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Divergence {
    /// The rule broken.
    pub rule: RuleId,
    /// What differs (`what` in reports).
    #[serde(rename = "what", with = "on_name")]
    pub on: On,
    /// What the model expected.
    pub expected: Shown,
    /// What the target showed.
    pub actual: Shown,
}

impl Divergence {
    /// A divergence on `rule` of `on`.
    pub fn new(rule: RuleId, on: On, expected: Shown, actual: Shown) -> Self {
        Divergence {
            rule,
            on,
            expected,
            actual,
        }
    }
}

mod on_name {
    use super::On;
    use serde::{Deserialize, Deserializer, Serializer};

    pub(super) fn serialize<S: Serializer>(on: &On, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(on.as_str())
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<On, D::Error> {
        let name = String::deserialize(d)?;
        On::from_name(&name)
            .ok_or_else(|| serde::de::Error::custom(format!("not a divergence subject: {name}")))
    }
}

/// Every knob's name and the rules it decides, read once from the profile.
fn knob_rules() -> &'static [(&'static str, &'static [RuleId])] {
    static KNOBS: std::sync::OnceLock<Vec<(&'static str, &'static [RuleId])>> =
        std::sync::OnceLock::new();
    KNOBS.get_or_init(|| {
        let profile = crate::model::Profile::ecr();
        profile
            .knobs()
            .into_iter()
            .chain(profile.door_knobs())
            .map(|k| (k.name, k.rules))
            .collect()
    })
}

/// One knob set to one value.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct KnobChange {
    /// The knob's name (`failed-completion`).
    pub knob: &'static str,
    /// Its value (`consumes-upload`).
    pub value: String,
}

impl KnobChange {
    /// `knob=value` read back from a report; `None` where the knob is not one of the
    /// profile's.
    pub fn parse(pair: &str) -> Option<KnobChange> {
        let (name, value) = pair.split_once('=')?;
        let (knob, _) = knob_rules().iter().find(|(k, _)| *k == name)?;
        Some(KnobChange {
            knob,
            value: value.to_owned(),
        })
    }

    /// The rules the knob decides.
    pub fn rules(&self) -> &'static [RuleId] {
        knob_rules()
            .iter()
            .find(|(k, _)| *k == self.knob)
            .map_or(&[], |(_, rules)| rules)
    }
}

impl fmt::Display for KnobChange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}={}", self.knob, self.value)
    }
}

impl Serialize for KnobChange {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for KnobChange {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        KnobChange::parse(&text)
            .ok_or_else(|| serde::de::Error::custom(format!("not a knob=value pair: {text}")))
    }
}

/// A set of knob changes that together explain a step (one knob, or two of one rule).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Explanation(pub Vec<KnobChange>);

impl fmt::Display for Explanation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, change) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write!(f, "{change}")?;
        }
        Ok(())
    }
}

impl Serialize for Explanation {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Explanation {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        text.split(", ")
            .map(|pair| {
                KnobChange::parse(pair)
                    .ok_or_else(|| serde::de::Error::custom(format!("not a knob=value: {pair}")))
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Explanation)
    }
}

/// The verdict on a rule over a whole run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum RuleVerdict {
    /// Exercised, and every step on it agreed (or diverged only as a consequence).
    #[serde(rename = "pass")]
    Pass,
    /// A step breaks it.
    #[serde(rename = "FAIL")]
    Fail,
    /// A step makes another legal choice on it (and none breaks it).
    #[serde(rename = "differs")]
    Differs,
    /// Never exercised.
    #[serde(rename = "unseen")]
    Unseen,
}

impl RuleVerdict {
    /// The word reports print.
    pub fn as_str(self) -> &'static str {
        match self {
            RuleVerdict::Pass => "pass",
            RuleVerdict::Fail => "FAIL",
            RuleVerdict::Differs => "differs",
            RuleVerdict::Unseen => "unseen",
        }
    }
}

impl fmt::Display for RuleVerdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_subject_reads_back_from_its_name() {
        for m in Member::ALL {
            assert_eq!(On::from_name(m.as_str()), Some(On::Member(*m)));
        }
        for on in [On::Answer, On::Error, On::Status, On::ContentType, On::Body] {
            assert_eq!(On::from_name(on.as_str()), Some(on));
        }
        assert_eq!(On::from_name("nonsense"), None);
    }

    #[test]
    fn explanations_read_back_from_reports_and_refuse_unknown_knobs() {
        let e = Explanation(vec![
            KnobChange::parse("failed-completion=consumes-upload").expect("knob"),
            KnobChange::parse("nothing-received-yet=zero").expect("knob"),
        ]);
        let json = serde_json::to_string(&e).expect("json");
        assert_eq!(
            json,
            "\"failed-completion=consumes-upload, nothing-received-yet=zero\""
        );
        assert_eq!(serde_json::from_str::<Explanation>(&json).expect("back"), e);
        assert!(serde_json::from_str::<Explanation>("\"no-such-knob=1\"").is_err());
    }
}
