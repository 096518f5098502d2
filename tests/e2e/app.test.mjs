// The walking skeleton end to end: the built app, served by the real relay, in Chromium.
import assert from "node:assert/strict";
import { get } from "node:http";
import { test } from "node:test";
import { phoneContext, relayAndBrowser, serviceWorkerReady } from "./support.mjs";

const env = relayAndBrowser();


test("the relay serves the app shell with its types and a strict security policy", async () => {
  const index = await fetch(env.relay.url);
  assert.equal(index.status, 200);
  const policy = index.headers.get("content-security-policy");
  assert.match(policy, /default-src 'self'/);
  assert.doesNotMatch(policy, /unsafe-inline/);
  const html = await index.text();
  const wasmPath = html.match(/href="(\/[^"]+_bg\.wasm)"/)[1];
  const wasm = await fetch(new URL(wasmPath, env.relay.url));
  assert.equal(wasm.status, 200);
  assert.equal(wasm.headers.get("content-type"), "application/wasm");
  const built = (await wasm.arrayBuffer()).byteLength;
  // What a phone's browser receives: the copy the build compressed with brotli.
  const sent = await new Promise((resolve, reject) => {
    get(new URL(wasmPath, env.relay.url), { headers: { "accept-encoding": "gzip, deflate, br" } }, (response) => {
      let bytes = 0;
      response.on("data", (chunk) => (bytes += chunk.length));
      response.on("end", () => resolve({ encoding: response.headers["content-encoding"], vary: response.headers.vary, bytes }));
    }).on("error", reject);
  });
  assert.equal(sent.encoding, "br");
  assert.match(sent.vary, /accept-encoding/i);
  assert.ok(sent.bytes < built / 2, `${sent.bytes} bytes sent for a wasm of ${built}`);
  console.log(`# the app's wasm: ${built} bytes built, ${sent.bytes} sent as brotli`);
  // The engine, in the same folder as the first part's wasm (named by its content), also
  // goes out compressed and may be kept for good.
  const folder = wasmPath.slice(0, wasmPath.lastIndexOf("/"));
  assert.match(folder, /^\/wasm-[0-9a-f]{16}$/);
  const engine = await new Promise((resolve, reject) => {
    get(new URL(`${folder}/split_engine.wasm`, env.relay.url), { headers: { "accept-encoding": "gzip, br" } }, (response) => {
      let bytes = 0;
      response.on("data", (chunk) => (bytes += chunk.length));
      response.on("end", () => resolve({ status: response.statusCode, encoding: response.headers["content-encoding"], cache: response.headers["cache-control"], bytes }));
    }).on("error", reject);
  });
  assert.equal(engine.status, 200);
  assert.equal(engine.encoding, "br");
  assert.match(engine.cache, /immutable/);
  // The documents' code is in the engine, not in what the first screen waits for.
  assert.ok(engine.bytes > 2 * sent.bytes, `first part ${sent.bytes} bytes, engine ${engine.bytes}`);
  console.log(`# the engine's wasm: ${engine.bytes} bytes sent as brotli`);
  const manifest = await fetch(new URL("/manifest.webmanifest", env.relay.url));
  assert.equal(manifest.status, 200);
  assert.equal((await manifest.json()).name, "Landsbyplan");
});

test("the first visit shows the welcome before the app's code arrives, and the app then says the same in its place", async () => {
  // No service worker, so that every request of the page can be held back here.
  const context = await env.browser.newContext({ viewport: { width: 360, height: 740 }, serviceWorkers: "block" });
  const page = await context.newPage();
  // The wasm held back: what a phone shows while it downloads over a slow network.
  let release;
  const held = new Promise((resolve) => (release = resolve));
  await page.route(/_bg\.wasm$/, async (route) => {
    await held;
    await route.continue();
  });
  await page.goto(env.relay.url);
  const shell = page.locator("#shell");
  const early = {
    title: await shell.getByRole("heading", { level: 1 }).textContent(),
    tagline: await shell.locator(".tagline").textContent(),
    heading: await shell.getByRole("heading", { level: 2 }).textContent(),
    intro: await shell.locator(".card p").textContent(),
  };
  assert.ok(await shell.getByRole("heading", { level: 2 }).isVisible(), "the welcome shows on a first visit");
  release();
  // The app removes the shell and draws the same things.
  await page.getByLabel("Dit navn").waitFor();
  assert.equal(await page.locator("#shell").count(), 0, "the shell is gone");
  assert.equal(await page.locator("header.bar").count(), 1);
  const drawn = {
    title: await page.getByRole("heading", { level: 1 }).textContent(),
    tagline: await page.locator(".tagline").textContent(),
    heading: await page.getByRole("heading", { level: 2, name: "Velkommen til Landsbyplan" }).textContent(),
    intro: await page.getByRole("heading", { level: 2, name: "Velkommen til Landsbyplan" }).locator("xpath=following-sibling::p[1]").textContent(),
  };
  assert.deepEqual(early, drawn, "the shell says what the app says");
  // Once there is a name, the next visit's shell shows only the bar.
  await page.getByLabel("Dit navn").fill("Anna");
  await page.route(/_bg\.wasm$/, () => {});
  await page.reload({ waitUntil: "domcontentloaded" });
  assert.ok(await page.locator("#shell header.bar").isVisible());
  assert.equal(await page.locator("#shell h2").isVisible(), false, "no welcome for someone who has a name");
  await context.close();
});

