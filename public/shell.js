// Before the app's code has arrived (seconds on a phone's first visit over a slow
// network), index.html shows the top of the screen the app will draw: the bar on every
// screen, and on a first visit to the home screen also the welcome. This marks a first
// visit (no name given yet, Danish) so that the page's style shows the welcome; the app
// removes the whole shell when it starts and draws the same things in their place.
try {
  const name = JSON.parse(localStorage.getItem("landsbyplan.profile-name") ?? '""');
  const language = JSON.parse(localStorage.getItem("landsbyplan.language") ?? '"Danish"');
  if (location.pathname === "/" && String(name).trim() === "" && language === "Danish") {
    document.documentElement.classList.add("first-visit");
  }
} catch {
  // Storage that cannot be read: the app says so once it starts.
}

// The glimpse: a copy of what a space's screen (or a meeting's or an application's in it)
// showed last on this device, kept so that the next start shows it at once, before the
// code that opens documents has arrived, and replaced by the screen itself when it is drawn
// (`src/glimpse.rs` says when to keep one and when to put it away). Shown, it is inert
// (nothing in it can be pressed, and screen readers skip it) under a status that says it is
// what the screen showed last, except its long texts (the app marks them `data-live`, with
// the document's heads they were drawn from): those can be typed in at once. What is typed
// there is kept in localStorage at each keystroke (`landsbyplan.typed:<path>`: where typing
// began, and a step for each place typed at), shown again by the next glimpse if the tab
// closes first, and taken into the document by the screen's own field
// (`src/routes/text.rs`) as typed at those heads, where the caret and focus move on.
// What speaks of the present (statuses, alerts, and what the app marks `data-now`, such as
// whether everything is shared and who is connected) keeps its place but is not shown
// (`data-unsaid`), so the screen does not move when it replaces the copy. Left out: what
// the app marks `data-private` (the sharing, whose links hold the space's keys), what was
// typed in forms not yet sent, and the names the live screen owns (ids, form names).
// A kept copy is markup the browser serialized from the app's own page: text people
// typed is escaped in it. Shown, it is parsed in a template and stripped again of
// anything that could run, whatever the storage holds.
globalThis.landsbyplanGlimpse = (() => {
  const PREFIX = "landsbyplan.glimpse:";
  const INDEX = "landsbyplan.glimpses";
  // A phone keeps the glimpses of this many addresses, the latest, and none larger than
  // this many characters: at most half a megabyte of the few the browser allows, which
  // the edit journal shares (it clears them if it needs the room: `clear`).
  const KEPT = 8;
  const LARGEST = 64 * 1024;
  const OWNED = ["id", "for", "name", "form", "list", "aria-labelledby", "aria-describedby",
    "aria-controls", "aria-owns", "aria-activedescendant", "autofocus", "tabindex"];
  const UNSAFE = "script, style, noscript, template, canvas, video, audio, iframe, object, embed, link, meta, base";
  const TYPED = "landsbyplan.typed:";
  const LIVE = "textarea[data-live][data-heads]";
  // What was typed in this page's glimpse, by address, while storage refuses it.
  const typedHere = {};
  // Whether a word is being composed in the glimpse (a phone's keyboard suggesting), and
  // what waits for it to end.
  let composing = false;
  let afterComposing = null;
  const COMPOSING_AT_MOST = 3000;
  // What is typed in a glimpse is kept as this many steps at most.
  const STEPS = 64;

  /** The page's language now, as the app names it on the page (`da`, `en`). */
  const setting = () => (JSON.parse(localStorage.getItem("landsbyplan.language") ?? '"Danish"') === "English" ? "en" : "da");
  const index = () => {
    try {
      const kept = JSON.parse(localStorage.getItem(INDEX) ?? "{}");
      return kept && typeof kept === "object" && !Array.isArray(kept) ? kept : {};
    } catch {
      // A damaged index: the copies it named are found again as they are kept.
      return {};
    }
  };

  /**
   * Removes from `root` what could run or load anything, every inline handler, and inline
   * styles (which the app never sets, and its security policy refuses).
   */
  function strip(root) {
    for (const element of root.querySelectorAll(UNSAFE)) element.remove();
    for (const element of root.querySelectorAll("*")) {
      for (const { name } of [...element.attributes]) {
        if (name.startsWith("on") || name === "style") element.removeAttribute(name);
      }
    }
  }

  /**
   * What was typed in the glimpse of `path` and not yet taken into its document, by field
   * (`fields`), and what its document refused, by field, until the person forgets it
   * (`refused`: the text; never taken in again).
   */
  function typedAt(path) {
    if (typedHere[path]) return typedHere[path];
    try {
      const kept = JSON.parse(localStorage.getItem(TYPED + path) ?? "null");
      if (kept && kept.version === 2 && kept.fields && typeof kept.fields === "object") {
        if (!kept.refused || typeof kept.refused !== "object") kept.refused = {};
        return kept;
      }
    } catch {
      // Damaged or unreadable: nothing to take.
    }
    return { version: 2, fields: {}, refused: {} };
  }

  /**
   * Keeps `typed` (what `typedAt` gives) for `path` in storage, making room by forgetting
   * the glimpses (a quicker start matters less than typing); in the page if it still cannot.
   * (Storage, not the page, is where another tab at the same address takes it from.)
   */
  function keepTyped(path, typed) {
    const empty = Object.keys(typed.fields).length === 0 && Object.keys(typed.refused ?? {}).length === 0;
    for (const attempt of [0, 1]) {
      try {
        if (empty) localStorage.removeItem(TYPED + path);
        else localStorage.setItem(TYPED + path, JSON.stringify(typed));
        delete typedHere[path];
        return;
      } catch {
        if (attempt === 0) clear();
      }
    }
    typedHere[path] = typed;
  }

  /** Removes the shell (the app's page is shown instead). */
  function dropShell() {
    document.getElementById("shell")?.remove();
    document.documentElement.classList.remove("glimpse-pending");
  }

  /** Forgets every glimpse (their room is wanted for something that matters more). */
  function clear() {
    try {
      for (const key of Object.keys(localStorage)) {
        if (key.startsWith(PREFIX) || key === INDEX) localStorage.removeItem(key);
      }
    } catch {
      // Storage unavailable.
    }
  }

  /**
   * Lets the long texts of `glimpse` (in the page) be typed in, and nothing else in it be
   * pressed or focused: each shows what was typed in it before, and keeps what is typed.
   */
  function openLongTexts(glimpse, path) {
    const open = [...glimpse.querySelectorAll(LIVE)].filter((field) => !field.matches(":disabled") && !field.readOnly);
    const typed = typedAt(path);
    for (const field of open) {
      const key = field.dataset.live;
      const last = typed.fields[key]?.steps?.at(-1)?.typed;
      if (typeof last === "string") field.value = last;
      // Where the caret was after the last keystroke (UTF-16 units), and whether the next
      // one goes on from there: typing on at one place is one step; a keystroke elsewhere
      // starts the next, so each lands where it was typed however the text changes around it.
      let caretAfter = null;
      let goesOn = false;
      field.addEventListener("beforeinput", (event) => {
        goesOn = composing || event.isComposing
          || (field.selectionStart === field.selectionEnd && field.selectionStart === caretAfter);
      });
      field.addEventListener("input", () => {
        const now = typedAt(path);
        // What the document held where typing began (the copy's text and heads), and the
        // steps since.
        const kept = now.fields[key] ?? { text: field.defaultValue, heads: field.dataset.heads, steps: [] };
        const step = { typed: field.value, caret: [...field.value.slice(0, field.selectionEnd ?? field.value.length)].length };
        if (goesOn && kept.steps.length > 0) kept.steps[kept.steps.length - 1] = step;
        else kept.steps.push(step);
        // A step taken out is a part of the next one (from the text before it).
        if (kept.steps.length > STEPS) kept.steps.shift();
        caretAfter = field.selectionEnd;
        if (kept.steps.length === 1 && field.value === kept.text) delete now.fields[key];
        else now.fields[key] = kept;
        keepTyped(path, now);
      });
      field.addEventListener("compositionstart", () => (composing = true));
      const ended = () => {
        composing = false;
        const waiting = afterComposing;
        afterComposing = null;
        waiting?.();
      };
      field.addEventListener("compositionend", ended);
      field.addEventListener("blur", () => composing && ended());
    }
    // Inert around the open fields: each element with none of them in it.
    const close = (element) => {
      for (const child of element.children) {
        if (open.includes(child)) continue;
        if (open.some((field) => child.contains(field))) close(child);
        else child.inert = true;
      }
    };
    if (open.length === 0) glimpse.inert = true;
    else close(glimpse);
  }

  /**
   * `screen` copied, down to a window's height below what the window shows now (what a
   * start shows, at the place a reload scrolls back to, and a first scroll: a smaller copy
   * is sooner read and laid out), with what is typed in the document's own fields written
   * into the markup and the rest left out.
   */
  function copyOf(screen) {
    const copy = screen.cloneNode(true);
    const fields = screen.querySelectorAll("textarea, input, select");
    const copiedFields = copy.querySelectorAll("textarea, input, select");
    fields.forEach((field, at) => {
      const into = copiedFields[at];
      if (field.closest("form")) {
        // A form not yet sent: what is typed in it is not in the document.
        into.removeAttribute("value");
        if (field.tagName === "TEXTAREA") into.textContent = "";
      } else if (field.tagName === "TEXTAREA") {
        into.textContent = field.value;
        // Its label is left out with the ids: a long text, typable in the glimpse, is named.
        const label = field.labels?.[0]?.textContent.trim();
        if (field.dataset.live && label) into.setAttribute("aria-label", label);
      } else if (field.tagName === "SELECT") {
        [...field.options].forEach((option, n) => into.options[n].toggleAttribute("selected", option.selected));
      } else if (field.type === "checkbox" || field.type === "radio") {
        into.toggleAttribute("checked", field.checked);
      } else if (field.type === "file" || field.type === "password") {
        into.removeAttribute("value");
      } else {
        into.setAttribute("value", field.value);
      }
    });
    const top = screen.getBoundingClientRect().top;
    const below = Math.max(0, -top) + 2 * innerHeight;
    const copies = copy.querySelectorAll("*");
    screen.querySelectorAll("*").forEach((element, at) => {
      if (element.getBoundingClientRect().top - top > below) copies[at].remove();
    });
    for (const present of copy.querySelectorAll("[role=status], [role=alert], [aria-live], [data-now]")) {
      present.setAttribute("data-unsaid", "");
    }
    for (const gone of copy.querySelectorAll("[data-private]")) gone.remove();
    strip(copy);
    for (const element of [copy, ...copy.querySelectorAll("*")]) {
      for (const name of OWNED) element.removeAttribute(name);
    }
    return copy;
  }

  return {
    /**
     * Puts the glimpse kept for this address into the shell, under its status, if there is
     * one in the language the app will start in.
     */
    show() {
      try {
        const kept = JSON.parse(localStorage.getItem(PREFIX + location.pathname) ?? "null");
        const shell = document.getElementById("shell");
        if (!shell || !kept || kept.version !== 2 || kept.language !== setting()) return;
        const parsed = document.createElement("template");
        parsed.innerHTML = kept.html;
        strip(parsed.content);
        const status = document.createElement("p");
        status.id = "glimpse-status";
        status.className = "opening";
        status.setAttribute("role", "status");
        status.textContent = kept.status;
        const glimpse = document.createElement("div");
        glimpse.id = "glimpse";
        glimpse.className = "glimpse";
        glimpse.append(parsed.content);
        shell.append(status, glimpse);
        openLongTexts(glimpse, location.pathname);
        document.documentElement.lang = kept.language;
      } catch {
        // Nothing to show: the app draws the screen when it can.
      }
    },

    /**
     * Keeps what `screen` (an element of the page) shows as the glimpse of `path`, with
     * `status` (what to say above it when it is shown) in the page's language.
     */
    keep(path, screen, status) {
      try {
        const html = copyOf(screen).innerHTML;
        const kept = index();
        const entry = JSON.stringify({ version: 2, language: document.documentElement.lang, status, html });
        if (html.length > LARGEST) {
          localStorage.removeItem(PREFIX + path);
          delete kept[path];
        } else {
          // Unchanged (a screen often is): not written again.
          if (localStorage.getItem(PREFIX + path) !== entry) localStorage.setItem(PREFIX + path, entry);
          kept[path] = Date.now();
        }
        const latest = Object.keys(kept).sort((a, b) => kept[b] - kept[a]);
        for (const old of latest.slice(KEPT)) {
          localStorage.removeItem(PREFIX + old);
          delete kept[old];
        }
        localStorage.setItem(INDEX, JSON.stringify(kept));
      } catch {
        // Storage full or unavailable: only a slower start next time.
        try {
          localStorage.removeItem(PREFIX + path);
        } catch {
          // Unavailable.
        }
      }
    },

    /**
     * The glimpse, for the app to put into its own page; null if there is none. Until
     * then the shell stays, and the app's page (drawn behind it) is not shown.
     */
    lift() {
      const glimpse = document.getElementById("glimpse");
      if (glimpse) document.documentElement.classList.add("glimpse-pending");
      return glimpse;
    },

    /**
     * Puts the glimpse `lift` gave into `host` (in the app's page), with the focus and caret
     * where they were, and removes the shell.
     */
    land(host, glimpse) {
      const field = document.activeElement;
      const focused = field?.tagName === "TEXTAREA" && glimpse.contains(field)
        ? { field, start: field.selectionStart, end: field.selectionEnd, direction: field.selectionDirection, scroll: field.scrollTop }
        : null;
      host.append(glimpse);
      // Moved, the field's word being composed is committed (a browser may not say so).
      composing = false;
      if (focused) {
        focused.field.focus({ preventScroll: true });
        focused.field.setSelectionRange(focused.start, focused.end, focused.direction);
        focused.field.scrollTop = focused.scroll;
      }
      dropShell();
    },

    dropShell,

    /**
     * Calls `done` when the screen may take over from the glimpse: at once, or when the word
     * being composed in it is done. `done` gets, as JSON, which long text had the focus
     * (`key`, its `data-live`) and the selection and scroll in it, or undefined.
     */
    handOver(done) {
      const handing = () => {
        const field = document.activeElement;
        const glimpse = document.getElementById("glimpse");
        const focused = field?.dataset?.live && glimpse?.contains(field)
          ? JSON.stringify({ key: field.dataset.live, start: field.selectionStart, end: field.selectionEnd,
            direction: field.selectionDirection, scroll: field.scrollTop })
          : undefined;
        done(focused);
      };
      if (!composing) {
        afterComposing = null;
        handing();
        return;
      }
      afterComposing = handing;
      // A keyboard that never says its word is done does not keep the screen away.
      setTimeout(() => {
        if (afterComposing !== handing) return;
        composing = false;
        afterComposing = null;
        handing();
      }, COMPOSING_AT_MOST);
    },

    /**
     * What was typed in the glimpse of `path` into the long text `key`, as JSON (`text` and
     * `heads`: the document it was typed in; `steps`: for each place typed at, the text
     * after it, `typed`, and the caret, `caret`, in characters), or undefined.
     */
    typed(path, key) {
      const field = typedAt(path).fields[key];
      return field ? JSON.stringify(field) : undefined;
    },

    /** Whether anything typed in the glimpse of `path` waits to be taken into its document. */
    typedAny(path) {
      return Object.keys(typedAt(path).fields).length > 0;
    },

    /** Forgets what was typed into `key` of `path`'s glimpse (it is in the document now). */
    taken(path, key) {
      const typed = typedAt(path);
      delete typed.fields[key];
      keepTyped(path, typed);
    },

    /**
     * What was typed into `key` of `path`'s glimpse could not go into its document: kept
     * as refused text (after any refused before), never to be taken in, until forgotten.
     */
    refuse(path, key) {
      const typed = typedAt(path);
      const last = typed.fields[key]?.steps?.at(-1)?.typed;
      if (typeof last === "string") {
        const before = typed.refused[key];
        typed.refused[key] = typeof before === "string" && before !== last ? `${before}\n\n${last}` : last;
      }
      delete typed.fields[key];
      keepTyped(path, typed);
    },

    /** The text typed into `key` of `path`'s glimpse that its document refused, or undefined. */
    refused(path, key) {
      const text = typedAt(path).refused[key];
      return typeof text === "string" ? text : undefined;
    },

    /** Forgets the refused text of `key` of `path` (the person let it go). */
    forgetRefused(path, key) {
      const typed = typedAt(path);
      delete typed.refused[key];
      keepTyped(path, typed);
    },

    /**
     * Forgets the glimpse of `path` (a screen that no longer shows anything), and what was
     * typed in it (there is nowhere for it to go).
     */
    forget(path) {
      keepTyped(path, { version: 2, fields: {}, refused: {} });
      try {
        localStorage.removeItem(PREFIX + path);
        const kept = index();
        delete kept[path];
        localStorage.setItem(INDEX, JSON.stringify(kept));
      } catch {
        // Nothing kept, or storage unavailable.
      }
    },

    clear,
  };
})();
