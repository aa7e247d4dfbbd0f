"""Write the benchmark corpus: N Auto Scaling groups and everything around them, as API pages.

    python -m bench.generate --groups 10000 --out /tmp/metascan-bench/n10000

Layout (scan `OUT/aws`; `OUT/manifest.json` describes the corpus)::

    aws/<region>/autoscaling-describe-auto-scaling-groups/page-00001.json      100 groups a page, NextToken
    aws/<region>/autoscaling-describe-lifecycle-hooks/groups-00001.json        one response per group of that
                                                                               groups page, concatenated
    aws/<region>/autoscaling-describe-launch-configurations/page-00001.json    100 a page
    aws/<region>/autoscaling-describe-notification-configurations/page-...     100 a page
    aws/<region>/autoscaling-describe-scheduled-actions/page-...               100 a page
    aws/<region>/ec2-describe-launch-templates/page-...                        200 a page
    aws/<region>/ec2-describe-launch-template-versions/page-...                200 a page (every version)
    aws/<region>/sns-list-subscriptions/page-...                               100 a page

Groups are spread over three regions; about one launch template for every seven groups (fleets share them),
one to fifteen versions per template whose user data often repeats the previous version's, one group in eight
on a launch configuration.  The same seed and N always give byte-identical files.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import shutil
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from . import resources as r
from . import values as v

REGIONS = (("us-east-1", 0.5), ("eu-west-1", 0.3), ("ap-southeast-2", 0.2))
GROUPS_PER_TEMPLATE = 7
LAUNCH_CONFIGURATION_SHARE = 0.12
FORMAT = "metascan-bench-corpus/1"


class Pager:
    """Writes items as API pages of `size`, each with a NextToken except the last, one file per page."""

    def __init__(self, folder: Path, key: str, size: int, rng: random.Random, stats: Counter[str]) -> None:
        self.folder, self.key, self.size, self.rng, self.stats = folder, key, size, rng, stats
        self.items: list[Any] = []
        self.pending: list[Any] | None = None
        self.pages = 0

    def add(self, item: Any) -> None:
        self.items.append(item)
        if len(self.items) == self.size:
            self._flush_pending(last=False)
            self.pending, self.items = self.items, []

    def close(self) -> None:
        if self.items:
            self._flush_pending(last=False)
            self.pending, self.items = self.items, []
        self._flush_pending(last=True)

    def _flush_pending(self, last: bool) -> None:
        if self.pending is None:
            return
        self.pages += 1
        page: dict[str, Any] = {self.key: self.pending}
        if not last:
            page["NextToken"] = v.b64(self.rng, 96)
        page["ResponseMetadata"] = metadata(self.rng)
        write(self.folder / f"page-{self.pages:05d}.json", [page], self.stats)
        self.pending = None


def metadata(rng: random.Random) -> dict[str, Any]:
    request = v.uuid(rng)
    return {
        "RequestId": request,
        "HTTPStatusCode": 200,
        "HTTPHeaders": {
            "x-amzn-requestid": request,
            "content-type": "text/xml",
            "date": "Mon, 02 Dec 2024 10:00:00 GMT",
        },
        "RetryAttempts": 0,
    }


def write(path: Path, responses: list[dict[str, Any]], stats: Counter[str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    text = "\n".join(json.dumps(resp, indent=2) for resp in responses) + "\n"
    path.write_text(text, encoding="utf-8")
    stats["files"] += 1
    stats["bytes"] += len(text.encode())


def regions(groups: int, seed: int) -> Iterator[r.Region]:
    rng = random.Random(seed)
    left = groups
    for i, (name, share) in enumerate(REGIONS):
        n = left if i == len(REGIONS) - 1 else round(groups * share)
        left -= n
        yield r.Region(
            name, v.account_id(rng), rng.getrandbits(48), n, max(1, math.ceil(n / GROUPS_PER_TEMPLATE))
        )


def _template_of(region: r.Region, j: int) -> int:
    """Fleets share templates unevenly: a few templates serve many groups."""
    return min(int(region.templates * r.rng_for(region, "assign", j).random() ** 1.7), region.templates - 1)


def write_region(region: r.Region, out: Path, stats: Counter[str]) -> None:
    rng = random.Random(region.seed)
    base = out / "aws" / region.name

    def pager(op: str, key: str, size: int) -> Pager:
        return Pager(base / op, key, size, rng, stats)

    templates = [r.template(region, i) for i in range(region.templates)]
    lt_pages = pager("ec2-describe-launch-templates", "LaunchTemplates", 200)
    version_pages = pager("ec2-describe-launch-template-versions", "LaunchTemplateVersions", 200)
    for t in templates:
        lt_pages.add(r.launch_template(region, t))
        for number in range(1, t.versions + 1):
            version_pages.add(r.template_version(region, t, number))
            stats["launch_template_versions"] += 1
            if t.plan.plant and r.content_version(t, number) >= t.plan.plant_from:
                stats[f"planted_user_data:{t.plan.plant}"] += 1
    lt_pages.close()
    version_pages.close()
    stats["launch_templates"] += len(templates)

    group_pages = pager("autoscaling-describe-auto-scaling-groups", "AutoScalingGroups", 100)
    lc_pages = pager("autoscaling-describe-launch-configurations", "LaunchConfigurations", 100)
    notify_pages = pager(
        "autoscaling-describe-notification-configurations", "NotificationConfigurations", 100
    )
    sched_pages = pager("autoscaling-describe-scheduled-actions", "ScheduledUpdateGroupActions", 100)
    hook_responses: list[dict[str, Any]] = []
    teams_used: set[int] = set()
    for j in range(region.groups):
        t = templates[_template_of(region, j)]
        teams_used.add(v.TEAMS.index(t.team))
        name = r.group_name(region, t, j)
        lc = None
        if r.rng_for(region, "uses-lc", j).random() < LAUNCH_CONFIGURATION_SHARE:
            lc = f"{name}-lc-2023{j % 12 + 1:02d}01"
            lc_pages.add(r.launch_configuration(region, j, t, lc))
            stats["launch_configurations"] += 1
        group_pages.add(r.group(region, j, t, lc))
        hooks = r.hooks(region, j, name, t)
        hook_responses.append({"LifecycleHooks": hooks, "ResponseMetadata": metadata(rng)})
        stats["lifecycle_hooks"] += len(hooks)
        for n in r.notifications(region, j, name, t):
            notify_pages.add(n)
            stats["notification_configurations"] += 1
        for a in r.scheduled_actions(region, j, name):
            sched_pages.add(a)
            stats["scheduled_actions"] += 1
        if len(hook_responses) == 100 or j == region.groups - 1:
            folder = base / "autoscaling-describe-lifecycle-hooks"
            write(folder / f"groups-{j // 100 + 1:05d}.json", hook_responses, stats)
            hook_responses = []
    for p in (group_pages, lc_pages, notify_pages, sched_pages):
        p.close()
    stats["groups"] += region.groups

    sub_pages = pager("sns-list-subscriptions", "Subscriptions", 100)
    for team in sorted(teams_used):
        for s in r.subscriptions(region, team):
            sub_pages.add(s)
            stats["subscriptions"] += 1
    sub_pages.close()


def generate(groups: int, out: Path, seed: int = 1) -> dict[str, Any]:
    """Write the corpus for `groups` groups under `out`; return its manifest (also in out/manifest.json)."""
    stats: Counter[str] = Counter()
    for region in regions(groups, seed):
        write_region(region, out, stats)
    manifest = {"format": FORMAT, "groups": groups, "seed": seed, "counts": dict(sorted(stats.items()))}
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return manifest


EVERY_FINDING_FORMAT = "metascan-bench-every-finding/2"
OWNER_DOMAIN = "globex-mail.com"


def every_finding(groups: int, out: Path, seed: int = 1) -> dict[str, Any]:
    """Write one saved `describe-auto-scaling-groups` response of `groups` groups in one file, where every
    group has one finding: a person's address under an `owner-email` tag.  The export a scan holds the most
    findings for per byte read (memory grows with findings kept, not with the input, which is streamed).
    Groups are the corpus's own, in one region, without their instances and with two of their tags."""
    stats: Counter[str] = Counter()
    region = r.Region("us-east-1", v.account_id(random.Random(seed)), seed, groups,
                      max(1, math.ceil(groups / GROUPS_PER_TEMPLATE)))  # fmt: skip
    templates = [r.template(region, i) for i in range(region.templates)]
    path = out / "aws" / "autoscaling-describe-auto-scaling-groups.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as f:
        f.write('{"AutoScalingGroups": [\n')
        for j in range(groups):
            g = r.group(region, j, templates[_template_of(region, j)], None)
            del g["Instances"]
            name = g["AutoScalingGroupName"]
            # (not an example.com address: those are documentation's, which no scanner should report)
            local = v.person(r.rng_for(region, "owner", j))[1].split("@")[0]
            g["Tags"] = [
                *g["Tags"][:2],
                {"ResourceId": name, "ResourceType": "auto-scaling-group", "Key": "owner-email",
                 "Value": f"{local}{j}@{OWNER_DOMAIN}",
                 "PropagateAtLaunch": True}
            ]  # fmt: skip
            f.write(("," if j else "") + json.dumps(g, separators=(",", ":")) + "\n")
        f.write("]}\n")
    stats["files"] = 1
    stats["bytes"] = path.stat().st_size
    stats["groups"] = stats["findings"] = groups
    manifest = {
        "format": EVERY_FINDING_FORMAT,
        "groups": groups,
        "seed": seed,
        "counts": dict(sorted(stats.items())),
    }
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return manifest


