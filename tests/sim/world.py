"""State shared by the simulator's parts: simulated clock, instance facts, log.

moto holds the AWS resources (instances, tags, tables, objects).  What moto
has no place for lives here: the simulated clock that SSM runs progress on,
and per-instance facts the fleet generator decides (OS, kernel, SSM agent
online or not, the failure it will show on patch night).
"""

import datetime
import hashlib
import sys
import threading
import time

UTC = datetime.timezone.utc


class Clock:
    """Simulated time: wall clock since start x scale, plus explicit advances.

    It starts at the real current time so that SigV4 dates and simulated
    times agree at the start; POST /_sim/clock moves it forward only.
    """

    def __init__(self, scale=1.0):
        self.scale = float(scale)
        self._start_wall = time.time()
        self._start_mono = time.monotonic()
        self._advanced = 0.0
        self._lock = threading.Lock()

    def now(self):
        """Simulated seconds since the epoch (float)."""
        with self._lock:
            return self._start_wall + (time.monotonic() - self._start_mono) * self.scale \
                + self._advanced

    def advance(self, seconds):
        with self._lock:
            self._advanced += max(0.0, float(seconds))

    def dt(self, t=None):
        return datetime.datetime.fromtimestamp(self.now() if t is None else t, UTC)


# Operating systems the fleet runs; the patch document's output uses them.
LINUX_OS = [
    # os name, PlatformName, PlatformVersion, package manager, kernel before, kernel after
    ("Amazon Linux 2023", "Amazon Linux", "2023", "dnf",
     "6.1.102-111.182.amzn2023.x86_64", "6.1.109-118.189.amzn2023.x86_64"),
    ("Amazon Linux 2", "Amazon Linux", "2", "yum",
     "5.10.223-212.873.amzn2.x86_64", "5.10.225-213.878.amzn2.x86_64"),
    ("Red Hat Enterprise Linux 9.4", "Red Hat Enterprise Linux", "9.4", "dnf",
     "5.14.0-427.28.1.el9_4.x86_64", "5.14.0-427.33.1.el9_4.x86_64"),
    ("Ubuntu 22.04.4 LTS", "Ubuntu", "22.04", "apt",
     "5.15.0-117-generic", "5.15.0-119-generic"),
    ("Ubuntu 24.04.1 LTS", "Ubuntu", "24.04", "apt",
     "6.8.0-40-generic", "6.8.0-41-generic"),
    ("SUSE Linux Enterprise Server 15 SP5", "SLES", "15.5", "zypper",
     "5.14.21-150500.55.68-default", "5.14.21-150500.55.73-default"),
]
WINDOWS_OS = [
    ("Microsoft Windows Server 2019 Datacenter", "Microsoft Windows Server 2019 Datacenter",
     "10.0.17763"),
    ("Microsoft Windows Server 2022 Datacenter", "Microsoft Windows Server 2022 Datacenter",
     "10.0.20348"),
]

# What the pre-check document finds on an instance (its "fate"), one per
# failure kind patchdeck reports plus ways to give no result:
#   ok               everything passes (no reboot pending, low load)
#   disk             "/" nearly full
#   repo_unreachable the metadata refresh times out
#   repo_url         a repository outside the allowed prefixes
#                    (http://untrusted.example.net/...)
#   pkg_lock         another package manager holds the lock
#   reboot_pending   a newer kernel is installed
#   load             load1 of 64 (a failing status check above max_load1)
#   agent_offline    SSM ping ConnectionLost; a command is Undeliverable
#   status_check     DescribeInstanceStatus says "impaired"
#   undeliverable    ping Online, yet the command is Undeliverable
#   timeout          the script never ends: ExecutionTimedOut at 600 s
#   malformed        the PATCHDECK_PRECHECK line is cut mid-JSON
#   hostile          a passing line after output full of escape sequences
#                    and raw bytes (OSC title, CSI clear, C1, invalid UTF-8)
PRECHECK_FATES = ("ok", "disk", "repo_unreachable", "repo_url", "pkg_lock",
                  "reboot_pending", "load", "agent_offline", "status_check",
                  "undeliverable", "timeout", "malformed", "hostile")

FAIL_KINDS = ("disk-full", "repo-unreachable", "pkg-lock", "agent-offline", "reboot",
              "timeout", "malformed-output")


def stable_hash(*parts):
    """A stable integer from strings (Python's hash() is salted per process)."""
    h = hashlib.sha256("\0".join(str(p) for p in parts).encode()).digest()
    return int.from_bytes(h[:8], "big")


