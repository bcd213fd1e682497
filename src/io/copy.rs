//! `io::copy`: pump a reader into a writer.

use std::io;

use super::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

/// Copies `reader` to `writer` until end of stream, then flushes; returns the byte count.
/// Memory stays bounded (one 8 KiB buffer): a slow writer holds the reader back.
///
/// ```
/// oneloop::run(async {
///     let mut out = Vec::new();
///     let n = oneloop::io::copy(&mut &b"abc"[..], &mut out).await.unwrap();
///     assert_eq!((n, out.as_slice()), (3, &b"abc"[..]));
/// });
/// ```
pub async fn copy<R, W>(reader: &mut R, writer: &mut W) -> io::Result<u64>
where
    R: AsyncRead + Unpin + ?Sized,
    W: AsyncWrite + Unpin + ?Sized,
{
    let mut buf = vec![0u8; 8 * 1024];
    let mut total = 0u64;
    loop {
        let n = reader.read(&mut buf).await?;
        if n == 0 {
            writer.flush().await?;
            return Ok(total);
        }
        writer.write_all(&buf[..n]).await?;
        total += n as u64;
    }
}
