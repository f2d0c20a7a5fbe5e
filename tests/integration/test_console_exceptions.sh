#!/bin/sh
# The console's exceptions view against tests/sim, driven in tmux, every
# byte the pane receives recorded (pipe-pane):
#   - the instances view shows "unapproved exception" from the records
#     (a tag no record backs) and "excepted" for an untagged instance with
#     a live record, once the background refresh read the table;
#   - `e` opens the view; its tabs (live, expiring, pending, rejected)
#     show the right records; a hostile reason shows escaped, and the raw
#     bytes hold none of it;
#   - `E` on an instance opens the request form, prefilled; a problem is
#     shown in the form; Enter, the confirmation, `y`: a PENDING record,
#     audited;
#   - the requester cannot approve it; a second identity does;
#   - reject needs a reason and then rejects;
#   - `S`: the confirmation shows the differences, `y` changes the tags in
#     the simulator and publishes the alert, audited; `V` revokes;
#   - --read-only refuses; --dry-run shows the PutItem and sends nothing.
. tests/integration/lib.sh
. tests/integration/console_lib.sh
PY=$(sh tests/sim/find-python.sh) || fail "no python3 with moto and boto3"
# A copy: other work may rebuild ./patchdeck while this test runs.
cp "${PATCHDECK_BIN:-$PD}" "$TEST_TMP/patchdeck" || fail "no patchdeck binary"
PD="$TEST_TMP/patchdeck"
sim_start --seed 7 --fleet 12
trap 'tm_cleanup; sim_stop' EXIT

export XDG_STATE_HOME="$TEST_TMP/state"
AUDIT="$XDG_STATE_HOME/patchdeck/audit.log"
CFG="$TEST_TMP/config"
CACHE="$TEST_TMP/cache.db"
TOPIC=$("$PY" -c 'import boto3; print(boto3.client("sns").create_topic(Name="pd-alerts")["TopicArn"])') ||
	fail "create_topic"
cat >"$CFG" <<CONF
[general]
sns_topic = $TOPIC
expiring_days = 7

[window sun-0200]
schedule = sun 02:00
duration = 3h
CONF
PDC="$PD --config $CFG --cache $CACHE"
expect_rc 0 $PDC setup
# I1 (the first running instance by id) gets a known name, for the
# exceptions view's name column.
"$PY" - <<'PYEOF' || fail "naming I1"
import boto3
ec2 = boto3.client("ec2")
ids = sorted(i["InstanceId"] for r in ec2.describe_instances()["Reservations"]
             for i in r["Instances"] if i["State"]["Name"] == "running")
ec2.create_tags(Resources=[ids[0]], Tags=[{"Key": "Name", "Value": "exc-named-one"}])
PYEOF
expect_rc 0 timeout 120 $PDC sync

# A second identity of the same account: the approver.
"$PY" - >"$TEST_TMP/users" <<'PYEOF' || fail "could not make an IAM user"
import boto3
iam = boto3.client("iam")
iam.create_user(UserName="approver-b")
k = iam.create_access_key(UserName="approver-b")["AccessKey"]
print(k["AccessKeyId"], k["SecretAccessKey"])
PYEOF
B_KEY=$(cut -d' ' -f1 "$TEST_TMP/users")
B_SECRET=$(cut -d' ' -f2 "$TEST_TMP/users")

# The records, put straight into the table: live (I1, no tag yet),
# expiring (I2, tagged), upcoming (I3), pending with a hostile reason
# (I4, requested by someone else), rejected (I5), expired (I6); and I7
# carries a tag that no record backs.
"$PY" - >"$TEST_TMP/ids" <<'PYEOF' || fail "seeding the records"
import boto3, datetime as d
ec2 = boto3.client("ec2")
ids = sorted(i["InstanceId"] for r in ec2.describe_instances()["Reservations"]
             for i in r["Instances"] if i["State"]["Name"] == "running")[:7]
today = d.datetime.now(d.timezone.utc).date()
def day(n):
    return str(today + d.timedelta(days=n))
