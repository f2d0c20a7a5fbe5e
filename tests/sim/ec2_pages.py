"""DescribeInstances served in real pages from moto's EC2 state.

moto 5.2.1 ignores MaxResults and renders the whole fleet through Jinja in
one reply (minutes at 10,000 instances).  Here we keep, per moto EC2 backend,
a flat list of its instances in creation order plus an id -> position map,
rebuilt only when moto's reservation count changes (only RunInstances adds
reservations).  A page is a slice of that list from the position the
NextToken names, so paging 100,000 instances costs one pass in total.

Tag values are hostile (DESIGN.md §9): every text node goes through
xml_text(), which escapes markup and carriage returns and replaces the few
characters XML 1.0 cannot carry at all with U+FFFD (AWS would not accept
them in a tag in the first place).
"""

import base64
import fnmatch
import re
from urllib.parse import parse_qsl

EC2_NS = "http://ec2.amazonaws.com/doc/2016-11-15/"

_XML_TABLE = {i: "\ufffd" for i in range(0x20) if i not in (0x09, 0x0A, 0x0D)}
_XML_TABLE.update({ord("&"): "&amp;", ord("<"): "&lt;", ord(">"): "&gt;",
                   ord('"'): "&quot;", 0x0D: "&#13;", 0xFFFE: "\ufffd", 0xFFFF: "\ufffd"})
_SURROGATE = re.compile("[\ud800-\udfff]")


def xml_text(s):
    """Escape s for an XML 1.0 text node or attribute value."""
    if s is None:
        return ""
    s = str(s).translate(_XML_TABLE)
    if _SURROGATE.search(s):
        s = _SURROGATE.sub("\ufffd", s)
    return s


class Ec2Error(Exception):
    def __init__(self, code, message, status=400):
        super().__init__(message)
        self.code, self.message, self.status = code, message, status


class _Index:
    __slots__ = ("nres", "instances", "pos", "reservation_of")

    def __init__(self):
        self.nres = -1
        self.instances = []
        self.pos = {}
        self.reservation_of = {}


