//! `berth build`: build an image with the classic builder (`POST /build`,
//! `version=1`) from a local directory. The context is streamed as a tar
//! archive, leaving out what `.dockerignore` excludes (the Dockerfile and
//! `.dockerignore` are always sent); the build's output is shown as it
//! arrives and the new image's ID is printed last.

use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use berth_client::api::{ImageApi, ImageBuildParams};
use berth_client::types::{BuildInfo, ImageBuildVersion};
use berth_client::{Body, Client};
use futures_util::StreamExt;

use super::cp::{produce, send, walk, write, Visit};
use super::dockerignore::Patterns;
use berth::support::{Error, Output};

/// Build an image from a Dockerfile.
#[derive(Debug, clap::Args)]
#[command(after_long_help = "\
PATH is the build context, a local directory (or - for a tar archive of one
on stdin). Files matched by PATH/.dockerignore are not sent. The image ID is
printed when the build succeeds; with -q nothing else is.")]
pub struct BuildArgs {
    /// Name and optionally a tag for the image, NAME[:TAG]; repeatable.
    #[arg(short = 't', long = "tag", value_name = "NAME[:TAG]")]
    tags: Vec<String>,
    /// The Dockerfile (default PATH/Dockerfile); relative to the current
    /// directory, and inside the context.
    #[arg(short = 'f', long = "file", value_name = "PATH")]
    file: Option<String>,
    /// A value for an ARG of the Dockerfile; KEY alone takes it from the
    /// environment. Repeatable.
    #[arg(long = "build-arg", value_name = "KEY[=VALUE]")]
    build_args: Vec<String>,
    /// A label for the image; repeatable.
    #[arg(long = "label", value_name = "KEY[=VALUE]")]
    labels: Vec<String>,
    /// Print only the image ID.
    #[arg(short = 'q', long = "quiet")]
    quiet: bool,
    /// Do not use the build cache.
    #[arg(long = "no-cache")]
    no_cache: bool,
    /// Pull newer versions of the base images.
    #[arg(long = "pull")]
    pull: bool,
    /// The build stage to stop at.
    #[arg(long = "target", value_name = "STAGE")]
    target: Option<String>,
    /// Platform to build for, os[/arch[/variant]].
    #[arg(long = "platform")]
    platform: Option<String>,
    /// Network of RUN steps.
    #[arg(long = "network", value_name = "NETWORK")]
    network: Option<String>,
    /// The build context: a directory, or - for a tar archive on stdin.
    #[arg(value_name = "PATH|-")]
    context: String,
}

impl BuildArgs {
    pub async fn run(self, client: &Client) -> Result<Output, Error> {
        let mut params = ImageBuildParams {
            t: (!self.tags.is_empty()).then(|| self.tags.clone()),
            buildargs: (!self.build_args.is_empty()).then(|| build_args(&self.build_args)),
            labels: (!self.labels.is_empty()).then(|| labels(&self.labels)),
            q: self.quiet.then_some(true),
            nocache: self.no_cache.then_some(true),
            pull: self.pull.then_some(true),
            target: self.target.clone(),
            platform: self.platform.clone(),
            networkmode: self.network.clone(),
            version: Some(ImageBuildVersion::V1),
            ..Default::default()
        };
        let stream = if self.context == "-" {
            params.dockerfile = self.file.clone();
            let body = Body::from_reader(tokio::io::stdin());
            client.image_build(&params, Some(body)).await?
        } else {
            let context = Context::prepare(&self.context, self.file.as_deref())?;
            params.dockerfile = Some(context.dockerfile.clone());
            let Context { root, ignore, .. } = context;
            let items = tokio::task::spawn_blocking(move || {
                walk(&root, ".", &|path, is_dir| visit(&ignore, path, is_dir))
            })
            .await
            .map_err(|e| Error::Input(format!("error checking context: {e}")))?
            .map_err(|e| Error::Input(format!("error checking context: {e}")))?;
            let (body, producer) = produce(move |out| write(&items, out, Some((0, 0))));
            send(client.image_build(&params, Some(body)), producer).await?
        };
        show(stream, self.quiet).await
    }
}

/// The local context: its root, the Dockerfile's path in it, the patterns.
struct Context {
    root: PathBuf,
    dockerfile: String,
    ignore: Patterns,
}

