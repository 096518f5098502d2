// The glimpse: a space's screen (or a meeting's or an application's) opened again shows at once what it showed
// last on this phone (what was typed included), inert but for its long texts (which can be
// typed in at once, nothing of it lost) and under an "opening" status, before any of the
// app's code has arrived and until the screen itself is drawn; it says nothing of the
// present, keeps no share link, draft or id, passes axe and the app's security policy,
// gives way to an error, and is not shown in another language or for a space the phone
// does not have (which it then forgets).
import assert from "node:assert/strict";
import { test } from "node:test";
import { screenDrawn } from "./phones.mjs";
import { relayAndBrowser, violations } from "./support.mjs";

const env = relayAndBrowser();

const ENGINE = /\/split_[^/]*\.wasm$/;
const ANY_WASM = /\.wasm$/;
const KEY = "landsbyplan.glimpse:";

/** Holds `pattern`'s fetches in `context` (or one page) until the returned function is called (then lets them through). */
async function hold(context, pattern) {
  let release;
  const held = new Promise((resolve) => (release = resolve));
  await context.route(pattern, async (route) => {
    await held;
    await route.continue();
  });
  return release;
}

/** The glimpse kept for `path` in the page's localStorage, or null. */
function kept(page, path) {
  return page.evaluate((key) => JSON.parse(localStorage.getItem(key)), KEY + path);
}

/** Waits until the glimpse kept for `path` holds `text` (as serialized markup). */
function keptWith(page, path, text) {
  return page.waitForFunction(([key, text]) => localStorage.getItem(key)?.includes(text), [KEY + path, text]);
}

/**
 * A fresh 360 × 740 phone (no service worker: it would serve the app's code from its cache,
 * past the routes the tests hold; axe is injected as an inline script, so the security
 * policy is bypassed) where `person` has made the council `name` and opened its screen.
 */
async function councilScreen(person, name) {
  const context = await env.browser.newContext({
    viewport: { width: 360, height: 740 },
    serviceWorkers: "block",
    bypassCSP: true,
  });
  context.setDefaultTimeout(15_000);
  const page = await context.newPage();
  await page.goto(env.relay.url);
  await page.getByLabel("Dit navn").fill(person);
  await page.getByLabel("Lokalrådets navn").fill(name);
  await page.getByRole("button", { name: "Opret lokalråd" }).click();
  await page.getByRole("link", { name }).click();
  await page.getByRole("heading", { level: 2, name }).waitFor();
  return { context, page };
}

/**
 * What the glimpse on `page` is: its fields' text; the names of those of its links, buttons
 * and fields that take the focus when asked (only its long texts should); how many ids and
 * id references it has; how many of its claims about the present can be seen; its kind
 * line; and how many fields on the page can be typed in.
 */
function glimpseFacts(page) {
  return page.evaluate(() => {
    const glimpse = document.querySelector(".glimpse");
    const focusable = [...glimpse.querySelectorAll("a, button, textarea, input, select, summary")];
    const focused = focusable.filter((element) => {
      element.focus({ preventScroll: true });
      return document.activeElement === element;
    });
    document.activeElement?.blur();
    return {
      texts: [...glimpse.querySelectorAll("textarea")].map((field) => field.value),
      focusable: focusable.length > focused.length,
      focused: focused.map((element) => `${element.tagName} ${element.getAttribute("aria-label")}`),
      ids: glimpse.querySelectorAll("[id], [for], [name], [aria-labelledby]").length,
      // What spoke of the present keeps its place, unseen.
      claims: [...glimpse.querySelectorAll("[role=status], [role=alert], [aria-live], [data-now]")]
        .filter((element) => getComputedStyle(element).visibility !== "hidden").length,
      kind: glimpse.querySelector(".kind")?.innerText.trim(),
      typable: [...document.querySelectorAll("textarea, input")]
        .filter((field) => field.closest("[inert], [hidden]") === null).length,
    };
  });
}

