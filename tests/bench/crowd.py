#!/usr/bin/env python3
"""A crowd of XMPP contacts for Hongyan's app benchmark (tests/bench/app_bench.rs), on slixmpp.

Everything goes through ordinary client traffic: XEP-0077 in-band registration, roster sets and
presence subscriptions from client connections. Nothing writes the server's files.

  crowd.py ... seed   registers the owner (the account Hongyan signs in to), COUNT contacts and
                      a watcher, and makes each of them a mutual contact of the owner, with a
                      name (English and Chinese) and one of ten groups. Prints {"event":"seeded"}.
  crowd.py ... run    signs every contact and the watcher in, each with its own presence, and
                      stays online. Prints {"event":"ready"} once all are online; the watcher
                      prints {"event":"seen","type":"available"|"unavailable"} for each presence
                      of the owner it receives. Commands on stdin (JSON lines):
                        {"cmd":"churn","seconds":N}  presence changes and messages for N seconds,
                                                     then {"event":"churned","presences":…,"messages":…}
                        {"cmd":"quit"}

Passwords come from HONGYAN_CROWD_PASSWORD (all contacts) and HONGYAN_OWNER_PASSWORD.
Certificates are checked against SSL_CERT_FILE (the harness's test CA).
"""

import argparse
import asyncio
import json
import logging
import os
import random
import sys

import slixmpp
from slixmpp.exceptions import IqError, IqTimeout

GROUPS = [
    "Family 家人", "Work 工作", "Friends 朋友", "Classmates 同学", "Neighbours 邻居",
    "Badminton 羽毛球", "Book club 读书会", "Travel 旅行", "Open source 开源", "Suppliers 供应商",
]
GIVEN = ["Alice", "Bob", "Carol", "David", "Emma", "Frank", "Grace", "Henry", "Irene", "Jack",
         "Karen", "Leo", "Mia", "Noah", "Olivia", "Peter", "Quinn", "Rose", "Sam", "Tina"]
FAMILY = ["Smith", "Jones", "Brown", "Taylor", "Wilson", "Evans", "Walker", "Wright", "Green", "Hall"]
XING = ["王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周"]
MING = ["伟", "芳", "娜", "敏", "静", "磊", "洋", "艳", "勇", "军", "杰", "娟", "涛", "明", "超",
        "秀英", "小红", "建国", "志强", "海燕"]
SHOWS = [None] * 12 + ["away"] * 4 + ["dnd"] * 2 + ["xa", "chat"]
STATUSES = [None] * 6 + ["在开会", "Working from home", "午饭中 🍜", "On a train 🚄", "请勿打扰",
                         "Back at 3 pm", "出差 ✈", "Reading"]
TEXTS = ["你好！", "Are you around?", "明天见 👋", "Sending the file later", "收到，谢谢",
         "Lunch at noon?", "好的 👍", "Meeting moved to 4 pm"]


def emit(event: str, **fields) -> None:
    fields["event"] = event
    sys.stdout.write(json.dumps(fields, ensure_ascii=True) + "\n")
    sys.stdout.flush()


