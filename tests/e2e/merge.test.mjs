// Two phones edit the same plan with no connection to each other, then the relay
// exchanges the documents: both show everything, and the one field both changed is
// offered for a choice that then holds on both. A read-only link shows but cannot edit.
import assert from "node:assert/strict";
import { test } from "node:test";
import { checkedContext, relayAndBrowser, startRelay, violations } from "./support.mjs";

const env = relayAndBrowser();

const SYNCED = "Delt – alt er synkroniseret";

function action(page, title) {
  return page.getByRole("listitem").filter({ has: page.getByRole("heading", { level: 3, name: title, exact: true }) });
}

async function addAction(page, title) {
  const form = page.locator("form").filter({ has: page.getByRole("heading", { name: "Tilføj en handling" }) });
  await form.getByLabel("Handling").fill(title);
  await form.getByRole("button", { name: "Tilføj handling" }).click();
  await action(page, title).waitFor();
}

async function retitle(page, from, to) {
  const item = action(page, from);
  await item.getByText("Ret eller fjern").click();
  await item.getByLabel("Handling").fill(to);
  await item.getByRole("button", { name: "Gem", exact: true }).click();
  await action(page, to).waitFor();
}

test("offline edits on two phones merge, and a field both changed is resolved by a choice", async () => {
  // Contexts axe-core can check the conflict section in.
  const [anna, bo, carl] = [
    await checkedContext(env.browser),
    await checkedContext(env.browser),
    await checkedContext(env.browser),
  ];
  for (const context of [anna, bo, carl]) context.setDefaultTimeout(20_000);
  const a = await anna.newPage();
  const b = await bo.newPage();

  await a.goto(env.relay.url);
  await a.getByLabel("Dit navn").fill("Anna");
  await a.getByLabel("Lokalrådets navn").fill("Stenderup-Krogager Lokalråd");
  await a.getByRole("button", { name: "Opret lokalråd" }).click();
  await a.getByRole("link", { name: "Stenderup-Krogager Lokalråd" }).click();
  await addAction(a, "Tælle cyklister");
  await a.getByText(SYNCED).waitFor();
  const link = await a.getByLabel("Delingslink – alle med linket kan se og redigere").inputValue();
  const readLink = await a.getByLabel("Link kun til at læse").inputValue();
  assert.match(readLink, /#read=[A-Za-z0-9_-]{86}$/);
  assert.equal(
    await a.getByRole("img", { name: "QR-kode med linket til at redigere" }).locator("path").count(),
    1,
    "the link is drawn as a QR code",
  );

  await b.goto(link);
  await b.getByLabel("Dit navn").fill("Bo");
  await b.getByRole("link", { name: "Stenderup-Krogager Lokalråd" }).click();
  await action(b, "Tælle cyklister").waitFor();

  // The hall has no signal: neither phone reaches the relay while they edit.
  await env.relay.stop({ keepData: true });
  await retitle(a, "Tælle cyklister", "Tælle cyklister i maj");
  await addAction(a, "Ny bænk ved søen");
  await retitle(b, "Tælle cyklister", "Tælle cyklister i juni");
  await addAction(b, "Loppemarked i hallen");

  // Back in signal: the documents meet through the relay.
  env.relay = await startRelay({ port: env.relay.port, dataDir: env.relay.dataDir });
  for (const page of [a, b]) {
    await action(page, "Ny bænk ved søen").waitFor();
    await action(page, "Loppemarked i hallen").waitFor();
    const conflicts = page.getByRole("region", { name: "Samtidige ændringer" });
    await conflicts.getByRole("button", { name: "Behold «Tælle cyklister i maj»" }).waitFor();
    await conflicts.getByRole("button", { name: "Behold «Tælle cyklister i juni»" }).waitFor();
  }
  // Both phones show the same one of the two until someone chooses.
  const shownA = await a.getByRole("heading", { level: 3, name: /^Tælle cyklister i / }).textContent();
  const shownB = await b.getByRole("heading", { level: 3, name: /^Tælle cyklister i / }).textContent();
  assert.equal(shownA, shownB);
  assert.deepEqual(await violations(a), [], "the conflict section is accessible");

  await b.getByRole("button", { name: "Behold «Tælle cyklister i maj»" }).click();
  for (const page of [a, b]) {
    await page.getByRole("region", { name: "Samtidige ændringer" }).waitFor({ state: "detached" });
    await action(page, "Tælle cyklister i maj").waitFor();
  }

  // A read-only link shows the plan and offers no way to change it.
  const c = await carl.newPage();
  await c.goto(readLink);
  await c.getByRole("link", { name: "Stenderup-Krogager Lokalråd" }).click();
  await action(c, "Tælle cyklister i maj").waitFor();
  await c.getByText("kun giver lov til at læse", { exact: false }).waitFor();
  assert.equal(await c.getByLabel("Lokalrådets vision").isDisabled(), true);
  assert.equal(await c.getByRole("button", { name: "Tilføj handling" }).isDisabled(), true);
  // Reading stays possible: filtering the plan and saving a copy as a file.
  await c.locator("#filter-status").selectOption({ label: "Idé" });
  await c.getByText("Viser 3 af 3 handlinger").waitFor();
  assert.equal(await c.getByRole("button", { name: "Gem som fil" }).isDisabled(), false);

  // Later given the editing link, the same phone may edit, and its edit reaches the others.
  await c.getByRole("link", { name: "Til forsiden" }).click();
  const join = c.getByRole("region", { name: "Deltag via et link" });
  await join.getByLabel("Har du fået et delingslink som tekst?", { exact: false }).fill(link);
  await join.getByRole("button", { name: "Deltag" }).click();
  await c.getByRole("link", { name: "Stenderup-Krogager Lokalråd" }).click();
  assert.equal(await c.getByLabel("Lokalrådets vision").isDisabled(), false);
  await addAction(c, "Carls idé: fælles grill");
  await action(a, "Carls idé: fælles grill").waitFor();

  await anna.close();
  await bo.close();
  await carl.close();
});
