//! Addresses: the [`ToSocketAddrs`] trait that `connect`, `bind` and `send_to` take, and
//! [`lookup_host`], which resolves a host name on the blocking thread pool so that the
//! loop keeps running while the system resolver waits for DNS.
//!
//! Numeric addresses never leave the loop thread: they are parsed in place. Only a name
//! costs a trip to the pool (where `getaddrinfo` may block for seconds).

use std::future::{poll_fn, Future};
use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV4, SocketAddrV6};
use std::pin::Pin;
use std::task::ready;

use crate::task::cancel::poll_proceed;

/// What can be turned into socket addresses, resolving host names off the loop thread
/// (tokio's trait of the same name): `SocketAddr` and its variants, `(IpAddr, u16)`,
/// `"host:port"` as `&str` or `String`, `(&str, u16)`, `(String, u16)`, `&[SocketAddr]`.
/// Sealed: the list is closed.
///
/// ```
/// use oneloop::net::{lookup_host, ToSocketAddrs};
/// async fn first<A: ToSocketAddrs>(addr: A) -> std::io::Result<std::net::SocketAddr> {
///     lookup_host(addr).await?.next().ok_or_else(|| std::io::ErrorKind::NotFound.into())
/// }
/// oneloop::run(async {
///     assert_eq!(first(("127.0.0.1", 80)).await.unwrap().port(), 80);
/// });
/// ```
pub trait ToSocketAddrs: sealed::Sealed {}

pub(crate) mod sealed {
    use super::*;

    /// How an address argument becomes addresses: already known, or a name to look up.
    #[derive(Debug)]
    pub enum Resolve {
        /// Parsed in place (or refused).
        Done(io::Result<Vec<SocketAddr>>),
        /// A host name and port for the resolver.
        Lookup(String, u16),
    }

    /// The hidden half of [`ToSocketAddrs`](super::ToSocketAddrs).
    pub trait Sealed {
        /// Parses what can be parsed without a resolver.
        fn to_resolve(&self) -> Resolve;
    }
}

use sealed::{Resolve, Sealed};

macro_rules! direct {
    ($($t:ty),*) => {$(
        impl ToSocketAddrs for $t {}
        impl Sealed for $t {
            fn to_resolve(&self) -> Resolve {
                Resolve::Done(Ok(vec![SocketAddr::from(*self)]))
            }
        }
    )*};
}

direct!(
    SocketAddr,
    SocketAddrV4,
    SocketAddrV6,
    (IpAddr, u16),
    (Ipv4Addr, u16),
    (Ipv6Addr, u16)
);

impl ToSocketAddrs for str {}
impl Sealed for str {
    fn to_resolve(&self) -> Resolve {
        if let Ok(addr) = self.parse::<SocketAddr>() {
            return Resolve::Done(Ok(vec![addr]));
        }
        match self.rsplit_once(':').map(|(h, p)| (h, p.parse::<u16>())) {
            Some((host, Ok(port))) => host_port(host, port),
            _ => Resolve::Done(Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "invalid socket address",
            ))),
        }
    }
}

impl ToSocketAddrs for String {}
impl Sealed for String {
    fn to_resolve(&self) -> Resolve {
        self.as_str().to_resolve()
    }
}

impl ToSocketAddrs for (&str, u16) {}
impl Sealed for (&str, u16) {
    fn to_resolve(&self) -> Resolve {
        host_port(self.0, self.1)
    }
}

impl ToSocketAddrs for (String, u16) {}
impl Sealed for (String, u16) {
    fn to_resolve(&self) -> Resolve {
        host_port(&self.0, self.1)
    }
}

impl ToSocketAddrs for [SocketAddr] {}
impl Sealed for [SocketAddr] {
    fn to_resolve(&self) -> Resolve {
        Resolve::Done(Ok(self.to_vec()))
    }
}