class Ec2Pages:
    """Indexes moto EC2 backends and renders DescribeInstances replies."""

    def __init__(self, world):
        self.world = world
        self._idx = {}

    def index(self, backend):
        """The up-to-date index of one moto EC2 backend (account + region)."""
        idx = self._idx.get(id(backend))
        if idx is None:
            idx = self._idx[id(backend)] = _Index()
        if idx.nres != len(backend.reservations):
            idx.instances = []
            idx.reservation_of = {}
            for res in list(backend.reservations.values()):
                for inst in res.instances:
                    idx.instances.append(inst)
                    idx.reservation_of[inst.id] = res
            idx.pos = {inst.id: i for i, inst in enumerate(idx.instances)}
            idx.nres = len(backend.reservations)
        return idx

    def instance(self, backend, instance_id):
        idx = self.index(backend)
        p = idx.pos.get(instance_id)
        return idx.instances[p] if p is not None else None

    # -- request handling -------------------------------------------------

    @staticmethod
    def parse(body):
        """Query params of an EC2 form body -> (instance ids, filters, max, token)."""
        params = dict(parse_qsl(body, keep_blank_values=True))
        ids = [v for k, v in sorted(params.items(), key=lambda kv: _num(kv[0]))
               if k.startswith("InstanceId.")]
        filters = {}
        for k, v in params.items():
            m = re.match(r"^Filter\.(\d+)\.Name$", k)
            if m:
                n = m.group(1)
                vals = [params[vk] for vk in sorted(
                    (x for x in params if x.startswith("Filter.%s.Value." % n)), key=_num)]
                filters.setdefault(v, []).extend(vals)
        return ids, filters, params.get("MaxResults"), params.get("NextToken")

    def describe(self, backend, body):
        """Return the XML body (bytes) of a DescribeInstances reply."""
        ids, filters, max_results, token = self.parse(body)
        idx = self.index(backend)
        if max_results is not None:
            if ids:
                raise Ec2Error("InvalidParameterCombination",
                               "The parameter instancesSet cannot be used with the parameter "
                               "maxResults")
            try:
                limit = int(max_results)
            except ValueError:
                raise Ec2Error("InvalidParameterValue",
                               "Invalid value '%s' for maxResults" % max_results)
            if not 5 <= limit <= 1000:
                raise Ec2Error("InvalidParameterValue",
                               "Value ( %d ) for parameter maxResults is invalid. Expecting a "
                               "value between 5 and 1000." % limit)
        else:
            limit = None
        start = 0
        if token:
            start = _decode_token(token, len(idx.instances))
        match = _compile_filters(filters, self.world)

        if ids:
            missing = [i for i in ids if i not in idx.pos]
            for i in ids:
                if not re.match(r"^i-[0-9a-f]{8,17}$", i):
                    raise Ec2Error("InvalidInstanceID.Malformed",
                                   'Invalid id: "%s"' % i)
            if missing:
                raise Ec2Error("InvalidInstanceID.NotFound",
                               "The instance ID%s '%s' do%s not exist"
                               % ("s" if len(missing) > 1 else "", ", ".join(missing),
                                  "" if len(missing) > 1 else "es"))
            chosen = [idx.instances[idx.pos[i]] for i in dict.fromkeys(ids)]
            chosen.sort(key=lambda x: idx.pos[x.id])
            page = [x for x in chosen if match(x, backend)]
            next_pos = None
        else:
            page = []
            p = start
            n = len(idx.instances)
            insts = idx.instances
            while p < n and (limit is None or len(page) < limit):
                x = insts[p]
                p += 1
                if match(x, backend):
                    page.append(x)
            next_pos = p if (limit is not None and p < n) else None
            # AWS never hands out a token that leads to an empty last page when
            # it knows nothing follows; look ahead cheaply for filtered scans.
            if next_pos is not None and filters:
                q = next_pos
                while q < n and not match(insts[q], backend):
                    q += 1
                next_pos = q if q < n else None
        return self.render(backend, idx, page, next_pos)

    def describe_status(self, backend, body):
        """The XML body of a DescribeInstanceStatus reply (moto has no
        way to fail a status check).  An instance whose pre-check fate
        (world.precheck_fate) is "status_check" is impaired: both its
        instance and its system check."""
        params = dict(parse_qsl(body, keep_blank_values=True))
        ids = [v for k, v in sorted(params.items(), key=lambda kv: _num(kv[0]))
               if k.startswith("InstanceId.")]
        include_all = params.get("IncludeAllInstances", "false").lower() == "true"
        idx = self.index(backend)
        mr = params.get("MaxResults")
        if mr is not None and ids:
            raise Ec2Error("InvalidParameterCombination",
                           "The parameter instancesSet cannot be used with the parameter "
                           "maxResults")
        limit = None
        if mr is not None:
            try:
                limit = int(mr)
            except ValueError:
                raise Ec2Error("InvalidParameterValue", "Invalid value '%s' for maxResults" % mr)
            if not 5 <= limit <= 1000:
                raise Ec2Error("InvalidParameterValue",
                               "Value ( %d ) for parameter maxResults is invalid. Expecting a "
                               "value between 5 and 1000." % limit)
        if ids:
            missing = [i for i in ids if i not in idx.pos]
            if missing:
                raise Ec2Error("InvalidInstanceID.NotFound",
                               "The instance ID '%s' does not exist" % ", ".join(missing))
            cands = [idx.instances[idx.pos[i]] for i in dict.fromkeys(ids)]
            start = 0
        else:
            cands = idx.instances
            start = _decode_token(params["NextToken"], len(cands)) \
                if params.get("NextToken") else 0
        out = ['<?xml version="1.0" encoding="UTF-8"?>\n<DescribeInstanceStatusResponse '
               'xmlns="', EC2_NS, '">\n<requestId>', _rid(), '</requestId>\n'
               '<instanceStatusSet>\n']
        n = 0
        p = start
        while p < len(cands) and (limit is None or n < limit):
            inst = cands[p]
            p += 1
            st = inst._state
            # Asked for by id, a terminated instance is still listed (as AWS
            # does for a while); a scan leaves it out.
            if (st.name == "terminated" and not ids) or \
                    (not include_all and st.name != "running"):
                continue
            if st.name == "running":
                fate = self.world.precheck_fate_for(inst.id, backend.tags.get(inst.id, {}))
                check = "impaired" if fate == "status_check" else "ok"
            else:
                check = "not-applicable"
            det = "failed" if check == "impaired" else \
                ("passed" if check == "ok" else "")
            detail = ("<details><item><name>reachability</name><status>%s</status></item>"
                      "</details>" % det) if det else "<details/>"
            out += ["<item><instanceId>", inst.id, "</instanceId><availabilityZone>",
                    xml_text(inst._placement.zone), "</availabilityZone><instanceState><code>",
                    str(st.code), "</code><name>", st.name, "</name></instanceState>"
                    "<systemStatus><status>", check, "</status>", detail,
                    "</systemStatus><instanceStatus><status>", check, "</status>", detail,
                    "</instanceStatus><eventsSet/></item>\n"]
            n += 1
        out.append("</instanceStatusSet>\n")
        if not ids and limit is not None and p < len(cands):
            out.append("<nextToken>%s</nextToken>\n" % _encode_token(p))
        out.append("</DescribeInstanceStatusResponse>\n")
        return "".join(out).encode("utf-8")

    def render(self, backend, idx, page, next_pos):
        out = ['<?xml version="1.0" encoding="UTF-8"?>\n<DescribeInstancesResponse xmlns="',
               EC2_NS, '">\n<requestId>', _rid(), '</requestId>\n<reservationSet>\n']
        tags_of = backend.tags
        cur = None
        for inst in page:
            res = idx.reservation_of.get(inst.id)
            if res is not cur:
                if cur is not None:
                    out.append("</instancesSet></item>\n")
                cur = res
                out.append("<item><reservationId>%s</reservationId><ownerId>%s</ownerId>"
                           "<groupSet/><instancesSet>" % (res.id, backend.account_id))
            out.append(self.render_instance(inst, tags_of.get(inst.id, {})))
        if cur is not None:
            out.append("</instancesSet></item>\n")
        out.append("</reservationSet>\n")
        if next_pos is not None:
            out.append("<nextToken>%s</nextToken>\n" % _encode_token(next_pos))
        out.append("</DescribeInstancesResponse>\n")
        return "".join(out).encode("utf-8")

    def render_instance(self, inst, tags):
        facts = self.world.facts_for(inst)
        state = inst._state
        running = state.name == "running"
        windows = inst.platform == "windows"
        if windows:
            details = "Windows"
        else:
            pn = facts.os[1]
            details = {"Red Hat Enterprise Linux": "Red Hat Enterprise Linux",
                       "SLES": "SUSE Linux"}.get(pn, "Linux/UNIX")
        lt = inst.launch_time
        launch = lt.strftime("%Y-%m-%dT%H:%M:%S.000Z") if hasattr(lt, "strftime") else str(lt)
        zone = inst._placement.zone
        parts = [
            "<item><instanceId>", inst.id, "</instanceId><imageId>", xml_text(inst.image_id),
            "</imageId><instanceState><code>", str(state.code), "</code><name>", state.name,
            "</name></instanceState><privateDnsName>", xml_text(inst.private_dns_name),
            "</privateDnsName><dnsName>",
            xml_text(inst.public_dns_name) if running and inst.public_ip else "",
            "</dnsName><reason>", xml_text(inst._reason or ""), "</reason>",
            "<amiLaunchIndex>", str(inst.ami_launch_index), "</amiLaunchIndex><productCodes/>",
            "<instanceType>", xml_text(inst.instance_type), "</instanceType><launchTime>",
            launch, "</launchTime><placement><availabilityZone>", xml_text(zone),
            "</availabilityZone><groupName/><tenancy>default</tenancy></placement>",
        ]
        if windows:
            parts.append("<platform>windows</platform>")
        parts += [
            "<platformDetails>", details, "</platformDetails>",
            "<usageOperation>", "RunInstances:0002" if windows else "RunInstances",
            "</usageOperation><monitoring><state>disabled</state></monitoring>",
        ]
        subnet = inst._subnet_id or (inst.nics[0].subnet.id if inst.nics else None)
        if subnet:
            parts += ["<subnetId>", subnet, "</subnetId>"]
        if inst.private_ip:
            parts += ["<privateIpAddress>", inst.private_ip, "</privateIpAddress>"]
        if running and inst.public_ip:
            parts += ["<ipAddress>", inst.public_ip, "</ipAddress>"]
        if state.name in ("stopped", "stopping"):
            parts.append("<stateReason><code>Client.UserInitiatedShutdown</code><message>"
                         "Client.UserInitiatedShutdown: User initiated shutdown</message>"
                         "</stateReason>")
        parts += [
            "<architecture>", xml_text(inst.architecture), "</architecture>",
            "<rootDeviceType>ebs</rootDeviceType><rootDeviceName>",
            xml_text(inst.root_device_name), "</rootDeviceName><blockDeviceMapping/>",
            "<virtualizationType>hvm</virtualizationType><hypervisor>xen</hypervisor>",
        ]
        if tags:
            parts.append("<tagSet>")
            for k, v in tags.items():
                parts += ["<item><key>", xml_text(k), "</key><value>", xml_text(v),
                          "</value></item>"]
            parts.append("</tagSet>")
        parts.append("<ebsOptimized>false</ebsOptimized><enaSupport>true</enaSupport>"
                     "<sourceDestCheck>true</sourceDestCheck></item>")
        return "".join(parts)


