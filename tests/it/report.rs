//! Charts and the HTML report: their structure (not pixels), escaping, and
//! the percentiles of downtime per year against an exact distribution.

use crate::support::{figures_with, settings};
use assert_cmd::Command;
use nines::metrics::{Estimate, LogHistogram};
use nines::report::chart;

#[test]
fn the_downtime_percentiles_follow_the_exact_distribution() {
    // One server, failing once at X ~ Exp(1 year) and never repaired within
    // the year: downtime D = max(0, T - X). P(D = 0) = e^-1, and above it
    // P(D <= d) = e^-(T - d)/M, so the q-quantile is T + M ln q (q > e^-1).
    let yaml = "
name: once
nodes:
  - name: box
    count: 1
    failures:
      - {name: stop, ttf: {dist: exponential, mean: 8760h}, repair: 100y}
services: [{name: app, nodes: box}]
";
    let f = figures_with(yaml, settings(4000, 8760.0, 0.0, 21));
    let system = &f[0];
    for (q, e) in [
        (0.5, &system.downtime_min_per_year_p50),
        (0.9, &system.downtime_min_per_year_p90),
        (0.99, &system.downtime_min_per_year_p99),
    ] {
        let exact = 8760.0 * (1.0 + f64::ln(q)) * 60.0;
        let [lo, hi] = e.ci95.expect("interval");
        let (mean, se) = (e.mean.expect("mean"), e.std_err.expect("standard error"));
        assert!((mean - exact).abs() <= 4.0 * se, "p{q}: {e:?} vs {exact}");
        assert!(se < 0.05 * exact, "p{q}: too wide to test: {e:?}");
        // An interval of the order statistics: narrow enough to mean something
        // (the median's is +-10%: the density there is 0.5 / year).
        assert!((hi - lo) / exact < 0.25, "p{q}: {e:?}");
    }
}

fn estimate(mean: f64, lo: f64, hi: f64) -> Estimate {
    Estimate {
        mean: Some(mean),
        ci95: Some([lo, hi]),
        std_err: Some((hi - lo) / 3.92),
        upper95: None,
        lower95: None,
    }
}

#[test]
fn charts_are_svg_with_their_titles_axes_and_one_mark_per_entity() {
    let a = estimate(0.9995, 0.9993, 0.9997);
    let b = estimate(0.99999, 0.99998, 0.999995);
    let svg = chart::availability("Availability", &[("system", &a), ("database", &b)]);
    assert!(svg.starts_with("<svg"), "{}", &svg[..80.min(svg.len())]);
    for text in [
        "Availability",
        "system",
        "database",
        "nines: -log10(1 - availability)",
    ] {
        assert!(svg.contains(text), "no {text}");
    }
    assert!(svg.contains("font-family=\"sans-serif\""));
    let bars = svg.matches("<rect").count();
    assert!(bars >= 3, "{bars} rectangles"); // the background and one bar each
    let mut h = LogHistogram::default();
    for v in [1.0, 2.0, 2.5, 10.0, 100.0, 0.0] {
        h.push(v);
    }
    let svg = chart::distribution(
        "Downtime",
        "minutes",
        "share of replications",
        &h,
        Some((5.0, "budget")),
    );
    for text in [
        "Downtime",
        "minutes",
        "share of replications",
        "budget",
        "16.7% at zero",
    ] {
        assert!(svg.contains(text), "no {text}: {svg}");
    }
    let empty = chart::distribution("Nothing", "x", "y", &LogHistogram::default(), None);
    assert!(empty.contains("no value above zero"));
    let causes = chart::causes(
        "Causes",
        &[
            ("db/stop".to_string(), estimate(3.0, 2.0, 4.0)),
            ("zone-a/outage".to_string(), estimate(1.0, 0.5, 1.5)),
        ],
    );
    assert!(causes.contains("db/stop") && causes.contains("zone-a/outage"));
}

