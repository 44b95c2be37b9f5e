#!/usr/bin/env python3
"""A third-party XMPP client (slixmpp) that Hongyan's tests talk to.

The test harness (tests/src/peer.rs) starts one process per peer and speaks JSON lines:
commands arrive on stdin, events leave on stdout, slixmpp's own log goes to stderr.

Events (stdout):
  {"event":"online","jid":full}
  {"event":"message","from":full,"body":…|null,"id":…|null,"origin_id":…|null,"type":…}
  {"event":"presence","from":full,"type":…,"show":…,"status":…}
  {"event":"subscribe","from":bare}
  {"event":"done","cmd":…, …}          one per command, after it was handed to the stream
  {"event":"disconnected","reason":…}
  {"event":"error","kind":…,"text":…}

Commands (stdin):
  {"cmd":"send","to":…,"body":…}       type chat, with an XEP-0359 origin-id
  {"cmd":"presence","show":…,"status":…}
  {"cmd":"subscribe","to":…}           roster add, then presence subscribe
  {"cmd":"disco_items","jid":…}        XEP-0030 items; done carries "items":[jid…]
  {"cmd":"raw","xml":…}                any stanza the commands above do not cover
  {"cmd":"quit"}

The password comes from the HONGYAN_PEER_PASSWORD environment variable, so it is not
visible in the process list. Certificates are verified against the system store, which
the harness points at its test CA with SSL_CERT_FILE.
"""

import argparse
import asyncio
import json
import logging
import os
import sys
import uuid

import slixmpp
from slixmpp.exceptions import IqError, IqTimeout


def emit(event: str, **fields) -> None:
    """Write one event line. ASCII-escaped JSON, so stdout's encoding never matters."""
    fields["event"] = event
    sys.stdout.write(json.dumps(fields, ensure_ascii=True) + "\n")
    sys.stdout.flush()


def optional(value):
    """slixmpp answers '' for an absent attribute; the protocol says null."""
    return value if value else None


