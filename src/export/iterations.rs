//! `iterations.csv`: one row per iteration, its uncertain inputs and its
//! results. The engine hands each iteration to [`IterationsCsv`] (a
//! [`BlockSink`]) as soon as it is simulated, which turns it into a row on
//! that worker thread, and writes each block's rows in iteration order.

use std::io::{self, Write};
use std::sync::Mutex;

use crate::engine::BlockSink;
use crate::model::Outcome;
use crate::scenario::Scenario;

/// The header of `iterations.csv`.
pub fn header(sc: &Scenario) -> Vec<String> {
    let mut h = vec!["iteration".to_string()];
    h.extend(
        sc.uncertain_inputs()
            .iter()
            .map(|&i| sc.inputs[i].path.clone()),
    );
    h.extend(
        [
            "payback_months",
            "npv",
            "roi",
            "total_cost",
            "total_benefit",
            "peak_funding",
            "furthest_stage",
            "killed_at_gate",
            "first_access_month",
        ]
        .map(String::from),
    );
    h.extend(sc.stages.iter().map(|s| format!("start_month.{}", s.name)));
    h.extend(
        sc.stages
            .iter()
            .filter(|s| s.gate.is_some())
            .map(|s| format!("reworks.{}", s.name)),
    );
    h
}

/// What a row needs from the scenario.
#[derive(Debug, Clone)]
struct Layout {
    /// The uncertain inputs' indices, in column order.
    uncertain: Vec<usize>,
    /// Each stage's name, as a CSV field (quoted where it must be).
    stages: Vec<Vec<u8>>,
    /// Whether each stage has a gate (a `reworks.` column).
    gated: Vec<bool>,
}

/// Streams `iterations.csv` to `out`: the header on creation, then each
/// block's rows as the engine hands them over.
pub struct IterationsCsv<W> {
    layout: Layout,
    /// Written by one thread at a time (see [`BlockSink::consume`]).
    out: Mutex<W>,
    /// Blocks' buffers written and emptied, for the next blocks: a fresh
    /// one's memory (3 MB a block) is mapped page by page as rows fill it.
    spare: Mutex<Vec<Vec<u8>>>,
}

impl<W: Write + Send + Sync> IterationsCsv<W> {
    /// Writes the header to `out`.
    pub fn new(sc: &Scenario, mut out: W) -> io::Result<IterationsCsv<W>> {
        let mut w = csv::Writer::from_writer(Vec::new());
        w.write_record(header(sc))?;
        out.write_all(
            &w.into_inner()
                .map_err(|e| io::Error::other(e.to_string()))?,
        )?;
        Ok(IterationsCsv {
            layout: Layout {
                uncertain: sc.uncertain_inputs(),
                stages: sc.stages.iter().map(|s| csv_field(&s.name)).collect(),
                gated: sc.stages.iter().map(|s| s.gate.is_some()).collect(),
            },
            out: Mutex::new(out),
            spare: Mutex::new(Vec::new()),
        })
    }

    /// Flushes the rows written so far and gives the writer back.
    pub fn finish(self) -> io::Result<W> {
        let mut out = self.out.into_inner().map_err(|_| poisoned())?;
        out.flush()?;
        Ok(out)
    }
}

impl<W: Write + Send + Sync> BlockSink for IterationsCsv<W> {
    fn encode_row(&self, out: &mut Vec<u8>, iteration: u64, x: &[f64], o: &Outcome) {
        write_row(out, &mut Row::default(), &self.layout, iteration, x, o);
    }

    fn consume(&self, mut bytes: Vec<u8>) -> io::Result<()> {
        self.out.lock().map_err(|_| poisoned())?.write_all(&bytes)?;
        bytes.clear();
        self.spare.lock().map_err(|_| poisoned())?.push(bytes);
        Ok(())
    }

    fn buffer(&self, rows: usize) -> Vec<u8> {
        // about 48 fields of up to 20 bytes per row: room enough that the
        // buffer never grows (and copies itself) on the way
        let room = rows * 1024;
        let spare = self.spare.lock().ok().and_then(|mut s| s.pop());
        match spare {
            Some(mut b) => {
                b.reserve(room);
                b
            }
            None => Vec::with_capacity(room),
        }
    }
}

/// A writer left behind by a thread that panicked while writing.
fn poisoned() -> io::Error {
    io::Error::other("iterations.csv: a writer thread failed while writing")
}

/// Scratch for writing one row's numbers.
#[derive(Default)]
struct Row {
    float: zmij::Buffer,
    int: itoa::Buffer,
}

