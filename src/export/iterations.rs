//! `iterations.csv`: one row per iteration, its uncertain inputs and its
//! results. The engine hands each finished block to [`IterationsCsv`] (a
//! [`BlockSink`]), which turns it into rows on the worker thread that
//! simulated it and writes the rows in iteration order.

use std::io::{self, Write};

use crate::engine::{Block, BlockSink};
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
    /// Each stage's name.
    stages: Vec<String>,
    /// Whether each stage has a gate (a `reworks.` column).
    gated: Vec<bool>,
}

/// Streams `iterations.csv` to `out`: the header on creation, then each
/// block's rows as the engine hands them over.
pub struct IterationsCsv<W> {
    layout: Layout,
    out: W,
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
                stages: sc.stages.iter().map(|s| s.name.clone()).collect(),
                gated: sc.stages.iter().map(|s| s.gate.is_some()).collect(),
            },
            out,
        })
    }

    /// Flushes the rows written so far and gives the writer back.
    pub fn finish(mut self) -> io::Result<W> {
        self.out.flush()?;
        Ok(self.out)
    }
}

impl<W: Write + Send + Sync> BlockSink for IterationsCsv<W> {
    fn encode(&self, block: &Block<'_>) -> Vec<u8> {
        let mut w = csv::WriterBuilder::new()
            .has_headers(false)
            .from_writer(Vec::new());
        let mut buf = String::new();
        let mut x = vec![0.0; block.inputs.len()];
        for (r, o) in block.outcomes.iter().enumerate() {
            for (slot, column) in x.iter_mut().zip(block.inputs) {
                *slot = column[r];
            }
            write_row(
                &mut w,
                &self.layout,
                block.first + r as u64 + 1,
                &x,
                o,
                &mut buf,
            )
            .expect("writing to memory cannot fail");
        }
        w.into_inner().expect("writing to memory cannot fail")
    }

    fn consume(&mut self, bytes: Vec<u8>) -> io::Result<()> {
        self.out.write_all(&bytes)
    }
}

fn fmt_opt(buf: &mut String, v: Option<f64>) -> &str {
    buf.clear();
    if let Some(v) = v {
        use std::fmt::Write as _;
        let _ = write!(buf, "{v}");
    }
    buf.as_str()
}

fn write_row(
    w: &mut csv::Writer<Vec<u8>>,
    layout: &Layout,
    iteration: u64,
    x: &[f64],
    o: &Outcome,
    buf: &mut String,
) -> csv::Result<()> {
    w.write_field(iteration.to_string())?;
    for &id in &layout.uncertain {
        w.write_field(fmt_opt(buf, Some(x[id])))?;
    }
    w.write_field(fmt_opt(buf, o.payback))?;
    w.write_field(fmt_opt(buf, Some(o.npv)))?;
    w.write_field(fmt_opt(buf, o.roi))?;
    w.write_field(fmt_opt(buf, Some(o.total_cost)))?;
    w.write_field(fmt_opt(buf, Some(o.total_benefit)))?;
    w.write_field(fmt_opt(buf, Some(o.peak_funding)))?;
    w.write_field(&layout.stages[o.furthest_stage])?;
    w.write_field(o.killed_at.map_or("", |k| layout.stages[k].as_str()))?;
    w.write_field(fmt_opt(buf, o.first_access))?;
    for s in &o.stage_start {
        w.write_field(fmt_opt(buf, *s))?;
    }
    for (i, &gated) in layout.gated.iter().enumerate() {
        if gated {
            w.write_field(o.reworks[i].to_string())?;
        }
    }
    w.write_record(None::<&[u8]>)
}
