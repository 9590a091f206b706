//! Registry clients nobody here wrote push through the fake's `/v2/` door, and the pinned AWS
//! CLI then finds what they pushed through the API door (XDOOR-1): skopeo (Debian; one
//! streamed PATCH per blob), oras-py (monolithic, and chunked with `Content-Range`),
//! python-dxf (one PUT); and skopeo pulls back over `/v2/` what it and the AWS CLI pushed,
//! the layers coming from the fake's blob store through the storage redirect (REG-6, §11).
//! `scripts/test` installs them; without them these tests fail with the reason.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::clients::{aws, json_of, python, run, with_test_env};
use common::served::{Served, serve};
use ecr_conformance::model::digest::digest_of;
use ecr_conformance::strategy::fill;

const MIB: usize = 1024 * 1024;

fn host(served: &Served) -> String {
    served.url.trim_start_matches("http://").to_owned()
}

fn script(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/clients")
        .join(name)
        .display()
        .to_string()
}

fn skopeo() -> PathBuf {
    let p = std::env::var_os("ECR_CONFORMANCE_SKOPEO")
        .map_or_else(|| PathBuf::from("/usr/bin/skopeo"), PathBuf::from);
    assert!(
        p.exists(),
        "{} is missing: run scripts/test, which installs Debian's skopeo, or set \
         ECR_CONFORMANCE_SKOPEO",
        p.display()
    );
    p
}

/// `aws ecr <args>` (the pinned CLI v1) against `served`, its JSON.
fn ecr(served: &Served, args: &[&str]) -> serde_json::Value {
    let mut cmd = with_test_env(Command::new(aws()));
    cmd.args(["--endpoint-url", &served.url, "--output", "json", "ecr"])
        .args(args);
    json_of(&run(cmd))
}

/// An OCI image layout in `dir` holding one image of these layers, tagged `tag`; the
/// layers' digests and the manifest's digest.
fn layout(dir: &Path, layers: &[Vec<u8>], tag: &str) -> (Vec<String>, String) {
    let blobs = dir.join("blobs/sha256");
    std::fs::create_dir_all(&blobs).expect("layout dir");
    let put = |bytes: &[u8]| {
        let d = digest_of(bytes);
        std::fs::write(blobs.join(&d[7..]), bytes).expect("blob");
        d
    };
    let digests: Vec<String> = layers.iter().map(|l| put(l)).collect();
    let config = serde_json::json!({
        "architecture": "amd64", "os": "linux",
        "rootfs": {"type": "layers", "diff_ids": digests},
    })
    .to_string();
    let config_digest = put(config.as_bytes());
    let manifest = serde_json::json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                   "digest": config_digest, "size": config.len()},
        "layers": layers.iter().zip(&digests).map(|(l, d)| serde_json::json!({
            "mediaType": "application/vnd.oci.image.layer.v1.tar", "digest": d, "size": l.len()
        })).collect::<Vec<_>>(),
    })
    .to_string();
    let manifest_digest = put(manifest.as_bytes());
    let index = serde_json::json!({
        "schemaVersion": 2,
        "manifests": [{"mediaType": "application/vnd.oci.image.manifest.v1+json",
                       "digest": manifest_digest, "size": manifest.len(),
                       "annotations": {"org.opencontainers.image.ref.name": tag}}],
    });
    std::fs::write(dir.join("index.json"), index.to_string()).expect("index");
    std::fs::write(dir.join("oci-layout"), r#"{"imageLayoutVersion":"1.0.0"}"#)
        .expect("oci-layout");
    (digests, manifest_digest)
}

