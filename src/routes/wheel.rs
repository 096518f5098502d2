//! The annual wheel drawn as a circle: the four seasons as a ring, the twelve months
//! around it, each event as a dot at its day of the year, and today marked. The list
//! beside it says the same in words for screen readers and for reading.

use chrono::{Datelike, NaiveDate};
use landsbyplan_model::{EventState, Season, WheelEvent};
use leptos::prelude::*;

use super::show_date;
use crate::i18n::I18n;

const CENTRE: f64 = 200.0;
const RING_OUTER: f64 = 190.0;
const RING_INNER: f64 = 158.0;
const MONTH_LABEL: f64 = 140.0;
const EVENTS: f64 = 112.0;

/// The angle (radians, clockwise from the top) of `date` in its year.
pub fn angle_of(date: NaiveDate) -> f64 {
    let days_in_year = if date.leap_year() { 366.0 } else { 365.0 };
    f64::from(date.ordinal0()) / days_in_year * std::f64::consts::TAU
}

/// The angle at which month `month` (1–12) of `year` starts.
fn month_start(year: i32, month: u32) -> f64 {
    NaiveDate::from_ymd_opt(year, month, 1).map_or(0.0, angle_of)
}

fn point(radius: f64, angle: f64) -> (f64, f64) {
    (CENTRE + radius * angle.sin(), CENTRE - radius * angle.cos())
}

/// A ring segment from angle `from` to `to`.
fn ring_segment(from: f64, to: f64) -> String {
    let large = if to - from > std::f64::consts::PI {
        1
    } else {
        0
    };
    let (ax, ay) = point(RING_OUTER, from);
    let (bx, by) = point(RING_OUTER, to);
    let (cx, cy) = point(RING_INNER, to);
    let (dx, dy) = point(RING_INNER, from);
    format!(
        "M{ax:.2} {ay:.2}A{RING_OUTER} {RING_OUTER} 0 {large} 1 {bx:.2} {by:.2}\
         L{cx:.2} {cy:.2}A{RING_INNER} {RING_INNER} 0 {large} 0 {dx:.2} {dy:.2}Z"
    )
}

/// The translation key of a season's name.
pub fn season_key(season: Season) -> &'static str {
    match season {
        Season::Winter => "season-winter",
        Season::Spring => "season-spring",
        Season::Summer => "season-summer",
        Season::Autumn => "season-autumn",
    }
}

/// The translation key of a month's short name (1–12).
pub fn month_short_key(month: u32) -> &'static str {
    const KEYS: [&str; 12] = [
        "month-short-1",
        "month-short-2",
        "month-short-3",
        "month-short-4",
        "month-short-5",
        "month-short-6",
        "month-short-7",
        "month-short-8",
        "month-short-9",
        "month-short-10",
        "month-short-11",
        "month-short-12",
    ];
    KEYS[(month.clamp(1, 12) - 1) as usize]
}

/// The translation key of a month's full name (1–12).
pub fn month_key(month: u32) -> &'static str {
    const KEYS: [&str; 12] = [
        "month-1", "month-2", "month-3", "month-4", "month-5", "month-6", "month-7", "month-8",
        "month-9", "month-10", "month-11", "month-12",
    ];
    KEYS[(month.clamp(1, 12) - 1) as usize]
}

