//! The timer wheel: every pending `sleep` lives here until its deadline comes round.
//!
//! This is a pure data structure. It never reads a clock: time is a `u64` count of *ticks*
//! (the runtime uses one tick per microsecond, but nothing here knows that), handed in by the
//! caller. Keeping the clock out makes the wheel deterministic and easy to test.
//!
//! # Geometry
//!
//! Six *levels* of 64 *slots* each, as in Varghese & Lauck's hierarchical wheel and tokio.
//! A slot of level 0 is 1 tick wide, of level 1 64 ticks, of level `k` 64^k ticks, so each
//! level is one "digit" (6 bits) of a tick number:
//!
//! ```text
//!  bit   63 ...... 36 | 35..30 | 29..24 | 23..18 | 17..12 | 11..6 | 5..0
//!        epoch        | lvl 5  | lvl 4  | lvl 3  | lvl 2  | lvl 1 | lvl 0
//!
//!  level 5  [ 0 | 1 | 2 | ... | 63 ]   slot = 64^5 ticks (about 18 minutes at 1 µs)
//!    ...
//!  level 1  [ 0 | 1 | 2 | ... | 63 ]   slot = 64 ticks
//!  level 0  [ 0 | 1 | 2 | ... | 63 ]   slot = 1 tick
//!                 ▲
//!                 now's level-0 digit: the occupied slots of every level are to its right
//! ```
//!
//! # Filing rule
//!
//! An entry goes in the level of the highest bit in which its deadline differs from `now`
//! (`level = significant_bits(now ^ deadline) / 6`), in the slot named by the deadline's
//! digit at that level. So the deadline agrees with `now` on every digit *above* its level,
//! and its digit there is strictly greater than now's: the slot lies ahead, in the current
//! turn of that level. Two more places hold entries: the *due* list (deadline <= now, fired by
//! the next `advance`) and the *overflow* list (the deadline differs from `now` above bit 36,
//! beyond the wheel's horizon of 64^6 ticks).
//!
//! # Cascade rule
//!
//! When time reaches the start of an occupied slot of level `k > 0`, the slot is emptied and
//! each entry is filed again against the new `now`: it now agrees with `now` on digit `k`
//! too, so it lands in a lower level (or fires, if its deadline has come). Entries cascade
//! down at most six times, and every step consults the true deadline, so no entry ever fires
//! early. The overflow list works the same way, one level up: when time reaches the start of
//! the earliest overflow deadline's epoch (its bits above 36), the list is filed again.
//!
//! # Bitmaps
//!
//! Each level keeps a `u64` with bit `i` set iff slot `i` is non-empty. Since every occupied
//! slot lies ahead of now's digit, the lowest set bit (`trailing_zeros`) is the level's next
//! slot, and since each level's slots all come before the next level's, the first non-empty
//! level holds the next event. `advance` jumps straight from event to event, so an idle year
//! costs a handful of steps, not 31 billion ticks.
//!
//! Entries live in a `Slab`; each slot is an intrusive doubly linked list threaded through
//! them, which makes insert and remove O(1) and allocation-free beyond the slab's growth.
//!
//! # The true earliest deadline
//!
//! The next *event* may only be a cascade (the start of a higher-level slot whose entries are
//! all due later). A loop that slept until then would wake, cascade, fire nothing and sleep
//! again. [`Wheel::next_deadline`] gives the earliest pending deadline itself: the first
//! non-empty list holds it (the lists come due in order), so it is the minimum of that one
//! list, and `advance` to it performs every cascade on the way without anyone waking for
//! them. The minimum is cached: an insert lowers it, a firing or the removal of the entry that
//! held it forgets it, and a cascade moves entries without changing it.

use slab::Slab;

/// Bits of a tick number per level: 6, so a level has 64 slots and one `u64` bitmap covers it.
const SLOT_BITS: u32 = 6;
/// Slots per level (64): `2^SLOT_BITS`.
const SLOTS: usize = 1 << SLOT_BITS;
/// Mask of one level's digit (63).
const SLOT_MASK: u64 = SLOTS as u64 - 1;
/// Levels: 6, enough that 64^6 ticks (about 19 hours of microseconds) fit in the wheel; the
/// rare deadline beyond that waits in the overflow list, filed again once per 64^6 ticks.
const LEVELS: usize = 6;
/// Bits covered by all levels (36): a wheel entry agrees with `now` on every bit above these.
const HORIZON_BITS: u32 = SLOT_BITS * LEVELS as u32;
/// The "null pointer" of the intrusive lists. Links are `u32` to keep entries small.
const NIL: u32 = u32::MAX;

