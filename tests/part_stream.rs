//! The fake decodes an `UploadLayerPart` body as it arrives (`wire::stream`); these tests
//! hold it to the whole-body decoder: the same request, the same answer, the same upload
//! hash, for bodies cut into frames anywhere.

use ecr_conformance::fixture::SEED_UPLOAD_ID;
use ecr_conformance::fuzzing::{StreamPath, cut_frames, streamed_and_whole_agree_on};
use ecr_conformance::strategy::fill;
use proptest::prelude::*;

/// The seed upload holds 3 bytes: the next part starts at 3.
const NEXT: usize = 3;

fn b64(bytes: &[u8], padded: bool) -> String {
    use base64::Engine as _;
    if padded {
        base64::engine::general_purpose::STANDARD.encode(bytes)
    } else {
        base64::engine::general_purpose::STANDARD_NO_PAD.encode(bytes)
    }
}

/// A JSON object of these members, in this order.
fn object(members: &[(String, String)], pretty: bool) -> String {
    let sep = if pretty { ",\n  " } else { "," };
    let colon = if pretty { " : " } else { ":" };
    let inner: Vec<String> = members
        .iter()
        .map(|(k, v)| format!("\"{k}\"{colon}{v}"))
        .collect();
    if pretty {
        format!("{{\n  {}\n}}", inner.join(sep))
    } else {
        format!("{{{}}}", inner.join(sep))
    }
}

/// A blob's text with one of the things that may go wrong with it.
#[derive(Debug, Clone)]
enum Flaw {
    None,
    /// A character that is not base64 at this index.
    BadChar(prop::sample::Index, char),
    /// `/` written as the JSON escape `\/`, at the first `/` (or nothing if none).
    EscapedSlash,
    /// A `\u0041`-style escape for the first character.
    UnicodeEscape,
}

fn flaw() -> impl Strategy<Value = Flaw> {
    prop_oneof![
        4 => Just(Flaw::None),
        2 => (any::<prop::sample::Index>(), prop::sample::select(vec!['!', '=', '-', ' ', '_', 'é', '\u{1}']))
            .prop_map(|(i, c)| Flaw::BadChar(i, c)),
        1 => Just(Flaw::EscapedSlash),
        1 => Just(Flaw::UnicodeEscape),
    ]
}

fn blob_json(text: &str, flaw: &Flaw) -> String {
    match flaw {
        Flaw::None => format!("\"{text}\""),
        Flaw::BadChar(at, c) if !text.is_empty() => {
            let i = at.index(text.len());
            let mut t = text.to_owned();
            t.replace_range(i..=i, &c.to_string());
            serde_json::to_string(&t).expect("string")
        }
        Flaw::BadChar(..) => "\"!\"".to_owned(),
        Flaw::EscapedSlash => format!("\"{}\"", text.replacen('/', "\\/", 1)),
        Flaw::UnicodeEscape => match text.chars().next() {
            Some(c) => format!("\"\\u{:04x}{}\"", c as u32, &text[1..]),
            None => "\"\"".to_owned(),
        },
    }
}

prop_compose! {
    /// An `UploadLayerPart` body for the seed upload: members in any order, some missing,
    /// duplicated, escaped, or of the wrong type; the blob right or flawed; the body whole or
    /// cut short.
    fn part_body()(
        len in prop_oneof![4 => 0usize..600, 1 => 60_000usize..400_000],
        seed in any::<u64>(),
        padded in any::<bool>(),
        flaw in flaw(),
        order in Just((0..7usize).collect::<Vec<_>>()).prop_shuffle(),
        drop in prop::option::weighted(0.15, 0usize..7),
        duplicate in prop::option::weighted(0.15, 0usize..7),
        escaped_id in prop::bool::weighted(0.1),
        wrong_start in prop::bool::weighted(0.15),
        pretty in any::<bool>(),
        truncate in prop::option::weighted(0.1, any::<prop::sample::Index>()),
    ) -> Vec<u8> {
        let bytes = fill(len, seed);
        let text = b64(&bytes, padded);
        let first = if wrong_start { NEXT + 1 } else { NEXT };
        let last = (first + len).saturating_sub(1);
        let id = if escaped_id {
            format!("\"\\u{:04x}{}\"", SEED_UPLOAD_ID.as_bytes()[0], &SEED_UPLOAD_ID[1..])
        } else {
            format!("\"{SEED_UPLOAD_ID}\"")
        };
        let all = [
            ("repositoryName".to_owned(), "\"layer-test\"".to_owned()),
            ("uploadId".to_owned(), id),
            ("partFirstByte".to_owned(), first.to_string()),
            ("partLastByte".to_owned(), last.to_string()),
            ("layerPartBlob".to_owned(), blob_json(&text, &flaw)),
            ("registryId".to_owned(), "\"123456789012\"".to_owned()),
            ("x-unknown".to_owned(), "{\"a\":[1,\"}\\\"]\",{\"layerPartBlob\":\"!\"}],\"b\":null}".to_owned()),
        ];
        let mut members: Vec<(String, String)> = order
            .iter()
            .filter(|i| Some(**i) != drop)
            .map(|i| all[*i].clone())
            .collect();
        if let Some(d) = duplicate {
            let m = all[d].clone();
            members.push(m);
        }
        let mut body = object(&members, pretty).into_bytes();
        if let Some(at) = truncate {
            body.truncate(at.index(body.len() + 1));
        }
        body
    }
}