#[test]
fn skopeo_copies_an_image_to_serve_and_the_aws_cli_finds_it() {
    let served = serve(&["--repository", "team/app"]);
    let dir = common::tempdir("skopeo-layout");
    // Several layers, one over 20 MiB (skopeo sends each in one PATCH: the fake splits it).
    let layers = vec![fill(3 * MIB, 1), fill(21 * MIB, 2), fill(1000, 3)];
    let (digests, manifest_digest) = layout(&dir, &layers, "v1");
    let out = run({
        let mut cmd = Command::new(skopeo());
        // --preserve-digests: the layers as they are, not compressed on the way.
        cmd.args([
            "--insecure-policy",
            "copy",
            "--dest-tls-verify=false",
            "--preserve-digests",
        ])
        .arg(format!("oci:{}:v1", dir.display()))
        .arg(format!("docker://{}/team/app:v1", host(&served)));
        cmd
    });
    assert!(
        out.status.success(),
        "skopeo: {}",
        String::from_utf8_lossy(&out.stderr)
    );

    let mut args = vec![
        "batch-check-layer-availability",
        "--repository-name",
        "team/app",
    ];
    args.push("--layer-digests");
    args.extend(digests.iter().map(String::as_str));
    let check = ecr(&served, &args);
    let found: Vec<(String, u64)> = check["layers"]
        .as_array()
        .expect("layers")
        .iter()
        .map(|l| {
            assert_eq!(l["layerAvailability"], "AVAILABLE", "{l}");
            (
                l["layerDigest"].as_str().unwrap_or_default().to_owned(),
                l["layerSize"].as_u64().unwrap_or_default(),
            )
        })
        .collect();
    let want: Vec<(String, u64)> = digests
        .iter()
        .cloned()
        .zip(layers.iter().map(|l| l.len() as u64))
        .collect();
    assert_eq!(found, want);

    let described = ecr(
        &served,
        &["describe-images", "--repository-name", "team/app"],
    );
    let detail = &described["imageDetails"][0];
    assert_eq!(detail["imageDigest"], manifest_digest.as_str());
    assert_eq!(detail["imageTags"], serde_json::json!(["v1"]));
    let url = ecr(
        &served,
        &[
            "get-download-url-for-layer",
            "--repository-name",
            "team/app",
            "--layer-digest",
            &digests[1],
        ],
    );
    assert!(url["downloadUrl"].as_str().is_some_and(|u| !u.is_empty()));

    // And skopeo pulls it back over /v2/: every blob's bytes as pushed.
    let back = common::tempdir("skopeo-pulled");
    pull(&served, "team/app:v1", &back);
    for (layer, digest) in layers.iter().zip(&digests) {
        let got = std::fs::read(back.join("blobs/sha256").join(&digest[7..])).expect("pulled");
        assert!(got == *layer, "{digest}: pulled bytes differ");
    }
}

