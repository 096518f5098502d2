// A full device: when the browser refuses to store an edit, the person is told in plain
// words, the edit stays on screen, and it is stored once there is room again.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { persistentContext, startRelay } from "./support.mjs";

let relay;
before(async () => {
  relay = await startRelay();
});
after(() => relay?.stop());

/** Fills the origin's storage with a database of its own until the browser refuses more. */
function fillStorage(page) {
  return page.evaluate(async () => {
    const db = await new Promise((resolve, reject) => {
      const open = indexedDB.open("ballast", 1);
      open.onupgradeneeded = () => open.result.createObjectStore("ballast");
      open.onsuccess = () => resolve(open.result);
      open.onerror = () => reject(open.error);
    });
    const put = (size) =>
      new Promise((resolve) => {
        const tx = db.transaction("ballast", "readwrite");
        // Random bytes: the store must not be able to compress the ballast away.
        const bytes = new Uint8Array(size);
        for (let at = 0; at < size; at += 65536) crypto.getRandomValues(bytes.subarray(at, at + 65536));
        tx.objectStore("ballast").put(bytes, `${size}-${Math.random()}`);
        tx.oncomplete = () => resolve(true);
        tx.onabort = () => resolve(false);
      });
    // Halving sizes down to a few bytes leave less room than any edit needs; each size
    // fits at most a few times (the count bounds the loop if the browser counts coarsely).
    let stored = 0;
    for (let size = 1 << 20; size >= 16; size >>= 1) {
      for (let tries = 0; tries < 64 && (await put(size)); tries += 1) stored += size;
    }
    db.close();
    return stored;
  });
}

test("an edit the full device refuses is kept and stored once there is room", async () => {
  const context = await persistentContext({ viewport: { width: 360, height: 740 }, locale: "da-DK" });
  context.setDefaultTimeout(15_000);
  const page = context.pages()[0] ?? (await context.newPage());
  // Chromium's quota for the origin, set before the origin stores anything (it is read
  // then): room for the app and its data, and a little more.
  const cdp = await context.newCDPSession(page);
  const origin = new URL(relay.url).origin;
  await cdp.send("Storage.overrideQuotaForOrigin", { origin, quotaSize: 64 * 1024 * 1024 });

  await page.goto(relay.url);
  await page.getByLabel("Dit navn").fill("Ida");
  await page.getByLabel("Lokalrådets navn").fill("Hejnsvig Lokalråd");
  await page.getByRole("button", { name: "Opret lokalråd" }).click();
  await page.getByRole("link", { name: "Hejnsvig Lokalråd" }).click();
  const url = page.url();

  // Something else fills the device.
  assert.ok((await fillStorage(page)) > 0, "the ballast took the free room");

  const form = page.locator("form").filter({ has: page.getByRole("heading", { name: "Tilføj en handling" }) });
  await form.getByLabel("Handling").fill("Ny legeplads");
  await form.getByRole("button", { name: "Tilføj handling" }).click();
  const alert = page.getByRole("alert").filter({ hasText: "Enheden har ikke mere plads. Intet er mistet" });
  await alert.waitFor();
  // The edit is still on screen, and the next one is kept too.
  await page.getByRole("heading", { level: 3, name: "Ny legeplads" }).waitFor();
  await form.getByLabel("Handling").fill("Bålhytte");
  await form.getByRole("button", { name: "Tilføj handling" }).click();
  await page.getByRole("heading", { level: 3, name: "Bålhytte" }).waitFor();
  await alert.waitFor();

  // Room again: the person tries again, and both edits are stored for good.
  await page.evaluate(
    () =>
      new Promise((resolve, reject) => {
        const request = indexedDB.deleteDatabase("ballast");
        request.onsuccess = resolve;
        request.onerror = () => reject(request.error);
      }),
  );
  await alert.getByRole("button", { name: "Prøv at gemme igen" }).click();
  await alert.waitFor({ state: "detached" });
  // Read back with the relay stopped (the service worker serves the app), so only what
  // the device itself stored can show: the relay, which got both edits, cannot refill it.
  await relay.stop();
  relay = undefined;
  // Nor the edit journal (localStorage): it lets go of an edit once IndexedDB has it.
  assert.deepEqual(
    await page.evaluate(() => Object.keys(localStorage).filter((key) => key.startsWith("landsbyplan-journal:"))),
    [],
    "IndexedDB holds both edits",
  );
  await page.goto(url);
  await page.getByRole("heading", { level: 3, name: "Ny legeplads" }).waitFor();
  await page.getByRole("heading", { level: 3, name: "Bålhytte" }).waitFor();
  assert.equal(await page.getByRole("alert").count(), 0);
  await context.close();
});
