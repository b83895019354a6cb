//! Rebuilds the binary when a scenario file changes: the built-in packs under `scenarios/` are
//! embedded with `include_dir!`, which cannot tell cargo which files it read.

fn main() {
    println!("cargo:rerun-if-changed=scenarios");
}