test("a space's screen shows what it showed last until it is drawn, and only that", async () => {
  // (The strict context below keeps the security policy.)
  const { context, page } = await councilScreen("Birthe", "Filskov Lokalråd");
  const path = new URL(page.url()).pathname;
  const screenUrl = page.url();
  const vision = "Et Filskov med plads til <alle> & nye familier";
  await page.getByLabel("Lokalrådets vision").fill(vision);
  // A draft in a form not yet sent is not the document's: not kept.
  const addAction = page.locator("form").filter({ has: page.getByRole("heading", { name: "Tilføj en handling" }) });
  await addAction.getByLabel("Handling").fill("Kladde til en handling");
  // What was typed in the vision is kept a second after the last change, escaped, with
  // the page's language and the status to show above it.
  await keptWith(page, path, "plads til &lt;alle&gt; &amp; nye familier");
  const copy = await kept(page, path);
  assert.equal(copy.language, "da");
  assert.equal(copy.status, "Sådan så det ud sidst. Åbner …");
  assert.ok(!copy.html.includes("Kladde til en handling"), "no draft");
  assert.ok(!copy.html.includes("#edit="), "no share link");

  // A change left at once (the page navigated away within the second) is kept on leaving.
  await page.getByLabel("Lokalrådets vision").fill(`${vision}, også om vinteren`);
  await page.goto(env.relay.url);
  assert.ok((await kept(page, path)).html.includes("også om vinteren"), "kept when the page was left");
  await page.goto(screenUrl);
  await page.waitForFunction(() => document.querySelector(".glimpse") === null);
  await page.getByLabel("Lokalrådets vision").fill(vision);
  await keptWith(page, path, "nye familier</textarea>");
  await page.goto(env.relay.url);

  // Opened again, with the engine held back (a slow phone): the glimpse at once.
  const release = await hold(context, ENGINE);
  const again = await context.newPage();
  await again.goto(screenUrl);
  const glimpse = again.locator("main .glimpse");
  await glimpse.waitFor();
  await again.getByRole("status").filter({ hasText: "Sådan så det ud sidst. Åbner …" }).waitFor();
  assert.equal(await glimpse.locator("textarea").inputValue(), vision, "what was typed");
  assert.equal(await glimpse.locator("h2", { hasText: "Vision" }).count(), 1, "the vision's heading");
  assert.equal(await glimpse.locator("h2", { hasText: /^Del$/ }).count(), 0, "the sharing (its links hold the keys)");
  const { texts, ...facts } = await glimpseFacts(again);
  assert.ok(texts.includes(vision), "what was typed, in the glimpse's fields");
  // The sync state ("Alt er delt", "… venter") is a claim about now: left out.
  // Only the vision can be typed in; it is named as on the screen.
  assert.deepEqual(facts, {
    focusable: true, focused: ["TEXTAREA Lokalrådets vision (gemmes, mens du skriver)"], ids: 0, claims: 0, kind: "Lokalråd", typable: 1,
  });
  assert.deepEqual(await violations(again), [], "the glimpse has no serious accessibility problems");

  // The engine arrives: the screen itself replaces the glimpse, with the same text, usable.
  release();
  await again.waitForFunction(() => document.querySelector(".glimpse") === null);
  assert.equal(await again.getByLabel("Lokalrådets vision").inputValue(), vision);
  assert.equal(await again.locator(".glimpse").count(), 0, "the glimpse is gone");
  assert.equal(await again.getByText("Sådan så det ud sidst", { exact: false }).count(), 0);
  // The sync state is worded anew as it syncs, in one line or two at a phone's width (the
  // glimpse kept an older wording): what lies below it stays where it is.
  const below = async (wording) => again.evaluate((wording) => {
    const state = document.querySelector(".kind [data-now]");
    state.textContent = wording;
    return { lines: state.getClientRects().length, y: document.getElementById("vision-heading").getBoundingClientRect().y };
  }, wording);
  const [oneLine, twoLines] = [await below(" · Gemt"), await below(` · ${"Delt – alt er synkroniseret ".repeat(2)}`)];
  assert.deepEqual([oneLine.lines, twoLines.lines], [1, 2], "the wordings take one line and two");
  assert.ok(Math.abs(oneLine.y - twoLines.y) < 1, `the vision stays where it is (${oneLine.y} → ${twoLines.y})`);
  await again.getByLabel("Lokalrådets vision").fill(`${vision}.`);
  await keptWith(again, path, "familier.</textarea>");
  await again.close();

  // The engine cannot be fetched: the glimpse gives way to the error and its button.
  const refuse = (route) => route.abort("internetdisconnected");
  await context.route(ENGINE, refuse);
  const failing = await context.newPage();
  await failing.goto(screenUrl);
  await failing.getByRole("alert").filter({ hasText: "Resten af appen kunne ikke hentes" }).waitFor();
  assert.equal(await failing.locator(".glimpse").count(), 0, "no glimpse beside the error");
  await failing.close();
  await context.unroute(ENGINE, refuse);


  // On a phone that does not have the space (its storage here holds only the glimpse),
  // under the app's real security policy and before any of its code has arrived: the
  // glimpse shows, in the shell, under its status; then the app finds no such space,
  // says so, and forgets the glimpse.
  const stored = await page.evaluate(() => Object.fromEntries(
    Object.keys(localStorage)
      .filter((key) => key.startsWith("landsbyplan.glimpse") || key === "landsbyplan.profile-name")
      .map((key) => [key, localStorage.getItem(key)])));
  const strict = await env.browser.newContext({ viewport: { width: 360, height: 740 }, serviceWorkers: "block" });
  strict.setDefaultTimeout(15_000);
  await strict.addInitScript((stored) => {
    if (sessionStorage.getItem("seeded")) return;
    sessionStorage.setItem("seeded", "1");
    for (const [key, value] of Object.entries(stored)) localStorage.setItem(key, value);
  }, stored);
  const releaseCode = await hold(strict, ANY_WASM);
  const elsewhere = await strict.newPage();
  const refused = [];
  elsewhere.on("console", (message) => {
    if (message.type() === "error") refused.push(message.text());
  });
  await elsewhere.goto(screenUrl);
  const early = elsewhere.locator("#shell > .glimpse");
  await early.waitFor();
  assert.equal(await early.locator("textarea").inputValue(), `${vision}.`);
  assert.equal(await elsewhere.locator("#shell [role=status]").textContent(), "Sådan så det ud sidst. Åbner …");
  assert.equal(await early.evaluate((element) => element.querySelector("h2").closest("[inert]") !== null), true);
  // Typed in before the app finds that the space is not here: forgotten with the glimpse.
  await early.locator("textarea").press("End");
  await early.locator("textarea").pressSequentially(" Mere");
  await elsewhere.waitForFunction((path) => localStorage.getItem(`landsbyplan.typed:${path}`) !== null, path);
  releaseCode();
  await elsewhere.getByRole("heading", { level: 2, name: "Rummet findes ikke på denne enhed" }).waitFor();
  assert.equal(await elsewhere.locator(".glimpse").count(), 0);
  await elsewhere.waitForFunction((key) => localStorage.getItem(key) === null, KEY + path);
  assert.equal(await elsewhere.evaluate((path) => localStorage.getItem(`landsbyplan.typed:${path}`), path), null);
  assert.deepEqual(refused.filter((text) => /Content Security Policy|Refused/.test(text)), [], "nothing refused by the policy");
  await strict.close();
  assert.notEqual(await kept(page, path), null, "the phone that has the space keeps its glimpse");

  // Typed in the glimpse, and then the engine cannot be fetched: the error says that what
  // was typed is kept, the keyboard's focus goes to its button, and after it the typing is in.
  let tries = 0;
  let dropNow;
  const dropped = new Promise((resolve) => (dropNow = resolve));
  const dropFirst = async (route) => {
    tries += 1;
    if (tries > 1) return route.continue();
    await dropped;
    return route.abort("internetdisconnected");
  };
  await context.route(ENGINE, dropFirst);
  const typing = await context.newPage();
  await typing.goto(screenUrl);
  const typedCopy = typing.locator(".glimpse textarea[data-live=vision]");
  await typedCopy.waitFor();
  await typeAt(typedCopy, [...`${vision}.`].length, " Også for unge.");
  await typing.waitForFunction((key) => localStorage.getItem(key)?.includes("Også for unge."), `landsbyplan.typed:${path}`);
  dropNow();
  await typing.getByRole("alert")
    .filter({ hasText: "Resten af appen kunne ikke hentes. Tjek forbindelsen, og prøv igen. Det, du skrev, er gemt på telefonen og kommer med, når resten af appen er hentet." })
    .waitFor();
  assert.equal(await typing.evaluate(() => document.activeElement?.textContent.trim()), "Prøv igen", "the focus is on the way on");
  await typing.keyboard.press("Enter");
  await typing.waitForFunction((value) => document.querySelector("textarea[id^='vision-']")?.value === value, `${vision}. Også for unge.`);
  assert.equal(await typing.getByText("Det, du skrev, er gemt", { exact: false }).count(), 0, "said no more once it is in");
  assert.equal(tries, 2);
  // Without typing, the error says nothing of it.
  await typing.waitForFunction((key) => localStorage.getItem(key) === null, `landsbyplan.typed:${path}`);
  await context.route(ENGINE, refuse);
  await typing.reload();
  await typing.getByRole("alert").filter({ hasText: "Resten af appen kunne ikke hentes" }).waitFor();
  assert.equal(await typing.getByText("Det, du skrev, er gemt", { exact: false }).count(), 0, "nothing typed, nothing said");
  await typing.close();
  await context.unroute(ENGINE, refuse);
  await context.unroute(ENGINE, dropFirst);

  // In another language, the Danish glimpse is not shown; the English screen keeps its own.
  await page.goto(env.relay.url);
  await page.getByRole("button", { name: "English" }).click();
  await page.getByRole("heading", { level: 2, name: "Local councils on this device" }).waitFor();
  const releaseAgain = await hold(context, ENGINE);
  const english = await context.newPage();
  await english.goto(screenUrl);
  await english.getByText("Fetching the rest of the app …").waitFor();
  assert.equal(await english.locator(".glimpse").count(), 0, "no glimpse in the other language");
  releaseAgain();
  await english.getByRole("heading", { level: 2, name: "Filskov Lokalråd" }).waitFor();
  await english.waitForFunction((key) => JSON.parse(localStorage.getItem(key) ?? "null")?.language === "en", KEY + path);
  assert.equal((await kept(english, path)).status, "As it looked last time. Opening …");
  await context.close();
});