/// Identifies one entry. The generation makes a stale key (its entry fired or was removed,
/// and the slab index perhaps reused) harmless: it no longer matches.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub(crate) struct TimerKey {
    /// Where the entry is in the slab.
    index: u32,
    /// Which of the entries that have used that index this key names.
    generation: u32,
}

/// One pending timer.
struct Entry<T> {
    /// The true deadline. Slots are coarse; this is what decides when the entry fires, and
    /// (with `now`) which list it is on, so the entry need not store its position.
    deadline: u64,
    /// Must equal the key's generation for the key to reach this entry.
    generation: u32,
    /// Previous entry in the same list, or `NIL` at the head.
    prev: u32,
    /// Next entry in the same list, or `NIL` at the tail.
    next: u32,
    /// What the caller stored (the runtime stores a `Waker`).
    value: T,
}

/// One level: 64 list heads and the bitmap saying which are non-empty.
struct Level {
    /// Bit `i` set iff `heads[i]` is not `NIL`: finds the next slot without a scan.
    occupied: u64,
    /// First entry of each slot's list.
    heads: [u32; SLOTS],
}

/// The lists an entry can be on.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum List {
    /// Deadline <= now: fires at the next `advance`.
    Due,
    /// A slot of a level.
    Slot { level: usize, slot: usize },
    /// Beyond the horizon: differs from `now` above bit 36.
    Overflow,
}

/// A hierarchical timer wheel holding values of type `T`.
pub(crate) struct Wheel<T> {
    /// The entries; the lists are threaded through them by index.
    entries: Slab<Entry<T>>,
    /// Level 0 (1-tick slots) to level 5 (64^5-tick slots).
    levels: [Level; LEVELS],
    /// Head of the list of entries inserted with a deadline already reached.
    due: u32,
    /// Head of the list of entries beyond the horizon.
    overflow: u32,
    /// Meaningful only while `overflow` is non-empty: a lower bound on the epoch start
    /// (deadline with bits 0..36 cleared) of every overflow entry, the tick at which the
    /// list must be filed again. Remove leaves it alone (keeping remove O(1)), so it may be
    /// early; re-filing then just computes it afresh.
    overflow_next: u64,
    /// The tick up to which `advance` has run.
    now: u64,
    /// Generation given to the next inserted entry.
    next_generation: u32,
    /// The earliest pending deadline, if known (`None`: compute it again). See
    /// [`Wheel::next_deadline`] for when it is kept and when forgotten.
    earliest: Option<u64>,
}

impl<T> Wheel<T> {
    /// An empty wheel whose time is tick 0.
    pub(crate) fn new() -> Self {
        Wheel {
            entries: Slab::new(),
            levels: std::array::from_fn(|_| Level {
                occupied: 0,
                heads: [NIL; SLOTS],
            }),
            due: NIL,
            overflow: NIL,
            overflow_next: 0,
            now: 0,
            next_generation: 0,
            earliest: None,
        }
    }

    /// The tick up to which `advance` has run.
    #[cfg_attr(not(test), allow(dead_code))] // used by the in-file tests
    pub(crate) fn now(&self) -> u64 {
        self.now
    }

