//! "Forbind telefoner i rummet": two phones of a space connect directly, with no relay and
//! no network beyond the room's, by showing each other a code (issue 14). One phone shows
//! its code (a QR code, or text to copy), the other takes it in and shows its answer, the
//! first takes that; then the space syncs between them while the app is open.
//!
//! The code is sealed with the space's key: a phone that does not hold the space cannot
//! read it or answer it.

use std::collections::BTreeMap;

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::NavigateOptions;
use leptos_router::components::A;
use leptos_router::hooks::{use_navigate, use_query_map};
use wasm_bindgen::JsCast;

use super::share::{CopyStatus, QrImage, copier, qr_path};
use crate::direct::{ACCEPTED_WAIT_MS, ANSWERED_WAIT_MS, Direct, sleep, waited_for};
use crate::i18n::I18n;
use crate::library::Library;
use crate::scan::{self, Camera};
use crate::settings;
use landsbyplan_model::SpaceId;
use landsbyplan_sync::{Device, PeerCode};

/// Where this phone is in the exchange of codes.
#[derive(Clone, Debug, PartialEq)]
enum Step {
    /// Choosing what to do.
    Start,
    /// Making this phone's code.
    Making,
    /// This phone's code is shown; waiting for the other's answer.
    Offered(String),
    /// Taking in the other phone's code.
    Answering,
    /// This phone's answer is shown; waiting for the channel.
    Answered(String),
    /// The answer is taken; the channel is opening.
    Connecting,
    /// Connected with the named phone, as connection `.1` of [`Peers::list`].
    Connected(String, u64),
    /// The connection with the named phone closed.
    Closed(String),
    /// Something went wrong, in words for the person.
    Failed(String),
}

/// The screen, for the space named by `?space=<id>`, or a choice of the device's spaces.
#[component]
pub fn ConnectScreen() -> impl IntoView {
    let i18n = expect_context::<I18n>();
    let library = expect_context::<Library>();
    let query = use_query_map();
    let navigate = use_navigate();
    let chosen = RwSignal::new(None::<SpaceId>);
    Effect::new(move || {
        if let Some(id) = query
            .with(|q| q.get("space"))
            .and_then(|id| id.parse().ok())
        {
            chosen.set(Some(id));
        }
    });
    let spaces = move || {
        library.spaces.with(|spaces| {
            spaces
                .iter()
                .filter(|space| library.direct_keys(space.id).is_some())
                .map(|space| (space.id, space.name.clone()))
                .collect::<Vec<_>>()
        })
    };
    view! {
        <p><A href="/">{move || i18n.t("back-home")}</A></p>
        <h2>{move || i18n.t("connect-heading")}</h2>
        <p>{move || i18n.t("connect-intro")}</p>
        <div class="card">
            <label for="connect-space">{move || i18n.t("connect-space-label")}</label>
            <select
                id="connect-space"
                on:change=move |event| {
                    let id = event_target_value(&event).parse().ok();
                    chosen.set(id);
                    // In the address too, so that coming back here keeps the choice.
                    let path = match id {
                        Some(id) => format!("/forbind?space={id}"),
                        None => "/forbind".to_owned(),
                    };
                    navigate(&path, NavigateOptions { replace: true, ..Default::default() });
                }
            >
                <option value="" selected=move || chosen.get().is_none()>
                    {move || i18n.t("connect-space-choose")}
                </option>
                <For
                    each=spaces
                    key=|(id, name)| (*id, name.clone())
                    children=move |(id, name)| {
                        view! {
                            <option value=id.to_string() selected=move || chosen.get() == Some(id)>
                                {name}
                            </option>
                        }
                    }
                />
            </select>
        </div>
        {move || chosen.get().map(|id| view! { <Exchange id/> })}
    }
}

