// A seeded, randomized walk through a phone's life (issue 10): three phones share one
// council by its editing link through the real relay; each step, drawn by a seeded
// generator, adds an action, types a word into the shared vision, cuts or restores a
// phone's network, reloads a phone's page, closes its tab and opens the app in a new
// one, or stops or starts the relay (keeping its store). Every action and word that was
// ever shown on a screen is recorded. At the end, with everyone online and the relay up,
// every phone must say everything is shared, all must show the same plan, holding every
// recorded action and word, and a fourth phone joining by the link must get all of it
// from the relay. Along the way a status must never claim "shared" for a phone whose
// change cannot have reached the relay, and what a phone showed stays after a reload.
//
// Bounded by default (3 seeds of 40 steps); for a long hunt, e.g.
//   LIFECYCLE_SEEDS=200 LIFECYCLE_STEPS=60 node --test tests/e2e/lifecycle.test.mjs
// and to repeat one seed: LIFECYCLE_FIRST_SEED=17 LIFECYCLE_SEEDS=1 (LIFECYCLE_TRACE=1 prints
// what every phone shows after each step). A seed fixes the steps, the phones they fall
// on and the draws; what a phone has received when a step runs depends on timing, so a
// failure may take a few repeats of its seed to show again.
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  SYNCED,
  WAITING_TO_SHARE,
  actionTitles,
  addAction,
  claimsSynced,
  createSharedCouncil,
  joinByLink,
  linkAt,
  phoneNetwork,
  offlineReady,
  openCouncil,
  saysStatus,
  screenDrawn,
  statusText,
  until,
  visionField,
} from "./phones.mjs";
import { phoneContext, relayAndBrowser, startRelay } from "./support.mjs";

const env = relayAndBrowser();

const FIRST_SEED = Number(process.env.LIFECYCLE_FIRST_SEED ?? 1);
const SEEDS = Number(process.env.LIFECYCLE_SEEDS ?? 3);
const STEPS = Number(process.env.LIFECYCLE_STEPS ?? 40);
const PHONES = ["Anna", "Bo", "Carla"];
/**
 * How long the phones get to agree once everyone is online and the relay is up: a phone
 * whose connection was stalled finds out within 35 s and tries again after a backoff.
 */
const CONVERGE_MS = 90_000;
/** LIFECYCLE_TRACE=1 prints what every phone shows after each step. */
const TRACE = Boolean(process.env.LIFECYCLE_TRACE);

/** A small seeded generator (mulberry32): numbers in [0, 1). */
function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The steps and how often each is drawn. */
const STEP_WEIGHTS = [
  ["add an action", 3],
  ["type a word", 3],
  ["network", 2.5],
  ["reload", 1.5],
  ["reopen", 1],
  ["relay", 1],
];

/** First letters of typed words (a word never starts with the letter that follows it). */
const LETTERS = "bcdfghjklmnprstv";

/** Whether `text` holds every character of `earlier` in the same order. */
function keeps(text, earlier) {
  let at = 0;
  for (const character of earlier) {
    at = text.indexOf(character, at);
    if (at < 0) return false;
    at += character.length;
  }
  return true;
}

/**
 * Watches the WebSockets of a phone's pages, to say in a failure whether the phone was
 * connected and what went over its connection.
 */
function watchSockets(context) {
  const stats = { latest: null, openedAt: 0, sent: 0, received: 0, lastSent: 0, lastReceived: 0 };
  const seconds = (at) => (at ? `${((Date.now() - at) / 1000).toFixed(1)} s ago` : "never");
  context.on("page", (page) =>
    page.on("websocket", (socket) => {
      stats.latest = socket;
      stats.openedAt = Date.now();
      socket.on("framesent", () => {
        stats.sent += 1;
        stats.lastSent = Date.now();
      });
      socket.on("framereceived", () => {
        stats.received += 1;
        stats.lastReceived = Date.now();
      });
    }),
  );
  stats.describe = () => {
    const latest = stats.latest ? `${stats.latest.isClosed() ? "closed" : "open"}, made ${seconds(stats.openedAt)}` : "none";
    return `its newest socket ${latest}; ${stats.sent} frames sent (last ${seconds(stats.lastSent)}), ${stats.received} received (last ${seconds(stats.lastReceived)})`;
  };
  return stats;
}

/** The words in a vision. */
function wordsOf(text) {
  return text.split(/\s+/).filter(Boolean);
}

class Walk {
  constructor(seed) {
    this.seed = seed;
    this.random = mulberry32(seed);
    this.council = `Lokalråd ${seed}`;
    this.count = 0;
    /** Every action title and vision word that some phone's screen has shown. */
    this.actions = new Set();
    this.words = new Set();
    this.relayUp = true;
    this.phones = [];
    this.log = [];
  }

