//! `berth cp`: copy files and directories between a container and the local
//! filesystem, as `docker cp` does, with tar archives streamed both ways
//! (`GET`/`PUT /containers/{id}/archive`, `HEAD` for the stat header).
//!
//! Where a copy lands (SRC → DEST):
//! - DEST is an existing directory: SRC goes inside it, as DEST/basename(SRC).
//! - DEST is an existing file: a file SRC replaces it; a directory SRC is an
//!   error ("cannot copy a directory to a file").
//! - DEST does not exist (its parent must): SRC is created under that name
//!   (a directory SRC becomes DEST with SRC's contents). A DEST ending in
//!   `/` asserts a directory: a file SRC is then an error.
//! - SRC ending in `/.` copies a directory's contents rather than the
//!   directory (into DEST, which is created if missing).
//! - `-` as the local side is a tar archive on stdout (`cp CONTAINER:PATH -`)
//!   or stdin (`cp - CONTAINER:DIR`, DIR must be a directory).
//!
//! Modes, times and symbolic links are kept (links are copied as links;
//! `-L` follows a link in SRC). Copying into a container, files belong to
//! the container's root unless `-a` keeps their uid/gid; copying out, they
//! belong to the local user. A DEST that is a symbolic link is followed.

mod archive;

pub use archive::{produce, send, walk, write, Visit};

use std::io;
use std::path::{Path, PathBuf};

use berth_client::api::{
    ContainerApi, ContainerArchiveInfoParams, ContainerArchiveParams, PutContainerArchiveParams,
};
use berth_client::types::ContainerPathStat;
use berth_client::{Body, Client};

use super::dockerignore::clean;
use berth::support::{Error, Output};

/// Go's `os.FileMode` bits in the daemon's stat header.
const MODE_DIR: i64 = 1 << 31;
const MODE_SYMLINK: i64 = 1 << 27;
const MODE_DEVICE: i64 = 1 << 26;
const MODE_IRREGULAR: i64 = 1 << 19;

/// Copy files/folders between a container and the local filesystem.
#[derive(Debug, clap::Args)]
#[command(after_long_help = "\
Exactly one of SRC and DEST is CONTAINER:PATH. A local path that contains a
colon can be written ./a:b.

  berth cp web:/etc/nginx ./conf     ./conf missing: created with the directory's contents;
                                     ./conf a directory: ./conf/nginx
  berth cp web:/etc/nginx/. ./conf   the contents of /etc/nginx into ./conf
  berth cp ./site web:/srv/          ./site into /srv (as /srv/site)
  berth cp web:/var/log - > logs.tar a tar archive on stdout
  berth cp - web:/srv < site.tar     a tar archive from stdin, unpacked in /srv")]
pub struct CpArgs {
    /// Follow a symbolic link in SRC_PATH (copy what it points to).
    #[arg(short = 'L', long = "follow-link")]
    follow_link: bool,
    /// Copying into a container, keep the files' uid and gid.
    #[arg(short = 'a', long = "archive")]
    archive: bool,
    /// CONTAINER:SRC_PATH, a local SRC_PATH, or - for a tar on stdin.
    #[arg(value_name = "SRC")]
    source: String,
    /// CONTAINER:DEST_PATH, a local DEST_PATH, or - for a tar on stdout.
    #[arg(value_name = "DEST")]
    destination: String,
}

impl CpArgs {
    pub async fn run(self, client: &Client) -> Result<Output, Error> {
        if self.source.is_empty() {
            return Err(Error::Input("source can not be empty".to_owned()));
        }
        if self.destination.is_empty() {
            return Err(Error::Input("destination can not be empty".to_owned()));
        }
        match (
            container_path(&self.source)?,
            container_path(&self.destination)?,
        ) {
            (Some(_), Some(_)) => Err(Error::Input(
                "copying between containers is not supported".to_owned(),
            )),
            (None, None) => Err(Error::Input(
                "must specify at least one container source".to_owned(),
            )),
            (Some((container, path)), None) => {
                copy_out(client, container, path, &self.destination, self.follow_link).await
            }
            (None, Some((container, path))) => {
                copy_in(
                    client,
                    &self.source,
                    container,
                    path,
                    self.follow_link,
                    self.archive,
                )
                .await
            }
        }
    }
}

/// `CONTAINER:PATH` → `(CONTAINER, PATH)`; a local path → `None`. Absolute
/// paths and paths starting with `.` are local even with a colon (docker).
fn container_path(arg: &str) -> Result<Option<(&str, &str)>, Error> {
    if arg.starts_with('/') || arg.starts_with('.') {
        return Ok(None);
    }
    match arg.split_once(':') {
        None => Ok(None),
        Some(("", _)) => Err(Error::Input(format!(
            "no container name before the colon in {arg:?}"
        ))),
        Some((_, "")) => Err(Error::Input(format!("no path after the colon in {arg:?}"))),
        Some((container, path)) => Ok(Some((container, path))),
    }
}

