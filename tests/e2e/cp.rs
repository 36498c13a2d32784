//! `berth cp` between local directories and a running busybox container:
//! trees and single files both ways, tar archives on stdout and stdin, and
//! the errors.

use std::fs;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::Path;

use serde_json::json;

use crate::support::{
    berth, berth_command, berth_with_stdin, create_container, import_test_image, test_labels,
    unique_name, ContainerGuard, TestImage,
};

/// A started container that sleeps; removed when dropped (before its image).
struct Sleeper {
    id: String,
    _guard: ContainerGuard,
    _image: TestImage,
}

fn sleeper(what: &str) -> Sleeper {
    let image = import_test_image(what);
    let name = unique_name(what);
    let body = json!({
        "Image": image.reference,
        "Cmd": ["sleep", "3600"],
        "Labels": test_labels(),
    });
    let (guard, id) = create_container(&name, &body);
    berth(&["container", "start", &id]).ok();
    Sleeper {
        id,
        _guard: guard,
        _image: image,
    }
}

/// Deterministic pseudo-random bytes (xorshift64*).
fn random_bytes(len: usize, seed: u64) -> Vec<u8> {
    let mut state = seed | 1;
    let mut out = Vec::with_capacity(len + 8);
    while out.len() < len {
        state ^= state >> 12;
        state ^= state << 25;
        state ^= state >> 27;
        out.extend_from_slice(&state.wrapping_mul(0x2545_f491_4f6c_dd1d).to_le_bytes());
    }
    out.truncate(len);
    out
}

fn ok<T>(result: std::io::Result<T>) -> T {
    result.unwrap_or_else(|e| panic!("{e}"))
}

/// A tree with nested directories, a 1 MiB binary file, an executable, a
/// private file, a symlink and an empty directory.
fn make_tree(root: &Path) {
    ok(fs::create_dir_all(root.join("nested/deeper/deepest")));
    ok(fs::create_dir_all(root.join("empty")));
    ok(fs::write(root.join("top.txt"), b"top level\n"));
    ok(fs::write(
        root.join("nested/deeper/deepest/blob.bin"),
        random_bytes(1 << 20, 0x5eed),
    ));
    ok(fs::write(
        root.join("nested/run.sh"),
        b"#!/bin/sh\necho hi\n",
    ));
    ok(fs::set_permissions(
        root.join("nested/run.sh"),
        fs::Permissions::from_mode(0o755),
    ));
    ok(fs::write(root.join("nested/private"), b"secret\n"));
    ok(fs::set_permissions(
        root.join("nested/private"),
        fs::Permissions::from_mode(0o600),
    ));
    ok(std::os::unix::fs::symlink(
        "deeper/deepest/blob.bin",
        root.join("nested/link"),
    ));
}

/// Asserts that `copy` holds exactly what `original` holds: the same names,
/// kinds, permission bits, bytes, modification times of files, and symlink
/// targets.
fn assert_same_tree(original: &Path, copy: &Path) {
    let mut names: Vec<_> = ok(fs::read_dir(original))
        .map(|e| ok(e).file_name())
        .collect();
    names.sort();
    let mut copied: Vec<_> = ok(fs::read_dir(copy)).map(|e| ok(e).file_name()).collect();
    copied.sort();
    assert_eq!(names, copied, "entries of {}", copy.display());
    for name in names {
        let (a, b) = (original.join(&name), copy.join(&name));
        let (ma, mb) = (ok(fs::symlink_metadata(&a)), ok(fs::symlink_metadata(&b)));
        assert_eq!(ma.file_type(), mb.file_type(), "kind of {}", b.display());
        if ma.file_type().is_symlink() {
            assert_eq!(
                ok(fs::read_link(&a)),
                ok(fs::read_link(&b)),
                "{}",
                b.display()
            );
            continue;
        }
        assert_eq!(
            ma.mode() & 0o7777,
            mb.mode() & 0o7777,
            "mode of {}",
            b.display()
        );
        if ma.is_dir() {
            assert_same_tree(&a, &b);
        } else {
            assert!(
                ok(fs::read(&a)) == ok(fs::read(&b)),
                "bytes of {}",
                b.display()
            );
            assert_eq!(ma.mtime(), mb.mtime(), "mtime of {}", b.display());
        }
    }
}

