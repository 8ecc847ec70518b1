"""Options out of their range are refused at start, naming the option, before anything is opened."""
import subprocess

import pytest

from conftest import BINARY


@pytest.mark.parametrize("value", ["0", "-1", "nan", "inf", "1e12", "10000001"])
def test_timeouts_out_of_range_are_refused(tmp_path, value):
    for option in ("--db-timeout", "--db-connect-timeout", "--db-migration-timeout", "--db-delete-timeout"):
        started = subprocess.run([BINARY, "serve", "--data-dir", str(tmp_path), "--port", "0", f"{option}={value}"],
                                 capture_output=True, text=True, timeout=60)
        assert started.returncode != 0, (option, value, started.stdout)
        assert "--db-timeout, --db-connect-timeout, --db-migration-timeout and --db-delete-timeout must be" in started.stderr, started.stderr
    assert not (tmp_path / "statusgraph.sqlite").exists()


@pytest.mark.parametrize("option, value, message", [
    ("--idle-timeout", "inf", "--idle-timeout must be more than 0 and at most 10000000 seconds"),
    ("--idle-timeout", "0", "--idle-timeout must be more than 0 and at most 10000000 seconds"),
    ("--page-size", "0", "--page-size must be between 1 and 100000"),
    ("--page-size", "9223372036854775807", "--page-size must be between 1 and 100000"),
    ("--max-body-bytes", "1023", "--max-body-bytes must be between 1024 and 1073741824"),
    ("--max-body-bytes", "9223372036854775807", "--max-body-bytes must be between 1024 and 1073741824"),
    ("--port", "65536", "--port must be between 0 and 65535"),
    ("--db-pool-size", "0", "--db-pool-size must be between 1 and 10000"),
    ("--db-pool-size", "1000000000", "--db-pool-size must be between 1 and 10000"),
])
def test_serving_limits_out_of_range_are_refused(tmp_path, option, value, message):
    started = subprocess.run([BINARY, "serve", "--data-dir", str(tmp_path), f"{option}={value}"],
                             capture_output=True, text=True, timeout=60)
    assert started.returncode != 0 and message in started.stderr, started.stderr
    assert not (tmp_path / "statusgraph.sqlite").exists()
