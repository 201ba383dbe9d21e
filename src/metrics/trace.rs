//! What `nines trace` shows of one replication: the state changes the
//! engine made, in its own indices, turned into words by `report::trace`.

use crate::model::Micros;

/// One thing that happened, at `time_us` from the start of the replication.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TraceEvent {
    pub time_us: Micros,
    pub what: Happening,
}

/// The state changes a trace records. Units are in the plan's order (the
/// nodes, then domains, stalls and links); `entity` 0 is the system and
/// 1 + s service s; a standby member is an index into its pool.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Happening {
    /// A unit went down, for a cause of the plan's cause list.
    UnitDown {
        unit: u32,
        cause: u32,
    },
    UnitUp {
        unit: u32,
    },
    EntityDown {
        entity: u32,
    },
    EntityUp {
        entity: u32,
    },
    /// A standby's monitor noticed that the member serving a slot is down.
    Detected {
        standby: u32,
        member: u32,
    },
    /// A takeover began: `member` is being switched in.
    Takeover {
        standby: u32,
        member: u32,
    },
    /// `member` serves now (a takeover or failback completed).
    Serving {
        standby: u32,
        member: u32,
    },
    /// The takeover failed (the 1 − coverage share): down until a repair.
    TakeoverFailed {
        standby: u32,
    },
    /// The serving member failed and no healthy member was left.
    NoMember {
        standby: u32,
    },
    /// The monitor suspected a member that is up (lost heartbeats, a cut
    /// link or a stall).
    FalseSuspicion {
        standby: u32,
        member: u32,
    },
    /// A member of a balanced service left or rejoined rotation after its
    /// health-check delay.
    Rotation {
        node: u32,
        in_rotation: bool,
    },
    /// An injected fault fired (its targets follow as units going down).
    Fault {
        fault: u32,
    },
    /// A unit's failure was noticed (`monitoring`'s alert delay ended).
    Alerted {
        unit: u32,
    },
    /// Someone acknowledged it (the response delay ended): its repair is
    /// asked for.
    Acknowledged {
        unit: u32,
    },
    /// A unit's repair is done, and it rebuilds its state (restore and
    /// replay) before it is up: it lost its state (`loses_state`).
    Rebuilding {
        unit: u32,
    },
    /// Sync replication of a standby service: writes stop (no replica),
    /// the active member takes them alone (`degrade_after`), or a replica
    /// acknowledges them again.
    Writes {
        standby: u32,
        state: WriteState,
    },
    /// A failover waits: no quorum of arbiters can decide it.
    NoQuorum {
        standby: u32,
    },
    /// A standby member back from repair starts or ends catching up.
    Resync {
        standby: u32,
        member: u32,
        done: bool,
    },
    /// A quorum service (by service index) lost its leader: down, cut off
    /// from the majority, or lost with the majority.
    LeaderLost {
        service: u32,
        node: u32,
    },
    /// A leader election began.
    ElectionStarted {
        service: u32,
    },
    /// The election was called off: the majority was lost.
    ElectionCalledOff {
        service: u32,
    },
    /// The election ended with node `node` as the leader.
    Elected {
        service: u32,
        node: u32,
    },
}

/// What sync replication does with writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WriteState {
    Blocked,
    Degraded,
    Replicated,
    /// A member without the writes the degraded one took alone serves:
    /// they are lost.
    Lost,
}
