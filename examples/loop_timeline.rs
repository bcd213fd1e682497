//! Draws a oneloop trace file as an SVG timeline, without another program.
//!
//! Record a run with `ONELOOP_TRACE=chrome:TRACE.json` (or `Builder::trace_file`), then:
//!
//! ```text
//! cargo run --example loop_timeline -- TRACE.json [-o loop.svg] [--last MS]
//! ```
//!
//! `--last MS` draws only the last MS milliseconds of the run (the end of a program, where
//! cancellations and cleanups happen, is often a few milliseconds after seconds of waiting).
//!
//! Time runs left to right. The top row is the loop: one colour per phase of a turn (the
//! grey of `wait` is the loop asleep in `epoll_wait`), green ticks above it where timers
//! fired. Below it, one row per task, blue where it was being polled; an orange mark where
//! `cancel()` was called on it and a red one where the `Cancelled` was delivered.
//!
//! A run of seconds holds far more slices than the picture has pixels, so each row is drawn
//! per pixel column: the column takes the colour of what filled most of it, and is paler the
//! less of it was filled. The trace is read with `serde_json`; the SVG is written by hand.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::process::ExitCode;

use serde_json::Value;

/// Width of the time axis, in pixels.
const PLOT_WIDTH: usize = 1200;
/// Room for the row labels on the left.
const LABEL_WIDTH: usize = 150;
/// The loop's phases, in turn order, and their colours.
const PHASES: [(&str, &str); 6] = [
    ("wait", "#d9d9d9"),
    ("io", "#e6550d"),
    ("remote", "#9467bd"),
    ("timers", "#31a354"),
    ("deferred", "#fdae6b"),
    ("run", "#3182bd"),
];
const POLL_COLOUR: &str = "#3182bd";
const REQUESTED_COLOUR: &str = "#ff7f0e";
const DELIVERED_COLOUR: &str = "#d62728";
const TIMER_COLOUR: &str = "#31a354";

/// One row of the picture: per pixel column, the time covered by each kind of slice.
struct Row {
    label: String,
    /// `cover[x][k]`: microseconds of kind `k` (a phase index, or 0 for a poll) in column x.
    cover: Vec<[f64; 6]>,
    /// Columns with a cancel request, and with a delivery.
    requested: Vec<usize>,
    delivered: Vec<usize>,
}

impl Row {
    fn new(label: String) -> Row {
        Row {
            label,
            cover: vec![[0.0; 6]; PLOT_WIDTH],
            requested: Vec::new(),
            delivered: Vec::new(),
        }
    }

    /// Adds a slice of kind `kind` from `start` lasting `dur` (µs) to the columns it covers.
    fn add(&mut self, scale: &Scale, kind: usize, start: f64, dur: f64) {
        let end = start + dur;
        let (first, last) = (scale.column(start), scale.column(end));
        for x in first..=last {
            let (col_start, col_end) = (scale.time(x), scale.time(x + 1));
            let overlap = end.min(col_end) - start.max(col_start);
            if overlap > 0.0 {
                self.cover[x][kind] += overlap;
            } else if dur == 0.0 && x == first {
                self.cover[x][kind] += f64::MIN_POSITIVE; // an empty slice still shows
            }
        }
    }
}

/// Maps trace time (µs) to pixel columns.
struct Scale {
    start: f64,
    per_px: f64,
}

impl Scale {
    fn column(&self, t: f64) -> usize {
        let x = ((t - self.start) / self.per_px).floor();
        (x.max(0.0) as usize).min(PLOT_WIDTH - 1)
    }

    fn time(&self, x: usize) -> f64 {
        self.start + x as f64 * self.per_px
    }
}

fn main() -> ExitCode {
    let Some((input, output, last_ms)) = parse_args(std::env::args().skip(1)) else {
        eprintln!("usage: loop_timeline TRACE.json [-o loop.svg] [--last MS]");
        return ExitCode::from(2);
    };
    let text = match std::fs::read_to_string(&input) {
        Ok(text) => text,
        Err(e) => {
            eprintln!("cannot read {input}: {e}");
            return ExitCode::FAILURE;
        }
    };
    let trace: Value = match serde_json::from_str(&text) {
        Ok(trace) => trace,
        Err(e) => {
            eprintln!("{input} is not a JSON trace: {e}");
            return ExitCode::FAILURE;
        }
    };
    let Some(events) = trace["traceEvents"].as_array() else {
        eprintln!("{input} has no traceEvents: is it a trace file?");
        return ExitCode::FAILURE;
    };
    let mut title = format!("{input}: {}", summary(&trace, events));
    if let Some(ms) = last_ms {
        let _ = write!(title, "; its last {ms} ms");
    }
    let svg = draw(events, &title, last_ms.map(|ms| ms * 1000.0));
    if let Err(e) = std::fs::write(&output, svg) {
        eprintln!("cannot write {output}: {e}");
        return ExitCode::FAILURE;
    }
    println!("wrote {output}");
    ExitCode::SUCCESS
}

