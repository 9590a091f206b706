#!/bin/bash -eu
# ClusterFuzzLite / OSS-Fuzz build: the same cargo-fuzz targets, with the sanitizers the
# platform chooses; seed corpora are zipped from fuzz/corpus.
cd "$SRC/ecr-conformance"
cargo fuzz build -O
for t in $(cargo fuzz list); do
  cp "fuzz/target/x86_64-unknown-linux-gnu/release/$t" "$OUT/"
  if [ -d "fuzz/corpus/$t" ]; then
    (cd "fuzz/corpus/$t" && zip -q -r "$OUT/${t}_seed_corpus.zip" .)
  fi
done
