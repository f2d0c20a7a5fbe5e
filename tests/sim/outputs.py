"""What the SSM documents print on simulated instances (DESIGN.md §6).

render() returns stdout, stderr, exit code, SSM status and details and the
run time in simulated seconds for one instance.  Everything is drawn from
the rng it is given (seeded per command and instance) so output repeats.

Failure kinds (world.FAIL_KINDS, forced by the `sim:fail` tag):
  disk-full         package manager runs out of space; status failed, exit 1
  repo-unreachable  metadata download fails; status failed, exit 1
  pkg-lock          another package manager holds the lock; status failed, exit 1
  reboot            kernel updated: exit 194, SSM reboots, second pass;
                    two result lines ("required" then "done"), Success
  timeout           never finishes; SSM kills it at executionTimeout (TimedOut)
  malformed-output  the result line is cut off mid-JSON; exit 0, Success
  agent-offline     handled by ssm.py: Undeliverable, no output

Windows (AWS-InstallWindowsUpdates) prints, like the real document, a table of
updates and ends with a line patchdeck reads the count from:
  "Installed N updates." (or "No updates to install." when N is 0)
"""

import json

PKGS_RPM = ["openssl-libs", "curl", "libcurl", "glibc", "glibc-common", "systemd", "sudo",
            "bash", "python3", "python3-libs", "openssh", "openssh-server", "tzdata",
            "libxml2", "krb5-libs", "ca-certificates", "vim-minimal", "expat", "libssh",
            "nss", "gnutls", "sqlite-libs", "rsync", "less", "kpartx", "polkit"]
PKGS_DEB = ["openssl", "libssl3", "curl", "libcurl4", "libc6", "libc-bin", "systemd",
            "libsystemd0", "sudo", "bash", "python3.10", "openssh-server", "openssh-client",
            "tzdata", "libxml2", "libkrb5-3", "ca-certificates", "vim-tiny", "libexpat1",
            "libgnutls30", "libsqlite3-0", "rsync", "less", "snapd", "ubuntu-advantage-tools"]
KB = ["KB5034439", "KB5035849", "KB5036896", "KB5037765", "KB5039217", "KB5040430",
      "KB5041578", "KB890830", "KB2267602", "KB5034768", "KB5041160", "KB5042881"]


def _result(**kw):
    d = {"v": 1}
    d.update(kw)
    return "PATCHDECK_RESULT " + json.dumps(d, separators=(",", ":")) + "\n"


def render(kind, facts, inst, fail, rng, params, region, fate=None):
    if kind == "windows":
        return _windows(facts, fail, rng)
    if kind == "precheck":
        return _precheck(facts, fail, rng, fate)
    if kind == "shell":
        return _shell(params, rng)
    return _patch(facts, fail, rng, region)


def _shell(params, rng):
    cmds = params.get("commands") or []
    out = []
    for c in cmds:
        c = c.strip()
        if c.startswith("echo "):
            out.append(c[5:].strip("'\"") + "\n")
    return {"stdout": "".join(out), "stderr": "", "rc": 0, "status": "Success",
            "details": "Success", "duration": rng.uniform(1, 4)}


# Before the line of a "hostile" pre-check: an OSC window title, a screen
# clear, colours, a C1 CSI, a bidi override, raw control bytes (BEL, BS,
# CR, DEL, C1) and what SSM makes of invalid UTF-8 (U+FFFD: its API is
# JSON); a pane that passes any of it through is broken.
HOSTILE_OUTPUT = ("checking \x1b]0;pwned\x07disk\x1b[2J\x1b[31mRED\x1b[0m "
                  "\x9b31mc1\u202etxt.exe \x07bell\x08back\r\n"
                  "raw: \x01\x02\x7f\x85\ufffd\x1bP+q\x1b\\ end\n")


