//! `oneloop::fs`: round trips in a temporary directory, `File` reads and writes (including
//! a read parked on a FIFO and cancelled), and `read_dir`.
//!
//! Each test works in its own directory under `std::env::temp_dir()`, named after the test
//! and the process, and removes it at the end.

use std::path::PathBuf;

use oneloop::fs;
use oneloop::io::{AsyncReadExt, AsyncWriteExt};
use testkit::{bounded, run, turns};

/// A fresh directory for one test; removed when dropped (also when the test fails).
struct TempDir(PathBuf);

impl TempDir {
    fn new(test: &str) -> TempDir {
        let path = std::env::temp_dir().join(format!("oneloop-fs-{test}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).expect("create the test directory");
        TempDir(path)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[test]
fn free_functions_round_trip() {
    run(|| async {
        let dir = TempDir::new("free");
        let root = dir.0.clone();
        fs::create_dir_all(root.join("a/b/c")).await.unwrap();
        fs::create_dir(root.join("d")).await.unwrap();
        let err = fs::create_dir(root.join("d")).await.unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::AlreadyExists);

        fs::write(root.join("a/b/c/f.txt"), "hello, fs")
            .await
            .unwrap();
        assert_eq!(
            fs::read(root.join("a/b/c/f.txt")).await.unwrap(),
            b"hello, fs"
        );
        assert_eq!(
            fs::copy(root.join("a/b/c/f.txt"), root.join("d/g.txt"))
                .await
                .unwrap(),
            9
        );
        fs::rename(root.join("d/g.txt"), root.join("d/h.txt"))
            .await
            .unwrap();
        assert!(!fs::try_exists(root.join("d/g.txt")).await.unwrap());
        assert_eq!(
            fs::read_to_string(root.join("d/h.txt")).await.unwrap(),
            "hello, fs"
        );
        assert_eq!(fs::metadata(root.join("d/h.txt")).await.unwrap().len(), 9);
        assert_eq!(
            fs::canonicalize(root.join("a/b/../b/c/./f.txt"))
                .await
                .unwrap(),
            std::fs::canonicalize(root.join("a/b/c/f.txt")).unwrap()
        );

        fs::write(root.join("bad"), [0xff, 0xfe]).await.unwrap();
        let err = fs::read_to_string(root.join("bad")).await.unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::InvalidData);

        fs::remove_file(root.join("d/h.txt")).await.unwrap();
        fs::remove_dir(root.join("d")).await.unwrap();
        fs::remove_dir_all(root.join("a")).await.unwrap();
        for gone in ["a", "d"] {
            assert!(!fs::try_exists(root.join(gone)).await.unwrap());
        }
    });
}

#[test]
fn file_writes_then_reads_back_in_pieces() {
    run(|| async {
        let dir = TempDir::new("file");
        let path = dir.0.join("data");
        let data: Vec<u8> = (0..300_000u32).map(|i| (i % 251) as u8).collect();
        let mut file = fs::File::create(&path).await.unwrap();
        for chunk in data.chunks(70_000) {
            file.write_all(chunk).await.unwrap();
        }
        file.flush().await.unwrap();
        file.set_len(250_000).await.unwrap();
        file.sync_all().await.unwrap();
        assert_eq!(file.metadata().await.unwrap().len(), 250_000);
        drop(file);

        let mut file = fs::File::open(&path).await.unwrap();
        let mut head = [0u8; 1000];
        file.read_exact(&mut head).await.unwrap();
        let mut rest = Vec::new();
        file.read_to_end(&mut rest).await.unwrap();
        assert_eq!(head[..], data[..1000]);
        assert_eq!(rest[..], data[1000..250_000]);
        assert_eq!(file.read(&mut head).await.unwrap(), 0, "end of file");

        let mut appender = fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .await
            .unwrap();
        appender.write_all(b"tail").await.unwrap();
        appender.shutdown().await.unwrap();
        let std = appender.into_std().await.unwrap();
        assert_eq!(std.metadata().unwrap().len(), 250_004);
    });
}

#[test]
fn read_dir_lists_every_entry_across_batches() {
    run(|| async {
        let dir = TempDir::new("readdir");
        // More than one batch of 32.
        for i in 0..75 {
            fs::write(dir.0.join(format!("f{i:02}")), "").await.unwrap();
        }
        fs::create_dir(dir.0.join("sub")).await.unwrap();
        let mut entries = fs::read_dir(&dir.0).await.unwrap();
        let mut names = Vec::new();
        let mut dirs = 0;
        while let Some(entry) = entries.next_entry().await.unwrap() {
            assert_eq!(entry.path(), dir.0.join(entry.file_name()));
            if entry.file_type().await.unwrap().is_dir() {
                dirs += 1;
            }
            names.push(entry.file_name().into_string().unwrap());
        }
        assert!(
            entries.next_entry().await.unwrap().is_none(),
            "stays at the end"
        );
        names.sort();
        let mut expected: Vec<String> = (0..75).map(|i| format!("f{i:02}")).collect();
        expected.push("sub".into());
        assert_eq!(names, expected);
        assert_eq!(dirs, 1);
        let err = fs::read_dir(dir.0.join("missing")).await.unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::NotFound);
    });
}

/// A FIFO opened read-write never blocks on open, and a read of it parks the pool thread
/// until a writer comes: a file read that is really in flight when the cancel arrives.
fn fifo(path: &std::path::Path) {
    let c_path = std::ffi::CString::new(path.as_os_str().as_encoded_bytes()).unwrap();
    #[allow(unsafe_code)]
    // SAFETY: a valid NUL-terminated path and a mode.
    let rc = unsafe { libc::mkfifo(c_path.as_ptr(), 0o600) };
    assert_eq!(rc, 0, "mkfifo: {}", std::io::Error::last_os_error());
}

#[test]
fn cancelled_file_read_returns_at_once_and_loses_no_byte() {
    run(|| async {
        let dir = TempDir::new("cancel-read");
        let path = dir.0.join("fifo");
        fifo(&path);
        let file = fs::OpenOptions::new()
            .read(true)
            .write(true)
            .open(&path)
            .await
            .unwrap();
        let reader = oneloop::spawn(async move {
            let mut file = file;
            let mut buf = [0u8; 16];
            let first = file.read(&mut buf).await;
            let cancelled = matches!(&first, Err(e) if oneloop::is_cancelled(e));
            // The job still runs; its bytes come with the next read.
            let n = bounded("read after cancel", file.read(&mut buf))
                .await
                .unwrap();
            (cancelled, buf[..n].to_vec())
        });
        turns(3).await; // the read job is on a pool thread, parked in read(2)
        assert!(!reader.is_finished());
        reader.cancel();
        turns(3).await;
        // The cancelled read returned although the pool thread still waits in read(2).
        let mut writer = std::fs::OpenOptions::new().write(true).open(&path).unwrap();
        std::io::Write::write_all(&mut writer, b"kept").unwrap();
        let (cancelled, got) = bounded("reader", reader).await.unwrap();
        assert!(cancelled, "the first read saw the cancellation");
        assert_eq!(got, b"kept");
    });
}

#[test]
fn cancelled_write_before_it_starts_writes_nothing_and_a_flushed_one_lands() {
    run(|| async {
        let dir = TempDir::new("cancel-write");
        let path = dir.0.join("out");
        let mut file = fs::File::create(&path).await.unwrap();
        file.write_all(b"first ").await.unwrap();
        let task = oneloop::spawn(async move {
            // The cancel arrives meanwhile, held back by the shield until the write.
            let _ = oneloop::task::shield(oneloop::task::yield_now()).await;
            let cancelled = file.write_all(b"never").await;
            let second = file.write_all(b"second").await;
            let flushed = file.flush().await;
            (
                cancelled.map_err(|e| oneloop::is_cancelled(&e)),
                second.is_ok(),
                flushed.is_ok(),
            )
        });
        oneloop::task::yield_now().await.unwrap();
        task.cancel();
        let (cancelled, second, flushed) = bounded("writer", task).await.unwrap();
        assert_eq!(cancelled, Err(true));
        assert!(second && flushed);
        assert_eq!(fs::read_to_string(&path).await.unwrap(), "first second");
    });
}

#[test]
fn cancelled_free_function_is_delivered() {
    run(|| async {
        let dir = TempDir::new("cancel-fn");
        let path = dir.0.join("fifo");
        fifo(&path);
        let path2 = path.clone();
        // fs::read of a FIFO with no writer blocks the pool thread in open(2).
        let task = oneloop::spawn(async move { fs::read(&path2).await });
        turns(3).await;
        task.cancel();
        let got = bounded("fs::read", task).await.unwrap();
        assert!(
            matches!(&got, Err(e) if oneloop::is_cancelled(e)),
            "{got:?}"
        );
        // Let the parked job finish, so no pool thread stays blocked.
        drop(std::fs::OpenOptions::new().write(true).open(&path).unwrap());
    });
}

#[test]
fn seek_moves_between_reads_and_writes() {
    use oneloop::io::AsyncSeekExt;
    use std::io::SeekFrom;
    run(|| async {
        let dir = TempDir::new("seek");
        let path = dir.0.join("f");
        let mut file = fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(true)
            .open(&path)
            .await
            .unwrap();
        file.write_all(b"abcdefghij").await.unwrap(); // write-behind: seek waits for it
        assert_eq!(file.seek(SeekFrom::Start(2)).await.unwrap(), 2);
        let mut two = [0u8; 2];
        file.read_exact(&mut two).await.unwrap();
        assert_eq!(&two, b"cd");
        assert_eq!(file.seek(SeekFrom::Current(1)).await.unwrap(), 5);
        file.read_exact(&mut two).await.unwrap();
        assert_eq!(&two, b"fg");
        assert_eq!(file.seek(SeekFrom::End(-1)).await.unwrap(), 9);
        file.write_all(b"J!").await.unwrap();
        file.rewind().await.unwrap();
        let mut all = String::new();
        file.read_to_string(&mut all).await.unwrap();
        assert_eq!(all, "abcdefghiJ!");
        assert_eq!(file.stream_position().await.unwrap(), 11);
        let std = file.try_into_std().expect("no job in flight");
        assert_eq!(std.metadata().unwrap().len(), 11);
    });
}

#[test]
fn a_file_read_is_one_trip_to_the_pool() {
    run(|| async {
        let dir = TempDir::new("trip");
        let path = dir.0.join("f");
        fs::write(&path, "twelve bytes").await.unwrap();
        let mut file = fs::File::open(&path).await.unwrap();
        let mut buf = [0u8; 64];
        let counts = testkit::Counts::new();
        let n = bounded("read", counts.wrap(file.read(&mut buf)))
            .await
            .unwrap();
        assert_eq!(&buf[..n], b"twelve bytes");
        // Polled once to start the job and park, once more when the pool thread woke us.
        assert_eq!(counts.polls(), 2);
        // End of file is a trip too (the pool thread reads 0 bytes).
        let counts = testkit::Counts::new();
        assert_eq!(counts.wrap(file.read(&mut buf)).await.unwrap(), 0);
        assert_eq!(counts.polls(), 2);
        // An empty buffer reads nothing and needs no trip.
        let counts = testkit::Counts::new();
        assert_eq!(counts.wrap(file.read(&mut [])).await.unwrap(), 0);
        assert_eq!(counts.polls(), 1);
    });
}