test("the home screen works before the engine arrives, waits for it to make a council, and offers to fetch it again", async () => {
  // No service worker: it would serve the engine from its cache, past the routes below.
  const context = await env.browser.newContext({ viewport: { width: 360, height: 740 }, serviceWorkers: "block" });
  context.setDefaultTimeout(15_000);
  const page = await context.newPage();
  // The engine (every document, sync and the spaces' screens) held back: a slow network.
  let release;
  const held = new Promise((resolve) => (release = resolve));
  let engineRequests = 0;
  await page.route(/\/split_[^/]*\.wasm$/, async (route) => {
    engineRequests += 1;
    if (engineRequests <= 2) {
      // The first two tries fail, as on a network that drops.
      await route.abort("internetdisconnected");
      return;
    }
    await held;
    await route.continue();
  });
  await page.goto(env.relay.url);
  // The first part alone: the welcome, the name, the language, the forms.
  await page.getByLabel("Dit navn").fill("Anna");
  await page.getByRole("button", { name: "English" }).click();
  await page.getByRole("heading", { level: 2, name: "Welcome to Landsbyplan" }).waitFor();
  await page.getByRole("button", { name: "Dansk" }).click();
  // The failed fetch is said, with a way to try again. A link pasted meanwhile tries again
  // (and fails again here): its form says so too.
  const failed = page.getByText("Resten af appen kunne ikke hentes. Tjek forbindelsen, og prøv igen.");
  await failed.first().waitFor();
  await page.getByLabel("Har du fået et delingslink som tekst?").fill("https://example.invalid/#edit=nothing");
  await page.getByRole("button", { name: "Deltag" }).click();
  await page.waitForFunction(() =>
    [...document.querySelectorAll("[role=alert]")].filter((p) => p.textContent.includes("kunne ikke hentes")).length === 2);
  assert.equal(engineRequests, 2);
  await page.getByRole("button", { name: "Prøv igen" }).click();
  await page.getByText("Henter gemte lokalråd …").waitFor();
  // A council asked for now waits for the engine, then is made.
  await page.getByLabel("Lokalrådets navn").fill("Hejnsvig Lokalråd");
  const create = page.getByRole("button", { name: "Opret lokalråd" });
  await create.click();
  // It waits (the form is busy and says why, the button keeps the keyboard's focus)
  // rather than failing.
  await page.locator("form[aria-busy=true] button[aria-disabled=true]", { hasText: "Opret lokalråd" }).waitFor();
  assert.equal(await page.evaluate(() => document.activeElement?.textContent.trim()), "Opret lokalråd", "the button keeps the focus");
  await page.locator("section[aria-labelledby=councils-heading] [role=status]", { hasText: "Henter resten af appen …" }).waitFor();
  assert.equal(await page.locator("section[aria-labelledby=councils-heading] .error").count(), 0, "no error while the engine is on its way");
  // The network asked for three times at once (a press, Enter, another press) is made once.
  await page.evaluate(() => {
    const form = document.getElementById("network-name").form;
    for (let press = 0; press < 3; press += 1) form.requestSubmit();
  });
  release();
  // Made, the network's screen opens; the home screen then lists one of it.
  await page.getByRole("heading", { level: 2, name: "Landdistrikterne i Billund Kommune" }).waitFor();
  await page.getByRole("banner").getByRole("link", { name: "Landsbyplan" }).click();
  await page.getByRole("link", { name: "Hejnsvig Lokalråd" }).waitFor();
  assert.equal(await page.getByRole("link", { name: "Landdistrikterne i Billund Kommune" }).count(), 1, "one network");
  // With the engine here, no form still says it could not be fetched.
  assert.equal(await failed.count(), 0, "the failure is no longer said");
  assert.equal(await page.title(), "Landsbyplan");
  await page.getByRole("link", { name: "Hejnsvig Lokalråd" }).click();
  await page.getByRole("heading", { level: 2, name: "Hejnsvig Lokalråd" }).waitFor();
  // The window's title names the space, and only while it is shown.
  await page.waitForFunction(() => document.title === "Hejnsvig Lokalråd – Landsbyplan");
  await page.getByRole("banner").getByRole("link", { name: "Landsbyplan" }).click();
  await page.waitForFunction(() => document.title === "Landsbyplan");
  await page.getByRole("link", { name: "Hejnsvig Lokalråd" }).click();
  await page.getByRole("heading", { level: 2, name: "Hejnsvig Lokalråd" }).waitFor();
  assert.equal(engineRequests, 3);

  // A link straight to a space's screen, with the engine held back: it says so, then draws.
  const direct = await context.newPage();
  let again;
  const heldAgain = new Promise((resolve) => (again = resolve));
  await context.route(/\/split_[^/]*\.wasm$/, async (route) => {
    await heldAgain;
    await route.continue();
  });
  await direct.goto(page.url());
  await direct.getByText("Henter resten af appen …").waitFor();
  again();
  await direct.getByRole("heading", { level: 2, name: "Hejnsvig Lokalråd" }).waitFor();
  await context.close();
});

