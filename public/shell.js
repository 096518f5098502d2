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

// The glimpse: a copy of what a space's screen showed last on this device, kept so that
// the next start shows it at once, before the code that opens documents has arrived, and
// replaced by the screen itself when it is drawn (`src/glimpse.rs` says when to keep one
// and when to put it away). Shown, it is inert: nothing in it can be pressed or typed in,
// and screen readers hear the app's "opening" status instead. It leaves out what speaks
// of the present (statuses, alerts, and what the app marks `data-now`, such as whether
// everything is shared) and the names the live screen owns (ids, form names).
// A kept copy is markup the browser serialized from the app's own page: text people
// typed is escaped in it, and the app sets no inline handlers.
globalThis.landsbyplanGlimpse = (() => {
  const PREFIX = "landsbyplan.glimpse:";
  const INDEX = "landsbyplan.glimpses";
  // A phone keeps the glimpses of this many addresses, the latest; a larger copy is not kept.
  const KEPT = 12;
  const LARGEST = 128 * 1024;
  const OWNED = ["id", "for", "name", "form", "list", "aria-labelledby", "aria-describedby",
    "aria-controls", "aria-owns", "aria-activedescendant", "autofocus", "tabindex"];

  const language = () => JSON.parse(localStorage.getItem("landsbyplan.language") ?? '"Danish"');
  const index = () => {
    const kept = JSON.parse(localStorage.getItem(INDEX) ?? "{}");
    return kept && typeof kept === "object" ? kept : {};
  };

  /**
   * `screen` copied, down to twice the window's height (what a start shows and a first
   * scroll reaches: a smaller copy is sooner read and laid out), with what is typed
   * written into the markup and the rest left out.
   */
  function copyOf(screen) {
    const copy = screen.cloneNode(true);
    const fields = screen.querySelectorAll("textarea, input, select");
    const copiedFields = copy.querySelectorAll("textarea, input, select");
    fields.forEach((field, at) => {
      const into = copiedFields[at];
      if (field.tagName === "TEXTAREA") {
        into.textContent = field.value;
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
    const below = 2 * innerHeight;
    const copies = copy.querySelectorAll("*");
    screen.querySelectorAll("*").forEach((element, at) => {
      if (element.getBoundingClientRect().top - top > below) copies[at].remove();
    });
    const present = "[role=status], [role=alert], [aria-live], [data-now]";
    for (const gone of copy.querySelectorAll(`${present}, script, canvas, video, audio, iframe, object, embed`)) {
      gone.remove();
    }
    for (const element of [copy, ...copy.querySelectorAll("*")]) {
      for (const name of OWNED) element.removeAttribute(name);
      for (const { name } of [...element.attributes]) {
        if (name.startsWith("on")) element.removeAttribute(name);
      }
    }
    return copy;
  }

  return {
    /** Puts the glimpse kept for this address into the shell, if there is one in the page's language. */
    show() {
      try {
        const kept = JSON.parse(localStorage.getItem(PREFIX + location.pathname) ?? "null");
        const shell = document.getElementById("shell");
        if (!shell || !kept || kept.version !== 1 || kept.language !== language()) return;
        const glimpse = document.createElement("div");
        glimpse.id = "glimpse";
        glimpse.className = "glimpse";
        glimpse.inert = true;
        glimpse.innerHTML = kept.html;
        shell.append(glimpse);
      } catch {
        // Nothing to show: the app draws the screen when it can.
      }
    },

    /** Keeps what `screen` (an element of the page) shows as the glimpse of `path`. */
    keep(path, screen) {
      try {
        const html = copyOf(screen).innerHTML;
        const kept = index();
        if (html.length > LARGEST) {
          localStorage.removeItem(PREFIX + path);
          delete kept[path];
        } else {
          localStorage.setItem(PREFIX + path, JSON.stringify({ version: 1, language: language(), html }));
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

    /** Forgets the glimpse of `path` (a screen that no longer shows anything). */
    forget(path) {
      try {
        localStorage.removeItem(PREFIX + path);
        const kept = index();
        delete kept[path];
        localStorage.setItem(INDEX, JSON.stringify(kept));
      } catch {
        // Nothing kept, or storage unavailable.
      }
    },
  };
})();
