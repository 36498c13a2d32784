//! Images: import (the fixture every other section uses), list, tag,
//! history, legacy build, save and load, commit, delete and prune.

use std::sync::Arc;

use berth_client::api::{
    ImageApi, ImageBuildParams, ImageCommitParams, ImageCreateParams, ImageDeleteParams,
    ImageGetAllParams, ImageGetParams, ImageHistoryParams, ImageInspectParams, ImageListParams,
    ImageLoadParams, ImagePruneParams, ImageTagParams,
};
use berth_client::Body;

use crate::support::{
    collect_bytes, collect_lines, ensure, is_404, rootfs_tar, run_cmd, tar_entries, tar_of, Ctx,
    OpResult, R, RUN_LABEL, TEST_LABEL,
};

/// Imports the busybox rootfs as `cx.image` through `ImageCreate?fromSrc=-`.
pub async fn setup(cx: Arc<Ctx>) -> R {
    let rootfs = rootfs_tar()?;
    let (repo, tag) = cx
        .image
        .rsplit_once(':')
        .ok_or("the test image has no tag")?;
    let params = ImageCreateParams {
        from_src: Some("-".to_owned()),
        repo: Some(repo.to_owned()),
        tag: Some(tag.to_owned()),
        message: Some("berth contract fixture".to_owned()),
        changes: Some(vec![
            format!("LABEL {}={}", TEST_LABEL.0, TEST_LABEL.1),
            format!("LABEL {RUN_LABEL}={}", cx.run),
            r#"CMD ["sh"]"#.to_owned(),
        ]),
        ..Default::default()
    };
    let stream = cx
        .client
        .image_create(&params, Some(Body::from_bytes(rootfs)))
        .await
        .op("ImageCreate")?;
    cx.track(|c| c.images.push(cx.image.clone()));
    let progress = collect_lines("ImageCreate", 60, stream).await?;
    let id = progress
        .iter()
        .filter_map(|p| p.status.as_deref())
        .find(|s| s.starts_with("sha256:"))
        .map(str::to_owned);
    ensure!(
        id.is_some(),
        "ImageCreate: no message carries the new image ID: {progress:?}"
    );
    let inspect = cx
        .client
        .image_inspect(&cx.image, &ImageInspectParams::default())
        .await
        .op("ImageInspect")?;
    ensure!(
        inspect.id == id,
        "ImageInspect: Id {:?}, the import said {id:?}",
        inspect.id
    );
    let labels = inspect
        .config
        .as_ref()
        .and_then(|c| c.labels.clone())
        .unwrap_or_default();
    ensure!(
        labels.get(RUN_LABEL) == Some(&cx.run),
        "ImageInspect: the import's LABEL change is missing: {labels:?}"
    );
    ensure!(
        inspect.comment.as_deref() == Some("berth contract fixture"),
        "ImageInspect: Comment {:?}",
        inspect.comment
    );
    cx.hit("ImageCreate");
    cx.hit("ImageInspect");
    Ok(())
}

pub async fn section(cx: Arc<Ctx>) -> R {
    list_and_tag(&cx).await?;
    build(&cx).await?;
    save_and_load(&cx).await?;
    commit_and_prune(&cx).await
}

async fn list_and_tag(cx: &Ctx) -> R {
    let client = &cx.client;
    let mut params = ImageListParams {
        filters: Some(cx.filters(&[])),
        ..Default::default()
    };
    if cx.supports("ImageList ?manifests=", (1, 47)) {
        params.manifests = Some(true);
    }
    let list = client.image_list(&params).await.op("ImageList")?;
    let base = list
        .iter()
        .find(|i| i.repo_tags.iter().flatten().any(|t| *t == cx.image))
        .ok_or_else(|| format!("ImageList by label: {} missing from {list:?}", cx.image))?
        .id
        .clone();
    cx.hit("ImageList");

    let repo = cx.name("tagged");
    client
        .image_tag(
            &cx.image,
            &ImageTagParams {
                repo: Some(repo.clone()),
                tag: Some("2".to_owned()),
            },
        )
        .await
        .op("ImageTag")?;
    cx.track(|c| c.images.push(format!("{repo}:2")));
    let params = ImageListParams {
        filters: Some([("reference".to_owned(), vec![format!("{repo}:2")])].into()),
        ..Default::default()
    };
    let list = client.image_list(&params).await.op("ImageList")?;
    ensure!(
        list.len() == 1
            && list[0].id == base
            && list[0]
                .repo_tags
                .iter()
                .flatten()
                .any(|t| *t == format!("{repo}:2")),
        "ImageTag: {repo}:2 does not list as a name of {} ({base}): {list:?}",
        cx.image
    );
    cx.hit("ImageTag");

    let history = client
        .image_history(&cx.image, &ImageHistoryParams::default())
        .await
        .op("ImageHistory")?;
    ensure!(
        history.len() == 1 && history[0].comment == "berth contract fixture",
        "ImageHistory of an import: one entry with the import's message, got {history:?}"
    );
    cx.hit("ImageHistory");
    Ok(())
}

