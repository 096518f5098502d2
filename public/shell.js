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
