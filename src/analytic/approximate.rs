//! `nines solve --approximate exponential`: the same design with every time
//! replaced by an exponential of the same mean, so that it is a Markov chain.
//! The answer is then an approximation, and says so, listing each change.

use crate::model::{Dist, Failover, FailureMode, Model, Redundancy};

fn exponential(dist: &Dist) -> Dist {
    Dist::Exponential {
        mean_h: dist.mean_h(),
    }
}

/// Replaces a non-exponential time by the exponential of its mean; notes it.
fn replace(dist: &mut Dist, what: String, changes: &mut Vec<String>) {
    if !matches!(dist, Dist::Exponential { .. }) {
        changes.push(format!(
            "{what}: {} with mean {:.4} h → exponential",
            dist.name(),
            dist.mean_h()
        ));
        *dist = exponential(dist);
    }
}

fn modes(owner: &str, modes: &mut [FailureMode], changes: &mut Vec<String>) {
    for m in modes {
        replace(
            &mut m.ttf,
            format!("`ttf` of `{}` of {owner}", m.name),
            changes,
        );
        replace(
            &mut m.repair,
            format!("`repair` of `{}` of {owner}", m.name),
            changes,
        );
    }
}

/// A standby's whole takeover (heartbeat detection, switchover, VIP,
/// warm-up or boot and restore) becomes one exponential delay of the same
/// mean; heartbeats' false suspicions are dropped.
fn takeover(
    name: &str,
    failover: &mut Failover,
    extra: Vec<&mut Option<Dist>>,
    changes: &mut Vec<String>,
) {
    let mut parts: Vec<(String, f64)> = Vec::new();
    if let Some(hb) = failover.heartbeat.take() {
        // Detection is uniform on [timeout − interval, timeout].
        let mean_h = (hb.timeout_us as f64 - hb.interval_us as f64 / 2.0) / 3.6e9;
        parts.push(("heartbeat detection".into(), mean_h));
        if hb.loss > 0.0 {
            changes.push(format!(
                "service `{name}`: false suspicions from heartbeat loss are left out"
            ));
        }
    }
    let delays = [&mut failover.switchover, &mut failover.vip_takeover]
        .into_iter()
        .chain(extra);
    let mut total_h = parts.iter().map(|p| p.1).sum::<f64>();
    let mut exponential_parts = 0;
    let mut any = !parts.is_empty();
    for d in delays {
        if let Some(dist) = d.take()
            && !dist.is_zero()
        {
            any = true;
            exponential_parts += usize::from(matches!(dist, Dist::Exponential { .. }));
            total_h += dist.mean_h();
            parts.push((dist.name().to_string(), dist.mean_h()));
        }
    }
    let single_exponential = parts.len() == 1 && exponential_parts == 1;
    if any && total_h > 0.0 {
        failover.switchover = Some(Dist::Exponential { mean_h: total_h });
        if !single_exponential {
            changes.push(format!(
                "service `{name}`: the takeover ({}) → one exponential delay of mean {:.1} s",
                parts
                    .iter()
                    .map(|p| p.0.as_str())
                    .collect::<Vec<_>>()
                    .join(" + "),
                total_h * 3600.0
            ));
        }
    }
}

/// The design with exponential times, and what was changed.
pub fn exponential_model(model: &Model) -> (Model, Vec<String>) {
    let mut m = model.clone();
    let mut changes = Vec::new();
    for g in &mut m.groups {
        let owner = format!("node group `{}`", g.name);
        modes(&owner, &mut g.failures, &mut changes);
    }
    for d in &mut m.domains {
        let owner = format!("domain `{}`", d.name);
        modes(&owner, &mut d.failures, &mut changes);
    }
    for s in &mut m.services {
        let name = s.name.clone();
        match &mut s.redundancy {
            Redundancy::HotStandby { failover, .. } | Redundancy::NPlusK { failover, .. } => {
                takeover(&name, failover, Vec::new(), &mut changes);
            }
            Redundancy::WarmStandby {
                warmup, failover, ..
            } => takeover(&name, failover, vec![warmup], &mut changes),
            Redundancy::ColdStandby {
                boot,
                restore,
                failover,
                ..
            } => takeover(&name, failover, vec![boot, restore], &mut changes),
            Redundancy::Quorum {
                election: Some(time),
                ..
            } if !matches!(time, Dist::Exponential { .. }) => {
                let mean_h = time.mean_h();
                changes.push(format!(
                    "service `{name}`: the `election` ({}) → exponential of mean {:.1} s",
                    time.name(),
                    mean_h * 3600.0
                ));
                *time = Dist::Exponential { mean_h };
            }
            Redundancy::ActiveActive { .. } | Redundancy::Quorum { .. } => {}
        }
    }
    (m, changes)
}
