//! The trace recorder: what `ONELOOP_TRACE=chrome:PATH` (or `Builder::trace_file`) writes.
//!
//! The loop calls the hooks below at each phase of a turn and around each poll; with no
//! recorder (the default) each hook is one branch on `Core::recorder`. With one, events are
//! buffered in memory, at most [`MAX_EVENTS`], and written when the `Runtime` is dropped, in
//! the Chrome Trace Event Format (JSON, what Perfetto and Chromium's `about:tracing` open):
//!
//! * track 0, "loop": one slice per phase of each turn (`wait`, `io`, `remote`, `timers`,
//!   `deferred`, `run`), and instant events `timer fire` (one per timer that fired);
//! * one track per task (named from `task::Builder::name`, else `task N`; the track id is the
//!   task id): one slice `poll` per poll, instant events `cancel requested` and
//!   `cancel delivered`;
//! * flow arrows from each wake (in the phase or the poll that woke the task) to the poll
//!   that wake caused: the arrow starts where `Core::schedule` put the task on the run queue.
//!
//! DESIGN.md ("Seeing the loop") shows how to read one; `examples/loop_timeline.rs` draws it.

use std::fmt::Write as _;
use std::io;
use std::path::PathBuf;
use std::rc::Rc;
use std::time::Instant;

use super::context::Core;

/// Events kept in memory before recording stops (about 40 bytes each: 40 MB at the cap).
/// A busy server turns about a million times a minute; the cap keeps a forgotten
/// `ONELOOP_TRACE` from eating the machine, and the file says when it was hit.
pub(crate) const MAX_EVENTS: usize = 1_000_000;

/// The phases of one turn, in order (`src/runtime.rs` numbers them 1 to 6; 1 and 2, deciding
/// how long to wait and waiting, are one slice: `wait`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Phase {
    /// Deciding how long to wait, then waiting in the reactor.
    Wait,
    /// Waking the tasks whose I/O sources are ready.
    Io,
    /// Taking wakes from other threads (the inject queue).
    Remote,
    /// Firing due timers.
    Timers,
    /// Waking the deferred list (`yield_now`, spent budgets).
    Deferred,
    /// Polling ready tasks.
    Run,
}

impl Phase {
    fn name(self) -> &'static str {
        match self {
            Phase::Wait => "wait",
            Phase::Io => "io",
            Phase::Remote => "remote",
            Phase::Timers => "timers",
            Phase::Deferred => "deferred",
            Phase::Run => "run",
        }
    }
}

/// What one recorded event is.
#[derive(Clone, Copy, Debug)]
enum Kind {
    /// A slice (`"ph":"X"`) of `dur_ns` nanoseconds.
    Slice { name: &'static str, dur_ns: u64 },
    /// An instant event (`"ph":"i"`), with a short note (what the task waited on).
    Instant {
        name: &'static str,
        note: &'static str,
    },
    /// The tail of a flow arrow (`"ph":"s"`), where a wake scheduled a task.
    FlowStart { flow: u64 },
    /// The head of a flow arrow (`"ph":"f"`), at the start of the poll the wake caused.
    FlowEnd { flow: u64 },
}

/// One event: when (ns since the recorder started), on which track, what.
#[derive(Clone, Copy, Debug)]
struct Event {
    ts_ns: u64,
    /// 0 for the loop, else the task id.
    track: u64,
    kind: Kind,
}

/// The in-memory trace of one loop.
pub(crate) struct Recorder {
    /// Where the trace goes when the `Runtime` is dropped.
    path: PathBuf,
    /// Time zero of the trace.
    epoch: Instant,
    events: Vec<Event>,
    /// Events not recorded because the buffer was full.
    dropped: u64,
    /// The phase running now and when it began (closed into a slice by the next phase).
    phase: Option<(Phase, Instant)>,
    /// The task being polled now (its id) and when its poll began.
    polling: Option<(u64, Instant)>,
    /// Every task seen, `(id, name)`, for the track names.
    tasks: Vec<(u64, Option<Rc<str>>)>,
    /// Per task slot: the flow arrow waiting for the task's next poll (0: none).
    pending_flow: Vec<u64>,
    /// The last flow id handed out.
    next_flow: u64,
}

impl Recorder {
    pub(crate) fn new(path: PathBuf) -> Recorder {
        Recorder {
            path,
            epoch: Instant::now(),
            events: Vec::with_capacity(4096),
            dropped: 0,
            phase: None,
            polling: None,
            tasks: Vec::new(),
            pending_flow: Vec::new(),
            next_flow: 0,
        }
    }

    fn ns(&self, at: Instant) -> u64 {
        u64::try_from(at.saturating_duration_since(self.epoch).as_nanos()).unwrap_or(u64::MAX)
    }

    fn push(&mut self, at: Instant, track: u64, kind: Kind) {
        if self.events.len() >= MAX_EVENTS {
            self.dropped += 1;
            return;
        }
        let ts_ns = self.ns(at);
        self.events.push(Event { ts_ns, track, kind });
    }

