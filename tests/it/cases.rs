//! The cases of shared/validation/CASES.md, with their exact values: steady
//! state (after a warm-up) and interval availability over 100 h, 1000 h and
//! 8760 h from everything new.

use crate::support::{Exact, assert_close, assert_steady_state, figures};

pub struct Case {
    pub name: &'static str,
    pub yaml: String,
    pub exact: Exact,
    /// (horizon h, A_int, expected failures in (0, T], replications)
    pub interval: [(f64, f64, f64, u64); 3],
    /// Horizon and replications of the steady-state run.
    steady: (f64, u64),
}

fn pool(name: &str, count: u32, mttf_h: f64, repair: &str, crew: bool) -> String {
    let crew_key = if crew { ", crew: one" } else { "" };
    format!(
        "  - name: {name}\n    count: {count}\n    failures:\n      - {{name: fail, ttf: {{dist: exponential, mean: {mttf_h}h}}, repair: {repair}{crew_key}}}\n"
    )
}

fn scenario(nodes: &str, services: &str) -> String {
    format!("name: case\ncrews: [{{name: one, size: 1}}]\nnodes:\n{nodes}services:\n{services}")
}

const EXP10: &str = "{dist: exponential, mean: 10h}";

fn k_of_n_case(name: &'static str, n: u32, k: u32, crew: bool) -> String {
    scenario(
        &pool("unit", n, 1000.0, EXP10, crew),
        &format!(
            "  - {{name: s, nodes: unit, redundancy: {{mode: active-active, min_up: {k}}}}}\n"
        ),
    )
    .replace("name: case", &format!("name: {name}"))
}

