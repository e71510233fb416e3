"""Reading Deals of 1, 3 and 6 companies in one Spark job, next to the sum of their burst-limit ceilings.

    python bench/spark.py                               # --scale 20000 --latency-ms 100 --plan growth
    python bench/spark.py --companies 1 3 6 --time-slices 2 --cores 4

Each company is a sandbox in its own process (its own token and burst limit). The job is
``spark.read.format("pipedrive").option("connections", ...).load("Deals")`` written to Spark's ``noop`` sink, so
every row is read and decoded. The ceiling of one company is ``x-ratelimit-limit`` requests per 2 s x 500
rows; the last column is rows/s over the sum of the companies' ceilings. 429s are counted at the sandboxes
(the partitions of one company share its limit through RateLimitShare). Numbers are printed, never asserted.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from contextlib import ExitStack

import httpx

from scan import BENCH_TOKEN, PAGE, WINDOW_SECONDS, sandbox_process, sandbox_stats


def limit_of(url: str) -> int:
    answer = httpx.get(
        f"{url}/api/v2/deals", params={"limit": 1}, headers={"x-api-token": BENCH_TOKEN}, timeout=30
    )
    return int(answer.headers.get("x-ratelimit-limit", 0))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--scale", type=int, default=20_000)
    parser.add_argument("--latency-ms", type=int, default=100)
    parser.add_argument("--plan", default="growth")
    parser.add_argument("--companies", type=int, nargs="+", default=[1, 3, 6])
    parser.add_argument("--time-slices", type=int, default=1)
    parser.add_argument("--cores", type=int, default=os.cpu_count() or 2, help="Spark's local[N]")
    args = parser.parse_args(argv)

    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    from pyspark.sql import SparkSession

    from pipedrive_sql.spark import register

    with ExitStack() as stack:
        started = time.perf_counter()
        urls = [
            stack.enter_context(sandbox_process(args.scale, args.latency_ms, args.plan))
            for _ in range(max(args.companies))
        ]
        print(
            f"{len(urls)} sandboxes started in {time.perf_counter() - started:.1f} s: scale {args.scale}, "
            f"latency {args.latency_ms} ms, plan {args.plan}; Spark local[{args.cores}], "
            f"{args.time_slices} time slice(s) per company"
        )
        spark = (
            SparkSession.builder.master(f"local[{args.cores}]")
            .config("spark.ui.enabled", "false")
            .config("spark.ui.showConsoleProgress", "false")
            .config("spark.sql.session.timeZone", "UTC")
            .getOrCreate()
        )
        spark.sparkContext.setLogLevel("ERROR")
        register(spark)
        limits = [limit_of(url) for url in urls]
        print(
            f"{'companies':>9} {'rows':>9} {'requests':>9} {'429s':>5} {'wall s':>8} {'rows/s':>9} {'ceiling':>9} {'ratio':>6}"
        )
        for count in args.companies:
            chosen = urls[:count]
            for url in chosen:
                httpx.post(f"{url}/__sandbox/reset", timeout=30)
            connections = json.dumps(
                [
                    {"name": f"company{i}", "BaseURL": url, "APIToken": BENCH_TOKEN, "Timeout": "300"}
                    for i, url in enumerate(chosen)
                ]
            )
            frame = (
                spark.read.format("pipedrive")
                .option("connections", connections)
                .option("timeSlices", str(args.time_slices))
                .load("Deals")
            )
            rows_before = time.perf_counter()
            frame.write.format("noop").mode("overwrite").save()
            seconds = time.perf_counter() - rows_before
            stats = [sandbox_stats(url) for url in chosen]
            rows = frame.count()
            ceiling = sum(limit / WINDOW_SECONDS * PAGE for limit in limits[:count])
            rate = rows / seconds if seconds else 0.0
            print(
                f"{count:>9} {rows:>9} {sum(s['total'] for s in stats):>9} {sum(s['rate_limited'] for s in stats):>5} "
                f"{seconds:>8.2f} {rate:>9.0f} {ceiling:>9.0f} {rate / ceiling:>6.2f}",
                flush=True,
            )
        spark.stop()


if __name__ == "__main__":
    main()