/// `TRACE.json [-o OUT] [--last MS]`, in any order after the input.
fn parse_args(mut args: impl Iterator<Item = String>) -> Option<(String, String, Option<f64>)> {
    let input = args.next()?;
    let (mut output, mut last) = ("loop.svg".to_string(), None);
    while let Some(flag) = args.next() {
        match flag.as_str() {
            "-o" => output = args.next()?,
            "--last" => last = Some(args.next()?.parse::<f64>().ok().filter(|ms| *ms > 0.0)?),
            _ => return None,
        }
    }
    Some((input, output, last))
}

/// Turns, polls and the dropped-events note, for the title.
fn summary(trace: &Value, events: &[Value]) -> String {
    let count = |name: &str| events.iter().filter(|e| e["name"] == name).count();
    let mut s = format!("{} turns, {} polls", count("wait"), count("poll"));
    if let Some(dropped) = trace["otherData"]["events_dropped"]
        .as_u64()
        .filter(|&d| d > 0)
    {
        let _ = write!(s, " (the trace hit its cap: {dropped} events missing)");
    }
    s
}

/// The SVG of `events`; with `last_us`, of their last `last_us` microseconds only.
fn draw(events: &[Value], title: &str, last_us: Option<f64>) -> String {
    let num = |e: &Value, key: &str| e[key].as_f64().unwrap_or(0.0);
    let tid = |e: &Value| e["tid"].as_u64().unwrap_or(0);
    // The time span and the rows (the loop, then every task in id order).
    let timed = events.iter().filter(|e| e["ph"] != "M");
    let start = timed.clone().map(|e| num(e, "ts")).fold(f64::MAX, f64::min);
    let end = timed
        .map(|e| num(e, "ts") + num(e, "dur"))
        .fold(f64::MIN, f64::max);
    let (start, end) = if start <= end {
        (start, end.max(start + 1.0))
    } else {
        (0.0, 1.0)
    };
    let start = last_us.map_or(start, |last| start.max(end - last));
    let scale = Scale {
        start,
        per_px: (end - start) / PLOT_WIDTH as f64,
    };
    let mut rows: BTreeMap<u64, Row> = BTreeMap::new();
    rows.insert(0, Row::new("loop".into()));
    for e in events
        .iter()
        .filter(|e| e["ph"] == "M" && e["name"] == "thread_name")
    {
        let label = e["args"]["name"].as_str().unwrap_or("?").to_string();
        rows.insert(tid(e), Row::new(label));
    }
    let mut timer_columns = Vec::new();
    for e in events {
        let Some(row) = rows.get_mut(&tid(e)) else {
            continue;
        };
        let (ts, name) = (num(e, "ts"), e["name"].as_str().unwrap_or(""));
        if ts + num(e, "dur") < start {
            continue; // before the window
        }
        match (e["ph"].as_str(), name) {
            (Some("X"), "poll") => row.add(&scale, 0, ts, num(e, "dur")),
            (Some("X"), phase) => {
                if let Some(k) = PHASES.iter().position(|(p, _)| *p == phase) {
                    row.add(&scale, k, ts, num(e, "dur"));
                }
            }
            (Some("i"), "timer fire") => timer_columns.push(scale.column(ts)),
            (Some("i"), "cancel requested") => row.requested.push(scale.column(ts)),
            (Some("i"), "cancel delivered") => row.delivered.push(scale.column(ts)),
            _ => {}
        }
    }
    timer_columns.dedup();

    // Rows get thinner as there are more of them; labels only while they fit.
    let row_h = (900 / rows.len().max(1)).clamp(3, 18);
    let top = 60;
    let axis_y = top + rows.len() * row_h + 6;
    let (width, height) = (LABEL_WIDTH + PLOT_WIDTH + 20, axis_y + 70);
    let mut svg = String::new();
    let _ = writeln!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="11">"#
    );
    let _ = writeln!(
        svg,
        r#"<rect width="{width}" height="{height}" fill="white"/>"#
    );
    let _ = writeln!(
        svg,
        r#"<text x="10" y="20" font-size="13">{}</text>"#,
        escape(title)
    );
    for (i, tick) in timer_columns.iter().enumerate() {
        let x = LABEL_WIDTH + tick;
        let title = if i == 0 {
            "<title>timer fire</title>"
        } else {
            ""
        };
        let _ = writeln!(
            svg,
            r#"<line x1="{x}" y1="{}" x2="{x}" y2="{top}" stroke="{TIMER_COLOUR}">{title}</line>"#,
            top - 8
        );
    }
    for (i, row) in rows.values().enumerate() {
        let y = top + i * row_h;
        if i % 2 == 1 {
            let _ = writeln!(
                svg,
                r##"<rect x="{LABEL_WIDTH}" y="{y}" width="{PLOT_WIDTH}" height="{row_h}" fill="#f7f7f7"/>"##
            );
        }
        if row_h >= 9 || i == 0 {
            let _ = writeln!(
                svg,
                r#"<text x="{}" y="{}" text-anchor="end">{}</text>"#,
                LABEL_WIDTH - 6,
                y + row_h.min(12) - 2,
                escape(&row.label)
            );
        }
        draw_row(&mut svg, row, i == 0, y, row_h, scale.per_px);
    }
    draw_axis(&mut svg, &scale, axis_y);
    draw_legend(&mut svg, axis_y + 40);
    svg.push_str("</svg>\n");
    svg
}