/// `skopeo copy docker://<served>/<reference> oci:<dir>:pulled`, asserted to succeed.
fn pull(served: &Served, reference: &str, dir: &Path) {
    let out = run({
        let mut cmd = Command::new(skopeo());
        // --preserve-digests: the blobs as they are, not compressed on the way.
        cmd.args([
            "--insecure-policy",
            "copy",
            "--src-tls-verify=false",
            "--preserve-digests",
        ])
        .arg(format!("docker://{}/{reference}", host(served)))
        .arg(format!("oci:{}:pulled", dir.display()));
        cmd
    });
    assert!(
        out.status.success(),
        "skopeo pull: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn an_image_the_aws_cli_puts_is_pulled_back_over_v2_by_skopeo() {
    let served = serve(&["--repository", "cli/app"]);
    let dir = common::tempdir("cli-push");
    // A layer of two parts (5 MiB and 1 MiB) and a config, each through the API door.
    let layer = fill(6 * MIB, 11);
    let config =
        br#"{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}"#;
    let push = |bytes: &[u8], part: usize| -> String {
        let upload = ecr(
            &served,
            &["initiate-layer-upload", "--repository-name", "cli/app"],
        );
        let id = upload["uploadId"].as_str().expect("uploadId").to_owned();
        for (n, chunk) in bytes.chunks(part).enumerate() {
            let file = dir.join(format!("part-{n}"));
            std::fs::write(&file, chunk).expect("part file");
            let (first, last) = (n * part, n * part + chunk.len() - 1);
            ecr(
                &served,
                &[
                    "upload-layer-part",
                    "--repository-name",
                    "cli/app",
                    "--upload-id",
                    &id,
                    "--part-first-byte",
                    &first.to_string(),
                    "--part-last-byte",
                    &last.to_string(),
                    "--layer-part-blob",
                    &format!("fileb://{}", file.display()),
                ],
            );
        }
        let digest = digest_of(bytes);
        let done = ecr(
            &served,
            &[
                "complete-layer-upload",
                "--repository-name",
                "cli/app",
                "--upload-id",
                &id,
                "--layer-digests",
                &digest,
            ],
        );
        assert_eq!(done["layerDigest"], digest.as_str(), "{done}");
        digest
    };
    let layer_digest = push(&layer, 5 * MIB);
    let config_digest = push(config, MIB);
    let manifest = serde_json::json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                   "digest": config_digest, "size": config.len()},
        "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar",
                    "digest": layer_digest, "size": layer.len()}],
    })
    .to_string();
    let put = ecr(
        &served,
        &[
            "put-image",
            "--repository-name",
            "cli/app",
            "--image-tag",
            "v1",
            "--image-manifest",
            &manifest,
        ],
    );
    assert_eq!(put["image"]["imageId"]["imageTag"], "v1", "{put}");

    let back = common::tempdir("cli-pulled");
    pull(&served, "cli/app:v1", &back);
    let got = std::fs::read(back.join("blobs/sha256").join(&layer_digest[7..])).expect("layer");
    assert!(got == layer, "the pulled layer differs from the pushed one");
    let got = std::fs::read(back.join("blobs/sha256").join(&config_digest[7..])).expect("config");
    assert_eq!(got, config);
}

fn oras(
    served: &Served,
    target: &str,
    mode: &str,
    chunk: usize,
    files: &[PathBuf],
) -> std::process::Output {
    let mut cmd = with_test_env(Command::new(python()));
    cmd.arg(script("oras_push.py"))
        .args([
            host(served),
            target.to_owned(),
            mode.to_owned(),
            chunk.to_string(),
        ])
        .args(files);
    run(cmd)
}

#[test]
fn oras_py_pushes_monolithic_and_in_5_mib_chunks_and_the_aws_cli_finds_the_layers() {
    for (mode, chunk) in [("monolithic", 0), ("chunked", 5 * MIB)] {
        let served = serve(&["--repository", "art"]);
        let dir = common::tempdir("oras");
        let layer = fill(12 * MIB, 9);
        let file = dir.join("layer.bin");
        std::fs::write(&file, &layer).expect("file");
        let out = oras(&served, "art:v1", mode, chunk.max(MIB), &[file]);
        assert!(
            out.status.success(),
            "{mode}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "201");
        let digest = digest_of(&layer);
        let check = ecr(
            &served,
            &[
                "batch-check-layer-availability",
                "--repository-name",
                "art",
                "--layer-digests",
                &digest,
            ],
        );
        assert_eq!(
            check["layers"][0]["layerAvailability"], "AVAILABLE",
            "{mode}"
        );
        let images = ecr(&served, &["list-images", "--repository-name", "art"]);
        assert_eq!(images["imageIds"][0]["imageTag"], "v1", "{mode}");
    }
}

#[test]
fn oras_py_in_1_mib_chunks_is_refused_at_the_final_put_as_ecr_refuses_it() {
    // REG-4: chunks under 5 MiB before the last are taken at PATCH time, and the final PUT
    // fails with BLOB_UPLOAD_INVALID. oras-py's chunk size is the user's to pick: at 1 MiB
    // the push fails on ECR, as the fake shows.
    let served = serve(&["--repository", "art"]);
    let dir = common::tempdir("oras-small");
    let file = dir.join("layer.bin");
    std::fs::write(&file, fill(3 * MIB, 4)).expect("file");
    let out = oras(&served, "art:v1", "chunked", MIB, &[file]);
    assert!(!out.status.success(), "the push must fail");
    let stderr = String::from_utf8_lossy(&out.stderr);
    // oras-py shows the message of the 400 BLOB_UPLOAD_INVALID: the API's.
    assert!(
        stderr.contains("Layer parts must be at least 5 MiB in size"),
        "{stderr}"
    );
}

#[test]
fn python_dxf_pushes_a_blob_in_one_put() {
    let served = serve(&["--repository", "dxf"]);
    let dir = common::tempdir("dxf");
    let layer = fill(7 * MIB, 5);
    let file = dir.join("blob.bin");
    std::fs::write(&file, &layer).expect("file");
    let mut cmd = with_test_env(Command::new(python()));
    cmd.arg(script("dxf_push.py"))
        .args([host(&served), "dxf".to_owned()])
        .arg(&file);
    let out = run(cmd);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let digest = digest_of(&layer);
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), digest);
    let check = ecr(
        &served,
        &[
            "batch-check-layer-availability",
            "--repository-name",
            "dxf",
            "--layer-digests",
            &digest,
        ],
    );
    assert_eq!(check["layers"][0]["layerAvailability"], "AVAILABLE");
    assert_eq!(check["layers"][0]["layerSize"], 7 * MIB as u64);
}