  pick(items) {
    return items[Math.floor(this.random() * items.length)];
  }

  draw() {
    const total = STEP_WEIGHTS.reduce((sum, [, weight]) => sum + weight, 0);
    let roll = this.random() * total;
    for (const [step, weight] of STEP_WEIGHTS) {
      roll -= weight;
      if (roll < 0) return step;
    }
    return STEP_WEIGHTS[0][0];
  }

  connected(phone) {
    return phone.net.online && !phone.net.stalled && this.relayUp;
  }

  describe(phone) {
    const net = phone.net.stalled ? "stalled" : phone.net.online ? "online" : "offline";
    return `${phone.name} (${net}, relay ${this.relayUp ? "up" : "down"})`;
  }

  /** A stalled network comes back (before a page load, which a stall would hang). */
  endStall(phone) {
    if (!phone.net.stalled) return;
    phone.net.stall(false);
    if (this.connected(phone)) phone.owes = false;
  }

  async start() {
    for (const name of PHONES) {
      const context = await phoneContext(env.browser);
      context.setDefaultTimeout(15_000);
      const net = await phoneNetwork(context, () => env.relay.port);
      const phone = { name, context, net, owes: false, sockets: watchSockets(context) };
      phone.page = await context.newPage();
      this.phones.push(phone);
    }
    const [first, ...others] = this.phones;
    this.link = await createSharedCouncil(first.page, first.net.url, first.name, this.council);
    for (const phone of others) await joinByLink(phone.page, phone.net.link(this.link), phone.name, this.council);
    for (const phone of this.phones) {
      await offlineReady(phone.page);
      await openCouncil(phone.page, this.council);
    }
  }

  /** The actions and vision words a phone's screen shows now. */
  async shown(phone) {
    const titles = await actionTitles(phone.page);
    const vision = await visionField(phone.page).inputValue({ timeout: 5_000 });
    return { titles, vision, words: wordsOf(vision) };
  }

  /**
   * A phone has made a change while it could not reach the relay, and has not been
   * connected since: its status must say something waits to be shared.
   */
  async checkOwed(phone, when) {
    if (!phone.owes) return;
    await until(
      `${when}: ${this.describe(phone)} holds a change the relay cannot have, so its status must say a change waits`,
      async () => WAITING_TO_SHARE.test(await statusText(phone.page)) && !(await claimsSynced(phone.page)),
      { timeout: 5_000, show: saysStatus(phone.name, phone.page) },
    );
  }

  /**
   * Everything the phone showed before is still there (waits a little for the load).
   * Nobody deletes text in this walk, so every character the vision showed before must
   * still be there in the same order (a word another phone was still typing may have
   * grown meanwhile: "c" shown mid-word is kept in "c2x2").
   */
  async checkKept(phone, before, when) {
    await until(`${when}: ${phone.name} still shows all it showed before`, async () => {
      const now = await this.shown(phone);
      return before.titles.every((t) => now.titles.includes(t)) && keeps(now.vision, before.vision);
    }, { show: async () => `before ${JSON.stringify(before)}, now ${JSON.stringify(await this.shown(phone))}, status "${await statusText(phone.page)}"` });
  }

  /**
   * A phone that cannot reach the relay cannot know that it has everything the others
   * shared: soon after it lost the relay its status must stop saying so.
   */
  async checkNotClaimingSync(phone, when) {
    // A stalled phone believes it is online: it finds out by itself, within 35 s.
    if (this.connected(phone) || phone.net.stalled || phone.page.isClosed()) return;
    // So does a page whose connection died in a stall that has ended since: it holds a
    // dead socket, which no relay stop closes, until it finds out (25 s quiet, 10 s to
    // answer, counted from the stall at the latest).
    const deadSocket = phone.stalledAt === undefined ? 0 : Math.max(0, phone.stalledAt + 40_000 - Date.now());
    await until(
      `${when}: ${this.describe(phone)} cannot reach the relay, so its status must not say everything is in sync`,
      async () => !(await claimsSynced(phone.page)),
      { timeout: 5_000 + deadSocket, show: saysStatus(phone.name, phone.page) },
    );
  }

  edited(phone) {
    if (!this.connected(phone)) phone.owes = true;
  }

