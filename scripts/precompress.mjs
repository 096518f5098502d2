// Trunk post-build hook (after the service worker is stamped): writes a brotli (`.br`,
// quality 11) and a gzip (`.gz`, level 9) copy beside every text or wasm file of the
// build, so the relay sends each browser the smallest copy it accepts without compressing
// anything while it serves. A copy that would not be smaller is not written. Node's own
// zlib does both, so the build needs no other tool.
//
//   node scripts/precompress.mjs [dir]   # default: $TRUNK_STAGING_DIR
import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { brotliCompressSync, constants, gzipSync } from "node:zlib";

const dir = process.argv[2] ?? process.env.TRUNK_STAGING_DIR;
if (!dir) {
  console.error("usage: node scripts/precompress.mjs DIR (trunk sets TRUNK_STAGING_DIR)");
  process.exit(2);
}

/** The files worth compressing: text and wasm (images are compressed already). */
const COMPRESSIBLE = /\.(wasm|js|mjs|css|html|json|webmanifest|svg|txt|ics)$/;

let before = 0;
let after = 0;
for (const name of readdirSync(dir, { recursive: true })) {
  const path = join(dir, name);
  if (!COMPRESSIBLE.test(name) || !statSync(path).isFile()) continue;
  const bytes = readFileSync(path);
  const copies = {
    br: brotliCompressSync(bytes, {
      params: {
        [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY,
        [constants.BROTLI_PARAM_SIZE_HINT]: bytes.length,
        [constants.BROTLI_PARAM_MODE]: name.endsWith(".wasm") ? constants.BROTLI_MODE_GENERIC : constants.BROTLI_MODE_TEXT,
      },
    }),
    gz: gzipSync(bytes, { level: 9 }),
  };
  for (const [ext, copy] of Object.entries(copies)) {
    if (copy.length < bytes.length) writeFileSync(`${path}.${ext}`, copy);
  }
  before += bytes.length;
  after += Math.min(bytes.length, copies.br.length);
}
console.log(`precompressed ${dir}: ${before} bytes, ${after} as brotli`);
