//! The app's entry point, as trunk builds it.

fn main() {
    console_error_panic_hook::set_once();
    // What index.html showed while this code arrived: the app draws it anew.
    if let Some(shell) = web_sys::window()
        .and_then(|window| window.document())
        .and_then(|document| document.get_element_by_id("shell"))
    {
        shell.remove();
    }
    leptos::mount::mount_to_body(landsbyplan::App);
}
