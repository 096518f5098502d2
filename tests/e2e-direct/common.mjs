// What the direct-connection tests share: finding a council on the home screen,
// renaming it, and reading who a council's screen says is connected.
import assert from "node:assert/strict";

export const SYNCED = "Delt – alt er synkroniseret";

/** The home screen's item of the council named `name`. */
export function council(page, name) {
  return page.getByRole("listitem").filter({ has: page.getByRole("heading", { level: 3, name }) });
}

export async function openSharing(item) {
  if (!(await item.locator("details").evaluate((details) => details.open))) {
    await item.getByText("Del og omdøb").click();
  }
}

/** Renames the council `from` to `to` on the home screen. */
export async function rename(page, from, to) {
  const item = council(page, from);
  await openSharing(item);
  await item.getByLabel("Nyt navn").fill(to);
  await item.getByRole("button", { name: "Gem navn" }).click();
}

/** Opens the council `name`'s screen: its lines about who is connected now. */
export async function connectedNow(page, name) {
  await page.getByRole("link", { name: "Landsbyplan" }).click();
  await page.getByRole("link", { name }).click();
  return page.getByRole("region", { name: "Forbundet lige nu" });
}

/** Waits (up to 60 s) until `region` lists exactly `lines`, in order. */
export async function lists(region, lines) {
  const items = region.getByRole("listitem");
  let last = [];
  for (let tries = 0; tries < 600; tries += 1) {
    last = await items.allTextContents();
    if (JSON.stringify(last) === JSON.stringify(lines)) return;
    await region.page().waitForTimeout(100);
  }
  assert.deepEqual(last, lines, "who is connected, and how");
}

/** Waits until `region` says nobody else is connected. */
export async function nobody(region) {
  await region.getByText("Ingen andre telefoner med dette rum er forbundet lige nu.").waitFor();
  assert.equal(await region.getByRole("listitem").count(), 0);
}

/**
 * Waits (up to 10 s) until every one of `pages` shows exactly one council whose name
 * matches `pattern`, the same on all: that name.
 */
export async function oneName(pages, pattern) {
  const shown = (page) => page.getByRole("heading", { level: 3, name: pattern }).allTextContents();
  let last = [];
  for (let tries = 0; tries < 100; tries += 1) {
    last = await Promise.all(pages.map(shown));
    if (last.every((names) => names.length === 1) && new Set(last.map((names) => names[0])).size === 1) {
      break;
    }
    await pages[0].waitForTimeout(100);
  }
  assert.equal(new Set(last.map((names) => names.join())).size, 1, `one name on all: ${JSON.stringify(last)}`);
  assert.equal(last[0].length, 1);
  return last[0][0];
}
