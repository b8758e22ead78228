"""Issue 6's targets (and issue 7's bounded waiting), checked against the measured rows."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from benchmarks.measure import Row, Scenario, format_bytes, format_time


@dataclass
class Verdict:
    target: str
    met: bool
    figures: str

    def line(self) -> str:
        return f"| {self.target} | {'met' if self.met else '**missed**'} | {self.figures} |"


def _rows(scenarios: dict[str, Scenario], name: str, *roles: str) -> list[Row] | None:
    scenario = scenarios.get(name)
    if scenario is None:
        return None
    rows = [scenario.row(role) for role in roles]
    return None if any(row is None for row in rows) else rows  # type: ignore[return-value]


def _x(row: Row, reference: Row) -> float:
    return row.per_op / reference.per_op if reference.per_op else float("inf")


def verdicts(scenarios: dict[str, Scenario]) -> Iterator[Verdict]:
    rows = _rows(scenarios, "badges", "floor", "batch")
    if rows:
        one_by_one, batch = rows
        yield Verdict(
            "Badges of 100 production files in one directory: at most one request per directory and lower layer",
            batch.requests <= 1,
            f"{batch.requests} request(s) against {one_by_one.requests} name by name; "
            f"{format_time(batch.per_op)} = {_x(batch, one_by_one):.2f}× the per-name path",
        )
    rows = _rows(scenarios, "page", "floor", "floor-cold", "cold", "warm", "naive")
    if rows:
        floor, fresh_floor, cold, warm, naive = rows
        yield Verdict(
            "Page of production photos, warm cache: 0 requests, within 1.2× of plain S3Storage",
            warm.requests == 0 and _x(warm, floor) <= 1.2,
            f"{warm.requests} requests (naive: {naive.requests}); {format_time(warm.per_op)} = "
            f"{_x(warm, floor):.2f}× S3Storage's {format_time(floor.per_op)} (naive {_x(naive, floor):.1f}×)",
        )
        yield Verdict(
            "Page of production photos, cold cache (a fresh HybridStorage): 0 requests, within 1.2× of a fresh "
            "S3Storage",
            cold.requests == 0 and _x(cold, fresh_floor) <= 1.2,
            f"{cold.requests} requests; {format_time(cold.per_op)} = {_x(cold, fresh_floor):.2f}× a fresh S3Storage's "
            f"{format_time(fresh_floor.per_op)}, {_x(cold, floor):.2f}× a long-lived S3Storage's",
        )
    for name, operation in (("exists-production", "exists"), ("size", "size")):
        rows = _rows(scenarios, name, "warm", "local")
        local_exists = _rows(scenarios, "exists-production", "local")
        if rows and local_exists:
            warm, local = rows
            yield Verdict(
                f"Warm-cache {operation}() of production files: 0 requests, within 2× of the local layer's exists()",
                warm.requests == 0 and _x(warm, local_exists[0]) <= 2,
                f"{warm.requests} requests; {format_time(warm.per_op)} against FileSystemStorage.exists()'s "
                f"{format_time(local_exists[0].per_op)} = {_x(warm, local_exists[0]):.2f}×"
                + (f" (FileSystemStorage.size(): {format_time(local.per_op)})" if operation == "size" else ""),
            )
    rows = _rows(scenarios, "exists-production", "cold", "naive")
    if rows:
        cold, naive = rows
        size = _rows(scenarios, "size", "cold", "naive")
        yield Verdict(
            "Cold exists() of a production file: exactly 1 request (the naive baseline sends more)",
            cold.requests == cold.ops,
            f"{cold.requests / cold.ops:.2f} requests per name; naive {naive.requests / naive.ops:.2f} for exists()"
            + (
                f", {size[1].requests / size[1].ops:.2f} for size() (hybrid {size[0].requests / size[0].ops:.2f})"
                if size
                else ""
            )
            + " — with two layers the naive exists() also sends one HEAD; it sends more on size(), url() "
            "and every repeat",
        )
    rows = _rows(scenarios, "listdir", "floor", "cold", "warm")
    if rows:
        floor, cold, warm = rows
        yield Verdict(
            "listdir() of 10,000 objects within 1.2× of the layers' own listings added together",
            max(_x(cold, floor), _x(warm, floor)) <= 1.2,
            f"{format_time(cold.per_op)} cold, {format_time(warm.per_op)} warm against {format_time(floor.per_op)} "
            f"= {_x(cold, floor):.2f}× / {_x(warm, floor):.2f}×; "
            f"{cold.requests} requests as the layers' {floor.requests}",
        )
    rows = _rows(scenarios, "memory", "hybrid", "purge", "reference", "floor")
    if rows:
        hybrid, purge, reference, floor = rows
        one = reference.peak_bytes or 1
        yield Verdict(
            "Memory: listdir() or purge of many local files holds no more than one copy of the name list",
            (hybrid.peak_bytes or 0) <= 1.2 * one and (purge.peak_bytes or 0) <= 1.2 * one,
            f"one list of names {format_bytes(one)}; peak of HybridStorage.listdir() {format_bytes(hybrid.peak_bytes)} "
            f"({(hybrid.peak_bytes or 0) / one:.2f}×; FileSystemStorage.listdir() alone "
            f"{(floor.peak_bytes or 0) / one:.2f}×), "
            f"of purge_local_media {format_bytes(purge.peak_bytes)} ({(purge.peak_bytes or 0) / one:.2f}×)",
        )
    rows = _rows(scenarios, "paging", "page", "small-page", "deep-page", "full")
    if rows:
        page, small, deep, full = rows
        bounded_requests = page.requests == small.requests == deep.requests == 1
        bounded_memory = (page.peak_bytes or 0) <= 1.5 * (small.peak_bytes or 0)
        yield Verdict(
            "listdir_page(): first page of a 20,000-object production directory in bounded requests and memory",
            bounded_requests and bounded_memory,
            f"{page.requests} request and {format_bytes(page.peak_bytes)} peak ({format_time(page.per_op)}) "
            f"for the big directory, {small.requests} and {format_bytes(small.peak_bytes)} for the small one, "
            f"{deep.requests} for a page from the middle; the full listdir() sends {full.requests} requests, peaks at "
            f"{format_bytes(full.peak_bytes)} and takes {format_time(full.per_op)}",
        )
    rows = _rows(scenarios, "paging", "admin", "page", "admin-whole")
    if rows:
        admin, page, whole = rows
        yield Verdict(
            "The admin media browser's first page of that directory: bounded requests and memory",
            admin.requests <= 1 and (admin.peak_bytes or 0) <= 1.5 * (page.peak_bytes or 0),
            f"{admin.requests} request, {format_bytes(admin.peak_bytes)} peak, {format_time(admin.per_op)}; "
            f"with a filter, the search or a count it lists everything: {whole.requests} requests, "
            f"{format_bytes(whole.peak_bytes)}, {format_time(whole.per_op)}",
        )
    rows = _rows(scenarios, "outage-page", "hybrid", "naive")
    sizes = _rows(scenarios, "outage-size", "hybrid", "naive")
    if rows and sizes:
        page, naive_page = rows
        size, naive_size = sizes
        yield Verdict(
            "Production hanging: a page of production images in about one timeout, not one per image (issue 7)",
            page.requests <= 1 and size.requests <= 1,
            f"page: {format_time(page.seconds)} and {page.requests} requests "
            f"(naive {format_time(naive_page.seconds)}, {naive_page.requests} requests); "
            f"{size.ops} size() calls: {format_time(size.seconds)} and {size.requests} request "
            f"(naive {format_time(naive_size.seconds)}, {naive_size.requests})",
        )


def _reference(scenario: Scenario, direct: Row) -> str:
    """The throughput nginx reached as a reverse proxy in the same run, for scale."""
    nginx = scenario.row("nginx")
    if nginx is None or not nginx.per_op:
        return ""
    return f" (nginx as a reverse proxy: {direct.per_op / nginx.per_op:.2f}×)"


def media_view_verdicts(scenarios: dict[str, Scenario]) -> Iterator[Verdict]:
    rows = _rows(scenarios, "view-stream", "floor", "proxy", "proxy-small")
    if rows:
        direct, proxy, small = rows
        throughput = direct.per_op / proxy.per_op if proxy.per_op else float("inf")
        big, little = proxy.peak_bytes or 0, small.peak_bytes or 0
        yield Verdict(
            "The media view's proxied stream of a 50 MiB file: at least 0.8× the throughput of a direct GET from S3, "
            "peak memory independent of the file size",
            throughput >= 0.8 and big <= 2 * max(little, 1 << 20),
            f"{format_time(proxy.per_op)} against {format_time(direct.per_op)} direct = {throughput:.2f}× the "
            f"throughput{_reference(scenarios['view-stream'], direct)}; peak {format_bytes(big)} for the big file, "
            f"{format_bytes(little)} for one a fifth its size",
        )
    rows = _rows(scenarios, "view-stream-http", "floor", "proxy")
    if rows:
        direct, proxy = rows
        throughput = direct.per_op / proxy.per_op if proxy.per_op else float("inf")
        yield Verdict(
            "The same stream from an HTTP layer: at least 0.8× the throughput of a direct GET of its URL",
            throughput >= 0.8,
            f"{format_time(proxy.per_op)} against {format_time(direct.per_op)} direct = {throughput:.2f}× the "
            f"throughput",
        )
    rows = _rows(scenarios, "view-range", "range")
    if rows:
        (ranged,) = rows
        received = getattr(ranged, "received_bytes", 0)
        yield Verdict(
            "A 1 MiB range at the end of a 50 MiB file through the media view transfers about 1 MiB from S3",
            received <= 1.1 * (1 << 20),
            f"{format_bytes(received)} received from S3 in {ranged.requests} request(s), {format_time(ranged.seconds)}",
        )


def report(scenarios: dict[str, Scenario]) -> str:
    lines = ["| target | verdict | measured |", "|---|---|---|"]
    lines += [verdict.line() for verdict in verdicts(scenarios)]
    lines += [verdict.line() for verdict in media_view_verdicts(scenarios)]
    return "\n".join(lines) + "\n"