impl Row {
    /// One field and its comma: `v` as Rust's `{}` writes it (the shortest
    /// decimal that reads back as `v`, never in exponent form), or nothing
    /// for `None`.
    fn float(&mut self, out: &mut Vec<u8>, v: Option<f64>) {
        if let Some(v) = v {
            display_f64(self, out, v);
        }
        out.push(b',');
    }

    fn int(&mut self, out: &mut Vec<u8>, v: u64) {
        out.extend_from_slice(self.int.format(v).as_bytes());
        out.push(b',');
    }
}

/// Appends `v` exactly as `format!("{v}")` writes it, several times
/// faster: zmij (Schubfach) finds the same shortest round-trip digits, and
/// they are laid out here without an exponent, as Rust's `Display` does
/// ("1e+16" is "10000000000000000", "1.5e-7" is "0.00000015", "1.0" is
/// "1", -0.0 is "-0").
fn display_f64(row: &mut Row, out: &mut Vec<u8>, v: f64) {
    // Where two shortest decimals are equally close (the exact value ends
    // in 5 just past the 17th digit), the shortest-digits algorithms may
    // round half to even and Display rounds half up. Those few take Display
    // itself (see [`may_tie`]), as do non-finite values, which never reach
    // an output (see crate::summary::check_finite).
    if !v.is_finite() || may_tie(v) {
        use std::io::Write as _;
        let _ = write!(out, "{v}");
        return;
    }
    if v.is_sign_negative() {
        out.push(b'-');
    }
    let a = v.abs();
    // The usual case. Between 1e-4 and 1e15 (inside zmij's 1e-5 to 1e16,
    // with a margin for the rounding at either end) zmij never writes an
    // exponent, so its text is Display's as it stands, and nothing needs
    // to be read back from it. A double's spacing there is at most 1/8, so
    // a value that is not whole never has whole shortest digits, and a
    // whole one's are its integer: itoa writes it (zmij would add ".0"), as
    // it writes zero ("0", and "-0" for -0.0).
    if a == 0.0 || (1e-4..1e15).contains(&a) {
        let whole = a as u64;
        if whole as f64 == a {
            out.extend_from_slice(row.int.format(whole).as_bytes());
        } else {
            out.extend_from_slice(row.float.format_finite(a).as_bytes());
        }
        return;
    }
    let s = row.float.format_finite(a).as_bytes();
    // an exponent ("e-7", "e+308") is within the last five bytes: looking
    // there is quicker than searching the whole text
    let tail = s.len().saturating_sub(5);
    let Some(e) = s[tail..].iter().position(|&c| c == b'e').map(|p| tail + p) else {
        // without an exponent (1e-5 <= |v| < 1e16) zmij writes as
        // Display does, except that a whole number ends in ".0"
        out.extend_from_slice(s.strip_suffix(b".0").unwrap_or(s));
        return;
    };
    let (mantissa, exp) = (&s[..e], parse_exp(&s[e + 1..]));
    // the mantissa's digits, without the point, and where the point goes
    let mut digits = [0u8; 32];
    let (mut n, mut point) = (0usize, None);
    for &c in mantissa {
        if c == b'.' {
            point = Some(n as i32);
        } else {
            digits[n] = c;
            n += 1;
        }
    }
    let mut point = point.unwrap_or(n as i32) + exp;
    let mut first = 0;
    while first < n && digits[first] == b'0' {
        first += 1;
        point -= 1;
    }
    while n > first && digits[n - 1] == b'0' {
        n -= 1;
    }
    let digits = &digits[first..n];
    if digits.is_empty() {
        out.push(b'0');
    } else if point <= 0 {
        out.extend_from_slice(b"0.");
        out.extend(std::iter::repeat_n(b'0', (-point) as usize));
        out.extend_from_slice(digits);
    } else if point as usize >= digits.len() {
        out.extend_from_slice(digits);
        out.extend(std::iter::repeat_n(b'0', point as usize - digits.len()));
    } else {
        out.extend_from_slice(&digits[..point as usize]);
        out.push(b'.');
        out.extend_from_slice(&digits[point as usize..]);
    }
}

/// Whether `v`'s exact value could tie between two shortest decimals: it
/// needs at most 18 significant digits, which a non-whole double has only
/// with 1 to 18 binary places after the point (whole doubles below 2^53
/// are written exactly, and larger ones are all whole). Read off the bits:
/// `v = m 2^(e - 1075)` with `m` the 53-bit significand.
fn may_tie(v: f64) -> bool {
    let bits = v.to_bits();
    let e = ((bits >> 52) & 0x7ff) as i32;
    if e == 0 || e == 0x7ff {
        return false; // zero and subnormals (over 1,000 places), non-finite
    }
    let m = (bits & ((1 << 52) - 1)) | (1 << 52);
    let places = 1075 - e - m.trailing_zeros() as i32;
    (1..=18).contains(&places)
}

