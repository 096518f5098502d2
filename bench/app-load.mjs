// Measures what a phone downloads and how soon the plan screen is usable: the app beside
// a bare Leptos page built the same way, in browser contexts kept in memory and again on
// profiles kept on disk. Run through scripts/bench-app, which builds both
// and writes the council file: `node bench/app-load.mjs <council file> <runs>`.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { brotliCompressSync, constants, gzipSync } from "node:zlib";
import { launchBrowser, persistentContext, startRelay } from "../tests/e2e/support.mjs";
import { councilOffline, markWhenReady, openCouncilOffline, planReady, planShown, planTypable, planWhole } from "./council-page.mjs";

const root = new URL("../", import.meta.url).pathname;
const [councilFile, runsArg] = process.argv.slice(2);
const RUNS = Number(runsArg ?? 7);

/** Raw, gzip -9 and brotli -11 sizes of `files` (paths in `dist`). */
function sizesOf(dist, files) {
  const total = { files: files.length, raw: 0, gzip: 0, brotli: 0 };
  for (const file of files) {
    const bytes = readFileSync(join(dist, file));
    total.raw += bytes.length;
    total.gzip += gzipSync(bytes, { level: 9 }).length;
    total.brotli += brotliCompressSync(bytes, {
      params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: bytes.length },
    }).length;
  }
  return total;
}

/**
 * The wasm, JS and CSS of `dist`: what `index.html` loads (with the split loader it
 * imports), and the engine's modules, fetched once the first screen is drawn.
 */
