//! Ctrl-C during `nines run`: the first stops the run after the block of
//! replications under way (the results are those of a run of the
//! replications done, with their intervals); nothing is written to `--out`,
//! so it keeps what it held. A second Ctrl-C exits at once.

use crate::report::{self, Report};
use std::io::Write;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};

/// The exit code of a run stopped by Ctrl-C (128 + SIGINT, as shells do).
pub const EXIT_INTERRUPTED: i32 = 130;

static STOP: AtomicBool = AtomicBool::new(false);

/// The flag set by Ctrl-C, with the handler installed (once per process).
pub fn flag() -> &'static AtomicBool {
    static INSTALLED: std::sync::Once = std::sync::Once::new();
    INSTALLED.call_once(|| {
        let installed = ctrlc::set_handler(|| {
            if STOP.swap(true, Ordering::SeqCst) {
                std::process::exit(EXIT_INTERRUPTED);
            }
            eprintln!("\nstopping after the replications under way (Ctrl-C again to quit at once)");
        });
        if let Err(e) = installed {
            eprintln!("warning: Ctrl-C will stop the run at once: {e}");
        }
    });
    &STOP
}

/// Prints what a stopped run completed, and that nothing was written.
pub fn report_stop(
    report: &Report,
    json: &str,
    as_json: bool,
    asked: u64,
    out: Option<&Path>,
    resumable: bool,
) -> anyhow::Result<i32> {
    let done = report.results.settings.n_replications;
    let mut stdout = std::io::stdout().lock();
    if as_json {
        stdout.write_all(json.as_bytes())?;
    } else {
        stdout.write_all(report::table::render(report, None).as_bytes())?;
    }
    stdout.flush()?;
    let kept = out.map_or(String::new(), |d| {
        let resume = if resumable {
            format!(
                "; the replications done are kept in {}/{}: add --resume to the same command to \
                 finish the run",
                d.display(),
                super::resume::CHECKPOINT
            )
        } else {
            String::new()
        };
        format!(
            "; nothing was written to {}, which keeps what it held{resume}",
            d.display()
        )
    });
    eprintln!(
        "interrupted: {done} of {asked} replications done; the figures above are theirs (the same as `--replications {done}`){kept}"
    );
    Ok(EXIT_INTERRUPTED)
}
