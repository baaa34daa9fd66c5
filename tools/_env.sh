# Sourced by the tools: find (or install) uv, and sync the workspace from the lock. Safe to run twice.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
if command -v uv >/dev/null 2>&1; then
    UV="$(command -v uv)"
elif [ -x "$HOME/.local/bin/uv" ]; then
    UV="$HOME/.local/bin/uv"
else
    echo "uv not found: installing it with 'python3 -m pip install --user uv'" >&2
    python3 -m pip install --user --quiet uv
    UV="$(python3 -m site --user-base)/bin/uv"
fi
export UV
sync_workspace() {
    "$UV" sync --all-packages --all-extras --locked --compile-bytecode
}
