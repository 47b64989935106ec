//! How numbers read to people: currency, thousands separators, percentages
//! and months, with "beyond the horizon" said in words.

/// `1234567.8` -> `"1,234,568"` (rounded to whole units).
pub fn thousands(v: f64) -> String {
    let neg = v < 0.0 && v.round() != 0.0;
    let digits = format!("{:.0}", v.abs().round());
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    if neg {
        format!("-{out}")
    } else {
        out
    }
}

/// Money in full: `EUR 1,234,568`.
pub fn money(v: f64, currency: &str) -> String {
    format!("{currency} {}", thousands(v))
}

/// Money in short: `EUR 1.23M`, `EUR 845k`, `EUR -12.5k`, `EUR 640`.
pub fn money_short(v: f64, currency: &str) -> String {
    format!("{currency} {}", short(v))
}

/// A number with a k/M/B suffix and three significant figures.
pub fn short(v: f64) -> String {
    let a = v.abs();
    let sign = if v < 0.0 && a >= 0.5 { "-" } else { "" };
    let (x, suffix) = if a >= 1e9 {
        (a / 1e9, "B")
    } else if a >= 1e6 {
        (a / 1e6, "M")
    } else if a >= 1e3 {
        (a / 1e3, "k")
    } else {
        return format!("{sign}{a:.0}");
    };
    let s = if x >= 100.0 {
        format!("{x:.0}")
    } else if x >= 10.0 {
        format!("{x:.1}")
    } else {
        format!("{x:.2}")
    };
    format!("{sign}{s}{suffix}")
}

/// A probability as a percentage: `55%`, `4.2%`, `0.3%`, `<0.1%`.
pub fn pct(p: f64) -> String {
    let x = p * 100.0;
    if p == 0.0 {
        "0%".into()
    } else if x < 0.1 {
        "<0.1%".into()
    } else if (x < 10.0 && (x - x.round()).abs() > 0.05) || (x > 99.5 && p < 1.0) {
        format!("{x:.1}%")
    } else {
        format!("{x:.0}%")
    }
}

/// Months to one decimal, or the words when beyond the horizon.
pub fn months(v: Option<f64>) -> String {
    match v {
        Some(m) => format!("{m:.1} months"),
        None => "beyond the horizon".into(),
    }
}

/// Four significant figures, with thousands separators for large values.
pub fn sig(v: f64) -> String {
    if v.abs() >= 1000.0 {
        thousands(v)
    } else if v == 0.0 {
        "0".into()
    } else {
        let digits = (3 - v.abs().log10().floor() as i32).clamp(0, 8) as usize;
        let s = format!("{v:.digits$}");
        if s.contains('.') {
            s.trim_end_matches('0').trim_end_matches('.').to_string()
        } else {
            s
        }
    }
}

/// A number as a person would write it in a scenario file: `0.45`,
/// `25000`, and in exponent form from a billion up and under 1e-4 (`1e10`,
/// `1e308`, `5e-324`, `3.2e-12`), so a message never prints 309 digits.
pub fn num(v: f64) -> String {
    let a = v.abs();
    if a == 0.0 || (1e-4..1e9).contains(&a) || !a.is_finite() {
        format!("{v}")
    } else {
        format!("{v:e}")
    }
}

/// A scenario name or file stem turned into a folder name.
pub fn slug(name: &str) -> String {
    let mut s = String::new();
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            s.push(c.to_ascii_lowercase());
        } else if !s.ends_with('-') && !s.is_empty() {
            s.push('-');
        }
    }
    let s = s.trim_end_matches('-').to_string();
    if s.is_empty() {
        "scenario".into()
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_money_as_finance_reads_it() {
        assert_eq!(thousands(1_234_567.8), "1,234,568");
        assert_eq!(thousands(-999.4), "-999");
        assert_eq!(thousands(-0.2), "0");
        assert_eq!(money(1_000.0, "EUR"), "EUR 1,000");
        assert_eq!(money_short(1_234_567.0, "EUR"), "EUR 1.23M");
        assert_eq!(money_short(-845_200.0, "USD"), "USD -845k");
        assert_eq!(money_short(12_500.0, "USD"), "USD 12.5k");
        assert_eq!(money_short(640.0, "USD"), "USD 640");
    }

    #[test]
    fn formats_probabilities_and_months() {
        assert_eq!(pct(0.55), "55%");
        assert_eq!(pct(0.042), "4.2%");
        assert_eq!(pct(0.0004), "<0.1%");
        assert_eq!(pct(0.999), "99.9%");
        assert_eq!(pct(1.0), "100%");
        assert_eq!(months(Some(27.25)), "27.2 months");
        assert_eq!(months(None), "beyond the horizon");
    }

    #[test]
    fn sig_keeps_four_significant_figures() {
        assert_eq!(sig(0.751234), "0.7512");
        assert_eq!(sig(12.3456), "12.35");
        assert_eq!(sig(184.0037), "184");
        assert_eq!(sig(30124.4), "30,124");
        assert_eq!(sig(1.0), "1");
    }

    #[test]
    fn slugs_are_safe_folder_names() {
        assert_eq!(slug("Claims triage copilot"), "claims-triage-copilot");
        assert_eq!(slug("enterprise-stage-gate"), "enterprise-stage-gate");
        assert_eq!(slug("!!!"), "scenario");
    }
}
