//! User-defined networks: create, list, inspect, connect and disconnect a
//! container, delete, prune (filtered to this run).

use std::sync::Arc;

use berth_client::api::{NetworkApi, NetworkInspectParams, NetworkListParams, NetworkPruneParams};
use berth_client::types::{NetworkConnectRequest, NetworkCreateRequest, NetworkDisconnectRequest};

use crate::support::{ensure, is_404, run_cmd, Ctx, OpResult, R};

pub async fn section(cx: Arc<Ctx>) -> R {
    let client = &cx.client;
    let name = cx.name("network");
    let created = client
        .network_create(&NetworkCreateRequest {
            name: name.clone(),
            driver: Some("bridge".to_owned()),
            labels: Some(cx.labels()),
            ..Default::default()
        })
        .await
        .op("NetworkCreate")?;
    let id = created.id.clone();
    cx.track(|c| c.networks.push(id.clone()));
    ensure!(!id.is_empty(), "NetworkCreate: empty Id");
    cx.hit("NetworkCreate");

    let listed = client
        .network_list(&NetworkListParams {
            filters: Some(cx.filters(&[])),
        })
        .await
        .op("NetworkList")?;
    ensure!(
        listed.len() == 1 && listed[0].id == id && listed[0].name == name,
        "NetworkList by label: expected only {name}, got {listed:?}"
    );
    cx.hit("NetworkList");

    let inspect = client
        .network_inspect(&name, &NetworkInspectParams::default())
        .await
        .op("NetworkInspect")?;
    ensure!(
        inspect.id == id && inspect.driver == "bridge" && inspect.scope == "local",
        "NetworkInspect: {inspect:?}"
    );
    cx.hit("NetworkInspect");

    let container = cx
        .create_container("network-user", run_cmd(&["true"]))
        .await?;
    client
        .network_connect(
            &id,
            &NetworkConnectRequest {
                container: Some(container.clone()),
                ..Default::default()
            },
        )
        .await
        .op("NetworkConnect")?;
    let networks = cx
        .inspect(&container)
        .await?
        .network_settings
        .and_then(|n| n.networks)
        .unwrap_or_default();
    ensure!(
        networks.contains_key(&name),
        "NetworkConnect: the container's networks are {:?}",
        networks.keys().collect::<Vec<_>>()
    );
    cx.hit("NetworkConnect");

    client
        .network_disconnect(
            &id,
            &NetworkDisconnectRequest {
                container: Some(container.clone()),
                force: Some(false),
            },
        )
        .await
        .op("NetworkDisconnect")?;
    let networks = cx
        .inspect(&container)
        .await?
        .network_settings
        .and_then(|n| n.networks)
        .unwrap_or_default();
    ensure!(
        !networks.contains_key(&name),
        "NetworkDisconnect: the container is still on {name}"
    );
    cx.hit("NetworkDisconnect");

    client.network_delete(&id).await.op("NetworkDelete")?;
    ensure!(
        is_404(
            &client
                .network_inspect(&id, &NetworkInspectParams::default())
                .await
        ),
        "NetworkDelete: {name} still inspects"
    );
    cx.hit("NetworkDelete");

    // Prune: an unused network with a label only it has.
    let mark = "berth.contract.prune";
    let mut labels = cx.labels();
    labels.insert(mark.to_owned(), cx.run.clone());
    let doomed = client
        .network_create(&NetworkCreateRequest {
            name: cx.name("network-prune"),
            labels: Some(labels),
            ..Default::default()
        })
        .await
        .op("NetworkCreate")?
        .id;
    cx.track(|c| c.networks.push(doomed.clone()));
    let filter = format!("{mark}={}", cx.run);
    let pruned = client
        .network_prune(&NetworkPruneParams {
            filters: Some(cx.filters(&[("label", &filter)])),
        })
        .await
        .op("NetworkPrune")?;
    let deleted = pruned.networks_deleted.unwrap_or_default();
    ensure!(
        deleted == vec![cx.name("network-prune")],
        "NetworkPrune: expected exactly [{}], got {deleted:?}",
        cx.name("network-prune")
    );
    ensure!(
        is_404(
            &client
                .network_inspect(&doomed, &NetworkInspectParams::default())
                .await
        ),
        "NetworkPrune: the network still inspects"
    );
    cx.hit("NetworkPrune");
    Ok(())
}
