//! The workloads instantiated once per runtime: each module below includes the same source
//! files with `rt` bound to a different adapter. `on::tokio::core::spawn_join` and
//! `on::oneloop::core::spawn_join` are the same code compiled against different runtimes.

pub mod tokio {
    pub mod core {
        use crate::adapter::tokio as rt;
        include!("workload/core.rs");
    }
    pub mod sync {
        use crate::adapter::tokio as rt;
        include!("workload/sync.rs");
    }
    pub mod fanout {
        use crate::adapter::tokio as rt;
        include!("workload/fanout.rs");
    }
    pub mod net {
        use crate::adapter::tokio as rt;
        include!("workload/net.rs");
    }
    pub mod charfinder {
        use crate::adapter::tokio as rt;
        include!("workload/charfinder.rs");
    }
}

pub mod smol {
    pub mod core {
        use crate::adapter::smol as rt;
        include!("workload/core.rs");
    }
    pub mod sync {
        use crate::adapter::smol as rt;
        include!("workload/sync.rs");
    }
    pub mod net {
        use crate::adapter::smol as rt;
        include!("workload/net.rs");
    }
    pub mod charfinder {
        use crate::adapter::smol as rt;
        include!("workload/charfinder.rs");
    }
}

pub mod oneloop {
    pub mod core {
        use crate::adapter::oneloop as rt;
        include!("workload/core.rs");
    }
    pub mod sync {
        use crate::adapter::oneloop as rt;
        include!("workload/sync.rs");
    }
    // `oneloop::sync::{broadcast, watch, RwLock}`; smol has no broadcast or watch, so
    // `on::smol` has no `fanout`.
    pub mod fanout {
        use crate::adapter::oneloop as rt;
        include!("workload/fanout.rs");
    }
    pub mod net {
        use crate::adapter::oneloop as rt;
        include!("workload/net.rs");
    }
    pub mod charfinder {
        use crate::adapter::oneloop as rt;
        include!("workload/charfinder.rs");
    }
}