/// Two legacy builds: `FROM scratch` with `COPY`, and `FROM` the imported
/// image with `RUN`.
async fn build(cx: &Ctx) -> R {
    let client = &cx.client;
    let label_line = format!(
        "LABEL {}={} {RUN_LABEL}={}\n",
        TEST_LABEL.0, TEST_LABEL.1, cx.run
    );
    let builds = [
        (
            cx.name("scratch:1"),
            format!("FROM scratch\nCOPY hello.txt /hello.txt\n{label_line}"),
        ),
        (
            cx.name("built:1"),
            format!(
                "FROM {}\nCOPY hello.txt /hello.txt\nRUN cat /hello.txt > /built.txt\n{label_line}",
                cx.image
            ),
        ),
    ];
    for (tag, dockerfile) in builds {
        let context = tar_of(&[
            ("Dockerfile", dockerfile.as_bytes(), 0o644),
            ("hello.txt", b"hello from the build context\n", 0o644),
        ]);
        let params = ImageBuildParams {
            t: Some(vec![tag.clone()]),
            rm: Some(true),
            forcerm: Some(true),
            networkmode: Some("none".to_owned()),
            labels: Some(cx.labels()),
            ..Default::default()
        };
        let stream = client
            .image_build(&params, Some(Body::from_bytes(context)))
            .await
            .op("ImageBuild")?;
        cx.track(|c| c.images.push(tag.clone()));
        let messages = collect_lines("ImageBuild", 60, stream).await?;
        let output: String = messages
            .iter()
            .filter_map(|m| m.stream.as_deref())
            .collect();
        ensure!(
            output.contains("Successfully tagged") && output.contains(&tag),
            "ImageBuild {tag}: no 'Successfully tagged {tag}' in {output:?}"
        );
        let inspect = client
            .image_inspect(&tag, &ImageInspectParams::default())
            .await
            .op("ImageInspect")?;
        let labels = inspect.config.and_then(|c| c.labels).unwrap_or_default();
        ensure!(
            labels.get(RUN_LABEL) == Some(&cx.run),
            "ImageBuild {tag}: labels {labels:?}"
        );
    }
    let history = client
        .image_history(&cx.name("built:1"), &ImageHistoryParams::default())
        .await
        .op("ImageHistory")?;
    ensure!(
        history
            .iter()
            .any(|h| h.created_by.contains("cat /hello.txt > /built.txt")),
        "ImageHistory of the build: no RUN step in {history:?}"
    );
    cx.hit("ImageBuild");
    Ok(())
}

/// `ImageGet` of a name, removing the name, `ImageLoad` bringing it back;
/// `ImageGetAll` of two images.
async fn save_and_load(cx: &Ctx) -> R {
    let client = &cx.client;
    let loadme = cx.name("loadme:1");
    let (repo, tag) = loadme.rsplit_once(':').ok_or("no tag")?;
    client
        .image_tag(
            &cx.image,
            &ImageTagParams {
                repo: Some(repo.to_owned()),
                tag: Some(tag.to_owned()),
            },
        )
        .await
        .op("ImageTag")?;
    cx.track(|c| c.images.push(loadme.clone()));

    let saved = client
        .image_get(&loadme, &ImageGetParams::default())
        .await
        .op("ImageGet")?;
    let saved = collect_bytes("ImageGet", 60, saved).await?;
    let entries = tar_entries(&saved)?;
    let manifest = String::from_utf8_lossy(
        entries
            .get("manifest.json")
            .ok_or("ImageGet: the archive has no manifest.json")?,
    )
    .into_owned();
    ensure!(
        manifest.contains(&loadme),
        "ImageGet: manifest.json does not name {loadme}: {manifest}"
    );
    cx.hit("ImageGet");

    let both = client
        .image_get_all(&ImageGetAllParams {
            names: Some(vec![cx.image.clone(), cx.name("scratch:1")]),
            ..Default::default()
        })
        .await
        .op("ImageGetAll")?;
    let both = tar_entries(&collect_bytes("ImageGetAll", 60, both).await?)?;
    let manifest = String::from_utf8_lossy(
        both.get("manifest.json")
            .ok_or("ImageGetAll: the archive has no manifest.json")?,
    )
    .into_owned();
    ensure!(
        manifest.contains(&cx.image) && manifest.contains(&cx.name("scratch:1")),
        "ImageGetAll: manifest.json lacks one of the two images: {manifest}"
    );
    cx.hit("ImageGetAll");

    let deleted = client
        .image_delete(&loadme, &ImageDeleteParams::default())
        .await
        .op("ImageDelete")?;
    ensure!(
        deleted
            .iter()
            .any(|d| d.untagged.as_deref() == Some(loadme.as_str())),
        "ImageDelete {loadme}: no Untagged entry in {deleted:?}"
    );
    let gone = client
        .image_inspect(&loadme, &ImageInspectParams::default())
        .await;
    ensure!(is_404(&gone), "ImageDelete: {loadme} still inspects");
    cx.hit("ImageDelete");

    let stream = client
        .image_load(&ImageLoadParams::default(), Body::from_bytes(saved))
        .await
        .op("ImageLoad")?;
    let messages = collect_lines("ImageLoad", 60, stream).await?;
    let output: String = messages
        .iter()
        .filter_map(|m| m.stream.as_deref())
        .collect();
    ensure!(
        output.contains(&loadme),
        "ImageLoad: the answer does not mention {loadme}: {messages:?}"
    );
    client
        .image_inspect(&loadme, &ImageInspectParams::default())
        .await
        .op("ImageInspect after ImageLoad")?;
    cx.hit("ImageLoad");
    Ok(())
}

