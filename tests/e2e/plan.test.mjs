// A council's real work on a phone, driven by roles and labels as a person would: the
// first start, members, vision, goals and actions, a project group with its leader and
// plan, all kept through reloads and offline; the print view; the other language.
import assert from "node:assert/strict";
import { test } from "node:test";
import { phoneContext, relayAndBrowser, serviceWorkerReady } from "./support.mjs";

const env = relayAndBrowser();

/** Fails the test on any error the page reports. */
function watchErrors(page) {
  const errors = [];
  page.on("pageerror", (error) => errors.push(error.message));
  page.on("console", (message) => {
    if (message.type() === "error") errors.push(message.text());
  });
  return errors;
}

/** Creates a council from the home screen and opens its screen. */
async function createCouncil(page, name) {
  await page.getByLabel("Lokalrådets navn").fill(name);
  await page.getByRole("button", { name: "Opret lokalråd" }).click();
  await page.getByRole("link", { name, exact: true }).click();
  await page.getByRole("heading", { level: 2, name }).waitFor();
}

/** Adds a member on the screen that is open. */
async function addMember(page, name, contact, role) {
  const form = page.locator("form").filter({ has: page.getByRole("heading", { name: "Tilføj et medlem" }) });
  await form.getByLabel("Navn").fill(name);
  await form.getByLabel("Telefon eller e-mail").fill(contact);
  await form.getByLabel("Rolle").selectOption({ label: role });
  await form.getByRole("button", { name: "Tilføj medlem" }).click();
  await page.getByRole("listitem").filter({ has: page.getByRole("heading", { level: 3, name }) }).waitFor();
}