/// What is known about one end of a copy.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Info {
    path: String,
    exists: bool,
    is_dir: bool,
}

/// Where an archive is unpacked and how its top element is renamed.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Plan {
    /// The existing directory to unpack into.
    dir: String,
    /// The archive's top element (`.` for a directory's contents) …
    from: String,
    /// … becomes this.
    to: String,
}

/// Docker's `PrepareArchiveCopy`: given the source (its path, whether it is
/// a directory, and the name it should take when a link was followed) and
/// the destination, where to unpack and under which name.
fn plan(source: &Info, rebase: Option<&str>, destination: &Info) -> Result<Plan, String> {
    let (_, source_base) = split_dir_entry(&source.path);
    let (dest_dir, dest_base) = split_dir_entry(&destination.path);
    let renamed = |to: String| Plan {
        dir: dest_dir.clone(),
        from: source_base.clone(),
        to,
    };
    if destination.exists && destination.is_dir {
        return Ok(Plan {
            dir: destination.path.clone(),
            from: source_base.clone(),
            to: rebase.map_or_else(|| source_base.clone(), str::to_owned),
        });
    }
    if destination.exists && source.is_dir {
        return Err(format!(
            "cannot copy a directory to a file: {} is not a directory",
            destination.path
        ));
    }
    if !destination.exists && !source.is_dir && asserts_directory(&destination.path) {
        return Err(format!(
            "no such directory: {} (a file cannot be copied to a path ending in /)",
            destination.path
        ));
    }
    Ok(renamed(dest_base))
}

/// Go's `filepath.Base`.
fn base(path: &str) -> String {
    if path.is_empty() {
        return ".".to_owned();
    }
    let trimmed = path.trim_end_matches('/');
    if trimmed.is_empty() {
        return "/".to_owned();
    }
    trimmed.rsplit('/').next().unwrap_or(trimmed).to_owned()
}

/// Go's `filepath.Dir`.
fn dir(path: &str) -> String {
    match path.rfind('/') {
        Some(at) => clean(&path[..=at]),
        None => ".".to_owned(),
    }
}

/// Docker's `SplitPathDirEntry`: `a/b` → (`a`, `b`), `a/b/.` → (`a/b`, `.`).
fn split_dir_entry(path: &str) -> (String, String) {
    let mut cleaned = clean(path);
    if base(path) == "." {
        cleaned.push_str("/.");
    }
    (dir(&cleaned), base(&cleaned))
}

/// A path ending in `/` or `/.` names a directory.
fn asserts_directory(path: &str) -> bool {
    path.ends_with('/') || base(path) == "."
}

/// Joins a symbolic link's target to the directory of the link.
fn resolve_link(link: &str, target: &str) -> String {
    if target.starts_with('/') {
        target.to_owned()
    } else {
        let (parent, _) = split_dir_entry(link);
        clean(&format!("{parent}/{target}"))
    }
}

/// The stat header of a container path, or `None` if it cannot be had.
async fn container_stat(client: &Client, container: &str, path: &str) -> Option<ContainerPathStat> {
    let params = ContainerArchiveInfoParams {
        path: path.to_owned(),
    };
    client
        .container_archive_info(container, &params)
        .await
        .ok()
        .and_then(|answer| answer.headers.x_docker_container_path_stat)
}

/// Docker's `CopyInfoDestinationPath` for a local destination: follows a
/// symbolic link at the end; a missing path needs an existing parent.
fn local_destination(path: &str) -> Result<Info, Error> {
    let mut path = path.to_owned();
    for _ in 0..=10 {
        match std::fs::symlink_metadata(&path) {
            Ok(meta) if meta.file_type().is_symlink() => {
                let target = std::fs::read_link(&path).map_err(|e| local_error(&path, &e))?;
                path = resolve_link(&path, &target.to_string_lossy());
            }
            Ok(meta) => {
                return Ok(Info {
                    path,
                    exists: true,
                    is_dir: meta.is_dir(),
                })
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                let (parent, _) = split_dir_entry(&path);
                return match std::fs::metadata(&parent) {
                    Ok(meta) if meta.is_dir() => Ok(Info {
                        path,
                        exists: false,
                        is_dir: false,
                    }),
                    Ok(_) => Err(Error::Input(format!(
                        "cannot copy to {path}: {parent} is not a directory"
                    ))),
                    Err(e) => Err(Error::Input(format!(
                        "cannot copy to {path}: {}",
                        local_message(&parent, &e)
                    ))),
                };
            }
            Err(e) => return Err(local_error(&path, &e)),
        }
    }
    Err(Error::Input(format!("too many symbolic links in {path}")))
}

