//! Runs `examples/loop_timeline.rs` on the trace of a small program: the SVG it writes is
//! well-formed XML with a row per task, and, where `/usr/bin/chromium` exists, renders in
//! headless Chromium (the screenshot is left under `target/`). Every child process is
//! bounded, so a hang fails the test.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::rc::Rc;
use std::time::Duration;

use oneloop::{task, time, Runtime};
use testkit::example::example_binary;
use testkit::wait_exit;

fn tmp(name: &str) -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join(name)
}

/// A trace with a few tasks, sleeps, yields and a cancel.
fn record_trace(path: PathBuf) {
    testkit::within(testkit::LIMIT, "the traced program", move || {
        let rt = Runtime::builder().trace_file(path).build().unwrap();
        rt.block_on(async {
            let stop = Rc::new(oneloop::sync::Event::new());
            let mut workers = Vec::new();
            for i in 0..5 {
                let name = format!("worker <{i}> & co");
                let stop = Rc::clone(&stop);
                workers.push(task::Builder::new().name(&name).spawn(async move {
                    for _ in 0..3 {
                        task::yield_now().await.unwrap();
                    }
                    stop.wait().await
                }));
            }
            let sleeper = task::spawn(time::sleep(Duration::from_secs(60)));
            time::sleep(Duration::from_millis(2)).await.unwrap();
            sleeper.cancel();
            let _ = sleeper.await;
            stop.set();
            for w in workers {
                w.await.unwrap().unwrap();
            }
        });
    });
}

/// A tiny well-formedness check: tags nest and close, attributes are quoted, no stray `<`
/// or `&` in text. Enough to catch what a hand-written SVG writer gets wrong.
fn check_xml(xml: &str) -> Result<usize, String> {
    let mut stack: Vec<&str> = Vec::new();
    let mut elements = 0;
    let mut rest = xml;
    while let Some(open) = rest.find('<') {
        check_text(&rest[..open])?;
        let close = rest[open..].find('>').ok_or("unclosed tag")? + open;
        let tag = &rest[open + 1..close];
        rest = &rest[close + 1..];
        if let Some(name) = tag.strip_prefix('/') {
            match stack.pop() {
                Some(top) if top == name.trim() => {}
                other => return Err(format!("</{name}> closes {other:?}")),
            }
            continue;
        }
        elements += 1;
        let self_closing = tag.ends_with('/');
        let body = tag.trim_end_matches('/');
        let name = body.split_whitespace().next().ok_or("empty tag")?;
        check_attributes(&body[name.len()..])?;
        if !self_closing {
            stack.push(name);
        }
    }
    check_text(rest)?;
    match stack.as_slice() {
        [] => Ok(elements),
        open => Err(format!("never closed: {open:?}")),
    }
}

fn check_attributes(mut attrs: &str) -> Result<(), String> {
    loop {
        attrs = attrs.trim_start();
        if attrs.is_empty() {
            return Ok(());
        }
        let eq = attrs
            .find('=')
            .ok_or(format!("attribute without value: {attrs}"))?;
        let value = attrs[eq + 1..]
            .strip_prefix('"')
            .ok_or("unquoted attribute")?;
        let end = value.find('"').ok_or("unterminated attribute")?;
        check_text(&value[..end])?;
        attrs = &value[end + 1..];
    }
}

fn check_text(text: &str) -> Result<(), String> {
    if text.contains('<') {
        return Err(format!("stray < in {text:?}"));
    }
    for (i, _) in text.match_indices('&') {
        let entity = &text[i..];
        if !["&amp;", "&lt;", "&gt;", "&quot;"]
            .iter()
            .any(|e| entity.starts_with(e))
        {
            return Err(format!("bare & in {text:?}"));
        }
    }
    Ok(())
}

#[test]
fn xml_checker_catches_what_it_should() {
    assert_eq!(check_xml(r#"<a x="1"><b/><c>t &amp; u</c></a>"#), Ok(3));
    assert!(check_xml("<a><b></a>").is_err());
    assert!(check_xml("<a>x & y</a>").is_err());
    assert!(check_xml("<a x=1/>").is_err());
}

#[test]
fn timeline_svg_is_well_formed_and_renders() {
    let (trace, svg_path) = (tmp("timeline-trace.json"), tmp("timeline.svg"));
    let _ = std::fs::remove_file(&svg_path);
    record_trace(trace.clone());

    let mut child = Command::new(example_binary("loop_timeline"))
        .arg(&trace)
        .arg("-o")
        .arg(&svg_path)
        .stdout(Stdio::null())
        .spawn()
        .expect("start the example");
    let status = wait_exit(&mut child, "loop_timeline");
    assert!(status.success(), "loop_timeline failed: {status}");

    let svg = std::fs::read_to_string(&svg_path).expect("the SVG was written");
    let elements = check_xml(&svg).unwrap_or_else(|e| panic!("malformed SVG: {e}"));
    assert!(elements > 20, "{elements} elements");
    assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
    // A row label per task, names escaped; the cancel marked.
    for label in [
        "loop",
        "root (task 1)",
        "task 7",
        "worker &lt;4&gt; &amp; co (task 6)",
    ] {
        assert!(svg.contains(&format!(">{label}</text>")), "no row {label}");
    }
    assert!(svg.contains("<title>cancel delivered</title>"));

    let chromium = Path::new("/usr/bin/chromium");
    if !chromium.exists() {
        println!("skipped the rendering check: /usr/bin/chromium is not installed");
        return;
    }
    let png = tmp("timeline.png");
    let _ = std::fs::remove_file(&png);
    let mut browser = Command::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--window-size=1400,300",
        ])
        .arg(format!("--screenshot={}", png.display()))
        .arg(format!("file://{}", svg_path.display()))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start chromium");
    let status = wait_exit(&mut browser, "chromium");
    assert!(status.success(), "chromium failed: {status}");
    let size = std::fs::metadata(&png).map(|m| m.len()).unwrap_or(0);
    assert!(size > 1000, "the screenshot {} is empty", png.display());
}
