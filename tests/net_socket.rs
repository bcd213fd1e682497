//! `TcpSocket` (options before bind, listen, connect) and `lookup_host` (names resolved on
//! the blocking pool while the loop runs on; numeric addresses parsed in place).

use std::rc::Rc;

use oneloop::net::{lookup_host, TcpListener, TcpSocket, TcpStream};
use testkit::{bounded, closed_port, run};

#[test]
fn reuseport_lets_two_listeners_share_a_port() {
    run(|| async {
        let first = TcpSocket::new_v4().unwrap();
        first.set_reuseport(true).unwrap();
        first.set_reuseaddr(true).unwrap();
        first.bind("127.0.0.1:0".parse().unwrap()).unwrap();
        let addr = first.local_addr().unwrap();
        let first = first.listen(64).unwrap();
        let second = TcpSocket::new_v4().unwrap();
        second.set_reuseport(true).unwrap();
        second.bind(addr).unwrap();
        let second = second.listen(64).unwrap();
        assert_eq!(second.local_addr().unwrap(), addr);
        // Without the option, the port is taken.
        let third = TcpSocket::new_v4().unwrap();
        assert!(third.bind(addr).is_err());
        drop((first, second));
    });
}

#[test]
fn tcp_socket_connects_and_reports_refusal() {
    run(|| async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let stream = bounded("connect", TcpSocket::new_v4().unwrap().connect(addr))
            .await
            .unwrap();
        let (_accepted, peer) = bounded("accept", listener.accept()).await.unwrap();
        assert_eq!(peer, stream.local_addr().unwrap());
        let refused = ([127, 0, 0, 1], closed_port()).into();
        let err = bounded("refused", TcpSocket::new_v4().unwrap().connect(refused))
            .await
            .unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::ConnectionRefused);
        if let Ok(v6) = TcpSocket::new_v6() {
            if v6.bind("[::1]:0".parse().unwrap()).is_ok() {
                assert!(v6.local_addr().unwrap().is_ipv6());
            }
        }
    });
}

#[test]
fn lookup_host_resolves_names_while_the_loop_runs() {
    run(|| async {
        // A name is looked up on another thread: the first poll of the lookup returns
        // Pending instead of blocking the loop (a number would resolve at once).
        let mut lookup = std::pin::pin!(lookup_host("localhost:8080"));
        let first_poll_pending = std::future::poll_fn(|cx| {
            std::task::Poll::Ready(std::future::Future::poll(lookup.as_mut(), cx).is_pending())
        })
        .await;
        assert!(first_poll_pending, "the lookup blocked the loop thread");
        let addrs: Vec<_> = bounded("lookup", lookup).await.unwrap().collect();
        assert!(!addrs.is_empty());
        assert!(addrs
            .iter()
            .all(|a| a.ip().is_loopback() && a.port() == 8080));
        // Numeric forms, and nonsense.
        let v4: Vec<_> = lookup_host(("10.1.2.3", 7)).await.unwrap().collect();
        assert_eq!(v4[0].to_string(), "10.1.2.3:7");
        let v6: Vec<_> = lookup_host("[fe80::1]:9").await.unwrap().collect();
        assert_eq!(v6[0].port(), 9);
        assert!(lookup_host("no port here").await.is_err());
        // Connecting by name goes through the same lookup.
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        bounded("connect by name", TcpStream::connect(("localhost", port)))
            .await
            .unwrap();
    });
}

#[test]
fn a_cancelled_lookup_reports_the_cancellation() {
    run(|| async {
        let task = oneloop::spawn(async { lookup_host("localhost:1").await.map(|a| a.count()) });
        task.cancel();
        let outcome = bounded("cancelled lookup", task).await;
        // Cancelled before its first poll, or at the lookup's cancellation point.
        match outcome {
            Err(join) => assert!(join.is_cancelled()),
            Ok(Err(e)) => assert!(oneloop::is_cancelled(&e), "{e}"),
            Ok(Ok(n)) => panic!("the lookup ignored the cancel ({n} addresses)"),
        }
        let task = oneloop::spawn(async { lookup_host("localhost:1").await.map(|a| a.count()) });
        // Spawned next, so it runs right after the lookup's first poll, in the same turn:
        // the cancel arrives before the pool's answer can be seen (a later turn), and the
        // lookup's next poll delivers it.
        let task = Rc::new(task);
        let canceller = oneloop::spawn({
            let task = Rc::clone(&task);
            async move { task.cancel() }
        });
        assert!(canceller.await.unwrap(), "the lookup had not finished");
        let task = Rc::try_unwrap(task).unwrap_or_else(|_| unreachable!("one owner left"));
        let err = bounded("cancelled lookup", task)
            .await
            .unwrap()
            .unwrap_err();
        assert!(oneloop::is_cancelled(&err), "{err}");
    });
}