class Peer(slixmpp.ClientXMPP):
    def __init__(self, jid: str, password: str, register: bool):
        super().__init__(jid, password)
        self.want_register = register
        # STARTTLS only, never plaintext, certificates verified (slixmpp's default context).
        self.enable_direct_tls = False
        self.enable_starttls = True
        self.enable_plaintext = False
        # Accept every subscription request and ask back.
        self.auto_authorize = True
        self.auto_subscribe = True

        for plugin in ("xep_0030", "xep_0199", "xep_0359"):
            self.register_plugin(plugin)
        if register:
            self.register_plugin("xep_0004")
            self.register_plugin("xep_0066")
            self.register_plugin("xep_0077")
            self.plugin["xep_0077"].force_registration = True
            self.add_event_handler("register", self.on_register)

        self.add_event_handler("session_start", self.on_session_start)
        self.add_event_handler("message", self.on_message)
        self.add_event_handler("presence", self.on_presence)
        self.add_event_handler("presence_subscribe", self.on_subscribe)
        self.add_event_handler("failed_auth", self.on_failed_auth)
        self.add_event_handler("connection_failed", self.on_connection_failed)
        self.add_event_handler("disconnected", self.on_disconnected)

    async def on_register(self, _form) -> None:
        iq = self.Iq()
        iq["type"] = "set"
        iq["register"]["username"] = self.boundjid.user
        iq["register"]["password"] = self.password
        try:
            await iq.send()
        except IqError as e:
            emit("error", kind="register", text=str(e.iq["error"]["condition"]))
            self.disconnect()
        except IqTimeout:
            emit("error", kind="register", text="timeout")
            self.disconnect()

    async def on_session_start(self, _event) -> None:
        try:
            await self.get_roster()
        except (IqError, IqTimeout) as e:
            emit("error", kind="roster", text=str(e))
        self.send_presence()
        emit("online", jid=str(self.boundjid))

    def on_message(self, msg) -> None:
        if msg["type"] == "error":
            emit("error", kind="message", text=str(msg["error"]["condition"]), **{"from": str(msg["from"])})
            return
        emit(
            "message",
            **{"from": str(msg["from"])},
            body=optional(msg["body"]),
            id=optional(msg["id"]),
            origin_id=optional(msg["origin_id"]["id"]),
            type=msg["type"],
            # Every XEP-0203 stamp, the sender's own and any a server added on the way.
            delays=[
                {"from": d.get("from"), "stamp": d.get("stamp")}
                for d in msg.xml.findall("{urn:xmpp:delay}delay")
            ],
        )

    def on_presence(self, pres) -> None:
        # slixmpp reports an available presence's <show/> as its type; split them again.
        kind = pres["type"]
        if kind in ("subscribe", "subscribed", "unsubscribe", "unsubscribed", "probe"):
            return  # subscription handling has its own events
        if kind == "error":
            emit("error", kind="presence", text=str(pres["error"]["condition"]), **{"from": str(pres["from"])})
            return
        emit(
            "presence",
            **{"from": str(pres["from"])},
            type="unavailable" if kind == "unavailable" else "available",
            show=optional(pres["show"]),
            status=optional(pres["status"]),
        )

    def on_subscribe(self, pres) -> None:
        emit("subscribe", **{"from": str(pres["from"].bare)})

    def on_failed_auth(self, _event) -> None:
        emit("error", kind="auth", text="authentication failed")
        self.disconnect()

    def on_connection_failed(self, error) -> None:
        emit("error", kind="connect", text=str(error))

    def on_disconnected(self, reason) -> None:
        emit("disconnected", reason=str(reason) if reason else None)

    async def run_command(self, line: str) -> bool:
        """Carry out one command; False once the peer should stop."""
        try:
            cmd = json.loads(line)
            name = cmd["cmd"]
        except (ValueError, KeyError, TypeError) as e:
            emit("error", kind="command", text=f"bad command line: {e}")
            return True

        if name == "send":
            msg = self.make_message(mto=cmd["to"], mbody=cmd["body"], mtype="chat")
            msg["id"] = cmd.get("id") or uuid.uuid4().hex
            msg["origin_id"]["id"] = msg["id"]
            msg.send()
            emit("done", cmd=name, id=msg["id"], origin_id=msg["origin_id"]["id"])
        elif name == "presence":
            self.send_presence(pshow=cmd.get("show"), pstatus=cmd.get("status"))
            emit("done", cmd=name)
        elif name == "subscribe":
            try:
                await self.update_roster(cmd["to"], subscription="none")
            except (IqError, IqTimeout) as e:
                emit("error", kind="subscribe", text=str(e))
                return True
            self.send_presence_subscription(pto=cmd["to"])
            emit("done", cmd=name, to=cmd["to"])
        elif name == "disco_items":
            try:
                iq = await self.plugin["xep_0030"].get_items(jid=cmd["jid"])
            except (IqError, IqTimeout) as e:
                emit("error", kind=name, text=str(e))
                return True
            items = sorted(str(item[0]) for item in iq["disco_items"]["items"])
            emit("done", cmd=name, items=items)
        elif name == "raw":
            self.send_raw(cmd["xml"])
            emit("done", cmd=name)
        elif name == "quit":
            return False
        else:
            emit("error", kind="command", text=f"unknown command {name!r}")
        return True


async def read_commands(peer: Peer) -> None:
    loop = asyncio.get_running_loop()
    # Raw stanzas can be as large as a server accepts (tests send a few MiB); asyncio's default
    # line limit is 64 KiB.
    reader = asyncio.StreamReader(limit=16 * 1024 * 1024)
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    while True:
        line = await reader.readline()
        if not line:
            break  # the harness went away
        text = line.decode("utf-8").strip()
        if text and not await peer.run_command(text):
            break


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jid", required=True)
    parser.add_argument("--host", required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--register", action="store_true", help="XEP-0077 in-band registration first")
    parser.add_argument("--debug", action="store_true")
    args = parser.parse_args()

    logging.basicConfig(
        level=logging.DEBUG if args.debug else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    password = os.environ.get("HONGYAN_PEER_PASSWORD")
    if not password:
        emit("error", kind="config", text="HONGYAN_PEER_PASSWORD is not set")
        return 2

    peer = Peer(args.jid, password, args.register)
    peer.connect(args.host, args.port)
    await read_commands(peer)
    try:
        await asyncio.wait_for(peer.disconnect(wait=2.0), timeout=3.0)
    except asyncio.TimeoutError:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