ddb = boto3.client("dynamodb")
def put(iid, xid, s, e, status, reason, by="arn:aws:iam::123456789012:user/someone",
        dec="arn:aws:iam::123456789012:user/approver-x"):
    item = {"instance_id": iid, "exception_id": xid, "starts": s, "ends": e,
            "status": status, "reason": reason, "requested_by": by,
            "requested_at": "2026-01-01T00:00:00Z"}
    if status != "PENDING":
        item["decided_by"] = dec
    ddb.put_item(TableName="patchdeck-exceptions",
                 Item={k: {"S": v} for k, v in item.items()})
put(ids[0], "ex-20260101000001-aaaaaa", day(-1), day(20), "APPROVED", "quarter close")
put(ids[1], "ex-20260101000002-bbbbbb", day(-2), day(3), "APPROVED", "audit week")
put(ids[2], "ex-20260101000003-cccccc", day(5), day(10), "APPROVED", "release")
put(ids[3], "ex-20260101000004-dddddd", day(1), day(4), "PENDING",
    "bid \x1b]0;PWNED-REASON\x07 and \x1b[2JPWNED-CLEAR")
put(ids[4], "ex-20260101000005-eeeeee", day(1), day(2), "REJECTED", "nope")
put(ids[5], "ex-20260101000006-ffffff", day(-10), day(-5), "APPROVED", "old")
ec2.create_tags(Resources=[ids[1]], Tags=[{"Key": "PatchException", "Value": day(-2) + ".." + day(3)}])
ec2.create_tags(Resources=[ids[6]], Tags=[{"Key": "PatchException", "Value": day(0) + ".." + day(9)}])
# I7's tag is "backed" by a record written by hand, approved by the
# requester's own role in another session: invalid, it backs nothing.
role = "arn:aws:sts::123456789012:assumed-role/PatchOps/"
put(ids[6], "ex-20260101000007-999999", day(0), day(9), "APPROVED", "by hand",
    by=role + "patchdeck-1780000000", dec=role + "patchdeck-1780000002")
print(" ".join(ids))
PYEOF
set -- $(cat "$TEST_TMP/ids")
I1=$1 I2=$2 I3=$3 I4=$4 I5=$5 I6=$6 I7=$7
expect_rc 0 timeout 120 $PDC sync

record() {	# record INSTANCE FIELD: the field of the newest record of it
	"$PY" - "$1" "$2" <<'PYEOF'
import boto3, sys
items = boto3.client("dynamodb").scan(TableName="patchdeck-exceptions")["Items"]
items = [i for i in items if i["instance_id"]["S"] == sys.argv[1]]
items.sort(key=lambda i: i["exception_id"]["S"])
print(items[-1].get(sys.argv[2], {}).get("S", "") if items else "")
PYEOF
}
tag_of() {	# tag_of INSTANCE: its PatchException tag, or ""
	"$PY" - "$1" <<'PYEOF'
import boto3, sys
r = boto3.client("ec2").describe_tags(Filters=[
    {"Name": "resource-id", "Values": [sys.argv[1]]},
    {"Name": "key", "Values": ["PatchException"]}])["Tags"]
print(r[0]["Value"] if r else "")
PYEOF
}

L="$TEST_TMP/launch.sh"
RAW="$TEST_TMP/raw"
tm_launcher "$L" TERM=xterm-256color LANG=C.UTF-8 LC_ALL= -- \
	--config "$CFG" --cache "$CACHE"
tm_start 200 50 "$L" "$RAW"
tm_wait '  name \^ ' "the table"

# 1. The instances view: I7's tag is unapproved once the table was read.
tm_keys /
tm_type "$I7"
tm_keys Enter
tm_wait_status "1 shown  /$I7" "the filter on I7"
tm_wait "$I7 .* unapproved exception " "I7 unapproved"
# I1 carries no tag yet, but its live approved record excepts it.
tm_keys / C-u
tm_type "$I1"
tm_keys Enter
tm_wait_status "1 shown  /$I1" "the filter on I1"
tm_wait "$I1 .* excepted " "I1 excepted by its record"
tm_keys Escape

