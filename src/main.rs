//! The app's entry point, as trunk builds it.

fn main() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(landsbyplan::App);
}