    /// Number of entries not yet fired or removed.
    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }

    #[cfg_attr(not(test), allow(dead_code))] // used by the in-file tests
    pub(crate) fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Files `value` to fire at tick `deadline` (a deadline <= now() fires at the next advance).
    pub(crate) fn insert(&mut self, deadline: u64, value: T) -> TimerKey {
        let generation = self.next_generation;
        self.next_generation = generation.wrapping_add(1);
        let index = self.entries.insert(Entry {
            deadline,
            generation,
            prev: NIL,
            next: NIL,
            value,
        });
        // 4 billion live timers would need over 100 GB of entries; memory runs out first.
        let index = u32::try_from(index).expect("timer wheel: more than u32::MAX entries");
        self.file(index);
        self.earliest = self.earliest.map(|earliest| earliest.min(deadline));
        TimerKey { index, generation }
    }

    /// Removes an entry before it fires; None if it already fired or was removed.
    pub(crate) fn remove(&mut self, key: TimerKey) -> Option<T> {
        let deadline = self.deadline(key)?;
        if self.earliest == Some(deadline) {
            self.earliest = None; // perhaps the only entry that early: compute it again
        }
        // Where the entry is follows from (now, deadline): see `locate`.
        self.unlink(locate(self.now, deadline), key.index);
        Some(self.entries.remove(key.index as usize).value)
    }

    /// The pending entry's value, if it is still pending (used to update a stored Waker in place).
    pub(crate) fn get_mut(&mut self, key: TimerKey) -> Option<&mut T> {
        match self.entries.get_mut(key.index as usize) {
            Some(entry) if entry.generation == key.generation => Some(&mut entry.value),
            _ => None,
        }
    }

    /// The deadline the entry was inserted with, if still pending.
    pub(crate) fn deadline(&self, key: TimerKey) -> Option<u64> {
        match self.entries.get(key.index as usize) {
            Some(entry) if entry.generation == key.generation => Some(entry.deadline),
            _ => None,
        }
    }

    /// A tick at which the caller should call `advance` next: never later than the earliest
    /// pending deadline (it may be earlier, at the start of a higher-level slot, where a cascade
    /// is due), and advancing to it always makes progress (fires or cascades something).
    /// `None` when the wheel is empty. If something is already due, returns `Some(now())`.
    #[cfg_attr(not(test), allow(dead_code))] // the loop sleeps until `next_deadline` instead
    pub(crate) fn next_expiration(&self) -> Option<u64> {
        self.next_event().map(|(tick, _)| tick)
    }

    /// The earliest deadline of all pending entries, exactly, or `now()` if one is already due
    /// (`None` when the wheel is empty):
    /// the tick to sleep until, since `advance` to it fires that entry and performs every
    /// cascade on the way. Costs a walk of one list when the cached value was forgotten (after
    /// a firing, or the removal of the entry that held it), nothing otherwise.
    pub(crate) fn next_deadline(&mut self) -> Option<u64> {
        if let Some(earliest) = self.earliest {
            return Some(earliest.max(self.now)); // an entry inserted already due: now
        }
        let earliest = match self.next_event()? {
            // Everything on the due list is due now; a level-0 slot is one tick wide.
            (_, List::Due) => return Some(self.now),
            (tick, List::Slot { level: 0, .. }) => tick,
            // A wider list: its entries differ in lower digits, so look at each of them.
            (_, list) => {
                let mut earliest = u64::MAX;
                let mut index = self.head(list);
                while index != NIL {
                    let entry = &self.entries[index as usize];
                    earliest = earliest.min(entry.deadline);
                    index = entry.next;
                }
                earliest
            }
        };
        self.earliest = Some(earliest);
        Some(earliest)
    }

    /// Moves time to `now` and pushes every entry whose deadline <= now onto `fired`.
    /// Returns how many it pushed.
    pub(crate) fn advance(&mut self, now: u64, fired: &mut Vec<T>) -> usize {
        if now < self.now {
            return 0; // Time never goes backwards; a stale reading changes nothing.
        }
        let before = fired.len();
        // Hop from event to event (never tick by tick) until the next one lies beyond `now`.
        while let Some((tick, list)) = self.next_event() {
            if tick > now {
                break;
            }
            debug_assert!(tick >= self.now);
            self.now = tick;
            // Detach the whole list, then fire or re-file each entry against the new time.
            let mut index = self.take(list);
            while index != NIL {
                let entry = &self.entries[index as usize];
                let next = entry.next;
                if entry.deadline <= self.now {
                    fired.push(self.entries.remove(index as usize).value);
                    self.earliest = None;
                } else {
                    self.file(index); // The cascade: a lower level, or overflow again.
                }
                index = next;
            }
        }
        self.now = now;
        fired.len() - before
    }

    /// Checks the wheel's bookkeeping (the loop calls it after every turn in debug builds,
    /// `src/runtime/invariants.rs`): each bitmap bit is set iff its slot's list is non-empty,
    /// every entry is on exactly the list `locate` names for it (which `remove` relies on),
    /// and the lists' `prev` links mirror their `next` links.
    #[cfg(debug_assertions)]
    pub(crate) fn check_invariants(&self) {
        let mut lists = vec![List::Due, List::Overflow];
        for (level, lvl) in self.levels.iter().enumerate() {
            for slot in 0..SLOTS {
                let bit = lvl.occupied & (1 << slot) != 0;
                debug_assert_eq!(
                    bit,
                    lvl.heads[slot] != NIL,
                    "timer wheel: level {level} slot {slot}: bitmap bit {bit} disagrees with its list"
                );
                lists.push(List::Slot { level, slot });
            }
        }
        let mut seen = 0;
        for list in lists {
            let (mut prev, mut index) = (NIL, self.head(list));
            while index != NIL {
                let entry = &self.entries[index as usize];
                debug_assert_eq!(
                    entry.prev, prev,
                    "timer wheel: broken prev link in {list:?}"
                );
                debug_assert_eq!(
                    locate(self.now, entry.deadline),
                    list,
                    "timer wheel: entry with deadline {} filed on the wrong list at now {}",
                    entry.deadline,
                    self.now
                );
                seen += 1;
                debug_assert!(
                    seen <= self.entries.len(),
                    "timer wheel: a list has a cycle"
                );
                (prev, index) = (index, entry.next);
            }
        }
        debug_assert_eq!(seen, self.entries.len(), "timer wheel: entries on no list");
    }

    /// The next thing `advance` must handle: its tick and its list.
    ///
    /// The lists come due in a fixed order, so the first non-empty one wins: the due list
    /// (now); level 0's slots all lie in now's current 64-tick window, level 1's in later
    /// 64-tick windows of the current 4096-tick window, and so on up; overflow entries lie in
    /// later epochs still.
    fn next_event(&self) -> Option<(u64, List)> {
        if self.due != NIL {
            return Some((self.now, List::Due));
        }
        for (level, lvl) in self.levels.iter().enumerate() {
            if lvl.occupied == 0 {
                continue;
            }
            let shift = SLOT_BITS * level as u32;
            // Every occupied slot is strictly after now's digit, so no rotation is needed:
            // the lowest set bit is the soonest slot.
            debug_assert_eq!(
                lvl.occupied & (u64::MAX >> (63 - ((self.now >> shift) & SLOT_MASK))),
                0
            );
            let slot = lvl.occupied.trailing_zeros() as u64;
            // Keep now's digits above this level, put `slot` in this level's digit, zero below.
            let window = u64::MAX << (shift + SLOT_BITS);
            let tick = (self.now & window) | (slot << shift);
            let list = List::Slot {
                level,
                slot: slot as usize,
            };
            return Some((tick, list));
        }
        if self.overflow != NIL {
            return Some((self.overflow_next, List::Overflow));
        }
        None
    }

    /// Puts entry `index` on the list its deadline belongs to at the current time.
    fn file(&mut self, index: u32) {
        let deadline = self.entries[index as usize].deadline;
        let list = locate(self.now, deadline);
        if list == List::Overflow {
            let epoch_start = deadline & (u64::MAX << HORIZON_BITS);
            if self.overflow == NIL || epoch_start < self.overflow_next {
                self.overflow_next = epoch_start;
            }
        }
        let head = self.head(list);
        let entry = &mut self.entries[index as usize];
        entry.prev = NIL;
        entry.next = head;
        if head != NIL {
            self.entries[head as usize].prev = index;
        }
        self.set_head(list, index);
    }

    /// Takes entry `index` out of `list` (which must be the list it is on).
    fn unlink(&mut self, list: List, index: u32) {
        let Entry { prev, next, .. } = self.entries[index as usize];
        if prev == NIL {
            self.set_head(list, next);
        } else {
            self.entries[prev as usize].next = next;
        }
        if next != NIL {
            self.entries[next as usize].prev = prev;
        }
    }

    /// Empties `list`, returning its old head (the rest still hang off its `next` links).
    fn take(&mut self, list: List) -> u32 {
        let head = self.head(list);
        self.set_head(list, NIL);
        head
    }

    fn head(&self, list: List) -> u32 {
        match list {
            List::Due => self.due,
            List::Slot { level, slot } => self.levels[level].heads[slot],
            List::Overflow => self.overflow,
        }
    }

    /// Sets a list's head, keeping the level bitmaps in step with the slots.
    fn set_head(&mut self, list: List, head: u32) {
        match list {
            List::Due => self.due = head,
            List::Overflow => self.overflow = head,
            List::Slot { level, slot } => {
                let lvl = &mut self.levels[level];
                lvl.heads[slot] = head;
                if head == NIL {
                    lvl.occupied &= !(1 << slot);
                } else {
                    lvl.occupied |= 1 << slot;
                }
            }
        }
    }
}

