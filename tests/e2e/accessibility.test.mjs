// Accessibility: axe-core run in Chromium on every screen (home, a council, a project
// group, the print view, an unknown address), in both languages, at phone and desktop
// widths, with folded parts opened. Serious and critical violations fail the test, and
// no screen may scroll sideways on a 360-pixel phone.
import assert from "node:assert/strict";
import { test } from "node:test";
import { overflow, relayAndBrowser, violations } from "./support.mjs";

const env = relayAndBrowser();

/** Checks the page as it is now: no serious violations, nothing wider than the window. */
async function check(page, what) {
  assert.deepEqual(await violations(page), [], what);
  assert.ok((await overflow(page)) <= 0, `${what}: the page scrolls sideways`);
}

for (const [width, height] of [
  [360, 740],
  [1280, 800],
]) {
  test(`every screen has no serious accessibility problems at ${width} px, in Danish and English`, async () => {
    const context = await env.browser.newContext({ viewport: { width, height }, bypassCSP: true });
    context.setDefaultTimeout(15_000);
    const page = await context.newPage();
    await page.goto(env.relay.url);
    await page.getByRole("heading", { name: "Velkommen til Landsbyplan" }).waitFor();
    await check(page, "first start");

    await page.getByLabel("Dit navn").fill("Gitte");
    await page.getByLabel("Lokalrådets navn").fill("Sdr. Omme Lokalråd");
    await page.getByRole("button", { name: "Opret lokalråd" }).click();
    const item = page.getByRole("listitem").filter({ hasText: "Sdr. Omme Lokalråd" });
    await item.getByText("Del og omdøb").click();
    await item.getByLabel("Nyt navn").waitFor();
    await check(page, "home with a council, its sharing open");

    // The council's screen with something in every section and the folded parts open.
    await page.getByRole("link", { name: "Sdr. Omme Lokalråd" }).click();
    const addMember = page.locator("form").filter({ has: page.getByRole("heading", { name: "Tilføj et medlem" }) });
    await addMember.getByLabel("Navn").fill("Gitte Lund");
    await addMember.getByRole("button", { name: "Tilføj medlem" }).click();
    await page.getByLabel("Lokalrådets vision").fill("Et godt sted at bo.");
    await page.getByLabel("Nyt mål for Mobilitet").fill("Flere busser");
    await page.getByRole("region", { name: "Mobilitet" }).getByRole("button", { name: "Tilføj mål" }).click();
    const addAction = page.locator("form").filter({ has: page.getByRole("heading", { name: "Tilføj en handling" }) });
    await addAction.getByLabel("Handling").fill("Spørge busselskabet");
    await addAction.getByLabel("Pris (kr.)").fill("mange");
    await addAction.getByLabel("Pris (kr.)").blur();
    await page.getByText("Skriv prisen som et helt antal kroner", { exact: false }).waitFor();
    await addAction.getByLabel("Pris (kr.)").fill("0");
    await addAction.getByLabel("Pris (kr.)").blur();
    await addAction.getByRole("button", { name: "Tilføj handling" }).click();
    const action = page.getByRole("listitem").filter({ has: page.getByRole("heading", { name: "Spørge busselskabet" }) });
    await action.getByText("Ret eller fjern").click();
    await action.getByText("Historik").click();
    await action.getByText("Gitte,", { exact: false }).first().waitFor();
    await page.getByRole("img", { name: "QR-kode med linket til at redigere" }).waitFor();
    await check(page, "council screen");

    // A project group on the same council.
    const groups = page.getByRole("region", { name: "Projektgrupper" });
    await groups.getByLabel("Fokusområde").selectOption({ label: "Mobilitet" });
    await groups.getByLabel("Gruppens navn").fill("Bus til byen");
    await groups.getByRole("button", { name: "Start gruppen" }).click();
    await page.getByRole("heading", { level: 2, name: "Bus til byen" }).waitFor();
    await addMember.getByLabel("Navn").fill("Hans Krog");
    await addMember.getByRole("button", { name: "Tilføj medlem" }).click();
    await page.getByLabel("Vælg projektleder blandt medlemmerne").selectOption({ label: "Hans Krog" });
    const addTask = page.locator("form").filter({ has: page.getByRole("heading", { name: "Tilføj en opgave" }) });
    await addTask.getByLabel("Opgave").fill("Tælle passagerer");
    await addTask.getByRole("button", { name: "Tilføj opgave" }).click();
    await page.getByRole("heading", { level: 3, name: "Tælle passagerer" }).waitFor();
    await check(page, "project group screen");

    // The print view, the unknown address, and the council in English.
    await page.getByRole("link", { name: "Sdr. Omme Lokalråd" }).click();
    await page.getByRole("link", { name: "Udskriv udviklingsplanen (A4)" }).click();
    await page.getByRole("heading", { name: "Udviklingsplan for Sdr. Omme Lokalråd" }).waitFor();
    await check(page, "print view");
    await page.goto(new URL("/no/such/screen", env.relay.url).href);
    await page.getByRole("heading", { name: "Siden findes ikke" }).waitFor();
    await check(page, "unknown address");
    await page.goBack();
    await page.getByRole("link", { name: "Tilbage til lokalrådet" }).click();
    await page.getByRole("button", { name: "English" }).click();
    await page.getByRole("heading", { name: "Action plan" }).waitFor();
    await check(page, "council screen in English");

    await context.setOffline(true);
    await page.getByText("You are offline.", { exact: false }).waitFor();
    await check(page, "with the offline banner");
    await page.getByRole("link", { name: "To the home screen" }).click();
    await page.getByRole("heading", { name: "Local councils on this device" }).waitFor();
    await check(page, "home in English, offline");
    await context.close();
  });
}

