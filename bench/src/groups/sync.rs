//! The sync groups: the mpsc ping-pong and the uncontended semaphore
//! (`crate::workload::sync`, every runtime), and the fan-out primitives broadcast, watch and
//! RwLock (`crate::workload::fanout`, tokio and oneloop: smol has no broadcast or watch).

use crate::group::{count, Bench, Metrics, Row, Scale, Unsupported};
use crate::rt::{on_rt, Rt};

/// Why the fan-out groups have no smol column.
const NO_SMOL_FANOUT: &str = "tokio and oneloop only (smol has no broadcast or watch)";

/// `on_rt!` for the fan-out workloads, which `crate::on` compiles for tokio and oneloop only.
macro_rules! on_fanout {
    ($rt:expr, $f:ident ( $($a:expr),* )) => {
        match $rt {
            Rt::Tokio => Ok(crate::on::tokio::fanout::$f($($a),*)),
            Rt::Oneloop => Ok(crate::on::oneloop::fanout::$f($($a),*)),
            Rt::Smol => Err(NO_SMOL_FANOUT.to_string()),
        }
    };
}

/// One message bounced between two tasks over two capacity-1 channels.
pub struct PingPong {
    round_trips: u64,
}

impl PingPong {
    pub fn new(scale: Scale) -> PingPong {
        PingPong {
            round_trips: scale.pick(100_000, 10_000),
        }
    }
}

impl Bench for PingPong {
    fn name(&self) -> &'static str {
        "pingpong"
    }
    fn measures(&self) -> &'static str {
        "one message bounced between two tasks over two bounded(1) mpsc channels: ns per \
         round trip (the wake-up path between tasks)"
    }
    fn rows(&self) -> Vec<Row> {
        let n = count(self.round_trips);
        vec![Row::cost(
            "pingpong.ns",
            format!("{n} ping-pongs over bounded(1) mpsc"),
            "ns/round trip",
        )]
    }
    fn run(&mut self, rt: Rt) -> Result<Metrics, String> {
        Ok(on_rt!(rt, sync::ping_pong(self.round_trips)))
    }
}

/// Acquire and release of one permit, nobody else waiting.
pub struct Semaphore {
    pairs: usize,
}

impl Semaphore {
    pub fn new(scale: Scale) -> Semaphore {
        Semaphore {
            pairs: scale.pick(1_000_000, 50_000),
        }
    }
}

impl Bench for Semaphore {
    fn name(&self) -> &'static str {
        "semaphore"
    }
    fn measures(&self) -> &'static str {
        "Semaphore acquire + release of one permit, nobody else waiting: ns per pair (the \
         uncontended fast path)"
    }
    fn rows(&self) -> Vec<Row> {
        let n = count(self.pairs as u64);
        vec![Row::cost(
            "sem.ns",
            format!("Semaphore {n} acquire+release, uncontended"),
            "ns/op",
        )]
    }
    fn run(&mut self, rt: Rt) -> Result<Metrics, String> {
        Ok(on_rt!(rt, sync::semaphore(self.pairs)))
    }
}

/// One broadcast sender, many receiving tasks; the ring holds every message (nobody lags).
pub struct Broadcast {
    receivers: usize,
    msgs: u64,
}

impl Broadcast {
    pub fn new(scale: Scale) -> Broadcast {
        Broadcast {
            receivers: 100,
            msgs: scale.pick(2_000, 200),
        }
    }
}

impl Bench for Broadcast {
    fn name(&self) -> &'static str {
        "broadcast"
    }
    fn measures(&self) -> &'static str {
        "one broadcast sender, receivers in recv(), a yield after each send: ns per delivery \
         (message x receiver)"
    }
    fn rows(&self) -> Vec<Row> {
        let (r, m) = (count(self.receivers as u64), count(self.msgs));
        vec![Row::cost(
            "broadcast.ns",
            format!("broadcast {m} msgs, 1 sender -> {r} receivers"),
            "ns/delivery",
        )]
    }
    fn unsupported(&self, rt: Rt) -> Option<Unsupported> {
        (rt == Rt::Smol).then_some(Unsupported::Skipped(NO_SMOL_FANOUT))
    }
    fn run(&mut self, rt: Rt) -> Result<Metrics, String> {
        on_fanout!(rt, broadcast_fanout(self.receivers, self.msgs))
    }
}

/// One watch sender waking many tasks looping on `changed()`.
pub struct Watch {
    waiters: usize,
    sends: u64,
}

impl Watch {
    pub fn new(scale: Scale) -> Watch {
        Watch {
            waiters: 100,
            sends: scale.pick(2_000, 200),
        }
    }
}

impl Bench for Watch {
    fn name(&self) -> &'static str {
        "watch"
    }
    fn measures(&self) -> &'static str {
        "one watch sender, waiters looping on changed(), a yield after each send: ns per \
         wake-up a waiter saw"
    }
    fn rows(&self) -> Vec<Row> {
        let (w, s) = (count(self.waiters as u64), count(self.sends));
        vec![Row::cost(
            "watch.ns",
            format!("watch {s} sends -> {w} waiters in changed()"),
            "ns/wake-up",
        )]
    }
    fn unsupported(&self, rt: Rt) -> Option<Unsupported> {
        (rt == Rt::Smol).then_some(Unsupported::Skipped(NO_SMOL_FANOUT))
    }
    fn run(&mut self, rt: Rt) -> Result<Metrics, String> {
        on_fanout!(rt, watch_notify(self.waiters, self.sends))
    }
}

/// Tasks taking an RwLock, a write every tenth time, each guard held across a yield.
pub struct RwLock {
    tasks: usize,
    ops: u64,
}

impl RwLock {
    pub fn new(scale: Scale) -> RwLock {
        RwLock {
            tasks: 10,
            ops: scale.pick(20_000, 2_000),
        }
    }
}

impl Bench for RwLock {
    fn name(&self) -> &'static str {
        "rwlock"
    }
    fn measures(&self) -> &'static str {
        "tasks taking one RwLock, a write in ten, each guard held across a yield_now: ns per \
         operation (the fair queue under a read-mostly mix)"
    }
    fn rows(&self) -> Vec<Row> {
        let (t, o) = (count(self.tasks as u64), count(self.ops));
        vec![Row::cost(
            "rwlock.ns",
            format!("RwLock {t} tasks x {o} ops, 1 in 10 writes"),
            "ns/op",
        )]
    }
    fn unsupported(&self, rt: Rt) -> Option<Unsupported> {
        (rt == Rt::Smol).then_some(Unsupported::Skipped(NO_SMOL_FANOUT))
    }
    fn run(&mut self, rt: Rt) -> Result<Metrics, String> {
        on_fanout!(rt, rwlock_mix(self.tasks, self.ops))
    }
}
