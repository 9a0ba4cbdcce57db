mock_provider "docker" {}

variables {
  name               = "t"
  network_name       = "t-net"
  registry_upstreams = ["t-registry-0:5000", "t-registry-1:5000"]
  auth_upstreams     = ["t-auth-0:5001", "t-auth-1:5001"]
  tls_cert_pem       = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"
  tls_key_pem        = "-----BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY-----\n"
}

run "renders_affinity_routes_and_retries" {
  command = plan

  assert {
    condition     = strcontains(output.config, "ip_hash;")
    error_message = "/v2/ needs source-IP affinity"
  }
  assert {
    condition     = strcontains(output.config, "server t-registry-0:5000 max_fails=1 fail_timeout=5s;") && strcontains(output.config, "server t-registry-1:5000")
    error_message = "every registry replica is an upstream"
  }
  assert {
    condition     = strcontains(output.config, "server t-auth-0:5001") && strcontains(output.config, "server t-auth-1:5001")
    error_message = "every auth replica is an upstream"
  }
  assert {
    condition     = strcontains(output.config, "proxy_next_upstream error timeout http_502 http_503 http_504;")
    error_message = "idempotent requests are retried on a dead upstream"
  }
  assert {
    condition     = strcontains(output.config, "listen 443 ssl;") && strcontains(output.config, "location /v2/")
    error_message = "TLS listener with /v2/"
  }
  assert {
    condition     = strcontains(output.config, "proxy_set_header X-Forwarded-For $remote_addr;") && !strcontains(output.config, "$proxy_add_x_forwarded_for")
    error_message = "X-Forwarded-For must be set from the peer, never appended to what the client sent"
  }
  assert {
    condition     = strcontains(output.config, "location = /registry/events")
    error_message = "the private listener carries events"
  }
  assert {
    condition     = docker_container.this.ports[0].ip == "127.0.0.1" && docker_container.this.ports[0].internal == 443 && length(docker_container.this.ports) == 1
    error_message = "only the TLS port, on loopback by default"
  }
  assert {
    condition     = output.internal_url == "http://t-lb:8080"
    error_message = "internal_url"
  }
}

run "rejects_bad_upstream" {
  command = plan
  variables {
    registry_upstreams = ["no-port"]
  }
  expect_failures = [var.registry_upstreams]
}

run "rejects_non_pem_certificate" {
  command = plan
  variables {
    tls_cert_pem = "not a certificate"
  }
  expect_failures = [var.tls_cert_pem]
}
