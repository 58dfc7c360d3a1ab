"""Endpoint modules: importing this package imports each of them, which registers its routes
(and any background jobs) with `emulator.web.route` and `emulator.server.background_job`."""

from __future__ import annotations

import importlib
import pkgutil

for _module in pkgutil.iter_modules(__path__):
    importlib.import_module(f"{__name__}.{_module.name}")
