// Two browsers, one shared space, through the real relay: joining by link, live sync,
// and catching up after the relay was away.
import assert from "node:assert/strict";
import { test } from "node:test";
import { checkedContext, phoneContext, relayAndBrowser, serviceWorkerReady, startRelay, violations } from "./support.mjs";

const env = relayAndBrowser();


const SYNCED = "Delt – alt er synkroniseret";

/** Opens an item's sharing and renaming, unless it is open already. */
async function openSharing(item) {
  if (!(await item.locator("details").evaluate((details) => details.open))) {
    await item.getByText("Del og omdøb").click();
  }
}

function council(page, name) {
  return page.getByRole("listitem").filter({ has: page.getByRole("heading", { level: 3, name }) });
}

/**
 * Anna makes "Vorbasse Lokalråd" and shares it by link; Bo, on a phone of his own (a
 * context `makeBo` makes), joins. Resolves once both say it is in sync.
 */
async function sharedCouncil(makeBo = phoneContext) {
  const [anna, bo] = [await phoneContext(env.browser), await makeBo(env.browser)];
  anna.setDefaultTimeout(20_000);
  bo.setDefaultTimeout(20_000);
  const a = await anna.newPage();
  const b = await bo.newPage();

  await a.goto(env.relay.url);
  await a.getByLabel("Dit navn").fill("Anna");
  await a.getByLabel("Lokalrådets navn").fill("Vorbasse Lokalråd");
  await a.getByRole("button", { name: "Opret lokalråd" }).click();
  const mine = council(a, "Vorbasse Lokalråd");
  await mine.getByText(SYNCED).waitFor();

  await openSharing(mine);
  const link = await mine.getByLabel("Delingslink – alle med linket kan se og redigere").inputValue();
  assert.match(link, /^http:\/\/127\.0\.0\.1:\d+\/#edit=[A-Za-z0-9_-]{43}$/);

  await b.goto(link);
  const theirs = council(b, "Vorbasse Lokalråd");
  await theirs.getByText(SYNCED).waitFor();
  assert.equal(new URL(b.url()).hash, "", "the secret is taken out of the address bar");
  return { anna, bo, a, b, theirs };
}

test("a council shared by link converges on two devices, also after the relay was away", async () => {
  const { anna, bo, a, b, theirs } = await sharedCouncil();

  // Bo renames; Anna sees it live.
  await openSharing(theirs);
  await theirs.getByLabel("Nyt navn").fill("Vorbasse Lokalråd 2027");
  await theirs.getByRole("button", { name: "Gem navn" }).click();
  await council(a, "Vorbasse Lokalråd 2027").getByText(SYNCED).waitFor();

  // Anna's council screen says who else is connected now: Bo, who gave no name,
  // through the relay (direct connections are off in these tests).
  await a.getByRole("link", { name: "Vorbasse Lokalråd 2027" }).click();
  const connectedNow = a.getByRole("region", { name: "Forbundet lige nu" });
  await connectedNow.getByText("En telefon uden navn: gennem relæet").waitFor();
  assert.equal(await connectedNow.getByRole("listitem").count(), 1);

  // The relay goes away: nobody is connected now; Anna keeps working, and her status
  // says the change waits.
  await env.relay.stop({ keepData: true });
  await connectedNow.getByText("Ingen andre telefoner med dette rum er forbundet lige nu.").waitFor();
  await a.getByRole("link", { name: "Landsbyplan" }).click();
  const annas = council(a, "Vorbasse Lokalråd 2027");
  await openSharing(annas);
  await annas.getByLabel("Nyt navn").fill("Vorbasse og omegn");
  await annas.getByRole("button", { name: "Gem navn" }).click();
  await council(a, "Vorbasse og omegn").getByText("1 ændring venter på at blive delt").waitFor();

  // The relay comes back with its store; both devices reconnect and converge.
  env.relay = await startRelay({ port: env.relay.port, dataDir: env.relay.dataDir });
  const back = Date.now();
  await council(b, "Vorbasse og omegn").getByText(SYNCED).waitFor();
  await council(a, "Vorbasse og omegn").getByText(SYNCED).waitFor();
  console.log(`# converged ${Date.now() - back} ms after the relay came back (includes reconnect backoff)`);

  await b.reload();
  await council(b, "Vorbasse og omegn").waitFor();
  await anna.close();
  await bo.close();
});

test("a meeting's address opened on a phone the meeting has not reached says so, leads to the council, and shows the meeting when it arrives", async () => {
  const { anna, bo, a, b } = await sharedCouncil(checkedContext);
  await serviceWorkerReady(b);
  // Bo is out of reach while Anna plans a meeting and sends him its address.
  await bo.setOffline(true);
  await a.getByRole("link", { name: "Vorbasse Lokalråd" }).click();
  await a.getByLabel("Mødets titel").fill("Årsmøde");
  await a.getByLabel("Dato", { exact: true }).fill("2027-03-02");
  await a.getByRole("button", { name: "Opret mødet" }).click();
  await a.getByRole("heading", { level: 2, name: "Årsmøde" }).waitFor();
  await b.goto(a.url());
  await b.getByRole("heading", { level: 2, name: "Mødet findes ikke på denne enhed" }).waitFor();
  await b.getByText("Mødet er måske ikke nået frem til denne enhed endnu, eller adressen er forkert.").waitFor();
  assert.equal(await b.title(), "Mødet findes ikke på denne enhed – Landsbyplan");
  const back = b.getByRole("link", { name: "Til Vorbasse Lokalråd" });
  assert.equal(new URL(await back.getAttribute("href"), b.url()).pathname, new URL(a.url()).pathname.replace(/\/meeting\/.*$/, ""));
  assert.deepEqual(await violations(b), [], "the missing meeting's screen has no serious accessibility problems");

  // Back in reach: the meeting arrives and its screen replaces the message, no reload;
  // the focus, on the way to the council (gone with the message), goes to its title.
  await back.focus();
  await bo.setOffline(false);
  await b.getByRole("heading", { level: 2, name: "Årsmøde" }).waitFor();
  await b.waitForFunction(() => document.activeElement?.tagName === "H2" && document.activeElement.textContent === "Årsmøde");
  assert.equal(await b.title(), "Vorbasse Lokalråd – Landsbyplan");
  await b.getByLabel("Dagsordenen").fill("1. Velkomst");
  await a.waitForFunction(() => [...document.querySelectorAll("textarea")].some((field) => field.value === "1. Velkomst"));
  await anna.close();
  await bo.close();
});

test("a link sent as text is pasted in to join, and copy puts the link on the clipboard", async () => {
  const [anna, bo] = [await phoneContext(env.browser), await phoneContext(env.browser)];
  for (const context of [anna, bo]) context.setDefaultTimeout(20_000);
  await anna.grantPermissions(["clipboard-read", "clipboard-write"]);
  const a = await anna.newPage();
  const b = await bo.newPage();
  await a.goto(env.relay.url);
  await a.getByLabel("Dit navn").fill("Anna");
  await a.getByLabel("Lokalrådets navn").fill("Sønder Omme Lokalråd");
  await a.getByRole("button", { name: "Opret lokalråd" }).click();
  await a.getByRole("link", { name: "Sønder Omme Lokalråd" }).click();
  await a.getByText(SYNCED).waitFor();
  await a.getByText(/seneste kontakt kl\. \d\d:\d\d/).waitFor();

  const share = a.getByRole("region", { name: "Del" });
  const link = await share.getByLabel("Link kun til at læse").inputValue();
  await share.getByRole("button", { name: "Kopiér link" }).nth(1).click();
  await share.getByText("Linket er kopieret.").waitFor();
  assert.equal(await a.evaluate(() => navigator.clipboard.readText()), link);

  await b.goto(env.relay.url);
  await b.getByLabel("Dit navn").fill("Bo");
  const join = b.getByRole("region", { name: "Deltag via et link" });
  await join.getByLabel("Har du fået et delingslink som tekst?", { exact: false }).fill("https://example.org/#edit=nope");
  await join.getByRole("button", { name: "Deltag" }).click();
  await join.getByRole("alert").filter({ hasText: "Det er ikke et delingslink fra Landsbyplan" }).waitFor();
  await join.getByLabel("Har du fået et delingslink som tekst?", { exact: false }).fill(link);
  await join.getByRole("button", { name: "Deltag" }).click();
  await council(b, "Sønder Omme Lokalråd").getByText(SYNCED).waitFor();
  assert.equal(await join.getByRole("alert").count(), 0);
  await anna.close();
  await bo.close();
});
