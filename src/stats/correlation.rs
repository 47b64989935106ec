//! Rank correlation between inputs by the Iman-Conover method: the draws of
//! each input are only reordered, so every marginal stays exactly the
//! distribution written, while the ranks take on the target correlations.
//!
//! Iman, R. L. and Conover, W. J. (1982), "A distribution-free approach to
//! inducing rank correlation among input variables".

use statrs::distribution::{ContinuousCDF, Normal};

/// Lower-triangular Cholesky factor of a symmetric matrix, or the index of
/// the first pivot that is not positive (the matrix is not positive
/// definite).
pub fn cholesky(a: &[Vec<f64>]) -> Result<Vec<Vec<f64>>, usize> {
    let n = a.len();
    let mut l = vec![vec![0.0; n]; n];
    for i in 0..n {
        for j in 0..=i {
            let s: f64 = (0..j).map(|k| l[i][k] * l[j][k]).sum();
            if i == j {
                let d = a[i][i] - s;
                if d <= 1e-10 {
                    return Err(i);
                }
                l[i][j] = d.sqrt();
            } else {
                l[i][j] = (a[i][j] - s) / l[j][j];
            }
        }
    }
    Ok(l)
}

/// The Pearson correlation that normal scores need for a Spearman rank
/// correlation `rho_s`: `2 sin(pi rho_s / 6)`.
pub fn pearson_for_spearman(rho_s: f64) -> f64 {
    2.0 * (std::f64::consts::PI * rho_s / 6.0).sin()
}

/// Spearman rank correlation of two equally long samples (average ranks
/// for ties).
pub fn spearman(a: &[f64], b: &[f64]) -> f64 {
    let (ra, rb) = (ranks(a), ranks(b));
    pearson(&ra, &rb)
}

fn pearson(a: &[f64], b: &[f64]) -> f64 {
    let n = a.len() as f64;
    let (ma, mb) = (a.iter().sum::<f64>() / n, b.iter().sum::<f64>() / n);
    let (mut sab, mut saa, mut sbb) = (0.0, 0.0, 0.0);
    for (x, y) in a.iter().zip(b) {
        sab += (x - ma) * (y - mb);
        saa += (x - ma) * (x - ma);
        sbb += (y - mb) * (y - mb);
    }
    if saa == 0.0 || sbb == 0.0 {
        0.0
    } else {
        sab / (saa * sbb).sqrt()
    }
}

/// 1-based ranks, ties sharing their average rank.
pub fn ranks(v: &[f64]) -> Vec<f64> {
    let order = super::order_of(v);
    let mut r = vec![0.0; v.len()];
    let mut i = 0;
    while i < order.len() {
        let mut j = i;
        while j + 1 < order.len() && v[order[j + 1]] == v[order[i]] {
            j += 1;
        }
        let avg = (i + j) as f64 / 2.0 + 1.0;
        for &k in &order[i..=j] {
            r[k] = avg;
        }
        i = j + 1;
    }
    r
}

