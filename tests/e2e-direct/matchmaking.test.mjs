// Phones that meet at the relay (issue 14): two browsers of one council find each other
// through the relay's sealed signaling and connect directly, with nothing done by
// hand; the relay stops and edits still pass between them; it comes back, what was
// edited meanwhile reaches it, and a third phone that joins then converges with both
// and connects to both. Runs in a network namespace of its own (scripts/in-netns).
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  checkedContext,
  metric,
  relayAndBrowser,
  startRelay,
  violations,
} from "../e2e/support.mjs";

// The relay's metrics (appends it acknowledged) on a port of their own: the test runs
// in a network namespace of its own, where nothing else listens.
const ADMIN = 19_090;
const env = relayAndBrowser({ direct: true, admin: ADMIN });

const SYNCED = "Delt – alt er synkroniseret";

function council(page, name) {
  return page.getByRole("listitem").filter({ has: page.getByRole("heading", { level: 3, name }) });
}

async function openSharing(item) {
  if (!(await item.locator("details").evaluate((details) => details.open))) {
    await item.getByText("Del og omdøb").click();
  }
}

async function rename(page, from, to) {
  const item = council(page, from);
  await openSharing(item);
  await item.getByLabel("Nyt navn").fill(to);
  await item.getByRole("button", { name: "Gem navn" }).click();
}

/** The council's screen's lines about who is connected now. */
async function connectedNow(page, name) {
  await page.getByRole("link", { name: "Landsbyplan" }).click();
  await page.getByRole("link", { name }).click();
  return page.getByRole("region", { name: "Forbundet lige nu" });
}

/** Waits until `region` lists exactly `lines` (in order). */
async function lists(region, lines) {
  const items = region.getByRole("listitem");
  let last = [];
  for (let tries = 0; tries < 600; tries += 1) {
    last = await items.allTextContents();
    if (JSON.stringify(last) === JSON.stringify(lines)) return;
    await region.page().waitForTimeout(100);
  }
  assert.deepEqual(last, lines, "who is connected, and how");
}

/** Opens the app, gives the person's name, then opens the share `link`. */
async function joinAs(page, url, name, link) {
  await page.goto(url);
  await page.getByLabel("Dit navn").fill(name);
  await page.goto(link);
}