/// The exchange of codes for space `id`.
#[component]
fn Exchange(id: SpaceId) -> impl IntoView {
    let i18n = expect_context::<I18n>();
    let library = expect_context::<Library>();
    let peers = expect_context::<Library>().peers();
    let step = RwSignal::new(Step::Start);
    // What was wrong with what was pasted, shown under the field (the step stays).
    let wrong_answer = RwSignal::new(None::<String>);
    // The phone connected with that leaves (or dies): said so, not "connected" still.
    Effect::new(move || {
        if let Step::Connected(name, number) = step.get() {
            let open = peers
                .list
                .with(|list| list.iter().any(|peer| peer.number == number));
            if !open {
                step.set(Step::Closed(name));
            }
        }
    });
    // Each step's content replaces the button pressed: the heading takes the focus, so
    // it does not fall back to the start of the page.
    Effect::new(move || {
        if !matches!(step.get(), Step::Start)
            && let Some(heading) = document().get_element_by_id("connect-steps")
        {
            let _ = wasm_bindgen::JsCast::unchecked_into::<web_sys::HtmlElement>(heading).focus();
        }
    });
    let pasted = RwSignal::new(String::new());
    // The connection being set up (not `Send`: it lives on this thread only).
    let pending = StoredValue::new_local(None::<Direct>);
    let Some((read, keys)) = library.direct_keys(id) else {
        return view! { <p>{move || i18n.t("connect-no-sync")}</p> }.into_any();
    };
    let read = StoredValue::new_local(read);
    let keys = StoredValue::new_local(keys);
    let name = move || {
        let name = settings::profile_name();
        if name.trim().is_empty() {
            i18n.t("connect-unnamed")
        } else {
            name
        }
    };
    // Once the channel is open: the proofs, then the space syncs in the background.
    let connect = move |mut direct: Direct, wait_ms: u32| {
        spawn_local(async move {
            let hello = direct
                .greet(
                    &read.get_value(),
                    keys.get_value().as_ref(),
                    &name(),
                    peers.device,
                    wait_ms,
                )
                .await;
            match hello {
                Ok(hello) => {
                    let name = hello.name.clone();
                    let number = peers.run(library, id, direct, hello);
                    step.set(Step::Connected(name, number));
                }
                Err(key) => {
                    direct.close();
                    step.set(Step::Failed(i18n.t(key)));
                }
            }
        });
    };
    let offer = move |_| {
        step.set(Step::Making);
        spawn_local(async move {
            match Direct::offer(&read.get_value()).await {
                Ok((direct, code)) => {
                    pending.set_value(Some(direct));
                    step.set(Step::Offered(PeerCode::to_text(&code)));
                }
                Err(key) => step.set(Step::Failed(i18n.t(key))),
            }
        });
    };
    let take_answer = move |_| {
        let text = pasted.get_untracked();
        if text.trim().is_empty() {
            wrong_answer.set(Some(i18n.t("connect-paste-first")));
            return;
        }
        if matches!(step.get_untracked(), Step::Offered(ref shown) if shown.trim() == text.trim()) {
            wrong_answer.set(Some(i18n.t("direct-own-code")));
            return;
        }
        wrong_answer.set(None);
        spawn_local(async move {
            let Ok(code) = PeerCode::from_text(&text) else {
                wrong_answer.set(Some(i18n.t("direct-not-a-code")));
                return;
            };
            let Some(direct) = pending.try_update_value(Option::take).flatten() else {
                return;
            };
            match direct.accept(&read.get_value(), &code).await {
                Ok(()) => {
                    pasted.set(String::new());
                    step.set(Step::Connecting);
                    connect(direct, ACCEPTED_WAIT_MS);
                }
                Err(key) => {
                    // The code shown stays: the other phone may still answer it.
                    pending.set_value(Some(direct));
                    wrong_answer.set(Some(i18n.t(key)));
                }
            }
        });
    };
    let answer = move |_| {
        let text = pasted.get_untracked();
        if text.trim().is_empty() {
            wrong_answer.set(Some(i18n.t("connect-paste-first")));
            return;
        }
        wrong_answer.set(None);
        step.set(Step::Making);
        spawn_local(async move {
            let Ok(code) = PeerCode::from_text(&text) else {
                step.set(Step::Failed(i18n.t("direct-not-a-code")));
                return;
            };
            match Direct::answer(&read.get_value(), &code).await {
                Ok((direct, answer)) => {
                    pasted.set(String::new());
                    step.set(Step::Answered(PeerCode::to_text(&answer)));
                    connect(direct, ANSWERED_WAIT_MS);
                }
                Err(key) => step.set(Step::Failed(i18n.t(key))),
            }
        });
    };
    let pasted_problem = move || {
        wrong_answer.get().map(|why| {
            view! { <p class="error">{move || i18n.t_with("connect-failed", &[("reason", why.clone())])}</p> }
        })
    };
    let paste_field = move |label: &'static str, button: &'static str, on_click: Box<dyn Fn()>| {
        view! {
            <label for="connect-paste">{move || i18n.t(label)}</label>
            <textarea
                id="connect-paste"
                rows="3"
                prop:value=move || pasted.get()
                on:input=move |event| pasted.set(event_target_value(&event))
            ></textarea>
            <button type="button" on:click=move |_| on_click()>{move || i18n.t(button)}</button>
        }
    };
    view! {
        <section class="card" aria-labelledby="connect-steps">
            <h3 id="connect-steps" tabindex="-1">{move || i18n.t("connect-steps-heading")}</h3>
            // Where the exchange stands, read out as it changes (once: not repeated below).
            <p role="status" aria-live="polite">
                {move || match step.get() {
                    Step::Making => i18n.t("connect-making"),
                    Step::Connecting => i18n.t("connect-connecting"),
                    Step::Connected(name, _) => i18n.t_with("connect-connected", &[("name", name)]),
                    Step::Closed(name) => i18n.t_with("connect-closed", &[("name", name)]),
                    Step::Failed(why) => i18n.t_with("connect-failed", &[("reason", why)]),
                    _ => String::new(),
                }}
            </p>
            {move || match step.get() {
                Step::Start => view! {
                    <p>{move || i18n.t("connect-start-intro")}</p>
                    <div class="buttons">
                        <button type="button" on:click=offer>{move || i18n.t("connect-show-code")}</button>
                        <button type="button" on:click=move |_| step.set(Step::Answering)>
                            {move || i18n.t("connect-have-code")}
                        </button>
                    </div>
                }
                .into_any(),
                Step::Making | Step::Connecting => ().into_any(),
                Step::Connected(..) | Step::Closed(_) => view! {
                    <button type="button" on:click=move |_| step.set(Step::Start)>
                        {move || i18n.t("connect-another")}
                    </button>
                }
                .into_any(),
                Step::Offered(code) => view! {
                    <p>{move || i18n.t("connect-offered")}</p>
                    <Code code label="connect-code-label" text_label="connect-code-text"/>
                    <Scanner on_read=Callback::new(move |text: String| {
                        pasted.set(text);
                        take_answer(());
                    })/>
                    {paste_field("connect-paste-answer", "connect-connect", Box::new(move || take_answer(())))}
                    {pasted_problem}
                }
                .into_any(),
                Step::Answering => view! {
                    <Scanner on_read=Callback::new(move |text: String| {
                        pasted.set(text);
                        answer(());
                    })/>
                    {paste_field("connect-paste-code", "connect-make-answer", Box::new(move || answer(())))}
                    {pasted_problem}
                }
                .into_any(),
                Step::Answered(code) => view! {
                    <p>{move || i18n.t("connect-answered")}</p>
                    <Code code label="connect-answer-label" text_label="connect-answer-text"/>
                }
                .into_any(),
                Step::Failed(_) => view! {
                    <button type="button" on:click=move |_| step.set(Step::Start)>
                        {move || i18n.t("connect-again")}
                    </button>
                }
                .into_any(),
            }}
        </section>
        <ConnectedPeers id/>
    }
    .into_any()
}

