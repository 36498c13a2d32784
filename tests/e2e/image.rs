//! `berth image …`: import (file and stdin), list, inspect, tag, delete.

use serde_json::{json, Value};

use crate::support::{
    berth, berth_with_stdin, find_image_id, import_test_image, rootfs_tar, unique_name, ImageGuard,
};

fn str_field<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(|x| x.as_str())
}

#[test]
fn import_then_list_and_inspect() {
    let img = import_test_image("import");

    // Filtered by the full reference: exactly our image.
    let filter = format!("reference={}", img.reference);
    let r = berth(&["image", "list", "--filter", &filter]);
    r.ok();
    let list = r.json_array();
    assert_eq!(list.len(), 1, "expected exactly one image:\n{r}");
    assert_eq!(str_field(&list[0], "Id"), Some(img.id.as_str()), "Id:\n{r}");
    assert_eq!(
        list[0]["RepoTags"],
        json!([img.reference]),
        "RepoTags:\n{r}"
    );

    // Filtered by the repository only, through the `ls` alias.
    let filter = format!("reference={}", img.repo);
    let r = berth(&["image", "ls", "--filter", &filter]);
    r.ok();
    let list = r.json_array();
    assert_eq!(list.len(), 1, "expected exactly one image:\n{r}");
    assert_eq!(str_field(&list[0], "Id"), Some(img.id.as_str()), "Id:\n{r}");

    // A reference that does not exist filters everything out.
    let filter = format!("reference={}", unique_name("nothing"));
    let r = berth(&["image", "list", "--filter", &filter]);
    r.ok();
    assert_eq!(r.json_array().len(), 0, "expected no images:\n{r}");

    // Unfiltered --all includes it.
    let r = berth(&["image", "list", "--all"]);
    r.ok();
    assert!(
        r.json_array()
            .iter()
            .any(|i| str_field(i, "Id") == Some(img.id.as_str())),
        "image {} missing from `image list --all`:\n{r}",
        img.id
    );

    // Inspect by reference and by id.
    for name in [img.reference.as_str(), img.id.as_str()] {
        let r = berth(&["image", "inspect", name]);
        r.ok();
        let v = r.json();
        assert_eq!(str_field(&v, "Id"), Some(img.id.as_str()), "Id:\n{r}");
        assert_eq!(v["RepoTags"], json!([img.reference]), "RepoTags:\n{r}");
        assert!(v["Config"].is_object(), "Config is not an object:\n{r}");
        assert_eq!(str_field(&v, "Os"), Some("linux"), "Os:\n{r}");
        assert!(
            v["RootFS"]["Layers"]
                .as_array()
                .is_some_and(|l| l.len() == 1),
            "an imported image has one layer:\n{r}"
        );
    }
}

#[test]
fn import_of_garbage_fails() {
    let repo = unique_name("garbage");
    let reference = format!("{repo}:e2e");
    let _guard = ImageGuard::new(&reference);
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("not-a-tar.bin");
    // More than one 512-byte tar block of text: not a tar header and not a
    // compression format the daemon recognises.
    std::fs::write(&path, "this is not a tar archive\n".repeat(200)).expect("write garbage");

    let r = berth(&[
        "image",
        "import",
        path.to_str().expect("utf-8 path"),
        &reference,
    ]);
    r.code(1);
    // Docker 20.10 answers HTTP 500 {"message":"ApplyLayer exit status 1
    // stdout:  stderr: archive/tar: invalid tar header"}; other versions may
    // report it inside the progress stream. Either way it goes to stderr.
    assert!(
        r.stderr.contains("invalid tar header"),
        "the daemon's error should be on stderr:\n{r}"
    );
    assert_eq!(find_image_id(&r.stdout), None, "no image id expected:\n{r}");

    let r = berth(&["image", "inspect", &reference]);
    r.code(1);
    assert!(
        r.stderr.contains(&format!("No such image: {reference}")),
        "no image should have been created:\n{r}"
    );
}

#[test]
fn import_from_stdin() {
    let repo = unique_name("stdin");
    let reference = format!("{repo}:e2e");
    let _guard = ImageGuard::new(&reference);

    let r = berth_with_stdin(&["image", "import", "-", &reference], rootfs_tar());
    r.ok();
    let id = find_image_id(&r.stdout)
        .unwrap_or_else(|| panic!("no sha256 image id in the import output:\n{r}"));

    let r = berth(&["image", "inspect", &reference]);
    r.ok();
    let v = r.json();
    assert_eq!(str_field(&v, "Id"), Some(id.as_str()), "Id:\n{r}");
    assert_eq!(v["RepoTags"], json!([reference]), "RepoTags:\n{r}");
}

#[test]
fn tag_then_delete_the_tag() {
    let img = import_test_image("tagsrc");
    let new_repo = unique_name("tagged");
    let new_ref = format!("{new_repo}:t2");
    let _tag_guard = ImageGuard::new(&new_ref);

    let r = berth(&[
        "image",
        "tag",
        &img.reference,
        "--repo",
        &new_repo,
        "--tag",
        "t2",
    ]);
    r.ok();
    assert_eq!(r.stderr, "", "stderr:\n{r}");

    let r = berth(&["image", "inspect", &new_ref]);
    r.ok();
    let v = r.json();
    assert_eq!(
        str_field(&v, "Id"),
        Some(img.id.as_str()),
        "same image:\n{r}"
    );
    let mut tags: Vec<String> = v["RepoTags"]
        .as_array()
        .unwrap_or_else(|| panic!("RepoTags is not an array:\n{r}"))
        .iter()
        .map(|t| t.as_str().unwrap_or_default().to_string())
        .collect();
    tags.sort();
    let mut want = vec![img.reference.clone(), new_ref.clone()];
    want.sort();
    assert_eq!(tags, want, "RepoTags:\n{r}");

    // Deleting the second tag only untags.
    let r = berth(&["image", "delete", &new_ref]);
    r.ok();
    assert_eq!(
        r.json(),
        json!([{ "Untagged": new_ref }]),
        "delete items:\n{r}"
    );

    let r = berth(&["image", "inspect", &new_ref]);
    r.code(1);
    assert!(
        r.stderr.contains(&format!("No such image: {new_ref}")),
        "the tag should be gone:\n{r}"
    );
    let r = berth(&["image", "inspect", &img.reference]);
    r.ok();
    assert_eq!(
        r.json()["RepoTags"],
        json!([img.reference]),
        "RepoTags:\n{r}"
    );

    // Deleting the last tag (through the `rm` alias) deletes the image.
    let r = berth(&["image", "rm", &img.reference]);
    r.ok();
    let items = r.json_array();
    assert_eq!(
        items.first(),
        Some(&json!({ "Untagged": img.reference })),
        "first delete item:\n{r}"
    );
    assert!(
        items.contains(&json!({ "Deleted": img.id })),
        "the image id should be among the deleted items:\n{r}"
    );
    let r = berth(&["image", "inspect", &img.id]);
    r.code(1);
}