/** A seeded random number generator (mulberry32): the same walk every run. */
function seeded(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Puts the caret in `field` (a locator) at character `at`, and types `text` there key by key. */
async function typeAt(field, at, text) {
  await field.evaluate((element, at) => {
    element.focus();
    const units = [...element.value].slice(0, at).join("").length;
    element.setSelectionRange(units, units);
  }, at);
  await field.pressSequentially(text);
}

test("what is typed in a glimpse before the app's code arrives is kept, through a tab closed early, and typing goes on in the screen where it was", async () => {
  const { context, page } = await councilScreen("Karen", "Hejnsvig Lokalråd");
  const path = new URL(page.url()).pathname;
  const screenUrl = page.url();
  const TYPED = `landsbyplan.typed:${path}`;
  let text = "Hejnsvig skal have en sø";
  await page.getByLabel("Lokalrådets vision").fill(text);
  await keptWith(page, path, `${text}</textarea>`);
  await page.goto(env.relay.url);

  // A seeded walk through what a phone does: starts where the app's code comes late
  // (typing in the glimpse, then the code arrives while typing, or the tab is closed
  // first), and starts where it comes at once. After each step the screen shows every
  // letter typed so far, where it was typed.
  const random = seeded(12);
  const words = ["bål", " ved skolen", "æ ø å ", "🌊", " og <shelter> & hytte", "\nNyt afsnit", "x"];
  let stepsInGlimpse = 0;
  let closedEarly = 0;
  let placesInOneGlimpse = 0;
  for (let step = 0; step < 8; step += 1) {
    const word = words[Math.floor(random() * words.length)];
    const at = Math.floor(random() * ([...text].length + 1));
    const late = random() < 0.75;
    const insert = (into, at, word) => [...into].slice(0, at).join("") + word + [...into].slice(at).join("");
    let expected = insert(text, at, word);
    const tab = await context.newPage();
    if (late) {
      const release = await hold(context, ENGINE);
      await tab.goto(screenUrl);
      const copy = tab.locator(".glimpse textarea[data-live=vision]");
      await copy.waitFor();
      assert.equal(await copy.inputValue(), text, `step ${step}: the glimpse shows everything typed so far`);
      await typeAt(copy, at, word);
      stepsInGlimpse += 1;
      if (random() < 0.5) {
        // And somewhere else too, before the code arrives.
        const second = words[Math.floor(random() * words.length)];
        const there = Math.floor(random() * ([...expected].length + 1));
        await typeAt(copy, there, second);
        expected = insert(expected, there, second);
        placesInOneGlimpse += 1;
      }
      await tab.waitForFunction(([key, typed]) => JSON.parse(localStorage.getItem(key) ?? "null")?.fields.vision?.steps.at(-1).typed === typed,
        [TYPED, expected]);
      if (random() < 0.4) {
        // The tab is closed before the code arrives: what was typed is in the next glimpse.
        await tab.close();
        release();
        closedEarly += 1;
        text = expected;
        continue;
      }
      release();
    } else {
      await tab.goto(screenUrl);
    }
    const vision = tab.locator("textarea[id^='vision-']");
    await vision.waitFor();
    if (!late) await typeAt(vision, at, word);
    await tab.waitForFunction((value) => document.querySelector("textarea[id^='vision-']").value === value, expected);
    assert.equal(await tab.locator(".glimpse").count(), 0);
    text = expected;
    await tab.close();
  }
  assert.ok(stepsInGlimpse >= 3 && closedEarly >= 1 && placesInOneGlimpse >= 1,
    `the walk typed in glimpses (${stepsInGlimpse}), at two places in one (${placesInOneGlimpse}), and closed one early (${closedEarly})`);

  // Typing goes on through the moment the screen takes over: the focus and the caret move
  // to the screen's own field, and no keystroke is lost or lands elsewhere.
  const release = await hold(context, ENGINE);
  const tab = await context.newPage();
  await tab.goto(screenUrl);
  const copy = tab.locator(".glimpse textarea[data-live=vision]");
  await copy.waitFor();
  assert.equal(await copy.inputValue(), text);
  await typeAt(copy, 0, "Nu: ");
  const where = await copy.boundingBox();
  const sentence = "sol og vand, plads til alle og en bålhytte, ";
  const typing = copy.pressSequentially(sentence, { delay: 60 }).then(() => Date.now());
  await new Promise((resolve) => setTimeout(resolve, 200));
  const gone = tab.waitForFunction(() => document.querySelector(".glimpse") === null).then(() => Date.now());
  release();
  const [typedAt, goneAt] = await Promise.all([typing, gone]);
  assert.ok(goneAt < typedAt, "the screen took over while the person typed");
  const focused = await tab.evaluate(() => document.activeElement?.id ?? "");
  assert.match(focused, /^vision-/, "the screen's vision has the focus");
  const there = await tab.locator("textarea[id^='vision-']").boundingBox();
  assert.ok(Math.abs(there.y - where.y) < 1, `the field stays where it was (${where.y} → ${there.y})`);
  await tab.waitForFunction((value) => document.querySelector("textarea[id^='vision-']").value === value,
    `Nu: ${sentence}${text}`);
  await tab.keyboard.type("ja!");
  const final = `Nu: ${sentence}ja!${text}`;
  await tab.waitForFunction((value) => document.querySelector("textarea[id^='vision-']").value === value, final);
  await tab.waitForFunction((key) => localStorage.getItem(key) === null, TYPED);
  await tab.reload();
  await tab.locator("textarea[id^='vision-']").waitFor();
  assert.equal(await tab.locator("textarea[id^='vision-']").inputValue(), final, "kept");

  // A glimpse older than the document (the last change was made less than a second before
  // the app's own navigation left the screen): what is typed in it is taken as typed in
  // what it showed, so the newer change stays too.
  const older = await tab.evaluate((key) => localStorage.getItem(key), KEY + path);
  const screenVision = tab.locator("textarea[id^='vision-']");
  await typeAt(screenVision, 0, "Før: ");
  // And a few words between the two places typed at below taken out.
  await screenVision.evaluate((element) => {
    const at = element.value.indexOf("plads til ");
    element.setSelectionRange(at, at + "plads til ".length);
  });
  await screenVision.press("Backspace");
  await tab.waitForFunction((key) => localStorage.getItem(key)?.includes("Før: Nu: sol og vand, alle og"), KEY + path);
  // (Closing the tab keeps a glimpse again: the older one is put back after.)
  await tab.close();
  const home = await context.newPage();
  await home.goto(env.relay.url);
  await home.evaluate(([key, older]) => localStorage.setItem(key, older), [KEY + path, older]);
  await home.close();
  const releaseOld = await hold(context, ENGINE);
  const stale = await context.newPage();
  await stale.goto(screenUrl);
  const staleCopy = stale.locator(".glimpse textarea[data-live=vision]");
  await staleCopy.waitFor();
  assert.equal(await staleCopy.inputValue(), final, "the older glimpse");
  // Typed after "Nu: " and before "bålhytte" as the glimpse shows them: each lands there,
  // after the newer "Før: " too (a splice by position in the newer text would land inside
  // "Før: Nu: "), and the words taken out between them stay out (one splice from the first
  // place to the second would put them back).
  await typeAt(staleCopy, 4, "nu og ");
  await typeAt(staleCopy, (await staleCopy.inputValue()).indexOf("bålhytte"), "store ");
  await stale.waitForFunction((key) => JSON.parse(localStorage.getItem(key) ?? "null")?.fields.vision?.steps.length === 2, TYPED);
  releaseOld();
  await stale.waitForFunction(() => document.querySelector(".glimpse") === null);
  const merged = `Før: ${final.slice(0, 4)}nu og ${final.slice(4)}`.replace("plads til ", "").replace("bålhytte", "store bålhytte");
  await stale.waitForFunction((value) => document.querySelector("textarea[id^='vision-']").value === value, merged);
  await stale.reload();
  await screenDrawn(stale);
  assert.equal(await stale.locator("textarea[id^='vision-']").inputValue(), merged, "kept in the document");
  await context.close();
});

test("a meeting's and an application's screens opened again show what was typed at once, in place, and a meeting the phone lacks forgets its glimpse", async () => {
  const { context, page } = await councilScreen("Jonas", "Sdr. Omme Lokalråd");
  await page.getByLabel("Mødets titel").fill("Årsmøde");
  await page.getByRole("button", { name: "Opret mødet" }).click();
  await page.getByRole("heading", { level: 2, name: "Årsmøde" }).waitFor();
  const meetingUrl = page.url();
  await page.getByLabel("Dagsordenen").fill("1. Velkomst <og> kaffe\n2. Stien til skolen");
  await page.getByLabel("Referatet").fill("Stien & skolen: Jonas spørger kommunen.");
  // Kept a second after the last change (going back to the council's screen within that
  // second would leave the glimpse as it was: the app's own navigation neither hides nor
  // leaves the page).
  await keptWith(page, new URL(meetingUrl).pathname, "Stien &amp; skolen: Jonas spørger kommunen.");
  await page.goBack();
  await page.getByLabel("Ny ansøgning – projektets titel").fill("Sti til skolen");
  await page.getByRole("button", { name: "Start ansøgningen" }).click();
  await page.getByRole("heading", { level: 2, name: "Sti til skolen" }).waitFor();
  const applicationUrl = page.url();
  await page.getByLabel("Beskrivelse af projektet").fill("En sti <langs> vejen & over åen.");
  await keptWith(page, new URL(applicationUrl).pathname, "&lt;langs&gt; vejen &amp; over åen");

  for (const [url, title, fields] of [
    [meetingUrl, "Årsmøde", { Dagsordenen: "1. Velkomst <og> kaffe\n2. Stien til skolen", Referatet: "Stien & skolen: Jonas spørger kommunen." }],
    [applicationUrl, "Sti til skolen", { "Beskrivelse af projektet": "En sti <langs> vejen & over åen." }],
  ]) {
    const path = new URL(url).pathname;
    assert.match(path, /^\/space\/[^/]+\/(meeting|application)\/[^/]+$/);
    const typed = Object.values(fields);
    await page.waitForFunction(([key, typed]) => {
      const copy = JSON.parse(localStorage.getItem(key) ?? "null");
      const template = document.createElement("template");
      template.innerHTML = copy?.html ?? "";
      const texts = [...template.content.querySelectorAll("textarea")].map((field) => field.value);
      return typed.every((text) => texts.includes(text));
    }, [KEY + path, typed]);

    // Opened again with the engine held back: the screen as it looked, inert, at once.
    const release = await hold(context, ENGINE);
    const again = await context.newPage();
    await again.goto(url);
    const glimpse = again.locator("main .glimpse");
    await glimpse.waitFor();
    await again.getByRole("status").filter({ hasText: "Sådan så det ud sidst. Åbner …" }).waitFor();
    const heading = glimpse.locator("h2", { hasText: title });
    assert.equal(await heading.count(), 1, `${title}: the heading`);
    const before = await heading.boundingBox();
    const facts = await glimpseFacts(again);
    for (const text of typed) assert.ok(facts.texts.includes(text), `${title}: «${text}» as typed`);
    // Only the long texts can be typed in, named as on the screen.
    const names = Object.keys(fields);
    assert.deepEqual(
      { ids: facts.ids, claims: facts.claims, typable: facts.typable },
      { ids: 0, claims: 0, typable: names.length },
    );
    assert.equal(facts.focused.length, names.length);
    names.forEach((name, n) => assert.ok(facts.focused[n].startsWith(`TEXTAREA ${name}`), facts.focused[n]));
    assert.deepEqual(await violations(again), [], `${title}: the page with the glimpse has no serious accessibility problems`);

    // The engine arrives: the screen itself takes over where the glimpse was, with the
    // same text, and keeps the next edit.
    release();
    const [label, text] = Object.entries(fields)[0];
    await again.waitForFunction(() => document.querySelector(".glimpse") === null);
    assert.equal(await again.locator(".glimpse").count(), 0, `${title}: the glimpse is gone`);
    for (const [name, value] of Object.entries(fields)) assert.equal(await again.getByLabel(name).inputValue(), value);
    const after = await again.getByRole("heading", { level: 2, name: title }).boundingBox();
    assert.ok(Math.abs(after.y - before.y) < 1, `${title}: the heading stays where it was (${before.y} → ${after.y})`);
    await again.getByLabel(label).fill(`${text} Mere.`);
    await again.reload();
    await again.getByLabel(label).waitFor();
    assert.equal(await again.getByLabel(label).inputValue(), `${text} Mere.`, `${title}: the next edit is kept`);
    await again.close();
  }

  // A meeting this phone does not have (its address differs in the meeting's id), with a
  // glimpse kept for it: the glimpse shows, then the app says so and forgets it.
  const path = new URL(meetingUrl).pathname;
  const otherPath = path.replace(/.$/, (last) => (last === "0" ? "1" : "0"));
  await page.evaluate(([from, to]) => localStorage.setItem(to, localStorage.getItem(from)), [KEY + path, KEY + otherPath]);
  const release = await hold(context, ENGINE);
  const lacking = await context.newPage();
  await lacking.goto(new URL(otherPath, env.relay.url).href);
  await lacking.locator("main .glimpse").waitFor();
  release();
  await lacking.getByRole("heading", { level: 2, name: "Mødet findes ikke på denne enhed" }).waitFor();
  assert.equal(await lacking.locator(".glimpse").count(), 0);
  await lacking.waitForFunction((key) => localStorage.getItem(key) === null, KEY + otherPath);
  assert.notEqual(await kept(lacking, path), null, "the meeting the phone has keeps its glimpse");
  await context.close();
});

test("what was typed in a glimpse and can no longer go in stays under its field, through a reload, until the person forgets it", async () => {
  const { context, page } = await councilScreen("Lone", "Vorbasse Lokalråd");
  await context.grantPermissions(["clipboard-read", "clipboard-write"]);
  // A draft application, its screen kept as a glimpse.
  await page.getByLabel("Ny ansøgning – projektets titel").fill("Bænke ved søen");
  await page.getByRole("button", { name: "Start ansøgningen" }).click();
  await page.getByRole("heading", { level: 2, name: "Bænke ved søen" }).waitFor();
  const url = page.url();
  const path = new URL(url).pathname;
  const TYPED = `landsbyplan.typed:${path}`;
  await page.getByLabel("Beskrivelse af projektet").fill("To bænke.");
  await keptWith(page, path, "To bænke.</textarea>");

  // A second tab opens it again while its code is held back, and the person adds to the
  // description in the glimpse; meanwhile the council endorses the application in the
  // first tab, which closes its description.
  const late = await context.newPage();
  const release = await hold(late, ENGINE);
  await late.goto(url);
  const inGlimpse = late.locator("main .glimpse").getByLabel("Beskrivelse af projektet");
  await inGlimpse.waitFor();
  await typeAt(inGlimpse, [..."To bænke."].length, " Og et bord.");
  await late.waitForFunction((key) => localStorage.getItem(key)?.includes("Og et bord."), TYPED);
  await page.getByLabel("Påtegnet af (navn, for lokalrådet)").fill("Lone");
  await page.getByLabel("Dato for påtegningen").fill("2024-01-02");
  await page.getByRole("button", { name: "Registrér påtegningen" }).click();
  await page.getByText("Påtegnet af Lone for lokalrådet den 2.1.2024.").waitFor();
  release();

  // The screen takes over: the description is the document's (an endorsed application's
  // cannot change), the refusal is said, and what was typed is shown, to be copied.
  const typedText = "To bænke. Og et bord.";
  const note = (on) => on.getByRole("group", { name: /^Det, du skrev, før skærmen var klar, blev ikke gemt/ });
  await note(late).waitFor();
  await late.waitForFunction(() => document.querySelector(".glimpse") === null);
  assert.equal(await late.getByLabel("Beskrivelse af projektet").inputValue(), "To bænke.");
  assert.equal(await note(late).getByLabel("Din tekst, der ikke blev gemt").inputValue(), typedText);
  await late.getByRole("alert").getByText("Ansøgningen kan kun ændres, mens den er en kladde.").waitFor();
  // The person was typing in the glimpse: the focus goes to the text kept, not lost on the
  // page (the field it was in takes no typing now).
  await late.waitForFunction(() => document.activeElement?.getAttribute("aria-label") === "Din tekst, der ikke blev gemt");
  assert.deepEqual(await violations(late), [], "the screen with what was not saved");
  await note(late).getByRole("button", { name: "Kopiér teksten" }).click();
  await note(late).getByRole("status").getByText("Teksten er kopieret.").waitFor();
  assert.equal(await late.evaluate(() => navigator.clipboard.readText()), typedText);

  // Still there after a reload, and not tried again (nothing shown is lost until the
  // person lets it go, and a text once refused never goes in later).
  const screenDrawn = async (tab) => {
    await tab.waitForFunction(() => document.querySelector(".glimpse") === null && document.getElementById("grant-description") !== null);
    // The screen's effects run within a frame of its drawing.
    await tab.evaluate(() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done))));
  };
  await late.reload();
  await screenDrawn(late);
  await note(late).waitFor();
  assert.equal(await note(late).getByLabel("Din tekst, der ikke blev gemt").inputValue(), typedText);
  assert.equal(await late.getByLabel("Beskrivelse af projektet").inputValue(), "To bænke.");
  assert.equal(await late.getByRole("alert").count(), 0, "a text once refused is not saved again at each start");
  assert.notEqual(await late.evaluate(() => document.activeElement?.getAttribute("aria-label")), "Din tekst, der ikke blev gemt",
    "the focus is not taken at a start where nobody was typing");
  await late.close();

  // The endorsement is withdrawn: the description takes typing again. In the next glimpse
  // the person types, and goes on typing while the screen takes over: every keystroke
  // lands in the field (the text kept from before stays shown and takes no focus).
  await page.getByRole("button", { name: "Træk påtegningen tilbage" }).click();
  await page.waitForFunction((key) => {
    const template = document.createElement("template");
    template.innerHTML = JSON.parse(localStorage.getItem(key) ?? "null")?.html ?? "";
    const field = template.content.querySelector('textarea[data-live="description"]');
    return field !== null && !field.hasAttribute("disabled");
  }, KEY + path);
  const again = await context.newPage();
  const letThrough = await hold(again, ENGINE);
  await again.goto(url);
  const openField = again.locator("main .glimpse textarea[data-live=description]");
  await openField.waitFor();
  await typeAt(openField, [..."To bænke."].length, " Og lys.");
  letThrough();
  await again.keyboard.type(" Og vand ved bænkene.", { delay: 40 });
  await screenDrawn(again);
  await again.keyboard.type(" Slut.", { delay: 20 });
  const expected = "To bænke. Og lys. Og vand ved bænkene. Slut.";
  await again.waitForFunction((text) => document.getElementById("grant-description").value === text, expected);
  assert.equal(await again.evaluate(() => document.activeElement?.id), "grant-description");
  assert.equal(await note(again).getByLabel("Din tekst, der ikke blev gemt").inputValue(), typedText);

  // Deleted: gone for good, and the focus goes back to the field.
  await note(again).getByRole("button", { name: "Slet teksten" }).click();
  assert.equal(await note(again).count(), 0);
  assert.equal(await again.evaluate(() => document.activeElement?.id), "grant-description");
  assert.equal(await again.evaluate((key) => localStorage.getItem(key), TYPED), null);
  await again.reload();
  await screenDrawn(again);
  assert.equal(await note(again).count(), 0);
  assert.equal(await again.getByLabel("Beskrivelse af projektet").inputValue(), expected, "every keystroke is kept");
  await context.close();
});