/// Takes a code in with the camera: a button that opens it, its picture while it looks,
/// and the code, once read, handed to `on_read` (the camera is then turned off, as it is
/// when the screen changes).
#[component]
fn Scanner(on_read: Callback<String>) -> impl IntoView {
    let i18n = expect_context::<I18n>();
    let scanning = RwSignal::new(false);
    let trouble = RwSignal::new(None::<&'static str>);
    let video = NodeRef::<leptos::html::Video>::new();
    let stop_button = NodeRef::<leptos::html::Button>::new();
    let camera = StoredValue::new_local(None::<Camera>);
    let stop = move || {
        if let Some(camera) = camera.try_update_value(Option::take).flatten() {
            camera.stop();
        }
        scanning.set(false);
    };
    on_cleanup(stop);
    let start = move |_| {
        trouble.set(None);
        scanning.set(true);
        spawn_local(async move {
            // The picture's element is there once the view has redrawn.
            waited_for(1_000, 20, || video.get_untracked().is_some()).await;
            let Some(element) = video.get_untracked() else {
                scanning.set(false);
                return;
            };
            // The button pressed is gone: the focus goes to the one that ends it.
            if let Some(button) = stop_button.get_untracked() {
                let _ = button.focus();
            }
            match Camera::open(&element).await {
                Ok(opened) => camera.set_value(Some(opened)),
                Err(key) => {
                    trouble.set(Some(key));
                    scanning.set(false);
                    return;
                }
            }
            let canvas: web_sys::HtmlCanvasElement = document()
                .create_element("canvas")
                .expect("a document makes canvases")
                .unchecked_into();
            let mut attempt = 0;
            while scanning.get_untracked() {
                attempt += 1;
                if let Some(text) = scan::read(&element, &canvas, attempt) {
                    stop();
                    on_read.run(text);
                    return;
                }
                sleep(200).await;
            }
        });
    };
    view! {
        <Show
            when=move || scanning.get()
            fallback=move || view! {
                <button type="button" on:click=start>{move || i18n.t("scan-start")}</button>
            }
        >
            <video
                node_ref=video
                class="scan"
                muted=true
                playsinline=true
                aria-label=move || i18n.t("scan-video-label")
            ></video>
            <p>{move || i18n.t("scan-looking")}</p>
            <button type="button" node_ref=stop_button on:click=move |_| stop()>
                {move || i18n.t("scan-stop")}
            </button>
        </Show>
        {move || trouble.get().map(|key| view! { <p class="error" role="alert">{move || i18n.t(key)}</p> })}
    }
}

/// A code to show: as a QR code and as text to copy.
#[component]
fn Code(code: String, label: &'static str, text_label: &'static str) -> impl IntoView {
    let i18n = expect_context::<I18n>();
    let qr = qr_path(&code);
    let (copy, copied) = copier(code.clone());
    view! {
        {qr.map(|(size, path)| view! { <QrImage size path label_key=label/> })}
        <label for="connect-code">{move || i18n.t(text_label)}</label>
        <textarea id="connect-code" class="code" rows="6" readonly=true prop:value=code></textarea>
        <div class="buttons">
            <button type="button" on:click=copy>{move || i18n.t("connect-copy")}</button>
        </div>
        <CopyStatus copied done_key="connect-copied" failed_key="connect-copy-failed"/>
    }
}

/// Who else of space `id` is connected right now, and by which path: directly, through
/// the relay, or both (shown for a space that syncs, or while a direct channel is open).
#[component]
pub fn ConnectedPeers(id: SpaceId) -> impl IntoView {
    let i18n = expect_context::<I18n>();
    let peers = expect_context::<Library>().peers();
    let library = expect_context::<Library>();
    let shared = move || library.doc_of(id).is_some();
    let here = move || {
        // By device: its name, whether directly, whether through the relay.
        let mut who: BTreeMap<Device, (String, bool, bool)> = BTreeMap::new();
        peers.list.with(|list| {
            for peer in list.iter().filter(|peer| peer.space == id) {
                who.entry(peer.device)
                    .or_insert_with(|| (peer.name.clone(), false, false))
                    .1 = true;
            }
        });
        if let Some(doc) = library.doc_of(id) {
            peers.on_relay.with(|on_relay| {
                let present = on_relay.iter().filter(|(of, _)| *of == doc);
                for present in present.flat_map(|(_, present)| present) {
                    who.entry(present.device)
                        .or_insert_with(|| (present.name.clone(), false, false))
                        .2 = true;
                }
            });
        }
        let mut who: Vec<(Device, String, bool, bool)> = who
            .into_iter()
            .map(|(device, (name, direct, relay))| (device, name, direct, relay))
            .collect();
        who.sort_by_key(|(device, name, ..)| (name.to_lowercase(), *device));
        who
    };
    let line = move |name: String, direct: bool, relay: bool| {
        let name = if name.trim().is_empty() {
            i18n.t("connect-unnamed")
        } else {
            name
        };
        let key = match (direct, relay) {
            (true, true) => "connect-path-both",
            (true, false) => "connect-path-direct",
            _ => "connect-path-relay",
        };
        i18n.t_with(key, &[("name", name)])
    };
    view! {
        <Show when=move || shared() || !here().is_empty()>
            // Who is connected now: a glimpse of the screen keeps its place, unseen.
            <section class="card" data-now="" aria-labelledby=format!("peers-{id}")>
                <h3 id=format!("peers-{id}")>{move || i18n.t("connect-peers-heading")}</h3>
                <Show
                    when=move || !here().is_empty()
                    fallback=move || view! { <p>{move || i18n.t("connect-peers-none")}</p> }
                >
                    <ul>
                        <For
                            each=here
                            key=|who| who.clone()
                            children=move |(_, name, direct, relay)| {
                                view! { <li>{move || line(name.clone(), direct, relay)}</li> }
                            }
                        />
                    </ul>
                </Show>
            </section>
        </Show>
    }
}