impl Context {
    fn prepare(dir: &str, file: Option<&str>) -> Result<Context, Error> {
        let root = std::fs::canonicalize(dir).map_err(|e| {
            Error::Input(format!(
                "unable to prepare context: path {dir:?} not found: {e}"
            ))
        })?;
        if !root.is_dir() {
            return Err(Error::Input(format!(
                "unable to prepare context: {dir:?} is not a directory"
            )));
        }
        let dockerfile = match file {
            Some(file) => {
                let path = absolute(Path::new(file))?;
                // Resolve links in the directories, not in the file's name.
                let parent = path
                    .parent()
                    .and_then(|p| std::fs::canonicalize(p).ok())
                    .ok_or_else(|| missing_dockerfile(file))?;
                let name = path.file_name().ok_or_else(|| missing_dockerfile(file))?;
                let path = parent.join(name);
                if !path.is_file() {
                    return Err(missing_dockerfile(file));
                }
                let relative = path.strip_prefix(&root).map_err(|_| {
                    Error::Input(format!(
                        "the Dockerfile ({file}) must be within the build context ({dir})"
                    ))
                })?;
                relative.to_string_lossy().into_owned()
            }
            None if root.join("Dockerfile").is_file() => "Dockerfile".to_owned(),
            None if root.join("dockerfile").is_file() => "dockerfile".to_owned(),
            None => return Err(missing_dockerfile("Dockerfile")),
        };
        let ignore_file = root.join(".dockerignore");
        let mut ignore = match std::fs::read_to_string(&ignore_file) {
            Ok(text) => Patterns::parse(&text).map_err(Error::Input)?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Patterns::default(),
            Err(e) => return Err(Error::Input(format!("cannot read .dockerignore: {e}"))),
        };
        ignore.keep(".dockerignore");
        ignore.keep(&dockerfile);
        Ok(Context {
            root,
            dockerfile,
            ignore,
        })
    }
}

fn absolute(path: &Path) -> Result<PathBuf, Error> {
    if path.is_absolute() {
        return Ok(path.to_owned());
    }
    std::env::current_dir()
        .map(|cwd| cwd.join(path))
        .map_err(|e| Error::Input(format!("cannot find the current directory: {e}")))
}

fn missing_dockerfile(file: &str) -> Error {
    Error::Input(format!("Cannot locate specified Dockerfile: {file}"))
}

/// What the context walk does with a path, by `.dockerignore`.
fn visit(ignore: &Patterns, path: &str, is_dir: bool) -> Visit {
    if !ignore.excludes(path) {
        Visit::Include
    } else if is_dir && ignore.may_include_inside(path) {
        Visit::Enter
    } else {
        Visit::Skip
    }
}

/// `--build-arg K=V` → `{"K": "V"}`; `K` alone → its value in the
/// environment, or null (the Dockerfile's default) when it is not set.
fn build_args(args: &[String]) -> BTreeMap<String, Option<String>> {
    args.iter()
        .map(|arg| match arg.split_once('=') {
            Some((key, value)) => (key.to_owned(), Some(value.to_owned())),
            None => (arg.clone(), std::env::var(arg).ok()),
        })
        .collect()
}

/// `--label K=V` → `{"K": "V"}`; `K` alone → an empty value.
fn labels(args: &[String]) -> BTreeMap<String, String> {
    args.iter()
        .map(|arg| match arg.split_once('=') {
            Some((key, value)) => (key.to_owned(), value.to_owned()),
            None => (arg.clone(), String::new()),
        })
        .collect()
}