#[test]
fn with_require_auth_skopeo_pushes_and_pulls_with_the_aws_clis_login_password() {
    let served = serve(&["--repository", "auth/app", "--require-auth"]);
    // `aws ecr get-login-password` is GetAuthorizationToken, decoded to the password.
    let out = run({
        let mut cmd = with_test_env(Command::new(aws()));
        cmd.args(["--endpoint-url", &served.url, "ecr", "get-login-password"]);
        cmd
    });
    assert!(
        out.status.success(),
        "get-login-password: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let password = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    assert!(!password.is_empty());
    let creds = format!("AWS:{password}");

    let dir = common::tempdir("auth-layout");
    let layers = vec![fill(6 * MIB, 21)];
    let (digests, _) = layout(&dir, &layers, "v1");
    let copy = |extra: &[&str], from: String, to: String| {
        run({
            let mut cmd = Command::new(skopeo());
            cmd.args(["--insecure-policy", "copy", "--preserve-digests"])
                .args(extra)
                .arg(from)
                .arg(to);
            cmd
        })
    };
    let dest = format!("docker://{}/auth/app:v1", host(&served));
    // Without credentials the push is refused (401).
    let refused = copy(
        &["--dest-tls-verify=false"],
        format!("oci:{}:v1", dir.display()),
        dest.clone(),
    );
    assert!(
        !refused.status.success(),
        "a push without a token went through"
    );
    let said = String::from_utf8_lossy(&refused.stderr).to_lowercase();
    assert!(
        said.contains("401") || said.contains("unauthorized"),
        "refused for another reason: {said}"
    );
    let pushed = copy(
        &["--dest-tls-verify=false", "--dest-creds", &creds],
        format!("oci:{}:v1", dir.display()),
        dest.clone(),
    );
    assert!(
        pushed.status.success(),
        "skopeo push: {}",
        String::from_utf8_lossy(&pushed.stderr)
    );
    // The pull follows the blob GET's redirect to the storage without the registry's
    // Authorization (the storage would refuse it with 400).
    let back = common::tempdir("auth-pulled");
    let pulled = copy(
        &["--src-tls-verify=false", "--src-creds", &creds],
        dest,
        format!("oci:{}:pulled", back.display()),
    );
    assert!(
        pulled.status.success(),
        "skopeo pull: {}",
        String::from_utf8_lossy(&pulled.stderr)
    );
    let got = std::fs::read(back.join("blobs/sha256").join(&digests[0][7..])).expect("layer");
    assert!(got == layers[0], "pulled bytes differ");
}
