// What the start-up benchmarks share: a phone that opened the council once (online) and
// then starts with no network, and the moment its plan screen is usable.

/**
 * Opens `councilFile` through the app's "Åbn fra fil" in a fresh 360 × 740 context, waits
 * for the council's screen, and takes the context offline. Resolves with the context and
 * the plan screen's address.
 */
export async function councilOffline(browser, url, councilFile) {
  const context = await browser.newContext({ viewport: { width: 360, height: 740 } });
  const setup = await context.newPage();
  await setup.goto(url);
  await setup.evaluate(() => navigator.serviceWorker.ready);
  await setup.getByLabel("Åbn et lokalråd eller en gruppe fra en fil").setInputFiles(councilFile);
  await setup.getByRole("heading", { level: 2, name: "Vorbasse Lokalråd" }).waitFor({ timeout: 30_000 });
  const planUrl = setup.url();
  await setup.close();
  await context.setOffline(true);
  return { context, planUrl };
}

/** Run in the page: the vision is filled in and the action plan is listed. */
export function planReady() {
  const vision = document.querySelector("textarea[id^='vision-']");
  return Boolean(vision && vision.value.length > 0 && document.querySelectorAll("ol.items > li").length > 0);
}

/**
 * Marks `globalThis.__ready` with `performance.now()` when `ready` (a function run in the
 * page) first holds, seen by a MutationObserver installed before any of the page's scripts.
 */
export async function markWhenReady(page, ready) {
  await page.addInitScript((source) => {
    const check = new Function(`return (${source})()`);
    const observer = new MutationObserver(() => {
      if (check()) {
        globalThis.__ready = performance.now();
        observer.disconnect();
      }
    });
    observer.observe(document, { childList: true, subtree: true, attributes: true, characterData: true });
  }, ready.toString());
}
