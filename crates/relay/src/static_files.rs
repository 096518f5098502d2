//! Serves the built app: correct MIME types (`.wasm` as `application/wasm`), the brotli or
//! gzip copy the build made of each file when the browser accepts it (`Vary:
//! Accept-Encoding`), revalidated caching, and a strict Content-Security-Policy that
//! allows exactly the inline scripts of the app's own `index.html` by hash.

use std::path::{Path, PathBuf};

use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode, Uri, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, get};
use base64::Engine;
use sha2::{Digest, Sha256};
use tower::Layer;
use tower_http::services::ServeDir;
use tower_http::set_header::SetResponseHeaderLayer;

pub(crate) fn service(app_dir: &Path) -> MethodRouter {
    let csp = content_security_policy(
        &std::fs::read_to_string(app_dir.join("index.html")).unwrap_or_default(),
    );
    let index = app_dir.join("index.html");
    let files = ServeDir::new(app_dir)
        .precompressed_br()
        .precompressed_gzip()
        .fallback(get(move |uri: Uri| app_route(uri, index.clone())));
    let files = SetResponseHeaderLayer::appending(
        header::VARY,
        HeaderValue::from_static("accept-encoding"),
    )
    .layer(files);
    let files = SetResponseHeaderLayer::overriding(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    )
    .layer(files);
    let files =
        SetResponseHeaderLayer::overriding(header::CONTENT_SECURITY_POLICY, csp).layer(files);
    axum::routing::get_service(files).layer(axum::middleware::from_fn(cache_policy))
}

/// Files whose names (or folders) carry a content hash never change: browsers keep them for a
/// year. Everything else (`index.html`, the service worker, the manifest) is revalidated
/// on every use, so a new build is seen at once.
async fn cache_policy(request: Request, next: Next) -> Response {
    let immutable = has_content_hash(request.uri().path());
    let mut response = next.run(request).await;
    let policy = if immutable && response.status().is_success() {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    };
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static(policy));
    response
}

/// `name-0123456789abcdef.ext`, `name-0123456789abcdef_bg.wasm`, or any file in a folder
/// named so (`wasm-0123456789abcdef/…`: the app's code, whose files name each other).
fn has_content_hash(path: &str) -> bool {
    let mut parts = path.rsplit('/');
    let file = parts.next().unwrap_or_default();
    let stem = file.split('.').next().unwrap_or_default();
    let stem = stem.strip_suffix("_bg").unwrap_or(stem);
    let hashed = |name: &str| {
        name.rsplit_once('-').is_some_and(|(_, hash)| {
            hash.len() == 16 && hash.bytes().all(|b| b.is_ascii_hexdigit())
        })
    };
    // A file: an address with no extension is a screen, answered with `index.html`.
    file.contains('.') && (hashed(stem) || parts.next().is_some_and(hashed))
}

/// An address that is no file: the app's own screens (`/space/…`, no file extension) get
/// `index.html`, so a link to a screen opens the app there; anything else is not found.
async fn app_route(uri: Uri, index: PathBuf) -> Response {
    let last = uri.path().rsplit('/').next().unwrap_or_default();
    if !last.contains('.')
        && let Ok(html) = tokio::fs::read(&index).await
    {
        return ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], html).into_response();
    }
    (
        StatusCode::NOT_FOUND,
        format!("not found: {}\n", uri.path()),
    )
        .into_response()
}

/// The policy for `index_html`: only this origin, plus its inline scripts by hash.
fn content_security_policy(index_html: &str) -> HeaderValue {
    let hashes: String = inline_scripts(index_html)
        .map(|script| {
            let digest = Sha256::digest(script.as_bytes());
            format!(
                " 'sha256-{}'",
                base64::engine::general_purpose::STANDARD.encode(digest)
            )
        })
        .collect();
    let policy = format!(
        "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'{hashes}; \
         style-src 'self'; img-src 'self' data:; connect-src 'self'; worker-src 'self'; \
         manifest-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; \
         form-action 'self'"
    );
    HeaderValue::from_str(&policy).expect("the policy is ASCII without control characters")
}

/// The bodies of `<script>` elements that have no `src`.
fn inline_scripts(html: &str) -> impl Iterator<Item = &str> {
    html.split("<script").skip(1).filter_map(|rest| {
        let (attributes, rest) = rest.split_once('>')?;
        if attributes.contains("src=") {
            return None;
        }
        let (body, _) = rest.split_once("</script>")?;
        Some(body)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_files_named_by_their_content_hash_are_cached_for_good() {
        assert!(has_content_hash("/landsbyplan-fa7a4210d9472e11_bg.wasm"));
        assert!(has_content_hash("/app-2bbb119a4ba526f3.css"));
        assert!(has_content_hash("/wasm-2bbb119a4ba526f3/split_engine.wasm"));
        assert!(has_content_hash("/wasm-2bbb119a4ba526f3/__wasm_split.js"));
        assert!(!has_content_hash("/wasm/split_engine.wasm"));
        assert!(!has_content_hash("/wasm-2bbb119a4ba526f3/deeper/x.wasm"));
        assert!(!has_content_hash("/wasm-2bbb119a4ba526f3/"));
        assert!(!has_content_hash("/wasm-2bbb119a4ba526f3/space"));
        assert!(!has_content_hash("/"));
        assert!(!has_content_hash("/sw.js"));
        assert!(!has_content_hash("/index.html"));
        assert!(!has_content_hash("/icon-192.png"));
    }

    #[test]
    fn only_inline_scripts_are_hashed_into_the_policy() {
        let html = r#"<script src="/a.js"></script><script type="module">init()</script>"#;
        let scripts: Vec<_> = inline_scripts(html).collect();
        assert_eq!(scripts, vec!["init()"]);
        let policy = content_security_policy(html);
        let expected = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(b"init()"));
        assert!(
            policy
                .to_str()
                .unwrap()
                .contains(&format!("'sha256-{expected}'"))
        );
    }
}