/// The filing rule: the list a pending entry with `deadline` belongs on when time is `now`.
///
/// Between cascades this answer does not change as `now` moves (an entry's level is set by
/// the highest digit in which it differs from `now`, and `now` only reaches that digit at the
/// slot's start, when `advance` re-files the entry), so `remove` can recompute it instead of
/// every entry storing its position.
fn locate(now: u64, deadline: u64) -> List {
    if deadline <= now {
        return List::Due;
    }
    let differing = now ^ deadline; // non-zero, as deadline > now
    let level = ((63 - differing.leading_zeros()) / SLOT_BITS) as usize;
    if level >= LEVELS {
        return List::Overflow;
    }
    let slot = ((deadline >> (SLOT_BITS * level as u32)) & SLOT_MASK) as usize;
    List::Slot { level, slot }
}

impl<T> Default for Wheel<T> {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    /// Advances to `to` and returns what fired, sorted.
    fn fire(wheel: &mut Wheel<u64>, to: u64) -> Vec<u64> {
        let mut fired = Vec::new();
        let n = wheel.advance(to, &mut fired);
        assert_eq!(n, fired.len());
        fired.sort_unstable();
        fired
    }

    /// The list an entry sits on.
    fn list_of(wheel: &Wheel<u64>, key: TimerKey) -> List {
        locate(wheel.now(), wheel.deadline(key).unwrap())
    }