#[test]
fn a_tree_round_trips_byte_for_byte() {
    let box_ = sleeper("cptree");
    let dir = tempfile::tempdir().expect("tempdir");
    let src = dir.path().join("src");
    make_tree(&src);
    let src_arg = src.to_str().expect("utf-8 path");

    // Into an existing directory: /tmp/src.
    let r = berth(&["cp", src_arg, &format!("{}:/tmp", box_.id)]);
    r.ok();
    assert_eq!(r.stdout, "", "cp prints nothing:\n{r}");

    // Out to a path that does not exist: created with the tree's contents.
    let copy = dir.path().join("copy");
    let copy_arg = copy.to_str().expect("utf-8 path");
    berth(&["cp", &format!("{}:/tmp/src", box_.id), copy_arg]).ok();
    assert_same_tree(&src, &copy);

    // Out to an existing directory: lands inside it under its own name.
    let into = dir.path().join("into");
    ok(fs::create_dir(&into));
    berth(&[
        "cp",
        &format!("{}:/tmp/src", box_.id),
        into.to_str().expect("utf-8 path"),
    ])
    .ok();
    assert_same_tree(&src, &into.join("src"));

    // `SRC/.`: the contents only, into an existing directory.
    let contents = dir.path().join("contents");
    ok(fs::create_dir(&contents));
    berth(&[
        "cp",
        &format!("{}:/tmp/src/.", box_.id),
        contents.to_str().expect("utf-8 path"),
    ])
    .ok();
    assert_same_tree(&src, &contents);

    // A directory to a new container path takes that name.
    berth(&["cp", src_arg, &format!("{}:/tmp/renamed", box_.id)]).ok();
    let renamed = dir.path().join("renamed");
    berth(&[
        "cp",
        &format!("{}:/tmp/renamed", box_.id),
        renamed.to_str().expect("utf-8 path"),
    ])
    .ok();
    assert_same_tree(&src, &renamed);
}

#[test]
fn a_single_file_goes_in_and_out() {
    let box_ = sleeper("cpfile");
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("note.sh");
    ok(fs::write(&file, b"#!/bin/sh\necho note\n"));
    ok(fs::set_permissions(
        &file,
        fs::Permissions::from_mode(0o750),
    ));
    let file_arg = file.to_str().expect("utf-8 path");

    // Into a directory, and to a new name.
    berth(&["cp", file_arg, &format!("{}:/tmp/", box_.id)]).ok();
    berth(&["cp", file_arg, &format!("{}:/tmp/other.sh", box_.id)]).ok();

    // Out to a directory: keeps its name; to a new path: takes that name.
    let out = dir.path().join("out");
    ok(fs::create_dir(&out));
    let out_arg = out.to_str().expect("utf-8 path");
    berth(&["cp", &format!("{}:/tmp/note.sh", box_.id), out_arg]).ok();
    let renamed = out.join("again.sh");
    berth(&[
        "cp",
        &format!("{}:/tmp/other.sh", box_.id),
        renamed.to_str().expect("utf-8 path"),
    ])
    .ok();
    for copy in [out.join("note.sh"), renamed] {
        assert_eq!(ok(fs::read(&copy)), b"#!/bin/sh\necho note\n");
        let mode = ok(fs::metadata(&copy)).mode() & 0o7777;
        assert_eq!(mode, 0o750, "mode of {}", copy.display());
    }

    // Over an existing file: replaced.
    let existing = out.join("existing.txt");
    ok(fs::write(&existing, b"old contents that are longer\n"));
    berth(&[
        "cp",
        &format!("{}:/tmp/note.sh", box_.id),
        existing.to_str().expect("utf-8 path"),
    ])
    .ok();
    assert_eq!(ok(fs::read(&existing)), b"#!/bin/sh\necho note\n");

    // A file to a missing directory (trailing slash): an error.
    let r = berth(&[
        "cp",
        &format!("{}:/tmp/note.sh", box_.id),
        &format!("{}/missing/", out_arg),
    ]);
    r.code(1);
}

