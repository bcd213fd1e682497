//! The flag site on `oneloop::http`: a handler that serves [`Site`]'s files, 404 for
//! anything else, and misbehaves as its [`Faults`] say; [`serve`] to run it on a listener,
//! and [`start`] to run it inside the caller's loop on an ephemeral port (what the
//! downloaders do when they are given no `--base-url`).
//!
//! The handler counts the requests it is working on ([`Stats`]), so a test can check that
//! a downloader told `-m 7` never has more than seven requests at the server at once.

use std::cell::RefCell;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::rc::Rc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use oneloop::http::{Request, Response};
use oneloop::net::TcpListener;
use oneloop::JoinHandle;

use crate::faults::{Dice, Fault, Faults, Mode};
use crate::site::Site;

/// The size of the header that plays a dropped connection (see [`handler`]): above the
/// 64 KiB that `oneloop::http`'s client, like most clients, accepts for a response head.
///
/// ```
/// assert!(flagsite::server::OVERSIZED_HEADER > 64 * 1024);
/// ```
pub const OVERSIZED_HEADER: usize = 80 * 1024;

/// What the server has seen, shared with other threads (a test reads it while the site
/// runs on its own thread's loop, hence atomics rather than `Cell`s).
///
/// ```
/// let stats = flagsite::server::Stats::default();
/// assert_eq!((stats.requests(), stats.in_flight(), stats.peak()), (0, 0, 0));
/// ```
#[derive(Debug, Default)]
pub struct Stats {
    /// Requests received in all.
    requests: AtomicUsize,
    /// Requests whose handler is running now (received, not yet answered).
    in_flight: AtomicUsize,
    /// The most requests ever in flight at once.
    peak: AtomicUsize,
}

impl Stats {
    /// Requests received in all.
    ///
    /// ```
    /// assert_eq!(flagsite::server::Stats::default().requests(), 0);
    /// ```
    pub fn requests(&self) -> usize {
        self.requests.load(Ordering::SeqCst)
    }

    /// Requests being handled right now.
    ///
    /// ```
    /// assert_eq!(flagsite::server::Stats::default().in_flight(), 0);
    /// ```
    pub fn in_flight(&self) -> usize {
        self.in_flight.load(Ordering::SeqCst)
    }

    /// The most requests that were ever being handled at once.
    ///
    /// ```
    /// assert_eq!(flagsite::server::Stats::default().peak(), 0);
    /// ```
    pub fn peak(&self) -> usize {
        self.peak.load(Ordering::SeqCst)
    }

    /// Counts a request in; the guard counts it out when dropped (answered, or dropped
    /// with its connection).
    fn enter(self: &Arc<Stats>) -> InFlight {
        self.requests.fetch_add(1, Ordering::SeqCst);
        let now = self.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        self.peak.fetch_max(now, Ordering::SeqCst);
        InFlight(Arc::clone(self))
    }
}

/// One request in flight; see [`Stats::enter`].
struct InFlight(Arc<Stats>);

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::SeqCst);
    }
}

/// How one site behaves.
///
/// ```
/// use flagsite::faults::{Faults, Mode};
/// let config = flagsite::server::Config::new(Mode::Error);
/// assert_eq!(config.faults, Faults::for_mode(Mode::Error));
/// assert!(!config.log);
/// ```
#[derive(Clone, Debug)]
pub struct Config {
    /// The label printed in log lines.
    pub mode: Mode,
    /// Delays and errors.
    pub faults: Faults,
    /// Print one line per request on stdout.
    pub log: bool,
}

impl Config {
    /// The book's behaviour for `mode`, without logging.
    ///
    /// ```
    /// let config = flagsite::server::Config::new(flagsite::faults::Mode::Local);
    /// assert_eq!(config.faults.error_rate, 0.0);
    /// ```
    pub fn new(mode: Mode) -> Config {
        Config {
            mode,
            faults: Faults::for_mode(mode),
            log: false,
        }
    }
}

/// The request handler of the flag site: `GET`/`HEAD` of a site file answers it (after
/// the delay the dice decide, unless they decide a failure instead); any other path is 404,
/// any other method 405.
///
/// A failure is one of the book's 500, 501, 502 or 503, or a "dropped connection". A
/// handler of `oneloop::http` cannot close its connection (the server answers every
/// request), so the drop is played with what a handler can send: an answer whose head is
/// larger than any client accepts ([`OVERSIZED_HEADER`] bytes of one header). The client
/// gives up on the connection without a status, as it would on a dropped one, and the
/// downloader sees a transport error rather than an HTTP status.
///
/// ```
/// use std::rc::Rc;
/// use std::sync::Arc;
/// use flagsite::server::{handler, Config, Stats};
/// use oneloop::http::{serve, Client};
///
/// oneloop::run(async {
///     let listener = oneloop::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
///     let url = format!("http://{}/flags/br/br.gif", listener.local_addr().unwrap());
///     let site = Rc::new(flagsite::Site::new());
///     let stats = Arc::new(Stats::default());
///     let config = Config::new(flagsite::faults::Mode::Local);
///     oneloop::spawn(serve(listener, handler(site, config, Arc::clone(&stats))));
///     let resp = Client::new().get(&url).await.unwrap();
///     assert_eq!(resp.status(), 200);
///     assert_eq!(stats.requests(), 1);
/// });
/// ```
pub fn handler(
    site: Rc<Site>,
    config: Config,
    stats: Arc<Stats>,
) -> impl Fn(Request) -> std::pin::Pin<Box<dyn Future<Output = Response>>> + 'static {
    let dice = Rc::new(RefCell::new(Dice::new(config.faults)));
    move |request: Request| {
        let site = Rc::clone(&site);
        let dice = Rc::clone(&dice);
        let stats = Arc::clone(&stats);
        let (mode, log) = (config.mode, config.log);
        Box::pin(async move {
            let _in_flight = stats.enter();
            let decision = dice.borrow_mut().roll();
            if let Some(delay) = decision.delay {
                if oneloop::time::sleep(delay).await.is_err() {
                    // Cancelled: the server is shutting down; this answer is never read.
                    return Response::new(503);
                }
            }
            let response = answer(&site, &request, decision.fault);
            if log {
                let late = match decision.delay {
                    Some(d) => format!(" after {:.2}s", d.as_secs_f64()),
                    None => String::new(),
                };
                let what = match decision.fault {
                    Some(Fault::Drop) => " (a dropped connection: an oversized head)",
                    Some(Fault::Status(_)) => " (error by the dice)",
                    None => "",
                };
                println!(
                    "{mode} {} {} -> {}{late}{what}",
                    request.method(),
                    request.path(),
                    response.status()
                );
            }
            response
        })
    }
}

