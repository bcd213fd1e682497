//! Every benchmark group, in table order: the one list to edit when a group is added.
//!
//! A group is a type implementing [`crate::group::Bench`] in a file of its own (or beside its
//! family here); registering it is its `mod` line below and one line in [`all`].

pub mod charfinder;
pub mod core;
pub mod echo;
pub mod http;
pub mod idle;
pub mod sync;

use crate::group::{Bench, Scale};
use idle::Shape;

/// Every group at `scale`, in the order of the table.
pub fn all(scale: Scale) -> Vec<Box<dyn Bench>> {
    vec![
        Box::new(core::Spawn::new(scale)),
        Box::new(core::Yield::new(scale)),
        Box::new(core::Sleep::new(scale)),
        Box::new(core::Lateness::new(scale)),
        Box::new(core::Cancel::new(scale)),
        Box::new(sync::PingPong::new(scale)),
        Box::new(sync::Semaphore::new(scale)),
        Box::new(sync::Broadcast::new(scale)),
        Box::new(sync::Watch::new(scale)),
        Box::new(sync::RwLock::new(scale)),
        Box::new(echo::Echo::new(scale)),
        Box::new(echo::Echo1::new(scale)),
        Box::new(idle::Idle::new(scale, Shape::Echo)),
        Box::new(idle::Idle::new(scale, Shape::Prompt)),
        Box::new(idle::Idle::new(scale, Shape::Http)),
        Box::new(http::Http::new(scale)),
        Box::new(charfinder::Charfinder::new(scale)),
        Box::new(crate::cpu::CharfinderCpu::new(scale)),
    ]
}

/// The groups `--only` names (every group without it), in table order; an unknown name is an
/// error that lists the known ones.
pub fn select(scale: Scale, only: Option<&[String]>) -> Result<Vec<Box<dyn Bench>>, String> {
    let groups = all(scale);
    let Some(names) = only else {
        return Ok(groups);
    };
    if let Some(unknown) = names
        .iter()
        .find(|n| !groups.iter().any(|g| g.name() == *n))
    {
        return Err(format!("unknown benchmark {unknown:?}"));
    }
    Ok(groups
        .into_iter()
        .filter(|g| names.iter().any(|n| n == g.name()))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::group::Kind;

    #[test]
    fn names_and_metric_keys_are_unique() {
        let groups = all(Scale::Quick);
        let mut names: Vec<_> = groups.iter().map(|g| g.name()).collect();
        let mut keys: Vec<_> = groups
            .iter()
            .flat_map(|g| g.rows())
            .map(|r| r.key)
            .collect();
        let (n, k) = (names.len(), keys.len());
        names.sort_unstable();
        names.dedup();
        keys.sort_unstable();
        keys.dedup();
        assert_eq!((names.len(), keys.len()), (n, k));
    }

    #[test]
    fn labels_carry_the_sizes_that_run() {
        let label = |scale, name: &str| {
            all(scale)
                .iter()
                .find(|g| g.name() == name)
                .map(|g| g.rows()[0].label.clone())
        };
        assert_eq!(
            label(Scale::Full, "spawn").as_deref(),
            Some("spawn+join 100k empty tasks")
        );
        assert_eq!(
            label(Scale::Quick, "spawn").as_deref(),
            Some("spawn+join 10k empty tasks")
        );
        assert_eq!(
            label(Scale::Quick, "yield").as_deref(),
            Some("100 tasks x 500 yield_now")
        );
        assert_eq!(
            label(Scale::Quick, "echo").as_deref(),
            Some("TCP echo 50 conns x 64 B, 300 ms")
        );
    }

    #[test]
    fn the_first_row_of_a_group_is_not_indented_and_the_rest_are() {
        for g in all(Scale::Full) {
            let rows = g.rows();
            assert!(!rows[0].sub, "{}", g.name());
            assert!(rows[1..].iter().all(|r| r.sub), "{}", g.name());
        }
    }

    #[test]
    fn only_keeps_table_order_and_rejects_unknown_names() {
        let only = ["echo".to_string(), "spawn".to_string()];
        let picked = select(Scale::Quick, Some(&only))
            .map(|gs| gs.iter().map(|g| (g.name(), g.kind())).collect::<Vec<_>>());
        assert_eq!(
            picked,
            Ok(vec![("spawn", Kind::InMemory), ("echo", Kind::Io)])
        );
        let bad = ["spwan".to_string()];
        assert!(select(Scale::Quick, Some(&bad)).is_err());
    }
}
