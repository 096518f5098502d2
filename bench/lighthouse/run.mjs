// A phone's first and repeat visit, as Lighthouse measures them: the mobile preset (a
// mid-range phone on a slow 4G network, simulated), performance category only, against
// the relay serving the release build on 127.0.0.1, beside the bare Leptos page served
// the same way. Run through scripts/bench-app: `node bench/lighthouse/run.mjs`.
//
// First visit: a fresh profile (Lighthouse clears storage and cache first). Repeat visit:
// the same browser again with storage kept, so the service worker and its cache serve the
// app, as on a phone that has opened Landsbyplan before.
//
// Lighthouse's simulated throttling replays one fast local load, and its estimate moves
// with what happened to start before the first paint in that load; so each page is
// measured RUNS times (default 5), each in a fresh browser, and the table gives the
// median of every figure and the range of the first visit's LCP.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as chromeLauncher from "chrome-launcher";
import lighthouse from "lighthouse";
import { startRelay } from "../../tests/e2e/support.mjs";

const root = new URL("../../", import.meta.url).pathname;
const FLAGS = [
  "--headless=new",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-dev-shm-usage",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** One Lighthouse run of `url` in the browser on `port`: the figures the benchmark keeps. */
async function measure(url, port, keepStorage) {
  const result = await lighthouse(url, {
    port,
    output: "json",
    logLevel: "error",
    onlyCategories: ["performance"],
    disableStorageReset: keepStorage,
  });
  const lhr = result.lhr;
  if (lhr.runtimeError) throw new Error(`${url}: ${lhr.runtimeError.message}`);
  const audit = (id) => lhr.audits[id]?.numericValue;
  return {
    performance: lhr.categories.performance.score,
    fcp: audit("first-contentful-paint"),
    lcp: audit("largest-contentful-paint"),
    tbt: audit("total-blocking-time"),
    tti: audit("interactive"),
    bytes: audit("total-byte-weight"),
    lighthouse: lhr.lighthouseVersion,
  };
}

/** First and repeat visit of `url` in a browser of its own. */
async function visits(url) {
  const chrome = await chromeLauncher.launch({
    chromePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    chromeFlags: FLAGS,
    userDataDir: mkdtempSync(join(tmpdir(), "landsbyplan-lighthouse-")),
  });
  try {
    const first = await measure(url, chrome.port, false);
    const repeat = await measure(url, chrome.port, true);
    return { first, repeat };
  } finally {
    await chrome.kill();
  }
}

const RUNS = Number(process.env.RUNS ?? 5);

/** The median of `values`. */
function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** The median of each figure of `runs`, with the range of LCP. */
function medians(runs) {
  const figure = (key) => median(runs.map((r) => r[key]));
  const lcps = runs.map((r) => r.lcp);
  return {
    performance: figure("performance"),
    fcp: figure("fcp"),
    lcp: figure("lcp"),
    lcpRange: [Math.min(...lcps), Math.max(...lcps)],
    tbt: figure("tbt"),
    tti: figure("tti"),
    bytes: figure("bytes"),
    lighthouse: runs[0].lighthouse,
  };
}

const pages = [
  ["Landsbyplan (dist/)", join(root, "dist")],
  ["bare Leptos page (bench/bare/dist/)", join(root, "bench/bare/dist")],
];
const rows = [];
let version = "";
for (const [name, dist] of pages) {
  const relay = await startRelay({ dist });
  try {
    const runs = [];
    for (let n = 0; n < RUNS; n++) runs.push(await visits(relay.url));
    const first = medians(runs.map((r) => r.first));
    const repeat = medians(runs.map((r) => r.repeat));
    version = first.lighthouse;
    rows.push([name, "first visit", first], [name, "repeat visit", repeat]);
  } finally {
    await relay.stop();
  }
}
const ms = (v) => (v === undefined ? "–" : (v / 1000).toFixed(2));
const kib = (v) => (v === undefined ? "–" : (v / 1024).toFixed(1));
console.log(
  `\nLighthouse ${version}, mobile preset (simulated slow 4G, 4x CPU slowdown), performance only; median of ${RUNS} runs\n`,
);
console.log("| page | visit | performance | FCP s | LCP s (range) | TBT ms | TTI s | transferred KiB |");
console.log("|---|---|---:|---:|---:|---:|---:|---:|");
for (const [name, visit, m] of rows) {
  const range = `${ms(m.lcpRange[0])}–${ms(m.lcpRange[1])}`;
  console.log(
    `| ${name} | ${visit} | ${m.performance.toFixed(2)} | ${ms(m.fcp)} | ${ms(m.lcp)} (${range}) | ${m.tbt.toFixed(0)} | ${ms(m.tti)} | ${kib(m.bytes)} |`,
  );
}
