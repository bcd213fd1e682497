//! The connection pool: per (host, port), idle kept-alive connections, and a semaphore that
//! bounds the open connections and queues the requests beyond the bound, first come first
//! served.
//!
//! A connection is in one of three states:
//!
//! - **in use**: a [`Pooled`] owns it, with a permit of its host's semaphore; it carries
//!   one request and its response body;
//! - **idle**: in its host's `idle` list, without a permit, since the instant it went idle;
//! - **closed**: dropped (a response dropped half-way, an error, `Connection: close`, an
//!   idle connection the server closed, or one idle longer than the idle timeout).
//!
//! The invariant "in use + idle <= max per host" holds because a request holding a permit
//! takes an idle connection when there is one and connects only when there is none.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::http::conn::Conn;
use crate::sync::{OwnedSemaphorePermit, Semaphore};

/// A host's share of the pool.
struct Host {
    /// Idle connections, the most recently used last (reused first: it is the most likely
    /// to be still open on the server).
    idle: RefCell<Vec<(Conn, Instant)>>,
    /// One permit per open-connection slot. An `Arc` only because `acquire_owned` takes
    /// one; nothing here crosses threads.
    permits: Arc<Semaphore>,
}

/// All hosts' connections.
pub(crate) struct Pool {
    hosts: RefCell<HashMap<(String, u16), Rc<Host>>>,
    max_per_host: usize,
    idle_timeout: Duration,
}

/// A slot to carry one request: a permit, and an idle connection if one was free.
pub(crate) struct Checkout {
    pub(crate) idle: Option<Conn>,
    pub(crate) slot: Slot,
}

/// The right to have one connection open to a host, and where the connection goes back.
pub(crate) struct Slot {
    host: Rc<Host>,
    _permit: OwnedSemaphorePermit,
}

impl Slot {
    /// Puts a connection whose last response was read to the end back in the pool, without
    /// its read buffer (an idle connection holds no bytes); the permit goes back with this
    /// slot.
    pub(crate) fn release(self, mut conn: Conn) {
        conn.free_idle_buffer();
        self.host.idle.borrow_mut().push((conn, Instant::now()));
    }
}

impl Pool {
    pub(crate) fn new(max_per_host: usize, idle_timeout: Duration) -> Pool {
        Pool {
            hosts: RefCell::new(HashMap::new()),
            max_per_host: max_per_host.max(1),
            idle_timeout,
        }
    }

    /// Waits (FIFO) for a slot to `host:port`, then hands over the freshest live idle
    /// connection, if any. `Err` only if the task was cancelled while it waited.
    /// `retriable`: the request will be sent again on a new connection if the idle one
    /// turns out dead before any answer, so an idle connection is checked without a system
    /// call (see [`Conn::is_reusable`]); otherwise the kernel is asked.
    pub(crate) async fn checkout(
        &self,
        host: &str,
        port: u16,
        retriable: bool,
    ) -> Result<Checkout, crate::Cancelled> {
        self.expire();
        let entry = {
            let mut hosts = self.hosts.borrow_mut();
            let entry = hosts.entry((host.to_string(), port)).or_insert_with(|| {
                #[allow(clippy::arc_with_non_send_sync)] // see `Host::permits`
                let permits = Arc::new(Semaphore::new(self.max_per_host));
                Rc::new(Host {
                    idle: RefCell::new(Vec::new()),
                    permits,
                })
            });
            Rc::clone(entry)
        };
        let permit = Arc::clone(&entry.permits)
            .acquire_owned()
            .await
            .map_err(|_| crate::Cancelled)?;
        let idle = self.take_idle(&entry, retriable);
        Ok(Checkout {
            idle,
            slot: Slot {
                host: entry,
                _permit: permit,
            },
        })
    }

    /// Closes every host's idle connections older than the idle timeout (by age only: no
    /// system call), so a client that moved on to other hosts does not keep sockets to the
    /// old ones open for ever. Checked at each checkout rather than on a timer: an idle
    /// client keeps its idle connections until it is used or dropped.
    fn expire(&self) {
        for host in self.hosts.borrow().values() {
            host.idle
                .borrow_mut()
                .retain(|(_, since)| since.elapsed() < self.idle_timeout);
        }
    }

    /// The freshest idle connection still usable; stale and dead ones are closed.
    fn take_idle(&self, host: &Host, retriable: bool) -> Option<Conn> {
        let mut idle = host.idle.borrow_mut();
        while let Some((conn, since)) = idle.pop() {
            if since.elapsed() < self.idle_timeout && conn.is_reusable(!retriable) {
                return Some(conn);
            }
            // Dropped here: closed.
        }
        None
    }

    /// Idle connections of all hosts (for tests and curiosity).
    pub(crate) fn idle_count(&self) -> usize {
        self.hosts
            .borrow()
            .values()
            .map(|h| h.idle.borrow().len())
            .sum()
    }
}