#[test]
fn run_out_writes_a_self_contained_report_that_escapes_the_scenario() {
    let dir = std::env::temp_dir().join(format!("nines-report-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("dir");
    let file = dir.join("s.yaml");
    std::fs::write(
        &file,
        "name: \"<b>pair</b> & co\"\ndescription: \"a <script>alert(1)</script> test\"\n\
         simulation: {horizon: 1y, replications: 50, seed: 3}\n\
         nodes: [{name: db, count: 2, failures: [{name: stop, ttf: {dist: exponential, mean: 1000h}, repair: {dist: exponential, mean: 5h}}]}]\n\
         services: [{name: database, nodes: db, redundancy: {mode: hot-standby, failover: {switchover: 30s}}}]\n\
         slos: [{availability: \"99.9%\"}]\n",
    )
    .expect("write");
    let out = dir.join("out");
    Command::cargo_bin("nines")
        .expect("binary")
        .args([
            "run",
            file.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ])
        .assert()
        .success();
    let html = std::fs::read_to_string(out.join("report.html")).expect("report");
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(!html.contains("<script"), "unescaped scenario text");
    assert!(
        html.contains("&#60;script&#62;") && html.contains("&#60;b&#62;pair&#60;/b&#62; &#38; co")
    );
    for text in [
        "Summary",
        "Availability with its 95% interval, in nines",
        "what a bad year looks like",
        "budget of 99.9%",
        "Where the system",
        "failovers per year",
        "nines check",
        "Replications worth replaying",
        "--seed 3 --replications 50",
        "System availability over time from start-up",
    ] {
        assert!(html.contains(text), "no {text}");
    }
    assert_eq!(html.matches("<svg").count(), 5, "five charts inline");
    assert!(
        !html.contains("<link") && !html.contains("src=\""),
        "nothing loaded from elsewhere"
    );
    // A second run into the same directory is refused unless --force.
    Command::cargo_bin("nines")
        .expect("binary")
        .args([
            "run",
            file.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ])
        .assert()
        .code(2);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_report_renders_in_headless_chromium_where_it_is_installed() {
    let has_chromium = ["chromium", "chromium-browser", "google-chrome"]
        .iter()
        .any(|b| {
            std::process::Command::new("sh")
                .args(["-c", &format!("command -v {b}")])
                .output()
                .is_ok_and(|o| o.status.success())
        });
    if !has_chromium {
        eprintln!("skipped: no chromium on PATH (Debian: apt-get install chromium)");
        return;
    }
    let dir = std::env::temp_dir().join(format!("nines-shot-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    Command::cargo_bin("nines")
        .expect("binary")
        .args([
            "run",
            "scenarios/hot-standby.yaml",
            "--replications",
            "100",
            "--out",
            dir.join("r").to_str().unwrap(),
        ])
        .assert()
        .success();
    let png = dir.join("shot.png");
    let status = std::process::Command::new("scripts/screenshot.sh")
        .args([
            dir.join("r/report.html").to_str().unwrap(),
            png.to_str().unwrap(),
            "1000",
        ])
        .status()
        .expect("script");
    assert!(status.success());
    let bytes = std::fs::read(&png).expect("png");
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
    // Width from the IHDR chunk.
    let width = u32::from_be_bytes([bytes[16], bytes[17], bytes[18], bytes[19]]);
    assert_eq!(width, 1000);
    let _ = std::fs::remove_dir_all(&dir);
}

/// `--png`: every chart of the page as a PNG file of the requested width
/// that decodes, with text drawn (the compiled-in font needs nothing
/// installed) and no temporary file left behind.
#[test]
fn png_charts_decode_at_the_requested_width() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    Command::cargo_bin("nines")
        .unwrap()
        .args([
            "run",
            "scenarios/hot-standby.yaml",
            "--replications",
            "30",
            "--png",
            "--png-width",
            "900",
            "--out",
        ])
        .arg(&out)
        .assert()
        .success();
    let charts = out.join("charts");
    let mut names: Vec<String> = std::fs::read_dir(&charts)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "availability-over-time.png",
            "availability.png",
            "causes.png",
            "downtime-per-year.png",
            "outage-length.png"
        ]
    );
    for name in &names {
        let decoder = png::Decoder::new(std::fs::File::open(charts.join(name)).unwrap());
        let mut reader = decoder.read_info().unwrap();
        let mut pixels = vec![0; reader.output_buffer_size()];
        let info = reader.next_frame(&mut pixels).unwrap();
        assert_eq!(info.width, 900, "{name}");
        assert!(info.height >= 200, "{name}: {} high", info.height);
        // The caption: dark pixels in the top band, where only text is.
        let row_bytes = info.line_size;
        let band = 50 * 900 / 720;
        let dark = pixels[..row_bytes * band]
            .chunks(3)
            .filter(|p| p.iter().all(|&c| c < 100))
            .count();
        assert!(dark > 200, "{name}: no caption drawn ({dark} dark pixels)");
    }
    // The page is the same with or without PNG charts beside it.
    let page = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert_eq!(page.matches("<svg").count(), 5);
}
