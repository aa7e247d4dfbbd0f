"""Read one account's Auto Scaling metadata in one region, page by page.

`read_region` is a plain generator over the clients it is given: it yields each API response page as it
arrives (to be fed, unchanged, to the same extractors that read exported files), failed calls as `ScanError`,
dangling references as `Skipped`, and running counts for a progress display.  Between pages it keeps only
identifiers (group names of the current page, referenced template versions, topic ARNs), never responses.

Order: groups (each page followed by the lifecycle hooks of its groups) -> launch configurations -> launch
templates -> their versions (every version of each template, 200 per call, by default: a secret in version 3
stays readable by anyone allowed ec2:DescribeLaunchTemplateVersions after version 4 "fixes" it; with
`all_versions` off only those in use: $Latest and $Default of every template, then every version a group or
a mixed-instances override pins) -> the region's EBS encryption settings,
only when a volume read depends on them (`ebs.EbsNeeds`) -> notification configurations -> scheduled
actions -> the SNS topics that hooks and notifications point to, and their subscriptions.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from ..aws.arn import parse_arn
from ..aws.ebs import EbsNeeds
from ..model import ScanError, Skipped
from .aws_calls import API_ERRORS, Client, Where, call_error, error_code, is_region_error

PAGE_100 = {"PageSize": 100}  # Auto Scaling MaxRecords maximum
# Pages of one paginated call (issue 17, point 11): an endpoint that invents new NextTokens forever ends
# with an error.  5,000 pages of 100 groups are ten times the Auto Scaling group quota of any account.
MAX_PAGES = 5000
PAGE_200 = {"PageSize": 200}  # EC2 MaxResults maximum for launch templates and versions
VERSIONS_PER_CALL = 200

# EC2 and SNS codes for "the thing referenced no longer exists": a dangling reference, not a failed scan.
_TEMPLATE_GONE = frozenset(
    {
        "InvalidLaunchTemplateId.NotFound",
        "InvalidLaunchTemplateId.VersionNotFound",
        "InvalidLaunchTemplateId.Malformed",
        "InvalidLaunchTemplateName.NotFoundException",
        "InvalidLaunchTemplateName.MalformedException",
    }
)
_TOPIC_GONE = frozenset({"NotFound", "NotFoundException"})
_FETCH_SUBSCRIPTION_PROTOCOLS = frozenset({"http", "https"})  # AWS masks passwords in List* output only


@dataclass(frozen=True, slots=True)
class RegionClients:
    """What `read_region` talks to.  `sns` gives the SNS client of a region: a topic may live elsewhere."""

    autoscaling: Client
    ec2: Client
    sns: Callable[[str], Client]


@dataclass(frozen=True, slots=True)
class ReadOptions:
    all_versions: bool = True  # every launch template version; False: $Latest, $Default and pinned ones
    all_subscriptions: bool = False


@dataclass(frozen=True, slots=True)
class Page:
    """One response page, exactly as boto3 returned it (minus ResponseMetadata)."""

    operation: str
    data: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class Counts:
    """Running totals of one region, for progress displays."""

    groups: int
    templates: int


RegionItem = Page | ScanError | Skipped | Counts


class _RegionAborted(Exception):
    """The first call showed that nothing in this region can be read."""


def read_region(
    clients: RegionClients,
    where: Where,
    options: ReadOptions = ReadOptions(),
    current: dict[Where, str] | None = None,
) -> Iterator[RegionItem]:
    """Everything metascan reads in one account and region, as it arrives.

    `current`, when given, holds the operation in progress under `where` (for errors of a run whose
    deadline passes while the region is still being read).
    """
    reader = _Reader(clients, where, options, current)
    try:
        yield from reader.read()
    except _RegionAborted:
        return


def _snake(op: str) -> str:
    return "".join("_" + ch.lower() if ch.isupper() else ch for ch in op).lstrip("_")


def _s(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _dicts(value: Any) -> Iterator[Mapping[str, Any]]:
    if isinstance(value, list):
        yield from (v for v in value if isinstance(v, dict))


def _template_specs(group: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
    """The launch template specifications of a group: its own and those of its mixed-instances policy."""
    own = group.get("LaunchTemplate")
    if isinstance(own, dict):
        yield own
    mip = group.get("MixedInstancesPolicy")
    lt = mip.get("LaunchTemplate") if isinstance(mip, dict) else None
    if isinstance(lt, dict):
        spec = lt.get("LaunchTemplateSpecification")
        if isinstance(spec, dict):
            yield spec
        for override in _dicts(lt.get("Overrides")):
            spec = override.get("LaunchTemplateSpecification")
            if isinstance(spec, dict):
                yield spec


class _TemplateRefs:
    """Numeric launch template versions that groups pin, by template id or (when only named) by name."""

    def __init__(self) -> None:
        self.by_id: dict[str, set[int]] = {}
        self.by_name: dict[str, set[int]] = {}

    def add(self, spec: Mapping[str, Any]) -> None:
        version = spec.get("Version")
        if not isinstance(version, str) or not version.isdigit():  # $Latest, $Default or unset: read anyway
            return
        lt_id, name = _s(spec.get("LaunchTemplateId")), _s(spec.get("LaunchTemplateName"))
        if lt_id:
            self.by_id.setdefault(lt_id, set()).add(int(version))
        elif name:
            self.by_name.setdefault(name, set()).add(int(version))


class _Reader:
    def __init__(
        self,
        clients: RegionClients,
        where: Where,
        options: ReadOptions,
        current: dict[Where, str] | None = None,
    ) -> None:
        self.current = current if current is not None else {}
        self.c = clients
        self.where = where
        self.options = options
        self.region = where.region or ""
        self.groups = 0
        self.templates = 0
        self.first_call = True
        self.seen_versions: set[tuple[str, int]] = set()
        self.template_ids: dict[str, str] = {}  # name -> id
        self.topics: dict[str, None] = {}  # an ordered set of topic ARNs
        self.refs = _TemplateRefs()
        self.ebs = EbsNeeds()  # what the volumes read so far leave to the region's EBS settings
        self.last_code: str | None = None  # error code of the latest failed call

    # --- calls ---------------------------------------------------------------------------------------

    def _error(self, operation: str, exc: BaseException) -> ScanError:
        self.last_code = error_code(exc)
        return call_error(self.where, operation, exc)

    def _pages(
        self, client: Client, service: str, op: str, result_key: str, **kwargs: Any
    ) -> Iterator[Page | ScanError]:
        """The pages of a paginated call; a failure (on any page) ends it with one ScanError.

        When the very first call of the region fails in a way that says the region cannot be read at all
        (not enabled, unreachable, credentials refused), one error names the region and reading stops.
        """
        operation = f"{service}:{op}"
        self.current[self.where] = operation
        tokens: set[Any] = set()
        try:
            for number, page in enumerate(client.get_paginator(_snake(op)).paginate(**kwargs), 1):
                checked = self._page(operation, result_key, page)
                self.first_call = False
                yield checked
                if isinstance(checked, ScanError):
                    return
                token = page.get("NextToken") if isinstance(page, dict) else None
                if token is None:
                    continue
                if not isinstance(token, str) or token in tokens or number >= MAX_PAGES:
                    why = (
                        f"more than {MAX_PAGES} pages"
                        if number >= MAX_PAGES
                        else "the endpoint sent a NextToken it had sent before (a pagination cycle)"
                    )
                    yield self._stop(operation, f"stopped after page {number}: {why}")
                    return
                tokens.add(token)
        except API_ERRORS as exc:
            if self.first_call and is_region_error(exc):
                yield call_error(self.where, operation, exc, prefix="region not scanned: ")
                raise _RegionAborted from exc
            self.first_call = False
            yield self._error(operation, exc)

    def _stop(self, operation: str, why: str) -> ScanError:
        self.last_code = None
        return ScanError(
            self.where.source,
            f"{self.where.source}: {operation} {why}",
            self.where.account,
            self.where.region,
            operation,
        )

    def _call(
        self, client: Client, service: str, op: str, result_key: str, **kwargs: Any
    ) -> Page | ScanError:
        """One unpaginated call."""
        operation = f"{service}:{op}"
        self.current[self.where] = operation
        try:
            response = getattr(client, _snake(op))(**kwargs)
        except API_ERRORS as exc:
            return self._error(operation, exc)
        return self._page(operation, result_key, response)

    def _page(self, operation: str, result_key: str, response: Any) -> Page | ScanError:
        """The response as a Page, or a ScanError when it does not have the shape the operation promises.

        A list that is absent is empty (botocore leaves out elements the XML does not carry).
        """
        expected = dict if result_key == "Attributes" else list
        if isinstance(response, dict) and expected is list and response.get(result_key) is None:
            response = {**response, result_key: []}
        if not isinstance(response, dict) or not isinstance(response.get(result_key), expected):
            self.last_code = None
            kind = "an object" if expected is dict else "a list"
            return ScanError(
                self.where.source,
                f"{self.where.source}: {operation} failed: malformed response (no {result_key} {kind})",
                self.where.account,
                self.where.region,
                operation,
            )
        return Page(operation, {k: v for k, v in response.items() if k != "ResponseMetadata"})

    # --- the region ----------------------------------------------------------------------------------

    def read(self) -> Iterator[RegionItem]:
        yield from self._groups()
        for item in self._pages(
            self.c.autoscaling,
            "autoscaling",
            "DescribeLaunchConfigurations",
            "LaunchConfigurations",
            PaginationConfig=PAGE_100,
        ):
            yield item
            if isinstance(item, Page):
                for configuration in _dicts(item.data["LaunchConfigurations"]):
                    self.ebs.note_configuration(configuration)
        yield from self._templates()
        yield from self._ebs_settings()
        yield from self._notifications()
        yield from self._pages(
            self.c.autoscaling,
            "autoscaling",
            "DescribeScheduledActions",
            "ScheduledUpdateGroupActions",
            PaginationConfig=PAGE_100,
        )
        yield from self._sns()
        yield Counts(self.groups, self.templates)

    def _groups(self) -> Iterator[RegionItem]:
        kwargs: dict[str, Any] = {"PaginationConfig": PAGE_100}
        model = self.c.autoscaling.meta.service_model.operation_model("DescribeAutoScalingGroups")
        if "IncludeInstances" in model.input_shape.members:  # smaller pages; older botocore rejects it
            kwargs["IncludeInstances"] = False
        for item in self._pages(
            self.c.autoscaling, "autoscaling", "DescribeAutoScalingGroups", "AutoScalingGroups", **kwargs
        ):
            yield item
            if isinstance(item, ScanError):
                continue
            names: list[str] = []
            for group in _dicts(item.data["AutoScalingGroups"]):
                for spec in _template_specs(group):
                    self.refs.add(spec)
                name = _s(group.get("AutoScalingGroupName"))
                if name:
                    names.append(name)
            self.groups += len(names)
            yield Counts(self.groups, self.templates)
            for name in names:
                yield from self._hooks(name)

    def _hooks(self, group: str) -> Iterator[RegionItem]:
        # No paginator and no NextToken: a group has at most 50 hooks.
        page = self._call(
            self.c.autoscaling,
            "autoscaling",
            "DescribeLifecycleHooks",
            "LifecycleHooks",
            AutoScalingGroupName=group,
        )
        yield page
        if isinstance(page, Page):
            for hook in _dicts(page.data["LifecycleHooks"]):
                self._topic(hook.get("NotificationTargetARN"))

    def _topic(self, arn: Any) -> None:
        parsed = parse_arn(arn) if isinstance(arn, str) else None
        if parsed is not None and parsed.service == "sns":
            self.topics[arn] = None

    # --- launch templates ----------------------------------------------------------------------------

    def _templates(self) -> Iterator[RegionItem]:
        for item in self._pages(
            self.c.ec2, "ec2", "DescribeLaunchTemplates", "LaunchTemplates", PaginationConfig=PAGE_200
        ):
            yield item
            if isinstance(item, ScanError):
                continue
            ids: list[str] = []
            for t in _dicts(item.data["LaunchTemplates"]):
                lt_id, name = _s(t.get("LaunchTemplateId")), _s(t.get("LaunchTemplateName"))
                if lt_id:
                    ids.append(lt_id)
                    if name:
                        self.template_ids[name] = lt_id
            self.templates += len(ids)
            yield Counts(self.groups, self.templates)
            if self.options.all_versions:
                for lt_id in ids:
                    yield from self._versions(LaunchTemplateId=lt_id)
        if not self.options.all_versions:
            yield from self._versions(Versions=["$Latest", "$Default"])
            yield from self._pinned_versions()
            return
        for lt_id, number in self._missing_pins():
            yield Skipped(
                self.where.source,
                f"a group references version {number} of launch template {lt_id}, which does not exist",
            )

    def _missing_pins(self) -> Iterator[tuple[str, int]]:
        """Pinned versions that reading every version did not find (templates that were read)."""
        read = {lt_id for lt_id, _ in self.seen_versions}
        wanted = [(lt_id, n) for lt_id, numbers in self.refs.by_id.items() for n in numbers]
        wanted += [
            (self.template_ids[name], n)
            for name, numbers in self.refs.by_name.items()
            if name in self.template_ids
            for n in numbers
        ]
        for lt_id, n in sorted(set(wanted)):
            if lt_id in read and (lt_id, n) not in self.seen_versions:
                yield lt_id, n

    def _version_pages(self, **kwargs: Any) -> Iterator[Page | ScanError]:
        return self._pages(
            self.c.ec2,
            "ec2",
            "DescribeLaunchTemplateVersions",
            "LaunchTemplateVersions",
            PaginationConfig=PAGE_200,
            **kwargs,
        )

    def _versions(self, **kwargs: Any) -> Iterator[RegionItem]:
        for item in self._version_pages(**kwargs):
            fresh = self._fresh(item)
            if fresh is not None:
                yield fresh

    def _fresh(self, item: Page | ScanError) -> Page | ScanError | None:
        """A versions page without the versions already read in this region (None when nothing is left).

        moto repeats a version that is both $Latest and $Default; pinned versions are often $Default too.
        """
        if isinstance(item, ScanError):
            return item
        fresh = []
        for v in item.data["LaunchTemplateVersions"]:
            if isinstance(v, dict):
                lt_id, number, name = (
                    v.get("LaunchTemplateId"),
                    v.get("VersionNumber"),
                    v.get("LaunchTemplateName"),
                )
                if isinstance(lt_id, str) and isinstance(number, int):
                    if (lt_id, number) in self.seen_versions:
                        continue
                    self.seen_versions.add((lt_id, number))
                    if isinstance(name, str):
                        self.template_ids.setdefault(name, lt_id)
                self.ebs.note_version(v)
            fresh.append(v)
        return Page(item.operation, {**item.data, "LaunchTemplateVersions": fresh}) if fresh else None

    def _pinned_versions(self) -> Iterator[RegionItem]:
        wanted: dict[tuple[str, str], set[int]] = {}
        for lt_id, numbers in self.refs.by_id.items():
            wanted.setdefault(("LaunchTemplateId", lt_id), set()).update(numbers)
        for name, numbers in self.refs.by_name.items():
            known = self.template_ids.get(name)
            key = ("LaunchTemplateId", known) if known else ("LaunchTemplateName", name)
            wanted.setdefault(key, set()).update(numbers)
        for (param, value), numbers in wanted.items():
            by_id = param == "LaunchTemplateId"
            todo = sorted(n for n in numbers if not by_id or (value, n) not in self.seen_versions)
            for start in range(0, len(todo), VERSIONS_PER_CALL):
                yield from self._pinned(param, value, todo[start : start + VERSIONS_PER_CALL])

    def _pinned(self, param: str, value: str, numbers: list[int]) -> Iterator[RegionItem]:
        """Versions a group pins.  One missing version fails the whole call, so then each is asked alone."""
        items = list(self._version_pages(**{param: value, "Versions": [str(n) for n in numbers]}))
        gone = any(isinstance(i, ScanError) for i in items) and self.last_code in _TEMPLATE_GONE
        if not gone:
            for item in items:
                fresh = self._fresh(item)
                if fresh is not None:
                    yield fresh
            return
        if len(numbers) > 1:
            for n in numbers:
                yield from self._pinned(param, value, [n])
            return
        yield Skipped(
            self.where.source,
            f"a group references version {numbers[0]} of launch template {value}, which does not exist",
        )

    # --- EBS encryption settings ---------------------------------------------------------------------

    def _ebs_settings(self) -> Iterator[RegionItem]:
        """Encryption by default and the default EBS key, each asked only when a volume read depends on it:
        the responses go to the structural checks, exactly as saved `aws ec2 get-ebs-...` output would."""
        by_default: bool | None = None
        if self.ebs.unencrypted:
            page = self._setting("GetEbsEncryptionByDefault", "EbsEncryptionByDefault", bool)
            yield page
            if isinstance(page, Page):
                by_default = page.data["EbsEncryptionByDefault"]
        if self.ebs.wants_default_key(by_default):
            yield self._setting("GetEbsDefaultKmsKeyId", "KmsKeyId", str)

    def _setting(self, op: str, key: str, kind: type) -> Page | ScanError:
        """One unpaginated EC2 call answering with one setting of the account in this region."""
        operation = f"ec2:{op}"
        self.current[self.where] = operation
        try:
            response = getattr(self.c.ec2, _snake(op))()
        except API_ERRORS as exc:
            return self._error(operation, exc)
        if not isinstance(response, dict) or not isinstance(response.get(key), kind):
            self.last_code = None
            return ScanError(
                self.where.source,
                f"{self.where.source}: {operation} failed: malformed response (no {key})",
                self.where.account,
                self.where.region,
                operation,
            )
        return Page(operation, {k: v for k, v in response.items() if k != "ResponseMetadata"})

    # --- notifications and SNS -----------------------------------------------------------------------

    def _notifications(self) -> Iterator[RegionItem]:
        for item in self._pages(
            self.c.autoscaling,
            "autoscaling",
            "DescribeNotificationConfigurations",
            "NotificationConfigurations",
            PaginationConfig=PAGE_100,
        ):
            yield item
            if isinstance(item, Page):
                for n in _dicts(item.data["NotificationConfigurations"]):
                    self._topic(n.get("TopicARN"))

    def _sns(self) -> Iterator[RegionItem]:
        if self.options.all_subscriptions:
            for item in self._pages(self.c.sns(self.region), "sns", "ListSubscriptions", "Subscriptions"):
                yield item
                if isinstance(item, Page):
                    yield from self._subscription_details(
                        self.region, item.data["Subscriptions"], topics=True
                    )
        for arn in list(self.topics):
            yield from self._sns_topic(arn)

    def _sns_topic(self, arn: str) -> Iterator[RegionItem]:
        parsed = parse_arn(arn)
        region = (parsed.region if parsed else None) or self.region
        client = self.c.sns(region)
        attrs = self._call(client, "sns", "GetTopicAttributes", "Attributes", TopicArn=arn)
        if isinstance(attrs, ScanError) and self.last_code in _TOPIC_GONE:
            yield Skipped(self.where.source, f"SNS topic {arn} is referenced but does not exist")
            return
        yield attrs
        if self.options.all_subscriptions and region == self.region:
            return  # ListSubscriptions already read its subscriptions
        for item in self._pages(client, "sns", "ListSubscriptionsByTopic", "Subscriptions", TopicArn=arn):
            yield item
            if isinstance(item, Page):
                yield from self._subscription_details(region, item.data["Subscriptions"], topics=False)

    def _subscription_details(
        self, region: str, subscriptions: Iterable[Any], topics: bool
    ) -> Iterator[RegionItem]:
        """GetSubscriptionAttributes for confirmed http(s) subscriptions (List* masks their passwords)."""
        for s in _dicts(subscriptions):
            if topics:
                self._topic(s.get("TopicArn"))
            arn = s.get("SubscriptionArn")
            if s.get("Protocol") in _FETCH_SUBSCRIPTION_PROTOCOLS and isinstance(arn, str) and parse_arn(arn):
                yield self._call(
                    self.c.sns(region), "sns", "GetSubscriptionAttributes", "Attributes", SubscriptionArn=arn
                )