def _precheck(facts, fail, rng, fate=None):
    if fate is not None:
        return _precheck_fate(facts, rng, fate)
    free_pct = rng.randint(25, 80)
    size = rng.choice([8192, 20480, 51200, 102400])
    disk = [{"mount": "/", "free_mb": size * free_pct // 100, "free_pct": free_pct}]
    if rng.random() < 0.4:
        disk.append({"mount": "/var", "free_mb": rng.randint(2000, 40000),
                     "free_pct": rng.randint(20, 90)})
    repo = "ok"
    lock = False
    pending = rng.random() < 0.1
    if fail == "disk-full":
        disk[0] = {"mount": "/", "free_mb": rng.randint(0, 90), "free_pct": rng.randint(0, 1)}
    elif fail == "repo-unreachable":
        repo = "Curl error (28): Timeout was reached for https://cdn.redhat.com/content/dist/" \
               "rhel9/repodata/repomd.xml [Connection timed out after 30000 milliseconds]"
    elif fail == "pkg-lock":
        lock = True
    os_ = facts.os
    mgr = os_[3] if not facts.windows else "none"
    urls = {"apt": ["http://archive.ubuntu.com/ubuntu", "http://security.ubuntu.com/ubuntu"],
            "zypper": ["https://updates.suse.com/SUSE/Updates/SLE-Module-Basesystem/15-SP5"],
            "yum": ["https://amazonlinux-2-repos-us-east-1.s3.dualstack.us-east-1.amazonaws.com"
                    "/2/core/latest/x86_64/mirror.list"],
            "dnf": ["https://cdn.amazonlinux.com/al2023/core/mirrors/latest/x86_64/mirror.list"]
            }.get(mgr, [])
    line = {"v": 1, "disk": disk, "repo": repo, "repo_urls": urls, "pkg_lock": lock,
            "uptime_s": rng.randint(3600, 90 * 86400), "load1": round(rng.uniform(0, 4), 2),
            "reboot_pending": pending}
    out = ("patchdeck precheck on %s\nchecking disk space\nchecking package repositories (%s)\n"
           "checking package manager lock\n" % (os_[0], mgr))
    out += "PATCHDECK_PRECHECK " + json.dumps(line, separators=(",", ":")) + "\n"
    if fail == "malformed-output":
        out = out[:out.index("PATCHDECK_PRECHECK") + 40] + "\n"
    return {"stdout": out, "stderr": "", "rc": 0, "status": "Success", "details": "Success",
            "duration": rng.uniform(4, 20)}


def _precheck_fate(facts, rng, fate):
    """A pre-check decided by a fate (world.PRECHECK_FATES)."""
    os_ = facts.os
    mgr = os_[3] if not facts.windows else "none"
    disk = [{"mount": "/", "free_mb": 20480 * 60 // 100, "free_pct": 60},
            {"mount": "/var", "free_mb": 15000, "free_pct": 55}]
    repo = "ok"
    urls = ["https://mirror.example.com/%s/base" % mgr]
    lock = False
    pending = False
    load = round(rng.uniform(0, 1.5), 2)
    if fate == "disk":
        disk[0] = {"mount": "/", "free_mb": rng.randint(0, 90), "free_pct": rng.randint(0, 1)}
    elif fate == "repo_unreachable":
        repo = "Curl error (28): Timeout was reached for https://mirror.example.com/" \
               "repodata/repomd.xml [Connection timed out after 30000 milliseconds]"
    elif fate == "repo_url":
        urls.append("http://untrusted.example.net/%s/extras" % mgr)
    elif fate == "pkg_lock":
        lock = True
        repo = "not checked: package lock held by %s (pid %d)" % (mgr, rng.randint(300, 90000))
    elif fate == "reboot_pending":
        pending = True
    elif fate == "load":
        load = 64.0
    line = {"v": 1, "disk": disk, "repo": repo, "repo_urls": urls, "pkg_lock": lock,
            "uptime_s": rng.randint(3600, 90 * 86400), "load1": load,
            "reboot_pending": pending}
    out = ("patchdeck precheck on %s\nchecking disk space\nchecking package repositories (%s)\n"
           "checking package manager lock\n" % (os_[0], mgr))
    if fate == "hostile":
        out += HOSTILE_OUTPUT
    out += "PATCHDECK_PRECHECK " + json.dumps(line, separators=(",", ":")) + "\n"
    if fate == "malformed":
        out = out[:out.index("PATCHDECK_PRECHECK") + 40] + "\n"
    res = {"stdout": out, "stderr": "", "rc": 0, "status": "Success", "details": "Success",
           "duration": rng.uniform(4, 20)}
    if fate == "timeout":
        res.update(stdout=out[:out.index("PATCHDECK_PRECHECK")], rc=-1, status="TimedOut",
                   details="ExecutionTimedOut", duration=600.0)
    return res


def _pkg_list(facts, rng, mgr, n, kernel_after, reboot):
    names = list(PKGS_DEB if mgr == "apt" else PKGS_RPM)
    rng.shuffle(names)
    chosen = names[:min(n, len(names))]
    while len(chosen) < n:
        chosen.append("lib%s%d" % (rng.choice(["x", "gl", "perl-", "py-", "ruby-"]),
                                   rng.randint(1, 999)))
    if reboot:
        chosen.insert(0, "linux-image-" + kernel_after if mgr == "apt" else "kernel")
    return chosen


def _patch(facts, fail, rng, region):
    name, pname, pver, mgr, kb, ka = facts.os
    pkgs_before = facts.pkgs
    reboot = fail == "reboot"
    n = facts.updates if fail not in ("disk-full", "repo-unreachable", "pkg-lock") else 0
    if reboot and n == 0:
        n = rng.randint(3, 20)
    kernel_after = ka if reboot else kb
    out = ["patchdeck patch: %s (%s)\n" % (name, mgr),
           "running kernel: %s\n" % kb,
           "installed packages: %d\n" % pkgs_before]
    err = ""
    rc = 0
    status, details = "Success", "Success"
    dur = rng.uniform(40, 240)
    base = {"os": name, "kernel_before": kb, "pkgs_before": pkgs_before}
    if fail == "repo-unreachable":
        if mgr == "apt":
            out.append("Err:1 http://archive.ubuntu.com/ubuntu jammy InRelease\n"
                       "  Could not connect to archive.ubuntu.com:80 (185.125.190.36), "
                       "connection timed out\n")
            err = ("W: Failed to fetch http://archive.ubuntu.com/ubuntu/dists/jammy/InRelease"
                   "  Could not connect to archive.ubuntu.com:80, connection timed out\n"
                   "E: Some index files failed to download.\n")
        else:
            err = ("Errors during downloading metadata for repository 'amazonlinux':\n"
                   "  - Curl error (28): Timeout was reached for https://cdn.amazonlinux.com/"
                   "al2023/core/mirrors/latest/x86_64/mirror.list [Connection timed out after "
                   "30001 milliseconds]\nError: Failed to download metadata for repo "
                   "'amazonlinux': Cannot download repomd.xml\n")
        out.append(_result(kernel_after=kb, pkgs_updated=0, pkgs_available_after=0,
                           reboot="none", status="failed",
                           error="repository unreachable: metadata download timed out", **base))
        return _done(out, err, 1, "Failed", "Failed", rng.uniform(30, 70))
    if fail == "pkg-lock":
        if mgr == "apt":
            err = ("E: Could not get lock /var/lib/dpkg/lock-frontend. It is held by process "
                   "%d (unattended-upgr)\nE: Unable to acquire the dpkg frontend lock "
                   "(/var/lib/dpkg/lock-frontend), is another process using it?\n"
                   % rng.randint(900, 30000))
        else:
            err = ("Waiting for process with pid %d to finish.\nError: rpmdb open failed: "
                   "another package manager holds the lock\n" % rng.randint(900, 30000))
        out.append(_result(kernel_after=kb, pkgs_updated=0, pkgs_available_after=facts.updates,
                           reboot="none", status="failed",
                           error="package manager lock held by another process", **base))
        return _done(out, err, 1, "Failed", "Failed", rng.uniform(60, 300))
    avail = facts.updates + (1 if reboot else 0)
    out.append("updates available: %d\n" % avail)
    pkgs = _pkg_list(facts, rng, mgr, facts.updates, ka, reboot)
    if fail == "disk-full":
        if mgr == "apt":
            err = ("E: You don't have enough free space in /var/cache/apt/archives/.\n")
        else:
            err = ("Error: Transaction test error:\n  installing package %s needs %dMB more "
                   "space on the / filesystem\n" % (pkgs[0] if pkgs else "glibc",
                                                    rng.randint(20, 400)))
        out.append(_result(kernel_after=kb, pkgs_updated=0, pkgs_available_after=avail,
                           reboot="none", status="failed",
                           error="disk full: no space left on / (0 MB free)", **base))
        return _done(out, err, 1, "Failed", "Failed", rng.uniform(30, 120))
    out.extend(_manager_log(mgr, pkgs, rng))
    if fail == "timeout":
        # Hangs in a scriptlet; SSM kills it at executionTimeout.
        out = out[:len(out) // 2] + ["  Running scriptlet: %s (waiting)\n" %
                                     (pkgs[0] if pkgs else "systemd")]
        return _done(out, "", -1, "TimedOut", "ExecutionTimedOut", dur)
    first = _result(kernel_after=kb, pkgs_updated=len(pkgs), pkgs_available_after=0,
                    reboot="required" if reboot else "none", status="ok", error="", **base)
    if fail == "malformed-output":
        first = first[:len(first) // 2] + "\n"
    out.append(first)
    if reboot:
        out.append("newest kernel %s is not running: exit 194 to reboot\n" % ka)
        out.append("patchdeck patch: %s (%s) after reboot\nrunning kernel: %s\n"
                   "installed packages: %d\nupdates available: 0\nNothing to do.\n"
                   % (name, mgr, ka, pkgs_before + 1))
        out.append(_result(os=name, kernel_before=kb, kernel_after=ka, pkgs_before=pkgs_before,
                           pkgs_updated=len(pkgs), pkgs_available_after=0, reboot="done",
                           status="ok", error=""))
        dur += rng.uniform(60, 180)
    return _done(out, "", 0, "Success", "Success", dur)


def _manager_log(mgr, pkgs, rng):
    if mgr == "apt":
        lines = ["Hit:1 http://archive.ubuntu.com/ubuntu jammy InRelease\n",
                 "Get:2 http://security.ubuntu.com/ubuntu jammy-security InRelease [129 kB]\n",
                 "Reading package lists...\nBuilding dependency tree...\nReading state "
                 "information...\nCalculating upgrade...\n"]
        if not pkgs:
            return lines + ["0 upgraded, 0 newly installed, 0 to remove and 0 not upgraded.\n"]
        lines.append("The following packages will be upgraded:\n  " + " ".join(pkgs) + "\n")
        lines.append("%d upgraded, 0 newly installed, 0 to remove and 0 not upgraded.\n"
                     % len(pkgs))
        for p in pkgs:
            v = "%d.%d.%d-%dubuntu%d" % (rng.randint(0, 9), rng.randint(0, 30),
                                         rng.randint(0, 20), rng.randint(1, 9), rng.randint(1, 5))
            lines.append("Preparing to unpack .../%s_%s_amd64.deb ...\n"
                         "Unpacking %s (%s) over (%s~old) ...\n" % (p, v, p, v, v))
        for p in pkgs:
            lines.append("Setting up %s ...\n" % p)
        lines.append("Processing triggers for libc-bin (2.35-0ubuntu3.8) ...\n")
        return lines
    if mgr == "zypper":
        lines = ["Loading repository data...\nReading installed packages...\n"]
        if not pkgs:
            return lines + ["Nothing to do.\n"]
        lines.append("The following %d packages are going to be upgraded:\n  %s\n"
                     % (len(pkgs), " ".join(pkgs)))
        for i, p in enumerate(pkgs, 1):
            lines.append("(%d/%d) Installing: %s ....[done]\n" % (i, len(pkgs), p))
        return lines
    lines = ["Last metadata expiration check: 0:%02d:%02d ago.\n" % (rng.randint(0, 59),
                                                                    rng.randint(0, 59))]
    if not pkgs:
        return lines + ["Dependencies resolved.\nNothing to do.\nComplete!\n"]
    lines.append("Dependencies resolved.\n" + "=" * 78 + "\n Package   Arch   Version   "
                 "Repository   Size\n" + "=" * 78 + "\nUpgrading:\n")
    for p in pkgs:
        lines.append(" %-30s x86_64 %d.%d.%d-%d.amzn2023 amazonlinux %d k\n"
                     % (p, rng.randint(0, 9), rng.randint(0, 30), rng.randint(0, 20),
                        rng.randint(1, 200), rng.randint(20, 9000)))
    lines.append("\nTransaction Summary\n" + "=" * 78 + "\nUpgrade  %d Packages\n\n"
                 "Downloading Packages:\nRunning transaction check\nTransaction check "
                 "succeeded.\nRunning transaction test\nTransaction test succeeded.\n"
                 "Running transaction\n" % len(pkgs))
    for i, p in enumerate(pkgs, 1):
        lines.append("  Upgrading        : %-40s %d/%d\n  Running scriptlet: %-40s %d/%d\n"
                     % (p, i, 2 * len(pkgs), p, i, 2 * len(pkgs)))
    for i, p in enumerate(pkgs, 1):
        lines.append("  Cleanup          : %-40s %d/%d\n  Verifying        : %-40s %d/%d\n"
                     % (p, len(pkgs) + i, 2 * len(pkgs), p, i, len(pkgs)))
    lines.append("\nUpgraded:\n  " + "\n  ".join(pkgs) + "\n\nComplete!\n")
    return lines


def _windows(facts, fail, rng):
    n = facts.updates % 9 if fail != "disk-full" else 0
    kbs = rng.sample(KB, min(n, len(KB)))
    out = ["Searching for updates...\n"]
    if fail == "disk-full":
        err = ("Install-WindowsUpdate : There is not enough space on the disk. "
               "(Exception from HRESULT: 0x80070070)\n")
        out.append("Found %d updates.\nDownloading updates...\n" % rng.randint(1, 6))
        return _done(out, err, 1, "Failed", "Failed", rng.uniform(120, 600))
    if not kbs:
        out.append("No updates to install.\n")
        return _done(out, "", 0, "Success", "Success", rng.uniform(60, 200))
    out.append("Found %d updates.\nDownloading updates...\nInstalling updates...\n\n"
               "KB         Result     Title\n--         ------     -----\n" % len(kbs))
    for kb in kbs:
        out.append("%-10s Succeeded  %s Cumulative Update for Windows Server (%s)\n"
                   % (kb, "2024-%02d" % rng.randint(1, 12), kb))
    if fail == "timeout":
        return _done(out[:3], "", -1, "TimedOut", "ExecutionTimedOut", 3600)
    out.append("\nInstalled %d updates.\n" % len(kbs))
    if fail == "reboot":
        out.append("A reboot is required to complete the installation. Rebooting...\n")
    return _done(out, "", 0, "Success", "Success", rng.uniform(300, 1800))


def _done(out, err, rc, status, details, dur):
    return {"stdout": "".join(out), "stderr": err, "rc": rc, "status": status,
            "details": details, "duration": dur}
