//! HTTP-level tests of the `http_charfinder` example, as its header describes it: the
//! page, the `/chars` JSON API and its edges, 400/404/405, HEAD, and the escaping of
//! hostile queries.
//!
//! Most tests start the example's own server module (`examples/http_charfinder/app.rs`)
//! inside a loop on a thread of their own, on `127.0.0.1:0`, and talk to it with
//! `oneloop::http::Client` or with `curl`. One test runs the built binary to check its
//! startup line, its log and its Ctrl-C exit. Expected answers come from `charindex`.
//!
//! Every wait is bounded: the client has a timeout, each client loop runs under
//! `testkit::run`, `curl` gets `--max-time`, and the binary is killed when its test ends (`testkit`).

use std::process::{Command, Stdio};

use charindex::describe::char_name;
use charindex::web::{escape_html, percent_encode};
use charindex::UnicodeNameIndex;
use oneloop::http::Client;
use serde_json::Value;

use testkit::example::{example_binary, Server};
use testkit::http_charfinder::{index, InProcess};
use testkit::limit;

// ---------------------------------------------------------------------------------------
// Clients
// ---------------------------------------------------------------------------------------

/// What a client saw: status, the headers we check, and the body.
#[derive(Debug)]
struct Answer {
    status: u16,
    content_type: Option<String>,
    content_length: Option<String>,
    allow: Option<String>,
    body: String,
}

/// One request with `oneloop::http::Client`, in a loop of its own.
fn fetch(method: &'static str, url: String) -> Answer {
    testkit::run(move || async move {
        let client = Client::builder().timeout(limit()).build();
        let response = client
            .request(method, &url)
            .send()
            .await
            .unwrap_or_else(|e| panic!("{method} {url}: {e}"));
        let header = |name: &str| response.header(name).map(str::to_string);
        let (status, content_type, content_length, allow) = (
            response.status(),
            header("content-type"),
            header("content-length"),
            header("allow"),
        );
        let body = response.text().await.expect("body");
        Answer {
            status,
            content_type,
            content_length,
            allow,
            body,
        }
    })
}

fn get(url: String) -> Answer {
    fetch("GET", url)
}

/// The home page for `query` (percent-encoded here), checked to be a 200 HTML page.
fn page(server: &InProcess, query: &str) -> String {
    let answer = get(server.url(&format!("/?query={}", percent_encode(query))));
    assert_eq!(answer.status, 200, "{query:?}: {}", answer.body);
    assert_eq!(
        answer.content_type.as_deref(),
        Some("text/html; charset=utf-8")
    );
    answer.body
}

/// `/chars` with a raw query string, parsed as JSON; panics unless the answer is a 200.
fn chars(server: &InProcess, query_string: &str) -> Value {
    let answer = get(server.url(&format!("/chars?{query_string}")));
    assert_eq!(answer.status, 200, "{query_string}: {}", answer.body);
    assert_eq!(answer.content_type.as_deref(), Some("application/json"));
    serde_json::from_str(&answer.body).unwrap_or_else(|e| panic!("{e}: {}", answer.body))
}