/// The answer to `request`, once any delay is over.
fn answer(site: &Site, request: &Request, fault: Option<Fault>) -> Response {
    match fault {
        Some(Fault::Status(status)) => {
            return Response::new(status)
                .header("Content-Type", "text/plain; charset=utf-8")
                .body(format!("{status} (the flag site's ERROR mode)\n"))
        }
        Some(Fault::Drop) => {
            return Response::new(200).header("X-Flagsite-Drop", "x".repeat(OVERSIZED_HEADER))
        }
        None => {}
    }
    if request.method() != "GET" && request.method() != "HEAD" {
        return Response::new(405)
            .header("Allow", "GET, HEAD")
            .header("Content-Type", "text/plain; charset=utf-8")
            .body("405 Method Not Allowed\n");
    }
    match site.get(request.path()) {
        Some(file) => Response::new(200)
            .header("Content-Type", file.content_type)
            .body(file.bytes.clone()),
        None => Response::new(404)
            .header("Content-Type", "text/plain; charset=utf-8")
            .body("404 Not Found\n"),
    }
}

/// Serves the flag site on `listener` until the task is cancelled.
///
/// ```
/// use std::rc::Rc;
/// use std::sync::Arc;
/// use flagsite::server::{serve, Config, Stats};
///
/// oneloop::run(async {
///     let listener = oneloop::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
///     let url = format!("http://{}/flags/zz/zz.gif", listener.local_addr().unwrap());
///     let config = Config::new(flagsite::faults::Mode::Local);
///     let site = Rc::new(flagsite::Site::new());
///     oneloop::spawn(serve(listener, site, config, Arc::new(Stats::default())));
///     let resp = oneloop::http::Client::new().get(&url).await.unwrap();
///     assert_eq!(resp.status(), 404);
/// });
/// ```
pub async fn serve(
    listener: TcpListener,
    site: Rc<Site>,
    config: Config,
    stats: Arc<Stats>,
) -> io::Result<()> {
    oneloop::http::serve(listener, handler(site, config, stats)).await
}

/// A flag site running inside the current loop (see [`start`]).
///
/// ```
/// oneloop::run(async {
///     let site = flagsite::server::start(flagsite::faults::Mode::Local).await.unwrap();
///     assert!(site.base_url.ends_with("/flags"));
///     site.task.abort();
/// });
/// ```
#[derive(Debug)]
pub struct Running {
    /// Where the flags are: `http://127.0.0.1:{port}/flags`.
    pub base_url: String,
    /// The address the site listens on.
    pub addr: SocketAddr,
    /// What the site has seen.
    pub stats: Arc<Stats>,
    /// The server task: abort it (or let the loop end) to stop the site.
    pub task: JoinHandle<io::Result<()>>,
}

/// Starts the flag site in `mode` on `127.0.0.1` and an ephemeral port, as a task of the
/// current loop, so that one loop both serves and downloads. Draws the site first (a few
/// tens of milliseconds in release mode).
///
/// ```
/// use flagsite::faults::Mode;
/// oneloop::run(async {
///     let site = flagsite::server::start(Mode::Delay).await.unwrap();
///     assert!(site.base_url.starts_with("http://127.0.0.1:"));
/// });
/// ```
pub async fn start(mode: Mode) -> io::Result<Running> {
    start_with(Config::new(mode), Rc::new(Site::new())).await
}

/// [`start`] with a given configuration and site.
///
/// ```
/// use std::rc::Rc;
/// use flagsite::server::{start_with, Config};
/// oneloop::run(async {
///     let config = Config::new(flagsite::faults::Mode::Local);
///     let site = start_with(config, Rc::new(flagsite::Site::new())).await.unwrap();
///     assert_eq!(site.stats.requests(), 0);
/// });
/// ```
pub async fn start_with(config: Config, site: Rc<Site>) -> io::Result<Running> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let stats = Arc::new(Stats::default());
    let task = oneloop::spawn(serve(listener, site, config, Arc::clone(&stats)));
    Ok(Running {
        base_url: format!("http://{addr}/flags"),
        addr,
        stats,
        task,
    })
}
