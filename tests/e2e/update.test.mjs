// A new build reaches an open app safely: its service worker installs beside the old
// one, the app offers to reload, and only then does the new build take over.
import assert from "node:assert/strict";
import { cpSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { brotliCompressSync, gzipSync } from "node:zlib";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { DIST_DIR, phoneContext, relayAndBrowser, serviceWorkerReady } from "./support.mjs";

// A copy of the built app that the test can turn into "the next build".
const dist = mkdtempSync(join(tmpdir(), "landsbyplan-dist-"));
cpSync(DIST_DIR, dist, { recursive: true });
const env = relayAndBrowser({ dist });
after(() => rmSync(dist, { recursive: true, force: true }));

const cacheNames = (page) => page.evaluate(() => caches.keys());

test("a new version is offered, not forced, and replaces the old one whole on reload", async () => {
  const context = await phoneContext(env.browser);
  context.setDefaultTimeout(15_000);
  const page = await context.newPage();
  await page.goto(env.relay.url);
  await page.getByRole("heading", { name: "Lokalråd på denne enhed" }).waitFor();
  assert.equal(await serviceWorkerReady(page), "activated");
  await page.reload();
  await page.getByRole("heading", { name: "Lokalråd på denne enhed" }).waitFor();
  const [before] = await cacheNames(page);
  assert.match(before, /^landsbyplan-[0-9a-f]{16}$/);
  assert.equal(await page.getByText("Der er en ny version af Landsbyplan.").count(), 0);

  // The next build: a service worker with another build id.
  const worker = join(dist, "sw.js");
  const source = readFileSync(worker, "utf8");
  const next = source.replace(/const BUILD = "[0-9a-f]+";/, 'const BUILD = "0123456789abcdef";');
  writeFileSync(worker, next);
  // With the compressed copies the build makes beside it, which the relay sends instead.
  writeFileSync(`${worker}.br`, brotliCompressSync(next));
  writeFileSync(`${worker}.gz`, gzipSync(next));
  // Last-Modified has whole seconds: a rewrite within the second the browser last fetched
  // the file would look unchanged to it. A real new build comes much later than that.
  const later = new Date(Date.now() + 5_000);
  for (const file of [worker, `${worker}.br`, `${worker}.gz`]) utimesSync(file, later, later);
  // Ask for the update check a browser makes on its own now and then; asked while the
  // check that came with the reload still runs, it joins that one and finds nothing
  // new, so ask until the new worker is there.
  await page.evaluate(async () => {
    const registration = await navigator.serviceWorker.getRegistration();
    for (let tries = 0; tries < 20 && !registration.waiting; tries++) {
      await registration.update();
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  });

  await page.getByText("Der er en ny version af Landsbyplan.").waitFor();
  assert.deepEqual((await cacheNames(page)).sort(), [before, "landsbyplan-0123456789abcdef"].sort(),
    "the new build is cached beside the old one, which the page still uses");

  await Promise.all([
    page.waitForEvent("framenavigated"),
    page.getByRole("button", { name: "Genindlæs" }).click(),
  ]);
  await page.getByRole("heading", { name: "Lokalråd på denne enhed" }).waitFor();
  assert.deepEqual(await cacheNames(page), ["landsbyplan-0123456789abcdef"], "only the new build is left");
  assert.equal(await page.getByText("Der er en ny version af Landsbyplan.").count(), 0);
  await context.close();
});