test("a council's plan and a project group are made, kept offline and printed", async () => {
  const context = await phoneContext(env.browser);
  context.setDefaultTimeout(15_000);
  const page = await context.newPage();
  const errors = watchErrors(page);

  // First start: the app asks who the person is.
  await page.goto(env.relay.url);
  await page.getByRole("heading", { name: "Velkommen til Landsbyplan" }).waitFor();
  await page.getByLabel("Dit navn").fill("Anna Jensen");
  await page.getByLabel("Din rolle").selectOption({ label: "Borger" });
  assert.equal(await serviceWorkerReady(page), "activated");

  await createCouncil(page, "Grindsted Lokalråd");
  await addMember(page, "Anna Jensen", "anna@example.org", "Borger");
  await addMember(page, "Bo Nielsen", "20 30 40 50", "Fagperson i kommunen");
  await addMember(page, "Kirsten Vinter", "", "Politiker");

  // A member's details are edited, and one who left is removed.
  const bo = page.getByRole("listitem").filter({ has: page.getByRole("heading", { level: 3, name: "Bo Nielsen" }) });
  await bo.getByText("Ret eller fjern").click();
  await bo.getByLabel("Telefon eller e-mail").fill("bo@example.org");
  await bo.getByRole("button", { name: "Gem", exact: true }).click();
  await bo.getByText("Fagperson i kommunen · bo@example.org").waitFor();
  const kirsten = page.getByRole("listitem").filter({ has: page.getByRole("heading", { level: 3, name: "Kirsten Vinter" }) });
  await kirsten.getByText("Ret eller fjern").click();
  await kirsten.getByRole("button", { name: "Fjern medlemmet" }).click();
  await kirsten.waitFor({ state: "detached" });

  const vision = page.getByLabel("Lokalrådets vision");
  await vision.fill("Et levende Grindsted, hvor unge bliver og ældre kan blive boende.");

  const mobility = page.getByRole("region", { name: "Mobilitet" });
  await mobility.getByLabel("Nyt mål for Mobilitet").fill("Cykelsti til skolen");
  await mobility.getByRole("button", { name: "Tilføj mål" }).click();
  await mobility.getByText("Cykelsti til skolen", { exact: true }).waitFor();

  const addAction = page.locator("form").filter({ has: page.getByRole("heading", { name: "Tilføj en handling" }) });
  await addAction.getByLabel("Handling").fill("Tælle cyklister ved skolen");
  await addAction.getByLabel("Fokusområde").selectOption({ label: "Mobilitet" });
  await addAction.getByLabel("Mål, den tjener").selectOption({ label: "Cykelsti til skolen" });
  await addAction.getByLabel("Ansvarlig").selectOption({ label: "Bo Nielsen" });
  await addAction.getByLabel("Frist").fill("2027-04-30");
  await addAction.getByLabel("Pris (kr.)").fill("12.500");
  await addAction.getByLabel("Finansiering").fill("Landdistriktspuljen");
  await addAction.getByRole("button", { name: "Tilføj handling" }).click();
  const counting = page.getByRole("listitem").filter({ has: page.getByRole("heading", { name: "Tælle cyklister ved skolen" }) });
  await counting.getByText("Ansvarlig: Bo Nielsen").waitFor();
  await counting.getByText("12.500 kr.").waitFor();

  await addAction.getByLabel("Handling").fill("Sommerfest på sportspladsen");
  await addAction.getByLabel("Fokusområde").selectOption({ label: "Natur-, kultur- og fritidstilbud" });
  await addAction.getByRole("button", { name: "Tilføj handling" }).click();
  const party = page.getByRole("listitem").filter({ has: page.getByRole("heading", { name: "Sommerfest på sportspladsen" }) });
  await party.getByLabel("Status").selectOption({ label: "Udført" });

  // Filters: by status, then by focus area.
  await page.getByText("Viser 2 af 2 handlinger").waitFor();
  await page.locator("#filter-status").selectOption({ label: "Udført" });
  await page.getByText("Viser 1 af 2 handlinger").waitFor();
  assert.equal(await counting.count(), 0, "the idea is filtered away");
  await page.locator("#filter-status").selectOption({ label: "Alle" });
  await page.locator("#filter-area").selectOption({ label: "Mobilitet" });
  await page.getByText("Viser 1 af 2 handlinger").waitFor();
  assert.equal(await party.count(), 0, "the other focus area is filtered away");
  await page.locator("#filter-area").selectOption({ label: "Alle" });

  // A project group on mobility, started from the council.
  const groups = page.getByRole("region", { name: "Projektgrupper" });
  await groups.getByLabel("Fokusområde").selectOption({ label: "Mobilitet" });
  await groups.getByLabel("Gruppens navn").fill("Sikker skolevej");
  await groups.getByRole("button", { name: "Start gruppen" }).click();
  await page.getByRole("heading", { level: 2, name: "Sikker skolevej" }).waitFor();
  await page.getByText("Grindsted Lokalråd").first().waitFor();
  await addMember(page, "Carla Holm", "carla@example.org", "Borger");
  await addMember(page, "Dennis Berg", "dennis@example.org", "Landdistriktskonsulent");
  await page.getByLabel("Vælg projektleder blandt medlemmerne").selectOption({ label: "Carla Holm" });
  await page.getByText("Carla Holm er projektleder.").waitFor();
  const addMilestone = page.locator("form").filter({ has: page.getByRole("heading", { name: "Tilføj en milepæl" }) });
  await addMilestone.getByLabel("Milepæl").fill("Tælling færdig");
  await addMilestone.getByLabel("Frist").fill("2027-05-01");
  await addMilestone.getByRole("button", { name: "Tilføj milepæl" }).click();
  const addTask = page.locator("form").filter({ has: page.getByRole("heading", { name: "Tilføj en opgave" }) });
  for (const title of ["Låne tællere", "Skrive til skolen"]) {
    await addTask.getByLabel("Opgave").fill(title);
    await addTask.getByLabel("Ansvarlig").selectOption({ label: "Carla Holm" });
    await addTask.getByLabel("Milepæl").selectOption({ label: "Tælling færdig" });
    await addTask.getByRole("button", { name: "Tilføj opgave" }).click();
    await page.getByRole("heading", { level: 3, name: title }).waitFor();
  }
  await page
    .getByRole("listitem")
    .filter({ has: page.getByRole("heading", { name: "Låne tællere" }) })
    .getByLabel("Status")
    .selectOption({ label: "Udført" });
  await page.getByText("1 af 2 opgaver er udført").waitFor();
  assert.equal(await page.getByRole("progressbar").getAttribute("value"), "1");

  // Reload: all of it is there.
  await page.reload();
  await page.getByText("Carla Holm er projektleder.").waitFor();
  await page.getByText("1 af 2 opgaver er udført").waitFor();

  // Offline: edit, reload offline, and it is all still there.
  await context.setOffline(true);
  await page.getByRole("link", { name: "Til forsiden" }).click();
  await page.getByRole("link", { name: "Grindsted Lokalråd" }).click();
  await addAction.getByLabel("Handling").fill("Møde med vejafdelingen");
  await addAction.getByRole("button", { name: "Tilføj handling" }).click();
  await page.getByRole("heading", { level: 3, name: "Møde med vejafdelingen" }).waitFor();
  await page.reload();
  await page.getByText("Du er offline", { exact: false }).waitFor();
  await page.getByRole("heading", { level: 3, name: "Møde med vejafdelingen" }).waitFor();
  assert.equal(await vision.inputValue(), "Et levende Grindsted, hvor unge bliver og ældre kan blive boende.");
  await page.getByRole("link", { name: "Sikker skolevej" }).click();
  await page.getByText("Carla Holm er projektleder.").waitFor();
  await page.goBack();

  // Who changed an action: its history names the person.
  await counting.getByText("Historik").click();
  await counting.getByText("Anna Jensen,", { exact: false }).first().waitFor();

  // The print view, on A4.
  await page.getByRole("link", { name: "Udskriv udviklingsplanen (A4)" }).click();
  await page.getByRole("heading", { name: "Udviklingsplan for Grindsted Lokalråd" }).waitFor();
  await page.getByRole("cell", { name: "Tælle cyklister ved skolen" }).waitFor();
  await page.emulateMedia({ media: "print" });
  assert.equal(await page.locator("header.bar").isVisible(), false, "the app's bar is not printed");
  await page.emulateMedia({ media: "screen" });
  await context.setOffline(false);
  const pdf = await page.pdf({ format: "A4", preferCSSPageSize: true });
  assert.ok(pdf.subarray(0, 5).toString() === "%PDF-", "a PDF came out");
  const pages = (pdf.toString("latin1").match(/\/Type\s*\/Page[^s]/g) ?? []).length;
  assert.ok(pages >= 1 && pages <= 3, `the plan prints on 1–3 A4 pages, not ${pages}`);

  // The other language.
  await page.getByRole("button", { name: "English" }).click();
  await page.getByRole("heading", { name: "Development plan for Grindsted Lokalråd" }).waitFor();
  await page.getByRole("link", { name: "Back to the council" }).click();
  await page.getByRole("heading", { name: "Action plan" }).waitFor();
  await page.getByRole("region", { name: "Mobility" }).getByText("Cykelsti til skolen", { exact: true }).waitFor();

  assert.deepEqual(errors, []);
  await context.close();
});