impl<T: ToSocketAddrs + ?Sized> ToSocketAddrs for &T {}
impl<T: Sealed + ?Sized> Sealed for &T {
    fn to_resolve(&self) -> Resolve {
        (**self).to_resolve()
    }
}

/// A host and a port: an IP literal (`::1` or `[::1]`) in place, a name for the resolver.
fn host_port(host: &str, port: u16) -> Resolve {
    let literal = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    match literal.parse::<IpAddr>() {
        Ok(ip) => Resolve::Done(Ok(vec![SocketAddr::new(ip, port)])),
        Err(_) => Resolve::Lookup(host.to_string(), port),
    }
}

/// Resolves `host` to socket addresses (tokio's `net::lookup_host`). A name is looked up by
/// the system resolver on the blocking thread pool; the loop runs on meanwhile. A
/// cancellation point: a cancelled task stops waiting (the lookup itself runs to its end on
/// its thread, and its result is dropped).
///
/// ```
/// oneloop::run(async {
///     let addrs: Vec<_> = oneloop::net::lookup_host("localhost:80").await.unwrap().collect();
///     assert!(addrs.iter().all(|a| a.ip().is_loopback() && a.port() == 80));
///     let v6: Vec<_> = oneloop::net::lookup_host("[::1]:8080").await.unwrap().collect();
///     assert_eq!(v6[0].to_string(), "[::1]:8080");
/// });
/// ```
pub async fn lookup_host<T: ToSocketAddrs>(
    host: T,
) -> io::Result<impl Iterator<Item = SocketAddr>> {
    Ok(resolve(&host).await?.into_iter())
}

/// Every address `addr` stands for, looking names up off the loop thread.
pub(crate) async fn resolve<T: ToSocketAddrs + ?Sized>(addr: &T) -> io::Result<Vec<SocketAddr>> {
    let (host, port) = match addr.to_resolve() {
        Resolve::Done(result) => return result,
        Resolve::Lookup(host, port) => (host, port),
    };
    let mut lookup = crate::task::spawn_blocking(move || {
        use std::net::ToSocketAddrs as _;
        (host.as_str(), port)
            .to_socket_addrs()
            .map(|addrs| addrs.collect::<Vec<_>>())
    });
    poll_fn(|cx| {
        ready!(poll_proceed(cx, "lookup_host"))?;
        // Woken by the pool thread when the lookup is done.
        match ready!(Pin::new(&mut lookup).poll(cx)) {
            Ok(result) => std::task::Poll::Ready(result),
            Err(e) => std::task::Poll::Ready(Err(io::Error::other(format!(
                "the lookup thread failed: {e}"
            )))),
        }
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed<T: ToSocketAddrs + ?Sized>(a: &T) -> Vec<SocketAddr> {
        match a.to_resolve() {
            Resolve::Done(Ok(v)) => v,
            other => panic!("not parsed in place: {other:?}"),
        }
    }

    #[test]
    fn numeric_forms_parse_in_place() {
        let v4: SocketAddr = "127.0.0.1:80".parse().unwrap();
        assert_eq!(parsed("127.0.0.1:80"), [v4]);
        assert_eq!(parsed(&("127.0.0.1", 80)), [v4]);
        assert_eq!(parsed(&("127.0.0.1".to_string(), 80)), [v4]);
        assert_eq!(parsed(&v4), [v4]);
        assert_eq!(parsed(&[v4][..]), [v4]);
        assert_eq!(parsed(&("[::1]", 9))[0].to_string(), "[::1]:9");
        assert_eq!(parsed(&("::1", 9))[0].to_string(), "[::1]:9");
    }

    #[test]
    fn names_go_to_the_resolver() {
        assert!(
            matches!("example.com:80".to_resolve(), Resolve::Lookup(h, 80) if h == "example.com")
        );
        assert!(matches!("nonsense".to_resolve(), Resolve::Done(Err(_))));
        assert!(matches!("h:99999".to_resolve(), Resolve::Done(Err(_))));
    }
}
