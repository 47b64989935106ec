//! `report.xlsx` read back with calamine: its numbers are the summary's,
//! its Iterations sheet is `iterations.csv`, and the same run gives the
//! same bytes.

use std::fs::File;
use std::io::{BufWriter, Cursor};
use std::path::{Path, PathBuf};

use calamine::{open_workbook_from_rs, Data, Range, Reader, Xlsx};
use gatecast::engine::{self, RunOptions};
use gatecast::export::iterations::IterationsCsv;
use gatecast::export::xlsx::{
    workbook, workbook_with_cap, ITERATIONS_SHEET_CAP, MONTHLY_HEADER_ROWS, NO_ITERATIONS_CSV,
};
use gatecast::scenario::{Scenario, EXAMPLE_NAME, EXAMPLE_TOML};
use gatecast::summary::Summary;
use serde_json::Value;

/// A run of `toml` with its `iterations.csv` written as the CLI writes it.
struct Run {
    summary: Summary,
    csv: PathBuf,
    _dir: tempfile::TempDir,
}

fn run_toml(toml: &str, iterations: u64) -> Run {
    let sc = Scenario::from_toml(toml, EXAMPLE_NAME).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("iterations.csv");
    let file = BufWriter::new(File::create(&csv).unwrap());
    let mut rows = IterationsCsv::new(&sc, file).unwrap();
    let opts = RunOptions {
        iterations,
        seed: 7,
        threads: None,
        sampling: gatecast::engine::Sampling::Mc,
    };
    let r = engine::run(&sc, &opts, Some(&mut rows), &|_| {}).unwrap();
    rows.finish().unwrap();
    Run {
        summary: Summary::new(&sc, EXAMPLE_NAME, &r),
        csv,
        _dir: dir,
    }
}

fn example(iterations: u64) -> Run {
    run_toml(EXAMPLE_TOML, iterations)
}

fn open(bytes: &[u8]) -> Xlsx<Cursor<Vec<u8>>> {
    open_workbook_from_rs(Cursor::new(bytes.to_vec())).expect("an xlsx calamine can read")
}

fn sheet(bytes: &[u8], name: &str) -> Range<Data> {
    open(bytes).worksheet_range(name).unwrap()
}

/// A cell by its absolute position; empty when outside the used range.
fn cell(r: &Range<Data>, row: u32, col: u32) -> Data {
    r.get_value((row, col)).cloned().unwrap_or(Data::Empty)
}

fn num(d: &Data) -> f64 {
    match d {
        Data::Float(v) => *v,
        Data::Int(v) => *v as f64,
        other => panic!("expected a number, got {other:?}"),
    }
}

/// Value and standard error of the Summary row whose figure is `label`.
fn figure(r: &Range<Data>, label: &str) -> (Data, Data) {
    let (h, _) = r.end().unwrap();
    for row in 0..=h {
        if cell(r, row, 0) == Data::String(label.to_string()) {
            return (cell(r, row, 1), cell(r, row, 2));
        }
    }
    panic!("no figure {label:?} on the Summary sheet");
}

fn json(s: &Summary) -> Value {
    serde_json::to_value(s).unwrap()
}

fn f(v: &Value) -> f64 {
    v.as_f64().unwrap_or_else(|| panic!("{v} is not a number"))
}

#[test]
fn the_workbook_has_its_five_sheets_in_order() {
    let run = example(500);
    let bytes = workbook(&run.summary, Some(&run.csv)).unwrap();
    assert_eq!(
        open(&bytes).sheet_names(),
        ["Summary", "Assumptions", "Monthly", "Funnel", "Iterations"]
    );
}