  async step(index) {
    const kind = this.draw();
    const phone = this.pick(this.phones);
    const page = phone.page;
    const at =
      kind === "relay"
        ? `seed ${this.seed}, step ${index} (${this.relayUp ? "stop" : "start"} the relay)`
        : `seed ${this.seed}, step ${index} (${kind}, ${this.describe(phone)})`;
    this.log.push(at);
    switch (kind) {
      case "add an action": {
        const title = `Handling ${this.seed}-${++this.count}`;
        await addAction(page, title, { timeout: 10_000 });
        this.actions.add(title);
        this.edited(phone);
        await this.checkOwed(phone, at);
        break;
      }
      case "type a word": {
        const field = visionField(page);
        // The place is chosen and the caret put there in one go in the page, so no letter
        // arriving from another phone can move the text in between. Every word is typed
        // with a space after it, at the start or after a space: so a word is never typed
        // onto the end of one whose letters are still arriving, and never starts with the
        // letter that follows it.
        const { value, position, word } = await field.evaluate(
          (el, [place, letter, letters, suffix]) => {
            const boundaries = [0];
            for (let i = 1; i <= el.value.length; i++) if (el.value[i - 1] === " ") boundaries.push(i);
            const position = boundaries[Math.floor(place * boundaries.length)];
            const choices = [...letters].filter((l) => l !== (el.value[position] ?? ""));
            el.focus();
            el.setSelectionRange(position, position);
            return { value: el.value, position, word: `${choices[Math.floor(letter * choices.length)]}${suffix}` };
          },
          [this.random(), this.random(), LETTERS, `${this.seed}x${++this.count}`],
        );
        const typed = `${word} `;
        await page.keyboard.type(typed);
        await until(`${at}: the word "${word}" typed at ${position} of "${value}" shows whole in the vision`, async () =>
          wordsOf(await field.inputValue()).includes(word),
        { timeout: 5_000, show: async () => `the vision shows "${await field.inputValue()}"` });
        this.words.add(word);
        this.edited(phone);
        await this.checkOwed(phone, at);
        break;
      }
      case "network": {
        // Online, a phone loses its network (it knows) or its connection silently dies
        // (it must find out); either way it comes back the next time.
        if (phone.net.stalled) {
          phone.net.stall(false);
        } else if (phone.net.online && this.random() < 0.3) {
          phone.net.stall(true);
          phone.stalledAt = Date.now();
        } else {
          await phone.net.set(!phone.net.online);
          const banner = page.getByText("Du er offline", { exact: false });
          await banner.waitFor({ state: phone.net.online ? "detached" : "visible", timeout: 5_000 });
        }
        if (this.connected(phone)) phone.owes = false;
        await this.checkOwed(phone, at);
        await this.checkNotClaimingSync(phone, at);
        break;
      }
      case "reload": {
        // At once: what a screen shows is kept, even by a tab closed right after.
        const before = await this.shown(phone);
        this.endStall(phone);
        await page.reload({ timeout: 15_000 });
        // A new page: a new connection.
        phone.stalledAt = undefined;
        await page.getByRole("heading", { level: 2, name: this.council, exact: true }).waitFor();
        // (Its glimpse shows the same at once; the next step types in the screen itself.)
        await screenDrawn(page);
        await this.checkKept(phone, before, at);
        await this.checkOwed(phone, at);
        break;
      }
      case "reopen": {
        // At once: what a screen shows is kept, even by a tab closed right after.
        const before = await this.shown(phone);
        this.endStall(phone);
        await page.close();
        phone.page = await phone.context.newPage();
        phone.stalledAt = undefined;
        await phone.page.goto(phone.net.url, { timeout: 15_000 });
        await openCouncil(phone.page, this.council);
        await this.checkKept(phone, before, at);
        await this.checkOwed(phone, at);
        break;
      }
      case "relay": {
        if (this.relayUp) {
          await env.relay.stop({ keepData: true });
          this.relayUp = false;
          for (const one of this.phones) await this.checkNotClaimingSync(one, at);
        } else {
          env.relay = await startRelay({ port: env.relay.port, dataDir: env.relay.dataDir });
          this.relayUp = true;
          for (const one of this.phones) if (this.connected(one)) one.owes = false;
        }
        break;
      }
    }
    if (TRACE) {
      console.log(`# ${at}`);
      for (const one of this.phones) {
        const shown = await this.shown(one).catch((error) => ({ titles: [], vision: error.message.split("\n")[0] }));
        console.log(`#   ${one.name}: "${await statusText(one.page).catch(() => "?")}", ${shown.titles.length} actions, vision "${shown.vision}"`);
      }
    }
    // No phone that cannot have reached the relay since its change may claim "shared".
    for (const one of this.phones) {
      if (one.owes && !(await one.page.isClosed()) && (await claimsSynced(one.page))) {
        throw new Error(`${at}: ${this.describe(one)} has a change the relay cannot have, yet says "${await statusText(one.page)}"`);
      }
    }
  }

