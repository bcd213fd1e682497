//! `read_u32`, `write_u32`, ...: whole numbers and floats over `AsyncReadExt` and
//! `AsyncWriteExt`, big-endian (network order) and little-endian (`_le`), as tokio has them.
//!
//! The methods are written once here, as macros that `ext.rs` expands inside its traits; the
//! list of types is [`for_each_number!`]. Each reads (or writes) a fixed-size byte array.
//!
//! **Cancellation.** The request is delivered at the wait for the *first* byte. Once part
//! of a number is in (or out), the rest goes under [`shield`](crate::task::shield): a
//! request arriving then is delivered at the next await after the number, so no byte of a
//! half-read number is ever lost and no half-written number is left behind on the stream.

use std::io;

use super::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

/// Calls `$m!` with the list of number methods: read name, write name, type, byte order.
macro_rules! for_each_number {
    ($m:ident) => {
        $m! {
            read_u8 write_u8 u8 from_be_bytes to_be_bytes "";
            read_i8 write_i8 i8 from_be_bytes to_be_bytes "";
            read_u16 write_u16 u16 from_be_bytes to_be_bytes ", big-endian";
            read_i16 write_i16 i16 from_be_bytes to_be_bytes ", big-endian";
            read_u32 write_u32 u32 from_be_bytes to_be_bytes ", big-endian";
            read_i32 write_i32 i32 from_be_bytes to_be_bytes ", big-endian";
            read_u64 write_u64 u64 from_be_bytes to_be_bytes ", big-endian";
            read_i64 write_i64 i64 from_be_bytes to_be_bytes ", big-endian";
            read_u128 write_u128 u128 from_be_bytes to_be_bytes ", big-endian";
            read_i128 write_i128 i128 from_be_bytes to_be_bytes ", big-endian";
            read_f32 write_f32 f32 from_be_bytes to_be_bytes ", big-endian";
            read_f64 write_f64 f64 from_be_bytes to_be_bytes ", big-endian";
            read_u16_le write_u16_le u16 from_le_bytes to_le_bytes ", little-endian";
            read_i16_le write_i16_le i16 from_le_bytes to_le_bytes ", little-endian";
            read_u32_le write_u32_le u32 from_le_bytes to_le_bytes ", little-endian";
            read_i32_le write_i32_le i32 from_le_bytes to_le_bytes ", little-endian";
            read_u64_le write_u64_le u64 from_le_bytes to_le_bytes ", little-endian";
            read_i64_le write_i64_le i64 from_le_bytes to_le_bytes ", little-endian";
            read_u128_le write_u128_le u128 from_le_bytes to_le_bytes ", little-endian";
            read_i128_le write_i128_le i128 from_le_bytes to_le_bytes ", little-endian";
            read_f32_le write_f32_le f32 from_le_bytes to_le_bytes ", little-endian";
            read_f64_le write_f64_le f64 from_le_bytes to_le_bytes ", little-endian";
        }
    };
}

/// The `read_*` methods of `AsyncReadExt`.
macro_rules! read_number_methods {
    ($($read:ident $write:ident $ty:ident $from:ident $to:ident $order:literal;)*) => {$(
        #[doc = concat!("Reads a `", stringify!($ty), "`", $order, " (tokio's `",
            stringify!($read), "`); `UnexpectedEof` if the stream ends inside it.")]
        ///
        /// A cancellation point before the first byte; the rest of a number once begun is
        /// read with cancellation held back, so no byte is lost (see `io/num.rs`).
        ///
        /// ```
        /// use oneloop::io::{AsyncReadExt, AsyncWriteExt};
        /// oneloop::run(async {
        ///     let mut wire = Vec::new();
        #[doc = concat!("    wire.", stringify!($write), "(7 as ", stringify!($ty), ").await.unwrap();")]
        #[doc = concat!("    let value = (&wire[..]).", stringify!($read), "().await.unwrap();")]
        #[doc = concat!("    assert_eq!(value, 7 as ", stringify!($ty), ");")]
        /// });
        /// ```
        fn $read(&mut self) -> impl Future<Output = io::Result<$ty>> + '_
        where
            Self: Unpin,
        {
            async move { Ok($ty::$from(super::num::read_array(self).await?)) }
        }
    )*};
}

/// The `write_*` methods of `AsyncWriteExt`.
macro_rules! write_number_methods {
    ($($read:ident $write:ident $ty:ident $from:ident $to:ident $order:literal;)*) => {$(
        #[doc = concat!("Writes a `", stringify!($ty), "`", $order, " (tokio's `",
            stringify!($write), "`).")]
        ///
        /// A cancellation point before the first byte; a number once begun is written
        /// whole, with cancellation held back (see `io/num.rs`).
        ///
        /// ```
        /// use oneloop::io::AsyncWriteExt;
        /// oneloop::run(async {
        ///     let mut wire = Vec::new();
        #[doc = concat!("    wire.", stringify!($write), "(7 as ", stringify!($ty), ").await.unwrap();")]
        #[doc = concat!("    assert_eq!(wire, (7 as ", stringify!($ty), ").", stringify!($to), "());")]
        /// });
        /// ```
        fn $write(&mut self, n: $ty) -> impl Future<Output = io::Result<()>> + '_
        where
            Self: Unpin,
        {
            super::num::write_array(self, n.$to())
        }
    )*};
}

/// Reads exactly `N` bytes; after the first, under `shield` (see the module docs).
pub(crate) async fn read_array<R, const N: usize>(reader: &mut R) -> io::Result<[u8; N]>
where
    R: AsyncRead + Unpin + ?Sized,
{
    let mut bytes = [0u8; N];
    let mut filled = 0;
    while filled < N {
        let read = reader.read(&mut bytes[filled..]);
        let n = if filled == 0 {
            read.await?
        } else {
            crate::task::shield(read).await?
        };
        if n == 0 {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        filled += n;
    }
    Ok(bytes)
}

/// Writes all `N` bytes; after the first, under `shield` (see the module docs).
pub(crate) async fn write_array<W, const N: usize>(writer: &mut W, bytes: [u8; N]) -> io::Result<()>
where
    W: AsyncWrite + Unpin + ?Sized,
{
    let mut written = 0;
    while written < N {
        let write = writer.write(&bytes[written..]);
        let n = if written == 0 {
            write.await?
        } else {
            crate::task::shield(write).await?
        };
        if n == 0 {
            return Err(io::ErrorKind::WriteZero.into());
        }
        written += n;
    }
    Ok(())
}