test("a council is offered the existing group on a focus area before it starts another", async () => {
  const context = await phoneContext(env.browser);
  context.setDefaultTimeout(15_000);
  const page = await context.newPage();
  await page.goto(env.relay.url);
  await page.getByLabel("Dit navn").fill("Erik");
  await createCouncil(page, "Vorbasse Lokalråd");
  const groups = page.getByRole("region", { name: "Projektgrupper" });
  await groups.getByLabel("Fokusområde").selectOption({ label: "Områdefornyelse" });
  await groups.getByLabel("Gruppens navn").fill("Byfornyelse i Vorbasse og Hejnsvig");
  await groups.getByRole("button", { name: "Start gruppen" }).click();
  await page.getByRole("heading", { level: 2, name: "Byfornyelse i Vorbasse og Hejnsvig" }).waitFor();

  await page.getByRole("link", { name: "Til forsiden" }).click();
  await createCouncil(page, "Hejnsvig Lokalråd");
  const theirs = page.getByRole("region", { name: "Projektgrupper" });
  await theirs.getByLabel("Fokusområde").selectOption({ label: "Områdefornyelse" });
  await theirs.getByText("Der er allerede en gruppe på dette fokusområde", { exact: false }).waitFor();
  assert.equal(await theirs.getByRole("button", { name: "Start gruppen" }).isDisabled(), true);
  await theirs.getByRole("button", { name: "Bliv en del af Byfornyelse i Vorbasse og Hejnsvig" }).click();
  await theirs.getByRole("link", { name: "Byfornyelse i Vorbasse og Hejnsvig" }).first().waitFor();
  await theirs.getByRole("link", { name: "Byfornyelse i Vorbasse og Hejnsvig" }).first().click();
  const councils = page.getByRole("region", { name: "Om gruppen" });
  await councils.getByRole("link", { name: "Hejnsvig Lokalråd" }).waitFor();
  await councils.getByRole("link", { name: "Vorbasse Lokalråd" }).waitFor();
  await context.close();
});

test("a keystroke survives its tab closed at once", async () => {
  const context = await phoneContext(env.browser);
  context.setDefaultTimeout(15_000);
  const page = await context.newPage();
  await page.goto(env.relay.url);
  await page.getByLabel("Dit navn").fill("Frida");
  await createCouncil(page, "Filskov Lokalråd");
  const url = page.url();
  // Another tab of the same site keeps IndexedDB's store of chunks busy, so nothing the
  // first tab stores from now on can commit before that tab is closed: only what the app
  // keeps some other way can survive.
  const holder = await context.newPage();
  await holder.goto(`${env.relay.url}/manifest.webmanifest`);
  await holder.evaluate(
    () =>
      new Promise((resolve, reject) => {
        const open = indexedDB.open("landsbyplan");
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const store = open.result.transaction(["chunks"], "readwrite").objectStore("chunks");
          let busy = true;
          const spin = () => {
            if (busy) store.get("busy").onsuccess = spin;
          };
          spin();
          window.release = () => {
            busy = false;
          };
          resolve();
        };
      }),
  );
  await page.getByLabel("Lokalrådets vision").pressSequentially("Filskov");
  await page.close();
  await holder.evaluate(() => window.release());
  const again = await context.newPage();
  await again.goto(url);
  await again.getByRole("heading", { level: 2, name: "Filskov Lokalråd" }).waitFor();
  assert.equal(await again.getByLabel("Lokalrådets vision").inputValue(), "Filskov");
  await context.close();
});