/// One row, as runs of pixel columns of the same colour and shade.
fn draw_row(svg: &mut String, row: &Row, is_loop: bool, y: usize, h: usize, per_px: f64) {
    let colour_of = |k: usize| if is_loop { PHASES[k].1 } else { POLL_COLOUR };
    // Per column: the kind that filled most of it, and a shade from how full it was. On the
    // loop's row, `wait` (kind 0) is the loop asleep: any other phase in the column wins,
    // so that every turn shows however short it was.
    let columns: Vec<Option<(usize, u8)>> = row
        .cover
        .iter()
        .map(|cover| {
            let from = usize::from(is_loop && cover[1..].iter().any(|c| *c > 0.0));
            let (k, _) = cover
                .iter()
                .enumerate()
                .skip(from)
                .max_by(|a, b| a.1.total_cmp(b.1))?;
            let filled: f64 = cover[from..].iter().sum();
            if filled <= 0.0 {
                return None;
            }
            // Four shades, the palest still easy to see: a poll of a few microseconds in a
            // column of milliseconds must not vanish; a full column is solid.
            let shade = ((filled / per_px) * 4.0).ceil().clamp(2.0, 4.0) as u8;
            Some((k, shade))
        })
        .collect();
    let mut x = 0;
    while x < columns.len() {
        let Some((k, shade)) = columns[x] else {
            x += 1;
            continue;
        };
        let run = columns[x..]
            .iter()
            .take_while(|c| **c == columns[x])
            .count();
        let _ = writeln!(
            svg,
            r#"<rect x="{}" y="{}" width="{run}" height="{}" fill="{}" fill-opacity="{}"/>"#,
            LABEL_WIDTH + x,
            y + 1,
            h.saturating_sub(2).max(1),
            colour_of(k),
            f64::from(shade) / 4.0
        );
        x += run;
    }
    for (columns, colour, what) in [
        (&row.requested, REQUESTED_COLOUR, "cancel requested"),
        (&row.delivered, DELIVERED_COLOUR, "cancel delivered"),
    ] {
        for column in columns {
            let x = LABEL_WIDTH + column;
            let _ = writeln!(
                svg,
                r#"<path d="M{} {} l4 -6 h-8 z" fill="{colour}"><title>{what}</title></path>"#,
                x,
                y + h
            );
        }
    }
}

/// The time axis: ticks at round numbers of milliseconds or seconds.
fn draw_axis(svg: &mut String, scale: &Scale, y: usize) {
    let span = scale.per_px * PLOT_WIDTH as f64; // µs
    let raw = span / 10.0;
    let magnitude = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|m| m * magnitude)
        .find(|s| *s >= raw)
        .unwrap_or(magnitude * 10.0);
    let _ = writeln!(
        svg,
        r#"<line x1="{LABEL_WIDTH}" y1="{y}" x2="{}" y2="{y}" stroke="black"/>"#,
        LABEL_WIDTH + PLOT_WIDTH
    );
    let mut t = 0.0;
    while t <= span {
        let x = LABEL_WIDTH + ((t / scale.per_px) as usize).min(PLOT_WIDTH);
        let label = if step >= 1e6 {
            format!("{}s", t / 1e6)
        } else if step >= 1e3 {
            format!("{}ms", t / 1e3)
        } else {
            format!("{}µs", t)
        };
        let _ = writeln!(
            svg,
            r#"<line x1="{x}" y1="{y}" x2="{x}" y2="{}" stroke="black"/><text x="{x}" y="{}" text-anchor="middle">{label}</text>"#,
            y + 5,
            y + 17
        );
        t += step;
    }
}

fn draw_legend(svg: &mut String, y: usize) {
    let mut x = LABEL_WIDTH;
    let items = PHASES
        .iter()
        .map(|(name, colour)| (format!("loop: {name}"), *colour))
        .chain([
            ("task: poll".to_string(), POLL_COLOUR),
            ("timer fire".to_string(), TIMER_COLOUR),
            ("cancel requested".to_string(), REQUESTED_COLOUR),
            ("cancel delivered".to_string(), DELIVERED_COLOUR),
        ]);
    for (label, colour) in items {
        let _ = writeln!(
            svg,
            r#"<rect x="{x}" y="{}" width="10" height="10" fill="{colour}"/><text x="{}" y="{y}">{label}</text>"#,
            y - 9,
            x + 14
        );
        x += 14 + 7 * label.len() + 12;
    }
}

/// `text` made safe inside an XML element.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}
