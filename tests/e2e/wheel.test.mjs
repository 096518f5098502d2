// The annual wheel: the year's standard events prefilled and drawn in their months,
// events added, moved and cancelled, the .ics export read by Python's icalendar, the
// wheel photographed at phone and desktop width, and the screen checked with axe.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { checkedContext, relayAndBrowser, violations } from "./support.mjs";

const env = relayAndBrowser();
const root = new URL("../../", import.meta.url).pathname;
const ARTIFACTS = join(root, "tests/e2e/artifacts");
const PYTHON = join(root, ".tools/py/bin/python");
const YEAR = new Date().getFullYear();

/** The wheel's angle (radians clockwise from the top) of a date, as the app computes it. */
function angleOf(isoDate) {
  const date = new Date(`${isoDate}T00:00:00Z`);
  const start = Date.UTC(date.getUTCFullYear(), 0, 1);
  const leap = new Date(Date.UTC(date.getUTCFullYear(), 1, 29)).getUTCMonth() === 1;
  return (((date - start) / 86_400_000) / (leap ? 366 : 365)) * 2 * Math.PI;
}

/** The angle of a point of the wheel's drawing (centre 200, 200). */
function angleAt(x, y) {
  const angle = Math.atan2(x - 200, 200 - y);
  return angle < 0 ? angle + 2 * Math.PI : angle;
}

function monthSector(year, month) {
  const pad = (n) => String(n).padStart(2, "0");
  const from = angleOf(`${year}-${pad(month)}-01`);
  const to = month === 12 ? 2 * Math.PI : angleOf(`${year}-${pad(month + 1)}-01`);
  return [from, to];
}

