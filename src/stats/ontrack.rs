//! What on track looks like (MODEL.md 9.1) for one leading indicator at one
//! checkpoint month: the on-track band, the decile table and the tripwire,
//! from each iteration's value of the indicator and whether it paid back
//! within the target. Pure maths, no I/O.
//!
//! # Definitions
//!
//! Over the `n` iterations with access at the month (value not `NaN`),
//! sorted by value (rank `r` = 0..n-1):
//!
//! - **band**: P10/P50/P90 (PERCENTILE.INC) of the values, over all `n`
//!   and over those that pay back within the target;
//! - **groups**: rank `r` belongs to group `floor(10 r / n)` (ten groups of
//!   sizes differing by at most one when 10 does not divide `n`);
//!   a run of equal values stays together, in the group of its lowest rank,
//!   so a group may be larger than `n / 10` and the next one smaller, or
//!   empty;
//! - **tripwire**: the highest value of the highest (non-empty) group in
//!   which fewer than half pay back (`2 paid < count`); none when no group
//!   is below one half.
//!
//! Values are kept in single precision (`f32`) and read back as their
//! shortest decimal (`0.31f32` reads `0.31`), so the figures print as the
//! values do.

use serde::Serialize;

use super::quantile::percentile_inc_by;

/// The groups of the decile table.
pub const GROUPS: usize = 10;

/// P10, P50 and P90 of an indicator over some iterations.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Band {
    pub p10: f64,
    pub p50: f64,
    pub p90: f64,
}

/// One of the ten groups of the decile table.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Group {
    /// 1 (the lowest values) to 10 (the highest).
    pub group: usize,
    /// Iterations in the group; 0 when ties took all its ranks.
    pub count: u64,
    /// Those of them that pay back within the target.
    pub paid_back: u64,
    /// `paid_back / count`; `None` for an empty group.
    pub share: Option<f64>,
    /// The lowest and highest value in the group; `None` when empty.
    pub lo: Option<f64>,
    pub hi: Option<f64>,
}

/// The on-track figures of one indicator at one checkpoint.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Checkpoint {
    /// Iterations with access at the month (`W(m) > 0`).
    pub with_access: u64,
    /// Those of them that pay back within the target.
    pub paid_back: u64,
    /// The band over every iteration with access; `None` when none has.
    pub all: Option<Band>,
    /// The on-track band: over those that pay back within the target;
    /// `None` when none does.
    pub paying_back: Option<Band>,
    /// The decile table, group 1 first.
    pub groups: Vec<Group>,
    /// The upper edge of the highest group in which fewer than half pay
    /// back; `None` when no group is below one half.
    pub tripwire: Option<f64>,
    /// The share paying back among the iterations at or below the
    /// tripwire (its group and those under it); `None` without a tripwire.
    pub p_payback_at_or_below: Option<f64>,
    /// The share paying back among those above it; `None` without a
    /// tripwire or when it tops the highest group.
    pub p_payback_above: Option<f64>,
}

impl Checkpoint {
    /// How well the tripwire separates: the share paying back above it
    /// less the share at or below it; `None` when there is nothing above.
    pub fn separation(&self) -> Option<f64> {
        Some(self.p_payback_above? - self.p_payback_at_or_below?)
    }
}

/// An `f32` as its shortest decimal, widened to `f64`.
pub fn widen(v: f32) -> f64 {
    // the shortest decimal that reads back as `v` always parses
    v.to_string().parse().unwrap_or(f64::from(v))
}

/// The key whose unsigned order is `f32::total_cmp`'s order.
fn key(v: f32) -> u32 {
    let b = (v + 0.0).to_bits(); // -0.0 reads as 0.0
    if b >> 31 == 1 {
        !b
    } else {
        b | (1 << 31)
    }
}

fn unkey(k: u32) -> f32 {
    f32::from_bits(if k >> 31 == 1 { k & !(1 << 31) } else { !k })
}

