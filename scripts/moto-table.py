#!/usr/bin/env python3
"""Rewrites README.md's per-rule table of moto from fixtures/peers/moto-5.2.5.json
(tests/peers_table.rs checks the two agree; scripts/peers runs this after the report)."""
import json, pathlib, re, sys

root = pathlib.Path(__file__).resolve().parent.parent
report = json.loads((root / "fixtures/peers/moto-5.2.5.json").read_text())

def short(v, n=60):
    text = v if isinstance(v, str) else json.dumps(v)
    text = text.replace("\n", "\\n").replace("|", "\\|").replace("`", "'")
    return text if len(text) <= n else text[:n] + "..."

rows = ["| rule | verdict | checked | FAIL | differs | consequence | first FAIL or differs |",
        "|---|---|---|---|---|---|---|"]
for r in report["rules"]:
    first = r.get("first")
    note = ""
    if first:
        d = first["divergence"]
        note = (f"{first['case']} step {first['step']['index']}: {d['what']} expected "
                f"`{short(d['expected'])}`, got `{short(d['actual'])}`")
        if first["step"].get("knobs"):
            note += " (explained by " + ", ".join(first["step"]["knobs"]) + ")"
    rows.append(f"| {r['id']} | {r['verdict']} | {r['checked']} | {r['fail']} | {r['differs']} | "
                f"{r['consequence']} | {note} |")
table = "\n".join(rows)

readme = (root / "README.md").read_text()
start = readme.index("### moto 5.2.5, as the runner sees it")
end = readme.index("\n## ", start)
section = readme[start:end]
inferred = ", ".join(f"`{k}`" for k in report["inferred"]) or "none"
section = re.sub(r"\*\*\d+ FAIL, \d+\ndiffers, \d+ consequence\*\*; inferred profile: [^\n]*\.",
                 f"**{report['fail']} FAIL, {report['differs']}\ndiffers, {report['consequence']} consequence**; "
                 f"inferred profile: `ecr` with {inferred}.", section)
section = re.sub(r"\| rule \| verdict \|.*?(?=\n\n|\Z)", lambda _: table, section, flags=re.S)
(root / "README.md").write_text(readme[:start] + section + readme[end:])
