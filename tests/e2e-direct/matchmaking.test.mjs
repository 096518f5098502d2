// Phones that meet at the relay (issue 14): two browsers of one council find each other
// through the relay's sealed signaling and connect directly, with nothing done by
// hand, and each edit reaches the relay once; the relay stops and edits still pass
// between them; one tab closes; the relay comes back, the other phone passes on what
// only it holds, and a third phone that joins then converges and connects to both.
// Runs in a network namespace of its own (scripts/in-netns).
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  checkedContext,
  metric,
  relayAndBrowser,
  startRelay,
  violations,
} from "../e2e/support.mjs";
import {
  SYNCED,
  connectedNow,
  council,
  lists,
  nobody,
  oneName,
  openSharing,
  rename,
} from "./common.mjs";

// The relay's metrics (appends it acknowledged) on a port of their own: the test runs
// in a network namespace of its own, where nothing else listens.
const ADMIN = 19_090;
const env = relayAndBrowser({ direct: true, admin: ADMIN });

/** Opens the app, gives the person's name, then opens the share `link`. */
async function joinAs(page, url, name, link) {
  await page.goto(url);
  await page.getByLabel("Dit navn").fill(name);
  await page.goto(link);
}

test("phones that meet at the relay connect directly and keep syncing without it", async () => {
  const contexts = await Promise.all(["Anna", "Bo", "Carl"].map(() => checkedContext(env.browser)));
  for (const context of contexts) context.setDefaultTimeout(60_000);
  let [a, b, c] = await Promise.all(contexts.map((context) => context.newPage()));
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
  await lists(await connectedNow(a, "Sdr. Omme Lokalråd"), ["Bo: direkte og gennem relæet"]);
  await lists(await connectedNow(b, "Sdr. Omme Lokalråd"), ["Anna: direkte og gennem relæet"]);
  assert.deepEqual(await violations(a), [], "the council's screen with its connections passes axe");

  // Connected both ways, each edit reaches the relay once: Bo gets Anna's edits both
  // directly and from the relay, and does not send them again.
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

  // The relay stops: the two stay connected directly, and edits pass both ways.
  const annaSees = await connectedNow(a, name);
  const boSees = await connectedNow(b, name);
  const { port, dataDir } = env.relay;
  await env.relay.stop({ keepData: true });
  env.relay = undefined;
  await lists(annaSees, ["Bo: direkte"]);
  await lists(boSees, ["Anna: direkte"]);
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
  await rename(a, "Sdr. Omme 2027", "Sdr. Omme Anna");
  await council(b, "Sdr. Omme Anna").waitFor();

  // Anna's tab is closed: Bo's screen no longer counts her as connected.
  await a.close();
  await nobody(await connectedNow(b, "Sdr. Omme Anna"));

  // The relay comes back where it was. Anna's last edit is only on Bo's phone (and in
  // Anna's closed tab's storage): Bo passes it on, so Carl, new to the council, gets
  // the council as it was edited without the relay.
  env.relay = await startRelay({ port, dataDir, admin: ADMIN });
  await joinAs(c, url, "Carl", link);
  await council(c, "Sdr. Omme Anna").getByText(SYNCED).waitFor();
  await lists(await connectedNow(c, "Sdr. Omme Anna"), ["Bo: direkte og gennem relæet"]);

  // Anna opens the app again: she connects to both.
  a = await contexts[0].newPage();
  await a.goto(url);
  await lists(await connectedNow(a, "Sdr. Omme Anna"), [
    "Bo: direkte og gennem relæet",
    "Carl: direkte og gennem relæet",
  ]);
  const carlSees = await connectedNow(c, "Sdr. Omme Anna");
  await lists(carlSees, ["Anna: direkte og gennem relæet", "Bo: direkte og gennem relæet"]);

  // The relay stops again; Carl and Anna edit at once, and all three end on one name.
  await env.relay.stop();
  env.relay = undefined;
  await lists(carlSees, ["Anna: direkte", "Bo: direkte"]);
  for (const page of [a, b, c]) await page.getByRole("link", { name: "Landsbyplan" }).click();
  await Promise.all([
    rename(a, "Sdr. Omme Anna", "Sdr. Omme A"),
    rename(c, "Sdr. Omme Anna", "Sdr. Omme C"),
  ]);
  await oneName([a, b, c], /^Sdr\. Omme [AC]$/);
  for (const context of contexts) await context.close();
});
