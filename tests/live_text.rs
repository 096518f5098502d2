//! Browser tests: a text that syncs live keeps the caret of the person typing in it when
//! others' changes arrive (issue 10), in a real textarea in headless Chromium.

#![cfg(target_arch = "wasm32")]
#![allow(clippy::unwrap_used)]

use landsbyplan::routes::text::LiveText;
use leptos::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};
use web_sys::HtmlTextAreaElement;

wasm_bindgen_test_configure!(run_in_browser);

/// Waits one animation frame.
async fn next_frame() {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        web_sys::window()
            .unwrap()
            .request_animation_frame(&resolve)
            .unwrap();
    });
    wasm_bindgen_futures::JsFuture::from(promise).await.unwrap();
}

/// Waits (at most 120 frames, about two seconds) until the page's effects have put
/// `expected` into the textarea.
async fn shows(area: &HtmlTextAreaElement, expected: &str) {
    for _ in 0..120 {
        if area.value() == expected {
            return;
        }
        next_frame().await;
    }
    panic!("the textarea shows {:?}, not {expected:?}", area.value());
}

/// A live text with id `id` showing `text`, mounted in the page; what was typed goes to
/// `typed`.
async fn live_text(
    id: &'static str,
    text: RwSignal<String>,
    typed: RwSignal<Vec<String>>,
) -> HtmlTextAreaElement {
    let document = web_sys::window().unwrap().document().unwrap();
    let host = document.create_element("div").unwrap();
    document.body().unwrap().append_child(&host).unwrap();
    leptos::mount::mount_to(host.unchecked_into(), move || {
        view! {
            <label for=id>"Vision"</label>
            <LiveText id=id rows=4 value=text on_input=move |t: String| typed.update(|all| all.push(t))/>
        }
    })
    .forget();
    let area = document
        .get_element_by_id(id)
        .expect("mounting draws the textarea at once")
        .unchecked_into::<HtmlTextAreaElement>();
    // Its effect first runs on the page's next turn, not while mounting: let it, or a
    // text set by the test before then would be taken for the first one.
    next_frame().await;
    shows(&area, &text.get_untracked()).await;
    area
}

#[wasm_bindgen_test]
async fn a_remote_insert_before_the_caret_moves_it_and_one_after_leaves_it() {
    let text = RwSignal::new("Et godt sted at bo".to_owned());
    let area = live_text("live-caret", text, RwSignal::new(Vec::new())).await;
    assert_eq!(area.value(), "Et godt sted at bo");
    area.focus().unwrap();
    area.set_selection_range(7, 7).unwrap();

    text.set("🎉 Et godt sted at bo".to_owned());
    shows(&area, "🎉 Et godt sted at bo").await;
    assert_eq!(area.value(), "🎉 Et godt sted at bo");
    assert_eq!(
        area.selection_start().unwrap(),
        Some(10),
        "an emoji and a space"
    );
    assert_eq!(area.selection_end().unwrap(), Some(10));

    text.set("🎉 Et godt sted at bo i Grindsted".to_owned());
    shows(&area, "🎉 Et godt sted at bo i Grindsted").await;
    assert_eq!(area.selection_start().unwrap(), Some(10));
}

#[wasm_bindgen_test]
async fn a_selection_spanning_a_remote_deletion_shrinks() {
    let text = RwSignal::new("Vi vil have en meget stor hal".to_owned());
    let area = live_text("live-selection", text, RwSignal::new(Vec::new())).await;
    area.focus().unwrap();
    area.set_selection_range(7, 25).unwrap();

    text.set("Vi vil have en stor hal".to_owned());
    shows(&area, "Vi vil have en stor hal").await;
    assert_eq!(area.selection_start().unwrap(), Some(7));
    assert_eq!(area.selection_end().unwrap(), Some(19));
}

#[wasm_bindgen_test]
async fn typing_hands_the_whole_text_over_and_a_text_not_in_focus_simply_follows() {
    let text = RwSignal::new(String::new());
    let typed = RwSignal::new(Vec::new());
    let area = live_text("live-typing", text, typed).await;
    area.set_value("Bålhytte");
    area.dispatch_event(&web_sys::Event::new("input").unwrap())
        .unwrap();
    assert_eq!(typed.get_untracked(), ["Bålhytte"]);

    text.set("Bålhytte ved søen".to_owned());
    shows(&area, "Bålhytte ved søen").await;
    assert_eq!(area.value(), "Bålhytte ved søen");
}