/// `curl` with `args`; `None` (and a printed reason) when curl is not installed.
fn curl(args: &[&str]) -> Option<String> {
    let output = match Command::new("curl")
        .args(["--silent", "--show-error", "--max-time", "20"])
        .args(args)
        .stdin(Stdio::null())
        .output()
    {
        Ok(output) => output,
        Err(e) => {
            println!("curl checks skipped: cannot run curl: {e}");
            return None;
        }
    };
    assert!(
        output.status.success(),
        "curl {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    Some(String::from_utf8(output.stdout).expect("curl printed UTF-8"))
}

// ---------------------------------------------------------------------------------------
// Expected answers
// ---------------------------------------------------------------------------------------

/// The rows the page must hold for these characters:
/// `<tr><td>U+XXXX</td><th>c</th><td>NAME</td></tr>`.
fn rows(chars: &[char]) -> String {
    chars
        .iter()
        .map(|&c| {
            format!(
                "<tr><td>U+{:04X}</td><th>{}</th><td>{}</td></tr>\n",
                u32::from(c),
                escape_html(&c.to_string()),
                char_name(c).unwrap()
            )
        })
        .collect()
}

/// The `<tbody>` of a page.
fn table_body(html: &str) -> &str {
    let start = html.find("<tbody>\n").expect("a tbody") + "<tbody>\n".len();
    let end = html.find("</tbody>").expect("a tbody end");
    &html[start..end]
}

/// The text of the status message.
fn message(html: &str) -> &str {
    let start = html.find("<span id=\"message\">").expect("a message") + 19;
    let end = start + html[start..].find("</span>").expect("a message end");
    &html[start..end]
}

/// The status line for `query` as the page shows it (HTML-escaped).
fn escaped_status(query: &str) -> String {
    escape_html(&UnicodeNameIndex::status(query, index().find(query).len()))
}

/// Checks one `/chars` answer against the index.
fn check_chars(answer: &Value, query: &str, start: usize, stop: usize) {
    let all = index().find(query);
    assert_eq!(answer["total"], all.len(), "{answer}");
    assert_eq!(answer["start"], start, "{answer}");
    assert_eq!(answer["stop"], stop, "{answer}");
    let entries = answer["chars"].as_array().expect("a chars array");
    assert_eq!(entries.len(), stop - start);
    for (entry, &c) in entries.iter().zip(all.iter().skip(start)) {
        assert_eq!(entry["code"], format!("U+{:04X}", u32::from(c)));
        assert_eq!(entry["char"], c.to_string());
        assert_eq!(entry["name"], char_name(c).unwrap());
        assert_eq!(entry.as_object().unwrap().len(), 3);
    }
}

// ---------------------------------------------------------------------------------------
// The page
// ---------------------------------------------------------------------------------------

#[test]
fn cat_face_page_has_every_row_and_the_status_line() {
    let server = InProcess::start();
    let html = page(&server, "cat face");
    assert!(
        html.starts_with("<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">")
    );
    assert!(html.trim_end().ends_with("</html>"));
    assert_eq!(table_body(&html), rows(&index().find("cat face")));
    assert_eq!(message(&html), "10 matches for &#39;cat face&#39;");
    assert!(html.contains(r#"<input type="search" name="query" value="cat face""#));
    assert!(
        html.contains(r#"<a href="/?query=Braille" title="find &quot;Braille&quot;">Braille</a>"#)
    );
}

#[test]
fn empty_query_prompts() {
    let server = InProcess::start();
    for url in ["/", "/?query=", "/?query=+++", "/?other=1"] {
        let answer = get(server.url(url));
        assert_eq!(answer.status, 200);
        assert_eq!(message(&answer.body), "Enter words describing characters.");
        assert_eq!(table_body(&answer.body), "");
        assert!(answer.body.contains(r#"name="query" value="""#), "{url}");
    }
}

#[test]
fn code_point_and_literal_character_queries() {
    let server = InProcess::start();
    let fire = page(&server, "U+1F525");
    assert_eq!(
        table_body(&fire),
        "<tr><td>U+1F525</td><th>🔥</th><td>FIRE</td></tr>\n"
    );
    assert_eq!(message(&fire), "1 match for &#39;U+1F525&#39;");
    let e_acute = page(&server, "é");
    assert_eq!(
        table_body(&e_acute),
        "<tr><td>U+00E9</td><th>é</th><td>LATIN SMALL LETTER E WITH ACUTE</td></tr>\n"
    );
    assert_eq!(message(&e_acute), "1 match for &#39;é&#39;");
    assert!(e_acute.contains(r#"value="é""#));
    // A query that is not UTF-8 reads as U+FFFD, which describes itself.
    let answer = get(server.url("/?query=%FF"));
    assert_eq!(message(&answer.body), "1 match for &#39;\u{FFFD}&#39;");
}

#[test]
fn cjk_page_holds_the_first_200_rows_and_says_the_total() {
    let server = InProcess::start();
    let html = page(&server, "cjk");
    let all = index().find("cjk");
    assert!(all.len() > 90_000, "{}", all.len());
    assert_eq!(table_body(&html), rows(&all[..200]));
    assert_eq!(
        message(&html),
        format!("{} matches for &#39;cjk&#39;", all.len())
    );
    assert!(html.contains(&format!(r#"data-query="cjk" data-total="{}""#, all.len())));
}

// ---------------------------------------------------------------------------------------
// /chars
// ---------------------------------------------------------------------------------------

#[test]
fn chars_answers_every_window_edge() {
    let server = InProcess::start();
    let cat_total = index().find("cat face").len();
    // `stop` omitted: a full page from `start`, or up to the total.
    check_chars(&chars(&server, "query=cjk&start=0"), "cjk", 0, 200);
    check_chars(
        &chars(&server, "query=cat+face&start=3"),
        "cat face",
        3,
        cat_total,
    );
    // `stop` beyond the total, and beyond a page.
    check_chars(
        &chars(&server, "query=cat%20face&start=0&stop=1000"),
        "cat face",
        0,
        cat_total,
    );
    check_chars(
        &chars(&server, "query=cjk&start=100&stop=100000"),
        "cjk",
        100,
        300,
    );
    check_chars(
        &chars(&server, "query=cjk&start=100&stop=150"),
        "cjk",
        100,
        150,
    );
    // `start == total`, and past it: empty, with `stop == start`.
    let at_end = format!("query=cat+face&start={cat_total}");
    check_chars(&chars(&server, &at_end), "cat face", cat_total, cat_total);
    check_chars(
        &chars(&server, "query=cat+face&start=50&stop=60"),
        "cat face",
        50,
        50,
    );
    check_chars(
        &chars(&server, "query=cat+face&start=4&stop=4"),
        "cat face",
        4,
        4,
    );
    // A late page of the largest query, and the other kinds of query.
    check_chars(
        &chars(&server, "query=cjk&start=90000"),
        "cjk",
        90_000,
        90_200,
    );
    check_chars(&chars(&server, "query=U%2B1F525&start=0"), "U+1F525", 0, 1);
    check_chars(&chars(&server, "query=%C3%A9%E2%82%AC&start=0"), "é€", 0, 2);
    check_chars(
        &chars(&server, "query=jabberwocky&start=0"),
        "jabberwocky",
        0,
        0,
    );
    check_chars(&chars(&server, "start=0"), "", 0, 0);
}

#[test]
fn chars_refuses_bad_windows_with_400() {
    let server = InProcess::start();
    for (query_string, reason) in [
        ("query=cat", "missing start"),
        ("query=cat&stop=10", "missing start"),
        ("query=cat&start=", "start must be a whole number"),
        ("query=cat&start=abc", "start must be a whole number"),
        ("query=cat&start=-1", "start must be a whole number"),
        ("query=cat&start=1.5", "start must be a whole number"),
        ("query=cat&start=%2B5", "start must be a whole number"),
        ("query=cat&start=%FF", "start must be a whole number"),
        ("query=cat&start=%", "start must be a whole number"),
        ("query=cat&start=1&stop=%C3", "stop must be a whole number"),
        ("query=cat&start=0&stop=ten", "stop must be a whole number"),
        ("query=cat&start=0&stop=-200", "stop must be a whole number"),
        (
            "query=cat&start=10&stop=5",
            "start must not be greater than stop",
        ),
    ] {
        let answer = get(server.url(&format!("/chars?{query_string}")));
        assert_eq!(answer.status, 400, "{query_string}");
        assert_eq!(answer.body, format!("{reason}\n"), "{query_string}");
        assert_eq!(
            answer.content_type.as_deref(),
            Some("text/plain; charset=utf-8")
        );
    }
}

// ---------------------------------------------------------------------------------------
// 404, 405, HEAD
// ---------------------------------------------------------------------------------------

#[test]
fn unknown_paths_are_404() {
    let server = InProcess::start();
    for path in ["/nope", "/chars/", "/index.html", "//", "/%2F"] {
        let answer = get(server.url(path));
        assert_eq!(answer.status, 404, "{path}");
        assert_eq!(answer.body, "not found\n");
    }
}

#[test]
fn other_methods_are_405_with_allow() {
    let server = InProcess::start();
    for method in ["POST", "PUT", "DELETE", "PATCH", "OPTIONS"] {
        for path in ["/?query=cat", "/chars?start=0"] {
            let answer = fetch(method, server.url(path));
            assert_eq!(answer.status, 405, "{method} {path}");
            assert_eq!(answer.allow.as_deref(), Some("GET, HEAD"));
        }
    }
}

#[test]
fn head_gives_get_headers_without_a_body() {
    let server = InProcess::start();
    for path in [
        "/?query=cat+face",
        "/chars?query=cjk&start=0",
        "/chars?start=x",
        "/nope",
    ] {
        let got = get(server.url(path));
        let head = fetch("HEAD", server.url(path));
        assert_eq!(head.status, got.status, "{path}");
        assert_eq!(head.content_type, got.content_type, "{path}");
        assert_eq!(head.content_length, got.content_length, "{path}");
        assert_eq!(head.body, "", "{path}");
    }
}

// ---------------------------------------------------------------------------------------
// Escaping
// ---------------------------------------------------------------------------------------

/// The tag names of a page, in order.
fn tags(html: &str) -> Vec<String> {
    html.split('<')
        .skip(1)
        .map(|tag| tag.split(['>', ' ', '\n']).next().unwrap_or("").to_string())
        .collect()
}

const ATTACKS: [&str; 8] = [
    "<script>alert(1)</script>",
    "\"><img src=x onerror=alert(1)>",
    "'",
    "&amp;",
    "' onmouseover='alert(1)",
    "</title></head><body onload=alert(1)>",
    "</script><script>alert(1)</script>",
    "<!--",
];

#[test]
fn hostile_queries_come_back_escaped_everywhere() {
    let server = InProcess::start();
    let plain = page(&server, "jabberwocky");
    for attack in ATTACKS {
        let html = page(&server, attack);
        let escaped = escape_html(attack);
        assert!(html.contains(&format!("value=\"{escaped}\"")), "{attack}");
        assert!(
            html.contains(&format!("data-query=\"{escaped}\"")),
            "{attack}"
        );
        assert!(html.contains(&format!("<title>{escaped} \u{2014} Charfinder</title>")));
        assert_eq!(message(&html), escaped_status(attack), "{attack}");
        // The markup is the markup of any page, plus one row's tags per result: no query
        // can end an attribute or open a tag.
        let found = index().find(attack).len().min(200);
        let mut expected = tags(&plain);
        let at = expected.iter().position(|t| t == "/tbody").unwrap();
        for _ in 0..found {
            expected.splice(
                at..at,
                ["tr", "td", "/td", "th", "/th", "td", "/td", "/tr"].map(String::from),
            );
        }
        assert_eq!(tags(&html), expected, "{attack}");
        // The sample links are the same on every page.
        let links = |html: &str| {
            html.lines()
                .find(|l| l.starts_with("<p>Examples:"))
                .map(str::to_string)
        };
        assert_eq!(links(&html), links(&plain));
    }
}

#[test]
fn hostile_queries_are_plain_strings_in_json() {
    let server = InProcess::start();
    for attack in ATTACKS {
        let query_string = format!("query={}&start=0", percent_encode(attack));
        let answer = chars(&server, &query_string);
        check_chars(&answer, attack, 0, index().find(attack).len().min(200));
    }
}

// ---------------------------------------------------------------------------------------
// curl
// ---------------------------------------------------------------------------------------

#[test]
fn curl_sees_the_same_answers() {
    let server = InProcess::start();
    let base = server.url("");
    let Some(html) = curl(&[
        "-G",
        &format!("{base}/"),
        "--data-urlencode",
        "query=cat face",
    ]) else {
        return;
    };
    assert_eq!(table_body(&html), rows(&index().find("cat face")));
    let json = curl(&[&format!("{base}/chars?query=cjk&start=90000")]).unwrap();
    let json: Value = serde_json::from_str(&json).unwrap();
    check_chars(&json, "cjk", 90_000, 90_200);
    let attack = curl(&[
        "-G",
        &format!("{base}/"),
        "--data-urlencode",
        "query=\"><img src=x onerror=alert(1)>",
    ])
    .unwrap();
    assert!(attack.contains("value=\"&quot;&gt;&lt;img src=x onerror=alert(1)&gt;\""));
    assert!(!attack.contains("<img"));
    // Status lines and headers: -i for GET, -I for HEAD, -X for the method.
    let head = curl(&["-I", &format!("{base}/?query=cjk")]).unwrap();
    assert!(head.starts_with("HTTP/1.1 200 OK\r\n"), "{head}");
    assert!(head
        .to_ascii_lowercase()
        .contains("content-type: text/html; charset=utf-8\r\n"));
    let post = curl(&["-i", "-X", "POST", &format!("{base}/")]).unwrap();
    assert!(post.starts_with("HTTP/1.1 405 "), "{post}");
    let missing = curl(&["-i", &format!("{base}/missing")]).unwrap();
    assert!(missing.starts_with("HTTP/1.1 404 "), "{missing}");
    let bad = curl(&["-i", &format!("{base}/chars?query=cjk&start=9&stop=1")]).unwrap();
    assert!(bad.starts_with("HTTP/1.1 400 "), "{bad}");
    assert!(
        bad.ends_with("\r\n\r\nstart must not be greater than stop\n"),
        "{bad}"
    );
}

// ---------------------------------------------------------------------------------------
// The binary: startup line, log, Ctrl-C
// ---------------------------------------------------------------------------------------

#[test]
fn binary_prints_startup_log_and_shutdown_lines() {
    let mut command = Command::new(example_binary("http_charfinder"));
    command.args(["127.0.0.1", "0"]);
    let mut server = Server::start(command, true);
    let addr = server.addr;
    assert_eq!(
        server.first_line,
        format!("Serving on {addr}. Hit CTRL-C to stop.")
    );
    assert_ne!(addr.port(), 0);

    let answer = get(format!("http://{addr}/?query=it%27s+a+cat"));
    assert_eq!(answer.status, 200);
    assert_eq!(server.next_line(), "Query: \"it's a cat\"");
    assert_eq!(server.next_line(), "Sending 0 results");
    let answer = get(format!("http://{addr}/chars?query=cjk&start=90000"));
    assert_eq!(answer.status, 200);
    assert_eq!(server.next_line(), "Query: 'cjk'");
    assert_eq!(server.next_line(), "Sending 200 results");

    // Ctrl-C: the shutdown line, then a clean exit.
    let status = server.interrupt_and_wait(limit());
    assert_eq!(server.next_line(), "Server shutting down.");
    assert!(status.success(), "{status}");
}