# 2. The view and its tabs.
tm_keys e
tm_wait '1 live: 2 .*3 expiring 7d: 1 .*4 pending: 1 ' "the tab counts"
tm_wait "$I1 " "the live tab"
tm_wait "$I1 +exc-named-one " "I1's name beside its id"
# The requester's ARN as its user name in the table (whole in the pane).
tm_wait "$I1 .* someone " "the requester's ARN shortened"
tm_cap
expect_no_grep "$I1 .*arn:aws:iam" "$TEST_TMP/screen"
tm_cap
expect_grep "$I2 " "$TEST_TMP/screen"
expect_no_grep "$I3 |$I4 |$I5 " "$TEST_TMP/screen"
tm_keys 3
tm_wait_gone "$I1 " "the expiring tab"
tm_cap
expect_grep "$I2 .*expiring" "$TEST_TMP/screen"
tm_keys 4
tm_wait "$I4 " "the pending tab"
# The hostile reason, escaped, in the table and in the detail pane.
tm_wait 'reason: bid \\x1b\]0;PWNED-REASON\\x07 and \\x1b\[2JPWNED-CLEAR' "the escaped reason"
tm_keys 6
tm_wait "$I5 .*rejected" "the rejected tab"
tm_cap
expect_no_grep "$I4 " "$TEST_TMP/screen"
tm_keys 2
tm_wait "$I3 .*upcoming" "the upcoming tab"
# The filter as you type, across tabs' records.
# The record approved by its requester's role: on the invalid tab, why
# in the detail pane.
tm_keys 9
tm_wait "$I7 .*invalid" "the invalid tab"
# An assumed role's ARN as the role's name, the person of four-eyes (the
# session, which the caller names, dropped).
tm_wait "$I7 .* PatchOps " "the role's name for its requester"
tm_cap
expect_no_grep "$I7 .*PatchOps/patchdeck" "$TEST_TMP/screen"
tm_wait 'INVALID \(decided by the requester \(the same person\)\): ex-20260101000007-999999' "why it is invalid"
tm_keys 8
tm_wait "$I6 .*expired" "the all tab"
tm_keys /
tm_type "audit"
tm_wait_gone "$I1 " "the filter"
tm_cap
expect_grep "$I2 " "$TEST_TMP/screen"
tm_keys Enter Escape
tm_wait "$I1 " "the filter cleared"
# Enter opens the instance.
tm_keys 1 Enter
tm_wait '^ Tags \([0-9]+\)$' "the drill-down"
tm_wait '^ Exception records \(1\)$' "the instance's records"
tm_wait 'ex-20260101000002-bbbbbb .* APPROVED \(expiring\)  audit week' "its record"
tm_cap
expect_grep '^  last patched +(never|unreadable|[0-9]+d ago)$' "$TEST_TMP/screen"
tm_keys q
tm_keys q
tm_wait '  name \^ ' "back on the instances"

# 3. A request from the instances view: prefilled; a problem in the form.
tm_keys /
tm_type "$I3"
tm_keys Enter
tm_keys E
tm_wait 'Request a patch exception' "the form"
tm_wait "instance +$I3" "the instance prefilled"
tm_keys Enter
tm_wait 'reason: a reason is required' "the form's complaint"
# U+0102 and U+0105 share their numbers with curses' KEY_DOWN and
# KEY_RIGHT: typed, they are text, not keys.
tm_type "console request Ăą"
# An instance the inventory does not know: said on the form.
tm_keys Up Up Up C-u
tm_type "i-00000000deadbeef0"
tm_keys Enter
tm_wait 'instance: i-00000000deadbeef0 is not in the inventory' "the unknown instance"
tm_keys C-u
tm_type "$I3"
tm_keys Down Down Down
tm_keys Tab
# A value longer than its field: the end, where the typing is, shows.
tm_type "0123456789-0123456789-0123456789-0123456789-0123456789-0123456789-tail"
tm_wait '…[-0-9]*-tail' "the end of a long field"
tm_keys C-u
tm_type "CHG-1"
tm_keys Enter
tm_wait "Request an exception for $I3" "the confirmation"
tm_wait "Reason: console request Ăą" "the confirmation's reason"
tm_keys y
tm_wait_status "requested ex-[0-9]+-[0-9a-f]{6} for $I3 .*PENDING" "the request's outcome"
[ "$(record "$I3" status)" = PENDING ] || fail "no PENDING record for $I3"
[ "$(record "$I3" reason)" = "console request Ăą" ] || fail "the reason"
[ "$(record "$I3" ticket)" = "CHG-1" ] || fail "the ticket"
NEW=$(record "$I3" exception_id)
[ "$(grep -c "\"action\":\"exceptions.request\".*\"exception_id\":\"$NEW\"" "$AUDIT")" -eq 2 ] ||
	grep -q "\"exception_id\":\"$NEW\"" "$AUDIT" || fail "the request was not audited"
