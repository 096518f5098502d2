// What the start-up benchmarks share: a phone that opened the council once (online) and
// then starts with no network, and the moment its plan screen is usable.

/**
 * Opens `councilFile` through the app's "Åbn fra fil" in a fresh 360 × 740 context, waits
 * for the council's screen, and takes the context offline. Resolves with the context and
 * the plan screen's address.
 */
export async function councilOffline(browser, url, councilFile) {
  const context = await browser.newContext({ viewport: { width: 360, height: 740 } });
  return { context, planUrl: await openCouncilOffline(context, url, councilFile) };
}

/**
 * Opens `councilFile` as `councilOffline` does, in `context` (a fresh one, of any kind);
 * resolves with the plan screen's address.
 */
export async function openCouncilOffline(context, url, councilFile) {
  const setup = await context.newPage();
  await setup.goto(url);
  await setup.evaluate(() => navigator.serviceWorker.ready);
  await setup.getByLabel("Åbn et lokalråd eller en gruppe fra en fil").setInputFiles(councilFile);
  await setup.getByRole("heading", { level: 2, name: "Vorbasse Lokalråd" }).waitFor({ timeout: 30_000 });
  const planUrl = setup.url();
  // A phone that looked at the plan for a moment: the app has kept its glimpse.
  await setup.waitForFunction((path) => localStorage.getItem(`landsbyplan.glimpse:${path}`) !== null,
    new URL(planUrl).pathname, { timeout: 30_000 });
  await setup.close();
  await context.setOffline(true);
  return planUrl;
}

/**
 * Run in the page: the plan screen is usable: its vision (a field that can be typed in)
 * is filled in and shown, and the action plan is listed.
 */
export function planReady() {
  const vision = document.querySelector("textarea[id^='vision-']");
  return Boolean(vision && vision.value.length > 0 && vision.closest("[hidden], [inert]") === null
    && document.querySelectorAll("main ol.items > li").length > 0);
}

/**
 * Run in the page: every section of the plan screen is drawn, down to its last (the
 * sharing, which a glimpse never holds).
 */
export function planWhole() {
  return [...document.querySelectorAll("main h2")].some((heading) => heading.textContent.trim() === "Del"
    && heading.closest("[hidden], [inert], .glimpse") === null);
}

/**
 * Run in the page: the plan screen can be typed in: a vision (the glimpse's or the screen's
 * own) is filled in, drawn, and not inert or disabled. (The glimpse reaches down two
 * windows; the action plan lies below that on this council's screen, so it is not asked
 * for here.) In the glimpse, what is typed is taken into the document when the screen
 * takes over (tests/e2e/glimpse.test.mjs checks that nothing of it is lost).
 */
export function planTypable() {
  return [...document.querySelectorAll("textarea[data-live='vision']")].some((field) => field.value.length > 0
    && field.closest("[hidden], [inert]") === null && !field.matches(":disabled") && field.getClientRects().length > 0);
}

/**
 * Run in the page: the top of the plan screen is shown (the council's name and its vision
 * filled in), as this phone showed it last (the glimpse: inert, until the screen itself is
 * drawn) or as the screen itself draws it.
 */
export function planShown() {
  const glimpse = document.querySelector(".glimpse");
  const copy = glimpse?.querySelector("textarea");
  if (copy && copy.value.length > 0 && glimpse.querySelector("h2.space-name")?.textContent) return true;
  const vision = document.querySelector("textarea[id^='vision-']");
  return Boolean(vision && vision.value.length > 0 && vision.closest("[hidden], [inert]") === null);
}

/**
 * Marks `globalThis.__ready[name]` with `performance.now()` when `checks[name]` (a function
 * run in the page) first holds, seen by a MutationObserver installed before any of the
 * page's scripts.
 */
export async function markWhenReady(page, checks) {
  await page.addInitScript((sources) => {
    const pending = Object.entries(sources).map(([name, source]) => [name, new Function(`return (${source})()`)]);
    globalThis.__ready = {};
    const observer = new MutationObserver(() => {
      for (const [name, check] of pending) {
        if (globalThis.__ready[name] === undefined && check()) globalThis.__ready[name] = performance.now();
      }
      if (pending.every(([name]) => globalThis.__ready[name] !== undefined)) observer.disconnect();
    });
    observer.observe(document, { childList: true, subtree: true, attributes: true, characterData: true });
  }, Object.fromEntries(Object.entries(checks).map(([name, check]) => [name, check.toString()])));
}
