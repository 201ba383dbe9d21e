//! Runs by blocks: a run that Ctrl-C may stop between blocks, and the
//! pieces `--shard` and `nines merge` use (blocks simulated without
//! folding, replications folded one by one).

use super::{BLOCK, Batches, ExperimentError, Results, Settings};
use crate::engine;
use crate::metrics::RepOutcome;
use crate::model::Model;
use rayon::prelude::*;

/// [`run`], stopping after the block under way once `stop` is set (Ctrl-C):
/// the results are those of the replications done, which equal a run of
/// that many replications.
///
/// # Errors
/// As [`run`].
pub fn run_stoppable(
    model: &Model,
    settings: Settings,
    threads: Option<usize>,
    each: &mut dyn FnMut(u64, &RepOutcome),
    progress: &(dyn Fn() + Sync),
    stop: &std::sync::atomic::AtomicBool,
) -> Result<Results, ExperimentError> {
    let mut batches = Batches::new(model, settings, threads)?;
    let n = settings.n_replications;
    while batches.done() < n && !stop.load(std::sync::atomic::Ordering::SeqCst) {
        let to = (batches.done() + BLOCK).min(n);
        batches.advance(to, false, &mut |rep, o, _| each(rep, o), progress);
    }
    Ok(batches.results())
}

impl Batches {
    /// Replications `start..end` simulated in parallel, in order, not
    /// folded (`--shard` stores them in a part).
    pub fn simulate_range(
        &self,
        start: u64,
        end: u64,
        progress: &(dyn Fn() + Sync),
    ) -> Vec<RepOutcome> {
        let s = self.settings;
        let run_settings = s.run_settings();
        let plan = &self.plan;
        self.pool.install(|| {
            (start..end)
                .into_par_iter()
                .map(|rep| {
                    let outcome = engine::simulate(plan, run_settings, rep);
                    progress();
                    outcome
                })
                .collect()
        })
    }

    /// Folds replication `rep`, which must be the next one (`nines merge`
    /// refolds the parts' outcomes in replication order).
    pub fn push(&mut self, rep: u64, outcome: &RepOutcome) {
        assert_eq!(rep, self.done, "replications are folded in order");
        self.fold(outcome, self.settings.window());
        if let Some(system) = outcome.tallies.first() {
            self.worst.push(rep, system, self.settings.window());
        }
        self.done = rep + 1;
    }
}