test("a council is made and opened with the keyboard alone", async () => {
  const context = await phoneContext(env.browser);
  context.setDefaultTimeout(15_000);
  const page = await context.newPage();
  await page.goto(env.relay.url);
  await page.getByRole("heading", { name: "Velkommen til Landsbyplan" }).waitFor();
  // The first Tab reaches the skip link, which moves focus to the content.
  await page.keyboard.press("Tab");
  assert.equal(await page.evaluate(() => document.activeElement.textContent), "Gå til indholdet");
  await page.keyboard.press("Enter");
  for (let presses = 0; presses < 30; presses += 1) {
    await page.keyboard.press("Tab");
    if (await page.evaluate(() => document.activeElement.id === "council-name")) break;
  }
  assert.equal(await page.evaluate(() => document.activeElement.id), "council-name");
  await page.keyboard.type("Stenderup Lokalråd");
  await page.keyboard.press("Enter");
  const link = page.getByRole("link", { name: "Stenderup Lokalråd" });
  await link.focus();
  await page.keyboard.press("Enter");
  await page.getByRole("heading", { level: 2, name: "Stenderup Lokalråd" }).waitFor();
  await context.close();
});

test("a long plan shows twenty actions and members at a time, and what is added at once", async () => {
  // tests/e2e/fixtures/council-1000.landsbyplan: `cargo run -p landsbyplan-model --example
  // council_file -- 1000 <path>` (69 actions, 34 members).
  const fixture = new URL("./fixtures/council-1000.landsbyplan", import.meta.url).pathname;
  const context = await phoneContext(env.browser);
  context.setDefaultTimeout(15_000);
  const page = await context.newPage();
  const errors = watchErrors(page);
  await page.goto(env.relay.url);
  await page.getByLabel("Åbn et lokalråd eller en gruppe fra en fil").setInputFiles(fixture);
  await page.getByRole("heading", { level: 2, name: "Vorbasse Lokalråd" }).waitFor();

  const actions = page.getByRole("region", { name: "Handlingsplan" });
  const actionItems = actions.locator("ol.items > li");
  await actions.getByText("Viser 20 af 69 handlinger").waitFor();
  assert.equal(await actionItems.count(), 20);
  await actions.getByRole("button", { name: "Vis flere (49 mere)" }).click();
  await actions.getByText("Viser 40 af 69 handlinger").waitFor();
  assert.equal(await actionItems.count(), 40);
  await actions.getByRole("button", { name: "Vis flere (29 mere)" }).click();
  await actions.getByRole("button", { name: "Vis flere (9 mere)" }).click();
  await actions.getByText("Viser 69 af 69 handlinger").waitFor();
  assert.equal(await actions.getByRole("button", { name: /^Vis flere/ }).count(), 0);

  const members = page.getByRole("region", { name: "Medlemmer" });
  const memberItems = members.locator("ul.items > li");
  await members.getByRole("button", { name: "Vis flere (14 mere)" }).waitFor();
  assert.equal(await memberItems.count(), 20);

  // After a reload the lists start at twenty again; an action added now (last in the
  // plan) and a member (placed by name) are drawn at once, each in its place.
  await page.reload();
  await actions.getByText("Viser 20 af 69 handlinger").waitFor();
  const form = page.locator("form").filter({ has: page.getByRole("heading", { name: "Tilføj en handling" }) });
  await form.getByLabel("Handling").fill("Shelter ved søen");
  await form.getByRole("button", { name: "Tilføj handling" }).click();
  await actions.getByRole("heading", { level: 3, name: "Shelter ved søen" }).waitFor();
  await actions.getByText("Viser 21 af 70 handlinger").waitFor();
  assert.equal(await actionItems.last().getByRole("heading", { level: 3 }).textContent(), "Shelter ved søen");
  await actions.getByRole("button", { name: "Vis flere (49 mere)" }).waitFor();

  const memberForm = page.locator("form").filter({ has: page.getByRole("heading", { name: "Tilføj et medlem" }) });
  await memberForm.getByLabel("Navn").fill("Åse Østergaard");
  await memberForm.getByRole("button", { name: "Tilføj medlem" }).click();
  await members.getByRole("heading", { level: 3, name: "Åse Østergaard" }).waitFor();
  assert.equal(await memberItems.count(), 21);
  await members.getByRole("button", { name: "Vis flere (14 mere)" }).waitFor();
  assert.deepEqual(errors, []);
  await context.close();
});
