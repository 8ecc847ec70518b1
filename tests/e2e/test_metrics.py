"""`GET /metrics` (`--metrics`) read by Prometheus's own parser, as a scrape reads it."""
import tempfile

import requests
from prometheus_client.parser import text_string_to_metric_families

from conftest import BACKEND, Server


def test_metrics_parse_as_prometheus_reads_them():
    with tempfile.TemporaryDirectory() as data_dir:
        server = Server(data_dir, "--metrics").start()
        try:
            app = server.new_app()
            assert server.get(app).status_code == 200
            assert server.get(app + "/nope").status_code == 400
            # A scrape needs no token, and takes the answer compressed as Prometheus asks for it.
            scrape = requests.get(server.url + "/metrics", headers={"Accept-Encoding": "gzip"}, timeout=30)
            assert scrape.status_code == 200, scrape.text
            assert scrape.headers["Content-Encoding"] == "gzip"
            families = {f.name: f for f in text_string_to_metric_families(scrape.text)}
            assert families["statusgraph_requests"].type == "counter"
            requests_total = {(s.labels["method"], s.labels["status"]): s.value
                              for s in families["statusgraph_requests"].samples if s.name == "statusgraph_requests_total"}
            assert requests_total[("POST", "201")] == 1
            assert requests_total[("GET", "200")] == 1
            assert requests_total[("GET", "400")] == 1
            histogram = families["statusgraph_request_duration_seconds"]
            assert histogram.type == "histogram"
            counts = {s.labels["method"]: s.value for s in histogram.samples if s.name.endswith("_count")}
            assert counts == {"GET": 2, "POST": 1}
            for name in ["statusgraph_requests_in_flight", "process_resident_memory_bytes", "process_cpu_seconds",
                         "process_open_fds", "process_start_time_seconds"]:
                assert name in families, name
            if BACKEND == "postgres":
                # The pool's figures: what it lent (each request above borrowed at least once), what is
                # lent now (nothing: the scrape borrows none), and how long borrowers waited.
                assert families["statusgraph_postgres_pool_lends"].type == "counter"
                assert families["statusgraph_postgres_pool_lends"].samples[0].value >= 3
                assert families["statusgraph_postgres_pool_connections_in_use"].samples[0].value == 0
                assert families["statusgraph_postgres_pool_wait_seconds"].samples[0].value >= 0
            else:
                assert families["statusgraph_sqlite_commits"].samples[0].value >= 1
                assert families["statusgraph_sqlite_log_pages"].type == "gauge"
                assert families["statusgraph_sqlite_log_truncations"].type == "counter"
                assert families["statusgraph_sqlite_log_truncations_postponed"].type == "counter"
        finally:
            server.stop()