/// Reorders the columns of a sample so that their rank correlations
/// approach `target` (a positive definite matrix of Spearman
/// correlations). `columns[j]` is one input's draws; `shuffle(j, n)` gives
/// a deterministic permutation of `0..n` for column j (the scores' random
/// order). Only the order of each column's values changes.
pub fn iman_conover(
    columns: &mut [Vec<f64>],
    target: &[Vec<f64>],
    mut shuffle: impl FnMut(usize, usize) -> Vec<usize>,
) {
    let k = columns.len();
    let n = columns.first().map_or(0, Vec::len);
    if k < 2 || n < 3 {
        return;
    }
    // van der Waerden scores, each column in its own random order
    let std = Normal::new(0.0, 1.0).expect("standard normal");
    let scores: Vec<f64> = (1..=n)
        .map(|r| std.inverse_cdf(r as f64 / (n + 1) as f64))
        .collect();
    let mut s: Vec<Vec<f64>> = (0..k)
        .map(|j| shuffle(j, n).into_iter().map(|p| scores[p]).collect())
        .collect();
    // the scores' own correlation E = F F', the target's C = P P'
    let e: Vec<Vec<f64>> = (0..k)
        .map(|a| (0..k).map(|b| pearson(&s[a], &s[b])).collect())
        .collect();
    let c: Vec<Vec<f64>> = (0..k)
        .map(|a| {
            (0..k)
                .map(|b| {
                    if a == b {
                        1.0
                    } else {
                        pearson_for_spearman(target[a][b])
                    }
                })
                .collect()
        })
        .collect();
    let (Ok(f), Ok(p)) = (cholesky(&e), cholesky(&c)) else {
        return; // validated before any run; a degenerate sample stays as drawn
    };
    // T = S (F^-1)' P': row by row, solve F y = s_row, then t = P y
    let mut t = vec![vec![0.0; n]; k];
    let mut y = vec![0.0; k];
    for r in 0..n {
        for a in 0..k {
            let sum: f64 = (0..a).map(|b| f[a][b] * y[b]).sum();
            y[a] = (s[a][r] - sum) / f[a][a];
        }
        for a in 0..k {
            t[a][r] = (0..=a).map(|b| p[a][b] * y[b]).sum();
        }
    }
    // give each column's values the ranks of T's column
    for (col, tj) in columns.iter_mut().zip(&t) {
        let mut sorted = col.clone();
        sorted.sort_by(f64::total_cmp);
        let order = super::order_of(tj);
        for (rank, &row) in order.iter().enumerate() {
            col[row] = sorted[rank];
        }
    }
    s.clear();
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{seq::SliceRandom, RngExt, SeedableRng};

    fn shuffler(seed: u64) -> impl FnMut(usize, usize) -> Vec<usize> {
        let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(seed);
        move |_, n| {
            let mut p: Vec<usize> = (0..n).collect();
            p.shuffle(&mut rng);
            p
        }
    }

    #[test]
    fn cholesky_factors_a_known_matrix_and_flags_an_impossible_one() {
        let l = cholesky(&[vec![4.0, 2.0], vec![2.0, 3.0]]).unwrap();
        assert_eq!(l[0][0], 2.0);
        assert_eq!(l[1][0], 1.0);
        assert!((l[1][1] - 2f64.sqrt()).abs() < 1e-15);
        // a and b strongly together, b and c too, a and c strongly apart
        let bad = [
            vec![1.0, 0.9, -0.9],
            vec![0.9, 1.0, 0.9],
            vec![-0.9, 0.9, 1.0],
        ];
        assert_eq!(cholesky(&bad), Err(2));
    }

    #[test]
    fn ranks_average_ties() {
        assert_eq!(ranks(&[3.0, 1.0, 3.0, 2.0]), vec![3.5, 1.0, 3.5, 2.0]);
    }

    /// 10,000 draws: the achieved Spearman correlations lie within 0.03 of
    /// their targets and every column holds exactly the values it had.
    #[test]
    fn reaches_the_target_rank_correlations_and_keeps_the_marginals() {
        let n = 10_000;
        let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(1);
        let mut cols: Vec<Vec<f64>> = vec![
            (0..n).map(|_| rng.random::<f64>()).collect(),
            (0..n)
                .map(|_| rng.random::<f64>().powi(3) * 100.0)
                .collect(),
            (0..n).map(|_| -rng.random::<f64>().ln()).collect(),
        ];
        let before: Vec<Vec<f64>> = cols
            .iter()
            .map(|c| {
                let mut s = c.clone();
                s.sort_by(f64::total_cmp);
                s
            })
            .collect();
        let target = vec![
            vec![1.0, 0.6, -0.3],
            vec![0.6, 1.0, 0.0],
            vec![-0.3, 0.0, 1.0],
        ];
        iman_conover(&mut cols, &target, shuffler(2));
        for a in 0..3 {
            let mut s = cols[a].clone();
            s.sort_by(f64::total_cmp);
            assert_eq!(s, before[a], "column {a} keeps its values");
            for b in 0..a {
                let got = spearman(&cols[a], &cols[b]);
                assert!(
                    (got - target[a][b]).abs() < 0.03,
                    "({a},{b}): {got} vs {}",
                    target[a][b]
                );
            }
        }
    }
}
