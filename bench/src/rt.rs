//! The three runtimes under comparison, and `on_rt!`, which calls one workload function on the
//! chosen runtime's instantiation of it (`crate::on`).

use crate::adapter;

/// A runtime under comparison: one column of the table.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum Rt {
    Tokio,
    Smol,
    Oneloop,
}

/// Every runtime, in the table's column order (oneloop last: the ratios are against it).
pub const RUNTIMES: [Rt; 3] = [Rt::Tokio, Rt::Smol, Rt::Oneloop];

impl Rt {
    /// The short name: `--rt`, the notes and the JSON keys.
    pub fn name(self) -> &'static str {
        match self {
            Rt::Tokio => adapter::tokio::NAME,
            Rt::Smol => adapter::smol::NAME,
            Rt::Oneloop => adapter::oneloop::NAME,
        }
    }

    /// The table's column header: which flavour of the runtime runs.
    pub fn column(self) -> &'static str {
        match self {
            Rt::Tokio => "tokio current_thread",
            Rt::Smol => "smol LocalExecutor",
            Rt::Oneloop => "oneloop",
        }
    }

    pub fn from_name(s: &str) -> Option<Rt> {
        RUNTIMES.into_iter().find(|r| r.name() == s)
    }
}

/// Calls the same workload function on the chosen runtime's instantiation:
/// `on_rt!(rt, core::spawn_join(n))` is `on::tokio::core::spawn_join(n)` on tokio, and so on.
macro_rules! on_rt {
    ($rt:expr, $m:ident :: $f:ident ( $($a:expr),* )) => {
        match $rt {
            $crate::rt::Rt::Tokio => $crate::on::tokio::$m::$f($($a),*),
            $crate::rt::Rt::Smol => $crate::on::smol::$m::$f($($a),*),
            $crate::rt::Rt::Oneloop => $crate::on::oneloop::$m::$f($($a),*),
        }
    };
}
pub(crate) use on_rt;