#[test]
fn summary_sheet_numbers_equal_the_summary_json_values() {
    let run = example(2000);
    let j = json(&run.summary);
    let s = sheet(&workbook(&run.summary, Some(&run.csv)).unwrap(), "Summary");
    let same = |label: &str, want: &Value| {
        let (v, _) = figure(&s, label);
        assert_eq!(num(&v), f(want), "{label}");
    };
    same("Seed", &j["seed"]);
    same("Iterations", &j["iterations"]);
    same("Horizon", &j["horizon_months"]);
    same(
        "P(payback within 12 months)",
        &j["payback"]["p_within_12_months"]["value"],
    );
    same(
        "P(payback within 24 months)",
        &j["payback"]["p_within_24_months"]["value"],
    );
    same(
        "P(payback within 36 months)",
        &j["payback"]["p_within_36_months"]["value"],
    );
    same(
        "P(payback within the 36-month horizon)",
        &j["payback"]["p_within_horizon"]["value"],
    );
    same("Payback P50", &j["payback"]["p50"]["value"]);
    same("NPV mean", &j["npv"]["mean"]["value"]);
    same("NPV P10", &j["npv"]["p10"]["value"]);
    same("NPV P50", &j["npv"]["p50"]["value"]);
    same("NPV P90", &j["npv"]["p90"]["value"]);
    same("P(NPV > 0)", &j["npv"]["p_positive"]["value"]);
    same("ROI mean", &j["roi"]["stats"]["mean"]["value"]);
    same("ROI P50", &j["roi"]["stats"]["p50"]["value"]);
    same("Peak funding P50", &j["peak_funding"]["p50"]["value"]);
    same("Peak funding P90", &j["peak_funding"]["p90"]["value"]);
    same("Total cost mean", &j["total_cost"]["mean"]["value"]);
    same("Total benefit mean", &j["total_benefit"]["mean"]["value"]);
    same(
        "P(killed at some gate within the horizon)",
        &j["p_killed"]["value"],
    );
    // and their standard errors
    let se = |label: &str, want: &Value| {
        let (_, e) = figure(&s, label);
        assert_eq!(num(&e), f(want), "standard error of {label}");
    };
    se("NPV mean", &j["npv"]["mean"]["se"]);
    se("NPV P50", &j["npv"]["p50"]["se"]);
    se(
        "P(payback within 24 months)",
        &j["payback"]["p_within_24_months"]["se"],
    );
    se("Peak funding P90", &j["peak_funding"]["p90"]["se"]);
    // the run's words
    let (v, _) = figure(&s, "Currency");
    assert_eq!(v, Data::String(run.summary.currency.clone()));
    let (v, _) = figure(&s, "Headline");
    assert_eq!(
        v,
        Data::String(gatecast::export::text::headline(&run.summary))
    );
    let (v, _) = figure(&s, "Iterations sheet");
    assert_eq!(v, Data::String("all 2,000 iterations".into()));
}

#[test]
fn payback_percentiles_beyond_the_horizon_read_as_words() {
    // in the example about a third never pay back: P90 is beyond the horizon
    let run = example(2000);
    assert_eq!(
        run.summary.payback.p90.value, None,
        "the example has changed"
    );
    let s = sheet(&workbook(&run.summary, Some(&run.csv)).unwrap(), "Summary");
    let (v, se) = figure(&s, "Payback P90");
    assert_eq!(v, Data::String("beyond the horizon".into()));
    assert_eq!(se, Data::Empty);
}

#[test]
fn payback_within_36_months_is_na_when_the_horizon_is_shorter() {
    let toml = EXAMPLE_TOML.replacen("horizon_months = 36", "horizon_months = 24", 1);
    assert_ne!(toml, EXAMPLE_TOML, "the example has changed");
    let run = run_toml(&toml, 300);
    assert!(run.summary.payback.p_within_36_months.is_none());
    let bytes = workbook(&run.summary, Some(&run.csv)).unwrap();
    let s = sheet(&bytes, "Summary");
    let (v, _) = figure(&s, "P(payback within 36 months)");
    assert_eq!(v, Data::String("n/a".into()));
    let (v, _) = figure(&s, "P(payback within the 24-month horizon)");
    assert_eq!(num(&v), run.summary.payback.p_within_horizon.value);
    assert_eq!(
        sheet(&bytes, "Monthly").height() as u32,
        MONTHLY_HEADER_ROWS + 24
    );
}

#[test]
fn assumptions_sheet_has_one_row_per_uncertain_input() {
    let run = example(300);
    let a = sheet(
        &workbook(&run.summary, Some(&run.csv)).unwrap(),
        "Assumptions",
    );
    let inputs = &run.summary.assumptions;
    assert!(inputs.len() > 5, "the example has uncertain inputs");
    assert_eq!(a.height(), inputs.len() + 1, "header and one row per input");
    assert_eq!(cell(&a, 0, 0), Data::String("Path".into()));
    for (i, input) in inputs.iter().enumerate() {
        let r = i as u32 + 1;
        assert_eq!(cell(&a, r, 0), Data::String(input.path.clone()));
        assert_eq!(cell(&a, r, 1), Data::String(input.distribution.clone()));
        assert_eq!(cell(&a, r, 2), Data::String(input.unit.clone()));
        assert_eq!(num(&cell(&a, r, 3)), input.p10);
        assert_eq!(num(&cell(&a, r, 4)), input.p50);
        assert_eq!(num(&cell(&a, r, 5)), input.p90);
    }
}