/// Shows the build's output (all but the `aux` messages) and returns the
/// new image's ID as the command's output. A message with `error` ends the
/// stream with that message as the command's error.
async fn show(
    mut stream: berth_client::JsonLines<BuildInfo>,
    quiet: bool,
) -> Result<Output, Error> {
    let mut display =
        (!quiet).then(|| crate::progress::for_stdout(std::io::stdout().is_terminal()));
    let mut id = None;
    let mut quiet_text = String::new();
    let mut failure = None;
    while let Some(item) = stream.next().await {
        let info = match item {
            Ok(info) => info,
            Err(e) => {
                failure = Some(Error::from(e));
                break;
            }
        };
        // `aux` carries the new image's ID as `{"ID": "sha256:…"}` (read
        // through JSON, whatever type the spec gives `aux`).
        if let Some(aux) = &info.aux {
            let aux = serde_json::to_value(aux).unwrap_or_default();
            if let Some(found) = aux.get("ID").and_then(|v| v.as_str()) {
                id = Some(found.to_owned());
            }
            continue;
        }
        match &mut display {
            None => quiet_text.push_str(info.stream.as_deref().unwrap_or_default()),
            Some(display) => {
                let value = serde_json::to_value(&info)
                    .map_err(|e| Error::Input(format!("cannot show the build output: {e}")))?;
                if let Err(e) = display.show(&value) {
                    failure = Some(Error::Client(berth_client::Error::Io(e)));
                    break;
                }
            }
        }
    }
    if let Some(display) = &mut display {
        display.finish();
    }
    if let Some(failure) = failure {
        return Err(failure);
    }
    let id = id.or_else(|| {
        quiet_text
            .lines()
            .map(str::trim)
            .rfind(|line| line.starts_with("sha256:"))
            .map(str::to_owned)
    });
    match id {
        Some(id) => Ok(Output::Text(id)),
        None if quiet => Err(Error::Input(
            "the daemon did not report the new image's ID".to_owned(),
        )),
        None => Ok(Output::Nothing),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn build_args_and_labels_are_maps() {
        let args = build_args(&[
            "A=1".into(),
            "B=x=y".into(),
            "BERTH_SURELY_UNSET_VAR".into(),
        ]);
        assert_eq!(args.get("A"), Some(&Some("1".to_owned())));
        assert_eq!(args.get("B"), Some(&Some("x=y".to_owned())));
        assert_eq!(args.get("BERTH_SURELY_UNSET_VAR"), Some(&None));
        let labels = labels(&["a=b".into(), "flag".into()]);
        assert_eq!(labels.get("a").map(String::as_str), Some("b"));
        assert_eq!(labels.get("flag").map(String::as_str), Some(""));
    }

    #[test]
    fn the_context_walk_honours_dockerignore() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let root = dir.path();
        let ok = |r: std::io::Result<()>| r.unwrap_or_else(|e| panic!("{e}"));
        ok(std::fs::create_dir_all(root.join("logs/keep")));
        ok(std::fs::create_dir_all(root.join("cache/deep")));
        ok(std::fs::write(root.join("Dockerfile"), "FROM scratch\n"));
        ok(std::fs::write(
            root.join(".dockerignore"),
            "# comment\nDockerfile\n.dockerignore\n*.tmp\nlogs\n!logs/keep\ncache\n",
        ));
        ok(std::fs::write(root.join("a.txt"), "a"));
        ok(std::fs::write(root.join("b.tmp"), "b"));
        ok(std::fs::write(root.join("logs/x.log"), "x"));
        ok(std::fs::write(root.join("logs/keep/k"), "k"));
        ok(std::fs::write(root.join("cache/deep/c"), "c"));
        let context =
            Context::prepare(&root.to_string_lossy(), None).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(context.dockerfile, "Dockerfile");
        let items = walk(&context.root, ".", &|path, is_dir| {
            visit(&context.ignore, path, is_dir)
        })
        .unwrap_or_else(|e| panic!("{e}"));
        let names: Vec<String> = items
            .iter()
            .map(|i| i.name.to_string_lossy().trim_start_matches("./").to_owned())
            .collect();
        assert_eq!(
            names,
            [
                ".dockerignore",
                "Dockerfile",
                "a.txt",
                "logs/keep",
                "logs/keep/k"
            ]
        );
    }

    #[test]
    fn the_dockerfile_must_exist_inside_the_context() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let path = dir.path().to_string_lossy().into_owned();
        assert!(Context::prepare(&path, None)
            .is_err_and(|e| e.to_string().contains("Cannot locate specified Dockerfile")));
        let outside = tempfile::NamedTempFile::new().unwrap_or_else(|e| panic!("{e}"));
        let outside = outside.path().to_string_lossy().into_owned();
        assert!(Context::prepare(&path, Some(&outside))
            .is_err_and(|e| e.to_string().contains("must be within the build context")));
    }
}
