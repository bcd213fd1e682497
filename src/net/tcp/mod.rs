//! TCP: a listener, a stream, the stream's halves, and a socket to configure before either.

pub(crate) mod listener;
pub(crate) mod socket;
pub(crate) mod split;
pub(crate) mod stream;
