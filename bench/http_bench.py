"""Load-test the site as deployed (gunicorn, production settings, PostgreSQL) with wrk.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/microblog_bench make bench [ARGS=--small]

Migrates, seeds the data set unless the database already holds it, VACUUM ANALYZEs,
collects static files, starts gunicorn on 127.0.0.1 with BENCH_MODE on, signs test users
in once each, then drives every case with wrk at a fixed concurrency. Writes
bench/results/<date>.json, .md, .png and -explain.txt. docs/performance.md explains it.
"""

import argparse
import contextlib
import json
import math
import os
import re
import resource
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
RESULTS_DIR = ROOT / "bench" / "results"
# Every post the write case publishes starts with this, so the run can delete them after.
WRITE_MARKER = "bench write"
JSON_PREFIX = "BENCH_JSON "
MB = 1024 * 1024


@dataclass(frozen=True)
class DataSet:
    """What seed_demo is asked for; a database holding it is not seeded again."""

    users: int
    posts: int
    follows_per_user: int


DATA_SETS = {
    "full": DataSet(users=10_000, posts=1_000_000, follows_per_user=100),
    "small": DataSet(users=1_000, posts=100_000, follows_per_user=100),
}


@dataclass
class Case:
    """One kind of request, sent by every signed-in test user of its group in turn.

    `path` may name a per-user path in braces ("{home_p50}": SignedInUser.paths); `toggle`,
    a second path each user also sends, alternating (like, then unlike).
    """

    name: str
    path: str
    auth: str = "session"  # "session" (cookies), "token" (Bearer) or "none"
    method: str = "GET"
    expected_status: int = 200
    what: str = ""
    group: str = "dense"  # "dense": follows mostly the popular few; "sparse": follows picked uniformly
    toggle: str = ""


@dataclass
class SignedInUser:
    """A signed-in test user: the cookies of their session, their API token, their own paths."""

    username: str
    cookies: dict = field(default_factory=dict)
    token: str = ""
    paths: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Targets:
    """What the cases read: found in the seeded data (find_targets) or made up by tests."""

    heavy_username: str  # the heaviest poster
    heavy_id: int
    mid_username: str  # the poster closest to MID_PROFILE_POSTS posts
    tag: str  # the most used tag
    thread_id: int  # the first post of the longest conversation
    like_post_id: int  # a popular post no test user has liked


# The profile of "a typical big account": the poster closest to this many posts.
MID_PROFILE_POSTS = 25_000