[ "$(grep -c '"action":"exceptions.request"' "$AUDIT")" -eq 2 ] || fail "request audit entries"

# 4. The requester may not approve it.
tm_keys e 4
tm_wait "$NEW" "the new record in pending"
tm_keys /
tm_type "$NEW"
tm_keys Enter
tm_keys A
tm_wait 'approve reason \(optional\):' "the approve prompt"
tm_keys Enter
tm_wait "Approve exception $NEW" "the approve confirmation"
tm_keys y
tm_wait_status "approve: refused: you .* requested it; someone else must approve it" "the refusal"
[ "$(record "$I3" status)" = PENDING ] || fail "the requester approved"

# 5. Reject needs a reason; then rejects the hostile one.
tm_keys Escape
tm_wait "$I4 " "the hostile record"
tm_keys /
tm_type "PWNED"
tm_keys Enter
tm_keys X
tm_wait 'reject reason:' "the reject prompt"
tm_keys Enter
tm_wait_status 'reject refused: a reason is required' "reject without a reason"
tm_keys X
tm_type "not during the bid"
tm_keys Enter
tm_wait "Reject exception ex-20260101000004-dddddd" "the reject confirmation"
tm_keys y
tm_wait_status "ex-20260101000004-dddddd $I4: REJECTED" "the rejection"
[ "$(record "$I4" status)" = REJECTED ] || fail "$I4 not rejected"
tm_keys q q
tm_wait '^EXITED 0$' "the console's exit"
tm_stop

# 6. Another identity approves the request.
tm_launcher "$L" TERM=xterm-256color LANG=C.UTF-8 LC_ALL= \
	AWS_ACCESS_KEY_ID="$B_KEY" AWS_SECRET_ACCESS_KEY="$B_SECRET" -- \
	--config "$CFG" --cache "$CACHE"
tm_start 200 50 "$L" "$RAW.b"
tm_wait '  name \^ ' "the table"
tm_keys e 4
tm_wait "$NEW" "the request, pending"
tm_keys A
tm_type "fine by me"
tm_keys Enter
tm_wait "Approve exception $NEW" "the confirmation"
tm_keys y
tm_wait_status "$NEW $I3: APPROVED" "the approval"
[ "$(record "$I3" status)" = APPROVED ] || fail "$I3 not approved"
expect_grep "\"action\":\"exceptions.approve\".*\"caller\":\"arn:aws:iam::[0-9]+:user/approver-b\"" "$AUDIT"

# 7. Sync: the differences first, then the tags change.
tm_keys S
tm_wait 'Exceptions sync' "the sync confirmation"
tm_wait "set .*$I1" "I1 to be set"
tm_wait "remove UNAPPROVED $I7" "I7 to be removed and alerted"
tm_wait "1 unapproved tag: one SNS message" "the alert announced"
tm_wait "1 invalid record \(see the invalid tab\): never applied" "the invalid record announced"
# The unapproved tag comes first, whatever the instance order ($I7 is the
# last id).
tm_cap
a=$(grep -n "remove UNAPPROVED $I7" "$TEST_TMP/screen" | head -n 1 | cut -d: -f1)
b=$(grep -n "set .*$I1" "$TEST_TMP/screen" | head -n 1 | cut -d: -f1)
[ -n "$a" ] && [ -n "$b" ] && [ "$a" -lt "$b" ] || {
	cat "$TEST_TMP/screen"
	fail "the unapproved tag is not listed first"
}
# On a short screen the box says where it is and scrolls to its end.
tm_resize 200 12
tm_wait 'lines 1-6 of [0-9]+, Down/Up scroll' "the box's position"
tm_wait_gone 'Written to the audit log before and after' "the box cut"
tm_keys Down Down Down Down Down Down Down Down Down Down
tm_wait 'Written to the audit log before and after' "the end of the box"
tm_resize 200 50
tm_wait 'Exceptions sync' "the confirmation again at 200x50"
tm_wait "1 unapproved tag: one SNS message" "the whole box again"
tm_keys y
tm_wait_status 'exceptions sync: .*(audited|alert)' "the sync's outcome"
[ -n "$(tag_of "$I1")" ] || fail "$I1 did not get its tag"
[ -z "$(tag_of "$I7")" ] || fail "$I7 kept its unapproved tag"
[ -n "$(tag_of "$I2")" ] || fail "$I2 lost its tag"
expect_grep '"action":"exceptions.sync"' "$AUDIT"
expect_grep '"action":"exceptions.alert"' "$AUDIT"
[ "$(sim_get /_sim/sns | "$PY" -c 'import json,sys; print(len(json.load(sys.stdin)))')" -eq 1 ] ||
	fail "expected one SNS message"