    const INTERESTING: &[u64] = &[
        1,
        2,
        63,
        64,
        65,
        127,
        4095,
        4096,
        4097,
        262_143,
        262_144,
        1 << 24,
        (1 << 30) + 7,
        (1 << 36) - 1,
        1 << 36,
        (1 << 36) + 1,
    ];

    #[test]
    fn fires_exactly_at_deadline_not_a_tick_before() {
        for &d in INTERESTING {
            let mut wheel = Wheel::new();
            wheel.insert(d, d);
            assert_eq!(fire(&mut wheel, d - 1), Vec::<u64>::new(), "deadline {d}");
            assert_eq!(wheel.len(), 1);
            assert_eq!(fire(&mut wheel, d), vec![d], "deadline {d}");
            assert!(wheel.is_empty());
            assert_eq!(wheel.next_expiration(), None);
        }
        // Tick by tick, across a few level-0 and level-1 boundaries.
        let mut wheel = Wheel::new();
        for d in 1..300 {
            wheel.insert(d, d);
        }
        for t in 1..300 {
            assert_eq!(fire(&mut wheel, t), vec![t]);
        }
    }

    #[test]
    fn remove_before_fire() {
        let mut wheel = Wheel::new();
        let a = wheel.insert(100, 1);
        let b = wheel.insert(100, 2);
        let c = wheel.insert(100, 3);
        assert_eq!(wheel.remove(b), Some(2)); // middle of a slot's list
        assert_eq!(wheel.remove(c), Some(3)); // head of a slot's list
        assert_eq!(wheel.len(), 1);
        assert_eq!(fire(&mut wheel, 1000), vec![1]);
        assert_eq!(wheel.remove(a), None);
        // Removing the last entry of a slot clears its bitmap bit.
        let d = wheel.insert(5000, 4);
        assert_eq!(wheel.remove(d), Some(4));
        assert_eq!(wheel.next_expiration(), None);
        assert!(wheel.levels.iter().all(|l| l.occupied == 0));
    }

    #[test]
    fn stale_keys_are_harmless() {
        let mut wheel = Wheel::new();
        let old = wheel.insert(10, 1);
        assert_eq!(fire(&mut wheel, 10), vec![1]);
        assert_eq!(wheel.remove(old), None);
        assert_eq!(wheel.get_mut(old), None);
        assert_eq!(wheel.deadline(old), None);
        // The slab reuses the index; the old key must not reach the new entry.
        let new = wheel.insert(20, 2);
        assert_eq!(new.index, old.index);
        assert_ne!(new, old);
        assert_eq!(wheel.remove(old), None);
        assert_eq!(wheel.get_mut(old), None);
        assert_eq!(wheel.len(), 1);
        // Stale after remove, too.
        assert_eq!(wheel.remove(new), Some(2));
        assert_eq!(wheel.remove(new), None);
        assert!(wheel.is_empty());
    }

    #[test]
    fn get_mut_and_deadline() {
        let mut wheel = Wheel::new();
        let k = wheel.insert(77, 1);
        assert_eq!(wheel.deadline(k), Some(77));
        *wheel.get_mut(k).unwrap() = 5;
        assert_eq!(fire(&mut wheel, 77), vec![5]);
    }

