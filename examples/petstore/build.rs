//! Generates the pet store client into OUT_DIR, as any project would.

fn main() {
    let generated = berth_codegen::Builder::new()
        .types_path("crate::types")
        .client_path("crate::api")
        .runtime_path("crate::runtime")
        .compile("petstore.yaml");
    if let Err(e) = generated {
        eprintln!("error: cannot generate the pet store client: {e}");
        std::process::exit(1);
    }
}
