//! The HTTP group: `wrk` on the other CPU against the same httparse-based hello handler
//! (keep-alive, pipelining; `crate::workload::net::http_server`) on every runtime; req/s and
//! the loop thread's CPU time per request. Without `wrk` the cells say `skipped`.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use crate::group::{Bench, Kind, Metrics, Row, Scale};
use crate::load::{self, LOAD_CPU};
use crate::rt::{on_rt, Rt};
use crate::sys;

pub struct Http {
    conns: usize,
    secs: u64,
}

impl Http {
    pub fn new(scale: Scale) -> Http {
        Http {
            conns: 50,
            secs: scale.pick(2, 1),
        }
    }
}

impl Bench for Http {
    fn name(&self) -> &'static str {
        "http"
    }
    fn measures(&self) -> &'static str {
        "HTTP/1.1 hello server under wrk on the other CPU, keep-alive: req/s, and the loop \
         thread's CPU time per request"
    }
    fn kind(&self) -> Kind {
        Kind::Io
    }
    fn rows(&self) -> Vec<Row> {
        let (c, s) = (self.conns, self.secs);
        vec![
            Row::rate(
                "http.rps",
                format!("HTTP/1.1 hello keep-alive, wrk -t1 -c{c} -d{s}s"),
                "req/s",
            ),
            Row::cost("http.cpu_ns", "server CPU time per request", "ns/req").sub(),
        ]
    }
    fn run(&mut self, rt: Rt) -> Result<Metrics, String> {
        if sys::which("wrk").is_none() {
            return Err("wrk is not installed (apt-get install -y wrk)".into());
        }
        let l = sys::std_listener();
        let addr = l.local_addr().map_err(|e| e.to_string())?;
        let stop = Arc::new(AtomicBool::new(false));
        let (conns, secs, stop2) = (self.conns, self.secs, Arc::clone(&stop));
        // wrk inherits this thread's affinity: the load core.
        let load = load::on_cpu(LOAD_CPU, move || {
            let rps = load::wrk(addr, conns, secs);
            stop2.store(true, Ordering::SeqCst);
            let _ = std::net::TcpStream::connect(addr); // wakes the accept loop so it sees `stop`
            rps
        });
        let cpu = on_rt!(rt, net::http_server(l, stop));
        let (rps, count) = load.join().map_err(|_| "the wrk thread panicked")??;
        Ok(vec![
            ("http.rps", rps),
            ("http.cpu_ns", cpu.as_nanos() as f64 / count),
        ])
    }
}
