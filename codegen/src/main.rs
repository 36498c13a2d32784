//! `berth-codegen generate --spec FILE --out DIR [--cli]`: writes the
//! generated sources to a directory, for people to read and review.

use std::path::PathBuf;
use std::process::ExitCode;

const USAGE: &str =
    "usage: berth-codegen generate --spec FILE --out DIR [--no-types] [--no-client] [--no-impl] [--cli]";

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    if args.next().as_deref() != Some("generate") {
        eprintln!("{USAGE}");
        return ExitCode::from(2);
    }
    let (mut spec, mut out) = (None, None);
    let mut builder = berth_codegen::Builder::new();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--spec" => spec = args.next().map(PathBuf::from),
            "--out" => out = args.next().map(PathBuf::from),
            "--cli" => builder = builder.emit_cli(true),
            "--no-types" => builder = builder.emit_types(false),
            "--no-client" => builder = builder.emit_client(false),
            "--no-impl" => builder = builder.emit_implementation(false),
            _ => {
                eprintln!("unexpected argument `{arg}`\n{USAGE}");
                return ExitCode::from(2);
            }
        }
    }
    let (Some(spec), Some(out)) = (spec, out) else {
        eprintln!("{USAGE}");
        return ExitCode::from(2);
    };
    match builder.generate(&spec, &out) {
        Ok(files) => {
            for file in files {
                println!("{}", file.display());
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
