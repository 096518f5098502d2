// Spaces handed on as files, with no relay at all: a copy opened on another phone, edited
// there, and merged back; a file that is no space is refused in plain words.
import assert from "node:assert/strict";
import { writeFileSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createDeflateRaw } from "node:zlib";
import { test } from "node:test";
import { phoneContext, relayAndBrowser } from "./support.mjs";

const env = relayAndBrowser();

async function addAction(page, title) {
  const form = page.locator("form").filter({ has: page.getByRole("heading", { name: "Tilføj en handling" }) });
  await form.getByLabel("Handling").fill(title);
  await form.getByRole("button", { name: "Tilføj handling" }).click();
  await page.getByRole("heading", { level: 3, name: title }).waitFor();
}

/** Saves the open space as a file; resolves with the file's path. */
async function saveFile(page) {
  const [download] = await Promise.all([
    page.waitForEvent("download"),
    page.getByRole("button", { name: "Gem som fil" }).click(),
  ]);
  const path = join(mkdtempSync(join(tmpdir(), "landsbyplan-file-")), download.suggestedFilename());
  await download.saveAs(path);
  return { path, name: download.suggestedFilename() };
}

/** `mebibytes` MiB of zeros, deflated (raw), made a slice at a time. */
async function deflatedZeros(mebibytes) {
  const deflate = createDeflateRaw();
  const parts = [];
  deflate.on("data", (part) => parts.push(part));
  const done = new Promise((resolve, reject) => {
    deflate.on("end", resolve);
    deflate.on("error", reject);
  });
  const slice = Buffer.alloc(64 * 1024 * 1024);
  for (let written = 0; written < mebibytes; written += 64) {
    if (!deflate.write(slice)) await new Promise((resolve) => deflate.once("drain", resolve));
  }
  deflate.end();
  await done;
  return Buffer.concat(parts);
}

async function openFile(page, path) {
  await page.getByRole("banner").getByRole("link", { name: "Landsbyplan" }).click();
  await page.getByLabel("Åbn et lokalråd eller en gruppe fra en fil").setInputFiles(path);
}

test("a council saved as a file is opened on another phone and merged back", async () => {
  const [anna, bo] = [await phoneContext(env.browser), await phoneContext(env.browser)];
  anna.setDefaultTimeout(15_000);
  bo.setDefaultTimeout(15_000);
  const a = await anna.newPage();
  const b = await bo.newPage();

  await a.goto(env.relay.url);
  await a.getByLabel("Dit navn").fill("Anna");
  await a.getByLabel("Lokalrådets navn").fill("Urup Lokalråd");
  await a.getByRole("button", { name: "Opret lokalråd" }).click();
  await a.getByRole("link", { name: "Urup Lokalråd" }).click();
  await addAction(a, "Shelterplads ved åen");
  const first = await saveFile(a);
  assert.equal(first.name, "Urup-Lokalråd.landsbyplan");

  await b.goto(env.relay.url);
  await b.getByLabel("Dit navn").fill("Bo");
  await openFile(b, first.path);
  await b.getByRole("heading", { level: 2, name: "Urup Lokalråd" }).waitFor();
  await b.getByRole("heading", { level: 3, name: "Shelterplads ved åen" }).waitFor();
  await addAction(b, "Fælles drivhus");
  const second = await saveFile(b);

  // Anna edits too, then opens Bo's file: her copy holds both.
  await addAction(a, "Juletræ på torvet");
  await openFile(a, second.path);
  await a.getByRole("heading", { level: 2, name: "Urup Lokalråd" }).waitFor();
  for (const title of ["Shelterplads ved åen", "Fælles drivhus", "Juletræ på torvet"]) {
    await a.getByRole("heading", { level: 3, name: title }).waitFor();
  }
  await a.getByRole("link", { name: "Til forsiden" }).click();
  assert.equal(
    await a.getByRole("link", { name: "Urup Lokalråd" }).count(),
    1,
    "merged into the council, not kept as a second one",
  );

  // A file that is no space.
  const junk = join(mkdtempSync(join(tmpdir(), "landsbyplan-file-")), "indkøbsliste.landsbyplan");
  writeFileSync(junk, "mælk, brød, kaffe");
  await a.getByLabel("Åbn et lokalråd eller en gruppe fra en fil").setInputFiles(junk);
  await a.getByRole("alert").filter({ hasText: "Filen er ikke et lokalråd eller en gruppe fra Landsbyplan" }).waitFor();

  // A huge file is refused before it is read, and the app goes on.
  const huge = join(mkdtempSync(join(tmpdir(), "landsbyplan-file-")), "kæmpe.landsbyplan");
  writeFileSync(huge, Buffer.alloc(20 * 1024 * 1024, 7));
  await a.getByLabel("Åbn et lokalråd eller en gruppe fra en fil").setInputFiles(huge);
  await a.getByRole("alert").filter({ hasText: "Filen fylder 20 MB; Landsbyplan åbner filer på højst 16 MB." }).waitFor();

  // Small files that would inflate past what a tab can hold (one deflated Automerge
  // change of zeros): 65 MiB, just past the 64 MiB the app lets anything inflate to, and
  // 2 GiB (2 MB on disk), more than a tab's wasm could ever hold. Both are refused before
  // Automerge reads them.
  for (const mebibytes of [65, 2 * 1024]) {
    const zeros = await deflatedZeros(mebibytes);
    const uleb = [];
    for (let n = zeros.length; ; n >>>= 7) {
      if (n < 0x80) {
        uleb.push(n);
        break;
      }
      uleb.push((n & 0x7f) | 0x80);
    }
    const chunk = Buffer.concat([Buffer.from([0x85, 0x6f, 0x4a, 0x83, 0, 0, 0, 0, 2, ...uleb]), zeros]);
    const bomb = join(mkdtempSync(join(tmpdir(), "landsbyplan-file-")), "lille.landsbyplan");
    writeFileSync(bomb, chunk);
    // Another file's message first, so this one's must be its own.
    await a.getByLabel("Åbn et lokalråd eller en gruppe fra en fil").setInputFiles(junk);
    await a.getByRole("alert").filter({ hasText: "Filen er ikke et lokalråd eller en gruppe fra Landsbyplan" }).waitFor();
    await a.getByLabel("Åbn et lokalråd eller en gruppe fra en fil").setInputFiles(bomb);
    await a.getByRole("alert").filter({ hasText: "Filen pakker sig ud til mere, end Landsbyplan kan åbne" }).waitFor();
    assert.equal(
      await a.getByRole("alert").filter({ hasText: "Filen er ikke et lokalråd" }).count(),
      0,
      `the ${mebibytes} MiB file's message replaced the one before`,
    );
  }

  // The tab goes on, and starts as before after a reload.
  await a.getByRole("link", { name: "Urup Lokalråd" }).click();
  await a.getByRole("heading", { level: 3, name: "Fælles drivhus" }).waitFor();
  await a.reload();
  await a.getByRole("heading", { level: 2, name: "Urup Lokalråd" }).waitFor();
  await a.getByRole("heading", { level: 3, name: "Fælles drivhus" }).waitFor();
  assert.equal(await a.getByRole("alert").count(), 0, "nothing to say after the reload");
  await anna.close();
  await bo.close();
});
