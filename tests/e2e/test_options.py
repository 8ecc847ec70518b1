"""Options out of their range are refused at start, naming the option, before anything is opened."""
import subprocess

import pytest

from conftest import BINARY


@pytest.mark.parametrize("value", ["0", "-1", "nan", "inf", "1e12", "10000001"])
def test_timeouts_out_of_range_are_refused(tmp_path, value):
    for option in ("--db-timeout", "--db-connect-timeout", "--db-migration-timeout"):
        started = subprocess.run([BINARY, "serve", "--data-dir", str(tmp_path), "--port", "0", f"{option}={value}"],
                                 capture_output=True, text=True, timeout=60)
        assert started.returncode != 0, (option, value, started.stdout)
        assert "--db-timeout, --db-connect-timeout and --db-migration-timeout must be" in started.stderr, started.stderr
    assert not (tmp_path / "statusgraph.sqlite").exists()
