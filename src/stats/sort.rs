//! Sorting a million f64 in a few linear passes: an LSD radix sort on the
//! order-preserving integer key of each float (the order of
//! `f64::total_cmp`), for the exact percentiles of every run.

/// The key whose unsigned order is `total_cmp`'s order: flip every bit of a
/// negative float, only the sign bit of a positive one.
#[inline]
fn key(x: f64) -> u64 {
    let b = x.to_bits();
    if b >> 63 == 1 {
        !b
    } else {
        b | (1 << 63)
    }
}

#[inline]
fn unkey(k: u64) -> f64 {
    f64::from_bits(if k >> 63 == 1 { k & !(1 << 63) } else { !k })
}

/// Sorts ascending in `total_cmp` order (so `-0.0` before `0.0`, and
/// infinities at the ends).
pub fn sort_f64(values: &mut [f64]) {
    if values.len() < 256 {
        values.sort_unstable_by(f64::total_cmp);
        return;
    }
    let a = sort_u64(values.iter().map(|v| key(*v)).collect());
    for (v, k) in values.iter_mut().zip(&a) {
        *v = unkey(*k);
    }
}

/// Sorts unsigned keys ascending: an LSD radix sort in 16-bit digits that
/// skips a digit every key shares.
pub fn sort_u64(a: Vec<u64>) -> Vec<u64> {
    radix(a, 16, 64)
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

/// LSD radix sort in `digit`-bit digits over the low `bits` bits; one read
/// counts every digit, then one scatter per digit that not every key
/// shares.
fn radix(mut a: Vec<u64>, digit: u32, bits: u32) -> Vec<u64> {
    radix_in(&mut a, &mut Vec::new(), digit, bits);
    a
}

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
            sort_f64(&mut v);
            prop_assert_eq!(v.iter().map(|x| x.to_bits()).collect::<Vec<_>>(), want.iter().map(|x| x.to_bits()).collect::<Vec<_>>());
        }

        #[test]
        fn sorts_33_bit_keys_as_sort_unstable_does(keys in prop::collection::vec(0u64..(1 << 33), 0..3000)) {
            let mut want = keys.clone();
            want.sort_unstable();
            prop_assert_eq!(sort_u64_below(keys, 33), want);
        }
    }
}