test("the wheel shows the year's events in their months, edits them, and exports a calendar", async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  const context = await checkedContext(env.browser);
  context.setDefaultTimeout(15_000);
  const page = await context.newPage();
  await page.goto(env.relay.url);
  await page.getByLabel("Dit navn").fill("Lise Konsulent");
  for (const name of ["Vorbasse Lokalråd", "Hejnsvig Lokalråd"]) {
    await page.getByLabel("Lokalrådets navn").fill(name);
    await page.getByRole("button", { name: "Opret lokalråd" }).click();
    await page.getByRole("link", { name }).waitFor();
  }
  await page.getByRole("button", { name: "Start netværket" }).click();
  await page.getByRole("heading", { level: 2, name: "Landdistrikterne i Billund Kommune" }).waitFor();

  await page.getByRole("button", { name: `Læg de faste begivenheder for ${YEAR} ind` }).click();
  await page.getByText("10 faste begivenheder er lagt ind.").waitFor();
  // Prefilling again adds nothing.
  await page.getByRole("button", { name: `Læg de faste begivenheder for ${YEAR} ind` }).click();
  await page.getByText("0 faste begivenheder er lagt ind.").waitFor();

  // In the list, by month.
  const february = page.getByRole("region", { name: "Februar" });
  await february.getByText("Ansøgningsfrist, Landdistriktspuljen").waitFor();
  const october = page.getByRole("region", { name: "Oktober" });
  await october.getByText("Dialogmøde: Vorbasse Lokalråd").waitFor();
  await october.getByText("Dialogmøde: Hejnsvig Lokalråd").waitFor();

  // On the wheel: every dot lies in the sector of its date's month.
  const dots = await page.locator("svg.wheel circle.event").evaluateAll((circles) =>
    circles.map((c) => ({ date: c.dataset.date, x: Number(c.getAttribute("cx")), y: Number(c.getAttribute("cy")) })),
  );
  assert.equal(dots.length, 10);
  for (const dot of dots) {
    const [from, to] = monthSector(YEAR, Number(dot.date.slice(5, 7)));
    const angle = angleAt(dot.x, dot.y);
    assert.ok(angle >= from - 1e-3 && angle < to, `${dot.date} drawn at ${angle} outside ${from}–${to}`);
  }
  const today = await page.locator("svg.wheel line.today").evaluate((line) => ({
    x: Number(line.getAttribute("x2")),
    y: Number(line.getAttribute("y2")),
  }));
  const now = new Date();
  const iso = `${YEAR}-${String(now.getMonth() + 1).padStart(2, "0")}-${String(now.getDate()).padStart(2, "0")}`;
  assert.ok(Math.abs(angleAt(today.x, today.y) - angleOf(iso)) < 0.01, "today is marked where today is");

  // An event added in June, moved to August, then cancelled.
  const add = page.locator("form").filter({ has: page.getByRole("heading", { name: "Tilføj en begivenhed" }) });
  await add.getByLabel("Begivenhed").fill("Sommermøde i Filskov");
  await add.getByLabel("Dato").fill(`${YEAR}-06-20`);
  await add.getByLabel("Hvem inviterer").fill("Filskov Lokalråd");
  await add.getByRole("button", { name: "Tilføj begivenhed" }).click();
  const june = page.getByRole("region", { name: "Juni" });
  const summer = june.getByRole("listitem").filter({ hasText: "Sommermøde i Filskov" });
  await summer.getByText("Sommer", { exact: false }).first().waitFor();
  await summer.getByText("Ret eller fjern").click();
  await summer.getByLabel("Dato").fill(`${YEAR}-08-10`);
  await summer.getByRole("button", { name: "Gem", exact: true }).click();
  const moved = page.getByRole("region", { name: "August" }).getByRole("listitem").filter({ hasText: "Sommermøde i Filskov" });
  await moved.waitFor();
  assert.equal(await page.getByRole("region", { name: "Juni" }).count(), 0, "June is empty now");
  await moved.getByText("Ret eller fjern").click();
  await moved.getByRole("button", { name: "Aflys begivenheden" }).click();
  await page.getByRole("region", { name: "August" }).getByText("(aflyst)").waitFor();

  // Looked at: the wheel at phone width and at desktop width.
  await page.locator("svg.wheel").screenshot({ path: join(ARTIFACTS, "wheel-360.png") });
  assert.deepEqual(await violations(page), [], "the network screen at 360 px");
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.locator("svg.wheel").screenshot({ path: join(ARTIFACTS, "wheel-1280.png") });
  for (const file of ["wheel-360.png", "wheel-1280.png"]) {
    assert.ok(statSync(join(ARTIFACTS, file)).size > 5_000, `${file} holds a picture`);
  }
  assert.deepEqual(await violations(page), [], "the network screen at 1280 px");

  // The calendar file, read by an independent parser.
  const [download] = await Promise.all([
    page.waitForEvent("download"),
    page.getByRole("button", { name: "Hent kalenderfil (.ics)" }).click(),
  ]);
  const path = join(mkdtempSync(join(tmpdir(), "landsbyplan-ics-")), download.suggestedFilename());
  await download.saveAs(path);
  const calendar = JSON.parse(execFileSync(PYTHON, [join(root, "tests/e2e/read_ics.py"), path], { encoding: "utf8" }));
  assert.equal(calendar.name, "Landdistrikterne i Billund Kommune");
  assert.equal(calendar.events.length, 11);
  const deadlines = calendar.events
    .filter((e) => e.summary === "Ansøgningsfrist, Landdistriktspuljen")
    .map((e) => e.start)
    .sort();
  assert.deepEqual(deadlines, ["02-15", "05-15", "08-15", "11-15"].map((d) => `${YEAR}-${d}`));
  const meeting = calendar.events.find((e) => e.summary === "Sommermøde i Filskov");
  assert.equal(meeting.start, `${YEAR}-08-10`);
  assert.equal(meeting.end, `${YEAR}-08-11`);
  assert.equal(meeting.status, "CANCELLED");

  // Published as a feed a calendar program subscribes to; kept up to date; withdrawn.
  // It is first published from a device whose clock runs a year ahead (a feed's
  // version is the time its request was signed); then the clock is right again.
  const feed = page.getByRole("region", { name: "Årshjulet i din kalender" });
  await page.clock.setFixedTime(new Date(Date.now() + 365 * 24 * 3600 * 1000));
  await feed.getByRole("button", { name: "Udgiv årshjulet som kalender" }).click();
  await feed.getByRole("button", { name: "Træk kalenderen tilbage" }).waitFor();
  await page.clock.setSystemTime(new Date());
  const address = await feed.getByLabel("Kalenderens adresse").inputValue();
  assert.match(address, /^http:\/\/127\.0\.0\.1:\d+\/calendar\/[0-9a-f]{64}\.ics$/);
  assert.match(await feed.getByRole("link", { name: "Abonnér i din kalender" }).getAttribute("href"), /^webcal:\/\//);
  const subscribed = async () => {
    const response = await fetch(address);
    assert.equal(response.status, 200);
    assert.match(response.headers.get("content-type"), /^text\/calendar/);
    const file = join(mkdtempSync(join(tmpdir(), "landsbyplan-feed-")), "feed.ics");
    writeFileSync(file, Buffer.from(await response.arrayBuffer()));
    return JSON.parse(execFileSync(PYTHON, [join(root, "tests/e2e/read_ics.py"), file], { encoding: "utf8" }));
  };
  assert.equal((await subscribed()).events.length, 11);
  await add.getByLabel("Begivenhed").fill("Høstfest i Grindsted");
  await add.getByLabel("Dato").fill(`${YEAR}-09-12`);
  await add.getByRole("button", { name: "Tilføj begivenhed" }).click();
  await page.getByRole("region", { name: "September" }).getByText("Høstfest i Grindsted").waitFor();
  let updated;
  for (let tries = 0; tries < 50; tries += 1) {
    updated = await subscribed();
    if (updated.events.length === 12) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  assert.equal(
    updated.events.find((e) => e.summary === "Høstfest i Grindsted")?.start,
    `${YEAR}-09-12`,
    "published as the version after the one the relay held, though this clock is behind it",
  );
  await feed.getByRole("button", { name: "Træk kalenderen tilbage" }).click();
  await feed.getByRole("button", { name: "Udgiv årshjulet som kalender" }).waitFor();
  assert.equal((await fetch(address)).status, 410, "a withdrawn calendar is gone");
  await context.close();
});
