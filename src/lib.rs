pub mod analytic;
pub mod cli;
pub mod engine;
pub mod experiment;
pub mod metrics;
pub mod model;
pub mod report;
pub mod scenario;
