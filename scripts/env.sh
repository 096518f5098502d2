# Sourced by scripts/run and scripts/test: points trunk and the test runners at the tools
# scripts/setup installed, so nothing is ever downloaded during a build.
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export PATH="$root/node_modules/.bin:$HOME/.cargo/bin:$PATH"
export CHROMEDRIVER="${CHROMEDRIVER:-$(command -v chromedriver)}"
export CHROMIUM="${CHROMIUM:-$(command -v chromium)}"
export TRUNK_OFFLINE=true
unset root
