"""(5) Attachment proxy: a large fax downloaded through the dashboard and straight from the
emulator, each once, the same bytes checked; time to first byte, throughput, and how much
the peak resident memory (VmHWM) of the web worker processes grew. Every worker is warmed up
first with small Range requests, so imports and pools are in place before the peak is read."""

from __future__ import annotations

import hashlib
import time

import requests

from bench.context import Context
from bench.mailboxes import AGENT_EXTENSION
from bench.measure import memory_kib
from bench.report import Aim, Result

THROUGHPUT_AIM = 0.8  # x direct
MEMORY_AIM_MB = 30.0
CHUNK = 1024 * 1024


def download(session: requests.Session, url: str) -> dict[str, float | str]:
    digest = hashlib.sha256()
    size = 0
    started = time.perf_counter()
    first: float | None = None
    with session.get(url, stream=True, timeout=300) as answer:
        answer.raise_for_status()
        for chunk in answer.iter_content(CHUNK):
            if first is None:
                first = time.perf_counter() - started
            digest.update(chunk)
            size += len(chunk)
    seconds = time.perf_counter() - started
    return {
        "bytes": size,
        "seconds": round(seconds, 3),
        "ttfb_ms": round((first or seconds) * 1000, 1),
        "mb_per_s": round(size / 2**20 / seconds, 1),
        "sha256": digest.hexdigest(),
    }


def run(ctx: Context) -> Result:
    result = Result("proxy")
    assert ctx.prepared.fax is not None
    message_id, attachment_id = ctx.prepared.fax
    browser = ctx.browsers[AGENT_EXTENSION]
    proxy_url = (
        f"{ctx.stack.web_url}/inbox/{AGENT_EXTENSION}/messages/{message_id}"
        f"/attachments/{attachment_id}/"
    )
    direct_url = (
        f"{ctx.stack.emulator_url}/restapi/v1.0/account/~/extension/~/message-store/"
        f"{message_id}/content/{attachment_id}"
    )
    username, password = ctx.passwords[AGENT_EXTENSION]
    direct = requests.Session()
    direct.headers["Authorization"] = f"Bearer {ctx.emulator.token(username, password)}"

    pids = ctx.stack.web_worker_pids()
    for _ in range(3 * len(pids)):  # new connections, so each worker gets some
        warm = requests.get(
            proxy_url, cookies=browser.http.cookies, headers={"Range": "bytes=0-1048575"},
            timeout=60,
        )  # fmt: skip
        warm.raise_for_status()
    before = {pid: memory_kib(pid, "VmHWM") for pid in pids}

    straight = download(direct, direct_url)
    proxied = download(browser.http, proxy_url)
    after = {pid: memory_kib(pid, "VmHWM") for pid in pids}
    growth_mb = max((after[pid] - before[pid]) / 1024 for pid in pids)
    same = straight["sha256"] == proxied["sha256"] and straight["bytes"] == proxied["bytes"]
    ratio = float(proxied["mb_per_s"]) / float(straight["mb_per_s"])
    size_mb = int(straight["bytes"]) / 2**20
    result.figures = {
        "size_mb": round(size_mb, 1),
        "direct": straight,
        "proxy": proxied,
        "same_bytes": same,
        "throughput_ratio": round(ratio, 3),
        "web_workers_peak_kib_before": before,
        "web_workers_peak_kib_after": after,
        "peak_memory_growth_mb": round(growth_mb, 1),
    }
    result.row(
        f"{size_mb:.0f} MB direct: throughput, first byte",
        f"{straight['mb_per_s']} MB/s, {straight['ttfb_ms']} ms",
    )
    result.row(
        f"{size_mb:.0f} MB proxy: throughput, first byte",
        f"{proxied['mb_per_s']} MB/s, {proxied['ttfb_ms']} ms",
    )
    result.row(
        "proxy throughput / direct",
        f"{ratio:.2f}",
        Aim("proxy throughput / direct", ratio, THROUGHPUT_AIM, at_least=True),
    )
    result.row(
        "web worker peak memory growth",
        f"{growth_mb:.1f} MB",
        Aim("peak memory growth of the web process, MB", growth_mb, MEMORY_AIM_MB),
    )
    if not same:
        result.error = "the proxy's bytes differ from the emulator's"
    return result
