"""Run a Python script in a fresh process and read the JSON it prints last."""

import json
import subprocess
import sys


def run_json(script, *args, timeout=600, **kwargs):
    """``python -c script *args``; fails the test with the stderr tail unless it
    exits 0, and returns the JSON of its last stdout line."""
    proc = subprocess.run([sys.executable, "-c", script, *args], capture_output=True, text=True,
                          timeout=timeout, **kwargs)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])
