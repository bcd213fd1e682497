//! The client against servers nobody here wrote: nginx (started on an ephemeral port with
//! its own temporary prefix and configuration, stopped by pid) and Python's `http.server`
//! (HTTP/1.0; a read-until-close body). Files of 0 B, 1 B, 64 KiB and 8 MiB are fetched
//! and compared byte for byte, as is a page nginx sends chunked (server-side includes);
//! 1,000 keep-alive GETs are checked, through nginx's access log, to have used no more
//! connections than `max_connections_per_host`.
//!
//! When nginx or python3 is missing, the test says why and returns (`.ci/run` installs
//! them, so in CI they run).

use std::collections::HashSet;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use oneloop::http::{Client, ErrorKind};
use testkit::{bounded, run};
use testkit::{pattern_bytes, Watched};

/// The files served by both peers: name and size.
const FILES: [(&str, usize); 4] = [
    ("empty", 0),
    ("one", 1),
    ("small", 64 * 1024),
    ("large", 8 << 20),
];

/// A fresh directory under the system's temporary directory, removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new(what: &str) -> TempDir {
        let unique = format!("oneloop-{what}-{}-{:?}", std::process::id(), Instant::now());
        let dir = std::env::temp_dir()
            .join(unique.replace(|c: char| !c.is_ascii_alphanumeric() && c != '-', "_"));
        std::fs::create_dir_all(dir.join("www")).expect("create the temporary directory");
        for (name, size) in FILES {
            std::fs::write(dir.join("www").join(name), pattern_bytes(size)).expect("write a file");
        }
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A free port on 127.0.0.1 (bound, then released for the peer to take).
fn free_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    l.local_addr().unwrap().port()
}

