//! Publishing the annual wheel as a calendar feed calendar programs can subscribe to. It
//! is the one thing the relay then holds in plain text (calendar programs cannot
//! decrypt), so it is a choice the person makes, told plainly, and can take back.

use landsbyplan_model::{SpaceId, wheel_to_ics};
use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

use super::Editor;
use crate::i18n::I18n;
use crate::library::{Library, Message};

/// Sends a signed publish (`body`) or withdraw (`None`) of space `id`'s feed at `url`;
/// the response's status, or `None` without a network. A relay that holds a newer
/// version than this device's clock gives (another device's clock is ahead) names it,
/// and the request is signed again once, as the version after it.
async fn signed(library: Library, id: SpaceId, url: &str, body: Option<&str>) -> Option<u16> {
    let method = if body.is_some() { "PUT" } else { "DELETE" };
    let (_, headers) = library.feed_request(id, body.map(str::as_bytes), 0)?;
    let (status, held) = send(method, url, &headers, body).await?;
    match held {
        Some(held) if status == 409 && held < u64::MAX => {
            let (_, headers) = library.feed_request(id, body.map(str::as_bytes), held + 1)?;
            send(method, url, &headers, body)
                .await
                .map(|(status, _)| status)
        }
        _ => Some(status),
    }
}

/// Sends one request to the relay; the response's status and the version it says it
/// holds, or `None` without a network.
async fn send(
    method: &str,
    url: &str,
    headers: &[(&str, String)],
    body: Option<&str>,
) -> Option<(u16, Option<u64>)> {
    let init = web_sys::RequestInit::new();
    init.set_method(method);
    let header_map = web_sys::Headers::new().ok()?;
    for (name, value) in headers {
        header_map.set(name, value).ok()?;
    }
    if body.is_some() {
        header_map
            .set("content-type", "text/calendar; charset=utf-8")
            .ok()?;
    }
    init.set_headers(&header_map);
    if let Some(body) = body {
        init.set_body(&wasm_bindgen::JsValue::from_str(body));
    }
    init.set_cache(web_sys::RequestCache::NoStore);
    let request = web_sys::Request::new_with_str_and_init(url, &init).ok()?;
    let response = JsFuture::from(window().fetch_with_request(&request))
        .await
        .ok()?;
    let response = response.dyn_into::<web_sys::Response>().ok()?;
    let held = response
        .headers()
        .get("x-landsbyplan-version")
        .ok()
        .flatten()
        .and_then(|version| version.trim().parse().ok());
    Some((response.status(), held))
}

/// The feed section of the network's screen.
#[component]
pub fn CalendarFeed(editor: Editor) -> impl IntoView {
    let i18n = expect_context::<I18n>();
    let library = expect_context::<Library>();
    let id = editor.id;
    let address = library.feed_request(id, None, 0).map(|(feed, _)| {
        let origin = window().location().origin().unwrap_or_default();
        format!("{origin}/calendar/{feed}.ics")
    });
    // None: not known yet (or no network to ask).
    let published = RwSignal::new(None::<bool>);
    let problem = RwSignal::new(None::<Message>);
    if let Some(url) = address.clone() {
        spawn_local(async move {
            published.set(
                send("GET", &url, &[], None)
                    .await
                    .map(|(status, _)| status == 200),
            );
        });
    }
    // The wheel's events (with a fixed stamp, so only a real change counts as one).
    let calendar = Memo::new(move |_| {
        let name = editor.read(|s| s.name()).unwrap_or_default();
        let events = editor.read(|s| s.wheel(None)).unwrap_or_default();
        (name, events)
    });
    // One request at a time: a change made while one is on its way is sent after it, so
    // an older calendar never lands last.
    let sending = StoredValue::new(false);
    let again = StoredValue::new(false);
    let publish = {
        let address = address.clone();
        move || {
            let Some(url) = address.clone() else { return };
            if sending.get_value() {
                again.set_value(true);
                return;
            }
            sending.set_value(true);
            spawn_local(async move {
                loop {
                    again.set_value(false);
                    let (name, events) = calendar.get_untracked();
                    let body = wheel_to_ics(&name, &events, chrono::Utc::now().timestamp());
                    match signed(library, id, &url, Some(&body)).await {
                        Some(204) => {
                            published.set(Some(true));
                            problem.set(None);
                        }
                        Some(_) => problem.set(Some(Message::plain("error-feed-refused"))),
                        None => problem.set(Some(Message::plain("error-feed-offline"))),
                    }
                    if !again.get_value() {
                        break;
                    }
                }
                sending.set_value(false);
            });
        }
    };
    // Once published, every change to the wheel is published again.
    {
        let publish = publish.clone();
        Effect::new(move |seen: Option<()>| {
            calendar.track();
            if seen.is_some() && published.get_untracked() == Some(true) {
                publish();
            }
        });
    }
    let withdraw = {
        let address = address.clone();
        move |_| {
            let Some(url) = address.clone() else { return };
            spawn_local(async move {
                match signed(library, id, &url, None).await {
                    Some(204) => published.set(Some(false)),
                    Some(_) => problem.set(Some(Message::plain("error-feed-refused"))),
                    None => problem.set(Some(Message::plain("error-feed-offline"))),
                }
            });
        }
    };
    let webcal = address.clone().map(|url| {
        url.replacen("https://", "webcal://", 1)
            .replacen("http://", "webcal://", 1)
    });
    view! {
        <section class="card" aria-labelledby="feed-heading">
            <h2 id="feed-heading">{move || i18n.t("feed-heading")}</h2>
            <p>{move || i18n.t("feed-intro")}</p>
            {move || match (published.get(), address.clone()) {
                (_, None) => view! { <p>{i18n.t("share-not-allowed")}</p> }.into_any(),
                (Some(true), Some(url)) => {
                    let webcal = webcal.clone().unwrap_or_default();
                    view! {
                        <label for="feed-url">{i18n.t("feed-url-label")}</label>
                        <input id="feed-url" type="text" readonly=true prop:value=url/>
                        <p><a href=webcal>{i18n.t("feed-subscribe")}</a></p>
                        <button type="button" class="secondary" on:click=withdraw.clone()>{i18n.t("feed-withdraw")}</button>
                    }
                    .into_any()
                }
                (known, Some(_)) => {
                    let publish = publish.clone();
                    view! {
                        {known.is_none().then(|| view! { <p>{i18n.t("feed-unknown")}</p> })}
                        <button type="button" on:click=move |_| publish()>{i18n.t("feed-publish")}</button>
                    }
                    .into_any()
                }
            }}
            {move || problem.get().map(|message| view! {
                <p class="error" role="alert">{i18n.t_with(message.key, &message.args)}</p>
            })}
        </section>
    }
}
