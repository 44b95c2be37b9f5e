// Where a clicked link goes: xmpp: addresses open inside Hongyan, everything else is handed to
// the shell, which checks it again and passes it to the system (browser, mail).
import { openLink } from '$lib/ipc/commands';
import { isXmppHref, parseXmppUri, type XmppUri } from './xmppUri';

type Handler = (link: XmppUri) => void;

let handler: Handler | null = null;

/** The signed-in window registers what an xmpp: link does; null while nobody is signed in. */
export function setXmppLinkHandler(next: Handler | null): void {
  handler = next;
}

/** Opens `href`; resolves false when nothing could be done with it. */
export async function openHref(href: string): Promise<boolean> {
  if (isXmppHref(href)) {
    const link = parseXmppUri(href);
    if (!link || !handler) return false;
    handler(link);
    return true;
  }
  try {
    await openLink(href);
    return true;
  } catch {
    // The shell refused or failed to hand it to the OS; nothing more the UI can do.
    return false;
  }
}
