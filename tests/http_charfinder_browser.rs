//! The `http_charfinder` page in a real browser: headless Chromium driven through
//! chromedriver (WebDriver), against the example's server started in-process.
//!
//! It checks what only a browser can: that the script fetches 200 more rows each time the
//! end of the table is scrolled into view (200 → 400 → 600 …) and that those rows are
//! `/chars`'s; that the state line says `loading…` / `all N shown`; that hostile queries
//! run nothing (no dialog, no injected element) and round-trip into the form. It also
//! writes a screenshot of the `cat face` page to `target/http_charfinder_cat_face.png`.
//!
//! Skipped, with the reason printed, where Chromium or chromedriver is not installed
//! (`.ci/run` installs both). Bounded in time: every WebDriver command has a timeout,
//! every wait a deadline, the whole test runs under `testkit::within`, and the browser is
//! killed on every path (`testkit::webdriver::Browser`'s `Drop`).

use std::path::PathBuf;
use std::time::Duration;

use charindex::web::percent_encode;
use charindex::UnicodeNameIndex;
use oneloop::http::Client;
use serde_json::{json, Value};
use testkit::http_charfinder::{index, InProcess};
use testkit::webdriver::Browser;

/// The bound on the whole test: a browser's start, four scenarios and a screenshot, each
/// of whose waits is bounded by `testkit::limit()`, on a slow machine.
const WHOLE_TEST: Duration = Duration::from_secs(3 * testkit::LIMIT.as_secs());

const ROW_COUNT: &str = "return document.querySelectorAll('#chars tbody tr').length;";
const STATE: &str = "return document.getElementById('more').textContent;";

/// The cells' text of every row of the table.
const ROW_TEXTS: &str = "return Array.from(document.querySelectorAll('#chars tbody tr'), \
                         row => Array.from(row.cells, cell => cell.textContent));";

fn number(value: Value) -> u64 {
    value
        .as_u64()
        .unwrap_or_else(|| panic!("not a number: {value}"))
}

/// The rows `/chars` gives for `query`, from `0` to `stop`, fetched page by page with the
/// project's client: `[code, char, name]` each.
fn chars_rows(server: &InProcess, query: &str, stop: usize) -> Vec<Value> {
    let base = server.url("/chars");
    let query = percent_encode(query);
    testkit::run(move || async move {
        let client = Client::builder().timeout(testkit::limit()).build();
        let mut rows = Vec::new();
        while rows.len() < stop {
            let url = format!("{base}?query={query}&start={}", rows.len());
            let response = client.get(&url).await.expect("GET /chars");
            assert_eq!(response.status(), 200);
            let page: Value =
                serde_json::from_str(&response.text().await.expect("body")).expect("JSON");
            let entries = page["chars"].as_array().expect("chars").clone();
            assert!(!entries.is_empty(), "{url} ran dry");
            rows.extend(
                entries
                    .into_iter()
                    .map(|e| json!([e["code"], e["char"], e["name"]])),
            );
        }
        rows.truncate(stop);
        rows
    })
}

/// Scrolls to the bottom and waits until the table has `want` rows and is not loading;
/// checks that the state line said `loading…` meanwhile.
fn scroll_until(browser: &Browser, want: u64) {
    browser
        .execute(
            "if (window.stateWatch) { window.stateWatch.disconnect(); }
             window.states = [];
             window.stateWatch = new MutationObserver(() =>
                 window.states.push(document.getElementById('more').textContent));
             window.stateWatch.observe(document.getElementById('more'),
                 { childList: true, characterData: true, subtree: true });
             window.scrollTo(0, document.body.scrollHeight);",
            json!([]),
        )
        .unwrap();
    browser
        .wait_for(
            &format!("{want} rows"),
            testkit::limit(),
            &format!(
                "return document.querySelectorAll('#chars tbody tr').length >= {want} \
                 && document.getElementById('more').textContent.indexOf('loading') < 0;"
            ),
        )
        .unwrap();
    let states = browser.execute("return window.states;", json!([])).unwrap();
    assert!(
        states
            .as_array()
            .unwrap()
            .contains(&json!("loading\u{2026}")),
        "{states}"
    );
}

fn scrolling_loads_200_rows_at_a_time(browser: &Browser, server: &InProcess) {
    browser.goto(&server.url("/?query=cjk")).unwrap();
    let total = index().find("cjk").len();
    assert_eq!(number(browser.execute(ROW_COUNT, json!([])).unwrap()), 200);
    assert_eq!(
        browser.execute(STATE, json!([])).unwrap(),
        json!(format!("200 of {total} shown; scroll for more"))
    );
    let mut counts = vec![200];
    for round in 2..=5 {
        scroll_until(browser, 200 * round);
        counts.push(number(browser.execute(ROW_COUNT, json!([])).unwrap()));
    }
    assert_eq!(counts, [200, 400, 600, 800, 1000]);
    assert_eq!(
        browser.execute(STATE, json!([])).unwrap(),
        json!(format!("1000 of {total} shown; scroll for more"))
    );
    let shown = browser.execute(ROW_TEXTS, json!([])).unwrap();
    assert_eq!(shown, Value::Array(chars_rows(server, "cjk", 1000)));
}