def _num(key):
    """Sort key for Name.N.Sub.M style parameters by their numbers."""
    return [int(p) if p.isdigit() else p for p in key.split(".")]


def _rid():
    import uuid
    return str(uuid.uuid4())


def _encode_token(pos):
    return base64.urlsafe_b64encode(("simpos:%d" % pos).encode()).decode()


def _decode_token(token, n):
    try:
        s = base64.urlsafe_b64decode(token.encode()).decode()
        tag, _, num = s.partition(":")
        pos = int(num)
        if tag != "simpos" or pos < 0 or pos > n:
            raise ValueError
        return pos
    except Exception:
        raise Ec2Error("InvalidParameterValue", "Invalid value '%s' for nextToken" % token)


def _values_re(values):
    return re.compile("|".join("(?:%s)" % fnmatch.translate(v) for v in values), re.S)


def _compile_filters(filters, world):
    """Build one predicate for all filters (AND across names, OR across values)."""
    tests = []
    for name, values in filters.items():
        rx = _values_re(values)
        if name == "instance-id":
            tests.append(lambda x, b, rx=rx: rx.match(x.id))
        elif name == "instance-state-name":
            tests.append(lambda x, b, rx=rx: rx.match(x._state.name))
        elif name == "instance-state-code":
            tests.append(lambda x, b, rx=rx: rx.match(str(x._state.code)))
        elif name == "instance-type":
            tests.append(lambda x, b, rx=rx: rx.match(x.instance_type))
        elif name == "image-id":
            tests.append(lambda x, b, rx=rx: rx.match(x.image_id or ""))
        elif name == "availability-zone":
            tests.append(lambda x, b, rx=rx: rx.match(x._placement.zone or ""))
        elif name == "private-ip-address":
            tests.append(lambda x, b, rx=rx: rx.match(x.private_ip or ""))
        elif name == "platform":
            tests.append(lambda x, b, rx=rx: x.platform == "windows" and rx.match("windows"))
        elif name == "tag-key":
            tests.append(lambda x, b, rx=rx: any(rx.match(k) for k in b.tags.get(x.id, ())))
        elif name == "tag-value":
            tests.append(lambda x, b, rx=rx: any(rx.match(v)
                                                for v in b.tags.get(x.id, {}).values()))
        elif name.startswith("tag:"):
            key = name[4:]

            def t(x, b, rx=rx, key=key):
                v = b.tags.get(x.id, {}).get(key)
                return v is not None and rx.match(v)
            tests.append(t)
        else:
            raise Ec2Error("InvalidParameterValue", "The filter '%s' is invalid" % name)
    if not tests:
        return lambda x, b: True
    return lambda x, b: all(t(x, b) for t in tests)
