//! The generated pet store client against a small HTTP server started here:
//! what goes on the wire (path, query, headers, bodies) and what comes back
//! (typed results per status, headers, errors).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::{Arc, Mutex};

use berth_example_petstore::api::{
    DefaultApi, PetsApi, PetsCreateOutcome, PetsListParams, SERVERS,
};
use berth_example_petstore::runtime::{Client, Error};
use berth_example_petstore::types::{Kind, LoginBody, NewPet};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// One request as the server saw it.
#[derive(Debug, Clone)]
struct Seen {
    method: String,
    target: String,
    headers: Vec<(String, String)>,
    body: String,
}

impl Seen {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Answers like a tiny pet store, recording every request.
async fn serve(listener: tokio::net::TcpListener, seen: Arc<Mutex<Vec<Seen>>>) {
    loop {
        let Ok((mut socket, _)) = listener.accept().await else {
            return;
        };
        let mut data = Vec::new();
        let mut buf = [0u8; 4096];
        let (head, body) = loop {
            let n = socket.read(&mut buf).await.unwrap();
            data.extend_from_slice(&buf[..n]);
            if let Some(end) = data.windows(4).position(|w| w == b"\r\n\r\n") {
                let head = String::from_utf8_lossy(&data[..end]).into_owned();
                let length = head
                    .lines()
                    .find_map(|l| {
                        let (n, v) = l.split_once(':')?;
                        n.eq_ignore_ascii_case("content-length")
                            .then(|| v.trim().parse::<usize>().ok())?
                    })
                    .unwrap_or(0);
                while data.len() < end + 4 + length {
                    let n = socket.read(&mut buf).await.unwrap();
                    data.extend_from_slice(&buf[..n]);
                }
                break (head, String::from_utf8_lossy(&data[end + 4..]).into_owned());
            }
            if n == 0 {
                return;
            }
        };
        let mut lines = head.lines();
        let mut first = lines.next().unwrap().split(' ');
        let (method, target) = (
            first.next().unwrap().to_owned(),
            first.next().unwrap().to_owned(),
        );
        let headers = lines
            .filter_map(|l| l.split_once(':'))
            .map(|(n, v)| (n.trim().to_owned(), v.trim().to_owned()))
            .collect();
        let request = Seen {
            method,
            target,
            headers,
            body,
        };
        seen.lock().unwrap().push(request.clone());
        let path = request.target.split('?').next().unwrap_or_default();
        let (status, extra, content_type, reply) = match (request.method.as_str(), path) {
            ("GET", "/api/pets") => (200, "", "application/json", r#"[{"id":1,"name":"Tom","kind":"cat"},{"id":2,"name":"Rex","kind":"dog","tag":"good"}]"#.to_owned()),
            ("POST", "/api/pets") => (201, "Location: /api/pets/3\r\n", "application/json", r#"{"id":3,"name":"Kit","kind":"cat"}"#.to_owned()),
            ("GET", "/api/pets/7") => (200, "", "application/json", r#"{"id":7,"name":"Nemo","kind":"fish"}"#.to_owned()),
            ("GET", _) => (404, "", "application/json", r#"{"message":"no such pet"}"#.to_owned()),
            ("POST", "/api/login") => (200, "", "text/plain", format!("hello {}", request.body)),
            _ => (500, "", "text/plain", "unexpected".to_owned()),
        };
        let response = format!(
            "HTTP/1.1 {status} X\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n{extra}Connection: close\r\n\r\n{reply}",
            reply.len()
        );
        socket.write_all(response.as_bytes()).await.unwrap();
        socket.shutdown().await.ok();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn generated_client_talks_to_a_local_server() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port().to_string();
    let seen = Arc::new(Mutex::new(Vec::new()));
    tokio::spawn(serve(listener, seen.clone()));
    // The server URL comes from the spec's `servers`, variables filled in.
    let base = SERVERS[0].url_with(&[("host", "127.0.0.1"), ("port", &port)]);
    assert_eq!(base, format!("http://127.0.0.1:{port}/api"));
    let client = Client::new(&base);

    // Query (scalar, non-exploded array) and header parameters.
    let params = PetsListParams {
        limit: Some(2),
        tags: Some(vec!["a".into(), "b c".into()]),
        x_request_id: Some("req-1".into()),
    };
    let pets = client.pets_list(&params).await.unwrap();
    assert_eq!(pets.len(), 2);
    assert_eq!(pets[1].tag.as_deref(), Some("good"));
    assert_eq!(pets[0].kind, Kind::Cat);
    let last = seen.lock().unwrap().last().cloned().unwrap();
    assert_eq!(last.target, "/api/pets?limit=2&tags=a%2Cb+c");
    assert_eq!(last.header("X-Request-Id"), Some("req-1"));

    // A JSON body, and one typed result per success status (with headers).
    let new = NewPet {
        name: "Kit".into(),
        kind: Kind::Cat,
        tag: None,
    };
    match client.pets_create(&new).await.unwrap() {
        PetsCreateOutcome::Created(created) => {
            assert_eq!(created.body.id, 3);
            assert_eq!(created.headers.location.as_deref(), Some("/api/pets/3"));
        }
        other => panic!("expected Created, got {other:?}"),
    }
    let last = seen.lock().unwrap().last().cloned().unwrap();
    assert_eq!(last.header("content-type"), Some("application/json"));
    assert_eq!(last.body, r#"{"name":"Kit","kind":"cat"}"#);

    // A path parameter; an enum keeps a value the spec does not know.
    let pet = client.pets_get(&7).await.unwrap();
    assert_eq!(pet.kind, Kind::Other("fish".into()));
    // An error status comes back as the runtime's error.
    match client.pets_get(&404).await {
        Err(Error::Status { status: 404, body }) => assert!(body.contains("no such pet")),
        other => panic!("expected a 404, got {other:?}"),
    }

    // A form body, encoded by the generated code.
    let login = LoginBody {
        user: "ann".into(),
        password: "p&ss word".into(),
    };
    let greeting = client.login(&login).await.unwrap();
    let last = seen.lock().unwrap().last().cloned().unwrap();
    assert_eq!(
        last.header("content-type"),
        Some("application/x-www-form-urlencoded")
    );
    assert_eq!(last.body, "user=ann&password=p%26ss+word");
    assert_eq!(greeting, "hello user=ann&password=p%26ss+word");
}