/// The ranks P10, P50 and P90 (PERCENTILE.INC) read among `n` values,
/// ascending, each once.
fn band_ranks(n: usize) -> Vec<usize> {
    if n == 0 {
        return Vec::new();
    }
    let mut ranks: Vec<usize> = [0.1, 0.5, 0.9]
        .iter()
        .flat_map(|p| {
            let lo = ((n - 1) as f64 * p).floor() as usize;
            [lo, (lo + 1).min(n - 1)]
        })
        .collect();
    ranks.sort_unstable();
    ranks.dedup();
    ranks
}

/// The on-track figures from `values[i]` (`NaN` where iteration `i` had no
/// access) and `paid(i)`, whether iteration `i` pays back within the target.
pub fn checkpoint(values: &[f32], paid: impl Fn(usize) -> bool) -> Checkpoint {
    let (mut paying, mut others) = (Vec::new(), Vec::new());
    for (i, v) in values.iter().enumerate() {
        if paid(i) {
            paying.push(*v);
        } else {
            others.push(*v);
        }
    }
    checkpoint_in(&paying, &others, &mut Scratch::default())
}

/// Buffers [`checkpoint_in`] reuses from one column to the next.
#[derive(Debug, Default)]
pub struct Scratch {
    /// Per bucket: how many values, how many of them pay back, and its
    /// place among the buckets read value by value (or [`NOT_PICKED`]).
    counts: Vec<u32>,
    paid: Vec<u32>,
    slot: Vec<u32>,
    /// The non-empty buckets, lowest values first.
    buckets: Vec<Bucket>,
    /// The keys of the picked buckets, each bucket's sorted in place.
    picked: Vec<u64>,
}

/// A bucket of values (those whose keys share their high bits).
#[derive(Debug, Clone, Copy)]
struct Bucket {
    id: usize,
    count: usize,
    paid: usize,
    /// The rank of its lowest value among all, and among those paying back.
    start: usize,
    paid_start: usize,
    /// Where its keys begin in `picked`, when picked.
    at: Option<usize>,
}

const NOT_PICKED: u32 = u32::MAX;

