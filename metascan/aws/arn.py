"""Amazon Resource Names: which parts are structure and which part is a name a person chose."""

from __future__ import annotations

from functools import lru_cache
from sys import intern
from typing import NamedTuple

import regex

_ARN = regex.compile(r"arn:(aws[a-z-]*):([a-z0-9-]+):([a-z0-9-]*):(\d{12}|aws|)?:(.+)", regex.ASCII)

# Resource-type prefixes that precede the name in an ARN's resource part, e.g. `role/NAME`.
_TYPED_NAME = regex.compile(
    r"(?:autoScalingGroupName|launchConfigurationName|scheduledActionName)/(.+)$"
    r"|^(?:role|user|group|instance-profile|policy|assumed-role|federated-user|targetgroup|loadbalancer"
    r"|launch-template|key|alias|secret|parameter|function|stream|table|bucket|log-group|topic)[/:](.+)$",
)


class Arn(NamedTuple):
    """A parsed ARN.  (A named tuple: an export has an ARN per group and per record, and a named tuple is
    built three times as fast as a frozen dataclass.)"""

    partition: str
    service: str
    region: str | None
    account: str | None
    resource: str

    @property
    def name(self) -> str:
        """The part of the resource a person chose (a topic, group or role name, a session name)."""
        m = _TYPED_NAME.search(self.resource)
        if m:
            return m.group(1) or m.group(2)
        return self.resource


def parse_arn(text: str) -> Arn | None:
    return _parse_arn(text) if isinstance(text, str) else None


@lru_cache(maxsize=8192)
def _parse_arn(text: str) -> Arn | None:
    """(Remembered: an export names the same ARNs many times, a group's in each of its records.)"""
    m = _ARN.fullmatch(text.strip())
    if not m:
        return None
    account = m.group(4) if m.group(4) and m.group(4).isdigit() else None
    # Resources keep the region and account: one string of each for all (an export has a few of each and
    # an ARN per resource; 2 x 60 bytes a resource otherwise).
    region = m.group(3)
    return Arn(
        intern(str(m.group(1))),
        intern(str(m.group(2))),
        intern(str(region)) if region else None,
        intern(str(account)) if account else None,
        m.group(5),
    )