test("a council created on a phone survives a reload and a reload while offline", async () => {
  const context = await phoneContext(env.browser);
  context.setDefaultTimeout(15_000);
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (error) => errors.push(error.message));
  page.on("console", (message) => {
    if (message.type() === "error") errors.push(message.text());
  });

  await page.goto(env.relay.url);
  await page.getByRole("heading", { name: "Lokalråd på denne enhed" }).waitFor();
  assert.equal(await serviceWorkerReady(page), "activated");

  await page.getByLabel("Dit navn").fill("Anna Jensen");
  await page.getByLabel("Lokalrådets navn").fill("Vorbasse Lokalråd");
  await page.getByRole("button", { name: "Opret lokalråd" }).click();
  await page.getByRole("status").filter({ hasText: "Vorbasse Lokalråd er oprettet" }).waitFor();
  await page.getByRole("listitem").filter({ hasText: "Vorbasse Lokalråd" }).waitFor();

  await page.reload();
  await page.getByRole("listitem").filter({ hasText: "Vorbasse Lokalråd" }).waitFor();
  assert.equal(await page.getByLabel("Dit navn").inputValue(), "Anna Jensen");

  await context.setOffline(true);
  await page.reload();
  await page.getByRole("status").filter({ hasText: "Du er offline" }).waitFor();
  await page.getByRole("listitem").filter({ hasText: "Vorbasse Lokalråd" }).waitFor();

  // Offline, a second council is still created and kept.
  await page.getByLabel("Lokalrådets navn").fill("Hejnsvig Lokalråd");
  await page.getByRole("button", { name: "Opret lokalråd" }).click();
  await page.getByRole("listitem").filter({ hasText: "Hejnsvig Lokalråd" }).waitFor();
  await page.reload();
  await page.getByRole("listitem").filter({ hasText: "Hejnsvig Lokalråd" }).waitFor();
  assert.deepEqual(await page.getByRole("heading", { level: 3 }).allTextContents(), [
    "Hejnsvig Lokalråd",
    "Vorbasse Lokalråd",
  ]);

  // The connection comes and goes: what is on the screen stays where it is (the notice is
  // said at the foot of the window, over the page).
  const heading = page.getByRole("heading", { name: "Lokalråd på denne enhed" });
  const notice = page.getByRole("status").filter({ hasText: "Du er offline" });
  const offline = await heading.boundingBox();
  await context.setOffline(false);
  await notice.waitFor({ state: "detached" });
  assert.equal((await heading.boundingBox()).y, offline.y, "going online moves nothing");
  await context.setOffline(true);
  await notice.waitFor();
  assert.equal((await heading.boundingBox()).y, offline.y, "going offline moves nothing");
  const box = await notice.boundingBox();
  assert.ok(Math.abs(box.y + box.height - 740) < 1, `the notice is at the foot of the window (${box.y} + ${box.height})`);
  // Nothing that takes the focus is hidden under it (WCAG 2.4.11): Tab through the page.
  const under = [];
  for (let step = 0; step < 40; step += 1) {
    await page.keyboard.press("Tab");
    const focused = await page.evaluate(() => {
      const r = document.activeElement?.getBoundingClientRect();
      return r && { y: r.y, name: document.activeElement.textContent.trim() || document.activeElement.id };
    });
    if (focused && focused.y >= box.y) under.push(focused.name);
  }
  assert.deepEqual(under, [], "focused under the notice");

  assert.deepEqual(errors, []);
  await context.close();
});

