"""Start the Python reference SCIM server scim2-server (PyPI) for scripts/bench.sh.

It runs the package's own `scim2-server` command (the console script
scim2_server.testserver.cli:main) with the same arguments, e.g.
`--hostname 127.0.0.1 --port 8080`. That command serves the SCIM endpoints
under /v2 (and /), keeps the resources in memory (InMemoryStorage, lost at
exit) and accepts every request unless given --bearer-token. Its HTTP server
is the standard library's threaded wsgiref server: HTTP/1.0, one connection
and one thread per request.

Two changes, so that the benchmark measures the server rather than its setup:
  - listen backlog 1024 (as scimd) instead of socketserver's 5: with 32
    clients opening a connection per request, a backlog of 5 overflows, the
    kernel drops SYNs, they are retried after 1 s and p99 becomes ~1 s;
  - no access-log line per request, as scimd runs with SCIMD_LOG=warn.
"""

import sys
from wsgiref.simple_server import WSGIRequestHandler

from scim2_server.testserver import cli

cli.ThreadingWSGIServer.request_queue_size = 1024
WSGIRequestHandler.log_message = lambda self, *args: None
sys.argv[0] = "scim2-server"
cli.main()
