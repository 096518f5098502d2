// The camera path of the room with nothing (issue 14): one phone shows its code as a QR
// code; the other reads it with its camera, inside the app, and answers. Chromium's fake
// camera is fed a picture of the first phone's QR code, taken from its screen. Runs in a
// network namespace of its own (scripts/in-netns).
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { PNG } from "pngjs";
import {
  checkedContext,
  launchBrowser,
  relayAndBrowser,
  serviceWorkerReady,
  violations,
} from "../e2e/support.mjs";
import { SYNCED, connectedNow, council, nobody } from "./common.mjs";

const env = relayAndBrowser({ direct: true });

/**
 * A Y4M video of one frame, 640 × 480: `png` (a screenshot) in the middle of a white
 * frame, as Chromium's fake camera plays it (in a loop).
 */
function y4m(png) {
  const [width, height] = [640, 480];
  const luma = Buffer.alloc(width * height, 235);
  const left = Math.floor((width - png.width) / 2);
  const top = Math.floor((height - png.height) / 2);
  for (let y = 0; y < png.height; y += 1) {
    for (let x = 0; x < png.width; x += 1) {
      const i = (y * png.width + x) * 4;
      const grey = (77 * png.data[i] + 150 * png.data[i + 1] + 29 * png.data[i + 2]) >> 8;
      luma[(top + y) * width + left + x] = grey;
    }
  }
  const chroma = Buffer.alloc((width * height) / 2, 128);
  const header = `YUV4MPEG2 W${width} H${height} F30:1 Ip A1:1 C420jpeg\nFRAME\n`;
  return Buffer.concat([Buffer.from(header), luma, chroma]);
}

test("a phone reads the other's code with its camera and the two connect", async () => {
  // Bo's browser has a fake camera that plays whatever the file holds when it opens.
  const camera = join(mkdtempSync(join(tmpdir(), "landsbyplan-camera-")), "camera.y4m");
  writeFileSync(camera, y4m({ width: 2, height: 2, data: Buffer.alloc(16, 255) }));
  const bosBrowser = await launchBrowser({
    direct: true,
    args: [
      "--use-fake-device-for-media-stream",
      "--use-fake-ui-for-media-stream",
      `--use-file-for-fake-video-capture=${camera}`,
    ],
  });
  try {
    await readAndConnect(bosBrowser, camera);
  } finally {
    await bosBrowser.close();
  }
});

/** Anna shows her code, Bo (in `bosBrowser`, whose camera plays `camera`) scans it. */
async function readAndConnect(bosBrowser, camera) {
  const annas = await checkedContext(env.browser);
  const bos = await checkedContext(bosBrowser);
  for (const context of [annas, bos]) context.setDefaultTimeout(30_000);
  const [a, b] = [await annas.newPage(), await bos.newPage()];
  // What Bo's app said, shown should the scan fail.
  const said = [];
  b.on("console", (message) => said.push(message.text()));

  // Both hold the council (Bo joined by its link while the relay was there).
  await a.goto(env.relay.url);
  await a.getByLabel("Dit navn").fill("Anna");
  await a.getByLabel("Lokalrådets navn").fill("Hejnsvig Lokalråd");
  await a.getByRole("button", { name: "Opret lokalråd" }).click();
  await council(a, "Hejnsvig Lokalråd").getByText(SYNCED).waitFor();
  await council(a, "Hejnsvig Lokalråd").getByText("Del og omdøb").click();
  const link = await council(a, "Hejnsvig Lokalråd")
    .getByLabel("Delingslink – alle med linket kan se og redigere")
    .inputValue();
  await b.goto(env.relay.url);
  await b.getByLabel("Dit navn").fill("Bo");
  await b.goto(link);
  await council(b, "Hejnsvig Lokalråd").getByText(SYNCED).waitFor();
  // The relay is gone, and the two phones open the app afresh with no network: they
  // are connected to nobody (they had found each other through the relay).
  for (const page of [a, b]) assert.equal(await serviceWorkerReady(page), "activated");
  await env.relay.stop();
  env.relay = undefined;
  for (const page of [a, b]) {
    await page.reload();
    await nobody(await connectedNow(page, "Hejnsvig Lokalråd"));
  }

  // Anna shows her code; the camera sees her screen.
  for (const page of [a, b]) {
    await page.getByRole("link", { name: "Landsbyplan" }).click();
    await page.getByRole("link", { name: "Forbind telefoner i rummet" }).first().click();
    await page.getByLabel("Rum").selectOption({ label: "Hejnsvig Lokalråd" });
  }
  await a.getByRole("button", { name: "Vis min kode" }).click();
  const code = await a.getByLabel("Koden som tekst").inputValue();
  const qr = PNG.sync.read(
    await a.getByRole("img", { name: "QR-kode til den anden telefon" }).screenshot(),
  );
  writeFileSync(camera, y4m(qr));

  // Bo scans it: the app reads the code and shows its answer (nothing is pasted: the
  // camera is the only way the code reaches Bo's phone).
  await b.getByRole("button", { name: "Jeg har fået en kode" }).click();
  const scanned = Date.now();
  await b.getByRole("button", { name: "Scan koden med kameraet" }).click();
  await b
    .getByRole("img", { name: "QR-kode med svaret til den første telefon" })
    .waitFor()
    .catch(async (error) => {
      const shown = await b.getByRole("main").innerText();
      throw new Error(`${error.message}\nBo's screen: ${shown}\nBo's app said: ${said.join("\n")}`);
    });
  const read = Date.now();
  assert.deepEqual(await violations(b), [], "the answering screen passes axe");

  // Anna takes the answer (as text: her browser has no camera); the two connect.
  const answer = await b.getByLabel("Svaret som tekst").inputValue();
  assert.notEqual(answer, code);
  await a.getByLabel("Indsæt svaret fra den anden telefon").fill(answer);
  await a.getByRole("button", { name: "Forbind" }).click();
  await b.getByText("Forbundet med Anna.").first().waitFor();
  await a.getByText("Forbundet med Bo.").first().waitFor();
  const connected = Date.now();

  // The first sync: Anna's rename reaches Bo (his screen's choice of space names it).
  await a.getByRole("link", { name: "Til forsiden" }).click();
  await council(a, "Hejnsvig Lokalråd").getByText("Del og omdøb").click();
  await council(a, "Hejnsvig Lokalråd").getByLabel("Nyt navn").fill("Hejnsvig og omegn");
  await council(a, "Hejnsvig Lokalråd").getByRole("button", { name: "Gem navn" }).click();
  await b.getByRole("option", { name: "Hejnsvig og omegn" }).waitFor({ state: "attached" });
  console.log(
    `# scan to answer shown ${read - scanned} ms; answer taken to connected ${connected - read} ms;` +
      ` scan to first edit synced ${Date.now() - scanned} ms (the answer pasted by the test)`,
  );

  // Anna's phone goes away: Bo's screen says the connection closed, not that it is on,
  // and offers to connect another phone.
  await annas.close();
  await b.getByText("Forbindelsen til Anna er lukket.").waitFor();
  assert.equal(await b.getByText("Forbundet med Anna.").count(), 0);
  await b.getByRole("button", { name: "Forbind en telefon mere" }).click();
  await b.getByRole("button", { name: "Vis min kode" }).waitFor();
  await bos.close();
}