    #[test]
    fn deadline_at_or_before_now_fires_at_next_advance() {
        let mut wheel = Wheel::new();
        assert_eq!(fire(&mut wheel, 1000), Vec::<u64>::new());
        wheel.insert(0, 0);
        wheel.insert(999, 999);
        wheel.insert(1000, 1000);
        assert_eq!(wheel.next_expiration(), Some(1000));
        assert_eq!(fire(&mut wheel, 1000), vec![0, 999, 1000]);
        wheel.insert(3, 3);
        assert_eq!(fire(&mut wheel, 1_000_000), vec![3]);
        // A backwards advance fires nothing, not even what is due.
        wheel.insert(5, 5);
        assert_eq!(fire(&mut wheel, 10), Vec::<u64>::new());
        assert_eq!(fire(&mut wheel, 1_000_000), vec![5]);
    }

    #[test]
    fn cascades_from_every_level() {
        for level in 1..LEVELS as u32 {
            let unit = 1u64 << (SLOT_BITS * level);
            // Non-zero digits below `level`, so the entry must pass through every lower level.
            let deadline = 3 * unit + unit / 64 * 5 + 1;
            let mut wheel = Wheel::new();
            wheel.advance(7, &mut Vec::new());
            let k = wheel.insert(deadline, deadline);
            assert_eq!(
                list_of(&wheel, k),
                List::Slot {
                    level: level as usize,
                    slot: 3
                }
            );
            assert_eq!(wheel.levels[level as usize].occupied, 1 << 3);
            // Step through every event: each must be no later than the deadline.
            let mut steps = 0;
            while let Some(tick) = wheel.next_expiration() {
                assert!(tick <= deadline);
                let fired = fire(&mut wheel, tick);
                assert_eq!(fired.is_empty(), tick < deadline);
                steps += 1;
            }
            assert!(steps <= LEVELS, "{steps} steps for level {level}");
            // And in one jump, stopping a tick short first.
            let mut wheel = Wheel::new();
            wheel.insert(deadline, deadline);
            assert_eq!(fire(&mut wheel, deadline - 1), Vec::<u64>::new());
            assert_eq!(fire(&mut wheel, deadline), vec![deadline]);
        }
    }

    #[test]
    fn beyond_the_horizon_never_fires_early() {
        let far = [
            1u64 << 36,
            (1 << 40) + 12_345,
            (1 << 63) + 1,
            u64::MAX - 1,
            u64::MAX,
        ];
        for start in [0, (1 << 36) - 5, 1 << 50] {
            let mut wheel = Wheel::new();
            wheel.advance(start, &mut Vec::new());
            for &d in &far {
                if d > start {
                    let k = wheel.insert(d, d);
                    if (d ^ start) >> HORIZON_BITS != 0 {
                        assert_eq!(list_of(&wheel, k), List::Overflow);
                    }
                }
            }
            // Crossing an epoch boundary a few ticks away goes through overflow too.
            let near = (start | ((1 << 36) - 1)) + 5;
            wheel.insert(near, near);
            let mut all: Vec<u64> = far.iter().copied().chain([near]).collect();
            all.sort_unstable();
            for d in all {
                if d > start {
                    assert_eq!(fire(&mut wheel, d - 1), Vec::<u64>::new(), "{d}");
                    assert_eq!(fire(&mut wheel, d), vec![d]);
                }
            }
            assert!(wheel.is_empty());
        }
        // u64::MAX in the very same call as everything else.
        let mut wheel = Wheel::new();
        wheel.insert(u64::MAX, 1);
        wheel.insert(5, 2);
        wheel.insert(1 << 45, 3);
        assert_eq!(fire(&mut wheel, u64::MAX), vec![1, 2, 3]);
        assert_eq!(fire(&mut wheel, u64::MAX), Vec::<u64>::new());
        wheel.insert(u64::MAX, 4);
        assert_eq!(fire(&mut wheel, u64::MAX), vec![4]);
    }

    #[test]
    fn a_year_of_idle_time_is_a_few_steps() {
        let year = 365 * 24 * 3600 * 1000 + 12_345;
        let mut wheel = Wheel::new();
        wheel.insert(year, 1);
        let mut steps = 0;
        while let Some(tick) = wheel.next_expiration() {
            wheel.advance(tick, &mut Vec::new());
            steps += 1;
        }
        assert_eq!(wheel.now(), year);
        assert!(steps <= LEVELS, "{steps} steps");
    }

