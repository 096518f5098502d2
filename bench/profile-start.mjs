// Where the offline start of a large council's plan screen spends its time: opens the
// council (a file of `council_file`) in the app served by the relay, goes offline, then
// loads the plan screen three times under Chromium's sampling profiler and prints, for the
// last load, the busiest functions of the app and its libraries (time spent in each with
// what it calls) and when the start's phases ran; then traces one more load (no profiler)
// and prints what V8 did with the app's wasm: how many functions it compiled on their first
// call and how long that took, and whether its code cache served any. Needs a build with
// the wasm's function names: run it through scripts/bench-profile.
// `node bench/profile-start.mjs <dist> <council>`
import { launchBrowser, startRelay } from "../tests/e2e/support.mjs";
import { councilOffline, markWhenReady, planReady } from "./council-page.mjs";

const [dist, councilFile] = process.argv.slice(2);
const RUNS = 3;

/**
 * A Rust symbol in its legacy mangling (`_ZN` length-prefixed parts `E`; the split build
 * keeps symbols mangled) as a path: `landsbyplan::library::Library::open`.
 */
function demangle(symbol) {
  const match = /^_ZN((?:\d+[^\d][\s\S]*?)+)E$/.exec(symbol);
  if (!match) return symbol;
  const parts = [];
  let rest = match[1];
  while (rest.length > 0) {
    const digits = /^\d+/.exec(rest);
    if (!digits) break;
    const length = Number(digits[0]);
    parts.push(rest.slice(digits[0].length, digits[0].length + length));
    rest = rest.slice(digits[0].length + length);
  }
  const escapes = { SP: "@", BP: "*", RF: "&", LT: "<", GT: ">", LP: "(", RP: ")", C: "," };
  return parts
    .map((part) =>
      part
        .replace(/^_\$/, "$")
        .replace(/\$([A-Z]{1,2})\$/g, (all, code) => escapes[code] ?? all)
        .replace(/\$u([0-9a-f]+)\$/g, (_, hex) => String.fromCodePoint(parseInt(hex, 16)))
        .replace(/\.\./g, "::"),
    )
    .join("::");
}

/** Per function name: milliseconds with it on the stack, and first and last sample time. */
function inclusive(profile) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const name = (node) => demangle(node.callFrame.functionName).replace(/::h[0-9a-f]{16}$/, "") || "(anonymous)";
  const spent = new Map();
  let at = 0;
  let busy = 0;
  for (let i = 0; i < profile.samples.length; i += 1) {
    at += profile.timeDeltas[i] / 1000;
    const dt = (profile.timeDeltas[i + 1] ?? 0) / 1000;
    let id = profile.samples[i];
    if (name(byId.get(id)) === "(idle)") continue;
    busy += dt;
    const seen = new Set();
    while (id !== undefined) {
      const fn = name(byId.get(id));
      if (!seen.has(fn)) {
        seen.add(fn);
        const entry = spent.get(fn) ?? { ms: 0, first: at, last: at };
        entry.ms += dt;
        entry.last = at;
        spent.set(fn, entry);
      }
      id = parent.get(id);
    }
  }
  return { spent, busy };
}

/**
 * One more start of `planUrl`, traced (V8's wasm events): prints how many wasm functions
 * were compiled on their first call (V8 compiles a module's functions lazily, with its
 * baseline compiler, on the page's main thread) and the time that took, how much was
 * compiled again by the optimizing compiler (in the background), and whether V8's code
 * cache for the module was used.
 */
async function compiledOnStart(context, planUrl) {
  const page = await context.newPage();
  await markWhenReady(page, { usable: planReady });
  const cdp = await context.newCDPSession(page);
  const events = [];
  cdp.on("Tracing.dataCollected", ({ value }) => events.push(...value));
  const complete = new Promise((resolve) => cdp.once("Tracing.tracingComplete", resolve));
  await cdp.send("Tracing.start", {
    traceConfig: { includedCategories: ["v8.wasm", "disabled-by-default-devtools.timeline"] },
    transferMode: "ReportEvents",
  });
  await page.goto(planUrl);
  await page.waitForFunction(() => globalThis.__ready.usable !== undefined, null, { timeout: 30_000 });
  const ready = await page.evaluate(() => globalThis.__ready.usable);
  await cdp.send("Tracing.end");
  await complete;
  await page.close();
  const named = (name) => events.filter((e) => e.name === name);
  const ms = (list) => list.reduce((total, e) => total + (e.dur ?? 0), 0) / 1000;
  const lazy = named("wasm.CompileLazy");
  const topTier = named("wasm.TopTierCompilation");
  console.log(`\nOne more load, traced (usable after ${ready.toFixed(0)} ms): V8 compiled ${lazy.length} wasm`
    + ` functions on their first call, ${ms(lazy).toFixed(0)} ms on the main thread;`
    + ` ${topTier.length} batches again optimized in the background (${ms(topTier).toFixed(0)} ms);`
    + ` code cache used: ${named("v8.wasm.moduleCacheHit").length > 0 ? "yes" : "no"}.`);
}

const browser = await launchBrowser();
const relay = await startRelay({ dist });
try {
  const { context, planUrl } = await councilOffline(browser, relay.url, councilFile);
  let last;
  for (let run = 0; run < RUNS; run += 1) {
    const page = await context.newPage();
    const cdp = await context.newCDPSession(page);
    await cdp.send("Profiler.enable");
    await cdp.send("Profiler.setSamplingInterval", { interval: 200 });
    await cdp.send("Profiler.start");
    await markWhenReady(page, { usable: planReady });
    await page.goto(planUrl);
    await page.waitForFunction(() => globalThis.__ready.usable !== undefined, null, { timeout: 30_000 });
    const ready = await page.evaluate(() => globalThis.__ready.usable);
    const elements = await page.evaluate(() => document.querySelectorAll("*").length);
    const { profile } = await cdp.send("Profiler.stop");
    console.log(`load ${run + 1}: interactive after ${ready.toFixed(0)} ms (profiled), ${elements} elements`);
    last = profile;
    await page.close();
  }
  const { spent, busy } = inclusive(last);
  console.log(`\nThe last load: ${busy.toFixed(0)} ms busy. The app's and its libraries' busiest functions`);
  console.log("(ms with the function on the stack; when it first and last ran, ms after the profile began):\n");
  console.log("| function | ms | first | last |");
  console.log("|---|---:|---:|---:|");
  const shown = [...spent]
    .filter(([fn]) => /^(landsbyplan|automerge|tachys|reactive_graph|leptos|hexane|qrcode|rexie)|^\(program\)|^\(garbage/.test(fn))
    .filter(([fn]) => !/closure|::_::|shim/.test(fn))
    .sort((a, b) => b[1].ms - a[1].ms)
    .slice(0, 30);
  for (const [fn, { ms, first, last: end }] of shown) {
    console.log(`| \`${fn.slice(0, 110)}\` | ${ms.toFixed(1)} | ${first.toFixed(0)} | ${end.toFixed(0)} |`);
  }
  await compiledOnStart(context, planUrl);
} finally {
  await browser.close();
  await relay.stop();
}
