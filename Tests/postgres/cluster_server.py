"""A throwaway PostgreSQL cluster for one test process (Tests/postgres/cluster.sh).

Prints the cluster's URL, then reads commands from standard input: `down`
stops the server, keeping its data; `up` starts it again on the same port
(each prints the command when done). End of input (the test process ended,
however it ended) stops the server and removes its files.
"""
import os
import subprocess
import sys
import tempfile

here = os.path.dirname(os.path.abspath(__file__))
cluster = os.path.join(here, "cluster.sh")
directory = tempfile.mkdtemp(prefix="connector-host-pg-")
try:
    url = subprocess.run([cluster, "start", directory], check=True, capture_output=True, text=True).stdout.strip()
    print(url, flush=True)
    for line in sys.stdin:
        command = line.strip()
        if command in ("down", "up"):
            subprocess.run([cluster, command, directory], check=True, capture_output=True)
            print(command, flush=True)
finally:
    subprocess.run([cluster, "stop", directory], capture_output=True)
