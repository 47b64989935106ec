//! Selection under a budget (MODEL.md section 10): the subset with the
//! highest mean NPV whose P90 peak funding is at most the budget, and the
//! efficient frontier. Pure functions of the subsets' figures.

/// One subset's figures, as selection reads them.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Point {
    /// Bit `j` set: initiative `j` is funded.
    pub mask: u32,
    /// Mean NPV (currency).
    pub mean_npv: f64,
    /// P90 of peak funding (currency).
    pub peak_p90: f64,
}

/// The chosen subset: among the non-empty subsets whose P90 peak funding is
/// at most `budget`, the highest mean NPV; ties go to the lower P90 peak
/// funding, then to fewer initiatives, then to the lower mask. `None` when
/// no subset fits.
pub fn choose(points: &[Point], budget: f64) -> Option<Point> {
    points
        .iter()
        .filter(|p| p.mask != 0 && p.peak_p90 <= budget)
        .copied()
        .reduce(|best, p| if better(&p, &best) { p } else { best })
}

fn better(a: &Point, b: &Point) -> bool {
    use std::cmp::Ordering::*;
    match a.mean_npv.total_cmp(&b.mean_npv) {
        Greater => true,
        Less => false,
        Equal => match b.peak_p90.total_cmp(&a.peak_p90) {
            Greater => true,
            Less => false,
            Equal => (a.mask.count_ones(), a.mask) < (b.mask.count_ones(), b.mask),
        },
    }
}

/// The efficient frontier: the non-empty subsets that no other beats on
/// both mean NPV (higher) and P90 peak funding (lower), one per distinct
/// pair of figures, in ascending P90 peak funding.
pub fn frontier(points: &[Point]) -> Vec<Point> {
    let mut sorted: Vec<Point> = points.iter().filter(|p| p.mask != 0).copied().collect();
    // ascending peak funding; within one, the best NPV first
    sorted.sort_by(|a, b| {
        a.peak_p90
            .total_cmp(&b.peak_p90)
            .then(b.mean_npv.total_cmp(&a.mean_npv))
            .then((a.mask.count_ones(), a.mask).cmp(&(b.mask.count_ones(), b.mask)))
    });
    let mut out: Vec<Point> = Vec::new();
    for p in sorted {
        if out.last().is_none_or(|best| p.mean_npv > best.mean_npv) {
            out.push(p);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pt(mask: u32, mean_npv: f64, peak_p90: f64) -> Point {
        Point {
            mask,
            mean_npv,
            peak_p90,
        }
    }

    /// Worked by hand: A (NPV 5, peak 3), B (4, 2), A+B (9, 5), C (-1, 1).
    #[test]
    fn the_frontier_and_choice_are_the_hand_worked_ones() {
        let points = [
            pt(0, 0.0, 0.0),
            pt(0b001, 5.0, 3.0),
            pt(0b010, 4.0, 2.0),
            pt(0b011, 9.0, 5.0),
            pt(0b100, -1.0, 1.0),
            pt(0b101, 4.0, 4.0),
        ];
        let f: Vec<u32> = frontier(&points).iter().map(|p| p.mask).collect();
        assert_eq!(f, vec![0b100, 0b010, 0b001, 0b011]);
        assert_eq!(choose(&points, 4.0).unwrap().mask, 0b001);
        assert_eq!(choose(&points, 5.0).unwrap().mask, 0b011);
        assert_eq!(choose(&points, 0.5), None);
    }
}