fn local_message(path: &str, e: &io::Error) -> String {
    match e.kind() {
        io::ErrorKind::NotFound => format!("no such file or directory: {path}"),
        io::ErrorKind::NotADirectory => format!("not a directory: {path}"),
        _ => format!("{path}: {e}"),
    }
}

fn local_error(path: &str, e: &io::Error) -> Error {
    Error::Input(local_message(path, e))
}

async fn copy_out(
    client: &Client,
    container: &str,
    path: &str,
    destination: &str,
    follow_link: bool,
) -> Result<Output, Error> {
    let mut path = path.to_owned();
    let mut rebase = None;
    if follow_link {
        if let Some(stat) = container_stat(client, container, &path).await {
            if stat.mode & MODE_SYMLINK != 0 && !stat.link_target.is_empty() {
                rebase = Some(split_dir_entry(&path).1);
                path = resolve_link(&path, &stat.link_target);
            }
        }
    }
    let params = ContainerArchiveParams { path: path.clone() };
    if destination == "-" {
        let archive = client.container_archive(container, &params).await?;
        return Ok(Output::Bytes(archive.body, None));
    }
    let destination = local_destination(destination)?;
    let archive = client.container_archive(container, &params).await?;
    let is_dir = archive
        .headers
        .x_docker_container_path_stat
        .as_ref()
        .is_some_and(|stat| stat.mode & MODE_DIR != 0);
    let source = Info {
        path,
        exists: true,
        is_dir,
    };
    let plan = plan(&source, rebase.as_deref(), &destination).map_err(Error::Input)?;
    let rename = archive::Rename {
        from: plan.from,
        to: plan.to,
    };
    let dir = PathBuf::from(plan.dir);
    archive::consume(archive.body, move |reader| {
        archive::extract(reader, &dir, &rename)
    })
    .await?;
    Ok(Output::Nothing)
}

async fn copy_in(
    client: &Client,
    source: &str,
    container: &str,
    path: &str,
    follow_link: bool,
    keep_owner: bool,
) -> Result<Output, Error> {
    // What the destination is; errors are left for the upload to report (a
    // missing path is fine when its parent exists).
    let mut destination = Info {
        path: path.to_owned(),
        exists: false,
        is_dir: false,
    };
    let mut stat = container_stat(client, container, path).await;
    if let Some(link) = stat.as_ref().filter(|s| s.mode & MODE_SYMLINK != 0) {
        destination.path = resolve_link(path, &link.link_target);
        stat = container_stat(client, container, &destination.path).await;
    }
    if let Some(stat) = &stat {
        if stat.mode & (MODE_DEVICE | MODE_IRREGULAR) != 0 {
            return Err(Error::Input(format!(
                "destination \"{container}:{path}\" must be a directory or a regular file"
            )));
        }
        destination.exists = true;
        destination.is_dir = stat.mode & MODE_DIR != 0;
    }
    let params = |dir: String| PutContainerArchiveParams {
        path: dir,
        no_overwrite_dir_non_dir: Some(true),
        copy_uidgid: keep_owner.then_some(true),
    };

    if source == "-" {
        if !destination.is_dir {
            return Err(Error::Input(format!(
                "destination \"{container}:{path}\" must be a directory"
            )));
        }
        let body = Body::from_reader(tokio::io::stdin());
        client
            .put_container_archive(container, &params(destination.path), body)
            .await?;
        return Ok(Output::Nothing);
    }

    let (local, rebase) = local_source(source, follow_link)?;
    let plan = plan(&local, rebase.as_deref(), &destination).map_err(Error::Input)?;
    let root = PathBuf::from(&local.path);
    let name = plan.to.clone();
    let items = tokio::task::spawn_blocking(move || walk(&root, &name, &|_, _| Visit::Include))
        .await
        .map_err(|e| Error::Input(format!("cannot read {source}: {e}")))?
        .map_err(|e| Error::Input(format!("cannot read {source}: {e}")))?;
    let (body, producer) = produce(move |out| write(&items, out, None));
    send(
        client.put_container_archive(container, &params(plan.dir), body),
        producer,
    )
    .await?;
    Ok(Output::Nothing)
}