/// The wheel of `year` with `events`; `today` is marked when it falls in that year.
#[component]
pub fn Wheel(
    year: Signal<i32>,
    events: Signal<Vec<WheelEvent>>,
    today: NaiveDate,
) -> impl IntoView {
    let i18n = expect_context::<I18n>();
    // Each season from the first day of its first month to that of the next season.
    let seasons = move || {
        let y = year.get();
        [
            (Season::Winter, month_start(y, 12), std::f64::consts::TAU, "winter"),
            (Season::Winter, 0.0, month_start(y, 3), "winter"),
            (Season::Spring, month_start(y, 3), month_start(y, 6), "spring"),
            (Season::Summer, month_start(y, 6), month_start(y, 9), "summer"),
            (Season::Autumn, month_start(y, 9), month_start(y, 12), "autumn"),
        ]
        .into_iter()
        .map(|(season, from, to, class)| {
            view! { <path class=format!("season {class}") d=ring_segment(from, to)><title>{move || i18n.t(season_key(season))}</title></path> }
        })
        .collect_view()
    };
    let season_labels = move || {
        let y = year.get();
        [
            (Season::Winter, 0.0),
            (Season::Spring, (month_start(y, 3) + month_start(y, 6)) / 2.0),
            (Season::Summer, (month_start(y, 6) + month_start(y, 9)) / 2.0),
            (Season::Autumn, (month_start(y, 9) + month_start(y, 12)) / 2.0),
        ]
        .into_iter()
        .map(|(season, angle)| {
            let (x, y) = point((RING_OUTER + RING_INNER) / 2.0, angle);
            view! {
                <text class="season-label" x=format!("{x:.1}") y=format!("{y:.1}") text-anchor="middle" dominant-baseline="middle">
                    {move || i18n.t(season_key(season))}
                </text>
            }
        })
        .collect_view()
    };
    let months = move || {
        let y = year.get();
        (1..=12u32)
            .map(|month| {
                let from = month_start(y, month);
                let to = if month == 12 { std::f64::consts::TAU } else { month_start(y, month + 1) };
                let (x1, y1) = point(RING_INNER, from);
                let (x2, y2) = point(EVENTS - 16.0, from);
                let (lx, ly) = point(MONTH_LABEL, (from + to) / 2.0);
                view! {
                    <line class="month-tick" x1=format!("{x1:.1}") y1=format!("{y1:.1}") x2=format!("{x2:.1}") y2=format!("{y2:.1}")/>
                    <text class="month-label" x=format!("{lx:.1}") y=format!("{ly:.1}") text-anchor="middle" dominant-baseline="middle">
                        {move || i18n.t(month_short_key(month))}
                    </text>
                }
            })
            .collect_view()
    };
    let dots = move || {
        events
            .get()
            .into_iter()
            .map(|event| {
                let (x, y) = point(EVENTS, angle_of(event.fields.date));
                let cancelled = event.state == EventState::Cancelled;
                let label = format!(
                    "{} – {}",
                    show_date(i18n, event.fields.date),
                    event.fields.title
                );
                view! {
                    <circle
                        class=if cancelled { "event cancelled" } else { "event" }
                        data-date=event.fields.date.to_string()
                        cx=format!("{x:.2}")
                        cy=format!("{y:.2}")
                        r="6"
                    >
                        <title>{label}</title>
                    </circle>
                }
            })
            .collect_view()
    };
    let today_mark = move || {
        (today.year() == year.get()).then(|| {
            let angle = angle_of(today);
            let (x, y) = point(RING_OUTER + 6.0, angle);
            let (lx, ly) = point(EVENTS - 34.0, angle);
            view! {
                <line class="today" x1=CENTRE y1=CENTRE x2=format!("{x:.1}") y2=format!("{y:.1}")/>
                <text class="today-label" x=format!("{lx:.1}") y=format!("{ly:.1}") text-anchor="middle" dominant-baseline="middle">
                    {move || i18n.t("wheel-today")}
                </text>
            }
        })
    };
    view! {
        <svg
            class="wheel"
            viewBox="-16 -4 432 408"
            role="img"
            aria-label=move || i18n.t_with("wheel-label", &[("year", year.get().to_string())])
            xmlns="http://www.w3.org/2000/svg"
        >
            {seasons}
            {season_labels}
            {months}
            <circle class="hub" cx=CENTRE cy=CENTRE r="44"/>
            <text class="wheel-year" x=CENTRE y=CENTRE text-anchor="middle" dominant-baseline="middle">
                {move || year.get().to_string()}
            </text>
            {dots}
            {today_mark}
        </svg>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_year_is_at_the_top_and_the_year_goes_round_clockwise() {
        let day = |m, d| NaiveDate::from_ymd_opt(2027, m, d).unwrap();
        assert_eq!(angle_of(day(1, 1)), 0.0);
        let (x, y) = point(100.0, angle_of(day(1, 1)));
        assert!(
            (x - CENTRE).abs() < 1e-9 && y < CENTRE,
            "1 January straight up"
        );
        let (x, _) = point(100.0, angle_of(day(4, 1)));
        assert!(x > CENTRE, "spring on the right");
        let (_, y) = point(100.0, angle_of(day(7, 2)));
        assert!(y > CENTRE, "midsummer at the bottom");
        assert!(angle_of(day(12, 31)) < std::f64::consts::TAU);
    }
}
