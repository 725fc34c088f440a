#!/usr/bin/env bash
# Builds the container image from deploy/Dockerfile (multi-stage: the browser module and
# the release binary are built inside, then copied into a slim non-root runtime image).
# Uses docker, else podman. Nothing in the test suite needs this or a container runtime.
# Usage: scripts/build-image.sh [TAG]   (default jianfu:<workspace version>)
set -euo pipefail
cd "$(dirname "$0")/.."

version=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)
tag=${1:-jianfu:$version}

if command -v docker >/dev/null; then
  tool=docker
elif command -v podman >/dev/null; then
  tool=podman
else
  echo "neither docker nor podman is installed: install one to build the image" >&2
  exit 1
fi

# BuildKit reads deploy/Dockerfile.dockerignore (next to the Dockerfile) for this context.
DOCKER_BUILDKIT=1 "$tool" build -f deploy/Dockerfile -t "$tag" .
echo "built $tag"
echo "run:   $tool run --rm -p 8080:8080 -e JIANFU_JWT_SECRET=\$(openssl rand -hex 32) -v jianfu-data:/var/lib/jianfu $tag"
