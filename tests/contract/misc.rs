//! The interactive build session (the upgrade only: speaking gRPC over it
//! needs a BuildKit client) and the build cache prune, filtered so that it
//! can only touch records of this run (there are none: the suite builds
//! with the classic builder).

use std::sync::Arc;

use berth_client::api::{BuildPruneParams, ImageApi, SessionApi, SessionParams};

use crate::support::{ensure, Ctx, OpResult, R};

pub async fn section(cx: Arc<Ctx>) -> R {
    let session = cx
        .client
        .session(&SessionParams {
            x_docker_expose_session_uuid: Some(cx.name("session")),
            x_docker_expose_session_name: Some("berth-contract".to_owned()),
            x_docker_expose_session_sharedkey: Some(cx.name("session-key")),
            ..Default::default()
        })
        .await
        .op("Session")?;
    // The daemon switched protocols (101); a BuildKit client would now
    // speak HTTP/2 gRPC over the connection. Closing it ends the session.
    drop(session);
    cx.hit("Session");

    let description = cx.name("no-such-cache-record");
    let pruned = cx
        .client
        .build_prune(&BuildPruneParams {
            filters: Some([("description".to_owned(), vec![description])].into()),
            ..Default::default()
        })
        .await
        .op("BuildPrune")?;
    ensure!(
        pruned.caches_deleted.unwrap_or_default().is_empty()
            && pruned.space_reclaimed.unwrap_or_default() == 0,
        "BuildPrune filtered to a description no record has removed something"
    );
    cx.hit("BuildPrune");
    Ok(())
}