    fn slice(&mut self, track: u64, name: &'static str, from: Instant, to: Instant) {
        let dur_ns = u64::try_from(to.saturating_duration_since(from).as_nanos()).unwrap_or(0);
        self.push(from, track, Kind::Slice { name, dur_ns });
    }

    /// The track a wake happening now belongs to: the task being polled, else the loop.
    fn waking_track(&self) -> u64 {
        self.polling.map_or(0, |(id, _)| id)
    }

    /// Writes the trace as Chrome Trace Event Format JSON.
    pub(crate) fn write(&self) -> io::Result<()> {
        std::fs::write(&self.path, self.to_json())
    }

    fn to_json(&self) -> String {
        let mut out = String::with_capacity(self.events.len() * 80 + 1024);
        out.push_str("{\"displayTimeUnit\":\"ms\",\"otherData\":{\"recorder\":\"oneloop\"");
        let _ = write!(out, ",\"events_dropped\":{}", self.dropped);
        if self.dropped > 0 {
            let _ = write!(
                out,
                ",\"note\":\"the cap of {MAX_EVENTS} events was hit: the last {} events are missing\"",
                self.dropped
            );
        }
        out.push_str("},\"traceEvents\":[\n");
        let mut first = true;
        let mut line = |out: &mut String, text: &str| {
            if !first {
                out.push_str(",\n");
            }
            first = false;
            out.push_str(text);
        };
        line(&mut out, &meta(0, "thread_name", "\"name\":\"loop\""));
        line(&mut out, &meta(0, "thread_sort_index", "\"sort_index\":0"));
        for (id, name) in &self.tasks {
            let name = match name {
                Some(name) => format!("{} (task {id})", json_str(name)),
                None => format!("task {id}"),
            };
            line(
                &mut out,
                &meta(*id, "thread_name", &format!("\"name\":\"{name}\"")),
            );
            let sort = format!("\"sort_index\":{id}");
            line(&mut out, &meta(*id, "thread_sort_index", &sort));
        }
        if self.dropped > 0 {
            let at = self.events.last().map_or(0, |e| e.ts_ns);
            let text = format!(
                "{{\"ph\":\"i\",\"s\":\"g\",\"pid\":1,\"tid\":0,\"ts\":{},\"name\":\"trace cap hit: {} events dropped\"}}",
                us(at),
                self.dropped
            );
            line(&mut out, &text);
        }
        for e in &self.events {
            let (pid, tid, ts) = (1, e.track, us(e.ts_ns));
            let text = match e.kind {
                Kind::Slice { name, dur_ns } => format!(
                    "{{\"ph\":\"X\",\"pid\":{pid},\"tid\":{tid},\"ts\":{ts},\"dur\":{},\"name\":\"{name}\"}}",
                    us(dur_ns)
                ),
                Kind::Instant { name, note: "" } => format!(
                    "{{\"ph\":\"i\",\"s\":\"t\",\"pid\":{pid},\"tid\":{tid},\"ts\":{ts},\"name\":\"{name}\"}}"
                ),
                Kind::Instant { name, note } => format!(
                    "{{\"ph\":\"i\",\"s\":\"t\",\"pid\":{pid},\"tid\":{tid},\"ts\":{ts},\"name\":\"{name}\",\"args\":{{\"waits_on\":\"{note}\"}}}}"
                ),
                Kind::FlowStart { flow } => format!(
                    "{{\"ph\":\"s\",\"pid\":{pid},\"tid\":{tid},\"ts\":{ts},\"id\":{flow},\"cat\":\"wake\",\"name\":\"wake\"}}"
                ),
                Kind::FlowEnd { flow } => format!(
                    "{{\"ph\":\"f\",\"bp\":\"e\",\"pid\":{pid},\"tid\":{tid},\"ts\":{ts},\"id\":{flow},\"cat\":\"wake\",\"name\":\"wake\"}}"
                ),
            };
            line(&mut out, &text);
        }
        out.push_str("\n]}\n");
        out
    }
}

/// A metadata event (`"ph":"M"`) naming or ordering a track.
fn meta(tid: u64, name: &str, args: &str) -> String {
    format!("{{\"ph\":\"M\",\"pid\":1,\"tid\":{tid},\"name\":\"{name}\",\"args\":{{{args}}}}}")
}

/// Nanoseconds as the format's microseconds, with three decimals.
fn us(ns: u64) -> String {
    format!("{}.{:03}", ns / 1000, ns % 1000)
}

/// `s` escaped for a JSON string (task names are the only text a user controls).
fn json_str(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out
}

/// Runs `f` on the recorder, if this loop has one: the one branch a hook costs when off.
/// Hooks run at most once per phase of a turn, twice per poll and once per wake that
/// queues a task.
/// Only the check is inlined into the loop's hot paths (the hooks called per poll and per
/// wake are `#[inline]`); the recording itself stays out of line.
#[inline]
fn with(core: &Core, f: impl FnOnce(&mut Recorder)) {
    if core.tracing {
        record(core, f);
    }
}

#[cold]
#[inline(never)]
fn record(core: &Core, f: impl FnOnce(&mut Recorder)) {
    if let Some(recorder) = core.recorder.borrow_mut().as_deref_mut() {
        f(recorder);
    }
}

/// Phase `next` of the turn begins (and the phase before it ends); `None` ends the turn.
#[inline]
pub(crate) fn phase(core: &Core, next: Option<Phase>) {
    with(core, |r| {
        let now = Instant::now();
        if let Some((phase, began)) = r.phase.take() {
            r.slice(0, phase.name(), began, now);
        }
        r.phase = next.map(|p| (p, now));
    });
}

/// `count` timers fired in the `timers` phase.
pub(crate) fn timers_fired(core: &Core, count: usize) {
    with(core, |r| {
        let now = Instant::now();
        for _ in 0..count {
            r.push(
                now,
                0,
                Kind::Instant {
                    name: "timer fire",
                    note: "",
                },
            );
        }
    });
}

/// A task was filed in `slot`: its track gets its name, and its first poll an arrow from
/// whoever spawned it.
pub(crate) fn spawned(core: &Core, slot: u32) {
    with(core, |r| {
        let tasks = core.tasks.borrow();
        let task = &tasks[slot as usize]; // just filed
                                          // The root future of `block_on` is the one task without a cell.
        let root = task.cell.is_none().then(|| Rc::from("root"));
        r.tasks.push((task.id.0, task.name.clone().or(root)));
        scheduled_in(r, slot);
    });
}

/// The task in `slot` was put on the run queue by a wake: the tail of an arrow.
#[inline]
pub(crate) fn scheduled(core: &Core, slot: u32) {
    with(core, |r| scheduled_in(r, slot));
}

fn scheduled_in(r: &mut Recorder, slot: u32) {
    r.next_flow += 1;
    let flow = r.next_flow;
    let track = r.waking_track();
    r.push(Instant::now(), track, Kind::FlowStart { flow });
    let slot = slot as usize;
    if r.pending_flow.len() <= slot {
        r.pending_flow.resize(slot + 1, 0);
    }
    r.pending_flow[slot] = flow;
}

/// The task `id` in `slot` is about to be polled.
#[inline]
pub(crate) fn poll_begins(core: &Core, slot: u32, id: u64) {
    with(core, |r| {
        let now = Instant::now();
        r.polling = Some((id, now));
        if let Some(flow) = r.pending_flow.get_mut(slot as usize) {
            let flow = std::mem::take(flow);
            if flow != 0 {
                r.push(now, id, Kind::FlowEnd { flow });
            }
        }
    });
}

/// The poll that [`poll_begins`] announced has returned.
#[inline]
pub(crate) fn poll_ends(core: &Core) {
    with(core, |r| {
        if let Some((id, began)) = r.polling.take() {
            r.slice(id, "poll", began, Instant::now());
        }
    });
}

/// `cancel()` was called on task `id`.
pub(crate) fn cancel_requested(core: &Core, id: u64) {
    with(core, |r| {
        r.push(
            Instant::now(),
            id,
            Kind::Instant {
                name: "cancel requested",
                note: "",
            },
        );
    });
}

/// A cancel request reached task `id` as `Err(Cancelled)`, at a wait for `waits_on`.
pub(crate) fn cancel_delivered(core: &Core, id: u64, waits_on: &'static str) {
    with(core, |r| {
        r.push(
            Instant::now(),
            id,
            Kind::Instant {
                name: "cancel delivered",
                note: waits_on,
            },
        );
    });
}

/// Writes the trace of a loop being dropped; an error is reported on stderr (a destructor
/// has nobody else to tell).
pub(crate) fn finish(core: &Core) {
    let Some(recorder) = core.recorder.borrow_mut().take() else {
        return;
    };
    if let Err(e) = recorder.write() {
        eprintln!(
            "[oneloop] could not write the trace to {}: {e}",
            recorder.path.display()
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_escaped_and_times_are_microseconds() {
        assert_eq!(json_str("a\"b\\c\n"), "a\\\"b\\\\c\\u000a");
        assert_eq!(us(1_234_567), "1234.567");
        assert_eq!(us(5), "0.005");
    }

    #[test]
    fn the_cap_drops_and_says_so() {
        let mut r = Recorder::new(PathBuf::from("unused"));
        let now = Instant::now();
        for _ in 0..MAX_EVENTS + 3 {
            r.push(now, 0, Kind::FlowStart { flow: 1 });
        }
        assert_eq!((r.events.len(), r.dropped), (MAX_EVENTS, 3));
        let json = r.to_json();
        assert!(json.contains("\"events_dropped\":3"));
        assert!(json.contains("trace cap hit: 3 events dropped"));
    }
}