def parse_args(argv=None) -> argparse.Namespace:
    """Parse the command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", action="store_true", help="100,000 posts and 1,000 users instead of 1M and 10,000")
    parser.add_argument("--reseed", action="store_true", help="erase the database and seed it again")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2)")
    parser.add_argument("--threads", type=int, default=1, help="gunicorn threads per worker (default 1)")
    parser.add_argument("--concurrency", type=int, default=8, help="open connections (default 8)")
    parser.add_argument("--duration", type=int, default=8, help="seconds of load per case and round (default 8)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds over all the cases; medians are kept (default 3)")
    parser.add_argument("--warmup", type=int, default=3, help="seconds of unrecorded load first (default 3)")
    parser.add_argument("--max-requests", type=int, default=100_000, help="requests per case at most")
    parser.add_argument("--users", type=int, default=16, help="test users signed in and rotated (default 16)")
    parser.add_argument("--cases", nargs="*", help="only these cases (the ceiling always runs)")
    parser.add_argument("--results", type=Path, default=RESULTS_DIR, help="where to write the results")
    parser.add_argument("--port", type=int, default=0, help="gunicorn port (default: a free one)")
    args = parser.parse_args(argv)
    for name in ("workers", "threads", "concurrency", "duration", "rounds", "max_requests", "users"):
        if getattr(args, name) < 1:
            parser.error(f"--{name.replace('_', '-')} must be at least 1")
    args.data_set = DATA_SETS["small" if args.small else "full"]
    return args


def require_postgresql(environ) -> str:
    """Return DATABASE_URL, or stop with a clear message unless it names PostgreSQL."""
    url = environ.get("DATABASE_URL", "")
    if not re.match(r"^postgres(ql)?://", url):
        raise SystemExit(
            "The benchmark needs PostgreSQL: set DATABASE_URL=postgres://user@host:5432/dbname "
            "(a database of its own: it is seeded with demo data). SQLite is not measured."
        )
    return url


# -- cases -------------------------------------------------------------------------------


def build_cases(targets: Targets) -> list[Case]:
    """Return every case, the ceiling first."""
    return [
        Case("ceiling", "/bench/ceiling/", what="a plain 'ok' view behind the whole middleware stack, signed in"),
        Case("bare", "/bench/bare/", auth="none", what="a plain view, same stack, no session: Django's own cost"),
        Case("home p1", "/", what="home feed, page 1 (own + ~100 mostly popular followed users' posts and boosts)"),
        Case("home p50", "{home_p50}", what="home feed, page 50, through the 'Older posts' cursor (?before=)"),
        Case(
            "home p1 sparse", "/", group="sparse", what="home feed, page 1, of a user following ~100 people at random"
        ),
        Case("home p50 sparse", "{home_p50}", group="sparse", what="that sparse feed's page 50 (?before= cursor)"),
        Case("explore p1", "/explore/", what="everyone's posts, page 1"),
        Case(
            "profile", f"/user/{targets.heavy_username}/", what="the heaviest poster's profile: header counts + posts"
        ),
        Case(
            "profile mid",
            f"/user/{targets.mid_username}/",
            what=f"the profile of the poster closest to {MID_PROFILE_POSTS:,} posts",
        ),
        Case("tag", f"/tags/{targets.tag}/", what=f"the most used tag's page (#{targets.tag})"),
        Case("thread", f"/post/{targets.thread_id}/", what="the longest thread (~200 replies, several levels deep)"),
        Case("activity", "/activity/", what="your notifications page (follows, likes, boosts, replies, mentions)"),
        Case("search common", "/search/?q=cafe", what="a word in ~6% of posts ('cafe' finds 'café')"),
        Case("search rare", "/search/?q=quokka", what="a word in ~0.17% of posts"),
        Case("notifications", "/notifications/?since=0", what="the JSON poll every open tab makes"),
        Case(
            "api user", f"/api/users/{targets.heavy_id}", auth="token", what="GET /api/users/<id> with counts (Bearer)"
        ),
        Case("api feed", "/api/feed?page=2", auth="token", what="the feed's page 2 as JSON (Bearer)"),
        Case("post", "/", method="POST", expected_status=302, what="publish a post (form POST, redirect)"),
        Case(
            "like/unlike",
            f"/post/{targets.like_post_id}/like/",
            method="POST",
            expected_status=302,
            toggle=f"/post/{targets.like_post_id}/unlike/",
            what="like, then unlike, one popular post (form POSTs; the counters checked after)",
        ),
    ]


def request_for(case: Case, user: SignedInUser, number: int = 0, *, toggled: bool = False) -> dict:
    """Return the method, path, headers and body of `case` as `user` sends it (its toggle path if `toggled`)."""
    headers = {}
    body = ""
    path = case.toggle if toggled else case.path
    if "{" in path:
        path = path.format_map(user.paths)
    if case.auth == "session":
        headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in sorted(user.cookies.items()))
    elif case.auth == "token":
        headers["Authorization"] = f"Bearer {user.token}"
    if case.method == "POST":
        headers["Content-Type"] = "application/x-www-form-urlencoded"
        form = {"csrfmiddlewaretoken": user.cookies.get("csrftoken", "")}
        if not case.toggle:
            form["body"] = f"{WRITE_MARKER} {number}: the new café downtown is surprisingly good today"
        body = urlencode(form)
    return {"method": case.method, "path": path, "headers": headers, "body": body}


def requests_for(case: Case, users: list[SignedInUser]) -> list[dict]:
    """Return the requests wrk rotates through for `case`: each user's, then its toggle, in turn."""
    requests = []
    for number, user in enumerate(users):
        requests.append(request_for(case, user, number))
        if case.toggle:
            requests.append(request_for(case, user, number, toggled=True))
    return requests


