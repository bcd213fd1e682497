//! A tiny curl: `http_get [-i] URL` fetches URL and writes the body to stdout; with `-i`,
//! the status line and headers first. Redirects are followed. On failure it prints the
//! error (which names the URL) and exits with status 1; an HTTP error status is still a
//! successful fetch, as with curl.

use std::io::Write;

use oneloop::http::Client;

async fn fetch(url: &str, show_head: bool) -> Result<(), Box<dyn std::error::Error>> {
    let mut resp = Client::new().get(url).await?;
    let mut out = std::io::stdout().lock();
    if show_head {
        writeln!(
            out,
            "{} {} {}\r",
            resp.version(),
            resp.status(),
            resp.reason()
        )?;
        for (name, value) in resp.headers() {
            writeln!(out, "{name}: {value}\r")?;
        }
        writeln!(out, "\r")?;
    }
    // Streamed piece by piece: a large download is never held whole.
    while let Some(piece) = resp.chunk().await? {
        out.write_all(&piece)?;
    }
    out.flush()?;
    Ok(())
}

#[oneloop::main]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let show_head = args.iter().any(|a| a == "-i");
    let urls: Vec<&String> = args.iter().filter(|a| *a != "-i").collect();
    let [url] = urls.as_slice() else {
        eprintln!("usage: http_get [-i] URL");
        std::process::exit(2);
    };
    if let Err(e) = fetch(url, show_head).await {
        eprintln!("http_get: {e}");
        std::process::exit(1);
    }
}
