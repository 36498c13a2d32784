//! What the client sends, checked against a server that records requests:
//! the negotiated version is the one on the wire, a pinned version skips
//! negotiation, and query values are encoded as the spec says.

use std::sync::{Arc, Mutex};

use berth_client::api::{ContainerApi, ContainerListParams, SystemApi};
use berth_client::Client;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

/// A server on 127.0.0.1 that answers `/_ping` with `Api-Version: daemon`,
/// everything else with `[]`, and records each request line.
async fn recording_server(daemon: &'static str) -> (String, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let address = listener.local_addr().expect("address");
    let seen = Arc::new(Mutex::new(Vec::new()));
    let record = Arc::clone(&seen);
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            let record = Arc::clone(&record);
            tokio::spawn(async move {
                let (read, mut write) = socket.into_split();
                let mut lines = BufReader::new(read).lines();
                let mut request = None;
                while let Ok(Some(line)) = lines.next_line().await {
                    if request.is_none() {
                        request = Some(line.clone());
                    } else if line.is_empty() {
                        let line = request.take().unwrap_or_default();
                        let body = if line.contains("/_ping") { "OK" } else { "[]" };
                        record.lock().expect("lock").push(line);
                        let answer = format!(
                            "HTTP/1.1 200 OK\r\nApi-Version: {daemon}\r\nContent-Length: {}\r\n\r\n{body}",
                            body.len()
                        );
                        if write.write_all(answer.as_bytes()).await.is_err() {
                            return;
                        }
                    }
                }
            });
        }
    });
    (format!("tcp://{address}"), seen)
}

#[tokio::test]
async fn negotiated_version_is_on_the_wire() {
    let (host, seen) = recording_server("1.41").await;
    let client = Client::builder().host(host).build().expect("client");
    let params = ContainerListParams {
        all: Some(true),
        filters: Some(
            [("label".to_owned(), vec!["a=b".to_owned()])]
                .into_iter()
                .collect(),
        ),
        ..Default::default()
    };
    let listed = client.container_list(&params).await.expect("list");
    assert!(listed.is_empty());
    assert_eq!(client.api_version().await.expect("version"), "1.41");
    let seen = seen.lock().expect("lock").clone();
    assert_eq!(
        seen,
        vec![
            "GET /_ping HTTP/1.1".to_owned(),
            "GET /v1.41/containers/json?all=true&filters=%7B%22label%22%3A%5B%22a%3Db%22%5D%7D HTTP/1.1".to_owned(),
        ]
    );
}

#[tokio::test]
async fn a_newer_daemon_gets_the_spec_version() {
    let (host, seen) = recording_server("1.99").await;
    let client = Client::builder().host(host).build().expect("client");
    client.system_ping().await.expect("ping");
    let version = berth_client::api::API_VERSION;
    assert_eq!(
        seen.lock().expect("lock").last().cloned(),
        Some(format!("GET /v{version}/_ping HTTP/1.1"))
    );
}

#[tokio::test]
async fn a_pinned_version_skips_negotiation() {
    let (host, seen) = recording_server("1.41").await;
    let client = Client::builder()
        .host(host)
        .api_version("1.43")
        .build()
        .expect("client");
    client.system_ping().await.expect("ping");
    assert_eq!(
        seen.lock().expect("lock").clone(),
        vec!["GET /v1.43/_ping HTTP/1.1".to_owned()]
    );
}