fn parse_exp(s: &[u8]) -> i32 {
    let (neg, s) = match s.first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let e = s.iter().fold(0i32, |e, &c| e * 10 + i32::from(c - b'0'));
    if neg {
        -e
    } else {
        e
    }
}

/// A field as the csv crate writes it: quoted when it holds a comma, a
/// quote or a line break, with quotes doubled.
fn csv_field(s: &str) -> Vec<u8> {
    if s.bytes().any(|c| matches!(c, b',' | b'"' | b'\n' | b'\r')) {
        format!("\"{}\"", s.replace('"', "\"\"")).into_bytes()
    } else {
        s.as_bytes().to_vec()
    }
}

fn write_row(
    out: &mut Vec<u8>,
    row: &mut Row,
    layout: &Layout,
    iteration: u64,
    x: &[f64],
    o: &Outcome,
) {
    row.int(out, iteration);
    for &id in &layout.uncertain {
        row.float(out, Some(x[id]));
    }
    row.float(out, o.payback);
    row.float(out, Some(o.npv));
    row.float(out, o.roi);
    row.float(out, Some(o.total_cost));
    row.float(out, Some(o.total_benefit));
    row.float(out, Some(o.peak_funding));
    out.extend_from_slice(&layout.stages[o.furthest_stage]);
    out.push(b',');
    if let Some(k) = o.killed_at {
        out.extend_from_slice(&layout.stages[k]);
    }
    out.push(b',');
    row.float(out, o.first_access);
    for s in &o.stage_start {
        row.float(out, *s);
    }
    for (i, &gated) in layout.gated.iter().enumerate() {
        if gated {
            row.int(out, u64::from(o.reworks[i]));
        }
    }
    // the last field's comma becomes the line's end
    if let Some(last) = out.last_mut() {
        *last = b'\n';
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{RngExt, SeedableRng};

    /// `v` as a row writes it.
    fn shown(v: f64) -> String {
        let mut out = Vec::new();
        display_f64(&mut Row::default(), &mut out, v);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn writes_floats_exactly_as_display_does() {
        for v in [
            0.0,
            -0.0,
            1.0,
            -1.0,
            0.1,
            1e16,
            1e21,
            1.5e-7,
            123.456,
            1e-9,
            5e-324,
            f64::MAX,
            f64::MIN_POSITIVE,
            -2.5e300,
            36.000000000000014,
            1_834_844_870_676_968.0 + 0.25,
            -(1_834_844_870_676_968.0 + 0.75),
            0.5,
            14.5,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NAN,
            // the usual case's edges, and whole numbers on either side of them
            1e-4,
            -1e-4,
            1e-4f64.next_down(),
            0.00010000000000000002,
            1e15,
            -1e15,
            999_999_999_999_999.9,
            999_999_999_999_999.0,
            1e15f64.next_down(),
            4000.0,
            -4000.0,
            9_007_199_254_740_993.0,
        ] {
            assert_eq!(shown(v), format!("{v}"), "{v:e}");
        }
        // random bit patterns (every exponent) and money-like values
        let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(11);
        for _ in 0..200_000 {
            let bits = f64::from_bits(rng.random::<u64>());
            let money = (rng.random::<f64>() - 0.3) * 10f64.powi(rng.random_range(-3..12));
            // a whole number and a fraction of few binary places: the ties
            let k = rng.random_range(1..24);
            let tie = (rng.random_range(1u64..1 << 53) >> k) as f64
                + rng.random_range(0..1u64 << k) as f64 / (1u64 << k) as f64;
            for v in [
                bits,
                money,
                money.round(),
                (money * 100.0).round() / 100.0,
                tie,
            ] {
                if v.is_finite() {
                    assert_eq!(shown(v), format!("{v}"), "{v:e}");
                    // the bits' reading of a possible tie, against the
                    // arithmetic one
                    let arithmetic = v.fract() != 0.0
                        && v.abs() < 9_007_199_254_740_992.0
                        && (v * 262_144.0).fract() == 0.0;
                    assert_eq!(may_tie(v), arithmetic, "{v:e}");
                }
            }
        }
    }

    #[test]
    fn quotes_stage_names_as_the_csv_crate_does() {
        for name in ["Pilot", "Pilot, phase 2", "The \"big\" one", "a\nb", ""] {
            let mut w = csv::WriterBuilder::new()
                .has_headers(false)
                .from_writer(Vec::new());
            w.write_record([name, "x"]).unwrap();
            let want = w.into_inner().unwrap();
            let mut got = csv_field(name);
            got.extend_from_slice(b",x\n");
            assert_eq!(
                String::from_utf8(got).unwrap(),
                String::from_utf8(want).unwrap()
            );
        }
    }
}
