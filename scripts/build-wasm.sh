#!/bin/sh
# Trunk post-build hook: builds the app's wasm in two parts and puts them in the staged
# build. Trunk's own rust step cannot do this: the splitter must run between rustc (which
# keeps the relocations it needs, `--emit-relocs`) and wasm-bindgen.
#
#   1. rustc, with the `split` feature: `src/engine.rs` marks the engine's one entry point;
#   2. wasm-split-cli: the first part (what draws the first screen) and the engine, as two
#      (or more) wasm modules that share one memory and one function table, and the
#      `__wasm_split.js` that fetches the engine when it is first asked for;
#   3. wasm-bindgen on the first part, and wasm-opt -Oz (release) on every module;
#   4. all of it into `wasm-<hash>/` (a name that changes with the content, so browsers
#      may keep it for good), index.html given the script that starts the app, and the
#      service worker the list of files to keep for offline starts.
#
# LANDSBYPLAN_KEEP_NAMES=1 keeps the functions' names (for a profile: scripts/bench-profile).
set -eu
keep=""
opt_keep=""
if [ "${LANDSBYPLAN_KEEP_NAMES:-}" = 1 ]; then
  keep=--keep-debug
  opt_keep=-g
fi
staging="${TRUNK_STAGING_DIR:?trunk sets TRUNK_STAGING_DIR for hooks}"
target_dir="${CARGO_TARGET_DIR:-target}"
if [ "${TRUNK_PROFILE:-debug}" = release ]; then
  profile=release
  set -- --release
else
  profile=debug
  set --
fi
cargo rustc --locked --offline "$@" -p landsbyplan --target wasm32-unknown-unknown --bin landsbyplan --features split \
  -- -Clink-arg=--emit-relocs
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
wasm-split-cli --target web --out-name landsbyplan \
  "$target_dir/wasm32-unknown-unknown/$profile/landsbyplan.wasm" "$work/split"
wasm-bindgen --target web --keep-lld-exports --no-demangle --no-typescript $keep \
  --out-dir "$work/out" "$work/split/landsbyplan.wasm"
# Everything but the first part's wasm, which wasm-bindgen rewrote.
for file in "$work/split"/*; do
  case "$(basename "$file")" in
    landsbyplan.wasm) ;;
    *) cp -r "$file" "$work/out/" ;;
  esac
done
if [ "$profile" = release ]; then
  for wasm in "$work/out"/*.wasm; do
    node_modules/.bin/wasm-opt -Oz $opt_keep --enable-bulk-memory --enable-nontrapping-float-to-int \
      --enable-reference-types --enable-sign-ext --enable-mutable-globals --enable-multivalue \
      "$wasm" -o "$wasm"
  done
fi
hash=$(cd "$work/out" && find . -type f | sort | xargs cat | sha256sum | cut -c1-16)
dir="wasm-$hash"
rm -rf "$staging/$dir"
cp -r "$work/out" "$staging/$dir"
files=$(cd "$staging" && find "$dir" -type f | sort | sed 's|^|"/|; s|$|"|' | paste -sd, -)
start="<link rel=\"modulepreload\" href=\"/$dir/landsbyplan.js\" crossorigin=\"anonymous\">\
<link rel=\"modulepreload\" href=\"/$dir/__wasm_split.js\" crossorigin=\"anonymous\">\
<link rel=\"preload\" href=\"/$dir/landsbyplan_bg.wasm\" as=\"fetch\" type=\"application/wasm\" crossorigin=\"anonymous\">\
<script type=\"module\">import init from \"/$dir/landsbyplan.js\"; await init({ module_or_path: \"/$dir/landsbyplan_bg.wasm\" });</script>"
# index.html marks the place with <!-- app-code -->; sw.js with [/*__CODE__*/].
grep -q '<!-- app-code -->' "$staging/index.html"
grep -q '\[/\*__CODE__\*/\]' "$staging/sw.js"
sed -i "s|<!-- app-code -->|$start|" "$staging/index.html"
sed -i "s|\[/\*__CODE__\*/\]|[$files]|" "$staging/sw.js"
echo "wasm: $(cd "$staging/$dir" && ls | tr '\n' ' ')"