test("an empty name is refused in plain words and nothing is created", async () => {
  const context = await phoneContext(env.browser);
  context.setDefaultTimeout(15_000);
  const page = await context.newPage();
  await page.goto(env.relay.url);
  await page.getByText("Der er endnu ingen lokalråd på denne enhed.").waitFor();
  await page.getByLabel("Lokalrådets navn").fill("   ");
  await page.getByRole("button", { name: "Opret lokalråd" }).click();
  await page.getByRole("alert").filter({ hasText: "Skriv et navn først." }).waitFor();
  assert.equal(await page.getByRole("listitem").count(), 0);
  await context.close();
});

test("the language switches to English and back, and is remembered", async () => {
  const context = await phoneContext(env.browser);
  context.setDefaultTimeout(15_000);
  const page = await context.newPage();
  await page.goto(env.relay.url);
  assert.equal(await page.getAttribute("html", "lang"), "da");
  await page.getByRole("button", { name: "English" }).click();
  await page.getByRole("heading", { name: "Local councils on this device" }).waitFor();
  await page.getByLabel("Local council's name").waitFor();
  assert.equal(await page.getAttribute("html", "lang"), "en");

  await page.reload();
  await page.getByRole("heading", { name: "Local councils on this device" }).waitFor();
  await page.getByRole("button", { name: "Dansk" }).click();
  await page.getByRole("heading", { name: "Lokalråd på denne enhed" }).waitFor();
  await context.close();
});

test("the home screen fits a 360-pixel phone without sideways scrolling", async () => {
  const context = await phoneContext(env.browser);
  const page = await context.newPage();
  await page.goto(env.relay.url);
  await page.getByRole("heading", { name: "Lokalråd på denne enhed" }).waitFor();
  const overflow = await page.evaluate(
    () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
  );
  assert.equal(overflow, 0);
  await context.close();
});

test("many edits are compacted into a snapshot and nothing is lost", async () => {
  const context = await phoneContext(env.browser);
  context.setDefaultTimeout(15_000);
  const page = await context.newPage();
  await page.goto(env.relay.url);
  await page.getByLabel("Lokalrådets navn").fill("Filskov");
  await page.getByRole("button", { name: "Opret lokalråd" }).click();
  const item = page.getByRole("listitem").filter({ hasText: "Filskov" });
  await item.getByText("Del og omdøb").click();
  for (let n = 1; n <= 40; n++) {
    await item.getByLabel("Nyt navn").fill(`Filskov ${n}`);
    await item.getByRole("button", { name: "Gem navn" }).click();
    await page.getByRole("heading", { level: 3, name: `Filskov ${n}`, exact: true }).waitFor();
  }
  const chunks = await page.evaluate(
    () =>
      new Promise((resolve, reject) => {
        const open = indexedDB.open("landsbyplan");
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const count = open.result.transaction("chunks").objectStore("chunks").count();
          count.onsuccess = () => resolve(count.result);
          count.onerror = () => reject(count.error);
        };
      }),
  );
  assert.ok(chunks <= 10, `40 edits left ${chunks} chunks, not 41`);
  await page.reload();
  await page.getByRole("heading", { level: 3, name: "Filskov 40", exact: true }).waitFor();
  await context.close();
});

test("the home screen tells how much the app stores on the device", async () => {
  const context = await phoneContext(env.browser);
  context.setDefaultTimeout(15_000);
  const page = await context.newPage();
  await page.goto(env.relay.url);
  const section = page.getByRole("region", { name: "Lagerplads på denne enhed" });
  // Written as Danish writes decimals: "3,5 MB".
  const figures = section.getByText(/^Landsbyplan bruger \d+,\d MB af de \d+,\d MB/);
  await figures.waitFor();
  const [used, quota] = (await figures.textContent()).match(/\d+,\d/g).map((n) => Number(n.replace(",", ".")));
  assert.ok(quota > 0 && used <= quota, `${used} MB of ${quota} MB`);
  await section.getByText(/Browseren (har lovet|kan slette)/).waitFor();
  await context.close();
});

test("the person's role is chosen once and remembered on the device", async () => {
  const context = await phoneContext(env.browser);
  context.setDefaultTimeout(15_000);
  const page = await context.newPage();
  await page.goto(env.relay.url);
  const role = page.getByLabel("Din rolle");
  assert.equal(await role.inputValue(), "citizen");
  await role.selectOption({ label: "Fagperson i kommunen" });
  await page.reload();
  await page.getByLabel("Din rolle").waitFor();
  assert.equal(await page.getByLabel("Din rolle").inputValue(), "professional");
  await page.getByRole("button", { name: "English" }).click();
  assert.equal(
    await page.getByLabel("Your role").locator("option:checked").textContent(),
    "Municipal professional",
  );
  await context.close();
});
