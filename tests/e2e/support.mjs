// Shared pieces of the end-to-end tests: a real relay serving the built app on a free
// 127.0.0.1 port with a fresh data directory, and Debian's Chromium driven by Playwright.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before } from "node:test";
import { chromium } from "playwright-core";

const root = new URL("../../", import.meta.url).pathname;
const RELAY = process.env.LANDSBYPLAN_RELAY ?? join(root, "target/debug/landsbyplan-relay");
const DIST = process.env.LANDSBYPLAN_DIST ?? join(root, "dist");

/** The built app the tests serve. */
export const DIST_DIR = DIST;

/**
 * Starts the relay; resolves once it prints the address it serves. Pass the `port` and
 * `dataDir` of an earlier relay to restart it where it was, with its store; `dist` to
 * serve another copy of the built app; `admin`, a port for its metrics on 127.0.0.1
 * (read them with `metric`).
 */
export async function startRelay({ port = 0, dataDir, dist = DIST, admin } = {}) {
  const dir = dataDir ?? mkdtempSync(join(tmpdir(), "landsbyplan-e2e-"));
  const adminArgs = admin ? ["--admin-listen", `127.0.0.1:${admin}`] : [];
  const child = spawn(
    RELAY,
    ["--listen", `127.0.0.1:${port}`, "--app-dir", dist, "--data-dir", dir, ...adminArgs],
    { stdio: ["ignore", "pipe", "inherit"], env: { ...process.env, RUST_LOG: "warn" } },
  );
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("relay did not start within 10 s")), 10_000);
    let seen = "";
    child.stdout.on("data", (chunk) => {
      seen += chunk;
      const match = seen.match(/http:\/\/127\.0\.0\.1:\d+\//);
      if (match) {
        clearTimeout(timer);
        resolve(match[0]);
      }
    });
    child.on("exit", (code) => reject(new Error(`relay exited with ${code}`)));
  });
  return {
    url,
    port: Number(new URL(url).port),
    dataDir: dir,
    /** Stops the relay; its store is removed unless `keepData`. */
    async stop({ keepData = false } = {}) {
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      await exited;
      if (!keepData) rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The value of metric `name` of the relay whose admin listener is on port `admin`. */
export async function metric(admin, name) {
  const text = await (await fetch(`http://127.0.0.1:${admin}/metrics`)).text();
  const line = text.split("\n").find((l) => l.startsWith(`${name} `));
  assert.ok(line, `the relay reports ${name}`);
  return Number(line.split(" ")[1]);
}

/**
 * Launches headless Chromium with the flags this sandbox needs, and `args`. Phones'
 * direct WebRTC connections are blocked (no UDP without a proxy, so no address to offer
 * and nothing sent beyond the relay) unless `direct`: only the tests that run in a
 * network namespace of their own (tests/e2e-direct, scripts/in-netns) let them connect.
 */
export function launchBrowser({ direct = false, args = [] } = {}) {
  const flags = [...LAUNCH.args, ...(direct ? [] : [NO_DIRECT]), ...args];
  return chromium.launch({ ...LAUNCH, args: flags });
}

const NO_DIRECT = "--webrtc-ip-handling-policy=disable_non_proxied_udp";

/**
 * A browser with a profile on disk in a fresh directory, as a phone keeps one. Chromium
 * accounts an on-disk profile's storage exactly (an in-memory one only roughly), so
 * quota tests need this.
 */
export function persistentContext(options) {
  return chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), "landsbyplan-profile-")), {
    ...LAUNCH,
    args: [...LAUNCH.args, NO_DIRECT],
    ...options,
  });
}

const LAUNCH = {
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-dev-shm-usage",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
};

/**
 * A Danish browser context `width` pixels wide that axe-core can run in (axe is injected
 * as an inline script, which the app's security policy forbids otherwise).
 */
export function checkedContext(browser, width = 360) {
  return browser.newContext({
    viewport: { width, height: width === 360 ? 740 : 900 },
    locale: "da-DK",
    bypassCSP: true,
  });
}

/** A phone-sized browser context (360 × 740), as a villager would hold it. */
export function phoneContext(browser) {
  return browser.newContext({ viewport: { width: 360, height: 740 }, locale: "da-DK" });
}

/** Resolves with "activated" once the page's service worker has fully activated. */
export async function serviceWorkerReady(page) {
  return page.evaluate(
    () =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error("no active service worker in 15 s")), 15_000);
        navigator.serviceWorker.ready.then((registration) => {
          const worker = registration.active;
          const settle = () => {
            if (worker.state === "activated") {
              clearTimeout(timer);
              resolve(worker.state);
            }
          };
          worker.addEventListener("statechange", settle);
          settle();
        });
      }),
  );
}

/**
 * Starts a relay (with `options` as for `startRelay`) and a browser (direct connections
 * allowed if `options.direct`, see `launchBrowser`) before a test file's tests and stops
 * both after them. Tests read `env.relay` and `env.browser`, and may replace `env.relay`
 * (it is the one stopped at the end).
 */
export function relayAndBrowser({ direct = false, ...options } = {}) {
  const env = {};
  before(async () => {
    env.relay = await startRelay(options);
    env.browser = await launchBrowser({ direct });
  });
  after(async () => {
    await env.browser?.close();
    await env.relay?.stop();
  });
  return env;
}

const AXE = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

/**
 * What axe-core checks: every WCAG 2.0, 2.1 and 2.2 rule of levels A and AA, and its
 * best practices; and "label in name" (WCAG 2.5.3), which axe still counts as
 * experimental, so that voice control can press every control by what it shows.
 */
const AXE_OPTIONS = {
  resultTypes: ["violations"],
  runOnly: {
    type: "tag",
    values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa", "best-practice"],
  },
  rules: { "label-content-name-mismatch": { enabled: true } },
};

/**
 * Serious and critical accessibility violations axe-core finds on the page as it is now.
 * axe is injected as an inline script, which the app's security policy forbids: use a
 * context made with `bypassCSP: true`.
 */
export async function violations(page) {
  await page.addScriptTag({ content: AXE });
  const result = await page.evaluate((options) => globalThis.axe.run(document, options), AXE_OPTIONS);
  return result.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(" ")).join(", ")})`);
}

/** How many pixels the page is wider than the window (0 when nothing scrolls sideways). */
export function overflow(page) {
  return page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
}
