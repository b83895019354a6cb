//! Scenarios: the file format, its loader, the step runner, expectations and builtins.

pub mod builtin;
pub mod client_side;
pub mod context;
pub mod doc;
pub mod expect;
pub mod loader;
pub mod model;
pub mod notices;
pub mod runner;
mod step;
pub mod template;

pub use context::{RunContext, ToolCallPolicy};
pub use loader::{load_builtin, load_dir, LoadError, Scenario};
pub use runner::run_scenario;
