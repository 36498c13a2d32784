//! Volumes: create, list, inspect, use, delete, prune (filtered to this run).

use std::sync::Arc;

use berth_client::api::{
    ContainerApi, SystemApi, SystemDataUsageParams, VolumeApi, VolumeDeleteParams,
    VolumeListParams, VolumePruneParams,
};
use berth_client::types::{ContainerCreateRequest, HostConfig, VolumeCreateOptions};

use crate::support::{ensure, is_404, run_cmd, Ctx, OpResult, R};

pub async fn section(cx: Arc<Ctx>) -> R {
    let client = &cx.client;
    let name = cx.name("volume");
    let created = client
        .volume_create(&VolumeCreateOptions {
            name: Some(name.clone()),
            labels: Some(cx.labels()),
            driver: Some("local".to_owned()),
            ..Default::default()
        })
        .await
        .op("VolumeCreate")?;
    cx.track(|c| c.volumes.push(name.clone()));
    ensure!(
        created.name == name && created.driver == "local",
        "VolumeCreate: {created:?}"
    );
    cx.hit("VolumeCreate");

    let listed = client
        .volume_list(&VolumeListParams {
            filters: Some(cx.filters(&[])),
        })
        .await
        .op("VolumeList")?;
    ensure!(
        listed.volumes.iter().flatten().any(|v| v.name == name),
        "VolumeList by label: {name} missing"
    );
    cx.hit("VolumeList");

    let inspect = client.volume_inspect(&name).await.op("VolumeInspect")?;
    ensure!(
        inspect.name == name && inspect.labels.as_ref() == Some(&cx.labels()),
        "VolumeInspect: {inspect:?}"
    );
    cx.hit("VolumeInspect");

    // A container writes into the volume; disk usage then counts it.
    let id = cx
        .create_container(
            "volume-user",
            ContainerCreateRequest {
                host_config: Some(HostConfig {
                    binds: Some(vec![format!("{name}:/data")]),
                    ..Default::default()
                }),
                ..run_cmd(&["sh", "-c", "echo kept > /data/file"])
            },
        )
        .await?;
    cx.start(&id).await?;
    ensure!(
        cx.wait_exit(&id, 20).await? == 0,
        "writing into the volume failed"
    );
    let usage = client
        .system_data_usage(&SystemDataUsageParams::default())
        .await
        .op("SystemDataUsage")?;
    let counted = usage
        .volumes
        .iter()
        .flatten()
        .find(|v| v.name == name)
        .and_then(|v| v.usage_data.as_ref())
        .map(|u| (u.size, u.ref_count));
    ensure!(
        counted.is_some_and(|(size, refs)| size > 0 && refs == 1),
        "SystemDataUsage: {name} has usage {counted:?}, expected a size and one user"
    );
    client
        .container_delete(&id, &Default::default())
        .await
        .op("ContainerDelete")?;

    client
        .volume_delete(&name, &VolumeDeleteParams::default())
        .await
        .op("VolumeDelete")?;
    ensure!(
        is_404(&client.volume_inspect(&name).await),
        "VolumeDelete: {name} still inspects"
    );
    cx.hit("VolumeDelete");

    // Prune: a second volume, with a label only it has.
    let mark = "berth.contract.prune";
    let doomed = cx.name("volume-prune");
    let mut labels = cx.labels();
    labels.insert(mark.to_owned(), cx.run.clone());
    client
        .volume_create(&VolumeCreateOptions {
            name: Some(doomed.clone()),
            labels: Some(labels),
            ..Default::default()
        })
        .await
        .op("VolumeCreate")?;
    cx.track(|c| c.volumes.push(doomed.clone()));
    let filter = format!("{mark}={}", cx.run);
    let mut filters = cx.filters(&[("label", &filter)]);
    // From 1.42 on, prune only takes anonymous volumes unless all=true.
    if cx.version >= (1, 42) {
        filters.insert("all".to_owned(), vec!["true".to_owned()]);
    }
    let pruned = client
        .volume_prune(&VolumePruneParams {
            filters: Some(filters),
        })
        .await
        .op("VolumePrune")?;
    let deleted = pruned.volumes_deleted.unwrap_or_default();
    ensure!(
        deleted == vec![doomed.clone()],
        "VolumePrune: expected exactly [{doomed}], got {deleted:?}"
    );
    ensure!(
        is_404(&client.volume_inspect(&doomed).await),
        "VolumePrune: {doomed} still inspects"
    );
    cx.hit("VolumePrune");
    Ok(())
}
