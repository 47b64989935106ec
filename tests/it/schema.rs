//! The JSON Schema editors read (schema/scenario.schema.json): current,
//! met by every shipped scenario, flagging the bad files gatecast refuses at
//! the same key, and named by every scenario file's `#:schema` line.

use std::fs;
use std::path::{Path, PathBuf};

use assert_cmd::Command;

use super::cli_errors::{base_with, BASE};
use gatecast::scenario::Scenario;

/// The committed schema, relative to the repository.
const SCHEMA: &str = "schema/scenario.schema.json";

fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

/// What `gatecast <args>` prints, run in `dir`; it must succeed.
fn stdout_in(dir: &Path, args: &[&str]) -> String {
    let out = Command::cargo_bin("gatecast")
        .expect("the gatecast binary builds")
        .current_dir(dir)
        .args(args)
        .assert()
        .success()
        .get_output()
        .clone();
    String::from_utf8(out.stdout).expect("stdout is UTF-8")
}

fn stdout_of(args: &[&str]) -> String {
    stdout_in(Path::new(env!("CARGO_MANIFEST_DIR")), args)
}

/// The shipped scenarios, by path.
fn shipped() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = fs::read_dir(repo("scenarios"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    assert!(files.len() >= 5, "the shipped scenarios: {files:?}");
    files
}

/// One thing the validator found wrong: where in the file (a JSON pointer),
/// the schema keyword that failed, and its message.
#[derive(Debug)]
struct Finding {
    at: String,
    keyword: String,
    message: String,
}

/// Everything the committed schema finds wrong with a scenario, read as
/// TOML and converted to JSON; empty when the file meets it.
fn findings(toml_text: &str) -> Vec<Finding> {
    findings_against(SCHEMA, toml_text)
}

/// The same against the committed schema at `schema` (from the repository).
fn findings_against(schema: &str, toml_text: &str) -> Vec<Finding> {
    let doc: toml::Value = toml::from_str(toml_text).expect("valid TOML");
    let json = serde_json::to_value(doc).expect("TOML converts to JSON");
    let path = repo(schema);
    let schema: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(&path).unwrap()).expect("the schema is JSON");
    let loc = path.display().to_string();
    let mut compiler = boon::Compiler::new();
    compiler.add_resource(&loc, schema).unwrap();
    let mut schemas = boon::Schemas::new();
    let index = compiler
        .compile(&loc, &mut schemas)
        .unwrap_or_else(|e| panic!("the schema compiles: {e:#}"));
    let Err(error) = schemas.validate(&json, index) else {
        return Vec::new();
    };
    let output = error.basic_output();
    let boon::OutputError::Branch(units) = &output.error else {
        panic!("a failed validation lists its findings: {error:#}");
    };
    units
        .iter()
        .filter_map(|u| match &u.error {
            boon::OutputError::Leaf(kind) => Some(Finding {
                at: u.instance_location.to_string(),
                keyword: match kind {
                    // boon's keyword_path names this one "additionalProperty"
                    boon::ErrorKind::AdditionalProperties { .. } => "additionalProperties",
                    other => other.keyword_path().map_or("", |k| k.keyword),
                }
                .to_string(),
                message: kind.to_string(),
            }),
            boon::OutputError::Branch(_) => None,
        })
        .collect()
}

#[test]
fn the_committed_schema_is_what_gatecast_schema_prints() {
    is_current(SCHEMA, &["schema"]);
}

