// Pieces the sync tests share (stranded.test.mjs, lifecycle.test.mjs): phones that hold
// one council shared by its editing link, what a phone's screen shows of it, a phone
// whose network is really gone (its WebSocket too), and bounded waiting for a condition.
import net from "node:net";
import { serviceWorkerReady } from "./support.mjs";

/** A space's status when the relay holds everything and nothing waits. */
export const SYNCED = "Delt – alt er synkroniseret";
/** A space's status while some of this device's changes have not reached the relay. */
export const WAITING_TO_SHARE = /venter på at blive delt/;
/** Any of a space's statuses (for reports: what a phone said instead). */
const ANY_STATUS =
  /Delt – alt er synkroniseret|Alt herfra er delt|venter på at blive delt|Venter på ændringer fra andre|Gemt på denne enhed|Relæet afviste/;

/**
 * Waits until `check` returns something truthy (polling every `interval` ms) and
 * returns it; fails after `timeout` ms with `what` and the last value or error seen, and
 * what `show()` says of the state then, if given.
 */
export async function until(what, check, { timeout = 10_000, interval = 150, show } = {}) {
  const deadline = Date.now() + timeout;
  let last;
  for (;;) {
    try {
      const value = await check();
      if (value) return value;
      last = value;
    } catch (error) {
      // A page that is navigating or reloading cannot answer yet.
      last = error;
    }
    if (Date.now() >= deadline) {
      const seen = last instanceof Error ? last.message.split("\n")[0] : JSON.stringify(last);
      const now = show ? `; ${await show().catch((error) => error.message.split("\n")[0])}` : "";
      throw new Error(`${what}: not within ${timeout} ms (last seen: ${seen}${now})`);
    }
    await new Promise((resolve) => setTimeout(resolve, interval));
  }
}

/**
 * A phone's own way to the relay, whose signal the test can cut. The phone opens the app
 * at `url`, a TCP proxy on its own port that passes everything to the relay (at the port
 * `relayPort()` gives, so a restarted relay is found again); so each phone has its own
 * origin, and opens a share link at its own address (`link`). `set(false)` takes the phone
 * offline: `context.setOffline` makes Chromium refuse new requests and fire the page's
 * `offline` event, but in this Chromium a WebSocket that is open stays open and keeps
 * carrying frames through it; so the proxy also cuts every connection the phone has (as
 * a lost signal does) and refuses new ones until `set(true)`.
 */