# 8. Revoke: the approval is taken back.
tm_keys 1 /
tm_type "$NEW"
tm_keys Enter
tm_wait "$NEW .*APPROVED" "the approved request, live"
tm_keys V
tm_wait 'revoke reason \(optional\):' "the revoke prompt"
tm_type "plans changed"
tm_keys Enter
tm_wait "Revoke exception $NEW" "the revoke confirmation"
tm_wait "Sets its status APPROVED -> REVOKED" "the status change named"
tm_keys y
tm_wait_status "$NEW $I3: REVOKED" "the revocation"
[ "$(record "$I3" status)" = REVOKED ] || fail "$I3 not revoked"
expect_grep '"action":"exceptions.revoke"' "$AUDIT"
tm_keys q q
tm_wait '^EXITED 0$' "the console's exit"
tm_stop

# 9. --read-only refuses (S too, unless --dry-run); --dry-run sends nothing.
# read_only_view [OPTION]: the console with --read-only (and OPTION) on
# the exceptions view, where n is refused.
read_only_view() {
	tm_launcher "$L" TERM=xterm-256color LANG=C.UTF-8 LC_ALL= -- \
		--config "$CFG" --cache "$CACHE" --read-only "$@"
	tm_start 200 50 "$L"
	tm_wait '  name \^ ' "the table"
	tm_keys e
	tm_wait '1 live' "the view"
	tm_keys n
	tm_wait_status 'refused: patchdeck is in read-only mode \(--read-only\)' "read-only"
}
read_only_view
tm_keys S
tm_wait_status 'refused: patchdeck is in read-only mode' "read-only sync"
tm_keys q q
tm_wait '^EXITED 0$' "the console's exit"
tm_stop
# With --dry-run too, S only looks (UI_KEY_DRY_RUN_READS): the dispatcher
# lets it through to its dry-run confirmation.
read_only_view --dry-run
tm_keys S
tm_wait 'DRY RUN: Exceptions sync|exceptions sync: in step' "the dry-run sync in read-only mode"
tm_keys x
tm_keys q q
tm_wait '^EXITED 0$' "the console's exit"
tm_stop
N=$("$PY" -c 'import boto3; print(len(boto3.client("dynamodb").scan(TableName="patchdeck-exceptions")["Items"]))')
tm_launcher "$L" TERM=xterm-256color LANG=C.UTF-8 LC_ALL= -- \
	--config "$CFG" --cache "$CACHE" --dry-run
tm_start 200 50 "$L"
tm_wait '  name \^ ' "the table"
tm_keys E
tm_wait 'DRY RUN: nothing will be sent' "the dry-run form"
tm_type "dry"
tm_keys Enter
tm_wait 'DRY RUN: request an exception' "the dry-run confirmation"
tm_keys y
tm_wait_status 'DRY RUN, nothing was changed; would call: PutItem' "the dry run"
tm_keys q
tm_wait '^EXITED 0$' "the console's exit"
tm_stop
[ "$("$PY" -c 'import boto3; print(len(boto3.client("dynamodb").scan(TableName="patchdeck-exceptions")["Items"]))')" = "$N" ] ||
	fail "the dry run wrote a record"

# 10. No hostile byte reached the terminal.
"$PY" - "$RAW" <<'PYEOF' || fail "the hostile reason reached the terminal raw"
import sys
raw = open(sys.argv[1], "rb").read()
assert b"PWNED-REASON" in raw, "the reason was never drawn"
for bad in (b"\x1b]0;PWNED", b"PWNED-REASON\x07", b"\x1b[2JPWNED"):
    assert bad not in raw, "raw output holds %r" % bad
PYEOF
echo "console exceptions: ok"
