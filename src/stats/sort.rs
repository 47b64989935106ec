//! Sorting a million values for the exact percentiles of every run.
//!
//! Floats go to the standard library's pattern-defeating quicksort, as the
//! integer keys `total_cmp` compares: on a million payback-like and
//! NPV-like values it took 66-130 ms (2 cores, under load) against 160-210
//! ms for an LSD radix sort in 16-bit digits, whose 65,536-way scatter
//! misses the cache on every write, and as integer keys 12-16 ms against
//! 24-32 ms comparing the floats with `total_cmp` (idle). Equal keys under
//! `total_cmp` have equal bits, so an unstable sort gives the same bytes
//! as any other. Integer keys of known width (the on-track figures'
//! packed keys) still go to the radix sort, in 11-bit digits.

/// Sorts ascending in `total_cmp` order (so `-0.0` before `0.0`, and
/// infinities at the ends).
///
/// The values are sorted as the integer keys `total_cmp` compares (see
/// [`order_key`]): a million of them sort in about half the time of
/// `sort_unstable_by(f64::total_cmp)`, which works the key out again in
/// every comparison. The keys are one-to-one with the bit patterns, so the
/// result is the same, bit for bit.
pub fn sort_f64(values: &mut [f64]) {
    let mut keys: Vec<u64> = values.iter().map(|v| order_key(*v)).collect();
    keys.sort_unstable();
    for (v, k) in values.iter_mut().zip(keys) {
        *v = from_order_key(k);
    }
}

/// `values` collected and sorted as [`sort_f64`] sorts them, with one
/// allocation.
pub fn sorted_f64(values: impl Iterator<Item = f64>) -> Vec<f64> {
    let mut keys: Vec<u64> = values.map(order_key).collect();
    keys.sort_unstable();
    keys.into_iter().map(from_order_key).collect()
}

/// The indices of `values` in ascending `total_cmp` order, ties in index
/// order: what `sort_by(|&a, &b| values[a].total_cmp(&values[b]).then(a.cmp(&b)))`
/// gives, in about a third of its time. Each index sorts with its value's
/// integer key (see [`order_key`]); the pairs are all different, so an
/// unstable sort puts them in the one order there is.
pub fn order_of(values: &[f64]) -> Vec<usize> {
    let mut pairs: Vec<(u64, usize)> = values
        .iter()
        .enumerate()
        .map(|(i, v)| (order_key(*v), i))
        .collect();
    pairs.sort_unstable();
    pairs.into_iter().map(|(_, i)| i).collect()
}

/// `v`'s bits, turned so that unsigned order is `total_cmp`'s order: a
/// negative value's magnitude bits flipped (as `total_cmp` does, which then
/// compares signed), and the sign bit flipped (signed to unsigned order).
#[inline]
fn order_key(v: f64) -> u64 {
    let b = v.to_bits();
    (b ^ ((((b as i64) >> 63) as u64) >> 1)) ^ (1 << 63)
}

/// The inverse of [`order_key`].
#[inline]
fn from_order_key(k: u64) -> f64 {
    let t = k ^ (1 << 63);
    f64::from_bits(t ^ ((((t as i64) >> 63) as u64) >> 1))
}

/// Sorts keys below `2^bits` ascending, in 11-bit digits: three passes
/// for keys of up to 33 bits, each over 2,048 buckets that stay in cache.
pub fn sort_u64_below(a: Vec<u64>, bits: u32) -> Vec<u64> {
    let mut a = a;
    sort_u64_below_in(&mut a, &mut Vec::new(), bits);
    a
}

/// [`sort_u64_below`] in place, with `spare` as the scatter buffer (kept
/// between calls, so that sorting many columns allocates once).
pub fn sort_u64_below_in(a: &mut Vec<u64>, spare: &mut Vec<u64>, bits: u32) {
    debug_assert!(bits == 64 || a.iter().all(|k| k >> bits == 0));
    radix_in(a, spare, 11, bits);
}

/// LSD radix sort in `digit`-bit digits over the low `bits` bits, with `b`
/// as the scatter buffer; one read counts every digit, then one scatter
/// per digit that not every key shares.
fn radix_in(a: &mut Vec<u64>, b: &mut Vec<u64>, digit: u32, bits: u32) {
    if a.len() < 256 {
        a.sort_unstable();
        return;
    }
    let buckets = 1usize << digit;
    let mask = (buckets - 1) as u64;
    let passes = bits.div_ceil(digit) as usize;
    let mut counts = vec![0usize; buckets * passes];
    for k in a.iter() {
        for (p, c) in counts.chunks_exact_mut(buckets).enumerate() {
            c[((k >> (p as u32 * digit)) & mask) as usize] += 1;
        }
    }
    // every slot is written before it is read: no need to clear
    b.resize(a.len(), 0);
    for (p, c) in counts.chunks_exact_mut(buckets).enumerate() {
        if c.contains(&a.len()) {
            continue; // every key shares this digit
        }
        let shift = p as u32 * digit;
        let mut sum = 0;
        for x in c.iter_mut() {
            let n = *x;
            *x = sum;
            sum += n;
        }
        for k in a.iter() {
            let d = ((k >> shift) & mask) as usize;
            b[c[d]] = *k;
            c[d] += 1;
        }
        std::mem::swap(a, b);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn sorts_exactly_as_total_cmp_does(mut v in prop::collection::vec(
            prop_oneof![any::<f64>().prop_filter("no NaN", |x| !x.is_nan()), Just(0.0), Just(-0.0), Just(f64::INFINITY)],
            0..2000,
        )) {
            let mut want = v.clone();
            want.sort_by(f64::total_cmp);
            let collected = sorted_f64(v.iter().copied());
            sort_f64(&mut v);
            prop_assert_eq!(v.iter().map(|x| x.to_bits()).collect::<Vec<_>>(), want.iter().map(|x| x.to_bits()).collect::<Vec<_>>());
            prop_assert_eq!(collected.iter().map(|x| x.to_bits()).collect::<Vec<_>>(), want.iter().map(|x| x.to_bits()).collect::<Vec<_>>());
        }

        /// Ties (repeated values, 0 and -0, NaNs) included.
        #[test]
        fn orders_indices_as_a_stable_total_cmp_sort_does(v in prop::collection::vec(
            prop_oneof![any::<f64>(), Just(0.0), Just(-0.0), Just(1.5), Just(f64::NAN), Just(f64::NEG_INFINITY)],
            0..2000,
        )) {
            let mut want: Vec<usize> = (0..v.len()).collect();
            want.sort_by(|&a, &b| v[a].total_cmp(&v[b]).then(a.cmp(&b)));
            prop_assert_eq!(order_of(&v), want);
        }

        #[test]
        fn order_keys_compare_as_total_cmp_and_turn_back(a in any::<u64>(), b in any::<u64>()) {
            let (x, y) = (f64::from_bits(a), f64::from_bits(b));
            prop_assert_eq!(order_key(x).cmp(&order_key(y)), x.total_cmp(&y));
            prop_assert_eq!(from_order_key(order_key(x)).to_bits(), a);
        }

        #[test]
        fn sorts_33_bit_keys_as_sort_unstable_does(keys in prop::collection::vec(0u64..(1 << 33), 0..3000)) {
            let mut want = keys.clone();
            want.sort_unstable();
            prop_assert_eq!(sort_u64_below(keys, 33), want);
        }
    }
}
