//! Generates the client from the spec into OUT_DIR on every build where the
//! spec changed.

use std::process::ExitCode;

fn main() -> ExitCode {
    // BERTH_SPEC points the build at another spec, e.g. one under development.
    println!("cargo:rerun-if-env-changed=BERTH_SPEC");
    let spec = std::env::var_os("BERTH_SPEC").map_or_else(
        || "../spec/docker-engine.yaml".into(),
        std::path::PathBuf::from,
    );
    let spec = spec.as_path();
    println!("cargo:rerun-if-changed={}", spec.display());
    let out_dir = match std::env::var_os("OUT_DIR") {
        Some(dir) => dir,
        None => {
            eprintln!("OUT_DIR is not set; run this through cargo");
            return ExitCode::FAILURE;
        }
    };
    let generated = berth_codegen::Builder::new()
        .types_path("crate::types")
        .client_path("crate::api")
        .runtime_path("crate::runtime")
        .generate(spec, out_dir);
    match generated {
        Ok(_) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!(
                "error: cannot generate the client from {}:\n  {e}",
                spec.display()
            );
            ExitCode::FAILURE
        }
    }
}
