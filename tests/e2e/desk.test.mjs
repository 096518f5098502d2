// The consultant's desk on the network's screen: councils against focus areas with an
// invitation proposed, two groups on one focus area merged after a preview with nothing
// of either lost, a file imported after seeing what it adds, and a search across all.
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { checkedContext, phoneContext, relayAndBrowser, violations } from "./support.mjs";

const env = relayAndBrowser();

async function home(page) {
  await page.getByRole("banner").getByRole("link", { name: "Landsbyplan" }).click();
}

async function council(page, name, goal) {
  await home(page);
  await page.getByLabel("Lokalrådets navn").fill(name);
  await page.getByRole("button", { name: "Opret lokalråd" }).click();
  await page.getByRole("link", { name, exact: true }).click();
  await page.getByLabel("Nyt mål for Mobilitet").fill(goal);
  await page.getByRole("region", { name: "Mobilitet" }).getByRole("button", { name: "Tilføj mål" }).click();
  await page.getByRole("region", { name: "Mobilitet" }).getByText(goal, { exact: true }).waitFor();
}

async function group(page, name, members, task, anyway = false) {
  const groups = page.getByRole("region", { name: "Projektgrupper" });
  await groups.getByLabel("Fokusområde").selectOption({ label: "Mobilitet" });
  if (anyway) await groups.getByLabel("Vi vil alligevel starte en ny gruppe").check();
  await groups.getByLabel("Gruppens navn").fill(name);
  await groups.getByRole("button", { name: "Start gruppen" }).click();
  await page.getByRole("heading", { level: 2, name }).waitFor();
  const form = page.locator("form").filter({ has: page.getByRole("heading", { name: "Tilføj et medlem" }) });
  for (const [member, contact] of members) {
    await form.getByLabel("Navn").fill(member);
    await form.getByLabel("Telefon eller e-mail").fill(contact);
    await form.getByRole("button", { name: "Tilføj medlem" }).click();
    await page.getByRole("heading", { level: 3, name: member }).waitFor();
  }
  const add = page.locator("form").filter({ has: page.getByRole("heading", { name: "Tilføj en opgave" }) });
  await add.getByLabel("Opgave").fill(task);
  await add.getByRole("button", { name: "Tilføj opgave" }).click();
  await page.getByRole("heading", { level: 3, name: task }).waitFor();
}

