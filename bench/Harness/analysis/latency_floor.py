#!/usr/bin/env python3
"""
The request latency floor of leader-based replication under octopus's network model, and what it caps a 30 s run at.

Links as director.go draws them (base max(1, 20 + 10·N(0,1)) ms, jitter mean uniform 0..19 ms, each chunk delayed by
base + Exp(jitter mean), link.go). For each draw of the ten links the best leader is chosen (an oracle: no placement
lag), and a request costs what FastDb's protocol needs at the least:
  - at the leader: the second-fastest of the four append round trips (a majority of five);
  - at a follower: the forward, then the later of the append reaching it and the second-fastest way a majority can
    be shown to it (its own copy, or an append to another follower plus that follower's ack to it).
With --commit-quorum 2 (flexible quorums, RaftOptions.CommitQuorum) the leader needs its fastest round trip and a
follower the forward and the leader's append back. No processing time, no client time. With --hol, every hop also waits behind the chunks ahead of it on its in-order
connection (octopus delivers a connection's chunks in order, so one long jitter holds back what follows), at the
chunk gaps given (ms): what one connection per peer sees at octopus's rate, or the lanes' own rates.

  python3 bench/Harness/analysis/latency_floor.py [--hol] [--forward-gap MS] [--ack-gap MS] [--commit-quorum 2]
"""
import argparse, random, statistics

ap = argparse.ArgumentParser()
ap.add_argument("--hol", action="store_true", help="add head-of-line waits on in-order connections")
ap.add_argument("--append-gap", type=float, default=5.7, help="ms between chunks leader to follower (appends)")
ap.add_argument("--ack-gap", type=float, default=5.7, help="ms between chunks follower to leader (acks)")
ap.add_argument("--forward-gap", type=float, default=5.7, help="ms between chunks ahead of a forward (5.7: behind the acks on one connection)")
ap.add_argument("--origin-ack-gap", type=float, default=23.0, help="ms between chunks follower to origin (acks to the origin)")
ap.add_argument("--configs", type=int, default=300)
ap.add_argument("--commit-quorum", type=int, default=3, help="replicas that commit an entry (3: a majority of five; 2: flexible quorums, elections need 4)")
args = ap.parse_args()
random.seed(1)
N = 5

def hol_wait(jitter_mean, gap, samples=4000):
    """Stationary head-of-line wait beyond a chunk's own delay: W = max(0, previous delivery - own due time)."""
    if jitter_mean == 0: return [0.0]
    out, prev = [], 0.0  # prev: how far the previous chunk's delivery lies beyond its own send time
    for _ in range(samples + 200):
        own = random.expovariate(1 / jitter_mean)
        g = random.expovariate(1 / gap)
        w = max(0.0, prev - g - own)
        prev = own + w
        out.append(w)
    return out[200:]

def draw():
    base, jm = {}, {}
    for i in range(N):
        for j in range(i + 1, N):
            base[(i, j)] = max(1, int(20 + random.gauss(0, 1) * 10)); jm[(i, j)] = random.randrange(20)
    return base, jm

means = []
for _ in range(args.configs):
    base, jm = draw()
    waits = {}
    def d(a, b, kind):
        k = (min(a, b), max(a, b))
        t = base[k] + int(random.expovariate(1) * jm[k])
        if args.hol:
            gap = {"append": args.append_gap, "ack": args.ack_gap, "forward": args.forward_gap, "origin-ack": args.origin_ack_gap}[kind]
            key = (k, gap)
            if key not in waits: waits[key] = hol_wait(jm[k], gap)
            t += random.choice(waits[key])
        return t
    def latency(L, o):
        if o == L:
            return sorted(d(L, f, "append") + d(f, L, "ack") for f in range(N) if f != L)[args.commit_quorum - 2]
        fwd = d(o, L, "forward"); lo = d(L, o, "append")
        ways = sorted([lo] + [d(L, f, "append") + d(f, o, "origin-ack") for f in range(N) if f not in (L, o)])
        return fwd + max(lo, ways[args.commit_quorum - 2])
    means.append(min(statistics.mean(latency(L, random.randrange(N)) for _ in range(1500)) for L in range(N)))

means.sort()
m = statistics.mean(means)
cap = 20 / m * 1000
print(f"mean request latency, best leader: {m:.1f} ms (link draws p10 {means[len(means)//10]:.1f}, p90 {means[9*len(means)//10]:.1f}); 20 clients: at most {cap:.0f} answers/s")
for t in (2.8, 3.5, 4.5, 6.0):
    print(f"  checker step {t} ms: the ceiling checks {1000/t:.0f}/s, so at most {min(1, cap * t / 1000):.2f} of it")