/// The on-track figures from the values of the iterations that pay back
/// within the target (`paying`) and of those that do not (`others`), in any
/// order; a `NaN` value counts as no access. Its buffers in `scratch`.
///
/// Only some ranks matter: each group's first rank (where a group's
/// values start and the one before ends) and the ranks the two bands
/// read. So the values are counted into buckets by the high bits of their
/// keys (one pass), the few buckets holding such a rank, with their
/// neighbours, are read value by value and sorted (another pass), and
/// every other bucket, which lies inside one group, is added up whole:
/// the same figures as one sort of every value, in three linear passes
/// (the range of the keys, the counts, the picked values).
pub fn checkpoint_in(paying: &[f32], others: &[f32], scratch: &mut Scratch) -> Checkpoint {
    let sides = [(others, 0u32), (paying, 1u32)];
    // the range of the keys, and how many values
    let (mut lo, mut hi) = (u32::MAX, 0u32);
    let (mut n, mut paid_total) = (0usize, 0usize);
    for (values, p) in sides {
        for v in values {
            if !v.is_nan() {
                let k = key(*v);
                lo = lo.min(k);
                hi = hi.max(k);
                n += 1;
                paid_total += p as usize;
            }
        }
    }
    // about eight values to a bucket, at most 65,536 buckets
    let bucket_bits = (usize::BITS - n.leading_zeros()).saturating_sub(3).min(16);
    let range = hi.saturating_sub(lo);
    let shift = (u32::BITS - range.leading_zeros()).saturating_sub(bucket_bits);
    let bucket = |k: u32| (u64::from(k - lo) >> shift) as usize;
    let n_buckets = if n == 0 { 0 } else { bucket(hi) + 1 };
    let Scratch {
        counts,
        paid,
        slot,
        buckets,
        picked,
    } = scratch;
    counts.clear();
    counts.resize(n_buckets, 0);
    paid.clear();
    paid.resize(n_buckets, 0);
    for (values, p) in sides {
        for v in values {
            if !v.is_nan() {
                let b = bucket(key(*v));
                counts[b] += 1;
                paid[b] += p;
            }
        }
    }
    buckets.clear();
    let (mut start, mut paid_start) = (0, 0);
    for (id, (&count, &paid)) in counts.iter().zip(paid.iter()).enumerate() {
        if count > 0 {
            let (count, paid) = (count as usize, paid as usize);
            buckets.push(Bucket {
                id,
                count,
                paid,
                start,
                paid_start,
                at: None,
            });
            start += count;
            paid_start += paid;
        }
    }
    // group g's first rank (its ranks r have floor(10 r / n) = g)
    let first: Vec<usize> = (0..=GROUPS).map(|g| (g * n).div_ceil(GROUPS)).collect();
    // the ranks the bands read, among all and among those paying back
    let wanted_all = band_ranks(n);
    let wanted_paid = band_ranks(paid_total);
    // pick the buckets holding those ranks and each group's first rank,
    // with the non-empty buckets either side (a group's first value may
    // be the next bucket's first, the value before it the last bucket's),
    // and the last bucket (the highest value)
    let mut picks: Vec<usize> = first[..GROUPS]
        .iter()
        .filter(|r| **r < n)
        .chain(&wanted_all)
        .map(|&r| buckets.partition_point(|b| b.start + b.count <= r))
        .collect();
    picks.extend(
        wanted_paid
            .iter()
            .map(|&r| buckets.partition_point(|b| b.paid_start + b.paid <= r)),
    );
    picks.extend(buckets.len().checked_sub(1));
    let len = buckets.len();
    for j in picks {
        for b in &mut buckets[j.saturating_sub(1)..(j + 2).min(len)] {
            b.at = Some(0);
        }
    }
    slot.clear();
    slot.resize(n_buckets, NOT_PICKED);
    let mut ends = Vec::new();
    let mut total = 0;
    for b in buckets.iter_mut().filter(|b| b.at.is_some()) {
        slot[b.id] = ends.len() as u32;
        b.at = Some(total);
        total += b.count;
        ends.push(total - b.count); // where the next key of the bucket goes
    }
    picked.clear();
    picked.resize(total, 0);
    for (values, p) in sides {
        for v in values {
            if !v.is_nan() {
                let k = key(*v);
                let s = slot[bucket(k)];
                if s != NOT_PICKED {
                    let end = &mut ends[s as usize];
                    picked[*end] = (u64::from(k) << 1) | u64::from(p);
                    *end += 1;
                }
            }
        }
    }
    let value = |k: u64| unkey((k >> 1) as u32);
    let mut groups: Vec<Group> = (1..=GROUPS)
        .map(|group| Group {
            group,
            count: 0,
            paid_back: 0,
            share: None,
            lo: None,
            hi: None,
        })
        .collect();
    // the values found at the ranks the bands read
    let mut found_all = vec![0f32; wanted_all.len()];
    let mut found_paid = vec![0f32; wanted_paid.len()];
    let (mut next_all, mut next_paid) = (0, 0);
    // each group's lowest and highest value, read as decimals at the end
    let mut edges: Vec<Option<(f32, f32)>> = vec![None; GROUPS];
    // rank r, group k; paid_so_far: those paying back below rank r
    let (mut r, mut k, mut paid_so_far) = (0, 0, 0);
    for b in buckets.iter() {
        while first[k + 1] <= r {
            k += 1;
        }
        let Some(at) = b.at else {
            // a bucket holding no rank that matters lies inside group k,
            // after its first value and before its last
            debug_assert!(first[k + 1] >= r + b.count && edges[k].is_some());
            let g = &mut groups[k];
            g.count += b.count as u64;
            g.paid_back += b.paid as u64;
            r += b.count;
            paid_so_far += b.paid;
            debug_assert!(wanted_all.get(next_all).is_none_or(|w| *w >= r));
            debug_assert!(wanted_paid.get(next_paid).is_none_or(|w| *w >= paid_so_far));
            continue;
        };
        let keys = &mut picked[at..at + b.count];
        keys.sort_unstable();
        let mut i = 0;
        while i < keys.len() {
            let vk = keys[i] >> 1;
            let v = value(keys[i]);
            while first[k + 1] <= r {
                k += 1;
            }
            edges[k] = Some(edges[k].map_or((v, v), |(lo, _)| (lo, v)));
            // the run of values equal to v (keys ascend, so it is
            // contiguous, and within one bucket)
            let start = i;
            let mut run_paid = 0;
            while i < keys.len() && keys[i] >> 1 == vk {
                run_paid += (keys[i] & 1) as usize;
                i += 1;
            }
            let g = &mut groups[k];
            g.count += (i - start) as u64;
            g.paid_back += run_paid as u64;
            r += i - start;
            paid_so_far += run_paid;
            while next_all < wanted_all.len() && wanted_all[next_all] < r {
                found_all[next_all] = v;
                next_all += 1;
            }
            while next_paid < wanted_paid.len() && wanted_paid[next_paid] < paid_so_far {
                found_paid[next_paid] = v;
                next_paid += 1;
            }
        }
    }
    debug_assert_eq!((r, paid_so_far), (n, paid_total));
    close_groups(&mut groups, &edges);
    let read = |wanted: &[usize], found: &[f32], i: usize| {
        widen(found[wanted.binary_search(&i).expect("a rank the band reads")])
    };
    let (tripwire, p_payback_at_or_below, p_payback_above) = tripwire(&groups);
    Checkpoint {
        with_access: n as u64,
        paid_back: paid_total as u64,
        all: band(n, &|i| read(&wanted_all, &found_all, i)),
        paying_back: band(paid_total, &|i| read(&wanted_paid, &found_paid, i)),
        groups,
        tripwire,
        p_payback_at_or_below,
        p_payback_above,
    }
}