def _lua_string(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def render_lua(requests: list[dict], *, max_requests: int, threads: int) -> str:
    """Return a wrk script that rotates `requests`, stops after `max_requests`, prints JSON."""
    entries = []
    for request in requests:
        headers = ", ".join(f"[{_lua_string(k)}] = {_lua_string(v)}" for k, v in request["headers"].items())
        body = _lua_string(request["body"]) if request["body"] else "nil"
        entries.append(
            f"  {{method = {_lua_string(request['method'])}, path = {_lua_string(request['path'])}, "
            f"headers = {{{headers}}}, body = {body}}},"
        )
    per_thread = max(1, math.ceil(max_requests / threads))
    return f"""-- Generated by bench/http_bench.py: rotate signed-in users, bound the requests.
local requests = {{
{chr(10).join(entries)}
}}
local next_index = 0
local answered = 0
local per_thread = {per_thread}
local thread_number = 0

function setup(thread)
  thread:set("offset", thread_number)
  thread_number = thread_number + 1
end

function init(args)
  next_index = (tonumber(offset) or 0) % #requests
end

function request()
  next_index = next_index % #requests + 1
  local r = requests[next_index]
  return wrk.format(r.method, r.path, r.headers, r.body)
end

function response(status, headers, body)
  answered = answered + 1
  if answered >= per_thread then wrk.thread:stop() end
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{JSON_PREFIX}{{"requests": %d, "duration_us": %d, "errors": {{"connect": %d, "read": %d, "write": %d, '
    .. '"status": %d, "timeout": %d}}, "latency_us": {{"p50": %d, "p90": %d, "p95": %d, "p99": %d, '
    .. '"max": %d, "mean": %.1f}}}}\\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(95), latency:percentile(99),
    latency.max, latency.mean))
end
"""


def parse_wrk_output(text: str) -> dict:
    """Return the JSON summary the generated script prints at the end of a wrk run."""
    for line in reversed(text.splitlines()):
        if line.startswith(JSON_PREFIX):
            return json.loads(line[len(JSON_PREFIX) :])
    raise ValueError("wrk printed no summary; its output was:\n" + text[-2000:])


def summarize(case: Case, wrk: dict, *, queries: int | None) -> dict:
    """Return the result row of one case from wrk's summary."""
    seconds = wrk["duration_us"] / 1e6 or 1
    latency = wrk["latency_us"]
    return {
        "case": case.name,
        "what": case.what,
        "method": case.method,
        "path": case.path,
        "requests": wrk["requests"],
        "rps": round(wrk["requests"] / seconds, 1),
        "p50_ms": round(latency["p50"] / 1000, 1),
        "p95_ms": round(latency["p95"] / 1000, 1),
        "p99_ms": round(latency["p99"] / 1000, 1),
        "errors": sum(wrk["errors"].values()),
        "queries": queries,
        "generator_cpu_share": wrk.get("generator_cpu_share"),
    }


def add_ratios(rows: list[dict]) -> list[dict]:
    """Set each row's `ratio`: its requests/s over the ceiling's."""
    ceiling = next((row["rps"] for row in rows if row["case"] == "ceiling"), None)
    for row in rows:
        row["ratio"] = round(row["rps"] / ceiling, 2) if ceiling else None
    return rows


def combine_rounds(rounds: list[list[dict]]) -> list[dict]:
    """Return one row per case from several rounds: medians, errors summed, ratios per round.

    Each round measures every case once, the ceiling first, so a case is compared with
    the ceiling measured minutes (not a whole run) apart: the machine's background load
    drifts less in between. The ratio is the median of the per-round ratios.
    """
    for rows in rounds:
        add_ratios(rows)
    combined = []
    for index, first in enumerate(rounds[0]):
        same = [rows[index] for rows in rounds]
        row = {**first}
        for key in ("rps", "p50_ms", "p95_ms", "p99_ms"):
            row[key] = round(statistics.median(r[key] for r in same), 1)
        row["requests"] = sum(r["requests"] for r in same)
        row["errors"] = sum(r["errors"] for r in same)
        ratios = [r["ratio"] for r in same if r["ratio"] is not None]
        row["ratio"] = round(statistics.median(ratios), 2) if ratios else None
        row["rounds_rps"] = [r["rps"] for r in same]
        shares = [r["generator_cpu_share"] for r in same if r.get("generator_cpu_share") is not None]
        row["generator_cpu_share"] = max(shares) if shares else None
        combined.append(row)
    return combined


# Per case: the most SQL queries a request may run (session + user are 2 of them; the
# navbar's unread counts are columns of the user row, not queries). Every page that shows
# posts or people reads the viewer's blocks and mutes once (accounts/safety.py). A list
# of posts is a timeline page (posts/timelines.py): its entries, the posts, their
# mentions, their tags; a search is the matches and those two prefetches.
QUERY_BUDGET = {
    "ceiling": 2,
    "bare": 0,
    "home p1": 7,
    "home p50": 7,
    "home p1 sparse": 7,
    "home p50 sparse": 7,
    "explore p1": 8,  # the trending tags, once per five minutes; the "Who to follow" people
    "profile": 8,
    "profile mid": 8,
    "tag": 7,
    "thread": 8,
    # Also the UPDATE that marks them read and the re-read of the recounted badge.
    "activity": 8,
    # Session, user, blocks and mutes, the ranked posts, the matching people, the posts' mentions.
    "search common": 6,
    "search rare": 6,
    "notifications": 3,
    "api user": 3,
    "api feed": 8,
    "post": 8,
    # The like's notification asks whether the author keeps the liker away.
    "like/unlike": 11,
}
# Page 1 and page 50 of the same feed: page 50 must cost about what page 1 does.
DEEP_PAGES = [("home p1", "home p50"), ("home p1 sparse", "home p50 sparse")]


def check_targets(rows: list[dict], rss_mb: list[float], counter_drift: dict | None = None) -> list[dict]:
    """Return each target with the measured value and whether it was met.

    `counter_drift` is counter_drift()'s answer after the like/unlike case, if it ran.
    """
    by_name = {row["case"]: row for row in rows}
    targets = []

    def target(name, measured, ok):
        targets.append({"target": name, "measured": measured, "met": bool(ok)})

    for case in ("home p1", "home p1 sparse", "explore p1", "profile", "profile mid", "tag", "thread"):
        if case in by_name and by_name[case]["ratio"] is not None:
            row = by_name[case]
            measured = f"{row['ratio']:.0%}, {row['errors']} errors"
            ok = row["ratio"] >= 0.30 and row["errors"] == 0
            target(f"{case}: >= 30% of the ceiling's requests/s, no errors", measured, ok)
    for first, deep in DEEP_PAGES:
        if first in by_name and deep in by_name:
            p1, p50 = by_name[first]["p50_ms"], by_name[deep]["p50_ms"]
            target(f"{deep}: p50 within 1.5x of page 1's", f"{p50 / p1:.2f}x" if p1 else "n/a", p1 and p50 <= 1.5 * p1)
    for case in ("search common", "search rare"):
        if case in by_name:
            target(f"{case}: p95 < 100 ms", f"{by_name[case]['p95_ms']} ms", by_name[case]["p95_ms"] < 100)
    for case in ("notifications", "api user"):
        if case in by_name and by_name[case]["ratio"] is not None:
            ratio = by_name[case]["ratio"]
            target(f"{case}: >= 60% of the ceiling's requests/s", f"{ratio:.0%}", ratio >= 0.60)
    for row in rows:
        budget = QUERY_BUDGET.get(row["case"])
        if budget is not None and row["queries"] is not None:
            target(f"{row['case']}: at most {budget} SQL queries", str(row["queries"]), row["queries"] <= budget)
    if counter_drift is not None:
        wrong = {name: rows for name, rows in counter_drift.items() if rows}
        measured = ", ".join(f"{name}: {rows} rows off" for name, rows in wrong.items()) or "all equal"
        target("like/unlike: every counter equals the real count afterwards", measured, not wrong)
    if rss_mb:
        target("gunicorn worker peak RSS < 150 MB", ", ".join(f"{mb:.0f} MB" for mb in rss_mb), max(rss_mb) < 150)
    return targets


# -- output ------------------------------------------------------------------------------


def markdown(results: dict) -> str:
    """Return the results as Markdown: the settings, the table, the targets."""
    run = results["run"]
    lines = [
        f"# Benchmark {results['date']}",
        "",
        f"{run['posts']:,} posts, {run['users']:,} users, ~{run['follows_per_user']} follows per user; "
        f"gunicorn {run['workers']} workers x {run['threads']} threads, wrk {run['concurrency']} connections, "
        f"{run.get('rounds', 1)} rounds of {run['duration']} s per case after {run['warmup']} s of warm-up "
        f"(medians; ratios to the ceiling of the same round); {run['cpus']} CPUs, load average "
        f"{run['loadavg_before']} before the run, {run.get('loadavg_after', '?')} after.",
        "",
        "| case | req/s | ratio to ceiling | p50 ms | p95 ms | p99 ms | errors | SQL queries |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in results["cases"]:
        ratio = f"{row['ratio']:.0%}" if row.get("ratio") is not None else "-"
        queries = "-" if row["queries"] is None else row["queries"]
        lines.append(
            f"| {row['case']} | {row['rps']:.0f} | {ratio} | {row['p50_ms']} | {row['p95_ms']} | "
            f"{row['p99_ms']} | {row['errors']} | {queries} |"
        )
    if results.get("rss_mb"):
        lines += [
            "",
            "Peak RSS per gunicorn worker under load (VmHWM): " + ", ".join(f"{mb:.0f} MB" for mb in results["rss_mb"]),
        ]
    if results.get("rss_signin_peak_mb"):
        lines[-1] += "; while signing the users in (Argon2): " + ", ".join(
            f"{mb:.0f} MB" for mb in results["rss_signin_peak_mb"]
        )
    shares = [row["generator_cpu_share"] for row in results["cases"] if row.get("generator_cpu_share") is not None]
    if shares:
        lines += ["", f"CPU taken by wrk: at most {max(shares):.0%} of one core (of {run['cpus']})."]
    if results.get("targets"):
        lines += ["", "| target | measured | met |", "|---|---|---|"]
        lines += [
            f"| {t['target']} | {t['measured']} | {'yes' if t['met'] else '**no**'} |" for t in results["targets"]
        ]
    return "\n".join(lines) + "\n"


def write_chart(results: dict, path: Path) -> None:
    """Draw p50/p95/p99 latency per case as horizontal bars into a PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = list(reversed(results["cases"]))
    names = [row["case"] for row in rows]
    height = 0.27
    figure, axes = plt.subplots(figsize=(8, 0.45 * len(rows) + 1.5))
    for offset, key, label in ((-height, "p50_ms", "p50"), (0, "p95_ms", "p95"), (height, "p99_ms", "p99")):
        axes.barh([i + offset for i in range(len(rows))], [row[key] for row in rows], height, label=label)
    axes.set_yticks(range(len(rows)), names)
    axes.set_xlabel("latency (ms)")
    run = results["run"]
    axes.set_title(
        f"{results['date']}: {run['posts']:,} posts, {run['workers']}x{run['threads']} gunicorn, "
        f"{run['concurrency']} connections",
        fontsize=10,
    )
    axes.legend(loc="lower right")
    axes.grid(axis="x", alpha=0.3)
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)


def write_results(results: dict, directory: Path, explain_text: str = "") -> dict[str, Path]:
    """Write <date>.json, .md, .png (and -explain.txt) into `directory`; return the paths."""
    directory.mkdir(parents=True, exist_ok=True)
    stem = results["date"]
    paths = {
        "json": directory / f"{stem}.json",
        "md": directory / f"{stem}.md",
        "png": directory / f"{stem}.png",
    }
    paths["json"].write_text(json.dumps(results, indent=2) + "\n")
    paths["md"].write_text(markdown(results))
    write_chart(results, paths["png"])
    if explain_text:
        paths["explain"] = directory / f"{stem}-explain.txt"
        paths["explain"].write_text(explain_text)
    return paths


# -- talking to the site (any client with get/post and cookies: requests or Django's) ---------


def login(client, username: str, password: str) -> SignedInUser:
    """Sign in through the login form (CSRF token included) and ask for an API token."""
    client.get("/auth/login/")
    csrf = cookie_jar(client).get("csrftoken", "")
    response = client.post("/auth/login/", {"username": username, "password": password, "csrfmiddlewaretoken": csrf})
    cookies = cookie_jar(client)
    if response.status_code != 302 or "sessionid" not in cookies:
        raise RuntimeError(f"Signing in as {username} failed (HTTP {response.status_code}).")
    token = client.token(username, password)
    return SignedInUser(username=username, cookies={k: cookies[k] for k in ("csrftoken", "sessionid")}, token=token)


def cookie_jar(client) -> dict:
    """Return the client's cookies as a plain dict."""
    return client.cookie_dict()


def sample(client, case: Case, user: SignedInUser) -> tuple[int, int | None]:
    """Send `case` once as `user`; return the status and the X-Query-Count header."""
    request = request_for(case, user)
    response = client.send(request)
    count = response.headers.get("X-Query-Count")
    return response.status_code, (int(count) if count is not None else None)


class HttpClient:
    """The harness's client for a real server: requests, no redirects followed."""

    def __init__(self, base_url: str):
        import requests

        self.base_url = base_url
        self.session = requests.Session()

    def get(self, path):
        return self.session.get(self.base_url + path, allow_redirects=False, timeout=30)

    def post(self, path, data):
        return self.session.post(self.base_url + path, data=data, allow_redirects=False, timeout=30)

    def cookie_dict(self) -> dict:
        return self.session.cookies.get_dict()

    def token(self, username, password) -> str:
        response = self.session.post(self.base_url + "/api/tokens", auth=(username, password), timeout=30)
        response.raise_for_status()
        return response.json()["token"]

    def send(self, request):
        import requests

        return requests.request(
            request["method"],
            self.base_url + request["path"],
            headers=request["headers"],
            data=request["body"].encode() or None,
            allow_redirects=False,
            timeout=30,
        )


# -- the run -----------------------------------------------------------------------------


def run_wrk(case: Case, users: list[SignedInUser], *, url: str, seconds: int, args, workdir: Path) -> dict:
    """Load `case` with wrk for `seconds`; return its summary."""
    requests = requests_for(case, users)
    threads = min(2, args.concurrency)
    script = workdir / (re.sub(r"\W+", "_", case.name) + ".lua")
    script.write_text(render_lua(requests, max_requests=args.max_requests, threads=threads))
    command = ["wrk", f"-t{threads}", f"-c{args.concurrency}", f"-d{seconds}s", "--timeout", "10s", "-s", str(script)]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    done = subprocess.run([*command, url], capture_output=True, text=True, timeout=seconds + 60, check=False)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise RuntimeError(f"wrk failed: {done.stderr.strip()}")
    summary = parse_wrk_output(done.stdout)
    # What the load generator took from the two cores the server needs.
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    summary["generator_cpu_share"] = round(cpu / (summary["duration_us"] / 1e6 or 1), 3)
    return summary


def worker_pids(master_pid: int) -> list[str]:
    """Return the process ids of gunicorn's workers."""
    return Path(f"/proc/{master_pid}/task/{master_pid}/children").read_text().split()


def worker_peak_rss_mb(master_pid: int) -> list[float]:
    """Return VmHWM (peak resident memory) of each gunicorn worker, in MB."""
    peaks = []
    for pid in worker_pids(master_pid):
        status = Path(f"/proc/{pid}/status").read_text()
        match = re.search(r"^VmHWM:\s+(\d+) kB", status, re.MULTILINE)
        if match:
            peaks.append(round(int(match[1]) / 1024, 1))
    return peaks


def reset_peak_rss(master_pid: int) -> None:
    """Start the workers' VmHWM afresh (Linux: "5" into clear_refs), so it measures the load only."""
    for pid in worker_pids(master_pid):
        # Not ours to reset: the peak then includes signing in.
        with contextlib.suppress(OSError):
            Path(f"/proc/{pid}/clear_refs").write_text("5")


def free_port() -> int:
    """Return a free TCP port on the loopback interface."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_environ(args, static_root: str, port: int) -> dict:
    """Return the environment of the production server under test (plain HTTP on loopback)."""
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "microblog.settings.prod",
        "SECRET_KEY": os.environ.get("BENCH_SECRET_KEY") or secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "false",
        "SESSION_COOKIE_SECURE": "false",
        "CSRF_COOKIE_SECURE": "false",
        "SECURE_HSTS_SECONDS": "0",
        "RATELIMIT_ENABLED": "false",
        "BENCH_MODE": "true",
        "STATIC_ROOT": static_root,
        "LOG_LEVEL": "WARNING",
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "GUNICORN_WORKERS": str(args.workers),
        "GUNICORN_THREADS": str(args.threads),
        # No recycling during the run, so the peak RSS read at the end covers all of it.
        "GUNICORN_MAX_REQUESTS": "0",
    }


def ensure_data(data_set: DataSet, *, reseed: bool) -> None:
    """Migrate, then seed `data_set` unless the database already holds it."""
    from django.core.management import call_command

    from accounts.models import User
    from posts.models import Like, Post

    print("== migrate", flush=True)
    call_command("migrate", verbosity=0, interactive=False)
    users, posts = User.objects.count(), Post.objects.count()
    held = users == data_set.users and data_set.posts <= posts <= data_set.posts * 1.01
    # A data set seeded before seed_demo wrote likes and replies is not the one measured now.
    held = held and Like.objects.exists()
    if held and not reseed:
        print(f"== data set present ({users:,} users, {posts:,} posts): not seeding (--reseed forces it)")
        return
    if users and not reseed:
        raise SystemExit(
            f"The database holds other data ({users:,} users, {posts:,} posts). Use --reseed to erase it "
            "and seed the benchmark data set, or point DATABASE_URL at an empty database."
        )
    if users:
        print("== erasing the database (--reseed)", flush=True)
        call_command("flush", interactive=False, verbosity=0)
    print(f"== seeding {data_set.users:,} users, {data_set.posts:,} posts", flush=True)
    call_command(
        "seed_demo",
        users=data_set.users,
        posts=data_set.posts,
        follows_per_user=data_set.follows_per_user,
        stdout=sys.stdout,
        stderr=sys.stderr,
    )


def vacuum_analyze() -> None:
    """Refresh the planner's statistics and the visibility map, as a settled database has them."""
    from django.db import connection

    print("== VACUUM ANALYZE", flush=True)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")


def pick_users(count: int) -> tuple[list[str], object]:
    """Return `count` ordinary demo usernames (each follows ~100 people) and the heaviest poster."""
    from django.db.models import Count

    from accounts.models import User
    from posts.models import Post

    top = Post.objects.order_by().values("author").annotate(n=Count("pk")).order_by("-n").first()
    heavy = User.objects.get(pk=top["author"])
    # Skip the first hundred: by construction the most followed and most prolific.
    everyone = User.objects.filter(is_active=True).order_by("pk").values_list("username", flat=True)
    names = list(everyone[100 : 100 + count])
    if len(names) < count:
        names = list(everyone[:count])
    return names, heavy


def pick_sparse_users(count: int) -> list[str]:
    """Return `count` users who follow people picked uniformly at random: seed_demo makes them last."""
    from accounts.models import User

    names = User.objects.filter(is_active=True).order_by("-pk").values_list("username", flat=True)
    return list(names[:count])


def find_targets(usernames: list[str]) -> Targets:
    """Find in the seeded data what the cases read (a few aggregate queries, once per run)."""
    from django.db.models import Count, F
    from django.db.models.functions import Abs

    from accounts.models import User
    from posts.models import Post, Tagging

    heavy = User.objects.order_by("-post_count", "pk").first()
    # The stored counts: no scan of the posts.
    mid = User.objects.order_by(Abs(F("post_count") - MID_PROFILE_POSTS), "pk").first()
    tag = Tagging.objects.values("tag__name").annotate(n=Count("pk")).order_by("-n").first()
    thread = (
        Post.objects.filter(conversation__isnull=False)
        .values("conversation")
        .annotate(n=Count("pk"))
        .order_by("-n")
        .first()
    )
    like_post = (
        Post.objects.filter(author=heavy, author__is_active=True)
        .exclude(likes__user__username__in=usernames)
        .order_by("-created_at", "-pk")
        .first()
    )
    return Targets(
        heavy_username=heavy.username,
        heavy_id=heavy.pk,
        mid_username=mid.username,
        tag=tag["tag__name"] if tag else "django",
        thread_id=thread["conversation"] if thread else like_post.pk,
        like_post_id=like_post.pk,
    )


def feed_paths(username: str, per_page: int) -> dict:
    """Return `username`'s own paths: "home_p50", the "Older posts" link that leads to page 50."""
    from accounts.models import User
    from posts.timelines import Cursor, home

    user = User.objects.get(username=username)
    # The last entry of page 49: its cursor is what page 49's "Older posts" link carries.
    entries = home(user).entries(limit=1, offset=49 * per_page - 1)
    return {"home_p50": f"/?before={Cursor.of(entries[0])}" if entries else "/?page=50"}


def counter_drift() -> dict[str, int]:
    """Return, for each counter a like moves, how many rows differ from the real count."""
    from django.db import connection

    from microblog.counters import COUNTERS, drift
    from posts.models import Activity, Like

    sources = {Like._meta.db_table, Activity._meta.db_table}
    return {counter.name: drift(connection, counter) for counter in COUNTERS if counter.source in sources}


def undo_likes(post_id: int, usernames: list[str]) -> int:
    """Delete the likes the like/unlike case left on `post_id` (chosen unliked by the test users).

    Run once the workers have finished the requests wrk left in flight: one statement
    deleting many likes of a post, while a request unlikes it, can deadlock on the post's
    counter row (each takes a like row, then waits for the other's). The site itself never
    deletes several likes of one post at once but through moderation.
    """
    from django.db import OperationalError

    from posts.models import Like

    for attempt in range(1, 4):
        time.sleep(attempt)
        try:
            deleted, _by_model = Like.objects.filter(post_id=post_id, user__username__in=usernames).delete()
        except OperationalError:
            if attempt == 3:
                raise
        else:
            return deleted
    return 0


def delete_written_posts() -> int:
    """Delete the posts the write case published, so reruns measure the same data set."""
    from posts.models import Post

    deleted, _by_model = Post.objects.filter(body__startswith=WRITE_MARKER).delete()
    return deleted


def restore_data_set() -> None:
    """Undo the write case before the next case runs, so every case reads the seeded data.

    Left in place, its thousands of posts were the newest: they filled the test users' own
    feeds (a viewer's own posts are rendered afresh, never cached) and answered the
    searches for "café" from the first rows of the index, so later rounds measured
    another data set.
    """
    from django.db import connection

    deleted = delete_written_posts()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE posts_post")
    print(f"   (deleted the {deleted} posts it wrote)", flush=True)


def start_server(environ: dict, log_path: Path, port: int) -> subprocess.Popen:
    """Start gunicorn and wait until /healthz answers."""
    import requests

    log = log_path.open("w")
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "gunicorn.conf.py"), "microblog.wsgi"],
        cwd=ROOT,
        env=environ,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"gunicorn exited; see {log_path}:\n{log_path.read_text()[-2000:]}")
        try:
            if requests.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200:
                return server
        except (requests.ConnectionError, requests.Timeout):
            pass  # not listening yet, or too busy starting to answer within 2 s
        time.sleep(0.3)
    server.terminate()
    raise RuntimeError("gunicorn did not answer /healthz within 60 seconds")