/// Waits until something accepts on `addr`, failing the test after `limit`.
fn wait_for_port(addr: SocketAddr, child: &mut Child, log: &Path, limit: Duration) {
    let deadline = Instant::now() + limit;
    while std::net::TcpStream::connect(addr).is_err() {
        if let Ok(Some(status)) = child.try_wait() {
            let log = std::fs::read_to_string(log).unwrap_or_default();
            panic!("the peer exited ({status}) before listening: {log}");
        }
        assert!(
            Instant::now() < deadline,
            "the peer did not listen on {addr} within {limit:?}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// nginx running as a child, stopped by its pid when dropped.
struct Nginx {
    child: Child,
    addr: SocketAddr,
    dir: TempDir,
}

impl Nginx {
    fn binary() -> Option<PathBuf> {
        ["/usr/sbin/nginx", "/usr/local/sbin/nginx", "/usr/bin/nginx"]
            .iter()
            .map(PathBuf::from)
            .find(|p| p.is_file())
    }

    fn start(binary: &Path) -> Nginx {
        let dir = TempDir::new("nginx");
        // A page nginx assembles on the fly (server-side includes): it has no length
        // up front, so nginx sends it chunked.
        std::fs::create_dir_all(dir.0.join("www/ssi")).expect("mkdir");
        std::fs::write(
            dir.0.join("www/ssi/page.html"),
            "begin\n<!--# include virtual=\"/small\" -->\nend\n",
        )
        .expect("write the SSI page");
        let port = free_port();
        let d = dir.0.display();
        // One process (no master, no workers to switch user for), in the foreground, with
        // every path inside the temporary prefix. `$connection` numbers the connections.
        let conf = format!(
            "daemon off;\nmaster_process off;\nworker_processes 1;\npid {d}/nginx.pid;\n\
             error_log {d}/error.log warn;\nevents {{ worker_connections 256; }}\n\
             http {{\n  log_format conn '$connection $request_uri $status';\n\
               access_log {d}/access.log conn;\n  keepalive_requests 100000;\n\
               client_body_temp_path {d}/body; proxy_temp_path {d}/proxy;\n\
               fastcgi_temp_path {d}/fastcgi; uwsgi_temp_path {d}/uwsgi; scgi_temp_path {d}/scgi;\n\
               server {{ listen 127.0.0.1:{port}; root {d}/www;\n\
                 location /ssi/ {{ ssi on; ssi_types *; }} }}\n}}\n"
        );
        std::fs::write(dir.0.join("nginx.conf"), conf).expect("write nginx.conf");
        let mut child = Command::new(binary)
            .arg("-p")
            .arg(&dir.0)
            .arg("-c")
            .arg(dir.0.join("nginx.conf"))
            .arg("-e")
            .arg(dir.0.join("error.log"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start nginx");
        let addr: SocketAddr = ([127, 0, 0, 1], port).into();
        wait_for_port(
            addr,
            &mut child,
            &dir.0.join("error.log"),
            Duration::from_secs(20),
        );
        Nginx { child, addr, dir }
    }

    /// The access log: one `(connection, uri, status)` per request.
    fn log(&self) -> Vec<(u64, String, u16)> {
        let text = std::fs::read_to_string(self.dir.0.join("access.log")).unwrap_or_default();
        text.lines()
            .filter_map(|line| {
                let mut parts = line.split(' ');
                Some((
                    parts.next()?.parse().ok()?,
                    parts.next()?.to_string(),
                    parts.next()?.parse().ok()?,
                ))
            })
            .collect()
    }
}

impl Drop for Nginx {
    fn drop(&mut self) {
        let _ = self.child.kill(); // by pid: the child we started, nothing else
        let _ = self.child.wait();
    }
}

/// Fetches every file from `base` and compares it; the large one also streamed by chunk().
async fn fetch_files(client: &Client, base: &str) {
    for (name, size) in FILES {
        let url = format!("{base}/{name}");
        let resp = bounded("GET a file", client.get(&url)).await.unwrap();
        assert_eq!(resp.status(), 200, "{url}");
        let body = bounded("its body", resp.bytes()).await.unwrap();
        assert_eq!(body.len(), size, "{url}");
        assert!(body == pattern_bytes(size), "{url}: the bytes differ");
    }
    let mut resp = client.get(&format!("{base}/large")).await.unwrap();
    let expected = pattern_bytes(8 << 20);
    let mut offset = 0;
    while let Some(piece) = bounded("a chunk", resp.chunk()).await.unwrap() {
        assert!(piece.len() <= expected.len() - offset);
        assert!(
            piece[..] == expected[offset..offset + piece.len()],
            "differs at {offset}"
        );
        offset += piece.len();
    }
    assert_eq!(offset, expected.len());
}

#[test]
fn nginx_files_byte_for_byte_and_keep_alive_reuse() {
    let Some(binary) = Nginx::binary() else {
        println!("nginx is not installed: skipping (.ci/run installs it)");
        return;
    };
    let nginx = Nginx::start(&binary);
    let base = format!("http://{}", nginx.addr);
    run({
        let base = base.clone();
        move || async move {
            let client = Client::builder().max_connections_per_host(2).build();
            fetch_files(&client, &base).await;
            let resp = client.head(&format!("{base}/large")).await.unwrap();
            assert_eq!(resp.header("content-length"), Some("8388608"));
            assert_eq!(resp.bytes().await.unwrap(), b"");
            let resp = client.get(&format!("{base}/ssi/page.html")).await.unwrap();
            assert_eq!(resp.header("transfer-encoding"), Some("chunked"));
            let mut expected = b"begin\n".to_vec();
            expected.extend(pattern_bytes(64 * 1024));
            expected.extend(b"\nend\n");
            assert!(
                resp.bytes().await.unwrap() == expected,
                "the chunked page differs"
            );
            let resp = client.get(&format!("{base}/missing")).await.unwrap();
            assert_eq!(resp.status(), 404);
            let _ = resp.bytes().await.unwrap();
        }
    });
    let before = nginx.log().len();

    // 1,000 sequential GETs on a fresh client bounded to 2 connections, then 1,000 from
    // 8 tasks at once on a client bounded to 3.
    run({
        let base = base.clone();
        move || async move {
            let client = Client::builder().max_connections_per_host(2).build();
            for i in 0..1000 {
                let resp = client.get(&format!("{base}/one?seq={i}")).await.unwrap();
                assert_eq!(resp.bytes().await.unwrap(), pattern_bytes(1));
            }
            let client = Client::builder().max_connections_per_host(3).build();
            let mut tasks = Vec::new();
            for t in 0..8 {
                let (client, base) = (client.clone(), base.clone());
                tasks.push(oneloop::spawn(async move {
                    for i in 0..125 {
                        let resp = client
                            .get(&format!("{base}/one?par={t}-{i}"))
                            .await
                            .unwrap();
                        assert_eq!(resp.bytes().await.unwrap(), pattern_bytes(1));
                    }
                }));
            }
            for task in tasks {
                bounded("a fetching task", task).await.unwrap();
            }
        }
    });
    let log = nginx.log();
    let connections = |prefix: &str| -> HashSet<u64> {
        log[before..]
            .iter()
            .filter(|(_, uri, status)| uri.starts_with(prefix) && *status == 200)
            .map(|(c, _, _)| *c)
            .collect()
    };
    let seq = log[before..]
        .iter()
        .filter(|(_, uri, _)| uri.starts_with("/one?seq="))
        .count();
    let par = log[before..]
        .iter()
        .filter(|(_, uri, _)| uri.starts_with("/one?par="))
        .count();
    assert_eq!((seq, par), (1000, 1000), "every request reached nginx");
    let seq_conns = connections("/one?seq=").len();
    let par_conns = connections("/one?par=").len();
    println!(
        "nginx: 1000 sequential GETs on {seq_conns} connection(s), 1000 concurrent on {par_conns}"
    );
    assert!(
        (1..=2).contains(&seq_conns),
        "{seq_conns} connections for the sequential GETs"
    );
    assert!(
        (1..=3).contains(&par_conns),
        "{par_conns} connections for the concurrent GETs"
    );
}

#[test]
fn python_http_server_http_1_0_and_read_until_close() {
    if !testkit::http::installed("python3") {
        println!("python3 is not installed: skipping (.ci/run installs it)");
        return;
    }
    let dir = TempDir::new("python");
    // Files come from SimpleHTTPRequestHandler (with Content-Length); /stream/N sends N
    // pattern bytes with no length at all: the body ends when the server closes.
    let script = r#"
import http.server, os, sys
class Handler(http.server.SimpleHTTPRequestHandler):
    protocol_version = "HTTP/1.0"
    def do_GET(self):
        if self.path.startswith("/stream/"):
            n = int(self.path.split("/")[2])
            self.send_response(200)
            self.send_header("Content-Type", "application/octet-stream")
            self.end_headers()
            self.wfile.write((bytes(range(251)) * (n // 251 + 1))[:n])
            return
        super().do_GET()
    def log_message(self, *args):
        pass
os.chdir(sys.argv[1])
server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print(server.server_address[1], flush=True)
server.serve_forever()
"#;
    let mut cmd = Command::new("python3");
    cmd.arg("-c").arg(script).arg(dir.0.join("www"));
    let mut python = Watched::spawn(cmd);
    let port: u16 = python.wait_line(Duration::from_secs(20), |line| line.trim().parse().ok());
    let base = format!("http://127.0.0.1:{port}");
    run(move || async move {
        let client = Client::new();
        fetch_files(&client, &base).await;
        let resp = client.get(&format!("{base}/one")).await.unwrap();
        assert_eq!(resp.version(), "HTTP/1.0");
        assert!(resp.header("server").unwrap_or("").contains("Python"));
        let _ = resp.bytes().await;
        for size in [0usize, 1, 64 * 1024, 8 << 20] {
            let resp = bounded("stream", client.get(&format!("{base}/stream/{size}")))
                .await
                .unwrap();
            assert_eq!(resp.header("content-length"), None);
            let body = bounded("until close", resp.bytes()).await.unwrap();
            assert!(
                body == pattern_bytes(size),
                "{size} bytes until close differ"
            );
        }
        let err = client.get(&format!("{base}/nope")).await.unwrap().status();
        assert_eq!(err, 404);
        let limited = Client::builder().max_body_size(1000).build();
        let err = limited
            .get(&format!("{base}/stream/5000"))
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::BodyTooLarge);
    });
    let _ = python.child.kill();
}