class InstanceFacts:
    """What SSM would know about an instance and how its patch night goes."""

    __slots__ = ("windows", "os_index", "agent", "offline", "fail", "pkgs", "updates",
                 "seed")

    def __init__(self, windows, os_index, agent, offline, fail, pkgs, updates, seed):
        self.windows = windows
        self.os_index = os_index
        self.agent = agent
        self.offline = offline
        self.fail = fail
        self.pkgs = pkgs
        self.updates = updates
        self.seed = seed

    @property
    def os(self):
        return WINDOWS_OS[self.os_index % len(WINDOWS_OS)] if self.windows \
            else LINUX_OS[self.os_index % len(LINUX_OS)]


def derive_facts(instance_id, windows, seed):
    """Facts for an instance the generator did not make (e.g. RunInstances).

    Chosen from a hash of seed and id, so they repeat for the same seed.
    """
    h = stable_hash(seed, instance_id)
    r = (h % 10000) / 10000.0
    fail = None
    if r < 0.03:
        fail = "disk-full"
    elif r < 0.05:
        fail = "repo-unreachable"
    elif r < 0.06:
        fail = "pkg-lock"
    elif r < 0.20:
        fail = "reboot"
    elif r < 0.21:
        fail = "timeout"
    elif r < 0.215:
        fail = "malformed-output"
    return InstanceFacts(windows, (h >> 16) % 6, "3.3.%d.0" % (800 + (h >> 24) % 600),
                         False, fail, 400 + (h >> 32) % 900, (h >> 40) % 40, h)


class World:
    """The simulator's own state, one per server."""

    def __init__(self, seed=0, time_scale=1.0):
        self.seed = seed
        self.clock = Clock(time_scale)
        self.lock = threading.RLock()
        self.facts = {}          # instance id -> InstanceFacts
        # instance id -> {field: value}: what SSM's instance information
        # says instead of the made-up facts (POST /_sim/ssm/instance).
        self.ssm_fields = {}
        self.log = []            # dicts, see sim.py
        self.log_lock = threading.Lock()
        self.start = time.monotonic()
        self.accounts = []       # [{"id", "key", "secret", "user"}]
        # instance id -> pre-check fate (PRECHECK_FATES): what the next
        # pre-check of that instance finds.  World-level and per instance
        # so that anything can change it: POST /_sim/precheck sets it, and
        # a fix the simulator runs sets it to "ok" for the kind it repairs
        # (the next pre-check then passes).  It wins over the instance's
        # `sim:precheck` tag; with neither, the pre-check follows the
        # instance's made-up facts (world.InstanceFacts.fail).
        self.precheck_fate = {}
        self.regions = ["us-east-1"]
        # Booting: StartInstances puts an instance's id here with the
        # simulated time it was started; its SSM agent reports Online
        # boot_delay simulated seconds later (a tag sim:boot=SECONDS
        # overrides the delay, sim:boot=never keeps it offline).  Ids not
        # here (running since the fleet was built) are booted long ago.
        self.boot_delay = 20.0
        self.started_at = {}     # instance id -> simulated start time

    def boot_state(self, instance_id, tags, now):
        """(online, since): whether a running instance's agent is up yet,
        and since when (simulated seconds; None if it never comes up)."""
        want = tags.get("sim:boot")
        if want == "never":
            return False, None
        t0 = self.started_at.get(instance_id)
        if t0 is None:
            return True, None
        delay = self.boot_delay
        if want is not None:
            try:
                delay = max(0.0, float(want))
            except ValueError:
                pass
        return now >= t0 + delay, t0 + delay

    def info(self, msg):
        sys.stderr.write("sim: %s\n" % msg)
        sys.stderr.flush()

    def warn(self, msg):
        sys.stderr.write("sim: warning: %s\n" % msg)
        sys.stderr.flush()

    def record(self, rec):
        """Append one AWS request to the log GET /_sim/log returns."""
        with self.log_lock:
            self.log.append(rec)

    def health(self):
        from moto.ec2.models import ec2_backends
        n = 0
        for a in self.accounts:
            for r in self.regions:
                try:
                    n += sum(len(x.instances) for x in
                             list(ec2_backends[a["id"]][r].reservations.values()))
                except KeyError:
                    pass
        return {"ok": True, "seed": self.seed, "accounts": [a["id"] for a in self.accounts],
                "regions": self.regions, "instances": n, "sim_time": self.clock.now(),
                "time_scale": self.clock.scale, "requests": len(self.log)}

    def precheck_fate_for(self, instance_id, tags):
        """The pre-check fate of an instance, or None (see precheck_fate)."""
        f = self.precheck_fate.get(instance_id)
        if f is None:
            f = tags.get("sim:precheck")
        return f if f in PRECHECK_FATES else None

    def facts_for(self, instance):
        f = self.facts.get(instance.id)
        if f is None:
            f = derive_facts(instance.id, getattr(instance, "platform", None) == "windows",
                             self.seed)
            self.facts[instance.id] = f
        return f