def ensure_every_finding(groups: int, root: Path, seed: int = 1) -> Path:
    """The export of `every_finding` under `root`, written unless a complete one is already there."""
    return _ensure(
        root / f"every-finding-n{groups}-seed{seed}", EVERY_FINDING_FORMAT, groups, seed, every_finding
    )


def ensure(groups: int, root: Path, seed: int = 1) -> Path:
    """The corpus for `groups` under `root`, generated unless a complete one is already there."""
    return _ensure(root / f"n{groups}-seed{seed}", FORMAT, groups, seed, generate)


def _ensure(out: Path, fmt: str, groups: int, seed: int, make: Callable[[int, Path, int], object]) -> Path:
    manifest = out / "manifest.json"
    if manifest.is_file():
        data = json.loads(manifest.read_text(encoding="utf-8"))
        if data.get("format") == fmt and data.get("groups") == groups:
            return out
    shutil.rmtree(out, ignore_errors=True)
    make(groups, out, seed)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--groups", type=int, required=True, help="number of Auto Scaling groups")
    parser.add_argument("--out", type=Path, required=True, help="output folder (scan OUT/aws)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--every-finding", action="store_true", help="one file of groups that each have a finding instead"
    )
    args = parser.parse_args()
    make = every_finding if args.every_finding else generate
    print(json.dumps(make(args.groups, args.out, args.seed), indent=2))


if __name__ == "__main__":
    main()