    #[test]
    fn advance_backwards_is_a_no_op() {
        let mut wheel = Wheel::new();
        wheel.advance(500, &mut Vec::new());
        wheel.insert(600, 1);
        assert_eq!(fire(&mut wheel, 100), Vec::<u64>::new());
        assert_eq!(wheel.now(), 500);
        assert_eq!(wheel.len(), 1);
        assert_eq!(fire(&mut wheel, 600), vec![1]);
    }

    #[test]
    fn next_expiration_is_early_enough_and_makes_progress() {
        let mut rng = XorShift(0x9E37_79B9_7F4A_7C15);
        let mut wheel = Wheel::new();
        let mut pending: Vec<u64> = (0..500)
            .map(|_| {
                let bits = rng.below(45) + 1;
                rng.below(1 << bits)
            })
            .collect();
        for &d in &pending {
            wheel.insert(d, d);
        }
        pending.sort_unstable();
        let mut steps = 0;
        while let Some(tick) = wheel.next_expiration() {
            assert!(tick <= pending[0]);
            let fired = fire(&mut wheel, tick);
            let due = pending.iter().take_while(|&&d| d <= tick).count();
            assert_eq!(fired, pending.drain(..due).collect::<Vec<_>>());
            // Progress: the next event is strictly later.
            if let Some(next) = wheel.next_expiration() {
                assert!(next > tick);
            }
            steps += 1;
        }
        assert!(pending.is_empty());
        assert!(steps <= 500 * (LEVELS + 1), "{steps}");
    }

    #[test]
    fn next_deadline_skips_the_cascades() {
        // The spinner's pattern: one deadline 100,000 ticks away sits in level 2, so the next
        // event is a cascade at tick 98,304 (24 x 4096) where nothing fires.
        let mut wheel = Wheel::new();
        wheel.advance(3, &mut Vec::new());
        wheel.insert(100_003, 1);
        assert_eq!(wheel.next_expiration(), Some(98_304));
        assert_eq!(wheel.next_deadline(), Some(100_003));
        // One advance, straight to the deadline, cascades on the way and fires.
        assert_eq!(fire(&mut wheel, 100_002), Vec::<u64>::new());
        assert_eq!(wheel.next_deadline(), Some(100_003));
        assert_eq!(fire(&mut wheel, 100_003), vec![1]);
        assert_eq!(wheel.next_deadline(), None);
    }

    #[test]
    fn next_deadline_follows_inserts_removes_and_firings() {
        let mut wheel = Wheel::new();
        assert_eq!(wheel.next_deadline(), None);
        let late = wheel.insert(9_000, 1);
        assert_eq!(wheel.next_deadline(), Some(9_000)); // a walk of a level-2 slot
        let early = wheel.insert(5_000, 2);
        assert_eq!(wheel.next_deadline(), Some(5_000)); // lowered by the insert
        let twin = wheel.insert(5_000, 3);
        assert_eq!(wheel.remove(early), Some(2));
        assert_eq!(wheel.next_deadline(), Some(5_000)); // its twin still holds it
        assert_eq!(wheel.remove(twin), Some(3));
        assert_eq!(wheel.next_deadline(), Some(9_000)); // forgotten, found again
        wheel.insert(9_500, 4);
        assert_eq!(fire(&mut wheel, 9_000), vec![1]);
        assert_eq!(wheel.next_deadline(), Some(9_500)); // forgotten at the firing
        wheel.insert(100, 5); // already due
        assert_eq!(wheel.next_deadline(), Some(9_000));
        assert_eq!(fire(&mut wheel, 9_000), vec![5]);
        assert_eq!(wheel.remove(late), None);
        assert_eq!(wheel.next_deadline(), Some(9_500));
    }

    #[test]
    fn entries_stay_small() {
        // Deadline, generation, two links: 20 bytes around the value.
        assert!(std::mem::size_of::<Entry<[usize; 2]>>() <= 40);
    }

    /// A tiny deterministic PRNG (xorshift64).
    struct XorShift(u64);

