# Sourced by scripts/test and scripts/bench: installs the pinned Python clients
# (scripts/requirements.txt: awscli, boto3, moto, capo-ecr) in .venv when they are missing or stale,
# and exports where they are.
venv=.venv
if ! cmp -s scripts/requirements.txt "$venv/.installed" 2>/dev/null; then
  echo "$0: installing the pinned Python clients in $venv" >&2
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r scripts/requirements.txt
  cp scripts/requirements.txt "$venv/.installed"
fi
export ECR_CONFORMANCE_PYTHON="$PWD/$venv/bin/python"
export ECR_CONFORMANCE_AWS="$PWD/$venv/bin/aws"
export ECR_CONFORMANCE_MOTO_SERVER="$PWD/$venv/bin/moto_server"
