"""An ASGI app (a scripted OpenAI-compatible judge) served by uvicorn in a thread, on a free loopback port."""

import contextlib
import threading
import time

import uvicorn


@contextlib.contextmanager
def serve_in_thread(app):
    """Yields the port; the server stops when the block ends."""
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="error"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    try:
        yield server.servers[0].sockets[0].getsockname()[1]
    finally:
        server.should_exit = True
        thread.join(timeout=10)
