"""Seeded fleet generator: fills moto's EC2 backends in-process.

A fleet looks like one an operator meets on patch night: ~15% Windows, a mix
of instance types and zones, PatchWindow tags over six windows (plus some
unknown ids and some untagged), owners, ~8% stopped, ~5% with the SSM agent
offline, ~5% carrying a PatchException range, LastPatched on most, and a few
hostile tag values that XML 1.0 can carry (C1 controls, bidi overrides,
zero-width characters, 5,000-character values).

Speed: moto's RunInstances looks the AMI up by scanning its ~1,200 default
images with fnmatch for every instance and creates a root volume each time;
that is 5 ms per instance.  We call moto's run_instances in bulk with the
image lookup memoised and no block devices, then set types, zones, launch
times and tags on the objects directly (~0.5 ms per instance).

The same seed gives the same fleet: moto's own id generator (mock_random) is
seeded too, so instance ids repeat between runs.
"""

import contextlib
import datetime
import random
import time

from world import FAIL_KINDS, InstanceFacts, LINUX_OS, WINDOWS_OS

WINDOWS = ["sun-0200", "sun-0400", "tue-2200", "wed-0100", "sat-2300", "2nd-tue+3d-0100"]
UNKNOWN_WINDOWS = ["fri-0300", "sun-02:00", "legacy-window", "SUN-0200"]
ROLES = ["web", "api", "db", "cache", "batch", "etl", "ldap", "build", "queue", "search"]
ENVS = ["prod", "prod", "prod", "stage", "dev"]
OWNERS = ["alice@example.com", "bob.smith@example.com", "team-payments", "team-search",
          "sre-oncall@example.com", "data-platform", "chen.wei@example.com",
          "j.o'neil@example.com", "team-identity", "ops"]
TYPES_LINUX = ["t3.micro", "t3.medium", "m5.large", "m5.xlarge", "c5.2xlarge", "r5.large",
               "m6i.large", "t3a.small"]
TYPES_ARM = ["m6g.large", "c7g.xlarge", "t4g.medium"]
TYPES_WIN = ["m5.large", "m5.xlarge", "t3.large", "r5.xlarge"]

AMI_LINUX = "ami-760aaa0f"
AMI_ARM = "ami-08976229d8b10b097"
AMI_WIN = "ami-03cf127a"

# Values that are valid XML 1.0 and valid UTF-8 but must never reach a
# terminal raw: CSI as a C1 control, bidi override and isolates, zero-width,
# markup, a very long value, astral and combining characters, newlines.
HOSTILE = [
    ("Name", "evil\u009b31mred\u009b0m"),
    ("Name", "txt.exe\u202egpj.sh"),
    ("Owner", "\u2066admin\u2069@example.com"),
    ("Owner", "zero\u200bwidth\u200d@example.com"),
    ("Description", "A" * 4990 + "<END>"),
    ("Description", "<script>alert(1)</script> & \"quotes\" 'apos'"),
    ("Description", "line1\nline2\ttabbed\r\nCRLF"),
    ("Name", "emoji-\U0001F525-e\u0301-\ufeffbom"),
    ("Owner", "\u00a0nbsp\u2028ls\u2029ps"),
    ("PatchWindow", "sun-0200\u200b"),
]


def _iso(dt):
    return dt.strftime("%Y-%m-%dT%H:%M:%SZ")


@contextlib.contextmanager
def _fast_images(backend):
    """Memoise describe_images(filters={"image-id": X}) while bulk-creating."""
    orig = backend.describe_images
    memo = {}

    def fast(ami_ids=None, filters=None, **kw):
        if filters and list(filters) == ["image-id"] and not ami_ids and not kw:
            key = str(filters["image-id"])
            if key not in memo:
                memo[key] = orig(filters=filters)
            return memo[key]
        return orig(ami_ids=ami_ids, filters=filters, **kw)
    backend.describe_images = fast
    try:
        yield
    finally:
        del backend.describe_images


def _bulk(backend, region, ami, count, itype):
    return backend.run_instances(ami, count, None, [], instance_type=itype,
                                 is_instance_type_default=False, region_name=region,
                                 block_device_mappings=[]).instances


def parse_fleet(spec):
    """'--fleet' value -> (count, demo?) ; 'none' -> (0, False)."""
    if spec in (None, "", "none", "0"):
        return 0, False
    if spec == "demo":
        return 600, True
    n = int(spec)
    if n < 0:
        raise ValueError("fleet size must be >= 0")
    return n, False


