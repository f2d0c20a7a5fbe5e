"""Fault injection from a seeded random source, so a failing run repeats.

Every AWS request draws exactly three numbers from the fault generator,
whatever the rates are, so the n-th request gets the same fault for the same
seed and spec even after the rates change: one picks drop / 5xx / throttle
(at most one of them), one picks 500 versus 503, one picks a slow reply.
The control API (/_sim/...) never draws.

Spec: "throttle=0.3,5xx=0.05,slow=0.1:1500,drop=0.02" (rates 0..1; slow takes
the delay in milliseconds after a colon, default 1000).

Besides the rates, a test may queue faults for one operation
(POST /_sim/faults/queue): the next requests of that operation take them in
order, whatever was drawn ("throttle", "5xx", "drop", null for none, or
{"status": 400, "code": "ValidationException"} for any error reply), so a
test knows which attempt got which reply.  The three numbers are drawn all
the same, so the rest of a seeded run is unchanged.
"""

import random
import threading

KINDS = ("throttle", "5xx", "slow", "drop")
QUEUED = ("throttle", "5xx", "drop")


def parse_spec(spec):
    """Parse the --faults spec into a dict; raise ValueError on nonsense."""
    out = {}
    if not spec:
        return out
    for part in spec.split(","):
        part = part.strip()
        if not part:
            continue
        name, _, val = part.partition("=")
        name = name.strip()
        if name not in KINDS:
            raise ValueError("unknown fault %r (known: %s)" % (name, ", ".join(KINDS)))
        if name == "slow":
            rate, _, ms = val.partition(":")
            out["slow"] = float(rate)
            out["slow_ms"] = int(ms) if ms else 1000
        else:
            out[name] = float(val)
        if not 0.0 <= out[name] <= 1.0:
            raise ValueError("rate for %s must be within 0..1" % name)
    return out


class Faults:
    """Decides, per AWS request, which fault (if any) to inject."""

    def __init__(self, spec=None, seed=0):
        self._lock = threading.Lock()
        self._queues = {}
        self.configure(spec or {}, seed)

    def configure(self, rates, seed=None):
        """Set rates (dict as parse_spec returns); reseed when seed is given."""
        with self._lock:
            self.rates = {k: float(rates.get(k, 0.0)) for k in ("throttle", "5xx", "slow", "drop")}
            self.slow_ms = int(rates.get("slow_ms", 1000))
            if seed is not None:
                self.seed = seed
                self._rng = random.Random("faults:%s" % seed)

    def state(self):
        with self._lock:
            d = dict(self.rates)
            d["slow_ms"] = self.slow_ms
            d["seed"] = self.seed
            return d

    def enqueue(self, op, faults):
        """Queue faults for the next requests of op (see the module text);
        an empty list clears op's queue.  Raise ValueError on nonsense."""
        if not isinstance(op, str) or not op or not isinstance(faults, list):
            raise ValueError('want {"op": OPERATION, "faults": [FAULT, ...]}')
        for f in faults:
            if f is None or f in QUEUED:
                continue
            if isinstance(f, dict) and isinstance(f.get("code"), str) and \
                    isinstance(f.get("status"), int) and 400 <= f["status"] <= 599:
                continue
            raise ValueError("a queued fault is one of %s, null, or {\"status\": 4xx|5xx, "
                             "\"code\": CODE}: %r" % (", ".join(QUEUED), f))
        with self._lock:
            if faults:
                self._queues.setdefault(op, []).extend(faults)
            else:
                self._queues.pop(op, None)

    def queued(self):
        with self._lock:
            return {op: list(q) for op, q in self._queues.items()}

    def draw(self, op=None):
        """Return (fault, which5xx, slow_ms): fault in None/'drop'/'5xx'/'throttle',
        or an error dict queued for op."""
        with self._lock:
            a, b, c = self._rng.random(), self._rng.random(), self._rng.random()
            q = self._queues.get(op)
            if q:
                fault = q.pop(0)
                if not q:
                    del self._queues[op]
                return fault, int(b * 2), 0
            r = self.rates
            fault = None
            if a < r["drop"]:
                fault = "drop"
            elif a < r["drop"] + r["5xx"]:
                fault = "5xx"
            elif a < r["drop"] + r["5xx"] + r["throttle"]:
                fault = "throttle"
            slow = self.slow_ms if c < r["slow"] else 0
            return fault, int(b * 2), slow