#[test]
fn monthly_sheet_has_one_row_per_month_with_the_bands_of_monthly_csv() {
    let run = example(1000);
    let s = &run.summary;
    let m = sheet(&workbook(s, Some(&run.csv)).unwrap(), "Monthly");
    assert_eq!(
        m.height() as u32,
        MONTHLY_HEADER_ROWS + s.horizon_months as u32
    );
    let Data::String(note) = cell(&m, 0, 0) else {
        panic!("a note on the first row")
    };
    assert!(note.contains("0.78%"), "{note}");
    // month numbers, then the columns in monthly.csv's order
    let csv = gatecast::export::monthly_csv(s).unwrap();
    let mut rd = csv::Reader::from_reader(&csv[..]);
    let width = rd.headers().unwrap().len();
    assert_eq!(m.width(), width);
    for (i, row) in rd.records().enumerate() {
        let row = row.unwrap();
        let r = MONTHLY_HEADER_ROWS + i as u32;
        for (c, text) in row.iter().enumerate() {
            let want: f64 = text.parse().unwrap();
            assert_eq!(
                num(&cell(&m, r, c as u32)),
                want,
                "month {} column {c}",
                i + 1
            );
        }
    }
}

#[test]
fn funnel_sheet_has_one_row_per_stage() {
    let run = example(1000);
    let fu = sheet(&workbook(&run.summary, Some(&run.csv)).unwrap(), "Funnel");
    for (i, st) in run.summary.funnel.iter().enumerate() {
        let r = i as u32 + 1;
        assert_eq!(cell(&fu, r, 0), Data::String(st.stage.clone()));
        assert_eq!(num(&cell(&fu, r, 1)), st.p_started.value);
        match &st.gate {
            Some(g) => {
                assert_eq!(num(&cell(&fu, r, 2)), g.p_decision.value);
                assert_eq!(num(&cell(&fu, r, 3)), g.p_killed.value);
            }
            None => assert_eq!(cell(&fu, r, 2), Data::String("no gate".into())),
        }
    }
}

/// The CSV's rows as text, header first.
fn csv_rows(path: &Path) -> Vec<Vec<String>> {
    let mut rd = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_path(path)
        .unwrap();
    rd.records()
        .map(|r| r.unwrap().iter().map(String::from).collect())
        .collect()
}

/// A CSV field as the sheet should hold it: empty stays empty, numbers are
/// numbers, words are words.
fn as_cell(text: &str, column: &str) -> Data {
    if text.is_empty() {
        Data::Empty
    } else if column == "furthest_stage" || column == "killed_at_gate" {
        Data::String(text.into())
    } else {
        Data::Float(text.parse().unwrap())
    }
}

#[test]
fn iterations_sheet_holds_every_row_of_iterations_csv() {
    let n = 2000;
    let run = example(n);
    let it = sheet(
        &workbook(&run.summary, Some(&run.csv)).unwrap(),
        "Iterations",
    );
    let rows = csv_rows(&run.csv);
    assert_eq!(rows.len() as u64, n + 1);
    assert_eq!(it.height() as u64, n + 1, "iterations and the header");
    let header = &rows[0];
    assert_eq!(it.width(), header.len());
    for (c, name) in header.iter().enumerate() {
        assert_eq!(cell(&it, 0, c as u32), Data::String(name.clone()));
    }
    // every cell of a sample of rows, empty cells included
    let mut empties = 0;
    for r in [1, 2, 3, 500, 1234, n as usize] {
        for (c, text) in rows[r].iter().enumerate() {
            let want = as_cell(text, &header[c]);
            empties += usize::from(want == Data::Empty);
            let got = cell(&it, r as u32, c as u32);
            let got = match got {
                Data::Int(v) => Data::Float(v as f64),
                other => other,
            };
            assert_eq!(got, want, "row {r} column {}", header[c]);
        }
    }
    assert!(empties > 0, "the sample should hold some empty cells");
    let npv = header.iter().position(|h| h == "npv").unwrap() as u32;
    assert_eq!(
        num(&cell(&it, 1234, npv)),
        rows[1234][npv as usize].parse::<f64>().unwrap()
    );
}

