"""Serving the app over HTTP, with the background work a live platform does on its own."""

from __future__ import annotations

import logging
import threading
from dataclasses import replace

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from emulator.app import EmulatorApp
from emulator.config import Config
from emulator.faults import FaultPlan
from emulator.jobs import BACKGROUND_JOBS
from emulator.limits import RatePlan
from emulator.store import Store

log = logging.getLogger("emulator")


class QuietHandler(WSGIRequestHandler):
    """One short access-log line per request, never the query string (it may hold a token)."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        path = self.path.split("?", 1)[0]
        log.info("%s %s %s", self.command, path, code)


def build_server(
    host: str,
    port: int,
    store: Store,
    config: Config,
    *,
    rates: RatePlan | None = None,
    faults: FaultPlan | None = None,
    fault_seed: int | None = None,
) -> BaseWSGIServer:
    app = EmulatorApp(store, config, rates=rates, faults=faults, fault_seed=fault_seed)
    server = make_server(host, port, app, threaded=True, request_handler=QuietHandler)
    server.daemon_threads = True  # type: ignore[attr-defined]
    return server


def run_background(store: Store, config: Config, stop: threading.Event, interval: float) -> None:
    while not stop.wait(interval):
        for job in BACKGROUND_JOBS:
            try:
                job(store, config)
            except Exception:  # a failing job must not stop the platform's clock
                log.exception("background job %s failed", job.__name__)


def serve(
    host: str,
    port: int,
    store: Store,
    config: Config,
    *,
    tick: float = 0.2,
    rates: RatePlan | None = None,
    faults: FaultPlan | None = None,
    fault_seed: int | None = None,
) -> None:
    server = build_server(
        host, port, store, config, rates=rates, faults=faults, fault_seed=fault_seed
    )
    if config.public_url == Config.public_url:  # not set by a flag: take it from the socket
        shown = "127.0.0.1" if host in ("0.0.0.0", "") else host  # noqa: S104  # nosec B104
        config = replace(config, public_url=f"http://{shown}:{server.server_port}")
        server.app.config = config  # type: ignore[attr-defined]
    stop = threading.Event()
    ticker = threading.Thread(
        target=run_background, args=(store, config, stop, tick), name="emulator-clock", daemon=True
    )
    ticker.start()
    log.info("RingCentral emulator listening on http://%s:%d", host, server.server_port)
    print(f"RingCentral emulator listening on http://{host}:{server.server_port}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        stop.set()
        server.server_close()