function transferSizes(dist) {
  const html = readFileSync(join(dist, "index.html"), "utf8");
  const named = [...new Set([...html.matchAll(/(?:href|src)="\/([^"]+\.(?:wasm|js|css))"/g)].map((m) => m[1]))];
  const code = readdirSync(dist).filter((name) => name.startsWith("wasm-"));
  const inCode = code.flatMap((folder) => readdirSync(join(dist, folder)).map((file) => `${folder}/${file}`));
  const loader = inCode.filter((file) => file.endsWith("/__wasm_split.js"));
  const engine = inCode.filter((file) => file.endsWith(".wasm") && !named.includes(file));
  return { first: sizesOf(dist, [...named, ...loader]), engine: sizesOf(dist, engine) };
}

/**
 * What a first visit of `url` fetches, counted on the wire (bodies as the relay sent them,
 * with their headers), until `ready` (run in the page) holds: what the first screen needs,
 * and the engine's modules fetched after it.
 */
async function firstVisit(browser, url, ready) {
  const context = await browser.newContext({ viewport: { width: 360, height: 740 } });
  const page = await context.newPage();
  const fetched = [];
  page.on("requestfinished", (request) => {
    fetched.push(request.sizes().then((sizes) => ({
      url: request.url(),
      bytes: sizes.responseBodySize + sizes.responseHeadersSize,
    })));
  });
  await page.goto(url);
  await page.waitForFunction(ready, null, { timeout: 30_000 });
  // Whatever was still arriving when `ready` held.
  await page.waitForLoadState("networkidle");
  const all = await Promise.all(fetched);
  await context.close();
  const engine = all.filter((f) => /\/(split|chunk)_[^/]*\.wasm$/.test(new URL(f.url).pathname));
  const first = all.filter((f) => !engine.includes(f));
  const sum = (list) => list.reduce((total, f) => total + f.bytes, 0);
  return { first: { requests: first.length, bytes: sum(first) }, engine: { requests: engine.length, bytes: sum(engine) } };
}

/** Median and spread of a list of milliseconds. */
function summary(times) {
  const sorted = [...times].sort((a, b) => a - b);
  return {
    median: sorted[Math.floor(sorted.length / 2)],
    min: sorted[0],
    max: sorted.at(-1),
  };
}

/**
 * Milliseconds from navigation start until each of `checks` (functions run in the page)
 * first holds, seen by a MutationObserver installed before any of the page's scripts run.
 */
async function timeToReady(page, url, checks) {
  await markWhenReady(page, checks);
  await page.goto(url);
  const names = Object.keys(checks);
  await page.waitForFunction((names) => names.every((name) => globalThis.__ready[name] !== undefined), names,
    { timeout: 30_000 });
  return page.evaluate(() => globalThis.__ready);
}

/**
 * When the app marked the moments of its start (`landsbyplan::mark`): its first part
 * running, the engine here, every space on the device loaded. Throws if one is missing.
 */
async function moments(page) {
  const marked = await page.evaluate(() => Object.fromEntries(["app", "engine", "opened"]
    .map((name) => [name, performance.getEntriesByName(`landsbyplan:${name}`)[0]?.startTime])));
  for (const [name, time] of Object.entries(marked)) {
    if (time === undefined) throw new Error(`the app did not mark "${name}"`);
  }
  return marked;
}

const kib = (bytes) => (bytes / 1024).toFixed(1);
const browser = await launchBrowser();
const appRelay = await startRelay({ dist: join(root, "dist") });
const bareRelay = await startRelay({ dist: join(root, "bench/bare/dist") });
try {
  // The app: a phone that opened the council once (online), then starts with no network.
  const { context, planUrl } = await councilOffline(browser, appRelay.url, councilFile);
  // Each round times a start with the glimpse kept by the run before, and one with no
  // glimpse kept (as on a phone's first start at this address), in turns, so that neither
  // gets the warmer machine.
  const plan = [];
  const whole = [];
  // The app's own marks on the way (`landsbyplan::mark`).
  const steps = { app: [], engine: [], opened: [] };
  const shown = [];
  const typable = [];
  const planBare = [];
  const withGlimpse = async () => {
    const page = await context.newPage();
    // Shown (as the phone showed it last); typable (the glimpse's vision can be typed in);
    // usable: the screen itself, its vision typable and the action plan listed.
    const times = await timeToReady(page, planUrl, { shown: planShown, typable: planTypable, usable: planReady, whole: planWhole });
    if (!(times.typable < times.usable)) throw new Error("the plan screen started without its glimpse");
    shown.push(times.shown);
    typable.push(times.typable);
    plan.push(times.usable);
    whole.push(times.whole);
    const marked = await moments(page);
    for (const name of Object.keys(steps)) steps[name].push(marked[name]);
    await page.close();
  };
  // The glimpse the setup kept, put back after each start without it.
  const setupPage = await context.newPage();
  await setupPage.goto(planUrl);
  const glimpses = await setupPage.evaluate(() => Object.fromEntries(Object.keys(localStorage)
    .filter((key) => key.startsWith("landsbyplan.glimpse")).map((key) => [key, localStorage.getItem(key)])));
  await setupPage.close();
  const glimpseSize = Object.entries(glimpses)
    .filter(([key]) => key.startsWith("landsbyplan.glimpse:"))
    .reduce((total, [, value]) => total + JSON.parse(value).html.length, 0);
  if (glimpseSize === 0) throw new Error("no glimpse was kept");
  const withoutGlimpse = async () => {
    const page = await context.newPage();
    await page.addInitScript(() => {
      for (const key of Object.keys(localStorage)) {
        if (key.startsWith("landsbyplan.glimpse")) localStorage.removeItem(key);
      }
    });
    planBare.push((await timeToReady(page, planUrl, { usable: planReady })).usable);
    await page.evaluate((glimpses) => {
      for (const [key, value] of Object.entries(glimpses)) localStorage.setItem(key, value);
    }, glimpses);
    await page.close();
  };
  for (let run = 0; run < RUNS; run += 1) {
    if (run % 2 === 0) {
      await withGlimpse();
      await withoutGlimpse();
    } else {
      await withoutGlimpse();
      await withGlimpse();
    }
  }
  await context.close();

  const bare = [];
  const bareContext = await browser.newContext({ viewport: { width: 360, height: 740 } });
  for (let run = 0; run < RUNS; run += 1) {
    const page = await bareContext.newPage();
    const times = await timeToReady(page, bareRelay.url, { ready: () => document.getElementById("ready") !== null });
    bare.push(times.ready);
    await page.close();
  }
  await bareContext.close();

  // The same two on browser profiles kept on disk, as a phone's browser keeps one (the
  // contexts above are the kind a private window opens, kept in memory), in turns.
  const diskApp = await persistentContext({ viewport: { width: 360, height: 740 } });
  const diskBare = await persistentContext({ viewport: { width: 360, height: 740 } });
  const onDisk = { plan: [], typable: [], bare: [] };
  try {
    const diskPlanUrl = await openCouncilOffline(diskApp, appRelay.url, councilFile);
    for (let run = 0; run < RUNS; run += 1) {
      const page = await diskApp.newPage();
      const app = await timeToReady(page, diskPlanUrl, { typable: planTypable, usable: planReady });
      onDisk.typable.push(app.typable);
      onDisk.plan.push(app.usable);
      await page.close();
      const barePage = await diskBare.newPage();
      const times = await timeToReady(barePage, bareRelay.url, { ready: () => document.getElementById("ready") !== null });
      onDisk.bare.push(times.ready);
      await barePage.close();
    }
  } finally {
    await diskApp.close();
    await diskBare.close();
  }

  const app = transferSizes(join(root, "dist"));
  const bareSizes = transferSizes(join(root, "bench/bare/dist"));
  const sizes = [
    ["Landsbyplan (dist/): the first screen", app.first],
    ["Landsbyplan (dist/): the engine, fetched after it", app.engine],
    ["bare Leptos page (bench/bare/dist/)", bareSizes.first],
  ];
  console.log("\nTransfer size of wasm + JS + CSS (KiB)\n");
  console.log("| build | files | raw | gzip -9 | brotli -11 |");
  console.log("|---|---|---|---|---|");
  for (const [name, s] of sizes) {
    console.log(`| ${name} | ${s.files} | ${kib(s.raw)} | ${kib(s.gzip)} | ${kib(s.brotli)} |`);
  }

  // On the wire: a fresh phone's first visit, until the home screen has opened the
  // device's store (the engine is here) / the bare page has drawn its paragraph.
  const appVisit = await firstVisit(browser, appRelay.url, () =>
    [...document.querySelectorAll("p")].some((p) => p.textContent.includes("Der er endnu ingen lokalråd")));
  const bareVisit = await firstVisit(browser, bareRelay.url, () => document.getElementById("ready") !== null);
  console.log("\nA first visit on the wire (KiB sent by the relay, bodies as sent and headers)\n");
  console.log("| page | first screen: requests | KiB | then the engine: requests | KiB |");
  console.log("|---|---|---|---|---|");
  for (const [name, v] of [["Landsbyplan", appVisit], ["bare Leptos page", bareVisit]]) {
    console.log(`| ${name} | ${v.first.requests} | ${kib(v.first.bytes)} | ${v.engine.requests} | ${kib(v.engine.bytes)} |`);
  }
  const p = summary(plan);
  const s = summary(shown);
  const b = summary(bare);
  const times = (t) => `${t.median.toFixed(0)} | ${t.min.toFixed(0)} | ${t.max.toFixed(0)} | ${(t.median / b.median).toFixed(1)}×`;
  console.log(`\nFrom navigation, ${RUNS} runs each (ms; the ratio to the bare page's median)\n`);
  console.log("| page | median | min | max | ratio |");
  console.log("|---|---|---|---|---|");
  console.log(`| Landsbyplan plan screen, 10k-op council, offline (service worker): shown (as it looked last) | ${times(s)} |`);
  console.log(`| the same: typable (the vision, in the glimpse) | ${times(summary(typable))} |`);
  console.log(`| on the way: the app's first part running | ${times(summary(steps.app))} |`);
  console.log(`| on the way: the engine here | ${times(summary(steps.engine))} |`);
  console.log(`| on the way: the council loaded (the device's store read, Automerge's load) | ${times(summary(steps.opened))} |`);
  console.log(`| the same: usable (the screen itself drawn down to the action plan: the vision takes typing, the plan's buttons work) | ${times(p)} |`);
  console.log(`| the same: whole (every section drawn, down to the sharing) | ${times(summary(whole))} |`);
  console.log(`| the same with no glimpse kept: usable | ${times(summary(planBare))} |`);
  console.log(`| bare Leptos page, 127.0.0.1 (HTTP cache): its paragraph | ${times(b)} |`);
  const db = summary(onDisk.bare);
  const diskTimes = (t) => `${t.median.toFixed(0)} | ${t.min.toFixed(0)} | ${t.max.toFixed(0)} | ${(t.median / db.median).toFixed(1)}×`;
  console.log("\nThe same on browser profiles kept on disk, as a phone's browser keeps one (the ratio to");
  console.log("the bare page's median on such a profile)\n");
  console.log("| page | median | min | max | ratio |");
  console.log("|---|---|---|---|---|");
  console.log(`| Landsbyplan plan screen, offline: typable (in the glimpse) | ${diskTimes(summary(onDisk.typable))} |`);
  console.log(`| Landsbyplan plan screen, offline: usable (the screen itself) | ${diskTimes(summary(onDisk.plan))} |`);
  console.log(`| bare Leptos page: its paragraph | ${diskTimes(db)} |`);
  console.log(`\nThe plan screen's glimpse: ${glimpseSize} characters of markup.`);
} finally {
  await browser.close();
  await appRelay.stop();
  await bareRelay.stop();
}