def generate(world, total, accounts, regions, seed, demo=False):
    """Create `total` instances spread over accounts x regions; return stats.

    world.facts receives each instance's OS, agent and patch-night fate.
    """
    from moto.ec2.models import ec2_backends
    from moto.moto_api._internal import mock_random

    mock_random.seed(seed)
    rng = random.Random("fleet:%s" % seed)
    now = datetime.datetime.now(datetime.timezone.utc)
    today = now.date()
    pairs = [(a, r) for a in accounts for r in regions]
    t0 = time.monotonic()
    made = 0
    hostile_left = list(HOSTILE)
    for pi, (account, region) in enumerate(pairs):
        n = total // len(pairs) + (1 if pi < total % len(pairs) else 0)
        backend = ec2_backends[account][region]
        zones = [region + z for z in "abc"]
        with _fast_images(backend):
            done = 0
            while done < n:
                chunk = min(n - done, rng.randint(50, 400) if not demo else 50)
                nwin = sum(1 for _ in range(chunk) if rng.random() < 0.15)
                narm = sum(1 for _ in range(chunk - nwin) if rng.random() < 0.10)
                nlin = chunk - nwin - narm
                batch = []
                for ami, cnt, types, is_win in ((AMI_LINUX, nlin, TYPES_LINUX, False),
                                                (AMI_ARM, narm, TYPES_ARM, False),
                                                (AMI_WIN, nwin, TYPES_WIN, True)):
                    if cnt:
                        for inst in _bulk(backend, region, ami, cnt, types[0]):
                            inst.instance_type = rng.choice(types)
                            batch.append((inst, is_win))
                for inst, is_win in batch:
                    _decorate(world, backend, inst, is_win, rng, zones, now, today,
                              made, demo, hostile_left)
                    made += 1
                done += chunk
    return {"instances": made, "seconds": round(time.monotonic() - t0, 2),
            "pairs": len(pairs)}


def _decorate(world, backend, inst, is_win, rng, zones, now, today, n, demo, hostile_left):
    inst._placement.zone = rng.choice(zones)
    inst.launch_time = (now - datetime.timedelta(days=rng.randint(1, 900),
                                                 seconds=rng.randint(0, 86399))).replace(
        tzinfo=None)
    role = rng.choice(ROLES)
    env = rng.choice(ENVS)
    tags = {"Name": "%s-%s-%s%05d" % (role, env, "w" if is_win else "", n),
            "Environment": env}
    if rng.random() < 0.92:
        tags["Owner"] = rng.choice(OWNERS)
    r = rng.random()
    if demo:
        tags["PatchWindow"] = WINDOWS[n % len(WINDOWS)]
    elif r < 0.07:
        pass
    elif r < 0.12:
        tags["PatchWindow"] = rng.choice(UNKNOWN_WINDOWS)
    else:
        tags["PatchWindow"] = rng.choice(WINDOWS)
    if rng.random() < 0.05:
        kind = rng.random()
        if kind < 0.6:
            a = today - datetime.timedelta(days=rng.randint(0, 10))
        elif kind < 0.8:
            a = today + datetime.timedelta(days=rng.randint(1, 20))
        else:
            a = today - datetime.timedelta(days=rng.randint(30, 60))
        b = a + datetime.timedelta(days=rng.randint(0, 21))
        tags["PatchException"] = "%s..%s" % (a.isoformat(), b.isoformat())
    if rng.random() < 0.7:
        # Most patched within the last month or so, a tail up to ~10 weeks:
        # the same draws as before (seeds keep their fleets), skewed recent.
        d = rng.randint(1, 120)
        tags["LastPatched"] = _iso(now - datetime.timedelta(days=1 + d * d // 200,
                                                            minutes=rng.randint(0, 1439)))
    if hostile_left and (n % 23 == 5 or (demo and n % 50 == 7)):
        k, v = hostile_left.pop(0)
        tags[k] = v
    backend.tags[inst.id].update(tags)

    offline = rng.random() < 0.05
    f = rng.random()
    fail = None
    if offline:
        fail = "agent-offline"
    elif is_win:
        fail = "disk-full" if f < 0.02 else "timeout" if f < 0.03 else \
            "reboot" if f < 0.40 else None
    else:
        fail = ("disk-full" if f < 0.03 else "repo-unreachable" if f < 0.05 else
                "pkg-lock" if f < 0.065 else "timeout" if f < 0.075 else
                "malformed-output" if f < 0.08 else "reboot" if f < 0.28 else None)
    assert fail is None or fail in FAIL_KINDS
    world.facts[inst.id] = InstanceFacts(
        is_win, rng.randrange(len(WINDOWS_OS) if is_win else len(LINUX_OS)),
        "3.3.%d.0" % rng.randint(800, 1400), offline, fail, rng.randint(350, 1800),
        rng.randint(0, 60), rng.getrandbits(48))
    if rng.random() < 0.08:
        inst.stop()
