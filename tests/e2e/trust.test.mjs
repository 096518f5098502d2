// No takeover (issue 11): a link to another document that carries the id of a council a
// phone already holds never replaces that council. Mallory opens a file of Anna's council
// on her own phone, which shares it under keys of her own, adds an action, and sends
// Anna the link. Anna's phone says in plain words that the link was not opened, her
// council is unchanged (also after a reload), and her later edits still reach Bo.
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import {
  SYNCED,
  actionHeading,
  actionTitles,
  addAction,
  councilItem,
  createSharedCouncil,
  joinByLink,
  openCouncil,
} from "./phones.mjs";
import { phoneContext, relayAndBrowser } from "./support.mjs";

const env = relayAndBrowser();
const COUNCIL = "Hejnsvig Lokalråd";

/** Saves the open space as a file; resolves with the file's path. */
async function saveFile(page) {
  const [download] = await Promise.all([
    page.waitForEvent("download"),
    page.getByRole("button", { name: "Gem som fil" }).click(),
  ]);
  const path = join(mkdtempSync(join(tmpdir(), "landsbyplan-trust-")), download.suggestedFilename());
  await download.saveAs(path);
  return path;
}

test("a link to another document with a held council's id is refused and the council stays as it was", async () => {
  const contexts = [await phoneContext(env.browser), await phoneContext(env.browser), await phoneContext(env.browser)];
  for (const context of contexts) context.setDefaultTimeout(20_000);
  const [a, b, m] = await Promise.all(contexts.map((context) => context.newPage()));

  const link = await createSharedCouncil(a, env.relay.url, "Anna", COUNCIL);
  await joinByLink(b, link, "Bo", COUNCIL);
  await openCouncil(a, COUNCIL);
  await addAction(a, "Ny legeplads");
  const file = await saveFile(a);

  // Mallory opens the file: a council with the same id, shared under her own keys.
  await m.goto(env.relay.url);
  await m.getByLabel("Dit navn").fill("Mallory");
  await m.getByLabel("Åbn et lokalråd eller en gruppe fra en fil").setInputFiles(file);
  await m.getByRole("heading", { level: 2, name: COUNCIL }).waitFor();
  await addAction(m, "Mallorys handling");
  await m.getByRole("banner").getByRole("link", { name: "Landsbyplan" }).click();
  const item = councilItem(m, COUNCIL);
  await item.getByText(SYNCED).waitFor();
  await item.getByText("Del og omdøb").click();
  const forged = await item.getByLabel("Delingslink – alle med linket kan se og redigere").inputValue();
  assert.notEqual(forged, link, "Mallory's copy has keys of its own");

  // Anna opens Mallory's link.
  await a.goto(forged);
  await a
    .getByRole("alert")
    .filter({ hasText: `Linket hører til en anden kopi af «${COUNCIL}» end den, du har. Den blev ikke åbnet` })
    .waitFor();
  assert.equal(await a.getByRole("link", { name: COUNCIL, exact: true }).count(), 1, "still one council");
  await openCouncil(a, COUNCIL);
  assert.deepEqual(await actionTitles(a), ["Ny legeplads"], "nothing of Mallory's copy got in");

  // Anna's council still syncs with Bo, both ways.
  await addAction(a, "Efter forsøget");
  await openCouncil(b, COUNCIL);
  await actionHeading(b, "Efter forsøget").waitFor();
  await addAction(b, "Bos svar");
  await actionHeading(a, "Bos svar").waitFor();

  // After a reload the link is forgotten: nothing waits to be joined, nothing changed.
  await a.reload();
  await a.getByRole("heading", { level: 2, name: COUNCIL, exact: true }).waitFor();
  await actionHeading(a, "Bos svar").waitFor();
  assert.deepEqual((await actionTitles(a)).sort(), ["Bos svar", "Efter forsøget", "Ny legeplads"]);
  await a.getByRole("banner").getByRole("link", { name: "Landsbyplan" }).click();
  await councilItem(a, COUNCIL).getByText(SYNCED).waitFor();
  assert.equal(await a.getByText("Venter på det, der er delt med dig", { exact: false }).count(), 0, "no link waits to be joined");
  for (const context of contexts) await context.close();
});

// Frames are one protocol-version byte (2), then postcard: a relay frame's variant comes
// next, and an entry (variant 2) ends with its writer's proof.
const isEntry = (frame) => typeof frame !== "string" && frame[0] === 2 && frame[1] === 2;

test("entries a relay alters on the way are refused, counted on screen, and come again from an honest one", async () => {
  const contexts = [await phoneContext(env.browser), await phoneContext(env.browser)];
  for (const context of contexts) context.setDefaultTimeout(20_000);
  const [a, b] = await Promise.all(contexts.map((context) => context.newPage()));
  // Bo's way to the relay passes a liar, which changes one byte of the next entries it
  // forwards while `lies` is above 0.
  let lies = 0;
  let told = 0;
  await b.routeWebSocket(/\/sync/, (page) => {
    const relay = page.connectToServer();
    relay.onMessage((frame) => {
      if (lies > 0 && isEntry(frame)) {
        lies -= 1;
        told += 1;
        const altered = Buffer.from(frame);
        altered[altered.length - 1] ^= 0x01;
        page.send(altered);
        return;
      }
      page.send(frame);
    });
  });

  const link = await createSharedCouncil(a, env.relay.url, "Anna", COUNCIL);
  await joinByLink(b, link, "Bo", COUNCIL);
  await openCouncil(a, COUNCIL);
  lies = 2;
  await addAction(a, "Ny sti til skolen");
  await addAction(a, "Bænke ved søen");

  // Bo's phone applies neither altered entry, says so in plain words, and reads the log
  // again from the relay, which passes it honestly this time.
  const item = councilItem(b, COUNCIL);
  await item.getByText(/modtagne beskeder blev afvist \(forfalskede, i forkert rækkefølge, ulæselige eller for store\)|1 modtaget besked blev afvist \(forfalsket/).waitFor();
  assert.ok(told >= 1, "the liar altered an entry");
  await item.getByText(SYNCED).waitFor({ timeout: 60_000 });
  const said = await item.textContent();
  const count = Number(said.match(/(\d+) modtag\w* besked\w* blev afvist/)[1]);
  assert.equal(count, told, `every altered entry is counted: "${said}"`);
  const form = count === 1 ? "1 modtaget besked blev afvist (forfalsket" : `${count} modtagne beskeder blev afvist (forfalskede`;
  assert.ok(said.includes(form), `"${said}" reads "${form}"`);
  await openCouncil(b, COUNCIL);
  await actionHeading(b, "Bænke ved søen").waitFor();
  assert.deepEqual((await actionTitles(b)).sort(), ["Bænke ved søen", "Ny sti til skolen"]);
  for (const context of contexts) await context.close();
});
