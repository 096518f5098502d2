// The glimpse: a space's screen opened again shows at once what it showed last on this
// phone (what was typed included), inert and under an "opening" status, until the screen
// itself is drawn; it says nothing of the present, owns no ids, passes axe, gives way to
// an error, and is not shown in another language or for a space the phone does not have.
import assert from "node:assert/strict";
import { test } from "node:test";
import { relayAndBrowser, violations } from "./support.mjs";

const env = relayAndBrowser();

const ENGINE = /\/split_[^/]*\.wasm$/;

/** Holds the engine's fetches in `context` until the returned function is called (then lets them through). */
async function holdEngine(context) {
  let release;
  const held = new Promise((resolve) => (release = resolve));
  await context.route(ENGINE, async (route) => {
    await held;
    await route.continue();
  });
  return release;
}

/** The glimpse kept for `path` in the page's localStorage, or null. */
function kept(page, path) {
  return page.evaluate((path) => JSON.parse(localStorage.getItem(`landsbyplan.glimpse:${path}`)), path);
}

test("a space's screen shows what it showed last until it is drawn, and only that", async () => {
  // No service worker: it would serve the engine from its cache, past the routes below.
  const context = await env.browser.newContext({
    viewport: { width: 360, height: 740 },
    serviceWorkers: "block",
    bypassCSP: true,
  });
  context.setDefaultTimeout(15_000);
  const page = await context.newPage();
  await page.goto(env.relay.url);
  await page.getByLabel("Dit navn").fill("Birthe");
  await page.getByLabel("Lokalrådets navn").fill("Filskov Lokalråd");
  await page.getByRole("button", { name: "Opret lokalråd" }).click();
  await page.getByRole("link", { name: "Filskov Lokalråd" }).click();
  await page.getByRole("heading", { level: 2, name: "Filskov Lokalråd" }).waitFor();
  const path = new URL(page.url()).pathname;
  const vision = "Et Filskov med plads til <alle> & nye familier";
  await page.getByLabel("Lokalrådets vision").fill(vision);
  const addAction = page.locator("form").filter({ has: page.getByRole("heading", { name: "Tilføj en handling" }) });
  await addAction.getByLabel("Handling").fill("Shelter ved søen");
  await addAction.getByRole("button", { name: "Tilføj handling" }).click();
  await page.getByRole("heading", { level: 3, name: "Shelter ved søen" }).waitFor();
  // What was typed is kept (a second after the last change), in the page's language.
  await page.waitForFunction(
    (path) => localStorage.getItem(`landsbyplan.glimpse:${path}`)?.includes("plads til &lt;alle&gt; &amp; nye familier"),
    path,
  );
  const copy = await kept(page, path);
  assert.equal(copy.language, "Danish");
  assert.ok(!copy.html.includes("<alle>"), "typed text is kept escaped");

  // Opened again, with the engine held back (a slow phone): the glimpse at once.
  const release = await holdEngine(context);
  const again = await context.newPage();
  await again.goto(page.url());
  const glimpse = again.locator(".glimpse");
  await glimpse.waitFor();
  await again.getByRole("status").filter({ hasText: "Sådan så det ud sidst. Åbner …" }).waitFor();
  assert.equal(await glimpse.locator("textarea").inputValue(), vision, "what was typed");
  // The copy reaches twice the window's height down: the sharing at the bottom is left out.
  assert.equal(await glimpse.locator("h2", { hasText: "Vision" }).count(), 1, "the vision's heading");
  assert.equal(await glimpse.locator("h2", { hasText: /^Del$/ }).count(), 0, "the sharing at the bottom");
  assert.ok(await glimpse.evaluate((element) => element.getBoundingClientRect().height <= 2 * innerHeight + 400));
  assert.equal(await glimpse.evaluate((element) => element.inert), true, "nothing in it can be used");
  const facts = await again.evaluate(() => {
    const glimpse = document.querySelector(".glimpse");
    return {
      ids: glimpse.querySelectorAll("[id], [for], [name], [aria-labelledby]").length,
      claims: glimpse.querySelectorAll("[role=status], [role=alert], [aria-live], [data-now]").length,
      kind: glimpse.querySelector(".kind").textContent,
      busy: glimpse.closest("[aria-busy=true]") !== null,
      typable: [...document.querySelectorAll("textarea, input")].filter((field) => field.closest("[inert], [hidden]") === null).length,
    };
  });
  // The sync state ("Alt er delt", "… venter") is a claim about now: left out.
  assert.deepEqual(facts, { ids: 0, claims: 0, kind: "Lokalråd", busy: true, typable: 0 });
  // Nothing in it can take the keyboard's focus.
  await again.keyboard.press("Tab");
  await again.keyboard.press("Tab");
  await again.keyboard.press("Tab");
  assert.equal(await again.evaluate(() => document.activeElement.closest(".glimpse")), null);
  assert.deepEqual(await violations(again), [], "the glimpse has no serious accessibility problems");

  // The engine arrives: the screen itself replaces the glimpse, with the same text, usable.
  release();
  await again.getByLabel("Lokalrådets vision").waitFor();
  assert.equal(await again.getByLabel("Lokalrådets vision").inputValue(), vision);
  assert.equal(await again.locator(".glimpse").count(), 0, "the glimpse is gone");
  assert.equal(await again.getByText("Sådan så det ud sidst", { exact: false }).count(), 0);
  await again.getByLabel("Lokalrådets vision").fill(`${vision}.`);
  await again.waitForFunction((path) => localStorage.getItem(`landsbyplan.glimpse:${path}`)?.includes("familier.<"), path);

  // The engine cannot be fetched: the glimpse gives way to the error and its button.
  const refuse = (route) => route.abort("internetdisconnected");
  await context.route(ENGINE, refuse);
  const failing = await context.newPage();
  await failing.goto(page.url());
  await failing.getByRole("alert").filter({ hasText: "Resten af appen kunne ikke hentes" }).waitFor();
  assert.equal(await failing.locator(".glimpse").count(), 0, "no glimpse beside the error");
  await failing.close();
  await context.unroute(ENGINE, refuse);

  // In another language, the Danish glimpse is not shown.
  await page.goto(env.relay.url);
  await page.getByRole("button", { name: "English" }).click();
  await page.getByRole("heading", { level: 2, name: "Local councils on this device" }).waitFor();
  const releaseAgain = await holdEngine(context);
  const english = await context.newPage();
  await english.goto(`${env.relay.url.replace(/\/$/, "")}${path}`);
  await english.getByText("Fetching the rest of the app …").waitFor();
  assert.equal(await english.locator(".glimpse").count(), 0, "no glimpse in the other language");
  releaseAgain();
  await english.getByRole("heading", { level: 2, name: "Filskov Lokalråd" }).waitFor();
  await english.close();
  await page.getByRole("button", { name: "Dansk" }).click();

  // A glimpse kept for a space this phone does not have is forgotten once that is known.
  const missing = path.replace(/.$/, (last) => (last === "0" ? "1" : "0"));
  await page.evaluate(([from, to]) => {
    localStorage.setItem(`landsbyplan.glimpse:${to}`, localStorage.getItem(`landsbyplan.glimpse:${from}`));
  }, [path, missing]);
  await page.goto(`${env.relay.url.replace(/\/$/, "")}${missing}`);
  await page.getByRole("heading", { level: 2, name: "Rummet findes ikke på denne enhed" }).waitFor();
  assert.equal(await page.locator(".glimpse").count(), 0);
  await page.waitForFunction((missing) => localStorage.getItem(`landsbyplan.glimpse:${missing}`) === null, missing);
  assert.notEqual(await kept(page, path), null, "the real space's glimpse stays");
  await context.close();
});