/// `ImageCommit` of a container, and an untagged commit that
/// `ImagePrune`, filtered to this run's labels, removes.
async fn commit_and_prune(cx: &Ctx) -> R {
    let client = &cx.client;
    let id = cx
        .create_container(
            "commit-src",
            run_cmd(&["sh", "-c", "echo x > /committed.txt"]),
        )
        .await?;
    cx.start(&id).await?;
    ensure!(
        cx.wait_exit(&id, 20).await? == 0,
        "the container to commit failed"
    );
    let committed = cx.name("committed");
    let answer = client
        .image_commit(
            &ImageCommitParams {
                container: Some(id.clone()),
                repo: Some(committed.clone()),
                tag: Some("1".to_owned()),
                comment: Some("committed by the contract suite".to_owned()),
                author: Some("berth".to_owned()),
                changes: Some(vec!["LABEL berth.committed=yes".to_owned()]),
                ..Default::default()
            },
            None,
        )
        .await
        .op("ImageCommit")?;
    cx.track(|c| c.images.push(format!("{committed}:1")));
    let inspect = client
        .image_inspect(&format!("{committed}:1"), &ImageInspectParams::default())
        .await
        .op("ImageInspect")?;
    let labels = inspect
        .config
        .as_ref()
        .and_then(|c| c.labels.clone())
        .unwrap_or_default();
    ensure!(
        inspect.id.as_deref() == Some(answer.id.as_str())
            && inspect.author.as_deref() == Some("berth")
            && labels.get("berth.committed").map(String::as_str) == Some("yes"),
        "ImageCommit: {committed}:1 is {:?} by {:?} with labels {labels:?}, expected {}",
        inspect.id,
        inspect.author,
        answer.id
    );
    cx.hit("ImageCommit");

    // An untagged (dangling) image of this run, marked for the prune.
    let prune_label = "berth.contract.prune";
    let dangling = client
        .image_commit(
            &ImageCommitParams {
                container: Some(id.clone()),
                changes: Some(vec![format!("LABEL {prune_label}={}", cx.run)]),
                ..Default::default()
            },
            None,
        )
        .await
        .op("ImageCommit")?
        .id;
    cx.track(|c| c.images.push(dangling.clone()));
    let prune_filter = format!("{prune_label}={}", cx.run);
    let listed = client
        .image_list(&ImageListParams {
            filters: Some(cx.filters(&[("dangling", "true"), ("label", &prune_filter)])),
            ..Default::default()
        })
        .await
        .op("ImageList")?;
    ensure!(
        listed.len() == 1 && listed[0].id == dangling,
        "ImageList dangling and labelled: expected only {dangling}, got {listed:?}"
    );
    let pruned = client
        .image_prune(&ImagePruneParams {
            filters: Some(cx.filters(&[("label", &prune_filter)])),
        })
        .await
        .op("ImagePrune")?;
    let deleted: Vec<&str> = pruned
        .images_deleted
        .iter()
        .flatten()
        .filter_map(|d| d.deleted.as_deref())
        .collect();
    ensure!(
        deleted.contains(&dangling.as_str()),
        "ImagePrune: {dangling} not among the deleted {deleted:?}"
    );
    let gone = client
        .image_inspect(&dangling, &ImageInspectParams::default())
        .await;
    ensure!(is_404(&gone), "ImagePrune: {dangling} still inspects");
    cx.hit("ImagePrune");
    Ok(())
}