export async function phoneNetwork(context, relayPort) {
  const open = new Set();
  // Connections that lead nowhere: they stay open and never bring anything back.
  const holes = new Set();
  const state = { online: true, stalled: false };
  const swallow = (client) => {
    holes.add(client);
    client.on("data", () => {});
    client.on("error", () => holes.delete(client));
    client.on("close", () => holes.delete(client));
  };
  const proxy = net.createServer((client) => {
    if (!state.online) {
      client.destroy();
      return;
    }
    if (state.stalled) {
      swallow(client);
      return;
    }
    const upstream = net.connect(relayPort(), "127.0.0.1");
    const pair = [client, upstream];
    open.add(pair);
    const cut = () => {
      open.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    for (const socket of pair) {
      socket.on("error", cut);
      socket.on("close", cut);
    }
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise((resolve, reject) => {
    proxy.once("error", reject);
    proxy.listen(0, "127.0.0.1", resolve);
  });
  // A test that failed midway must not keep the process alive through its proxy.
  proxy.unref();
  const url = `http://127.0.0.1:${proxy.address().port}/`;
  return {
    /** Where this phone opens the app. */
    url,
    /** `link` (a share link from any phone) as this phone opens it. */
    link: (link) => linkAt(link, url),
    get online() {
      return state.online;
    },
    /** Whether its connections lead nowhere (see `stall`). */
    get stalled() {
      return state.stalled;
    },
    async set(online) {
      state.online = online;
      await context.setOffline(!online);
      if (!online) {
        for (const [client, upstream] of open) {
          client.destroy();
          upstream.destroy();
        }
        open.clear();
      }
    },
    /**
     * Stalls the network or ends the stall: the phone still believes it is online, but
     * its open connections (and any it opens meanwhile) silently lead nowhere, as when a
     * phone walks out of coverage or a mobile network drops a connection without a word.
     * After the stall, new connections work; the dead ones stay dead.
     */
    stall(stalled) {
      state.stalled = stalled;
      if (!stalled) return;
      for (const pair of open) {
        const [client, upstream] = pair;
        // Nothing may reach the phone: not even the close of the relay's side.
        for (const socket of pair) {
          socket.removeAllListeners("close");
          socket.removeAllListeners("error");
        }
        client.unpipe(upstream);
        upstream.unpipe(client);
        upstream.on("error", () => {});
        upstream.destroy();
        open.delete(pair);
        swallow(client);
      }
    },
    /** Stops the proxy (after the phone's context is closed). */
    close() {
      for (const [client, upstream] of open) {
        client.destroy();
        upstream.destroy();
      }
      for (const client of holes) client.destroy();
      return new Promise((resolve) => proxy.close(resolve));
    },
  };
}

/** A share link as it is opened on the app served at `url` (same fragment). */
export function linkAt(link, url) {
  const { hash } = new URL(link);
  return new URL(hash, url).href;
}

/** A council's item on the home screen. */
export function councilItem(page, name) {
  return page.getByRole("listitem").filter({ has: page.getByRole("heading", { level: 3, name, exact: true }) });
}

/** Opens an item's sharing and renaming on the home screen, unless it is open already. */
async function openSharing(item) {
  if (!(await item.locator("details").evaluate((details) => details.open))) {
    await item.getByText("Del og omdøb").click();
  }
}

/**
 * On a fresh page: gives the person's name, creates a council, waits until the relay
 * holds it, and returns its editing link.
 */
export async function createSharedCouncil(page, url, person, name) {
  await page.goto(url);
  await page.getByLabel("Dit navn").fill(person);
  await page.getByLabel("Lokalrådets navn").fill(name);
  await page.getByRole("button", { name: "Opret lokalråd" }).click();
  const item = councilItem(page, name);
  await item.getByText(SYNCED).waitFor();
  await openSharing(item);
  const link = await item.getByLabel("Delingslink – alle med linket kan se og redigere").inputValue();
  if (!/#edit=/.test(link)) throw new Error(`not an editing link: ${link}`);
  return link;
}

/**
 * Opens the editing `link` in a page that shows nothing yet (a real page load), gives
 * the person's name, and waits until the council has arrived from the relay.
 */
export async function joinByLink(page, link, person, name) {
  await page.goto(link);
  await page.getByLabel("Dit navn").fill(person);
  await councilItem(page, name).getByText(SYNCED).waitFor();
}

/** From the home screen, opens the council's screen. */
export async function openCouncil(page, name) {
  await page.getByRole("link", { name, exact: true }).click();
  await page.getByRole("heading", { level: 2, name, exact: true }).waitFor();
  await page.getByLabel("Lokalrådets vision").waitFor();
}

/**
 * Waits until a space's screen opened by a page load is drawn itself: its glimpse (which
 * shows and can be typed in until then) is gone. A step that must act on the screen
 * itself, in a way that does not look again for what it acts on, waits for this.
 */
export async function screenDrawn(page, { timeout = 15_000 } = {}) {
  await page.waitForFunction(() => !document.querySelector(".glimpse") && !document.getElementById("shell"), null,
    { timeout });
}

/** Waits until the page's service worker is active, so the app starts offline. */
export async function offlineReady(page) {
  const state = await serviceWorkerReady(page);
  if (state !== "activated") throw new Error(`service worker ${state}`);
  // The page that registered the worker is claimed by it; later loads are served by it.
  await until("the service worker controls the page", () =>
    page.evaluate(() => navigator.serviceWorker.controller !== null),
  );
}

/** The action plan's form that adds an action. */
function addForm(page) {
  return page.locator("form").filter({ has: page.getByRole("heading", { name: "Tilføj en handling" }) });
}

/** Adds an action with `title` on the council screen that is open; waits until it shows. */
export async function addAction(page, title, { timeout = 10_000 } = {}) {
  const form = addForm(page);
  await form.getByLabel("Handling").fill(title, { timeout });
  await form.getByRole("button", { name: "Tilføj handling" }).click({ timeout });
  await actionHeading(page, title).waitFor({ timeout });
}

/** An action's heading in the action plan. */
export function actionHeading(page, title) {
  return page
    .getByRole("region", { name: "Handlingsplan" })
    .getByRole("listitem")
    .getByRole("heading", { level: 3, name: title, exact: true });
}

/** The titles of the actions the council screen shows now (all of them: no filter). */
export async function actionTitles(page) {
  return page
    .getByRole("region", { name: "Handlingsplan" })
    .getByRole("listitem")
    .getByRole("heading", { level: 3 })
    .allTextContents();
}

/** The vision field of the council screen. */
export function visionField(page) {
  return page.getByLabel("Lokalrådets vision");
}

/** What the space's status says on the screen that is open ("" if it shows none). */
export async function statusText(page) {
  const status = page.getByText(ANY_STATUS).first();
  if ((await status.count()) === 0) return "";
  return (await status.textContent({ timeout: 2_000 })).trim();
}

/** Shows what a phone's status says (for `until`'s `show`). */
export function saysStatus(name, page) {
  return async () => `${name}'s status says "${await statusText(page)}"`;
}

/** Whether the screen that is open claims the space is fully shared. */
export async function claimsSynced(page) {
  return (await page.getByText(SYNCED).count()) > 0;
}

/**
 * Checks that do not stop a test: each failure is kept, so one run shows everything a
 * scenario gets wrong. `assertNone` fails with all of them at the end.
 */
export class Checks {
  constructor() {
    this.failures = [];
  }

  /** Fails (softly) unless `check` comes true within `timeout` ms. */
  async eventually(what, check, { timeout = 10_000, show } = {}) {
    try {
      await until(what, check, { timeout, show });
      return true;
    } catch (error) {
      this.failures.push(error.message);
      return false;
    }
  }

  /** Fails (softly) with `message` unless `ok`. */
  that(ok, message) {
    if (!ok) this.failures.push(message);
    return ok;
  }

  assertNone(assert) {
    assert.deepEqual(this.failures, [], `\n  - ${this.failures.join("\n  - ")}`);
  }
}