test("a phone keeps the glimpses of its twelve latest addresses, and none too large to read at once", async () => {
  const context = await env.browser.newContext({ viewport: { width: 360, height: 740 }, serviceWorkers: "block" });
  const page = await context.newPage();
  await page.goto(env.relay.url);
  const left = await page.evaluate(async () => {
    const screen = document.createElement("div");
    screen.innerHTML = "<h2 id='x'>Navn</h2><p role='status'>Alt er delt</p><textarea name='v'></textarea><input type='checkbox'>";
    document.body.append(screen);
    screen.querySelector("textarea").value = "skrevet";
    screen.querySelector("input").checked = true;
    for (let n = 1; n <= 14; n += 1) {
      landsbyplanGlimpse.keep(`/space/${n}`, screen);
      // Told apart by time.
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    const one = JSON.parse(localStorage.getItem("landsbyplan.glimpse:/space/14"));
    // Too large: not kept, and the older copy of that address goes too.
    const large = document.createElement("div");
    large.textContent = "x".repeat(200 * 1024);
    document.body.append(large);
    landsbyplanGlimpse.keep("/space/14", large);
    landsbyplanGlimpse.forget("/space/13");
    return {
      kept: Object.keys(localStorage).filter((key) => key.startsWith("landsbyplan.glimpse:")).sort(),
      index: Object.keys(JSON.parse(localStorage.getItem("landsbyplan.glimpses"))).sort(),
      html: one.html,
    };
  });
  const expected = [3, 4, 5, 6, 7, 8, 9, 10, 11, 12].map((n) => `/space/${n}`).sort();
  assert.deepEqual(left.kept, expected.map((path) => `landsbyplan.glimpse:${path}`));
  assert.deepEqual(left.index, expected);
  assert.equal(left.html, '<h2>Navn</h2><textarea>skrevet</textarea><input type="checkbox" checked="">');
  await context.close();
});
