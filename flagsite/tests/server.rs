//! The flag site's handler over real loopback HTTP: every file served as the site holds
//! it, 404 and 405 for the rest, and the fault modes doing what their dice say.

use std::rc::Rc;
use std::time::{Duration, Instant};

use flagsite::faults::{Faults, Mode};
use flagsite::server::{start_with, Config, Running};
use flagsite::Site;
use oneloop::http::Client;

/// Runs `test` against a site with `faults` inside a fresh loop, bounded by a timeout so a
/// hang fails instead of blocking the suite.
fn with_site<F, Fut>(mode: Mode, faults: Faults, test: F)
where
    F: FnOnce(Running, Rc<Site>) -> Fut + Send + 'static,
    Fut: std::future::Future<Output = ()> + 'static,
{
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        oneloop::run(async move {
            let site = Rc::new(Site::new());
            let config = Config {
                mode,
                faults,
                log: false,
            };
            let running = start_with(config, Rc::clone(&site)).await.expect("start");
            test(running, site).await;
        });
        let _ = tx.send(());
    });
    rx.recv_timeout(Duration::from_secs(120))
        .expect("the site test finished (or panicked: see above)");
}

#[test]
fn local_serves_every_file_and_nothing_else() {
    with_site(Mode::Local, Faults::none(), |running, site| async move {
        let client = Client::new();
        let base = format!("http://{}", running.addr);
        let mut count = 0;
        for (path, file) in site.files() {
            let resp = client.get(&format!("{base}{path}")).await.expect("GET");
            assert_eq!(resp.status(), 200, "{path}");
            assert_eq!(resp.header("content-type"), Some(file.content_type));
            assert!(resp.bytes().await.expect("body") == file.bytes, "{path}");
            count += 1;
        }
        assert_eq!(count, 388);
        for path in [
            "/",
            "/flags/zz/zz.gif",
            "/flags/BR/br.gif",
            "/flags/br/",
            "/favicon.ico",
        ] {
            let resp = client.get(&format!("{base}{path}")).await.expect("GET");
            assert_eq!(resp.status(), 404, "{path}");
        }
        // The query string is not part of the path.
        let resp = client
            .get(&format!("{base}/flags/br/br.gif?x=1"))
            .await
            .expect("GET");
        assert_eq!(resp.status(), 200);
        let resp = client
            .head(&format!("{base}/flags/br/br.gif"))
            .await
            .expect("HEAD");
        assert_eq!(resp.status(), 200);
        assert!(resp.bytes().await.expect("no body").is_empty());
        let resp = client
            .post(&format!("{base}/flags/br/br.gif"), b"x".to_vec())
            .await
            .expect("POST");
        assert_eq!(resp.status(), 405);
        assert_eq!(resp.header("allow"), Some("GET, HEAD"));
        assert_eq!(running.stats.requests(), 388 + 5 + 3);
        assert_eq!(running.stats.in_flight(), 0);
        assert_eq!(
            running.stats.peak(),
            1,
            "one request at a time from one client"
        );
    });
}

#[test]
fn error_mode_at_rate_one_fails_every_request_both_ways() {
    let faults = Faults {
        error_rate: 1.0,
        delay_rate: 0.0,
        seed: 3,
        ..Faults::none()
    };
    with_site(Mode::Error, faults, |running, _site| async move {
        let client = Client::builder().timeout(Duration::from_secs(30)).build();
        let url = format!("{}/br/br.gif", running.base_url);
        let (mut statuses, mut dropped) = (0, 0);
        for _ in 0..60 {
            match client.get(&url).await {
                Ok(resp) => {
                    assert!((500..=503).contains(&resp.status()), "{}", resp.status());
                    statuses += 1;
                }
                Err(e) => {
                    assert!(!e.is_cancelled() && !e.is_timeout(), "{e}");
                    dropped += 1;
                }
            }
        }
        assert!(
            statuses > 0 && dropped > 0,
            "{statuses} statuses, {dropped} drops"
        );
    });
}

#[test]
fn delay_mode_answers_no_sooner_than_its_delay() {
    let faults = Faults {
        delay: Duration::from_millis(50),
        ..Faults::for_mode(Mode::Delay)
    };
    with_site(Mode::Delay, faults, |running, _site| async move {
        let client = Client::new();
        let url = format!("{}/fr/metadata.json", running.base_url);
        let t0 = Instant::now();
        let resp = client.get(&url).await.expect("GET");
        // A lower bound only: a timer never fires early, however slow the machine.
        assert!(t0.elapsed() >= Duration::from_millis(50));
        assert_eq!(
            resp.text().await.expect("body"),
            r#"{"tld_cc": ".fr", "iso_cc": "FR", "country": "France"}"#
        );
    });
}
