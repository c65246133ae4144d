//! In what order a fleet's targets start and how many run at once, worked
//! out without a database: the limits (`--parallel`, `--per-server`), which
//! waiting target may start next, and the waves the rest are cut into.

use std::collections::{HashMap, VecDeque};

/// How many targets may run at once.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Concurrency {
    /// In all (`--parallel`).
    pub parallel: usize,
    /// On one server (`--per-server`): each running target holds two of
    /// its connections, the migrations' and the lock's.
    pub per_server: usize,
}

impl Default for Concurrency {
    fn default() -> Self {
        Concurrency {
            parallel: DEFAULT_PARALLEL,
            per_server: DEFAULT_PARALLEL,
        }
    }
}

/// `--parallel`'s default: a few at once, which already hides most of the
/// round trips, without crowding a small server.
pub const DEFAULT_PARALLEL: usize = 4;

/// The targets running, by server: which waiting one may start next.
pub(super) struct Slots<'t> {
    limits: Concurrency,
    /// Each target's server.
    servers: &'t [&'t str],
    running: usize,
    by_server: HashMap<&'t str, usize>,
}

impl<'t> Slots<'t> {
    pub fn new(limits: Concurrency, servers: &'t [&'t str]) -> Self {
        Slots {
            limits,
            servers,
            running: 0,
            by_server: HashMap::new(),
        }
    }

    pub fn running(&self) -> usize {
        self.running
    }

    /// Takes out of `queue` the first target that may start now: there is
    /// room in all and on its server. A target whose server is full waits
    /// its turn while later ones on other servers go ahead.
    pub fn start(&mut self, queue: &mut VecDeque<usize>) -> Option<usize> {
        if self.running >= self.limits.parallel.max(1) {
            return None;
        }
        let per_server = self.limits.per_server.max(1);
        let position = queue
            .iter()
            .position(|&t| self.by_server.get(self.servers[t]).copied().unwrap_or(0) < per_server)?;
        let target = queue.remove(position).expect("the position is in the queue");
        self.running += 1;
        *self.by_server.entry(self.servers[target]).or_default() += 1;
        Some(target)
    }

    /// `target` is over: its slots are free.
    pub fn finished(&mut self, target: usize) {
        self.running -= 1;
        if let Some(n) = self.by_server.get_mut(self.servers[target]) {
            *n -= 1;
        }
    }
}

/// The targets left after the canaries, in waves of `size` (one wave of
/// all of them without a size), in order.
pub(super) fn waves(rest: Vec<usize>, size: Option<usize>) -> Vec<Vec<usize>> {
    if rest.is_empty() {
        return Vec::new();
    }
    match size {
        Some(size) => rest.chunks(size.max(1)).map(<[usize]>::to_vec).collect(),
        None => vec![rest],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_server_waits_while_the_others_go_ahead() {
        let servers = ["a", "a", "a", "b", "c"];
        let limits = Concurrency {
            parallel: 3,
            per_server: 2,
        };
        let mut slots = Slots::new(limits, &servers);
        let mut queue: VecDeque<usize> = (0..5).collect();
        assert_eq!(slots.start(&mut queue), Some(0));
        assert_eq!(slots.start(&mut queue), Some(1));
        // a is full: b's target goes first.
        assert_eq!(slots.start(&mut queue), Some(3));
        // Three run: no more.
        assert_eq!(slots.start(&mut queue), None);
        slots.finished(3);
        assert_eq!(slots.start(&mut queue), Some(4));
        slots.finished(0);
        assert_eq!(slots.start(&mut queue), Some(2));
        assert!(queue.is_empty());
        assert_eq!(slots.running(), 3);
    }

    #[test]
    fn one_at_a_time_keeps_the_order() {
        let servers = ["a", "b", "a"];
        let limits = Concurrency {
            parallel: 1,
            per_server: 8,
        };
        let mut slots = Slots::new(limits, &servers);
        let mut queue: VecDeque<usize> = (0..3).collect();
        let mut order = Vec::new();
        while let Some(t) = slots.start(&mut queue) {
            assert_eq!(slots.start(&mut queue), None);
            order.push(t);
            slots.finished(t);
        }
        assert_eq!(order, [0, 1, 2]);
    }

    #[test]
    fn the_rest_goes_in_waves() {
        assert_eq!(waves(vec![3, 4, 5, 6, 7], Some(2)), [vec![3, 4], vec![5, 6], vec![7]]);
        assert_eq!(waves(vec![3, 4, 5], None), [vec![3, 4, 5]]);
        assert!(waves(vec![], Some(2)).is_empty());
    }
}
