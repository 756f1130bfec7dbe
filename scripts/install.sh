#!/usr/bin/env bash
# Builds labeille in release mode and copies the one binary to PREFIX/bin (default ~/.local).
# The binary carries its schema and views, so it works from anywhere once copied.
# Usage: scripts/install.sh [PREFIX]
set -euo pipefail
prefix=${1:-$HOME/.local}
cd "$(dirname "$0")/.."
swift build -c release --product labeille
mkdir -p "$prefix/bin"
install -m 0755 "$(swift build -c release --show-bin-path)/labeille" "$prefix/bin/labeille"
echo "installed $prefix/bin/labeille"
case ":$PATH:" in
  *":$prefix/bin:"*) ;;
  *) echo "note: $prefix/bin is not on PATH; add it with: export PATH=\"$prefix/bin:\$PATH\"" ;;
esac
