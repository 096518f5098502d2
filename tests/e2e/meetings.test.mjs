// A meeting in a hall with no signal: agenda, attendance, minutes, and a decision that
// becomes a task in the group's plan (an action in a council's) with one click.
import assert from "node:assert/strict";
import { test } from "node:test";
import { checkedContext, relayAndBrowser, violations } from "./support.mjs";

const env = relayAndBrowser();

async function addMember(page, name) {
  const form = page.locator("form").filter({ has: page.getByRole("heading", { name: "Tilføj et medlem" }) });
  await form.getByLabel("Navn").fill(name);
  await form.getByRole("button", { name: "Tilføj medlem" }).click();
  await page.getByRole("heading", { level: 3, name }).waitFor();
}

async function holdMeeting(page, title) {
  await page.getByLabel("Mødets titel").fill(title);
  await page.getByLabel("Dato", { exact: true }).fill("2027-03-02");
  await page.getByRole("button", { name: "Opret mødet" }).click();
  await page.getByRole("heading", { level: 2, name: title }).waitFor();
}

test("a decision taken in a meeting offline becomes a task, and in a council an action", async () => {
  const context = await checkedContext(env.browser);
  context.setDefaultTimeout(15_000);
  const page = await context.newPage();
  await page.goto(env.relay.url);
  await page.getByLabel("Dit navn").fill("Mette");
  await page.getByLabel("Lokalrådets navn").fill("Vorbasse Lokalråd");
  await page.getByRole("button", { name: "Opret lokalråd" }).click();
  await page.getByRole("link", { name: "Vorbasse Lokalråd" }).click();
  await addMember(page, "Mette Holm");
  const groups = page.getByRole("region", { name: "Projektgrupper" });
  await groups.getByLabel("Fokusområde").selectOption({ label: "Mobilitet" });
  await groups.getByLabel("Gruppens navn").fill("Samkørsel");
  await groups.getByRole("button", { name: "Start gruppen" }).click();
  await page.getByRole("heading", { level: 2, name: "Samkørsel" }).waitFor();
  await addMember(page, "Carla Holm");
  await addMember(page, "Dennis Berg");

  // The hall has no signal.
  await context.setOffline(true);
  await holdMeeting(page, "Opstartsmøde");
  await page.getByLabel("Dagsordenen").fill("1. Velkomst\n2. Hvem kører hvornår");
  await page.getByRole("group", { name: "Til stede" }).getByLabel("Carla Holm").check();
  await page.getByText("1 af 2 medlemmer er til stede.").waitFor();
  // Typed key by key, as during a meeting: every keystroke is saved and the field keeps
  // its focus and its text.
  await page.getByLabel("Referatet").pressSequentially("Carla laver en samkørselsliste.");
  assert.equal(await page.getByLabel("Referatet").inputValue(), "Carla laver en samkørselsliste.");
  await page.getByLabel("Beslutning", { exact: true }).fill("Lave en samkørselsliste");
  await page.getByLabel("Ansvarlig").selectOption({ label: "Carla Holm" });
  await page.getByLabel("Frist").fill("2027-03-20");
  await page.getByRole("button", { name: "Tilføj beslutning" }).click();
  const decision = page.getByRole("listitem").filter({ has: page.getByRole("heading", { name: "Lave en samkørselsliste" }) });
  await decision.getByText("Ansvarlig: Carla Holm").waitFor();
  assert.deepEqual(await violations(page), [], "the meeting screen");
  await decision.getByRole("button", { name: "Gør «Lave en samkørselsliste» til en opgave i planen" }).click();
  await decision.getByText("Står på opgavelisten.").waitFor();

  // Reloaded offline, the minutes are there, and the task is in the group's plan.
  await page.reload();
  assert.equal(await page.getByLabel("Referatet").inputValue(), "Carla laver en samkørselsliste.");
  await page.getByRole("link", { name: "Til forsiden" }).click();
  await page.getByRole("link", { name: "Samkørsel" }).click();
  const task = page.getByRole("region", { name: "Opgaver" }).getByRole("listitem").filter({ has: page.getByRole("heading", { name: "Lave en samkørselsliste" }) });
  await task.getByText("Ansvarlig: Carla Holm").waitFor();
  await task.getByText("Frist: 20.3.2027").waitFor();

  // In a council, the decision becomes an action.
  await page.getByRole("region", { name: "Om gruppen" }).getByRole("link", { name: "Vorbasse Lokalråd" }).click();
  await holdMeeting(page, "Lokalrådsmøde marts");
  await page.getByLabel("Beslutning", { exact: true }).fill("Søge om nye bænke");
  await page.getByLabel("Ansvarlig").selectOption({ label: "Mette Holm" });
  await page.getByRole("button", { name: "Tilføj beslutning" }).click();
  await page.getByRole("button", { name: "Gør «Søge om nye bænke» til en handling i planen" }).click();
  await page.getByText("Står i handlingsplanen.").waitFor();
  await page.getByRole("link", { name: "Til forsiden" }).click();
  await page.getByRole("link", { name: "Vorbasse Lokalråd" }).click();
  const action = page.getByRole("region", { name: "Handlingsplan" }).getByRole("listitem").filter({ has: page.getByRole("heading", { name: "Søge om nye bænke" }) });
  await action.getByText("Ansvarlig: Mette Holm").waitFor();
  await context.close();
});