for (const [width, height] of [
  [360, 740],
  [1280, 800],
]) {
  test(`the network, a meeting and an application have no serious accessibility problems at ${width} px, in Danish and English`, async () => {
    const context = await env.browser.newContext({ viewport: { width, height }, bypassCSP: true });
    context.setDefaultTimeout(15_000);
    const page = await context.newPage();
    await page.goto(env.relay.url);
    await page.getByLabel("Dit navn").fill("Ole");
    await page.getByLabel("Lokalrådets navn").fill("Vesterhede KoordinationsRåd");
    await page.getByRole("button", { name: "Opret lokalråd" }).click();
    await page.getByRole("link", { name: "Vesterhede KoordinationsRåd" }).waitFor();
    await page.getByRole("button", { name: "Start netværket" }).click();
    await page.getByRole("button", { name: /Læg de faste begivenheder for \d+ ind/ }).click();
    await page.locator("svg.wheel circle.event").first().waitFor();
    const event = page.locator(".month li").first();
    await event.getByText("Ret eller fjern").click();
    await check(page, "network screen");
    await page.getByRole("button", { name: "English" }).click();
    await page.getByRole("heading", { name: "The annual wheel", exact: true }).waitFor();
    await check(page, "network screen in English");
    await page.getByRole("button", { name: "Dansk" }).click();

    await page.getByRole("banner").getByRole("link", { name: "Landsbyplan" }).click();
    await page.getByRole("link", { name: "Vesterhede KoordinationsRåd" }).click();
    await page.getByLabel("Mødets titel").fill("Årsmøde");
    await page.getByRole("button", { name: "Opret mødet" }).click();
    await page.getByRole("heading", { level: 2, name: "Årsmøde" }).waitFor();
    await page.getByLabel("Beslutning", { exact: true }).fill("Ny hjemmeside");
    await page.getByRole("button", { name: "Tilføj beslutning" }).click();
    await page.getByRole("button", { name: "Gør «Ny hjemmeside» til en handling i planen" }).waitFor();
    await check(page, "meeting screen");

    await page.getByRole("link", { name: "Til forsiden" }).click();
    await page.getByRole("link", { name: "Vesterhede KoordinationsRåd" }).click();
    await page.getByLabel("Ny ansøgning – projektets titel").fill("Multibane");
    await page.getByRole("button", { name: "Start ansøgningen" }).click();
    await page.getByRole("heading", { level: 2, name: "Multibane" }).waitFor();
    const budget = page.getByRole("region", { name: "2. Budget" });
    await budget.getByLabel("Udgift").fill("Bane");
    await budget.getByLabel("Beløb (kr.)").fill("40000");
    await budget.getByRole("button", { name: "Tilføj linje" }).click();
    await budget.getByRole("cell", { name: "Bane", exact: true }).waitFor();
    await check(page, "application screen");
    await page.getByRole("button", { name: "English" }).click();
    await page.getByRole("heading", { name: "3. Own financing" }).waitFor();
    await check(page, "application screen in English");
    await context.close();
  });
}
