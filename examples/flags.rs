//! flags: *Fluent Python*'s `flags_asyncio.py` — the flags of the 20 most populous
//! countries, all 20 downloads at once: one task each, awaited together with `gather`.
//!
//! Run it: `cargo run --example flags`. It starts the flag site inside its own loop (the
//! One Loop serves and downloads at once), prints each code as its flag arrives (`EG FR
//! JP ...`, a different order each run: that is the point) and then `20 flags downloaded
//! in 0.09s`. Try `-s DELAY`: every answer is half a second late, yet the whole run takes
//! about half a second, not ten. `--base-url http://127.0.0.1:8001/flags` downloads from
//! another server (`cargo run --example flags_server`); flags go to `downloads/` (or
//! `--dest DIR`, or `$FLAGS_DEST_DIR`).
//!
//! As in the book there is no error handling beyond stopping: with `-s ERROR` the first
//! failure ends the program (exit 1) — `flags2` is the version that counts failures.

mod flags_common;

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;
use std::rc::Rc;
use std::time::{Duration, Instant};

use flags_common::{args_or_exit, source};
use flagsite::common::{save_flag, Program, POP20_CC};
use oneloop::http::Client;

/// How long one request may take, body included, before the run gives up.
const TIMEOUT: Duration = Duration::from_secs(10);

async fn get_flag(client: &Client, base_url: &str, cc: &str) -> Result<Vec<u8>, String> {
    let url = format!("{base_url}/{cc}/{cc}.gif", cc = cc.to_lowercase());
    let resp = client.get(&url).await.map_err(|e| e.to_string())?;
    if resp.status() != 200 {
        return Err(format!("{url}: {} {}", resp.status(), resp.reason()));
    }
    resp.bytes().await.map_err(|e| e.to_string())
}

fn show(text: &str) {
    print!("{text} ");
    let _ = std::io::stdout().flush();
}

async fn download_one(
    client: Client,
    cc: String,
    base_url: Rc<str>,
    dest_dir: Rc<Path>,
) -> Result<String, String> {
    let image = get_flag(&client, &base_url, &cc).await?;
    show(&cc);
    let filename = format!("{}.gif", cc.to_lowercase());
    save_flag(&dest_dir, &filename, &image).map_err(|e| format!("cannot save {filename}: {e}"))?;
    Ok(cc)
}

async fn download_many(cc_list: &[&str], base_url: &str, dest_dir: &Path) -> Result<usize, String> {
    let client = Client::builder().timeout(TIMEOUT).build();
    let (base_url, dest_dir): (Rc<str>, Rc<Path>) = (base_url.into(), dest_dir.into());
    let mut sorted = cc_list.to_vec();
    sorted.sort_unstable();
    let res = oneloop::gather(sorted.into_iter().map(|cc| {
        oneloop::spawn(download_one(
            client.clone(),
            cc.to_string(),
            Rc::clone(&base_url),
            Rc::clone(&dest_dir),
        ))
    }))
    .await;
    let mut count = 0;
    for joined in res {
        joined.map_err(|e| e.to_string())??;
        count += 1;
    }
    Ok(count)
}

async fn async_main() -> ExitCode {
    let args = args_or_exit(Program::simple("flags"));
    let source = match source(&args).await {
        Ok(source) => source,
        Err(code) => return code,
    };
    let t0 = Instant::now();
    match download_many(&POP20_CC, &source.base_url, &args.dest_dir).await {
        Ok(count) => {
            let elapsed = t0.elapsed();
            println!(
                "\n{count} flags downloaded in {:.2}s",
                elapsed.as_secs_f64()
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            println!();
            eprintln!("*** {e}");
            ExitCode::FAILURE
        }
    }
}

fn main() -> ExitCode {
    oneloop::run(async_main())
}