/// schema/actuals.schema.json: current, met by every shipped actuals file
/// (each naming it), and flagging an unknown key and a missing value.
#[test]
fn the_actuals_schema_is_current_and_met_by_the_shipped_actuals() {
    const ACTUALS: &str = "schema/actuals.schema.json";
    is_current(ACTUALS, &["schema", "--actuals"]);
    let mut files: Vec<PathBuf> = fs::read_dir(repo("scenarios/actuals"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    assert_eq!(files.len(), 2, "{files:?}");
    for file in &files {
        let text = fs::read_to_string(file).unwrap();
        let found = findings_against(ACTUALS, &text);
        assert!(found.is_empty(), "{}: {found:#?}", file.display());
        let first = text.lines().next().unwrap_or_default();
        let to = first
            .strip_prefix("#:schema ")
            .unwrap_or_else(|| panic!("{} opens with #:schema", file.display()));
        assert_eq!(
            file.parent().unwrap().join(to).canonicalize().ok(),
            repo(ACTUALS).canonicalize().ok(),
            "{}: {first}",
            file.display()
        );
    }
    let text = fs::read_to_string(&files[0]).unwrap();
    let typo = text.replacen("as_of_month", "as_of_mnth", 1);
    let found = findings_against(ACTUALS, &typo);
    assert!(
        found.iter().any(|f| f.at == "/actuals"
            && f.keyword == "additionalProperties"
            && f.message.contains("as_of_mnth")),
        "{found:#?}"
    );
    let found = findings_against(ACTUALS, "[actuals]\ndate_sd = 0.5\n");
    assert!(
        found
            .iter()
            .any(|f| f.keyword == "required" && f.message.contains("as_of_month")),
        "{found:#?}"
    );
}

/// schema/portfolio.schema.json: current, met by the shipped programmes
/// (each naming it), and flagging a misspelt key.
#[test]
fn the_portfolio_schema_is_current_and_met_by_the_shipped_programmes() {
    const PORTFOLIO: &str = "schema/portfolio.schema.json";
    is_current(PORTFOLIO, &["schema", "--portfolio"]);
    for name in ["group-ai-programme.toml", "four-playbooks.toml"] {
        let file = repo("scenarios/portfolio").join(name);
        let text = fs::read_to_string(&file).unwrap();
        let found = findings_against(PORTFOLIO, &text);
        assert!(found.is_empty(), "{name}: {found:#?}");
        assert_eq!(
            text.lines().next(),
            Some("#:schema ../../schema/portfolio.schema.json"),
            "{name}"
        );
        let typo = text.replacen("\nreadiness =", "\nreadyness =", 1);
        let found = findings_against(PORTFOLIO, &typo);
        assert!(
            found.iter().any(|f| f.at == "/portfolio"
                && f.keyword == "additionalProperties"
                && f.message.contains("readyness")),
            "{name}: {found:#?}"
        );
    }
}

/// The committed schema at `path` is exactly what `gatecast <args>` prints.
fn is_current(path: &str, args: &[&str]) {
    let printed = stdout_of(args);
    let committed = fs::read_to_string(repo(path)).unwrap();
    if printed != committed {
        let first = printed
            .lines()
            .zip(committed.lines())
            .position(|(a, b)| a != b)
            .map_or("its length".to_string(), |n| format!("line {}", n + 1));
        let command = args.join(" ");
        panic!(
            "{path} is stale (it differs from `gatecast {command}` at {first}): \
             run `cargo run -- {command} > {path}` and commit it"
        );
    }
}

#[test]
fn the_schema_is_draft_2020_12_and_describes_every_key() {
    let schema: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(repo(SCHEMA)).unwrap()).unwrap();
    assert_eq!(
        schema["$schema"],
        "https://json-schema.org/draft/2020-12/schema"
    );
    assert_eq!(schema["additionalProperties"], false);
    let defs = schema["$defs"].as_object().unwrap();
    // every table refuses unknown keys, and every key says what it is
    for (name, def) in defs {
        let Some(props) = def["properties"].as_object() else {
            continue;
        };
        assert_eq!(def["additionalProperties"], false, "{name}");
        for (key, prop) in props {
            let d = prop["description"].as_str().unwrap_or_default();
            assert!(d.len() > 10, "{name}.{key} has no description");
        }
    }
    // units and defaults in the words of docs/SCENARIO.md
    let cost = defs["Stage"]["properties"]["cost_per_month"]["description"]
        .as_str()
        .unwrap();
    assert!(
        cost.contains("Unit: currency per month. Default: 0."),
        "{cost}"
    );
    assert_eq!(
        defs["Curve"]["enum"],
        serde_json::json!(["bass", "logistic"])
    );
    // every distribution form, with its parameters
    let forms = defs["Distribution"]["properties"].as_object().unwrap();
    for form in [
        "fixed",
        "uniform",
        "triangular",
        "pert",
        "normal",
        "lognormal",
        "beta",
        "discrete",
        "min",
        "max",
        "lambda",
    ] {
        assert!(forms.contains_key(form), "the distribution form {form}");
    }
    assert_eq!(
        forms["lognormal"]["required"],
        serde_json::json!(["p10", "p90"])
    );
}

#[test]
fn every_shipped_scenario_meets_the_schema() {
    for file in shipped() {
        let found = findings(&fs::read_to_string(&file).unwrap());
        assert!(found.is_empty(), "{}: {found:#?}", file.display());
    }
}

#[test]
fn every_distribution_form_meets_the_schema() {
    for form in [
        "12.5",
        "3",
        "{ fixed = 12.5 }",
        "{ uniform = [1, 2] }",
        "{ triangular = [1, 2, 4] }",
        "{ pert = [1, 2, 4] }",
        "{ pert = [1, 2, 4], lambda = 6 }",
        "{ normal = { mean = 3, sd = 1 }, min = 0 }",
        "{ lognormal = { p10 = 1, p90 = 3 }, max = 6 }",
        "{ beta = { a = 2, b = 5 }, min = 0.01, max = 0.99 }",
        "{ discrete = { values = [1, 2, 3] } }",
        "{ discrete = { values = [1, 2, 3], weights = [1, 2, 1] } }",
    ] {
        let text = base_with("lag_months = 1", &format!("lag_months = {form}"));
        Scenario::from_toml(&text, "form.toml").unwrap();
        let found = findings(&text);
        assert!(found.is_empty(), "{form}: {found:#?}");
    }
}

/// A bad file: `BASE` with `from` replaced by `to`, as in
/// tests/it/cli_errors.rs, and where the schema must flag it (a JSON
/// pointer), with which keyword, its message naming `names`.
struct Bad {
    from: &'static str,
    to: &'static str,
    at: &'static str,
    keyword: &'static str,
    names: &'static str,
}

/// The unknown-key, wrong-type, bad-curve and unknown-distribution files of
/// tests/it/cli_errors.rs, and two more of their kind.
const BAD: &[Bad] = &[
    Bad {
        from: "pass = 0.7",
        to: "pas = 0.7",
        at: "/stage/1/gate",
        keyword: "additionalProperties",
        names: "pas",
    },
    Bad {
        from: "rework_months = { uniform = [1, 2] }",
        to: "rework_months = { uniform = [1, 2], mni = 0 }",
        at: "/stage/1/gate/rework_months",
        keyword: "additionalProperties",
        names: "mni",
    },
    Bad {
        from: "p10 = 1.0, p90 = 1.5",
        to: "p10 = 1.0, p95 = 1.5",
        at: "/costs/overrun/lognormal",
        keyword: "additionalProperties",
        names: "p95",
    },
    Bad {
        from: "scope = 1.0\n",
        to: "scope = 1.0\ncolour = \"red\"\n",
        at: "/stage/2",
        keyword: "additionalProperties",
        names: "colour",
    },
    Bad {
        from: "[costs]\n",
        to: "[costs]\nceilling = 0.5\n",
        at: "/costs",
        keyword: "additionalProperties",
        names: "ceilling",
    },
    Bad {
        from: "pass = 0.7",
        to: "pass = \"0.7\"",
        at: "/stage/1/gate/pass",
        keyword: "type",
        names: "string",
    },
    Bad {
        from: "curve = \"bass\"",
        to: "curve = \"gompertz\"",
        at: "/adoption/curve",
        keyword: "enum",
        names: "logistic",
    },
    Bad {
        from: "lag_months = 1",
        to: "lag_months = { weibull = [1, 2] }",
        at: "/benefit/0/lag_months",
        keyword: "additionalProperties",
        names: "weibull",
    },
    Bad {
        from: "duration_months = 1.5",
        to: "duration_months = { pert = [1, 2] }",
        at: "/stage/2/duration_months/pert",
        keyword: "minItems",
        names: "2",
    },
];

#[test]
fn the_schema_flags_the_bad_files_gatecast_refuses_at_the_same_key() {
    for bad in BAD {
        let text = base_with(bad.from, bad.to);
        assert!(
            Scenario::from_toml(&text, "bad.toml").is_err(),
            "gatecast refuses {:?}",
            bad.to
        );
        let found = findings(&text);
        assert!(
            found.iter().any(|f| f.at == bad.at
                && f.keyword == bad.keyword
                && f.message.contains(bad.names)),
            "{:?}: the schema should flag {} with {} naming {:?}, but found {found:#?}",
            bad.to,
            bad.at,
            bad.keyword,
            bad.names
        );
    }
    // and the base file itself meets it
    let found = findings(BASE);
    assert!(found.is_empty(), "{found:#?}");
}

#[test]
fn every_shipped_scenario_points_editors_at_the_schema() {
    for file in shipped() {
        let text = fs::read_to_string(&file).unwrap();
        let first = text.lines().next().unwrap_or_default();
        let to = first
            .strip_prefix("#:schema ")
            .unwrap_or_else(|| panic!("{} opens with #:schema", file.display()));
        let target = file.parent().unwrap().join(to);
        assert_eq!(
            target.canonicalize().ok(),
            repo(SCHEMA).canonicalize().ok(),
            "{}: {first} resolves to the committed schema",
            file.display()
        );
    }
}

#[test]
fn init_points_the_new_file_at_a_schema_that_resolves() {
    // anywhere: the schema is written beside it
    let tmp = tempfile::tempdir().unwrap();
    stdout_in(tmp.path(), &["init", "mine.toml"]);
    let text = fs::read_to_string(tmp.path().join("mine.toml")).unwrap();
    assert!(
        text.starts_with("#:schema ./scenario.schema.json\n"),
        "{text}"
    );
    assert_eq!(
        fs::read_to_string(tmp.path().join("scenario.schema.json")).unwrap(),
        fs::read_to_string(repo(SCHEMA)).unwrap()
    );
    // the rest of the file is the built-in example
    let example = fs::read_to_string(repo("scenarios/example.toml")).unwrap();
    assert_eq!(
        text.split_once('\n').unwrap().1,
        example.split_once('\n').unwrap().1
    );

    // below a folder that holds schema/scenario.schema.json: that one
    let nested = tmp.path().join("project");
    fs::create_dir_all(nested.join("schema")).unwrap();
    fs::create_dir_all(nested.join("cases/2026")).unwrap();
    fs::write(nested.join(SCHEMA), "{}").unwrap();
    stdout_in(&nested, &["init", "cases/2026/a.toml"]);
    let text = fs::read_to_string(nested.join("cases/2026/a.toml")).unwrap();
    assert!(
        text.starts_with("#:schema ../../schema/scenario.schema.json\n"),
        "{text}"
    );
    assert!(!nested.join("cases/2026/scenario.schema.json").exists());
}
