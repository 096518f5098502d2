//! The smallest Leptos page: one paragraph, mounted client-side.

use leptos::prelude::*;

fn main() {
    mount_to_body(|| view! { <main><p id="ready">"Landsbyplan – bare Leptos"</p></main> });
}