def contact_name(i: int) -> str:
    """Half English, half Chinese, a few both, so sorting meets both scripts."""
    if i % 2 == 0:
        return f"{GIVEN[i % len(GIVEN)]} {FAMILY[(i // len(GIVEN)) % len(FAMILY)]}"
    name = XING[i % len(XING)] + MING[(i // 2) % len(MING)]
    return name if i % 6 != 1 else f"{name} ({GIVEN[(i * 7) % len(GIVEN)]})"


class Member(slixmpp.ClientXMPP):
    """One account of the crowd. `register`: create it in-band first."""

    def __init__(self, jid: str, password: str, register: bool, roster: bool):
        super().__init__(jid, password)
        self.enable_direct_tls = False
        self.enable_starttls = True
        self.enable_plaintext = False
        self.auto_authorize = True
        self.auto_subscribe = True
        self.want_roster = roster
        self.started = asyncio.get_event_loop().create_future()
        self.register_plugin("xep_0030")
        self.register_plugin("xep_0199")
        if register:
            for plugin in ("xep_0004", "xep_0066", "xep_0077"):
                self.register_plugin(plugin)
            self.plugin["xep_0077"].force_registration = True
            self.add_event_handler("register", self.on_register)
        self.add_event_handler("session_start", self.on_session_start)
        self.add_event_handler("failed_auth", self.on_failed)
        self.add_event_handler("connection_failed", self.on_failed)

    async def on_register(self, _form) -> None:
        iq = self.Iq()
        iq["type"] = "set"
        iq["register"]["username"] = self.boundjid.user
        iq["register"]["password"] = self.password
        try:
            await iq.send()
        except IqError as e:
            # A second seeding of the same server finds the accounts there: that is fine.
            if e.iq["error"]["condition"] != "conflict":
                self.fail(f"register {self.boundjid.bare}: {e.iq['error']['condition']}")
        except IqTimeout:
            self.fail(f"register {self.boundjid.bare}: timeout")

    async def on_session_start(self, _event) -> None:
        if self.want_roster:
            try:
                await self.get_roster()
            except (IqError, IqTimeout) as e:
                self.fail(f"roster of {self.boundjid.bare}: {e}")
                return
            # Subscription requests reach only resources that asked for the roster and are
            # available (RFC 6121 §3.1.3).
            self.send_presence()
        if not self.started.done():
            self.started.set_result(True)

    def on_failed(self, why) -> None:
        self.fail(f"{self.boundjid.bare}: {why}")

    def fail(self, text: str) -> None:
        if not self.started.done():
            self.started.set_exception(RuntimeError(text))


async def sign_in(members, host: str, port: int, at_once: int = 20) -> None:
    gate = asyncio.Semaphore(at_once)

    async def one(m: Member) -> None:
        async with gate:
            m.connect(host, port)
            await asyncio.wait_for(m.started, 30)

    await asyncio.gather(*(one(m) for m in members))


async def seed(args, password: str, owner_password: str) -> None:
    owner = Member(args.owner, owner_password, register=True, roster=True)
    owner.auto_subscribe = False
    await sign_in([owner], args.host, args.port)
    names = [(f"{args.prefix}{i:03d}@{args.domain}", contact_name(i), GROUPS[i % len(GROUPS)])
             for i in range(args.count)]
    names.append((f"{args.prefix}watcher@{args.domain}", "Watcher 守望者", GROUPS[0]))
    batch = 25
    for start in range(0, len(names), batch):
        part = names[start:start + batch]
        members = [Member(jid + "/crowd", password, register=True, roster=True) for jid, _, _ in part]
        await sign_in(members, args.host, args.port)
        for jid, name, group in part:
            await owner.update_roster(jid, name=name, groups=[group])
            owner.send_presence_subscription(pto=jid)
        deadline = asyncio.get_event_loop().time() + 30
        while True:
            missing = [jid for jid, _, _ in part if owner.client_roster[jid]["subscription"] != "both"]
            if not missing:
                break
            if asyncio.get_event_loop().time() > deadline:
                raise RuntimeError(f"no mutual subscription with {missing[:3]}…")
            await asyncio.sleep(0.05)
        for m in members:
            m.disconnect()
        await asyncio.sleep(0.2)
    owner.disconnect()
    await asyncio.sleep(0.5)
    emit("seeded", contacts=args.count, watcher=names[-1][0])


async def churn(members, owner: str, seconds: float, rng: random.Random) -> None:
    """About three presence changes a second, one contact in twenty going away and back, and a
    message every five seconds."""
    presences = messages = 0
    away: list[Member] = []
    loop = asyncio.get_event_loop()
    end = loop.time() + seconds
    tick = 0
    while loop.time() < end:
        for m in rng.sample(members, 3):
            if m in away:
                continue
            if rng.random() < 0.05:
                m.send_presence(ptype="unavailable")
                away.append(m)
            else:
                m.send_presence(pshow=rng.choice(SHOWS), pstatus=rng.choice(STATUSES))
            presences += 1
        if away and rng.random() < 0.3:
            m = away.pop(0)
            m.send_presence(pshow=rng.choice(SHOWS), pstatus=rng.choice(STATUSES))
            presences += 1
        if tick % 5 == 4:
            m = rng.choice([m for m in members if m not in away])
            m.send_message(mto=owner, mbody=rng.choice(TEXTS), mtype="chat")
            messages += 1
        tick += 1
        await asyncio.sleep(1.0)
    for m in away:
        m.send_presence()
        presences += 1
    emit("churned", presences=presences, messages=messages)


async def run(args, password: str) -> None:
    rng = random.Random(7)
    members = [Member(f"{args.prefix}{i:03d}@{args.domain}/crowd", password, register=False, roster=False)
               for i in range(args.count)]
    watcher = Member(f"{args.prefix}watcher@{args.domain}/watch", password, register=False, roster=True)
    owner = args.owner

    def on_presence(pres) -> None:
        if pres["from"].bare != owner:
            return
        kind = pres["type"]
        if kind in ("subscribe", "subscribed", "unsubscribe", "unsubscribed", "probe", "error"):
            return
        emit("seen", type="unavailable" if kind == "unavailable" else "available")

    watcher.add_event_handler("presence", on_presence)
    await sign_in(members + [watcher], args.host, args.port)
    for i, m in enumerate(members):
        m.send_presence(pshow=SHOWS[i % len(SHOWS)], pstatus=STATUSES[i % len(STATUSES)])
    watcher.send_presence()
    await asyncio.sleep(0.5)
    emit("ready", online=len(members) + 1)

    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    task = None
    while True:
        line = await reader.readline()
        if not line:
            break
        try:
            cmd = json.loads(line)
        except ValueError:
            continue
        if cmd.get("cmd") == "churn":
            task = asyncio.ensure_future(churn(members, owner, float(cmd.get("seconds", 60)), rng))
        elif cmd.get("cmd") == "quit":
            break
    if task:
        task.cancel()
    for m in members + [watcher]:
        m.disconnect()
    await asyncio.sleep(0.5)


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--domain", required=True)
    parser.add_argument("--owner", required=True, help="bare JID of the account Hongyan signs in to")
    parser.add_argument("--prefix", default="crowd")
    parser.add_argument("--count", type=int, default=200)
    parser.add_argument("mode", choices=["seed", "run"])
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    password = os.environ.get("HONGYAN_CROWD_PASSWORD")
    owner_password = os.environ.get("HONGYAN_OWNER_PASSWORD")
    if not password or (args.mode == "seed" and not owner_password):
        emit("error", kind="config", text="HONGYAN_CROWD_PASSWORD / HONGYAN_OWNER_PASSWORD not set")
        return 2
    try:
        if args.mode == "seed":
            await seed(args, password, owner_password)
        else:
            await run(args, password)
    except Exception as e:  # noqa: BLE001 - reported to the bench, which stops
        emit("error", kind=args.mode, text=str(e))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