    impl XorShift {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }
        /// Uniform-ish in `0..n` (n > 0).
        fn below(&mut self, n: u64) -> u64 {
            self.next() % n
        }
    }

    /// The wheel against a `BTreeMap` model, over many random operations, starting at
    /// tick 0, just before an epoch boundary, and close to the end of time.
    #[test]
    fn matches_a_btreemap_model() {
        let starts = [0, (1 << 36) - 3000, u64::MAX - (1 << 37), 0, 123_456_789];
        for (i, &start) in starts.iter().enumerate() {
            let seed = 0x2545_F491_4F6C_DD1D * (i as u64 + 1);
            model_run(seed, start, 45, 8_000); // steady state: few dozen pending
            model_run(!seed, start, 75, 4_000); // crowded: a thousand pending
        }
    }

    /// `insert_pct`% of the operations insert, 12% remove, 5% remove a stale key, the rest
    /// advance.
    fn model_run(seed: u64, start: u64, insert_pct: u64, ops: usize) {
        let mut rng = XorShift(seed);
        let mut wheel: Wheel<u64> = Wheel::new();
        wheel.advance(start, &mut Vec::new());
        let mut model: BTreeMap<(u64, u64), u64> = BTreeMap::new();
        let mut live: Vec<(TimerKey, u64, u64)> = Vec::new(); // key, deadline, seq
        let mut stale: Vec<TimerKey> = Vec::new();
        let (mut seq, mut total_fired) = (0u64, 0usize);
        for _ in 0..ops {
            let now = wheel.now();
            let op = rng.below(100);
            if op < insert_pct {
                let deadline = match rng.below(20) {
                    0 | 1 => rng.below(now.saturating_add(1)), // in the past
                    2..=6 => now.saturating_add(rng.below(70)),
                    7..=10 => now.saturating_add(rng.below(5000)),
                    11..=14 => now.saturating_add(rng.below(300_000)),
                    15 | 16 => now.saturating_add(rng.below(1 << 40)),
                    17 | 18 => now.saturating_add(rng.next() >> rng.below(64)),
                    _ => u64::MAX - rng.below(3),
                };
                seq += 1;
                let key = wheel.insert(deadline, seq);
                model.insert((deadline, seq), seq);
                live.push((key, deadline, seq));
            } else if op < insert_pct + 12 && !live.is_empty() {
                let (key, deadline, s) = live.swap_remove(rng.below(live.len() as u64) as usize);
                assert_eq!(wheel.deadline(key), Some(deadline));
                assert_eq!(wheel.remove(key), Some(s));
                assert_eq!(model.remove(&(deadline, s)), Some(s));
                stale.push(key);
            } else if op < insert_pct + 17 && !stale.is_empty() {
                let key = stale[rng.below(stale.len() as u64) as usize];
                assert_eq!(wheel.remove(key), None);
                assert_eq!(wheel.get_mut(key), None);
            } else {
                let next = wheel.next_expiration().unwrap_or(now);
                let to = match rng.below(100) {
                    0..=9 => now.saturating_sub(rng.below(100)), // backwards: a no-op
                    10..=59 => now.saturating_add(rng.below(70)),
                    60..=79 => now.saturating_add(rng.below(5000)),
                    80..=87 => now.saturating_add(rng.below(300_000)),
                    88 => now.saturating_add(rng.below(1 << 42)),
                    // Jump to the next event, unless that would race to the end of time.
                    _ if next - now < 1 << 40 => next,
                    _ => now + 1,
                };
                let mut fired = Vec::new();
                wheel.advance(to, &mut fired);
                fired.sort_unstable();
                // The model's due set: every (deadline, seq) with deadline <= to.
                let mut expected = Vec::new();
                if to >= now {
                    let due: Vec<_> = model.range(..=(to, u64::MAX)).map(|(&k, _)| k).collect();
                    expected.extend(due.iter().map(|k| model.remove(k).unwrap()));
                }
                expected.sort_unstable();
                assert_eq!(fired, expected, "advance {now} -> {to}");
                assert_eq!(wheel.now(), now.max(to));
                total_fired += fired.len();
                live.retain(|&(key, _, s)| {
                    let pending = fired.binary_search(&s).is_err();
                    if !pending {
                        stale.push(key);
                    }
                    pending
                });
            }
            assert_eq!(wheel.len(), model.len());
            if seq % 16 == 0 {
                wheel.check_invariants(); // bitmaps, links, filing (the loop's debug check)
            }
            match (wheel.next_expiration(), model.keys().next()) {
                (None, None) => {}
                (Some(tick), Some(&(earliest, _))) => {
                    assert!(tick >= wheel.now());
                    assert!(tick <= earliest.max(wheel.now()));
                }
                other => panic!("next_expiration vs model: {other:?}"),
            }
            let earliest = model.keys().next().map(|&(d, _)| d.max(wheel.now()));
            assert_eq!(wheel.next_deadline(), earliest);
            if stale.len() > 1000 {
                stale.drain(..500);
            }
        }
        // The run must have exercised firing, not just filing.
        assert!(total_fired > ops / 5, "only {total_fired} fired");
    }
}