#[test]
fn dash_is_a_tar_on_stdout_and_stdin() {
    let box_ = sleeper("cpdash");
    let dir = tempfile::tempdir().expect("tempdir");

    // A tar on stdin, unpacked into an existing directory.
    let mut builder = tar::Builder::new(Vec::new());
    let data = b"from a tar on stdin\n";
    let mut header = tar::Header::new_gnu();
    header.set_size(data.len() as u64);
    header.set_mode(0o640);
    header.set_mtime(1_700_000_000);
    header.set_entry_type(tar::EntryType::Regular);
    builder
        .append_data(&mut header, "piped.txt", &data[..])
        .expect("append");
    let tar_bytes = builder.into_inner().expect("finish tar");
    berth_with_stdin(&["cp", "-", &format!("{}:/tmp", box_.id)], &tar_bytes).ok();

    // The same file as a tar on stdout.
    let output = berth_command()
        .args(["cp", &format!("{}:/tmp/piped.txt", box_.id), "-"])
        .output()
        .expect("run berth");
    assert!(
        output.status.success(),
        "cp to stdout failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let mut archive = tar::Archive::new(&output.stdout[..]);
    let mut found = Vec::new();
    for entry in archive.entries().expect("a tar on stdout") {
        let mut entry = entry.expect("a tar entry");
        let path = entry.path().expect("path").to_string_lossy().into_owned();
        let mode = entry.header().mode().expect("mode");
        let mut contents = Vec::new();
        std::io::Read::read_to_end(&mut entry, &mut contents).expect("read entry");
        found.push((path, mode & 0o7777, contents));
    }
    assert_eq!(
        found,
        vec![("piped.txt".to_owned(), 0o640, data.to_vec())],
        "the tar on stdout"
    );

    // `-` on stdin needs a directory.
    let r = berth_with_stdin(
        &["cp", "-", &format!("{}:/tmp/piped.txt", box_.id)],
        &tar_bytes,
    );
    r.code(1);
    assert!(r.stderr.contains("must be a directory"), "{r}");
    drop(dir);
}

#[test]
fn missing_paths_are_errors() {
    let box_ = sleeper("cpmissing");
    let dir = tempfile::tempdir().expect("tempdir");
    let dir_arg = dir.path().to_str().expect("utf-8 path");

    // A container path that does not exist: the daemon's message.
    let r = berth(&["cp", &format!("{}:/no/such/path", box_.id), dir_arg]);
    r.code(1);
    assert!(
        r.stderr.starts_with("Error response from daemon:") && r.stderr.contains("/no/such/path"),
        "{r}"
    );
    assert_eq!(r.stdout, "", "{r}");
    assert_eq!(ok(fs::read_dir(dir.path())).count(), 0, "nothing written");

    // A local path that does not exist: a clear message.
    let missing = dir.path().join("nope");
    let r = berth(&[
        "cp",
        missing.to_str().expect("utf-8 path"),
        &format!("{}:/tmp", box_.id),
    ]);
    r.code(1);
    assert!(
        r.stderr.contains("no such file or directory") && r.stderr.contains("nope"),
        "{r}"
    );

    // A container that does not exist.
    let r = berth(&["cp", &format!("{}:/tmp", unique_name("ghost")), dir_arg]);
    r.code(1);
    assert!(r.stderr.contains("Error response from daemon:"), "{r}");

    // Into a container that does not exist: the daemon's message, no hang
    // with more than the pipe holds still to send.
    let tree = dir.path().join("tree");
    make_tree(&tree);
    let r = berth(&[
        "cp",
        tree.to_str().expect("utf-8 path"),
        &format!("{}:/tmp", unique_name("ghost")),
    ]);
    r.code(1);
    assert!(r.stderr.contains("Error response from daemon:"), "{r}");

    // Two local paths, or two containers.
    berth(&["cp", dir_arg, dir_arg]).code(1);
    berth(&["cp", "a:/x", "b:/y"]).code(1);
}
