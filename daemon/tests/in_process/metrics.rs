//! Who may read `/metrics`.

use super::*;

fn metrics_req(token: Option<&str>) -> Request<Body> {
    let mut b = Request::get("/metrics");
    if let Some(t) = token {
        b = b.header(header::AUTHORIZATION, format!("Bearer {t}"));
    }
    b.body(Body::empty()).unwrap()
}

#[tokio::test]
async fn metrics_answer_loopback_only_unless_a_token_is_configured_then_only_the_token() {
    let remote = SocketAddr::from(([203, 0, 113, 7], 5555));
    let status = |fx: &Fx, peer: Option<SocketAddr>, token: Option<&str>| {
        let app = match peer {
            Some(p) => fx.app.for_peer(p),
            None => fx.app.clone(),
        };
        let req = metrics_req(token);
        async move { app.oneshot(req).await.unwrap().status() }
    };
    // No token file: loopback yes, another machine no (and a loopback peer passing on a
    // forwarded request neither: `metrics_are_not_for_proxied_or_rebound_requests_...`).
    let fx = fixture().await;
    assert_eq!(status(&fx, None, None).await, StatusCode::OK);
    assert_eq!(status(&fx, Some(remote), None).await, StatusCode::FORBIDDEN);
    // A token file: the token, from anywhere, and nothing else (loopback included).
    let token = "m".repeat(40);
    let fx = fixture_with(Settings {
        metrics_token: Some(wt_core::secret::SecretString::new(token.clone())),
        ..Settings::default()
    })
    .await;
    assert_eq!(status(&fx, None, None).await, StatusCode::UNAUTHORIZED);
    assert_eq!(
        status(&fx, None, Some(&"x".repeat(40))).await,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        status(&fx, Some(remote), Some(&token)).await,
        StatusCode::OK
    );
    let r = fx
        .send(
            Request::get("/metrics")
                .header(header::AUTHORIZATION, format!("Bearer {token}"))
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(String::from_utf8_lossy(&r.raw).contains("wt_http_requests_total"));
}

#[test]
fn the_metrics_token_file_must_be_private_and_long() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("metrics.token");
    std::fs::write(&f, format!("{}\n", "a".repeat(40))).unwrap();
    std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o644)).unwrap();
    let err = wtd::server::load_metrics_token(&f).unwrap_err().to_string();
    assert!(err.contains(&format!("chmod 600 {}", f.display())), "{err}");
    std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o600)).unwrap();
    let t = wtd::server::load_metrics_token(&f).unwrap();
    assert_eq!(t.expose(), "a".repeat(40), "trimmed");
    std::fs::write(&f, "short\n").unwrap();
    assert!(wtd::server::load_metrics_token(&f).is_err());
}