fn scrolling_stops_at_the_total(browser: &Browser, server: &InProcess) {
    let total = index().find("circled").len();
    assert!((201..400).contains(&total), "{total}");
    browser.goto(&server.url("/?query=circled")).unwrap();
    scroll_until(browser, total as u64);
    assert_eq!(
        browser.execute(STATE, json!([])).unwrap(),
        json!(format!("all {total} shown"))
    );
    // Scrolling again fetches nothing more.
    browser
        .execute("window.scrollTo(0, document.body.scrollHeight);", json!([]))
        .unwrap();
    let count = number(browser.execute(ROW_COUNT, json!([])).unwrap());
    assert_eq!(count, total as u64);
    let shown = browser.execute(ROW_TEXTS, json!([])).unwrap();
    assert_eq!(shown, Value::Array(chars_rows(server, "circled", total)));
}

/// Counts every element, images and scripts, and reads what the page shows of the query.
const INSPECT: &str = "return {
    elements: document.getElementsByTagName('*').length,
    images: document.images.length,
    scripts: document.scripts.length,
    pwned: window.pwned === undefined ? null : String(window.pwned),
    value: document.querySelector('input[name=query]').value,
    message: document.getElementById('message').textContent,
    title: document.title,
    rows: document.querySelectorAll('#chars tbody tr').length,
};";

fn hostile_queries_run_nothing(browser: &Browser, server: &InProcess) {
    browser.goto(&server.url("/?query=jabberwocky")).unwrap();
    let plain = browser.execute(INSPECT, json!([])).unwrap();
    for attack in [
        "<img src=x onerror=\"window.pwned=1;alert(1)\">",
        "\"><img src=x onerror=alert(1)>",
        "<script>window.pwned=2;alert(2)</script>",
        "' autofocus onfocus='window.pwned=3",
        "</script><script>window.pwned=4</script>",
        "&amp; &lt;b&gt;",
    ] {
        browser
            .goto(&server.url(&format!("/?query={}", percent_encode(attack))))
            .unwrap();
        assert_eq!(browser.dialog_text(), None, "a dialog opened for {attack}");
        let seen = browser.execute(INSPECT, json!([])).unwrap();
        let rows = seen["rows"].as_u64().unwrap_or(0);
        assert_eq!(
            seen["elements"].as_u64(),
            plain["elements"].as_u64().map(|n| n + 4 * rows),
            "{attack}: {seen}"
        );
        assert_eq!(seen["images"], 0, "{attack}");
        assert_eq!(seen["scripts"], 1, "{attack}");
        assert_eq!(seen["pwned"], Value::Null, "{attack}");
        assert_eq!(seen["value"], attack, "{attack}");
        let status = UnicodeNameIndex::status(attack, index().find(attack).len());
        assert_eq!(seen["message"], status, "{attack}");
        assert_eq!(seen["title"], format!("{attack} \u{2014} Charfinder"));
    }
}

fn screenshot_of_cat_face(browser: &Browser, server: &InProcess) -> PathBuf {
    browser.goto(&server.url("/?query=cat+face")).unwrap();
    assert_eq!(number(browser.execute(ROW_COUNT, json!([])).unwrap()), 10);
    assert_eq!(
        browser.execute(STATE, json!([])).unwrap(),
        json!("all 10 shown")
    );
    let png = browser.screenshot_png().unwrap();
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"), "not a PNG");
    let manifest_dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let target = match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) => manifest_dir.join(dir),
        None => manifest_dir.join("target"),
    };
    std::fs::create_dir_all(&target).unwrap();
    let path = target.join("http_charfinder_cat_face.png");
    std::fs::write(&path, png).unwrap();
    path
}

#[test]
fn page_in_headless_chromium() {
    let (chromium, driver) = match testkit::webdriver::find_tools() {
        Ok(tools) => tools,
        Err(reason) => {
            println!("skipped: {reason}");
            return;
        }
    };
    // Declared first, dropped last: kills what is left even if the bounded run times out.
    let _reaper = testkit::webdriver::Reaper;
    testkit::within(WHOLE_TEST, "the browser test", move || {
        let server = InProcess::start();
        let browser = Browser::start(&chromium, &driver).unwrap();
        scrolling_loads_200_rows_at_a_time(&browser, &server);
        scrolling_stops_at_the_total(&browser, &server);
        hostile_queries_run_nothing(&browser, &server);
        let shot = screenshot_of_cat_face(&browser, &server);
        println!("screenshot: {}", shot.display());
    });
}
