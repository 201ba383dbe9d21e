//! Integration tests: one binary, one module per concern.

mod agreement;
mod bad_input;
mod cases;
mod causes;
mod check;
mod cli;
mod data;
mod determinism;
mod docs;
mod exact;
mod faults;
mod figures;
mod mechanisms;
mod one_pass;
mod partitions;
mod properties;
mod report;
mod scenarios;
mod shard;
mod silent_errors;
mod solver;
mod standby;
mod standby_roles;
mod support;
mod trace;
mod traffic;
