// Phones in a room with no relay (issue 14): three browsers that hold one council, after
// the relay is gone, connect directly by exchanging codes (pasted as text, as a phone
// without a camera would), and edits flow between all three, also through the middle
// one. Runs in a network namespace of its own (scripts/in-netns): WebRTC needs an
// address besides loopback, and nothing leaves the namespace.
import assert from "node:assert/strict";
import { test } from "node:test";
import jsQR from "jsqr";
import { PNG } from "pngjs";
import { checkedContext, relayAndBrowser, serviceWorkerReady, violations } from "../e2e/support.mjs";
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

const env = relayAndBrowser({ direct: true });

/** Opens the connect screen from the home screen and chooses the space. */
async function connectScreen(page, space) {
  await page.getByRole("link", { name: "Forbind telefoner i rummet" }).first().click();
  await page.getByLabel("Rum").selectOption({ label: space });
}

/**
 * `offering` shows its code, `answering` takes it in and answers, `offering` takes that;
 * each chooses the space by the name it shows there.
 */
async function connect(offering, answering, space, answeringSees = space) {
  await connectScreen(offering, space);
  await connectScreen(answering, answeringSees);
  await offering.getByRole("button", { name: "Vis min kode" }).click();
  const code = await offering.getByLabel("Koden som tekst").inputValue();
  assert.ok(code.length > 100 && code.length < 220, `a code of ${code.length} characters`);
  // The QR code on the screen, read back by a decoder of its own from a screenshot,
  // holds the same code.
  const png = PNG.sync.read(
    await offering.getByRole("img", { name: "QR-kode til den anden telefon" }).screenshot(),
  );
  const read = jsQR(new Uint8ClampedArray(png.data), png.width, png.height);
  assert.equal(read?.data, code, "the QR code on the screen holds the code");
  assert.deepEqual(await violations(offering), [], "the screen with a code passes axe");
  await answering.getByRole("button", { name: "Jeg har fået en kode" }).click();
  await answering.getByLabel("Indsæt koden fra den anden telefon").fill(code);
  await answering.getByRole("button", { name: "Lav mit svar" }).click();
  const answer = await answering.getByLabel("Svaret som tekst").inputValue();
  // The offering phone's own code pasted back is not taken for the answer.
  await offering.getByLabel("Indsæt svaret fra den anden telefon").fill(code);
  await offering.getByRole("button", { name: "Forbind" }).click();
  await offering.getByText("Det lykkedes ikke: det er denne telefons egen kode").waitFor();
  await offering.getByLabel("Indsæt svaret fra den anden telefon").fill(answer);
  await offering.getByRole("button", { name: "Forbind" }).click();
}

test("three phones with no relay connect by codes and every edit reaches all three", async () => {
  const names = ["Anna", "Bo", "Carl"];
  const contexts = await Promise.all(names.map(() => checkedContext(env.browser)));
  for (const context of contexts) context.setDefaultTimeout(20_000);
  const [a, b, c] = await Promise.all(contexts.map((context) => context.newPage()));

  // Anna makes the council; Bo and Carl join it by its link while the relay is there.
  await a.goto(env.relay.url);
  await a.getByLabel("Dit navn").fill("Anna");
  await a.getByLabel("Lokalrådets navn").fill("Grene Lokalråd");
  await a.getByRole("button", { name: "Opret lokalråd" }).click();
  await council(a, "Grene Lokalråd").getByText(SYNCED).waitFor();
  await openSharing(council(a, "Grene Lokalråd"));
  const link = await council(a, "Grene Lokalråd")
    .getByLabel("Delingslink – alle med linket kan se og redigere")
    .inputValue();
  for (const [page, name] of [[b, "Bo"], [c, "Carl"]]) {
    await page.goto(link);
    await page.getByLabel("Dit navn").fill(name);
    await council(page, "Grene Lokalråd").getByText(SYNCED).waitFor();
  }

  // The relay is gone: the meeting has no signal. The phones that found each other
  // through it are connected already, so the meeting starts afresh: each phone opens
  // the app with no network (its service worker holds it), connected to nobody.
  for (const page of [a, b, c]) assert.equal(await serviceWorkerReady(page), "activated");
  await env.relay.stop();
  env.relay = undefined;
  for (const page of [a, b, c]) {
    await page.reload();
    await nobody(await connectedNow(page, "Grene Lokalråd"));
  }
  for (const page of [a, b, c]) await page.getByRole("link", { name: "Landsbyplan" }).click();

  // A code from another space is refused in plain words.
  await connectScreen(b, "Grene Lokalråd");
  await b.getByRole("button", { name: "Jeg har fået en kode" }).click();
  // Nothing pasted yet: said under the field, which stays.
  await b.getByRole("button", { name: "Lav mit svar" }).click();
  await b.getByText("Det lykkedes ikke: der er ikke indsat nogen kode").waitFor();
  await b.getByLabel("Indsæt koden fra den anden telefon").fill("ikke-en-kode");
  await b.getByRole("button", { name: "Lav mit svar" }).click();
  await b.getByText("Det lykkedes ikke: det er ikke en Landsbyplan-kode").first().waitFor();
  await b.getByRole("button", { name: "Prøv igen" }).click();
  await b.getByRole("link", { name: "Til forsiden" }).click();

  // Anna and Bo connect; each sees who the other is, on the screen and on the space.
  await connect(a, b, "Grene Lokalråd");
  await a.getByText("Forbundet med Bo.").first().waitFor();
  await b.getByText("Forbundet med Anna.").first().waitFor();
  assert.deepEqual(await violations(a), [], "the connect screen passes axe");
  assert.deepEqual(await violations(b), [], "the answering screen passes axe");

  // The council's screen says who it is connected with, and how.
  await lists(await connectedNow(a, "Grene Lokalråd"), ["Bo: direkte"]);

  // Anna renames; Bo sees it without any relay.
  await a.getByRole("link", { name: "Landsbyplan" }).click();
  await b.getByRole("link", { name: "Til forsiden" }).click();
  const sent = Date.now();
  await rename(a, "Grene Lokalråd", "Grene og omegn");
  await council(b, "Grene og omegn").waitFor();
  console.log(`# an edit reached the other phone directly in ${Date.now() - sent} ms`);

  // Carl joins through Bo; Anna's earlier edit reaches him through Bo.
  await connect(b, c, "Grene og omegn", "Grene Lokalråd");
  await c.getByText("Forbundet med Bo.").first().waitFor();
  await c.getByRole("link", { name: "Til forsiden" }).click();
  await b.getByRole("link", { name: "Til forsiden" }).click();
  await council(c, "Grene og omegn").waitFor();

  // Anna and Carl rename at once: all three end with the same name.
  await Promise.all([
    rename(a, "Grene og omegn", "Grene 2027"),
    rename(c, "Grene og omegn", "Grene Lokalråd 2027"),
  ]);
  const name = await oneName([a, b, c], /^Grene (2027|Lokalråd 2027)$/);
  await lists(await connectedNow(a, name), ["Bo: direkte"]);
  await lists(await connectedNow(b, name), ["Anna: direkte", "Carl: direkte"]);
  await lists(await connectedNow(c, name), ["Bo: direkte"]);
  for (const context of contexts) await context.close();
});
