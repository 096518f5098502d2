//! Reading a connection code with the phone's camera, inside the app (issue 14): the
//! connect screen's way to take a code in besides pasting it. A few times a second the
//! camera's picture is drawn into a canvas of at most 640 pixels across and searched for
//! a QR code by `rqrr` (pure Rust: the browsers' own `BarcodeDetector` is missing on
//! iPhones and desktop browsers).

use js_sys::Reflect;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    CanvasRenderingContext2d, HtmlCanvasElement, HtmlVideoElement, MediaStream,
    MediaStreamConstraints, MediaStreamTrack,
};

/// The widest picture searched, in pixels: enough for a code held at arm's length, and
/// quick to search on a phone.
const MOST_PIXELS_ACROSS: f64 = 640.0;

/// The sizes a picture is searched at, one per attempt in turn: a code that the search
/// misses at one size (its modules falling awkwardly on the pixels) it finds at another,
/// also when the phone is held still. Four were too few: a still picture of a version 9
/// code, 166 pixels across in a 640 × 480 picture, was missed at all of 1, 0.9, 0.8 and
/// 0.75 in the browser (the e2e camera test failed now and then on such codes), and found
/// at 0.6 when resampled outside it.
const SCALES: [f64; 8] = [1.0, 0.9, 0.8, 0.75, 0.7, 0.65, 0.6, 0.55];

/// The camera, while it is open.
pub struct Camera {
    stream: MediaStream,
}

/// A message key for what went wrong (the browser's own words go to the console).
fn problem(key: &'static str, err: JsValue) -> &'static str {
    leptos::logging::warn!("camera: {key}: {err:?}");
    key
}

/// Why the browser would not open the camera, by the name of its error.
fn refused(err: JsValue) -> &'static str {
    let name = Reflect::get(&err, &"name".into())
        .ok()
        .and_then(|name| name.as_string())
        .unwrap_or_default();
    let key = match name.as_str() {
        "NotAllowedError" | "SecurityError" => "scan-camera-refused",
        "NotReadableError" | "AbortError" => "scan-camera-busy",
        _ => "scan-no-camera",
    };
    problem(key, err)
}

impl Camera {
    /// Opens the camera facing away from the person (the back camera of a phone) and
    /// shows its picture in `video`.
    pub async fn open(video: &HtmlVideoElement) -> Result<Self, &'static str> {
        let devices = web_sys::window()
            .ok_or("scan-no-camera")?
            .navigator()
            .media_devices()
            .map_err(|e| problem("scan-no-camera", e))?;
        let wanted = js_sys::Object::new();
        let _ = Reflect::set(&wanted, &"facingMode".into(), &"environment".into());
        let constraints = MediaStreamConstraints::new();
        constraints.set_video(&wanted);
        constraints.set_audio(&JsValue::FALSE);
        let asked = devices
            .get_user_media_with_constraints(&constraints)
            .map_err(|e| problem("scan-no-camera", e))?;
        let stream: MediaStream = JsFuture::from(asked)
            .await
            .map_err(refused)?
            .unchecked_into();
        video.set_muted(true);
        video.set_src_object(Some(&stream));
        // Not waited for: the picture is read once it has a size, whenever that is.
        let _ = video.play();
        Ok(Self { stream })
    }

    /// Turns the camera off.
    pub fn stop(&self) {
        for track in self.stream.get_tracks() {
            track.unchecked_into::<MediaStreamTrack>().stop();
        }
    }
}

/// The text of a QR code in what `video` shows now, if one can be read, on the
/// `attempt`th try (`canvas` is drawn on; it need not be on the page).
pub fn read(
    video: &HtmlVideoElement,
    canvas: &HtmlCanvasElement,
    attempt: usize,
) -> Option<String> {
    let (width, height) = (video.video_width(), video.video_height());
    if width == 0 || height == 0 {
        return None;
    }
    let scale = (MOST_PIXELS_ACROSS / f64::from(width.max(height))).min(1.0)
        * SCALES[attempt % SCALES.len()];
    let (across, down) = (
        (f64::from(width) * scale).round(),
        (f64::from(height) * scale).round(),
    );
    canvas.set_width(across as u32);
    canvas.set_height(down as u32);
    let options = js_sys::Object::new();
    let _ = Reflect::set(&options, &"willReadFrequently".into(), &JsValue::TRUE);
    let context: CanvasRenderingContext2d = canvas
        .get_context_with_context_options("2d", &options)
        .ok()??
        .dyn_into()
        .ok()?;
    context
        .draw_image_with_html_video_element_and_dw_and_dh(video, 0.0, 0.0, across, down)
        .ok()?;
    let pixels = context.get_image_data(0.0, 0.0, across, down).ok()?.data();
    decode(across as usize, down as usize, &pixels)
}

/// The text of a QR code in a picture of `width` × `height` pixels, four bytes each
/// (red, green, blue, alpha), if one can be read.
pub fn decode(width: usize, height: usize, rgba: &[u8]) -> Option<String> {
    if rgba.len() != width.checked_mul(height)?.checked_mul(4)? {
        return None;
    }
    // Luma as video does it (BT.601), in integers.
    let grey: Vec<u8> = rgba
        .chunks_exact(4)
        .map(|p| {
            let luma = u32::from(p[0]) * 77 + u32::from(p[1]) * 150 + u32::from(p[2]) * 29;
            (luma >> 8) as u8
        })
        .collect();
    let mut image =
        rqrr::PreparedImage::prepare_from_greyscale(width, height, |x, y| grey[y * width + x]);
    image
        .detect_grids()
        .into_iter()
        .find_map(|grid| grid.decode().ok().map(|(_, text)| text))
}