test("the consultant sees every council by focus area, invites, merges two groups, imports and searches", async () => {
  const context = await checkedContext(env.browser, 1280);
  context.setDefaultTimeout(15_000);
  const page = await context.newPage();
  await page.goto(env.relay.url);
  await page.getByLabel("Dit navn").fill("Lise Konsulent");

  await council(page, "Vorbasse Lokalråd", "Bedre bus til Billund");
  await group(page, "Busforbindelse", [["Anna Holm", "anna@example.org"]], "Tælle passagerer");
  await council(page, "Hejnsvig Lokalråd", "Bus om aftenen");
  await group(page, "Bus til Billund", [["Anna Holm", "anna@example.org"], ["Bo Lund", "bo@example.org"]], "Lave køreplan", true);
  await council(page, "Filskov Lokalråd", "Samkørsel til arbejde");

  await home(page);
  await page.getByRole("button", { name: "Start netværket" }).click();
  await page.getByRole("heading", { level: 2, name: "Landdistrikterne i Billund Kommune" }).waitFor();

  // The matrix: Filskov works on mobility with no group; a group exists: invite it.
  const desk = page.getByRole("region", { name: "Konsulentens overblik" }).first();
  const filskov = desk.getByRole("row", { name: /Filskov Lokalråd/ });
  await filskov.getByText("1 mål · 0 handlinger").waitFor();
  await filskov.getByText("Samkørsel til arbejde").waitFor();
  const invite = filskov.getByRole("button", { name: /^Invitér Filskov Lokalråd ind i / });
  const invitedInto = (await invite.textContent()).replace("Invitér Filskov Lokalråd ind i ", "");
  await invite.click();
  await filskov.getByRole("link", { name: invitedInto }).waitFor();
  assert.deepEqual(await violations(page), [], "the desk");

  // Merge, after a preview.
  const merge = page.getByRole("region", { name: "Læg to grupper sammen" });
  await merge.getByLabel("Gruppen, der fortsætter").selectOption({ label: "Busforbindelse (Mobilitet)" });
  await merge.getByLabel("Gruppen, der lægges ind i den").selectOption({ label: "Bus til Billund (Mobilitet)" });
  await merge.getByText("1 nyt medlem: Bo Lund").waitFor();
  await merge.getByText("1 medlem er allerede med: Anna Holm").waitFor();
  await merge.getByText("Lokalråd, der kommer med: Hejnsvig Lokalråd").waitFor();
  await merge.getByText("0 milepæle og 1 opgave flyttes med.").waitFor();
  assert.deepEqual(await violations(page), [], "the merge preview");
  await merge.getByRole("button", { name: "Læg grupperne sammen" }).click();
  await merge.getByText("Grupperne er lagt sammen i Busforbindelse.").waitFor();

  // Nothing of either group is lost.
  await home(page);
  await page.getByRole("link", { name: "Busforbindelse" }).click();
  for (const task of ["Tælle passagerer", "Lave køreplan"]) {
    await page.getByRole("region", { name: "Opgaver" }).getByRole("heading", { name: task }).waitFor();
  }
  const members = page.getByRole("region", { name: "Medlemmer" });
  await members.getByRole("heading", { level: 3, name: "Anna Holm" }).waitFor();
  await members.getByRole("heading", { level: 3, name: "Bo Lund" }).waitFor();
  assert.equal(await members.getByRole("heading", { level: 3, name: "Anna Holm" }).count(), 1, "Anna once");
  const about = page.getByRole("region", { name: "Om gruppen" });
  for (const name of ["Vorbasse Lokalråd", "Hejnsvig Lokalråd"]) await about.getByRole("link", { name }).waitFor();
  // The absorbed group's history is kept in the survivor, by whom and when.
  const absorbed = page.getByRole("region", { name: "Grupper, der er lagt ind i denne" });
  await absorbed.getByRole("link", { name: "Bus til Billund" }).waitFor();
  await absorbed.getByText("Lagt sammen af Lise Konsulent", { exact: false }).waitFor();
  const history = absorbed.getByText(/^Gruppens historik \((\d+) ændringer\)$/);
  const changes = Number((await history.textContent()).match(/\((\d+)/)[1]);
  assert.ok(changes >= 4, `the absorbed group's ${changes} changes are kept`);
  await history.click();
  assert.ok((await absorbed.getByText("Lise Konsulent,", { exact: false }).count()) >= 4);
  await home(page);
  await page.getByRole("link", { name: "Bus til Billund" }).click();
  await page.getByText("Gruppen er lagt sammen med en anden gruppe.").waitFor();
  await page.getByRole("heading", { level: 3, name: "Lave køreplan" }).waitFor();

  // A copy of Vorbasse's plan edited on another phone comes back as a file.
  await home(page);
  await page.getByRole("link", { name: "Vorbasse Lokalråd" }).click();
  const [saved] = await Promise.all([
    page.waitForEvent("download"),
    page.getByRole("button", { name: "Gem som fil" }).click(),
  ]);
  const dir = mkdtempSync(join(tmpdir(), "landsbyplan-desk-"));
  await saved.saveAs(join(dir, "vorbasse.landsbyplan"));
  const other = await phoneContext(env.browser);
  const phone = await other.newPage();
  await phone.goto(env.relay.url);
  await phone.getByLabel("Dit navn").fill("Bo Lund");
  await phone.getByLabel("Åbn et lokalråd eller en gruppe fra en fil").setInputFiles(join(dir, "vorbasse.landsbyplan"));
  await phone.getByRole("heading", { level: 2, name: "Vorbasse Lokalråd" }).waitFor();
  const form = phone.locator("form").filter({ has: phone.getByRole("heading", { name: "Tilføj en handling" }) });
  await form.getByLabel("Handling").fill("Busskur ved kirken");
  await form.getByRole("button", { name: "Tilføj handling" }).click();
  await phone.getByRole("heading", { level: 3, name: "Busskur ved kirken" }).waitFor();
  const [back] = await Promise.all([
    phone.waitForEvent("download"),
    phone.getByRole("button", { name: "Gem som fil" }).click(),
  ]);
  await back.saveAs(join(dir, "fra-bo.landsbyplan"));
  await other.close();

  await home(page);
  await page.getByRole("link", { name: "Landdistrikterne i Billund Kommune" }).click();
  const importing = page.getByRole("region", { name: "Importér fra en fil" });
  await importing.getByLabel("Vælg en fil").setInputFiles(join(dir, "fra-bo.landsbyplan"));
  await importing.getByText("Filen er en kopi af Vorbasse Lokalråd og tilføjer 1 ændring fra Bo Lund.").waitFor();
  await importing.getByRole("button", { name: "Læg filen ind" }).click();
  await importing.getByText("Filen er lagt ind.").waitFor();

  // Search across every space.
  const search = page.getByRole("region", { name: "Søg i alt" });
  await search.getByLabel("Søg i alle lokalråd").fill("bus");
  await search.getByText("Handling: Busskur ved kirken").waitFor();
  await search.getByText("Mål: Bus om aftenen").waitFor();
  await search.getByText("Navn: Busforbindelse").waitFor();
  await search.getByLabel("Søg i alle lokalråd").fill("køreplan");
  await search.getByText("2 fund").waitFor();
  await context.close();
});
