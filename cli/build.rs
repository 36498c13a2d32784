//! Generates the command tree from the spec into OUT_DIR.

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
    let Some(out_dir) = std::env::var_os("OUT_DIR") else {
        eprintln!("OUT_DIR is not set; run this through cargo");
        return ExitCode::FAILURE;
    };
    let generated = berth_codegen::Builder::new()
        .emit_types(false)
        .emit_client(false)
        .emit_cli(true)
        .types_path("::berth_client::types")
        .client_path("::berth_client::api")
        .runtime_path("::berth_client::runtime")
        .support_path("::berth::support")
        // docker's `container attach` and `container stats`, beside the generated commands.
        .extend_group("Container", "crate::docker::ContainerCommand")
        .generate(spec, out_dir);
    match generated {
        Ok(_) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!(
                "error: cannot generate the commands from {}:\n  {e}",
                spec.display()
            );
            ExitCode::FAILURE
        }
    }
}
