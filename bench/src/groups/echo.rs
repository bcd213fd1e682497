//! The TCP echo groups: 50 connections driven by the same load client for every server
//! (req/s and the loop's CPU time per request), and one connection with a blocking client
//! (µs per round trip), with the floor under it: the same round trip between two blocking
//! `std::net` threads, printed under the table. Servers: `crate::workload::net`.

use std::time::Duration;

use crate::group::{count, duration, Bench, Extra, Kind, Metrics, Row, Scale};
use crate::load::{self, LOAD_CPU, LOOP_CPU};
use crate::rt::{on_rt, Rt};
use crate::{stats, sys, watchdog};

/// Bytes per echo message.
const MSG: usize = 64;

/// Many connections, one message in flight on each.
pub struct Echo {
    conns: usize,
    dur: Duration,
}

impl Echo {
    pub fn new(scale: Scale) -> Echo {
        Echo {
            conns: 50,
            dur: scale.pick(Duration::from_secs(2), Duration::from_millis(300)),
        }
    }
}

impl Bench for Echo {
    fn name(&self) -> &'static str {
        "echo"
    }
    fn measures(&self) -> &'static str {
        "TCP echo server under a tokio load client on the other CPU, one 64-byte message in \
         flight per connection: req/s, and the loop thread's CPU time per request"
    }
    fn kind(&self) -> Kind {
        Kind::Io
    }
    fn rows(&self) -> Vec<Row> {
        let (c, d) = (count(self.conns as u64), duration(self.dur));
        vec![
            Row::rate(
                "echo.rps",
                format!("TCP echo {c} conns x {MSG} B, {d}"),
                "req/s",
            ),
            Row::cost("echo.cpu_ns", "server CPU time per request", "ns/req").sub(),
        ]
    }
    fn run(&mut self, rt: Rt) -> Result<Metrics, String> {
        let l = sys::std_listener();
        let addr = l.local_addr().map_err(|e| e.to_string())?;
        let (conns, dur) = (self.conns, self.dur);
        let client = load::on_cpu(LOAD_CPU, move || load::echo_client(addr, conns, MSG, dur));
        let cpu = on_rt!(rt, net::echo_server(l, conns));
        let (n, elapsed) = client.join().map_err(|_| "the echo client panicked")?;
        Ok(vec![
            ("echo.rps", n as f64 / elapsed.as_secs_f64()),
            ("echo.cpu_ns", cpu.as_nanos() as f64 / n as f64),
        ])
    }
}

/// One connection, a blocking client: latency of one request through the loop. After each
/// round, the floor: the same with a blocking server thread instead of the loop.
pub struct Echo1 {
    dur: Duration,
    /// The floor's µs per round trip, one per round.
    floor: Vec<f64>,
    /// Why a floor run failed.
    floor_errors: Vec<String>,
}

impl Echo1 {
    pub fn new(scale: Scale) -> Echo1 {
        Echo1 {
            dur: scale.pick(Duration::from_secs(1), Duration::from_millis(200)),
            floor: Vec::new(),
            floor_errors: Vec::new(),
        }
    }

    /// The floor under the echo figures: blocking `std::net`, one connection, a thread on
    /// each side (the server on the loop's core). µs per round trip.
    fn run_floor(&self) -> Result<f64, String> {
        let l = sys::std_listener();
        let addr = l.local_addr().map_err(|e| e.to_string())?;
        let dur = self.dur;
        let server = load::on_cpu(LOOP_CPU, move || load::std_echo_server(l));
        let client = load::on_cpu(LOAD_CPU, move || load::std_echo_client(addr, MSG, dur));
        let (n, elapsed) = client.join().map_err(|_| "the floor client panicked")?;
        server.join().map_err(|_| "the floor server panicked")?;
        Ok(elapsed.as_nanos() as f64 / 1e3 / n as f64)
    }
}

impl Bench for Echo1 {
    fn name(&self) -> &'static str {
        "echo1"
    }
    fn measures(&self) -> &'static str {
        "TCP echo, one connection, a blocking std::net client on the other CPU: us per round \
         trip; under the table the floor, a blocking thread on each side"
    }
    fn kind(&self) -> Kind {
        Kind::Io
    }
    fn rows(&self) -> Vec<Row> {
        let d = duration(self.dur);
        vec![Row::cost(
            "echo1.rtt_us",
            format!("TCP echo 1 conn x {MSG} B, blocking client, {d}"),
            "us/round trip",
        )]
    }
    fn run(&mut self, rt: Rt) -> Result<Metrics, String> {
        let l = sys::std_listener();
        let addr = l.local_addr().map_err(|e| e.to_string())?;
        let dur = self.dur;
        let client = load::on_cpu(LOAD_CPU, move || load::std_echo_client(addr, MSG, dur));
        on_rt!(rt, net::echo_server(l, 1));
        let (n, elapsed) = client.join().map_err(|_| "the echo client panicked")?;
        Ok(vec![(
            "echo1.rtt_us",
            elapsed.as_nanos() as f64 / 1e3 / n as f64,
        )])
    }
    fn after_round(&mut self, _round: usize, _rounds: usize) {
        watchdog::arm("the std::net floor".into(), Duration::from_secs(60));
        match self.run_floor() {
            Ok(f) => self.floor.push(f),
            Err(e) => self.floor_errors.push(format!("floor: {e}")),
        }
    }
    fn extras(&self) -> Vec<Extra> {
        if self.floor.is_empty() {
            return Vec::new();
        }
        let (median, min, max) = (
            stats::median(&self.floor),
            stats::min(&self.floor),
            stats::max(&self.floor),
        );
        vec![Extra {
            line: format!(
                "floor: blocking std::net echo, 1 connection, a thread each side: {} us/round \
                 trip [{}-{}] (compare the '1 conn' row)",
                stats::fmt_num(median),
                stats::fmt_num(min),
                stats::fmt_num(max),
            ),
            json_key: "floor_std_net_echo_rtt_us",
            json: serde_json::json!({ "median": median, "min": min, "max": max }),
        }]
    }
    fn remarks(&self) -> Vec<String> {
        self.floor_errors.clone()
    }
}