def stop_server(server: subprocess.Popen) -> None:
    """Stop gunicorn gracefully (its own process group is not touched)."""
    if server.poll() is None:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=40)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def explain_queries(*, username: str, heavy: str) -> str:
    """Return EXPLAIN (ANALYZE, BUFFERS) of the feed (pages 1 and 50), explore, profile and search."""
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    for page, pages in ((1, ["home", "explore", "profile", "search"]), (50, ["home"])):
        options = {"user": username, "profile": heavy, "page": page, "pages": pages, "query": "cafe"}
        call_command("explain_pages", analyze=True, stdout=out, **options)
    return out.getvalue()


def progress(seconds: int, label: str):
    """Return a tqdm bar that counts the seconds of one wrk run."""
    from tqdm import tqdm

    bar_format = "{desc} {bar} {n_fmt}/{total_fmt} s"
    return tqdm(total=seconds, desc=f"{label:14}", unit="s", bar_format=bar_format, leave=False)


def main(argv=None) -> int:
    """Run the whole benchmark; return 0 when every target is met, 1 otherwise."""
    args = parse_args(argv)
    require_postgresql(os.environ)
    if not shutil.which("wrk"):
        raise SystemExit("wrk is not installed: apt-get install wrk (make bench does it when run as root).")
    sys.path.insert(0, str(ROOT))
    port = args.port or free_port()
    workdir = Path(tempfile.mkdtemp(prefix="microblog-bench-"))
    static_root = workdir / "static"
    environ = server_environ(args, str(static_root), port)
    # This process uses the same settings as the server, for seeding, explaining and cleanup.
    os.environ.update({k: v for k, v in environ.items() if not k.startswith("GUNICORN_")})

    import django

    django.setup()
    from django.conf import settings

    from posts.management.commands.seed_demo import DEMO_PASSWORD

    ensure_data(args.data_set, reseed=args.reseed)
    delete_written_posts()  # left over by an interrupted run
    vacuum_analyze()
    print("== collectstatic", flush=True)
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--no-input", "-v0"], cwd=ROOT, env=environ, check=True
    )
    usernames, _heavy = pick_users(args.users)
    sparse_names = pick_sparse_users(max(1, args.users // 2))
    targets = find_targets(usernames + sparse_names)
    cases = build_cases(targets)
    if args.cases:
        cases = [case for case in cases if case.name == "ceiling" or case.name in args.cases]
    loadavg_before = round(os.getloadavg()[0], 2)

    print(f"== gunicorn on 127.0.0.1:{port}, {args.workers} workers x {args.threads} threads", flush=True)
    server = start_server(environ, workdir / "gunicorn.log", port)
    rows = []
    try:
        client = HttpClient(f"http://127.0.0.1:{port}")
        print(f"== signing in {len(usernames)} users", flush=True)
        users = [login(HttpClient(client.base_url), name, DEMO_PASSWORD) for name in usernames]
        print(f"== signing in {len(sparse_names)} users with uniform follows", flush=True)
        sparse = [login(HttpClient(client.base_url), name, DEMO_PASSWORD) for name in sparse_names]
        per_page = settings.POSTS_PER_PAGE
        for user in users + sparse:
            user.paths = feed_paths(user.username, per_page)
        groups = {"dense": users, "sparse": sparse}
        url = f"http://127.0.0.1:{port}"
        # Argon2 borrows ~100 MB per hash while signing in; that peak is reported apart.
        signin_peak_mb = worker_peak_rss_mb(server.pid)
        reset_peak_rss(server.pid)
        queries = {}
        for case in cases:
            # Twice: the first request of a user may also move last_seen forward (one UPDATE
            # every five minutes), which is not the page's steady cost.
            first = groups[case.group][0]
            sample(client_for(url), case, first)
            status, queries[case.name] = sample(client_for(url), case, first)
            if status != case.expected_status:
                raise RuntimeError(f"{case.name}: {case.method} {case.path} answered {status}")
            run_wrk(case, groups[case.group], url=url, seconds=args.warmup, args=args, workdir=workdir)
            restore_after(case, targets, usernames + sparse_names)
        rounds, drifts = [], []
        for number in range(1, args.rounds + 1):
            print(f"== round {number} of {args.rounds}", flush=True)
            rows = []
            for case in cases:
                result = {}

                def load(case=case, result=result):
                    result["wrk"] = run_wrk(
                        case, groups[case.group], url=url, seconds=args.duration, args=args, workdir=workdir
                    )

                run_with_bar(load, args.duration, case.name)
                if case.toggle:
                    # Every like and unlike of the case has been answered: the counts must be exact.
                    drifts.append(counter_drift())
                restore_after(case, targets, usernames + sparse_names)
                row = summarize(case, result["wrk"], queries=queries[case.name])
                rows.append(row)
                print(
                    f"{case.name:14} {row['rps']:8.1f} req/s  p50 {row['p50_ms']:7.1f}  p95 {row['p95_ms']:7.1f}  "
                    f"p99 {row['p99_ms']:7.1f} ms  errors {row['errors']}  queries {row['queries']}",
                    flush=True,
                )
            rounds.append(rows)
        rows = combine_rounds(rounds)
        rss_mb = worker_peak_rss_mb(server.pid)
    finally:
        stop_server(server)
    if any(row["errors"] for row in rows):
        kept = args.results / "gunicorn-errors.log"
        kept.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(workdir / "gunicorn.log", kept)
        print(f"== some requests failed: the server log is kept in {kept}", flush=True)
    # The load may have outlived this process's idle connection (a restart, an idle timeout).
    from django.db import connection

    connection.close()
    print("== EXPLAIN (ANALYZE, BUFFERS)", flush=True)
    explain_text = explain_queries(username=usernames[0], heavy=targets.heavy_username)
    print(f"== deleted {delete_written_posts()} posts written by the run", flush=True)

    results = {
        "date": datetime.now().strftime("%Y-%m-%d-%H%M"),
        "run": {
            **asdict(args.data_set),
            "workers": args.workers,
            "threads": args.threads,
            "concurrency": args.concurrency,
            "duration": args.duration,
            "rounds": args.rounds,
            "warmup": args.warmup,
            "signed_in_users": len(users),
            "cpus": os.cpu_count(),
            "loadavg_before": loadavg_before,
            "loadavg_after": round(os.getloadavg()[0], 2),
            "generator": "wrk",
        },
        "cases": rows,
        "rss_mb": rss_mb,
        "rss_signin_peak_mb": signin_peak_mb,
        "counter_drift": drifts,
        "targets": check_targets(rows, rss_mb, worst_drift(drifts)),
    }
    paths = write_results(results, args.results, explain_text)
    shutil.rmtree(workdir, ignore_errors=True)
    print(markdown(results))
    print("Written: " + ", ".join(str(path) for path in paths.values()))
    return 0 if all(t["met"] for t in results["targets"]) else 1


def restore_after(case: Case, targets: Targets, usernames: list[str]) -> None:
    """Undo what a write case wrote, so the next case reads the seeded data."""
    if case.toggle:
        print(f"   (deleted the {undo_likes(targets.like_post_id, usernames)} likes it left)", flush=True)
    elif case.method == "POST":
        restore_data_set()


def worst_drift(drifts: list[dict[str, int]]) -> dict[str, int] | None:
    """Return the most rows each counter was off after any round of the like/unlike case (None: not run)."""
    if not drifts:
        return None
    return {name: max(drift[name] for drift in drifts) for name in drifts[0]}


def client_for(url: str) -> HttpClient:
    """Return a fresh client for the server at `url` (no cookies of its own)."""
    return HttpClient(url)


def run_with_bar(function, seconds: int, label: str) -> None:
    """Run `function` in a thread while a bar counts `seconds`."""
    import threading

    errors = []

    def target():
        try:
            function()
        except Exception as error:  # re-raised below, in the main thread
            errors.append(error)

    thread = threading.Thread(target=target)
    thread.start()
    with progress(seconds, label) as bar:
        while thread.is_alive():
            thread.join(1)
            if bar.n < seconds:
                bar.update(1)
    if errors:
        raise errors[0]


if __name__ == "__main__":
    sys.exit(main())