/// Each group's lowest and highest value (from `edges`) and its share
/// that pays back.
fn close_groups(groups: &mut [Group], edges: &[Option<(f32, f32)>]) {
    for (g, e) in groups.iter_mut().zip(edges) {
        g.lo = e.map(|(lo, _)| widen(lo));
        g.hi = e.map(|(_, hi)| widen(hi));
        g.share = (g.count > 0).then(|| g.paid_back as f64 / g.count as f64);
    }
}

/// P10, P50 and P90 (PERCENTILE.INC) of `len` sorted values, the i-th read
/// by `at(i)`; `None` without values.
fn band(len: usize, at: &dyn Fn(usize) -> f64) -> Option<Band> {
    (len > 0).then(|| Band {
        p10: percentile_inc_by(len, 0.1, at),
        p50: percentile_inc_by(len, 0.5, at),
        p90: percentile_inc_by(len, 0.9, at),
    })
}

/// The tripwire (the highest value of the highest group in which fewer
/// than half pay back) and the shares that pay back at or below it and
/// above it; all `None` without such a group.
fn tripwire(groups: &[Group]) -> (Option<f64>, Option<f64>, Option<f64>) {
    let cut = groups
        .iter()
        .rposition(|g| g.count > 0 && 2 * g.paid_back < g.count);
    let share = |gs: &[Group]| {
        let (paid, count) = gs
            .iter()
            .fold((0, 0), |(p, c), g| (p + g.paid_back, c + g.count));
        (count > 0).then(|| paid as f64 / count as f64)
    };
    (
        cut.and_then(|k| groups[k].hi),
        cut.and_then(|k| share(&groups[..=k])),
        cut.and_then(|k| share(&groups[k + 1..])),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::sort::sort_u64_below_in;
    use proptest::prelude::*;

    /// The figures as 9.1 first computed them, from one radix sort of
    /// every value: what the bucketed reading must reproduce exactly.
    fn by_one_sort(paying: &[f32], others: &[f32]) -> Checkpoint {
        let (mut keys, mut spare) = (Vec::new(), Vec::new());
        // written without a branch on the missing values
        let keys = &mut keys;
        keys.resize(paying.len() + others.len(), 0); // slots 0..n are written below
        let mut n = 0;
        for v in others {
            keys[n] = u64::from(key(*v)) << 1;
            n += usize::from(!v.is_nan());
        }
        let unpaid = n;
        for v in paying {
            keys[n] = (u64::from(key(*v)) << 1) | 1;
            n += usize::from(!v.is_nan());
        }
        let paid_total = n - unpaid;
        keys.truncate(n);
        sort_u64_below_in(keys, &mut spare, 33);
        let keys = &*keys;
        let value = |k: u64| unkey((k >> 1) as u32);
        let mut groups: Vec<Group> = (1..=GROUPS)
            .map(|group| Group {
                group,
                count: 0,
                paid_back: 0,
                share: None,
                lo: None,
                hi: None,
            })
            .collect();
        // the ranks among those paying back that their band reads, and the
        // values found there in the one pass below
        let wanted = band_ranks(paid_total);
        let mut found = vec![0f32; wanted.len()];
        let (mut next, mut paid_so_far) = (0, 0);
        // each group's lowest and highest value, read as decimals at the end
        let mut edges: Vec<Option<(f32, f32)>> = vec![None; GROUPS];
        // group g's first rank (its ranks r have floor(10 r / n) = g)
        let first: Vec<usize> = (0..=GROUPS).map(|g| (g * n).div_ceil(GROUPS)).collect();
        let (mut r, mut k) = (0, 0);
        while r < n {
            let vk = keys[r] >> 1;
            let v = value(keys[r]);
            while first[k + 1] <= r {
                k += 1;
            }
            edges[k] = Some(edges[k].map_or((v, v), |(lo, _)| (lo, v)));
            // the run of values equal to v (keys ascend, so it is contiguous,
            // those not paying back first)
            let start = r;
            let mut run_paid = 0;
            while r < n && keys[r] >> 1 == vk {
                run_paid += (keys[r] & 1) as usize;
                r += 1;
            }
            let g = &mut groups[k];
            g.count += (r - start) as u64;
            g.paid_back += run_paid as u64;
            paid_so_far += run_paid;
            while next < wanted.len() && wanted[next] < paid_so_far {
                found[next] = v;
                next += 1;
            }
        }
        close_groups(&mut groups, &edges);
        let (tripwire, p_payback_at_or_below, p_payback_above) = tripwire(&groups);
        Checkpoint {
            with_access: n as u64,
            paid_back: paid_total as u64,
            all: band(n, &|i| widen(value(keys[i]))),
            paying_back: band(paid_total, &|i| {
                widen(found[wanted.binary_search(&i).expect("a rank the band reads")])
            }),
            groups,
            tripwire,
            p_payback_at_or_below,
            p_payback_above,
        }
    }

    fn shares(c: &Checkpoint) -> Vec<(u64, u64)> {
        c.groups.iter().map(|g| (g.count, g.paid_back)).collect()
    }

    /// Worked by hand: 20 values, two to a group, with a tie of three at
    /// 0.5 (ranks 8, 9, 10) that stays in group 5, the group of its lowest
    /// rank, leaving group 6 one value (rank 11).
    #[test]
    fn a_tie_stays_in_the_group_of_its_lowest_rank_and_sets_the_tripwire() {
        // values by rank, and whether each pays back
        let v: [f32; 20] = [
            0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.5, 0.5, 0.55, 0.6, 0.65, 0.7, 0.75,
            0.8, 0.85, 0.9, 0.95,
        ];
        let paid = [
            false, false, false, false, true, false, false, true, true, false, false, true, true,
            false, false, true, true, true, true, true,
        ];
        // shuffled, with two iterations without access
        let order = [
            13, 2, 19, 7, 0, 10, 16, 4, 11, 8, 1, 17, 14, 5, 18, 9, 3, 12, 6, 15,
        ];
        let mut values: Vec<f32> = order.iter().map(|&r| v[r]).collect();
        let mut p: Vec<bool> = order.iter().map(|&r| paid[r]).collect();
        values.insert(3, f32::NAN);
        p.insert(3, true);
        values.push(f32::NAN);
        p.push(false);
        let c = checkpoint(&values, |i| p[i]);
        assert_eq!(c.with_access, 20);
        assert_eq!(c.paid_back, 10);
        assert_eq!(
            shares(&c),
            vec![
                (2, 0),
                (2, 0),
                (2, 1),
                (2, 1),
                (3, 1), // 0.5, 0.5, 0.5: one of three pays back
                (1, 1), // 0.55 alone
                (2, 1),
                (2, 1),
                (2, 2),
                (2, 2)
            ]
        );
        assert_eq!((c.groups[4].lo, c.groups[4].hi), (Some(0.5), Some(0.5)));
        assert_eq!((c.groups[5].lo, c.groups[5].hi), (Some(0.55), Some(0.55)));
        assert_eq!(c.groups[4].share, Some(1.0 / 3.0));
        // groups 7 and 8 sit at one half exactly, not below: group 5 is the
        // highest below one half
        assert_eq!(c.tripwire, Some(0.5));
        // at or below: 3 of 11 (groups 1-5); above: 7 of 9
        assert_eq!(c.p_payback_at_or_below, Some(3.0 / 11.0));
        assert_eq!(c.p_payback_above, Some(7.0 / 9.0));
        assert_eq!(c.separation(), Some(7.0 / 9.0 - 3.0 / 11.0));
        // all: h = 19 p; P10 = 0.15 + 0.9 x 0.05, P50 = 0.5 (ranks 9 and
        // 10 tie), P90 = 0.85 + 0.1 x 0.05
        let close = |a: f64, b: f64| assert!((a - b).abs() < 1e-12, "{a} vs {b}");
        let all = c.all.unwrap();
        close(all.p10, 0.195);
        close(all.p50, 0.5);
        close(all.p90, 0.855);
        // paying back: 0.3 0.45 0.5 0.55 0.6 0.75 0.8 0.85 0.9 0.95,
        // h = 9 p: P10 = 0.3 + 0.9 x 0.15, P50 = (0.6 + 0.75) / 2,
        // P90 = 0.9 + 0.1 x 0.05
        let pb = c.paying_back.unwrap();
        close(pb.p10, 0.435);
        close(pb.p50, 0.675);
        close(pb.p90, 0.905);
    }

    /// A tie across several groups empties the groups it swallows.
    #[test]
    fn a_tie_wider_than_a_group_empties_the_next_groups() {
        // 10 values: 0 x 5 then 1..=5; the zeros take groups 1 to 5
        let values: Vec<f32> = [0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 2.0, 3.0, 4.0, 5.0].to_vec();
        let c = checkpoint(&values, |i| i >= 7);
        let counts: Vec<u64> = c.groups.iter().map(|g| g.count).collect();
        assert_eq!(counts, vec![5, 0, 0, 0, 0, 1, 1, 1, 1, 1]);
        assert_eq!(c.groups[1].share, None);
        // groups 6 and 7 (values 1 and 2) pay back none
        assert_eq!(c.tripwire, Some(2.0));
    }

    #[test]
    fn no_group_below_one_half_means_no_tripwire() {
        let values: Vec<f32> = (0..100).map(|i| i as f32).collect();
        let c = checkpoint(&values, |i| i % 2 == 0);
        assert!(c.groups.iter().all(|g| g.count == 10 && g.paid_back == 5));
        assert_eq!(c.tripwire, None);
        let none = checkpoint(&[f32::NAN, f32::NAN], |_| true);
        assert_eq!((none.with_access, none.all, none.tripwire), (0, None, None));
        let nobody_pays = checkpoint(&[1.0, 2.0], |_| false);
        assert_eq!(nobody_pays.paying_back, None);
        assert_eq!(nobody_pays.tripwire, Some(2.0));
        // the tripwire tops every group: nothing above it
        assert_eq!(nobody_pays.p_payback_above, None);
        assert_eq!(nobody_pays.separation(), None);
    }

    /// Ten groups of equal size when 10 divides n; otherwise sizes differ
    /// by at most one.
    #[test]
    fn distinct_values_split_into_groups_of_equal_size() {
        for n in [10usize, 37, 1000, 4099] {
            let values: Vec<f32> = (0..n).map(|i| ((i * 7919) % n) as f32).collect();
            let c = checkpoint(&values, |_| true);
            let sizes: Vec<u64> = c.groups.iter().map(|g| g.count).collect();
            let (lo, hi) = (n as u64 / 10, (n as u64).div_ceil(10));
            assert!(sizes.iter().all(|s| *s == lo || *s == hi), "{n}: {sizes:?}");
            assert_eq!(sizes.iter().sum::<u64>(), n as u64);
        }
    }

    #[test]
    fn keys_order_as_total_cmp_and_read_back() {
        let mut v = vec![3.5f32, -1.0, 0.0, -0.0, 1e-30, 7e20, 0.25];
        let mut by_key = v.clone();
        by_key.sort_by_key(|x| key(*x));
        v.sort_by(|a, b| (a + 0.0).total_cmp(&(b + 0.0)));
        assert_eq!(by_key, v);
        for x in v {
            assert_eq!(unkey(key(x)), x + 0.0);
        }
        assert_eq!(widen(0.31), 0.31);
    }

    /// Values with ties, a few missing, negative zeros and infinities.
    fn column() -> impl Strategy<Value = Vec<(f32, bool)>> {
        let value = prop_oneof![
            4 => (0u32..40).prop_map(|i| i as f32 * 0.25),
            4 => -1e3f32..1e3,
            2 => 0f32..1e-3,
            1 => Just(f32::NAN),
            1 => Just(-0.0f32),
            1 => Just(f32::INFINITY),
            1 => Just(f32::NEG_INFINITY),
        ];
        prop::collection::vec((value, any::<bool>()), 0..3000)
    }

    fn split(column: &[(f32, bool)]) -> (Vec<f32>, Vec<f32>) {
        let paying = column.iter().filter(|c| c.1).map(|c| c.0).collect();
        let others = column.iter().filter(|c| !c.1).map(|c| c.0).collect();
        (paying, others)
    }

    proptest! {
        #[test]
        fn buckets_give_the_figures_of_one_sort(a in column(), b in column()) {
            // one scratch for two columns, as the workers reuse theirs
            let mut scratch = Scratch::default();
            for c in [&a, &b] {
                let (paying, others) = split(c);
                prop_assert_eq!(
                    checkpoint_in(&paying, &others, &mut scratch),
                    by_one_sort(&paying, &others)
                );
            }
        }
    }

    /// Large columns shaped like the engine's: most values distinct and
    /// bunched, a tie of zeros, a long tail; and one where a single value
    /// holds most futures.
    #[test]
    fn buckets_give_the_figures_of_one_sort_on_large_columns() {
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 11) as f64 / (1u64 << 53) as f64
        };
        let mut scratch = Scratch::default();
        for case in 0..4 {
            let n = [300_000, 65_537, 1_000, 200_000][case];
            let (mut paying, mut others) = (Vec::new(), Vec::new());
            for _ in 0..n {
                let u = next();
                let v = match case {
                    0 if u < 0.2 => 0.0,
                    0 => (0.3 + 0.05 * (next() - 0.5)) as f32 / (0.1 + u as f32),
                    1 => (u * u * 5000.0).floor() as f32,
                    2 => u as f32,
                    _ if u < 0.7 => 0.25,
                    _ => (u * 1e-6) as f32,
                };
                if next() < 0.3 + 0.4 * u {
                    paying.push(v);
                } else {
                    others.push(v);
                }
            }
            assert_eq!(
                checkpoint_in(&paying, &others, &mut scratch),
                by_one_sort(&paying, &others),
                "case {case}"
            );
        }
    }
}