/// Docker's `CopyInfoSourcePath`: the local source, and with `-L` the name
/// of the link it was reached through.
fn local_source(path: &str, follow_link: bool) -> Result<(Info, Option<String>), Error> {
    let mut rebase = None;
    let mut resolved = path.to_owned();
    if follow_link {
        let is_link = std::fs::symlink_metadata(path)
            .map(|m| m.file_type().is_symlink())
            .map_err(|e| local_error(path, &e))?;
        if is_link {
            let target: PathBuf =
                std::fs::canonicalize(Path::new(path)).map_err(|e| local_error(path, &e))?;
            resolved = target.to_string_lossy().into_owned();
            rebase = Some(split_dir_entry(path).1);
        }
    }
    let meta = std::fs::symlink_metadata(&resolved).map_err(|e| local_error(path, &e))?;
    Ok((
        Info {
            path: resolved,
            exists: true,
            is_dir: meta.is_dir(),
        },
        rebase,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info(path: &str, exists: bool, is_dir: bool) -> Info {
        Info {
            path: path.to_owned(),
            exists,
            is_dir,
        }
    }

    fn planned(dir: &str, from: &str, to: &str) -> Result<Plan, String> {
        Ok(Plan {
            dir: dir.to_owned(),
            from: from.to_owned(),
            to: to.to_owned(),
        })
    }

    #[test]
    fn where_copies_land() {
        let file = info("/data/file.txt", true, false);
        let dir = info("/data/tree", true, true);
        let contents = info("/data/tree/.", true, true);
        let cases: Vec<(&Info, Info, Result<Plan, String>)> = vec![
            // A file into an existing directory goes inside it.
            (
                &file,
                info("out", true, true),
                planned("out", "file.txt", "file.txt"),
            ),
            // A file to a missing path takes that name.
            (
                &file,
                info("out/new.txt", false, false),
                planned("out", "file.txt", "new.txt"),
            ),
            // A file over an existing file replaces it.
            (
                &file,
                info("old.txt", true, false),
                planned(".", "file.txt", "old.txt"),
            ),
            // A file to a missing path that asserts a directory: error.
            (
                &file,
                info("out/missing/", false, false),
                Err(String::new()),
            ),
            // A directory into an existing directory: DEST/basename(SRC).
            (
                &dir,
                info("out", true, true),
                planned("out", "tree", "tree"),
            ),
            // A directory to a missing path: created with SRC's contents.
            (
                &dir,
                info("a/copy", false, false),
                planned("a", "tree", "copy"),
            ),
            (
                &dir,
                info("copy/", false, false),
                planned(".", "tree", "copy"),
            ),
            // A directory over a file: error.
            (&dir, info("old.txt", true, false), Err(String::new())),
            // `SRC/.`: the contents, into an existing or a new directory.
            (&contents, info("out", true, true), planned("out", ".", ".")),
            (
                &contents,
                info("new", false, false),
                planned(".", ".", "new"),
            ),
        ];
        for (source, destination, expected) in cases {
            let got = plan(source, None, &destination);
            match (&got, &expected) {
                (Err(_), Err(_)) => {}
                _ => assert_eq!(got, expected, "{source:?} → {destination:?}"),
            }
        }
    }

    #[test]
    fn followed_links_keep_the_link_name() {
        let target = info("/data/real", true, true);
        assert_eq!(
            plan(&target, Some("link"), &info("out", true, true)),
            planned("out", "real", "link")
        );
        assert_eq!(
            plan(&target, Some("link"), &info("new", false, false)),
            planned(".", "real", "new")
        );
    }

    #[test]
    fn paths_split_like_docker() {
        let cases = [
            ("a/b", ("a", "b")),
            ("a/b/", ("a", "b")),
            ("a/b/.", ("a/b", ".")),
            ("b", (".", "b")),
            ("/b", ("/", "b")),
            ("/", ("/", "/")),
            (".", (".", ".")),
        ];
        for (path, (d, b)) in cases {
            assert_eq!(
                split_dir_entry(path),
                (d.to_owned(), b.to_owned()),
                "{path}"
            );
        }
        assert!(asserts_directory("a/"));
        assert!(asserts_directory("a/."));
        assert!(!asserts_directory("a"));
        assert_eq!(resolve_link("/etc/link", "target"), "/etc/target");
        assert_eq!(resolve_link("/etc/link", "/abs"), "/abs");
        assert_eq!(resolve_link("/etc/link", "../x"), "/x");
    }

    #[test]
    fn container_paths_are_recognised() {
        fn ok(arg: &str) -> Option<(&str, &str)> {
            container_path(arg).unwrap_or_else(|e| panic!("{e}"))
        }
        assert_eq!(ok("web:/etc"), Some(("web", "/etc")));
        assert_eq!(ok("web:rel/x"), Some(("web", "rel/x")));
        assert_eq!(ok("/abs/a:b"), None);
        assert_eq!(ok("./a:b"), None);
        assert_eq!(ok("local"), None);
        assert_eq!(ok("-"), None);
        assert!(container_path(":x").is_err());
    }
}
