"""The API calls of a live scan: record what metascan sends, and send it again from a plain boto3 loop.

    python -m bench.live_loop record ENDPOINT CALLS.json REGION...   # metascan's scan, calls recorded
    python -m bench.live_loop replay ENDPOINT CALLS.json [--threads] # the same calls, nothing else

`record` runs `metascan.scan_aws` with a botocore hook (`provide-client-params`) that notes each call's
service, operation, region and parameters, pagination tokens included, in the order they are sent.
`replay` sends those calls with boto3 clients (one per service and region, made on first use) and drops the
answers: the least a scanner that reads these APIs has to do.  With --threads, one thread per region.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import threading
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import boto3  # type: ignore[import-untyped]
from botocore import xform_name  # type: ignore[import-untyped]
from botocore.exceptions import BotoCoreError, ClientError  # type: ignore[import-untyped]
from botocore.parsers import ResponseParserError  # type: ignore[import-untyped]

# What a call can fail with; moto answers operations it lacks with HTML 500s.
API_ERRORS: tuple[type[Exception], ...] = (BotoCoreError, ClientError, ResponseParserError)

Call = dict[str, Any]  # {"service", "operation", "region", "params"}


def record(endpoint: str, regions: list[str]) -> list[Call]:
    from metascan.api import scan_aws

    calls: list[Call] = []
    lock = threading.Lock()

    def note(params: dict[str, Any], model: Any, context: dict[str, Any], **_: Any) -> None:
        call = {
            "service": model.service_model.service_name,
            "operation": model.name,
            "region": context.get("client_region"),
            "params": json.loads(json.dumps(params, default=str)),
        }
        with lock:
            calls.append(call)

    def hook(session: Any) -> None:
        session.events.register("provide-client-params", note)

    scan_aws(regions=regions, endpoint_url=endpoint, on_session=hook, fingerprint_key=b"bench")
    return calls


def replay(endpoint: str, calls: list[Call], threads: bool) -> None:
    session = boto3.Session(aws_access_key_id="testing", aws_secret_access_key="testing")
    made: dict[tuple[str, str], Any] = {}
    lock = threading.Lock()

    def client(service: str, region: str) -> Any:
        with lock:  # boto3 sessions are not thread-safe; clients are
            if (service, region) not in made:
                made[service, region] = session.client(service, region_name=region, endpoint_url=endpoint)
            return made[service, region]

    def send(batch: list[Call]) -> None:
        for call in batch:
            method = getattr(client(call["service"], call["region"]), xform_name(call["operation"]))
            with contextlib.suppress(*API_ERRORS):  # an error is an answer too (metascan reports it, goes on)
                method(**call["params"])

    if not threads:
        send(calls)
        return
    by_region: dict[str, list[Call]] = defaultdict(list)
    for call in calls:
        by_region[call["region"]].append(call)
    with ThreadPoolExecutor(len(by_region)) as pool:
        list(pool.map(send, by_region.values()))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="command", required=True)
    rec = sub.add_parser("record")
    rec.add_argument("endpoint")
    rec.add_argument("calls")
    rec.add_argument("regions", nargs="+")
    rep = sub.add_parser("replay")
    rep.add_argument("endpoint")
    rep.add_argument("calls")
    rep.add_argument("--threads", action="store_true")
    args = parser.parse_args()
    if args.command == "record":
        with open(args.calls, "w", encoding="utf-8") as f:
            json.dump(record(args.endpoint, args.regions), f)
    else:
        with open(args.calls, encoding="utf-8") as f:
            replay(args.endpoint, json.load(f), args.threads)


if __name__ == "__main__":
    main()
