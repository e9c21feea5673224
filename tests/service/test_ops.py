"""Health, readiness, Prometheus metrics and the OpenAPI description."""

from __future__ import annotations

from servicekit import accept_all, referral_body


def test_health_and_readiness(api):
    assert api.get("/healthz").json() == {"status": "ok"}
    ready = api.get("/readyz").json()
    assert ready["ready"] is True and ready["checks"] == {"database": True, "pipeline": True}
    assert ready["model_version"] == "guidance-rules" and ready["catalogue_version"].startswith("1.4.0+")


def test_metrics_count_requests_suggestion_latency_and_overrides(api):
    referral = api.post("/api/v1/referrals", "screener", json=referral_body()).json()
    override = accept_all(referral, final_level=1 if referral["suggested_level"] > 1 else 2, rationale="Known family, support in place.")
    assert api.post(f"/api/v1/referrals/{referral['id']}/decisions", "screener", json=override).status_code == 201
    text = api.get("/metrics").text
    assert 'threshold_http_requests_total{method="POST",route="/api/v1/referrals",status="201"} 1.0' in text
    assert 'threshold_http_request_seconds_count{method="POST",route="/api/v1/referrals/{referral_id}/decisions"} 1.0' in text
    assert "threshold_suggestion_seconds_count 1.0" in text
    assert 'threshold_overrides_total{kind="level"} 1.0' in text
    assert "threshold_decisions_total 1.0" in text
    assert referral["id"] not in text  # route templates, never ids or text


def test_openapi_describes_every_endpoint_with_examples(api):
    spec = api.get("/openapi.json").json()
    operations = [(path, method, op) for path, item in spec["paths"].items() for method, op in item.items()]
    assert len(operations) >= 14
    schemas = spec["components"]["schemas"]
    for path, method, op in operations:
        where = f"{method.upper()} {path}"
        assert op.get("description") or op.get("summary"), where
        body = op.get("requestBody")
        if body:
            media = body["content"]["application/json"]
            ref = media["schema"].get("$ref", "")
            schema = schemas[ref.rsplit("/", 1)[-1]] if ref else media["schema"]
            assert "examples" in schema or "example" in media, f"{where}: request body has no example"
        for status, response in op["responses"].items():
            assert response.get("description"), f"{where} {status}"
    ops = {(p, m) for p, m, _ in operations}
    assert ("/api/v1/referrals", "post") in ops and ("/api/v1/referrals/{referral_id}/decisions", "post") in ops
    assert "/login" not in spec["paths"]  # the page's own routes are not API
