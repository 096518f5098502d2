// Accessibility: axe-core run in Chromium on each screen, in both languages, at phone
// and desktop widths. Serious and critical violations fail the test.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { test } from "node:test";
import { relayAndBrowser } from "./support.mjs";

const env = relayAndBrowser();

const AXE = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");


/** Serious and critical violations on the page as it is now. */
async function violations(page) {
  await page.addScriptTag({ content: AXE });
  const result = await page.evaluate(() => globalThis.axe.run(document, { resultTypes: ["violations"] }));
  return result.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(" ")).join(", ")})`);
}

for (const [width, height] of [
  [360, 740],
  [1280, 800],
]) {
  test(`the home screen has no serious accessibility problems at ${width} px, in Danish and English`, async () => {
    // axe is injected as an inline script, which the app's security policy forbids.
    const context = await env.browser.newContext({ viewport: { width, height }, bypassCSP: true });
    context.setDefaultTimeout(15_000);
    const page = await context.newPage();
    await page.goto(env.relay.url);
    await page.getByRole("heading", { name: "Lokalråd på denne enhed" }).waitFor();
    assert.deepEqual(await violations(page), [], "empty home screen");

    await page.getByLabel("Lokalrådets navn").fill("Sdr. Omme Lokalråd");
    await page.getByRole("button", { name: "Opret lokalråd" }).click();
    const item = page.getByRole("listitem").filter({ hasText: "Sdr. Omme Lokalråd" });
    await item.getByText("Del og omdøb").click();
    await item.getByLabel("Nyt navn").waitFor();
    assert.deepEqual(await violations(page), [], "with a council, its sharing open");

    await page.getByRole("button", { name: "Skift sprog til engelsk" }).click();
    await page.getByRole("heading", { name: "Local councils on this device" }).waitFor();
    assert.deepEqual(await violations(page), [], "in English");

    await context.setOffline(true);
    await page.getByText("You are offline.", { exact: false }).waitFor();
    assert.deepEqual(await violations(page), [], "with the offline banner");
    await context.close();
  });
}