test("a phone keeps the glimpses of its eight latest addresses, none too large, nothing private, nothing that runs, down to a window below what it showed", async () => {
  // The security policy bypassed: only the glimpse's own stripping keeps scripts out here.
  const context = await env.browser.newContext({ viewport: { width: 360, height: 740 }, serviceWorkers: "block", bypassCSP: true });
  const page = await context.newPage();
  await page.goto(env.relay.url);
  await page.getByRole("heading", { name: "Velkommen til Landsbyplan" }).waitFor();
  const left = await page.evaluate(async () => {
    const screen = document.createElement("div");
    screen.innerHTML = "<h2 id='x'>Navn</h2><p role='status'>Alt er delt</p><span data-now>· 2 ændringer venter</span>"
      + "<div data-private><input value='https://x/#edit=nøgle'></div><textarea name='v'></textarea><input type='checkbox'>"
      + "<form><input type='text'></form>";
    document.body.append(screen);
    screen.querySelector("textarea").value = "skrevet";
    screen.querySelector("input[type=checkbox]").checked = true;
    screen.querySelector("form input").value = "kladde";
    for (let n = 1; n <= 10; n += 1) {
      landsbyplanGlimpse.keep(`/space/${n}`, screen, "Åbner …");
      // Told apart by time.
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    const one = JSON.parse(localStorage.getItem("landsbyplan.glimpse:/space/10"));
    // Too large: not kept, and the older copy of that address goes too.
    const large = document.createElement("div");
    large.textContent = "x".repeat(100 * 1024);
    document.body.append(large);
    landsbyplanGlimpse.keep("/space/10", large, "Åbner …");
    landsbyplanGlimpse.forget("/space/9");
    const kept = Object.keys(localStorage).filter((key) => key.startsWith("landsbyplan.glimpse:")).sort();
    const index = Object.keys(JSON.parse(localStorage.getItem("landsbyplan.glimpses"))).sort();
    // A damaged index is started again, not a reason to keep nothing.
    localStorage.setItem("landsbyplan.glimpses", "{not json");
    landsbyplanGlimpse.keep("/space/11", screen, "Åbner …");
    const afterDamage = localStorage.getItem("landsbyplan.glimpse:/space/11") !== null;
    // Markup that would run, put in storage by anything: shown without it.
    localStorage.setItem("landsbyplan.glimpse:/", JSON.stringify({
      version: 2, language: "da", status: "Åbner …",
      html: "<p style='color: red'>tekst</p><img src='/nothing.png' onerror='window.ran = 1'><script>window.ran = 2</script><a href='/' onclick='window.ran = 3'>x</a>",
    }));
    const shell = document.createElement("div");
    shell.id = "shell";
    document.body.append(shell);
    landsbyplanGlimpse.show();
    await new Promise((resolve) => setTimeout(resolve, 200));
    const shown = shell.querySelector(".glimpse")?.innerHTML;
    shell.remove();
    // A long screen (ten parts, each 400 px tall, in a 740 px window): kept down to twice
    // the window's height at the top; scrolled 2,000 px down, to a window's height below
    // what the window shows.
    const long = document.createElement("div");
    long.innerHTML = Array.from({ length: 10 }, (_, n) => `<section style="height: 400px">del ${n}</section>`).join("");
    document.body.append(long);
    const parts = () => (JSON.parse(localStorage.getItem("landsbyplan.glimpse:/space/long")).html.match(/<section>/g) ?? []).length;
    scrollTo(0, long.getBoundingClientRect().top + scrollY);
    landsbyplanGlimpse.keep("/space/long", long, "Åbner …");
    const atTop = parts();
    scrollTo(0, long.getBoundingClientRect().top + scrollY + 2000);
    landsbyplanGlimpse.keep("/space/long", long, "Åbner …");
    const scrolled = parts();
    // The edit journal's room comes first.
    landsbyplanGlimpse.clear();
    const cleared = Object.keys(localStorage).filter((key) => key.startsWith("landsbyplan.glimpse")).length;
    return { kept, index, html: one.html, afterDamage, shown, ran: window.ran ?? null, atTop, scrolled, cleared };
  });
  const expected = [3, 4, 5, 6, 7, 8].map((n) => `/space/${n}`).sort();
  assert.deepEqual(left.kept, expected.map((path) => `landsbyplan.glimpse:${path}`));
  assert.deepEqual(left.index, expected);
  assert.equal(left.html, '<h2>Navn</h2><p role="status" data-unsaid="">Alt er delt</p><span data-now="" data-unsaid="">· 2 ændringer venter</span>'
    + '<textarea>skrevet</textarea><input type="checkbox" checked=""><form><input type="text"></form>');
  assert.equal(left.afterDamage, true);
  assert.equal(left.shown, '<p>tekst</p><img src="/nothing.png"><a href="/">x</a>');
  assert.equal(left.ran, null, "nothing in the stored markup ran");
  // Tops 0, 400, 800, 1200 are within 1,480 px; scrolled, tops up to 3,200 within 3,480.
  assert.deepEqual([left.atTop, left.scrolled], [4, 9]);
  assert.equal(left.cleared, 0);
  await context.close();
});
