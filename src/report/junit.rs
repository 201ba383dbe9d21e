//! JUnit XML of a check: one test case per objective, so that CI systems
//! show each SLO as a test (a fail as a failure, inconclusive as skipped).

use super::slos::{describe, label};
use crate::slo::{Judgement, Verdict};
use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestSuite};

/// The JUnit XML of `judgements` for the scenario named `scenario`.
pub fn render(scenario: &str, judgements: &[Judgement]) -> String {
    let mut suite = TestSuite::new(format!("nines check: {scenario}"));
    for j in judgements {
        let message = describe(j);
        let status = match j.verdict {
            Verdict::Pass => TestCaseStatus::success(),
            Verdict::Fail => {
                let mut s = TestCaseStatus::non_success(NonSuccessKind::Failure);
                s.set_message(message.clone()).set_type("slo-failed");
                s
            }
            Verdict::Inconclusive => {
                let mut s = TestCaseStatus::skipped();
                s.set_message(format!("inconclusive: {message}"));
                s
            }
        };
        let mut case = TestCase::new(label(j), status);
        case.set_classname(format!("nines.slo.{}", j.service));
        case.set_system_out(message);
        suite.add_test_case(case);
    }
    let mut report = Report::new("nines check");
    report.add_test_suite(suite);
    report.to_string().unwrap_or_default()
}