#[test]
fn a_capped_iterations_sheet_says_so_there_and_on_the_summary() {
    let run = example(25);
    let bytes = workbook_with_cap(&run.summary, Some(&run.csv), 9).unwrap();
    let it = sheet(&bytes, "Iterations");
    let rows = csv_rows(&run.csv);
    let columns = rows[0].len() as u32;
    assert_eq!(it.height(), 10, "header and 9 iterations");
    assert_eq!(num(&cell(&it, 9, 0)), 9.0);
    assert_eq!(cell(&it, 10, 0), Data::Empty);
    let Data::String(note) = cell(&it, 0, columns + 1) else {
        panic!("a note beside the header")
    };
    assert!(
        note.starts_with("Capped: shows iterations 1 to 9 of 25; iterations.csv has all 25."),
        "{note}"
    );
    let (v, _) = figure(&sheet(&bytes, "Summary"), "Iterations sheet");
    assert_eq!(v, Data::String(note));
}

#[test]
fn the_iterations_sheet_stops_at_100_000_rows_below_its_header() {
    assert_eq!(ITERATIONS_SHEET_CAP, 100_000);
    // one row more than the cap, under a summary that counts them; two
    // columns keep it quick (the sheet takes the CSV's columns as they are)
    let run = example(100);
    let over = ITERATIONS_SHEET_CAP + 1;
    let mut big = String::from("iteration,npv\n");
    for i in 1..=over {
        big.push_str(&format!("{i},{}\n", i as f64 * 1.5));
    }
    let csv = run.csv.with_file_name("big.csv");
    std::fs::write(&csv, big).unwrap();
    let mut summary = run.summary.clone();
    summary.iterations = over;

    let bytes = workbook(&summary, Some(&csv)).unwrap();
    let it = sheet(&bytes, "Iterations");
    assert_eq!(it.height(), 100_001, "header and 100,000 iterations");
    assert_eq!(num(&cell(&it, 100_000, 0)), 100_000.0);
    assert_eq!(num(&cell(&it, 100_000, 1)), 150_000.0);
    let Data::String(note) = cell(&it, 0, 3) else {
        panic!("a note beside the header")
    };
    assert_eq!(
        note,
        "Capped: shows iterations 1 to 100,000 of 100,001; iterations.csv has all 100,001. \
         The sheet stops there to keep report.xlsx quick to write and to open"
    );
    let (v, _) = figure(&sheet(&bytes, "Summary"), "Iterations sheet");
    assert_eq!(v, Data::String(note));
}

#[test]
fn without_iterations_csv_the_sheet_says_it_was_not_written() {
    let run = example(200);
    let bytes = workbook(&run.summary, None).unwrap();
    let it = sheet(&bytes, "Iterations");
    assert_eq!(cell(&it, 0, 0), Data::String(NO_ITERATIONS_CSV.into()));
    assert_eq!(it.height(), 1);
    let (v, _) = figure(&sheet(&bytes, "Summary"), "Iterations sheet");
    assert_eq!(v, Data::String(NO_ITERATIONS_CSV.into()));
}

#[test]
fn an_iterations_csv_from_another_run_is_refused() {
    let run = example(200);
    let other = example(150);
    let err = workbook(&run.summary, Some(&other.csv)).unwrap_err();
    assert!(err.to_string().contains("150 iteration rows"), "{err}");
    // capped, a file too short to reach the cap is caught too
    let short = example(5);
    let err = workbook_with_cap(&run.summary, Some(&short.csv), 9).unwrap_err();
    assert!(err.to_string().contains("5 iteration rows"), "{err}");
}

#[test]
fn the_same_input_gives_identical_bytes() {
    let run = example(1000);
    let a = workbook(&run.summary, Some(&run.csv)).unwrap();
    let b = workbook(&run.summary, Some(&run.csv)).unwrap();
    assert!(a.len() > 10_000);
    assert!(a == b, "two builds of the same workbook differ");
    let c = workbook(&run.summary, None).unwrap();
    let d = workbook(&run.summary, None).unwrap();
    assert!(c == d, "two builds without iterations differ");
}