test("phones that meet at the relay connect directly and keep syncing without it", async () => {
  const contexts = await Promise.all(["Anna", "Bo", "Carl"].map(() => checkedContext(env.browser)));
  for (const context of contexts) context.setDefaultTimeout(60_000);
  const [a, b, c] = await Promise.all(contexts.map((context) => context.newPage()));
  const { url } = env.relay;

  await a.goto(url);
  await a.getByLabel("Dit navn").fill("Anna");
  await a.getByLabel("Lokalrådets navn").fill("Sdr. Omme Lokalråd");
  await a.getByRole("button", { name: "Opret lokalråd" }).click();
  await council(a, "Sdr. Omme Lokalråd").getByText(SYNCED).waitFor();
  await openSharing(council(a, "Sdr. Omme Lokalråd"));
  const link = await council(a, "Sdr. Omme Lokalråd")
    .getByLabel("Delingslink – alle med linket kan se og redigere")
    .inputValue();
  await joinAs(b, url, "Bo", link);
  await council(b, "Sdr. Omme Lokalråd").getByText(SYNCED).waitFor();

  // Nobody pressed anything: the two found each other at the relay and connected.
  const annaSees = await connectedNow(a, "Sdr. Omme Lokalråd");
  const boSees = await connectedNow(b, "Sdr. Omme Lokalråd");
  await lists(annaSees, ["Bo: direkte og gennem relæet"]);
  await lists(boSees, ["Anna: direkte og gennem relæet"]);
  assert.deepEqual(await violations(a), [], "the council's screen with its connections passes axe");

  // Connected both ways, each edit reaches the relay once: Bo gets Anna's edits
  // directly first, and then from the relay, and does not send them again.
  await a.getByRole("link", { name: "Landsbyplan" }).click();
  await b.getByRole("link", { name: "Landsbyplan" }).click();
  const appended = await metric(ADMIN, "landsbyplan_appends_total");
  let name = "Sdr. Omme Lokalråd";
  for (const next of ["Sdr. Omme 1", "Sdr. Omme 2", "Sdr. Omme 3"]) {
    await rename(a, name, next);
    await council(b, next).waitFor();
    name = next;
  }
  await council(a, name).getByText(SYNCED).waitFor();
  // Bo would pass on what the relay had not sent him 5 s after it came.
  await b.waitForTimeout(6_000);
  assert.equal(await metric(ADMIN, "landsbyplan_appends_total"), appended + 3, "three edits, three appends");
  await a.getByRole("link", { name }).click();
  await b.getByRole("link", { name }).click();

  // The relay stops: the two stay connected directly.
  const { port, dataDir } = env.relay;
  await env.relay.stop({ keepData: true });
  env.relay = undefined;
  await lists(annaSees, ["Bo: direkte"]);
  await lists(boSees, ["Anna: direkte"]);

  // Edits pass both ways without it.
  await a.getByRole("link", { name: "Landsbyplan" }).click();
  await b.getByRole("link", { name: "Landsbyplan" }).click();
  let sent = Date.now();
  await rename(a, name, "Sdr. Omme og omegn");
  await council(b, "Sdr. Omme og omegn").waitFor();
  console.log(`# with the relay stopped, Anna's edit reached Bo directly in ${Date.now() - sent} ms`);
  sent = Date.now();
  await rename(b, "Sdr. Omme og omegn", "Sdr. Omme 2027");
  await council(a, "Sdr. Omme 2027").waitFor();
  console.log(`# with the relay stopped, Bo's edit reached Anna directly in ${Date.now() - sent} ms`);

  // The relay comes back where it was: both reach it again (still connected directly),
  // and what they edited without it reaches it.
  env.relay = await startRelay({ port, dataDir, admin: ADMIN });
  await lists(await connectedNow(a, "Sdr. Omme 2027"), ["Bo: direkte og gennem relæet"]);
  await lists(await connectedNow(b, "Sdr. Omme 2027"), ["Anna: direkte og gennem relæet"]);
  await a.getByRole("link", { name: "Landsbyplan" }).click();
  await council(a, "Sdr. Omme 2027").getByText(SYNCED).waitFor();

  // A third phone, new to the council, joins now: it gets the council as edited while
  // the relay was away, and connects directly to both.
  await joinAs(c, url, "Carl", link);
  await council(c, "Sdr. Omme 2027").getByText(SYNCED).waitFor();
  const carlSees = await connectedNow(c, "Sdr. Omme 2027");
  await lists(carlSees, ["Anna: direkte og gennem relæet", "Bo: direkte og gennem relæet"]);
  await lists(await connectedNow(a, "Sdr. Omme 2027"), [
    "Bo: direkte og gennem relæet",
    "Carl: direkte og gennem relæet",
  ]);

  // The relay stops again; Carl and Anna edit at once, and all three end on one name.
  await env.relay.stop();
  env.relay = undefined;
  await lists(carlSees, ["Anna: direkte", "Bo: direkte"]);
  for (const page of [a, b, c]) await page.getByRole("link", { name: "Landsbyplan" }).click();
  await Promise.all([
    rename(a, "Sdr. Omme 2027", "Sdr. Omme A"),
    rename(c, "Sdr. Omme 2027", "Sdr. Omme C"),
  ]);
  const shown = async (page) =>
    page.getByRole("heading", { level: 3, name: /^Sdr\. Omme [AC]$/ }).allTextContents();
  let last = [];
  for (let tries = 0; tries < 100; tries += 1) {
    last = await Promise.all([a, b, c].map(shown));
    if (last.every((names) => names.length === 1) && new Set(last.map((names) => names[0])).size === 1) {
      break;
    }
    await a.waitForTimeout(100);
  }
  assert.equal(new Set(last.map((names) => names.join())).size, 1, `one name on all three: ${JSON.stringify(last)}`);
  assert.equal(last[0].length, 1);
  for (const context of contexts) await context.close();
});