pub fn cases() -> Vec<Case> {
    vec![
        Case {
            name: "C01",
            yaml: k_of_n_case("C01", 1, 1, false),
            exact: Exact {
                availability: 0.990_099_009_9,
                frequency_per_h: 1.0 / 1010.0,
                mttff_h: Some(1000.0),
            },
            interval: [
                (100.0, 0.991_079_265_7, 0.099_107_926_57, 40_000),
                (1000.0, 0.990_197_039_5, 0.990_197_039_5, 10_000),
                (8760.0, 0.990_110_200_5, 8.673_365_356, 2_000),
            ],
            steady: (100_000.0, 200),
        },
        Case {
            name: "C03",
            yaml: scenario(
                &pool("unit", 1, 1000.0, "10h", false),
                "  - {name: s, nodes: unit}\n",
            ),
            exact: Exact {
                availability: 0.990_099_009_9,
                frequency_per_h: 1.0 / 1010.0,
                mttff_h: Some(1000.0),
            },
            interval: [
                (100.0, 0.990_589_157_9, 0.099_058_915_79, 40_000),
                (1000.0, 0.990_148_024_7, 0.990_148_024_7, 10_000),
                (8760.0, 0.990_104_605_2, 8.673_316_342, 2_000),
            ],
            steady: (100_000.0, 200),
        },
        Case {
            name: "C04a",
            yaml: k_of_n_case("C04a", 2, 1, false),
            exact: Exact {
                availability: 0.999_901_970_4,
                frequency_per_h: 0.171_747_867_9 / 8760.0,
                mttff_h: Some(51_500.0),
            },
            interval: [
                (100.0, 0.999_916_528_4, 0.001_767_452_554, 200_000),
                (1000.0, 0.999_903_426_3, 0.019_412_773_55, 40_000),
                (8760.0, 0.999_902_136_6, 0.171_554_720_4, 10_000),
            ],
            steady: (3_000_000.0, 300),
        },
        Case {
            name: "C04b",
            yaml: k_of_n_case("C04b", 2, 1, true),
            exact: Exact {
                availability: 0.999_803_96,
                frequency_per_h: 0.171_731_033_1 / 8760.0,
                mttff_h: Some(51_500.0),
            },
            interval: [
                (100.0, 0.999_842_956_6, 0.001_766_370_507, 200_000),
                (1000.0, 0.999_807_860_8, 0.019_409_957_67, 40_000),
                (8760.0, 0.999_804_405_3, 0.171_536_991_6, 10_000),
            ],
            steady: (3_000_000.0, 300),
        },
        Case {
            name: "C08a",
            yaml: k_of_n_case("C08a", 3, 2, true),
            exact: Exact {
                availability: 0.999_411_996_4,
                frequency_per_h: 0.509_991_209_1 / 8760.0,
                mttff_h: Some(17_500.0),
            },
            interval: [
                (100.0, 0.999_530_090_9, 0.005_245_914_649, 100_000),
                (1000.0, 0.999_423_810_6, 0.057_642_220_21, 20_000),
                (8760.0, 0.999_413_345_1, 0.509_415_254_7, 5_000),
            ],
            steady: (1_000_000.0, 300),
        },
        Case {
            name: "C08b",
            yaml: k_of_n_case("C08b", 3, 2, false),
            exact: Exact {
                availability: 0.999_707_852_4,
                frequency_per_h: 0.510_142_181_8 / 8760.0,
                mttff_h: Some(17_500.0),
            },
            interval: [
                (100.0, 0.999_751_174_2, 0.005_252_751_385, 100_000),
                (1000.0, 0.999_712_184_8, 0.057_664_596_16, 20_000),
                (8760.0, 0.999_708_346_9, 0.509_571_369, 5_000),
            ],
            steady: (1_000_000.0, 300),
        },
        Case {
            name: "C09a",
            yaml: k_of_n_case("C09a", 100, 98, false),
            exact: Exact {
                availability: 0.922_429_474_8,
                frequency_per_h: 157.107_892_4 / 8760.0,
                mttff_h: Some(81.634_714_49),
            },
            interval: [
                (100.0, 0.935_081_397_4, 1.593_179_498, 4_000),
                (1000.0, 0.923_694_74, 17.734_393_88, 1_000),
                (8760.0, 0.922_573_911_4, 156.907_595_3, 300),
            ],
            steady: (20_000.0, 200),
        },
        Case {
            name: "C10",
            yaml: scenario(
                &(pool("web", 2, 1000.0, EXP10, false)
                    + &pool("db", 2, 5000.0, "{dist: exponential, mean: 24h}", false)),
                "  - {name: web, nodes: web}\n  - {name: db, nodes: db}\n",
            ),
            exact: Exact {
                availability: 0.999_879_152_2,
                frequency_per_h: 0.188_401_206_3 / 8760.0,
                mttff_h: Some(46_928.540_49),
            },
            interval: [
                (100.0, 0.999_901_720_5, 0.001_912_953_989, 200_000),
                (1000.0, 0.999_881_425_6, 0.021_268_547_81, 40_000),
                (8760.0, 0.999_879_411_8, 0.188_162_767_1, 10_000),
            ],
            steady: (3_000_000.0, 300),
        },
    ]
}

#[test]
fn validation_cases_match_their_exact_steady_state() {
    for case in cases() {
        let (horizon_h, replications) = case.steady;
        let f = figures(&case.yaml, replications, horizon_h, 1000.0, 2024);
        assert_steady_state(case.name, &f[0], &case.exact);
    }
}

#[test]
fn validation_cases_match_their_exact_interval_availability() {
    for case in cases() {
        for (horizon_h, a_int, failures, replications) in case.interval {
            let f = figures(&case.yaml, replications, horizon_h, 0.0, 7);
            let what = format!("{} over {horizon_h} h", case.name);
            assert_close(
                &format!("{what}: A_int"),
                &f[0].availability,
                a_int,
                1.0 - a_int,
                0.15,
            );
            let per_year = failures * 8760.0 / horizon_h;
            assert_close(
                &format!("{what}: failures"),
                &f[0].failures_per_year,
                per_year,
                per_year,
                0.15,
            );
        }
    }
}
