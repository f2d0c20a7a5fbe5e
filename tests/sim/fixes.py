"""The patchdeck-fix document on simulated instances (issue #9 point 5).

A fix changes what the next pre-check (and patch) of the instance sees.
What it acts on, first found first:
  - the instance's pre-check fate (world.precheck_fate, else its
    `sim:precheck` tag): a fix that repairs it sets world.precheck_fate of
    the instance to "ok", so the next pre-check passes;
  - else its patch-night fate (the `sim:fail` tag, else
    world.InstanceFacts.fail): that stays as it is, and world.fixed[instance
    id] remembers which fates a fix repaired, so ssm.py treats them as
    gone.  A fate set again later (the tag changed to another value) is a
    new fault, not fixed.
The fix takes effect when it is decided (at SendCommand), like every
outcome in ssm.py; patchdeck only pre-checks again after the fix ended.

Fates and the fix kind (Kind parameter) that repairs them:
  disk (pre-check), disk-full         disk
  repo_unreachable, repo_url,         repo (needs a RepoMap)
  repo-unreachable
  pkg_lock (pre-check),               pkg_lock with Force=true only: a package
  pkg-lock-running                    manager runs and holds the lock; without
                                      Force the fix is "skipped"
  pkg-lock                            pkg_lock: a stale lock of an interrupted
                                      transaction (no Force needed)
Other fates (reboot_pending, load, status_check, timeout, agent offline,
...) are not repaired.

Everything else renders as the pkg-lock fate (render_fate): to the
pre-check and the patch a running package manager is a held lock.
"""

import json

REPAIRS = {
    "disk-full": "disk", "disk": "disk",
    "repo-unreachable": "repo", "repo_unreachable": "repo",
    "repo-url": "repo", "repo_url": "repo",
    "pkg-lock": "pkg_lock", "pkg_lock": "pkg_lock",
    "pkg-lock-running": "pkg_lock",
}
RUNNING = ("pkg_lock", "pkg-lock-running")

CLEAN = {"apt": "apt-get clean", "yum": "yum -y clean all", "dnf": "dnf -y clean all",
         "zypper": "zypper --non-interactive clean --all"}
REPO_FILE = {"apt": "/etc/apt/sources.list", "yum": "/etc/yum.repos.d/amzn2-core.repo",
             "dnf": "/etc/yum.repos.d/amazonlinux.repo",
             "zypper": "/etc/zypp/repos.d/SLE-Module-Basesystem.repo"}
HOLDER = {"apt": "unattended-upgr", "yum": "yum", "dnf": "dnf", "zypper": "zypper"}


def _fixed(world):
    with world.lock:
        if not hasattr(world, "fixed"):
            world.fixed = {}
        return world.fixed


def effective_fail(world, instance_id, fail):
    """fail, or None when a fix has repaired it."""
    if fail is not None and fail in _fixed(world).get(instance_id, ()):
        return None
    return fail


def render_fate(fail):
    """The patch-night fate as the other documents see it."""
    return "pkg-lock" if fail == "pkg-lock-running" else fail


def _param(params, name, default=""):
    v = params.get(name)
    if isinstance(v, list):
        v = v[0] if v else default
    return default if v is None else str(v)


def render(world, facts, instance_id, fail, fate, rng, params):
    """The fix's output for one instance; records what it repaired."""
    if fate is not None:
        fail = fate
    kind = _param(params, "Kind")
    force = _param(params, "Force", "false") == "true"
    repo_map = _param(params, "RepoMap")
    mgr = facts.os[3]
    pid = rng.randint(1200, 65000)
    holder = "pid %d (%s)" % (pid, HOLDER.get(mgr, "dpkg"))
    status, error, freed, changed = "ok", "", 0, []
    repaired = fail is not None and REPAIRS.get(fail) == kind
    out = ["patchdeck fix %s on %s (%s)\n" % (kind, facts.os[0], mgr)]
    if kind == "disk":
        if fail in RUNNING:
            status = "failed"
            error = "package caches not cleaned: package manager running: " + holder
            changed = ["journalctl --vacuum-size=200M"]
            freed = rng.randint(5, 60)
        else:
            changed = [CLEAN.get(mgr, "apt-get clean"), "journalctl --vacuum-size=200M"]
            freed = rng.randint(400, 3000) if repaired else rng.randint(5, 200)
    elif kind == "repo":
        if not repo_map.replace(",", "").strip():
            status, error = "skipped", "no repository map given ([precheck] repo_map)"
            repaired = False
        elif repaired:
            changed = [REPO_FILE.get(mgr, "/etc/apt/sources.list")]
        else:
            status, error = "skipped", "no repository URL starts with a FROM of the map"
    elif kind == "pkg_lock":
        if fail in RUNNING and not force:
            status = "skipped"
            error = "package manager running: %s; not stopped (Force=true stops it)" % holder
            repaired = False
        else:
            if fail in RUNNING:
                changed.append("stopped " + holder)
            if mgr == "apt":
                if fail is not None and REPAIRS.get(fail) == "pkg_lock":
                    changed.append("removed /var/lib/dpkg/lock-frontend")
                changed.append("dpkg --configure -a")
            elif mgr == "yum":
                if fail is not None and REPAIRS.get(fail) == "pkg_lock":
                    changed.append("removed /var/run/yum.pid")
                changed.append("yum-complete-transaction -y")
            elif fail is not None and REPAIRS.get(fail) == "pkg_lock":
                changed.append("removed /run/%s.pid" % ("zypp" if mgr == "zypper" else mgr))
    else:
        status, error = "failed", "unknown kind (disk, repo, pkg_lock)"
    if repaired and status == "ok" and fate is not None:
        with world.lock:
            world.precheck_fate[instance_id] = "ok"
    elif repaired and status == "ok":
        _fixed(world).setdefault(instance_id, set()).add(fail)
    line = {"v": 1, "kind": kind, "status": status, "freed_mb": freed, "changed": changed,
            "error": error}
    out.append("PATCHDECK_FIX " + json.dumps(line, separators=(",", ":")) + "\n")
    rc = 1 if status == "failed" else 0
    return {"stdout": "".join(out), "stderr": "", "rc": rc,
            "status": "Failed" if rc else "Success", "details": "Failed" if rc else "Success",
            "duration": rng.uniform(3, 30)}
