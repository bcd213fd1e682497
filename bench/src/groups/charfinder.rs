//! The tcp_charfinder group: the example's protocol (`crate::workload::charfinder`, written
//! once) under the same load client for every server, a fixed query mix; queries/s and the
//! loop thread's CPU time per query. After the last round it builds the index a few times on
//! the loop's core and prints the build time and its size under the table.

use std::time::{Duration, Instant};

use crate::group::{count, duration, Bench, Extra, Kind, Metrics, Row, Scale};
use crate::load::{self, LOAD_CPU};
use crate::rt::{on_rt, Rt};
use crate::stats::{self, fmt_num};
use crate::{sys, watchdog};

/// The tcp_charfinder query mix: small and medium answers, from nothing (`jabberwocky`) to
/// 357 lines, 16 KB (`black`). Not `cjk` (~100,000 lines) nor `sign` (3,483 lines, 137 KB):
/// one such answer per eight queries would turn the row into a benchmark of copying the
/// index's lines, the same on every runtime (the `charfinder_cpu` row has them). Every
/// client cycles through the mix.
pub const QUERIES: &[&str] = &[
    "chess black",
    "registered",
    "cat face",
    "U+1F525",
    "circled digit",
    "black",
    "é€",
    "jabberwocky",
];

pub struct Charfinder {
    conns: usize,
    dur: Duration,
    /// How many times the index is built for the line under the table.
    builds: usize,
    /// Mean bytes per answer (description lines, status line, next prompt) in the last run.
    answer_bytes: u64,
    /// The index builds: ms each, and the index's `heap_bytes()`.
    build_ms: Vec<f64>,
    heap: Option<usize>,
}

impl Charfinder {
    pub fn new(scale: Scale) -> Charfinder {
        Charfinder {
            conns: 50,
            dur: scale.pick(Duration::from_secs(2), Duration::from_millis(300)),
            builds: 5,
            answer_bytes: 0,
            build_ms: Vec::new(),
            heap: None,
        }
    }
}

/// The mix with the status line the server must answer for each query (checked by the client).
fn mix(index: &charindex::UnicodeNameIndex) -> Vec<(String, String)> {
    QUERIES
        .iter()
        .map(|&q| {
            let query = charindex::py_strip(q);
            let n = index
                .find(query)
                .into_iter()
                .filter_map(charindex::describe_char)
                .count();
            (q.to_string(), charindex::UnicodeNameIndex::status(query, n))
        })
        .collect()
}

/// Builds the full index `builds` times (on the loop's core, nothing else running); returns
/// the build times in ms and the index's `heap_bytes()`.
fn index_builds(builds: usize) -> (Vec<f64>, usize) {
    let mut times = Vec::with_capacity(builds);
    let mut heap = 0;
    for _ in 0..builds {
        let t = Instant::now();
        let index = charindex::UnicodeNameIndex::new();
        times.push(t.elapsed().as_secs_f64() * 1e3);
        heap = std::hint::black_box(&index).heap_bytes();
    }
    (times, heap)
}

impl Bench for Charfinder {
    fn name(&self) -> &'static str {
        "charfinder"
    }
    fn measures(&self) -> &'static str {
        "tcp_charfinder's protocol with one shared index, a tokio load client on the other CPU \
         cycling through a fixed query mix: queries/s, and the loop thread's CPU time per query"
    }
    fn kind(&self) -> Kind {
        Kind::Io
    }
    fn rows(&self) -> Vec<Row> {
        let (c, d) = (count(self.conns as u64), duration(self.dur));
        vec![
            Row::rate(
                "charfinder.qps",
                format!("tcp_charfinder {c} clients, query mix, {d}"),
                "queries/s",
            ),
            Row::cost("charfinder.cpu_ns", "server CPU time per query", "ns/query").sub(),
        ]
    }
    fn run(&mut self, rt: Rt) -> Result<Metrics, String> {
        // The server's index, built before it starts and outside its CPU time.
        let index = charindex::UnicodeNameIndex::new();
        let mix = mix(&index);
        let l = sys::std_listener();
        let addr = l.local_addr().map_err(|e| e.to_string())?;
        let (conns, dur) = (self.conns, self.dur);
        let client = load::on_cpu(LOAD_CPU, move || {
            load::charfinder_client(addr, conns, mix, dur)
        });
        let cpu = on_rt!(rt, charfinder::charfinder_server(l, conns, index));
        let (n, bytes, elapsed) = client
            .join()
            .map_err(|_| "the charfinder client panicked (see stderr)")?;
        self.answer_bytes = bytes / n.max(1);
        Ok(vec![
            ("charfinder.qps", n as f64 / elapsed.as_secs_f64()),
            ("charfinder.cpu_ns", cpu.as_nanos() as f64 / n as f64),
        ])
    }
    fn after_round(&mut self, round: usize, rounds: usize) {
        if round + 1 == rounds {
            watchdog::arm("the index builds".into(), Duration::from_secs(60));
            let (times, heap) = index_builds(self.builds);
            self.build_ms = times;
            self.heap = Some(heap);
        }
    }
    fn extras(&self) -> Vec<Extra> {
        let Some(heap) = self.heap else {
            return Vec::new();
        };
        let ms = &self.build_ms;
        let (median, min, max) = (stats::median(ms), stats::min(ms), stats::max(ms));
        vec![Extra {
            line: format!(
                "tcp_charfinder index: build {} ms [{}-{}] (median of {} builds, release), heap \
                 {:.1} MiB ({heap} B, heap_bytes()); mix: {}; {} B per answer on average",
                fmt_num(median),
                fmt_num(min),
                fmt_num(max),
                ms.len(),
                heap as f64 / (1024.0 * 1024.0),
                QUERIES.join(", "),
                self.answer_bytes,
            ),
            json_key: "charfinder_index",
            json: serde_json::json!({
                "build_ms": { "median": median, "min": min, "max": max },
                "heap_bytes": heap,
                "answer_bytes_mean": self.answer_bytes,
            }),
        }]
    }
}