fn frame_sizes(body_len: usize) -> impl Strategy<Value = Vec<usize>> {
    prop_oneof![
        1 => Just(vec![]),
        1 => Just(vec![1]),
        4 => prop::collection::vec(1..=body_len.max(1), 1..6),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// The streaming decoder gives the whole-body decoder's request, answer and upload hash
    /// for every body, cut into frames anywhere (1 byte up to the whole body).
    #[test]
    fn streaming_and_whole_body_decoding_agree_for_any_body_and_any_frame_cuts(
        (body, sizes) in part_body().prop_flat_map(|b| { let n = b.len(); (Just(b), frame_sizes(n)) })
    ) {
        let frames = cut_frames(&body, &sizes);
        streamed_and_whole_agree_on(&body, &frames);
    }

    /// Arbitrary bytes (bad JSON, truncation, anything) never make the two paths disagree.
    #[test]
    fn streaming_and_whole_body_decoding_agree_on_arbitrary_bytes(
        body in prop::collection::vec(any::<u8>(), 0..200),
        sizes in prop::collection::vec(1usize..40, 0..4),
    ) {
        let frames = cut_frames(&body, &sizes);
        streamed_and_whole_agree_on(&body, &frames);
    }
}

fn botocore_body(len: usize) -> Vec<u8> {
    let text = b64(&fill(len, 7), true);
    format!(
        r#"{{"repositoryName": "layer-test", "uploadId": "{SEED_UPLOAD_ID}", "partFirstByte": {NEXT}, "partLastByte": {}, "layerPartBlob": "{text}"}}"#,
        NEXT + len - 1
    )
    .into_bytes()
}

#[test]
fn a_botocore_ordered_part_is_hashed_while_it_arrives_whatever_the_frames() {
    let body = botocore_body(300_000);
    for sizes in [vec![], vec![1], vec![7, 4093], vec![65_536]] {
        let frames = cut_frames(&body, &sizes);
        assert_eq!(
            streamed_and_whole_agree_on(&body, &frames),
            StreamPath::Speculated,
            "frames of {sizes:?}"
        );
    }
}

#[test]
fn a_blob_before_the_upload_id_is_decoded_on_the_way_and_hashed_when_applied() {
    let text = b64(&fill(5000, 1), true);
    let body = format!(
        r#"{{"layerPartBlob":"{text}","repositoryName":"layer-test","uploadId":"{SEED_UPLOAD_ID}","partFirstByte":3,"partLastByte":5002}}"#
    );
    let frames = cut_frames(body.as_bytes(), &[100]);
    assert_eq!(
        streamed_and_whole_agree_on(body.as_bytes(), &frames),
        StreamPath::Streamed
    );
}

#[test]
fn escapes_duplicates_bad_base64_and_truncation_go_to_the_whole_body_decoder() {
    let good = String::from_utf8(botocore_body(3000)).expect("text");
    let cases = [
        good.replacen("layerPartBlob", "layerPart\\u0042lob", 1),
        good.replacen('/', "\\/", 1),
        good.replacen(
            "\"repositoryName\"",
            "\"layerPartBlob\":\"AAAA\",\"repositoryName\"",
            1,
        ),
        {
            let at = good.find("\"layerPartBlob\": \"").expect("blob") + 50;
            format!("{}!{}", &good[..at], &good[at + 1..])
        },
        good[..good.len() - 1].to_owned(),
        format!("{good} x"),
        good.replacen("\"partFirstByte\": 3", "\"partFirstByte\": \"3\"", 1),
    ];
    for body in cases {
        assert!(body != good, "a case did not change the body");
        assert_eq!(
            streamed_and_whole_agree_on(body.as_bytes(), &cut_frames(body.as_bytes(), &[333])),
            StreamPath::Whole,
            "{}",
            &body[..120.min(body.len())]
        );
    }
}
