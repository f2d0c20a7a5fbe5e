#!/usr/bin/env python3
"""Tests for data/ssm/linux-patch.sh, precheck.sh and fix.sh (with common.sh).

Each test builds a fake host in a temporary directory: PATCHDECK_ROOT holds
/etc/os-release, /lib/modules, /boot, /proc, /run and the state directory;
stub package managers (apt-get, apt-mark, dpkg-query, yum, rpm, zypper,
needs-restarting) and uname, df, pgrep come first on PATH and act on a small
state directory ($FAKE).  The scripts run under /bin/sh (dash here) and, for a
few cases, bash --posix.

    python3 -m unittest tests/sim/test_ssm_scripts.py -v
"""
import json
import os
import atexit
import shutil
import subprocess
import sys
import tempfile
import unittest

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
SSM = os.path.join(REPO, "data", "ssm")

def _load_build():
    import importlib.util
    spec = importlib.util.spec_from_file_location("ssm_build", os.path.join(SSM, "build.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


BUILD = _load_build()
# The scripts as the documents run them (common.sh in place of its mark);
# the parameter assignments are left out, so the tests drive them by
# environment as the assignments would.
_SCRIPTS = tempfile.mkdtemp(prefix="patchdeck-ssm-")
atexit.register(shutil.rmtree, _SCRIPTS, True)


def _runnable(doc):
    path = os.path.join(_SCRIPTS, BUILD.DOCS[doc]["script"])
    with open(path, "w", encoding="utf-8") as fh:
        fh.write("\n".join(BUILD.script_lines(doc)) + "\n")
    return path


PATCH = _runnable("patchdeck-linux-patch.json")
PRECHECK = _runnable("patchdeck-precheck.json")
FIX = _runnable("patchdeck-fix.json")

RESULT_KEYS = ["v", "os", "kernel_before", "kernel_after", "pkgs_before", "pkgs_updated",
               "pkgs_available_after", "reboot", "status", "error"]
FIX_KEYS = ["v", "kind", "status", "freed_mb", "changed", "error"]
PRECHECK_KEYS = ["v", "disk", "repo", "repo_urls", "pkg_lock", "uptime_s", "load1", "reboot_pending"]

# --- stubs: POSIX sh, driven by files under $FAKE --------------------------------
STUBS = {
    "uname": r'''
if [ "$1" = -r ]; then cat "$FAKE/uname_r"; else echo Linux; fi
''',
    "df": r'''
p=$2
f=$FAKE/df$(printf '%s' "$p" | tr / _)
[ -f "$f" ] || f=$FAKE/df_
echo "Filesystem     1024-blocks    Used Available Capacity Mounted on"
cat "$f"
''',
    "pgrep": r'''
[ -s "$FAKE/pgrep" ] || exit 1
cat "$FAKE/pgrep"
''',
    "needs-restarting": r'''
[ -f "$FAKE/needs_reboot" ] && exit 1
exit 0
''',
    "rpm": r'''
echo "rpm $*" >>"$FAKE/calls"
cat "$FAKE/installed"
''',
    "dpkg-query": r'''
echo "dpkg-query $*" >>"$FAKE/calls"
pat=
for a in "$@"; do case $a in -*) ;; *) pat=$a ;; esac; done
if [ -n "$pat" ]; then
	while read -r n v; do
		case ${n%%:*} in $pat) echo "${n%%:*}" ;; esac
	done <"$FAKE/installed"
	exit 0
fi
while read -r n v; do printf 'ii |%s|%s\n' "$n" "$v"; done <"$FAKE/installed"
''',
    "apt-mark": r'''
echo "apt-mark $*" >>"$FAKE/calls"
case $1 in
showhold) cat "$FAKE/held" 2>/dev/null ;;
hold | unhold) op=$1; shift; echo "$*" >>"$FAKE/apt_mark_$op" ;;
esac
exit 0
''',
    "apt-get": r'''
echo "apt-get $*" >>"$FAKE/calls"
sim=0 op=
for a in "$@"; do
	case $a in -s) sim=1 ;; update | upgrade | dist-upgrade) op=$a ;; esac
done
case $op in
update)
	if [ -f "$FAKE/fail_repo" ]; then
		echo "Err:1 http://deb.debian.org/debian bookworm InRelease"
		echo "  Temporary failure resolving 'deb.debian.org'"
		echo "W: Failed to fetch http://deb.debian.org/debian/dists/bookworm/InRelease  Temporary failure resolving 'deb.debian.org'"
		echo "W: Some index files failed to download. They have been ignored, or old ones used instead."
		exit 0
	fi
	echo "Hit:1 http://deb.debian.org/debian bookworm InRelease"
	echo "Reading package lists..."
	;;
upgrade)
	if [ $sim = 1 ]; then
		while read -r n v r; do [ -n "$n" ] && echo "Inst $n [old] ($v $r [amd64])"; done <"$FAKE/updates"
		exit 0
	fi
	if [ -f "$FAKE/apply_fail" ]; then cat "$FAKE/apply_fail"; exit 100; fi
	. "$FAKE/apply.sh"
	;;
esac
exit 0
''',
    "yum": r'''
echo "yum $*" >>"$FAKE/calls"
for a in "$@"; do
	case $a in
	makecache)
		if [ -f "$FAKE/fail_repo" ]; then
			echo "Loaded plugins: extras_suggestions, langpacks, priorities, update-motd"
			echo "Could not retrieve mirrorlist https://amazonlinux-2-repos-us-east-1.s3.dualstack.us-east-1.amazonaws.com/2/core/latest/x86_64/mirror.list error was"
			echo "12: Timeout on https://amazonlinux-2-repos-us-east-1.s3.dualstack.us-east-1.amazonaws.com: (28, 'Connection timed out after 5000 milliseconds')"
			exit 1
		fi
		echo "Metadata Cache Created"; exit 0 ;;
	check-update)
		[ -s "$FAKE/updates" ] || exit 0
		echo
		cat "$FAKE/updates"
		exit 100 ;;
	update)
		echo "yum-update $*" >>"$FAKE/yum_update_args"
		if [ -f "$FAKE/apply_fail" ]; then cat "$FAKE/apply_fail"; exit 1; fi
		. "$FAKE/apply.sh"
		echo "Complete!"; exit 0 ;;
	esac
done
exit 0
''',
    "zypper": r'''
echo "zypper $*" >>"$FAKE/calls"
for a in "$@"; do
	case $a in
	refresh)
		if [ -f "$FAKE/fail_repo" ]; then
			echo "Download (curl) error for 'https://updates.suse.com/SUSE/Updates/SLE-Module-Basesystem/15-SP5/x86_64/update/repodata/repomd.xml':"
			echo "Error code: Connection failed"
			echo "Repository 'SLE-Module-Basesystem15-SP5-Updates' is invalid."
			exit 4
		fi
		echo "All repositories have been refreshed."; exit 0 ;;
	list-updates)
		echo "S | Repository | Name | Current Version | Available Version | Arch"
		echo "--+------------+------+-----------------+-------------------+-------"
		while read -r n v r; do [ -n "$n" ] && echo "v | $r | $n | 1 | $v | x86_64"; done <"$FAKE/updates"
		exit 0 ;;
	update)
		. "$FAKE/apply.sh"
		[ -f "$FAKE/zypper_reboot" ] && exit 102
		exit 0 ;;
	needs-rebooting) exit 0 ;;
	locks) echo "There are no package locks defined."; exit 0 ;;
	addlock | removelock) echo "$*" >>"$FAKE/zypper_$a"; exit 0 ;;
	esac
done
exit 0
''',
}

# Applying updates: installed := installed.after, new kernels appear under
# /lib/modules and /boot, nothing is left to update.
APPLY = r'''
cp "$FAKE/installed.after" "$FAKE/installed"
for k in $(cat "$FAKE/new_kernels" 2>/dev/null); do
	mkdir -p "$PATCHDECK_ROOT/lib/modules/$k" "$PATCHDECK_ROOT/boot"
	: >"$PATCHDECK_ROOT/boot/vmlinuz-$k"
done
: >"$FAKE/updates"
'''

OS_RELEASE = {
    "amzn": 'NAME="Amazon Linux"\nVERSION="2"\nID="amzn"\nID_LIKE="centos rhel fedora"\n'
            'VERSION_ID="2"\nPRETTY_NAME="Amazon Linux 2"\n',
    "debian": 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nNAME="Debian GNU/Linux"\n'
              'VERSION_ID="12"\nID=debian\n',
    "sles": 'NAME="SLES"\nVERSION="15-SP5"\nVERSION_ID="15.5"\nPRETTY_NAME="SUSE Linux Enterprise '
            'Server 15 SP5"\nID="sles"\nID_LIKE="suse"\n',
}


def check_json_line(tc, line, prefix, keys):
    tc.assertTrue(line.startswith(prefix + " "), line)
    text = line[len(prefix) + 1:]

    def no_dupes(pairs):
        names = [k for k, _ in pairs]
        tc.assertEqual(len(names), len(set(names)), "duplicate keys in %r" % text)
        return dict(pairs)
    obj = json.loads(text, object_pairs_hook=no_dupes)
    tc.assertEqual(list(obj), keys, text)
    tc.assertEqual(obj["v"], 1)
    return obj


class FakeHost:
    def __init__(self, flavor, kernel="5.10.1-1.amzn2.x86_64"):
        self.dir = tempfile.mkdtemp(prefix="pd-ssm-")
        self.root = os.path.join(self.dir, "root")
        self.bin = os.path.join(self.dir, "bin")
        self.fake = os.path.join(self.dir, "fake")
        for d in (self.bin, self.fake, "etc", "lib/modules", "boot", "proc/sys/kernel/random", "run"):
            os.makedirs(d if d.startswith("/") else os.path.join(self.root, d), exist_ok=True)
        for name, body in STUBS.items():
            if name in ("yum", "needs-restarting", "rpm") and flavor != "amzn":
                if not (name == "rpm" and flavor == "sles"):
                    continue
            if name in ("apt-get", "apt-mark", "dpkg-query") and flavor != "debian":
                continue
            if name == "zypper" and flavor != "sles":
                continue
            self.write(os.path.join(self.bin, name), "#!/bin/sh\n" + body, 0o755)
        self.write(os.path.join(self.root, "etc/os-release"), OS_RELEASE[flavor])
        self.set_kernel(kernel)
        self.add_kernel(kernel)
        self.boot_id("boot-1")
        self.f("apply.sh", APPLY)
        self.f("installed", "")
        self.f("installed.after", "")
        self.f("updates", "")
        self.write(os.path.join(self.root, "proc/uptime"), "86461.25 170000.00\n")
        self.write(os.path.join(self.root, "proc/loadavg"), "0.52 0.40 0.33 1/123 4567\n")
        self.f("df_", "/dev/nvme0n1p1     8376300 3276800   5099500      40% /\n")

    @staticmethod
    def write(path, text, mode=None):
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as fh:
            fh.write(text.encode("utf-8", "surrogateescape") if isinstance(text, str) else text)
        if mode:
            os.chmod(path, mode)

    def f(self, name, text):
        self.write(os.path.join(self.fake, name), text)

    def rf(self, name):
        p = os.path.join(self.fake, name)
        if not os.path.exists(p):
            return ""
        with open(p, encoding="utf-8", errors="replace") as fh:
            return fh.read()

    def set_kernel(self, k):
        self.f("uname_r", k + "\n")

    def add_kernel(self, k):
        os.makedirs(os.path.join(self.root, "lib/modules", k), exist_ok=True)
        self.write(os.path.join(self.root, "boot", "vmlinuz-" + k), "")

    def boot_id(self, b):
        self.write(os.path.join(self.root, "proc/sys/kernel/random/boot_id"), b + "\n")

    def state(self, *p):
        return os.path.join(self.root, "var/lib/patchdeck", *p)

    def run(self, script, env=None, shell=("sh",)):
        e = {
            "PATH": self.bin + ":/usr/bin:/bin",
            "HOME": self.dir,
            "TMPDIR": self.dir,
            "FAKE": self.fake,
            "PATCHDECK_ROOT": self.root,
            "PATCHDECK_LOCK_WAIT": "0",
        }
        e.update(env or {})
        p = subprocess.run(list(shell) + [script], env=e, capture_output=True, timeout=60)
        return p.returncode, p.stdout.decode("utf-8", "strict"), p.stderr.decode("utf-8", "replace")

    def cleanup(self):
        shutil.rmtree(self.dir, ignore_errors=True)


class Base(unittest.TestCase):
    flavor = "amzn"
    kernel = "5.10.1-1.amzn2.x86_64"

    def setUp(self):
        self.h = FakeHost(self.flavor, self.kernel)
        self.addCleanup(self.h.cleanup)

    def result(self, out, n=1):
        lines = [l for l in out.split("\n") if "PATCHDECK_RESULT" in l]
        self.assertEqual(len(lines), n, out)
        return [check_json_line(self, l, "PATCHDECK_RESULT", RESULT_KEYS) for l in lines]

    def patch(self, env=None, shell=("sh",)):
        rc, out, err = self.h.run(PATCH, env, shell)
        r = self.result(out)[0]
        for k in ("pkgs_before", "pkgs_updated", "pkgs_available_after"):
            self.assertIsInstance(r[k], int)
            self.assertGreaterEqual(r[k], 0)
        self.assertIn(r["reboot"], ("none", "required", "done"))
        self.assertIn(r["status"], ("ok", "failed"))
        return rc, r, out, err


class YumTests(Base):
    def setUp(self):
        super().setUp()
        h = self.h
        h.f("installed", "bash.x86_64 0:4.2.46-34\nglibc.x86_64 0:2.26-1\n"
                         "kernel.x86_64 0:5.10.1-1.amzn2\n")
        h.f("updates", "bash.x86_64    4.2.46-35    amzn2-core\n"
                       "kernel.x86_64  5.10.2-1.amzn2  amzn2-core\n")
        h.f("installed.after", "bash.x86_64 0:4.2.46-35\nglibc.x86_64 0:2.26-1\n"
                               "kernel.x86_64 0:5.10.1-1.amzn2\nkernel.x86_64 0:5.10.2-1.amzn2\n")
        h.f("new_kernels", "5.10.2-1.amzn2.x86_64\n")

    def test_reboot_two_passes(self):
        rc, r, out1, _ = self.patch()
        self.assertEqual(rc, 194)
        self.assertEqual((r["status"], r["reboot"]), ("ok", "required"))
        self.assertEqual(r["os"], "Amazon Linux 2")
        self.assertEqual(r["kernel_before"], "5.10.1-1.amzn2.x86_64")
        self.assertEqual(r["kernel_after"], "5.10.2-1.amzn2.x86_64")
        self.assertEqual((r["pkgs_before"], r["pkgs_updated"], r["pkgs_available_after"]), (3, 2, 0))
        self.assertTrue(os.path.exists(self.h.state("reboot-pending")))
        # the agent reboots into the new kernel and runs the step again
        self.h.set_kernel("5.10.2-1.amzn2.x86_64")
        self.h.boot_id("boot-2")
        calls_before = self.h.rf("yum_update_args")
        rc, r2, out2, _ = self.patch()
        self.assertEqual(rc, 0)
        self.assertEqual((r2["status"], r2["reboot"]), ("ok", "done"))
        self.assertEqual(r2["kernel_before"], "5.10.1-1.amzn2.x86_64")
        self.assertEqual(r2["kernel_after"], "5.10.2-1.amzn2.x86_64")
        self.assertEqual((r2["pkgs_before"], r2["pkgs_updated"]), (3, 2))
        self.assertEqual(self.h.rf("yum_update_args"), calls_before, "second pass must not update")
        self.assertFalse(os.path.exists(self.h.state("reboot-pending")))
        # SSM appends the second pass to the first: required then done
        both = self.result(out1 + out2, 2)
        self.assertEqual([x["reboot"] for x in both], ["required", "done"])

    def test_rebooted_into_old_kernel_fails(self):
        rc, r, _, _ = self.patch()
        self.assertEqual(rc, 194)
        self.h.boot_id("boot-2")  # rebooted, but the old kernel came back
        rc, r, _, _ = self.patch()
        self.assertEqual(rc, 1)
        self.assertEqual((r["status"], r["reboot"]), ("failed", "done"))
        self.assertIn("not the newest installed", r["error"])

    def test_stale_marker_ignored(self):
        rc, _, _, _ = self.patch()
        self.assertEqual(rc, 194)
        # no reboot happened (same boot id): a fresh pass, never a second "done"
        rc, r, out, _ = self.patch()
        self.assertIn("stale", out)
        self.assertNotEqual(r["reboot"], "done")

    def test_reboot_not_allowed(self):
        rc, r, _, _ = self.patch({"PATCHDECK_REBOOT_ALLOWED": "false"})
        self.assertEqual(rc, 0)
        self.assertEqual((r["status"], r["reboot"]), ("ok", "required"))
        self.assertFalse(os.path.exists(self.h.state("reboot-pending")))

    def test_needs_restarting_without_new_kernel(self):
        self.h.f("new_kernels", "")
        self.h.f("needs_reboot", "")
        rc, r, _, _ = self.patch()
        self.assertEqual(rc, 194)
        self.assertEqual(r["reboot"], "required")
        self.assertEqual(r["kernel_after"], r["kernel_before"])

    def test_no_reboot(self):
        self.h.f("new_kernels", "")
        rc, r, _, _ = self.patch(shell=("bash", "--posix"))
        self.assertEqual(rc, 0)
        self.assertEqual((r["status"], r["reboot"], r["error"]), ("ok", "none", ""))

    def test_exclude(self):
        self.h.f("new_kernels", "")
        rc, r, _, _ = self.patch({"PATCHDECK_EXCLUDE": "kernel* ,java-*"})
        self.assertEqual(rc, 0)
        args = self.h.rf("yum_update_args")
        self.assertIn("--exclude=kernel*", args)
        self.assertIn("--exclude=java-*", args)

    def test_repo_unreachable(self):
        self.h.f("fail_repo", "")
        rc, r, out, err = self.patch()
        self.assertEqual(rc, 1)
        self.assertEqual(r["status"], "failed")
        self.assertTrue(r["error"].startswith("repository unreachable:"), r["error"])
        self.assertIn("mirrorlist", r["error"])
        self.assertEqual(r["pkgs_updated"], 0)
        self.assertIn("Could not retrieve mirrorlist", err)  # the log's tail goes to stderr
        self.assertEqual(self.h.rf("yum_update_args"), "")

    def test_disk_full_before(self):
        self.h.f("df_var", "/dev/nvme1n1 1000000 987712 12288 99% /var\n")
        rc, r, _, _ = self.patch()
        self.assertEqual((rc, r["status"]), (1, "failed"))
        self.assertEqual(r["error"], "disk full: /var has 12 MB free, need 300 MB")

    def test_disk_full_during_transaction(self):
        self.h.f("apply_fail", "Transaction check error:\n  installing package kernel-5.10.2 "
                               "needs 120MB on the /boot filesystem\n\nError Summary\n")
        rc, r, _, _ = self.patch()
        self.assertEqual((rc, r["status"]), (1, "failed"))
        self.assertTrue(r["error"].startswith("disk full:"), r["error"])

    def test_lock_held_pidfile(self):
        self.h.write(os.path.join(self.h.root, "var/run/yum.pid"), "4242\n")
        self.h.write(os.path.join(self.h.root, "proc/4242/comm"), "yum\n")
        rc, r, _, _ = self.patch()
        self.assertEqual((rc, r["status"]), (1, "failed"))
        self.assertTrue(r["error"].startswith("package lock held by pid 4242"), r["error"])

    def test_hostile_strings(self):
        # os-release and a package manager error carrying quotes, backslashes,
        # terminal escapes, a bidi override and invalid UTF-8
        evil = 'Evil \\"OS\\" \\\\ \x1b]0;pwn\x07 \u202e tab\there'
        self.h.write(os.path.join(self.h.root, "etc/os-release"),
                     'ID="amzn"\nPRETTY_NAME="%s"\n' % evil)
        self.h.write(os.path.join(self.h.fake, "apply_fail"),
                     b'Error: Package: ev"il\\pkg\x1b[31m\xff\xfe-1.0 requires "x"\r\n')
        rc, r, out, _ = self.patch()
        self.assertEqual(rc, 1)
        self.assertEqual(r["os"], 'Evil "OS" \\ \x1b]0;pwn\x07 \u202e tab\there')
        self.assertIn('ev"il\\pkg\x1b[31m\ufffd\ufffd-1.0 requires "x"', r["error"])
        self.assertNotIn("\x1b", out)  # escaped in the line itself

    def test_interrupted(self):
        # a TERM while updating still yields one failed result line
        self.h.f("apply.sh", 'kill -TERM $(awk "{ print \\$4 }" /proc/$PPID/stat); sleep 1\n')
        rc, r, _, _ = self.patch()
        self.assertEqual((rc, r["status"]), (1, "failed"))
        self.assertIn("interrupted", r["error"])


class AptTests(Base):
    flavor = "debian"
    kernel = "6.1.0-17-cloud-amd64"

    def setUp(self):
        super().setUp()
        h = self.h
        h.f("installed", "bash:amd64 5.2.15-2\nopenssl:amd64 3.0.11-1\n"
                         "linux-image-6.1.0-17-cloud-amd64:amd64 6.1.69-1\n")
        h.f("updates", "openssl 3.0.13-1 Debian-Security\nlinux-image-6.1.0-18-cloud-amd64 6.1.76-1 "
                       "Debian-Security\n")
        h.f("installed.after", "bash:amd64 5.2.15-2\nopenssl:amd64 3.0.13-1\n"
                               "linux-image-6.1.0-17-cloud-amd64:amd64 6.1.69-1\n"
                               "linux-image-6.1.0-18-cloud-amd64:amd64 6.1.76-1\n")
        h.f("new_kernels", "6.1.0-18-cloud-amd64\n")
        # another flavour installed alongside must not count as newer
        h.add_kernel("6.1.0-99-rt-amd64")

    def test_reboot(self):
        rc, r, _, _ = self.patch()
        self.assertEqual(rc, 194)
        self.assertEqual(r["os"], "Debian GNU/Linux 12 (bookworm)")
        self.assertEqual(r["kernel_after"], "6.1.0-18-cloud-amd64")
        self.assertEqual((r["pkgs_before"], r["pkgs_updated"]), (3, 2))
        calls = self.h.rf("calls")
        self.assertIn("--force-confold", calls)
        self.assertIn("upgrade --with-new-pkgs", calls)

    def test_reboot_required_file(self):
        self.h.f("new_kernels", "")
        self.h.write(os.path.join(self.h.root, "var/run/reboot-required"), "*** System restart required ***\n")
        rc, r, _, _ = self.patch()
        self.assertEqual((rc, r["reboot"]), (194, "required"))

    def test_repo_unreachable_exit_zero(self):
        # apt-get update exits 0 when fetches fail; the W: lines decide
        self.h.f("fail_repo", "")
        rc, r, _, _ = self.patch()
        self.assertEqual((rc, r["status"]), (1, "failed"))
        self.assertIn("repository unreachable", r["error"])
        self.assertIn("deb.debian.org", r["error"])

    def test_lock_held_by_apply(self):
        self.h.f("apply_fail", "E: Could not get lock /var/lib/dpkg/lock-frontend. It is held by "
                               "process 4242 (unattended-upgr)\nE: Unable to acquire the dpkg frontend lock\n")
        rc, r, _, _ = self.patch()
        self.assertEqual((rc, r["status"]), (1, "failed"))
        self.assertTrue(r["error"].startswith("package lock held: E: Could not get lock"), r["error"])

    def test_lock_held_process(self):
        self.h.f("pgrep", "4242 unattended-upgr\n")
        rc, r, _, _ = self.patch()
        self.assertEqual((rc, r["status"]), (1, "failed"))
        self.assertIn("package lock held by pid 4242 (unattended-upgr)", r["error"])

    def test_exclude_holds_and_releases(self):
        self.h.f("held", "bash\n")
        rc, r, _, _ = self.patch({"PATCHDECK_EXCLUDE": "linux-image-*,bash"})
        self.assertEqual(rc, 194)
        self.assertEqual(self.h.rf("apt_mark_hold").split(), ["linux-image-6.1.0-17-cloud-amd64"])
        self.assertEqual(self.h.rf("apt_mark_unhold").split(), ["linux-image-6.1.0-17-cloud-amd64"])
        self.assertFalse(os.path.exists(self.h.state("apt-held")))


class ZypperTests(Base):
    flavor = "sles"
    kernel = "5.14.21-150500.55.39-default"

    def setUp(self):
        super().setUp()
        h = self.h
        h.f("installed", "bash.x86_64 0:4.4-150400.27.3.2\nkernel-default.x86_64 0:5.14.21-150500.55.39.1\n")
        h.f("updates", "bash 4.4-150400.27.6.1 SLE-Updates\n")
        h.f("installed.after", "bash.x86_64 0:4.4-150400.27.6.1\nkernel-default.x86_64 0:5.14.21-150500.55.39.1\n")

    def test_update_no_reboot(self):
        rc, r, _, _ = self.patch()
        self.assertEqual(rc, 0)
        self.assertEqual((r["os"], r["reboot"], r["pkgs_updated"]),
                         ("SUSE Linux Enterprise Server 15 SP5", "none", 1))

    def test_exit_102_means_reboot(self):
        self.h.f("zypper_reboot", "")
        rc, r, _, _ = self.patch()
        self.assertEqual((rc, r["status"], r["reboot"]), (194, "ok", "required"))

    def test_repo_unreachable(self):
        self.h.f("fail_repo", "")
        rc, r, _, _ = self.patch()
        self.assertEqual((rc, r["status"]), (1, "failed"))
        self.assertIn("repository unreachable", r["error"])


class PrecheckTests(unittest.TestCase):
    def run_pre(self, h, env=None, shell=("sh",)):
        rc, out, err = h.run(PRECHECK, env, shell)
        self.assertEqual(rc, 0, err)
        lines = out.rstrip("\n").split("\n")
        self.assertEqual(len(lines), 1, out)
        r = check_json_line(self, lines[0], "PATCHDECK_PRECHECK", PRECHECK_KEYS)
        for d in r["disk"]:
            self.assertEqual(list(d), ["mount", "free_mb", "free_pct"])
            self.assertIsInstance(d["free_mb"], int)
            self.assertTrue(0 <= d["free_pct"] <= 100)
        self.assertIsInstance(r["pkg_lock"], bool)
        self.assertIsInstance(r["reboot_pending"], bool)
        self.assertIsInstance(r["uptime_s"], int)
        self.assertIsInstance(r["load1"], (int, float))
        return r

    def host(self, flavor, kernel):
        h = FakeHost(flavor, kernel)
        self.addCleanup(h.cleanup)
        return h

    def test_yum(self):
        h = self.host("amzn", "5.10.1-1.amzn2.x86_64")
        h.f("df_var", "/dev/nvme1n1 20511312 10255656 10255656 50% /var\n")
        h.f("df_boot", "/dev/nvme0n1p128 1046512 204800 841712 20% /boot\n")
        h.write(os.path.join(h.root, "etc/yum.repos.d/amzn2-core.repo"),
                "[amzn2-core]\nname=Amazon Linux 2 core\n"
                "mirrorlist=https://amazonlinux-2-repos-$awsregion.s3.dualstack.$awsregion.$awsdomain/$basearch/mirror.list\n"
                "enabled=1\n\n[amzn2-core-debuginfo]\nmirrorlist=https://debuginfo.example/list\nenabled=0\n")
        h.write(os.path.join(h.root, "etc/yum.repos.d/internal.repo"),
                "[internal]\nbaseurl=http://repo.corp.example/el7/,\n  http://mirror2.corp.example/el7/\n"
                "gpgcheck=1\n[evil]\nbaseurl=http://x.example/\"quote\\back\n")
        r = self.run_pre(h)
        self.assertEqual(r["disk"], [
            {"mount": "/", "free_mb": 4979, "free_pct": 60},
            {"mount": "/var", "free_mb": 10015, "free_pct": 50},
            {"mount": "/boot", "free_mb": 821, "free_pct": 80},
        ])
        self.assertEqual(r["repo"], "ok")
        self.assertEqual(r["repo_urls"], [
            "https://amazonlinux-2-repos-$awsregion.s3.dualstack.$awsregion.$awsdomain/$basearch/mirror.list",
            "http://repo.corp.example/el7/", "http://mirror2.corp.example/el7/",
            'http://x.example/"quote\\back'])
        self.assertEqual((r["pkg_lock"], r["uptime_s"], r["load1"], r["reboot_pending"]),
                         (False, 86461, 0.52, False))
        h.add_kernel("5.10.9-1.amzn2.x86_64")
        self.assertTrue(self.run_pre(h)["reboot_pending"])

    def test_apt_failure_and_sources(self):
        h = self.host("debian", "6.1.0-17-cloud-amd64")
        h.f("fail_repo", "")
        h.write(os.path.join(h.root, "etc/apt/sources.list"),
                "# comment\ndeb [arch=amd64 signed-by=/usr/share/keyrings/x.gpg] http://deb.debian.org/debian bookworm main\n"
                "deb-src http://deb.debian.org/debian bookworm main\n"
                "deb http://security.debian.org/debian-security bookworm-security main\n")
        h.write(os.path.join(h.root, "etc/apt/sources.list.d/extra.sources"),
                "Types: deb\nURIs: https://apt.corp.example/debian https://apt2.corp.example/debian\n"
                "Suites: bookworm\n\nTypes: deb\nURIs: https://disabled.example/\nEnabled: no\n")
        r = self.run_pre(h, shell=("bash", "--posix"))
        self.assertTrue(r["repo"].startswith("repository unreachable:"), r["repo"])
        self.assertEqual(r["repo_urls"], ["http://deb.debian.org/debian",
                                          "http://security.debian.org/debian-security",
                                          "https://apt.corp.example/debian",
                                          "https://apt2.corp.example/debian"])
        self.assertEqual(r["disk"], [{"mount": "/", "free_mb": 4979, "free_pct": 60}])

    def test_lock_and_reboot_flag(self):
        h = self.host("debian", "6.1.0-17-cloud-amd64")
        h.f("pgrep", "777 dpkg\n")
        h.write(os.path.join(h.root, "run/reboot-required"), "")
        r = self.run_pre(h)
        self.assertTrue(r["pkg_lock"])
        self.assertEqual(r["repo"], "not checked: package lock held by pid 777 (dpkg)")
        self.assertTrue(r["reboot_pending"])
        self.assertEqual(r["repo_urls"], [])
        self.assertNotIn("apt-get", h.rf("calls"))


# --- fix.sh ----------------------------------------------------------------------
FIX_STUBS = {
    # the journal vacuum frees 300 MB on /
    "journalctl": r'''
echo "journalctl $*" >>"$FAKE/calls"
echo "/dev/nvme0n1p1     8376300 3276800   5406700      38% /" >"$FAKE/df_"
echo "Vacuuming done, freeing 300.0M of archived journals"
''',
    "dpkg": r'''
echo "dpkg $*" >>"$FAKE/calls"
[ -f "$FAKE/dpkg_fail" ] && { echo "dpkg: error processing package x (--configure):"; exit 1; }
exit 0
''',
    "yum-complete-transaction": r'''
echo "yum-complete-transaction $*" >>"$FAKE/calls"
exit 0
''',
    # pgrep reports the process named in $FAKE/pgrep while it lives
    "pgrep": r'''
[ -s "$FAKE/pgrep" ] || exit 1
read -r pid name <"$FAKE/pgrep"
kill -0 "$pid" 2>/dev/null || exit 1
echo "$pid $name"
''',
}


class FixTests(unittest.TestCase):
    def host(self, flavor, kernel="5.10.1-1.amzn2.x86_64"):
        h = FakeHost(flavor, kernel)
        self.addCleanup(h.cleanup)
        for name, body in FIX_STUBS.items():
            h.write(os.path.join(h.bin, name), "#!/bin/sh\n" + body, 0o755)
        return h

    def fix(self, h, kind, env=None, shell=("sh",), rc=0):
        e = {"PATCHDECK_FIX_KIND": kind}
        e.update(env or {})
        got, out, err = h.run(FIX, e, shell)
        self.assertEqual(got, rc, out + err)
        lines = out.rstrip("\n").split("\n")
        self.assertEqual(len(lines), 1, out)
        r = check_json_line(self, lines[0], "PATCHDECK_FIX", FIX_KEYS)
        self.assertEqual(r["kind"], kind)
        self.assertIn(r["status"], ("ok", "failed", "skipped"))
        self.assertIsInstance(r["freed_mb"], int)
        self.assertTrue(all(isinstance(c, str) for c in r["changed"]))
        return r

    def sleeper(self):
        p = subprocess.Popen(["sleep", "60"])
        self.addCleanup(p.wait)
        self.addCleanup(p.kill)
        return p

    def test_disk_apt(self):
        h = self.host("debian", "6.1.0-17-cloud-amd64")
        r = self.fix(h, "disk")
        self.assertEqual((r["status"], r["error"]), ("ok", ""))
        self.assertEqual(r["changed"], ["apt-get clean", "journalctl --vacuum-size=200M"])
        self.assertEqual(r["freed_mb"], 300)
        self.assertIn("apt-get clean", h.rf("calls"))

    def test_disk_yum_bash(self):
        h = self.host("amzn")
        r = self.fix(h, "disk", {"PATCHDECK_JOURNAL_MAX": "50M"}, shell=("bash", "--posix"))
        self.assertEqual(r["status"], "ok")
        self.assertEqual(r["changed"], ["yum -y clean all", "journalctl --vacuum-size=50M"])

    def test_disk_lock_held_keeps_caches(self):
        h = self.host("debian", "6.1.0-17-cloud-amd64")
        p = self.sleeper()
        h.f("pgrep", "%d apt-get\n" % p.pid)
        r = self.fix(h, "disk", rc=1)
        self.assertEqual(r["status"], "failed")
        self.assertIn("package manager running: pid %d (apt-get)" % p.pid, r["error"])
        self.assertNotIn("apt-get", h.rf("calls"))
        self.assertEqual(r["changed"], ["journalctl --vacuum-size=200M"])
        self.assertIsNone(p.poll(), "the package manager must not be stopped")

    def test_repo_yum(self):
        h = self.host("amzn")
        repo = os.path.join(h.root, "etc/yum.repos.d/internal.repo")
        h.write(repo, "[internal]\nbaseurl=http://old.example/el7/,\n  http://old.example/el7b/\n"
                      "# baseurl=http://old.example/comment/\nmirrorlist = http://m.old/list\n"
                      "name=http://old.example/not-a-url-key\n")
        other = os.path.join(h.root, "etc/yum.repos.d/other.repo")
        h.write(other, "[o]\nbaseurl=https://fine.example/\n")
        os.chmod(repo, 0o640)
        r = self.fix(h, "repo", {"PATCHDECK_REPO_MAP":
                                 "http://old.example/ -> https://new.example/, http://m.old/ -> https://m.new/"})
        self.assertEqual((r["status"], r["changed"]), ("ok", ["/etc/yum.repos.d/internal.repo"]))
        with open(repo, encoding="utf-8") as fh:
            self.assertEqual(fh.read(), "[internal]\nbaseurl=https://new.example/el7/,\n  https://new.example/el7b/\n"
                                        "# baseurl=http://old.example/comment/\nmirrorlist = https://m.new/list\n"
                                        "name=http://old.example/not-a-url-key\n")
        self.assertEqual(os.stat(repo).st_mode & 0o777, 0o640)
        backups = os.listdir(h.state("fix-backup"))
        self.assertEqual(len(backups), 1)
        self.assertTrue(backups[0].startswith("_etc_yum.repos.d_internal.repo."), backups)
        # the pre-check now reads the new URLs
        rc, out, _ = h.run(PRECHECK)
        urls = json.loads(out.split(" ", 1)[1])["repo_urls"]
        self.assertEqual(urls, ["https://new.example/el7/", "https://new.example/el7b/", "https://m.new/list",
                                "https://fine.example/"])
        # a second run finds nothing left to rewrite
        r = self.fix(h, "repo", {"PATCHDECK_REPO_MAP": "http://old.example/ -> https://new.example/"})
        self.assertEqual((r["status"], r["changed"]), ("skipped", []))

    def test_repo_apt(self):
        h = self.host("debian", "6.1.0-17-cloud-amd64")
        h.write(os.path.join(h.root, "etc/apt/sources.list"),
                "deb [arch=amd64] http://old.example/debian bookworm main\n"
                "deb-src http://old.example/debian bookworm main\n#deb http://old.example/x y\n")
        h.write(os.path.join(h.root, "etc/apt/sources.list.d/x.sources"),
                "Types: deb\nURIs: https://a.example/ http://old.example/debian\nSuites: bookworm\n")
        r = self.fix(h, "repo", {"PATCHDECK_REPO_MAP": "http://old.example/ -> https://mirror.example.com/"},
                     shell=("bash", "--posix"))
        self.assertEqual(r["changed"], ["/etc/apt/sources.list", "/etc/apt/sources.list.d/x.sources"])
        with open(os.path.join(h.root, "etc/apt/sources.list"), encoding="utf-8") as fh:
            self.assertEqual(fh.read(), "deb [arch=amd64] https://mirror.example.com/debian bookworm main\n"
                                        "deb-src https://mirror.example.com/debian bookworm main\n"
                                        "#deb http://old.example/x y\n")
        with open(os.path.join(h.root, "etc/apt/sources.list.d/x.sources"), encoding="utf-8") as fh:
            self.assertIn("URIs: https://a.example/ https://mirror.example.com/debian\n", fh.read())

    def test_repo_without_map(self):
        h = self.host("amzn")
        r = self.fix(h, "repo", {"PATCHDECK_REPO_MAP": " , "})
        self.assertEqual(r["status"], "skipped")
        self.assertIn("repo_map", r["error"])

    def test_pkg_lock_running_needs_force(self):
        h = self.host("debian", "6.1.0-17-cloud-amd64")
        p = self.sleeper()
        h.f("pgrep", "%d apt-get\n" % p.pid)
        lock = os.path.join(h.root, "var/lib/dpkg/lock-frontend")
        h.write(lock, "")
        r = self.fix(h, "pkg_lock")
        self.assertEqual(r["status"], "skipped")
        self.assertIn("pid %d (apt-get)" % p.pid, r["error"])
        self.assertIn("Force=true", r["error"])
        self.assertIsNone(p.poll())
        self.assertTrue(os.path.exists(lock))
        self.assertNotIn("dpkg", h.rf("calls"))
        r = self.fix(h, "pkg_lock", {"PATCHDECK_FIX_FORCE": "true", "PATCHDECK_KILL_WAIT": "5"})
        self.assertEqual(r["status"], "ok", r)
        self.assertEqual(r["changed"], ["stopped pid %d (apt-get)" % p.pid, "removed /var/lib/dpkg/lock-frontend",
                                        "dpkg --configure -a"])
        self.assertIsNotNone(p.wait(10))
        self.assertFalse(os.path.exists(lock))

    def test_pkg_lock_stale_yum(self):
        h = self.host("amzn")
        h.write(os.path.join(h.root, "var/run/yum.pid"), "999999\n")
        r = self.fix(h, "pkg_lock")
        self.assertEqual(r["status"], "ok")
        self.assertEqual(r["changed"], ["removed /var/run/yum.pid", "yum-complete-transaction -y"])

    def test_pkg_lock_dpkg_fails(self):
        h = self.host("debian", "6.1.0-17-cloud-amd64")
        h.f("dpkg_fail", "")
        r = self.fix(h, "pkg_lock", rc=1)
        self.assertEqual(r["status"], "failed")
        self.assertIn("dpkg --configure -a failed (exit 1)", r["error"])

    def test_unknown_kind(self):
        h = self.host("amzn")
        r = self.fix(h, "reboot", rc=1)
        self.assertEqual(r["status"], "failed")

    def test_repo_map_pattern(self):
        import re
        with open(os.path.join(SSM, "patchdeck-fix.json"), encoding="utf-8") as fh:
            doc = json.load(fh)
        pat = doc["parameters"]["RepoMap"]["allowedPattern"]
        self.assertTrue(re.fullmatch(pat, "http://old.example/ -> https://new.example/$basearch/, "
                                          "ftp://a/ -> file:///srv/repo/"))
        for bad in ("x' ; rm -rf / ; '", "a\\b", "a\nb", "`id`", "$(id)", "a\"b", "{{ x }}"):
            self.assertIsNone(re.fullmatch(pat, bad), bad)
        self.assertEqual(doc["parameters"]["Kind"]["allowedValues"], ["disk", "repo", "pkg_lock"])
        self.assertEqual(doc["parameters"]["Force"]["allowedValues"], ["false", "true"])


class BuildTests(unittest.TestCase):
    def test_build_check(self):
        p = subprocess.run([sys.executable, os.path.join(SSM, "build.py"), "--check"],
                           capture_output=True, text=True)
        self.assertEqual(p.returncode, 0, p.stderr)

    def test_documents(self):
        for name, script, step in (("patchdeck-linux-patch.json", PATCH, "patch"),
                                   ("patchdeck-precheck.json", PRECHECK, "precheck"),
                                   ("patchdeck-fix.json", FIX, "fix")):
            with open(os.path.join(SSM, name), encoding="utf-8") as fh:
                doc = json.load(fh)
            self.assertEqual(doc["schemaVersion"], "2.2")
            (st,) = doc["mainSteps"]
            self.assertEqual((st["action"], st["name"]), ("aws:runShellScript", step))
            cmd = st["inputs"]["runCommand"]
            src = BUILD.script_lines(name)
            self.assertNotIn("# patchdeck:common", "\n".join(src))
            self.assertIn("detect_pm() {", src)
            embedded = [l for l in cmd if not l.startswith("PATCHDECK_") or "{{" not in l]
            self.assertEqual(embedded, src)
            for l in cmd:
                if "{{" in l:
                    param = l.split("{{")[1].split("}}")[0].strip()
                    self.assertIn(param, doc["parameters"])
        with open(os.path.join(SSM, "patchdeck-linux-patch.json"), encoding="utf-8") as fh:
            doc = json.load(fh)
        self.assertEqual(set(doc["parameters"]), {"Exclude", "RebootAllowed"})


if __name__ == "__main__":
    unittest.main()