  /** Everyone online, the relay up: all phones agree and hold everything ever shown. */
  async finish() {
    if (!this.relayUp) {
      env.relay = await startRelay({ port: env.relay.port, dataDir: env.relay.dataDir });
      this.relayUp = true;
    }
    for (const phone of this.phones) {
      this.endStall(phone);
      if (!phone.net.online) await phone.net.set(true);
      phone.owes = false;
    }
    const started = Date.now();
    const expected = { titles: [...this.actions].sort(), words: [...this.words].sort() };
    const state = async () =>
      Promise.all(
        this.phones.map(async (phone) => {
          const shown = await this.shown(phone);
          return { name: phone.name, status: await statusText(phone.page), synced: await claimsSynced(phone.page), ...shown };
        }),
      );
    let last = [];
    const agreed = await until(
      "every phone says everything is shared and shows the same plan",
      async () => {
        last = await state();
        const same = last.every(
          (s) => s.synced && s.vision === last[0].vision && JSON.stringify([...s.titles].sort()) === JSON.stringify([...last[0].titles].sort()),
        );
        return same && last;
      },
      { timeout: CONVERGE_MS, interval: 500 },
    ).catch((error) => {
      const report = last.map((s) => {
        const missing = [
          ...expected.titles.filter((t) => !s.titles.includes(t)),
          ...expected.words.filter((w) => !s.words.includes(w)),
        ];
        const phone = this.phones.find((p) => p.name === s.name);
        return `${s.name}: "${s.status}", ${s.titles.length} actions, ${s.words.length} words, missing ${JSON.stringify(missing)}; ${phone.sockets.describe()}`;
      });
      throw new Error(`${error.message}\n    ${report.join("\n    ")}`);
    });
    console.log(`# seed ${this.seed}: converged ${Date.now() - started} ms after everyone was back`);
    for (const s of agreed) {
      assert.deepEqual([...s.titles].sort(), expected.titles, `${s.name} shows exactly every action ever shown`);
      assert.deepEqual([...s.words].sort(), expected.words, `${s.name}'s vision holds exactly every word ever shown, each whole`);
    }

    // A phone joining now gets all of it from the relay.
    const context = await phoneContext(env.browser);
    try {
      context.setDefaultTimeout(15_000);
      const page = await context.newPage();
      await joinByLink(page, linkAt(this.link, env.relay.url), "Dennis", this.council);
      await openCouncil(page, this.council);
      await until(
        "a phone joining afterwards gets every action and word from the relay",
        async () => {
          const titles = (await actionTitles(page)).sort();
          const words = wordsOf(await visionField(page).inputValue()).sort();
          return (
            JSON.stringify(titles) === JSON.stringify(expected.titles) &&
            JSON.stringify(words) === JSON.stringify(expected.words) &&
            (await claimsSynced(page))
          );
        },
        { timeout: 30_000 },
      );
    } finally {
      await context.close();
    }
  }

  async close() {
    for (const phone of this.phones) {
      await phone.context.close().catch(() => {});
      await phone.net.close();
    }
    // The relay is stopped at the end of the file; it must be running then.
    if (!this.relayUp) {
      env.relay = await startRelay({ port: env.relay.port, dataDir: env.relay.dataDir });
      this.relayUp = true;
    }
  }
}

for (let seed = FIRST_SEED; seed < FIRST_SEED + SEEDS; seed++) {
  test(`lifecycle walk, seed ${seed}, ${STEPS} steps`, { timeout: 180_000 + STEPS * 30_000 }, async () => {
    console.log(`# lifecycle seed ${seed} (${STEPS} steps); repeat with LIFECYCLE_FIRST_SEED=${seed} LIFECYCLE_SEEDS=1`);
    const walk = new Walk(seed);
    const started = Date.now();
    try {
      await walk.start();
      for (let index = 1; index <= STEPS; index++) await walk.step(index);
      await walk.finish();
    } catch (error) {
      error.message = `lifecycle seed ${seed} failed (repeat with LIFECYCLE_FIRST_SEED=${seed} LIFECYCLE_SEEDS=1 LIFECYCLE_STEPS=${STEPS}): ${error.message}\n  steps:\n    ${walk.log.join("\n    ")}`;
      throw error;
    } finally {
      await walk.close();
    }
    console.log(
      `# seed ${seed}: ${walk.actions.size} actions and ${walk.words.size} words in ${Math.round((Date.now() - started) / 1000)} s`,
    );
  });
}
