//! README's table of ECR emulators is made from the committed peer reports
//! (`fixtures/peers/<peer>-<version>.json` and `.html`): this test checks the two agree,
//! and with UPDATE_PEERS=1 (as `scripts/peers` sets it) rewrites the table.

use std::path::Path;

/// Per peer: its licence, and how `scripts/peers` starts it (every committed report's peer
/// must be here).
const ABOUT: &[(&str, &str, &str)] = &[
    (
        "awsim",
        "MIT OR Apache-2.0",
        "`cargo install awsim --version 0.8.0 --locked`; `awsim --bind 127.0.0.1 --port PORT`",
    ),
    (
        "fakecloud",
        "AGPL-3.0",
        "`cargo install fakecloud --version 0.51.0 --locked`; `fakecloud --addr 127.0.0.1:PORT`",
    ),
    (
        "ministack",
        "MIT",
        "`pip install ministack==1.5.33` (own venv); `BIND_HOST=127.0.0.1 GATEWAY_PORT=PORT ministack`",
    ),
    (
        "moto",
        "Apache-2.0",
        "`pip install moto==5.2.5` (scripts/requirements.txt, with flask); `moto_server -H 127.0.0.1 -p PORT`",
    ),
];

const START: &str = "<!-- peers:start -->";
const END: &str = "<!-- peers:end -->";

/// The table's rows, from every committed peer report.
fn table(root: &Path) -> String {
    let mut reports: Vec<_> = std::fs::read_dir(root.join("fixtures/peers"))
        .expect("fixtures/peers")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    reports.sort();
    assert!(!reports.is_empty(), "no peer report is committed");
    let mut out = String::from(
        "| peer | version | licence | started as | report of | FAIL | differs | consequence | layer rules that FAIL | image rules that FAIL | inferred profile (beyond `ecr`) | reports |\n\
         |---|---|---|---|---|---|---|---|---|---|---|---|\n",
    );
    for path in reports {
        let stem = path.file_stem().and_then(|s| s.to_str()).expect("a name");
        let (peer, version) = stem.rsplit_once('-').expect("<peer>-<version>.json");
        let html = path.with_extension("html");
        assert!(
            html.is_file(),
            "{} has no HTML report beside it",
            path.display()
        );
        let (_, licence, started) =
            ABOUT
                .iter()
                .find(|(p, _, _)| *p == peer)
                .unwrap_or_else(|| {
                    panic!("{peer} is not in ABOUT: give its licence and start command")
                });
        let date_file = path.with_extension("date");
        let date = std::fs::read_to_string(&date_file)
            .unwrap_or_else(|e| panic!("{}: {e} (scripts/peers writes it)", date_file.display()));
        let date = date.trim();
        assert!(
            date.len() == 10 && date.chars().filter(|c| *c == '-').count() == 2,
            "{}: {date:?} is not YYYY-MM-DD",
            date_file.display()
        );
        let report: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&path).expect("read")).expect("JSON");
        let inferred: Vec<String> = report["inferred"]
            .as_array()
            .expect("inferred")
            .iter()
            .map(|k| format!("`{}`", k.as_str().expect("knob=value")))
            .collect();
        let failing: Vec<&str> = report["rules"]
            .as_array()
            .expect("rules")
            .iter()
            .filter(|r| r["verdict"] == "FAIL")
            .filter_map(|r| r["id"].as_str())
            .collect();
        // The image rules (spec §9), apart from the layer rules.
        let is_image = |id: &&str| {
            ["IMG-", "GET-", "URL-", "DEL-", "LIST-", "MUT-"]
                .iter()
                .any(|p| id.starts_with(p))
                || *id == "CHECK-3"
        };
        let (image, layer): (Vec<&str>, Vec<&str>) = failing.into_iter().partition(is_image);
        let images_judged = report["rules"].as_array().expect("rules").iter().any(|r| {
            r["id"].as_str().is_some_and(|id| is_image(&id)) && r["checked"].as_u64() > Some(0)
        });
        let none = |v: &[&str]| {
            if v.is_empty() {
                "none".to_owned()
            } else {
                v.join(" ")
            }
        };
        out.push_str(&format!(
            "| {peer} | {version} | {licence} | {started} | {date} | {} | {} | {} | {} | {} | {} | [JSON](fixtures/peers/{stem}.json), [HTML](fixtures/peers/{stem}.html) |\n",
            report["fail"],
            report["differs"],
            report["consequence"],
            none(&layer),
            if images_judged {
                none(&image)
            } else {
                "not judged (the report predates them)".to_owned()
            },
            if inferred.is_empty() {
                "none".to_owned()
            } else {
                inferred.join(", ")
            }
        ));
    }
    out
}

#[test]
fn the_readme_table_of_emulators_matches_the_committed_peer_reports() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let readme_path = root.join("README.md");
    let readme = std::fs::read_to_string(&readme_path).expect("README.md");
    let (Some(start), Some(end)) = (readme.find(START), readme.find(END)) else {
        panic!("README.md has no {START} ... {END} block");
    };
    let want = table(root);
    let have = &readme[start + START.len()..end];
    if std::env::var_os("UPDATE_PEERS").is_some() {
        let updated = format!("{}{START}\n{want}{}", &readme[..start], &readme[end..]);
        std::fs::write(&readme_path, updated).expect("write README.md");
        return;
    }
    assert_eq!(
        have.trim(),
        want.trim(),
        "README's emulator table differs from fixtures/peers: run scripts/peers (or UPDATE_PEERS=1 cargo test --test peers_table)"
    );
}

#[test]
fn the_readme_per_rule_table_of_moto_matches_its_committed_report() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let readme = std::fs::read_to_string(root.join("README.md")).expect("README.md");
    let start = readme
        .find("### moto 5.2.5, as the runner sees it")
        .expect("the moto section");
    let section = &readme[start..];
    let section = &section[..section[4..].find("\n## ").map_or(section.len(), |i| i + 4)];
    let report: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(root.join("fixtures/peers/moto-5.2.5.json")).expect("read"),
    )
    .expect("JSON");
    for rule in report["rules"].as_array().expect("rules") {
        let want = format!(
            "| {} | {} | {} | {} | {} | {} |",
            rule["id"].as_str().expect("id"),
            rule["verdict"].as_str().expect("verdict"),
            rule["checked"],
            rule["fail"],
            rule["differs"],
            rule["consequence"]
        );
        assert!(
            section.lines().any(|l| l.starts_with(&want)),
            "README's moto table has no row starting {want}"
        );
    }
    let totals = format!(
        "**{} FAIL, {}\ndiffers, {} consequence**",
        report["fail"], report["differs"], report["consequence"]
    );
    assert!(
        section.contains(&totals),
        "README's moto totals differ: want {totals}"
    );
}
